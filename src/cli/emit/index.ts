// `fineract-netpol emit`: a values module written in TypeScript (its default export, usually from
// defineValues) checked and written as a YAML values file for Helm and Argo CD.
//
// Usage: const { output, messages, exitCode } = await emit({ file: 'values/uat.ts' });        // YAML in output
//        await emit({ file: 'values/uat.ts', out: 'values/uat.yaml' });                       // written atomically
//
// The module is loaded with import(): Node (22.18+ or 23.6+) strips the types of .ts and .mts
// files itself, so the module may use only erasable TypeScript syntax (no enum, namespace or
// parameter properties). It is evaluated as code: emit only modules you trust.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, UsageError } from '../../errors.ts';
import { checkValues, isValuesValidationError, type ValuesIssue } from '../../values/check.ts';
import type { ValuesOverride } from '../../values/define.ts';
import { formatValuesYaml, schemaRef, writeFileAtomic } from '../../values/file.ts';

export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

export type EmitOptions = {
  /** The values module: .ts, .mts (or .js, .mjs) with a default export. */
  file: string;
  /** Where to write the YAML; without it the YAML is returned as `output` (for stdout). */
  out?: string;
  /**
   * `$schema` of the modeline. Default: this package's schema/values.schema.json relative to the
   * folder of `out` (or of `file` when printing: the YAML usually lands next to its source).
   */
  schema?: string;
};

/** exitCode 1: the values are invalid (`messages` lists each problem); unusable input throws. */
export type EmitResult = { output: string; messages: string; exitCode: 0 | 1; issues: ValuesIssue[] };

export async function emit(options: EmitOptions): Promise<EmitResult> {
  const file = options.file;
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase())) {
    throw new UsageError(
      `${file}: emit loads a TypeScript or JavaScript module (${MODULE_EXTENSIONS.join(', ')}); to check a YAML file, use validate`,
    );
  }
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);

  let values: unknown;
  try {
    values = await loadDefaultExport(file);
  } catch (error) {
    if (isValuesValidationError(error)) return invalid(file, error.issues);
    throw error;
  }
  const issues = checkValues([values]);
  if (issues.length > 0) return invalid(file, issues);

  const target = options.out;
  const yamlDir = dirname(resolve(target ?? file));
  const text = formatValuesYaml(values as ValuesOverride, {
    schema: options.schema ?? schemaRef(yamlDir),
    header: `Generated from ${slash(relative(yamlDir, resolve(file)))} by \`fineract-netpol emit\`; edit that file instead.`,
  });
  if (target === undefined) return { output: text, messages: '', exitCode: 0, issues: [] };
  writeFileAtomic(target, text);
  return { output: '', messages: `emit: wrote ${target} from ${file}\n`, exitCode: 0, issues: [] };
}

function invalid(file: string, issues: ValuesIssue[]): EmitResult {
  const lines = issues.map((issue) => `${file}  ${issue.path}  ${issue.message}\n`);
  return {
    output: '',
    messages: `${lines.join('')}emit: ${issues.length} problem(s) in ${basename(file)}; nothing written\n`,
    exitCode: 1,
    issues,
  };
}

/** The module's default export. Errors of the module (syntax, imports, a throw) become InputErrors. */
async function loadDefaultExport(file: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    if (isValuesValidationError(error)) throw error;
    throw new InputError(`${file}: cannot load the values module: ${oneLine(error)}`, fixFor(error));
  }
  if (module.default === undefined) {
    throw new InputError(
      `${file}: the module has no default export`,
      'end it with `export default defineValues({ … })` (import { defineValues } from "fineract-netpol")',
    );
  }
  return module.default;
}

function fixFor(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX':
    case 'ERR_INVALID_TYPESCRIPT_SYNTAX':
      return 'Node strips types but does not transform: use only erasable syntax (no enum, namespace or constructor parameter properties)';
    case 'ERR_UNKNOWN_FILE_EXTENSION':
      return 'run on Node.js 22.18+ or 23.6+, which loads .ts files without flags';
    case 'ERR_MODULE_NOT_FOUND':
      return 'install the packages the module imports in its project (npm install --save-dev fineract-netpol)';
    default:
      return undefined;
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function slash(path: string): string {
  return path.split(sep).join('/');
}
