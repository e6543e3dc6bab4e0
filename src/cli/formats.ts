// The choices of the command line's options, in a module that imports nothing, so that
// `fineract-netpol --help` or `--version` loads no analyzer, schema or YAML library: each command
// loads its modules when it runs (src/cli/main.ts).
//
// Usage: new Option('-o, --output <format>').choices(OUTPUT_FORMATS)

/** verify --output. */
export const OUTPUT_FORMATS = ['text', 'json', 'markdown', 'mermaid'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** verify --only: what the output keeps. */
export const ONLY = ['flows', 'findings', 'errors', 'components'] as const;
export type Only = (typeof ONLY)[number];

/** diff --output. */
export const DIFF_FORMATS = ['text', 'json', 'markdown', 'mermaid'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** validate --output. */
export const VALIDATE_FORMATS = ['text', 'json'] as const;
export type ValidateFormat = (typeof VALIDATE_FORMATS)[number];
