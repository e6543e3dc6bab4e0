// `fineract-netpol validate`: every problem of values files, before Helm or the cluster sees them,
// each where it was written and with how to fix it.
//
// Usage:
//   const result = validateValuesFiles(['values/production.yaml', 'local.yaml']);  // helm -f … -f …
//   if (!result.valid) for (const p of result.problems) console.log(p.file, p.line, p.column, p.path, p.message, p.fix);
//   process.stdout.write(formatValidation(result, 'text'));
//
// Stages, one direction:
//   read (read.ts)  →  merge (merge.ts)  →  check schema (check-schema.ts)
//                                         →  check semantics (check-semantics.ts)  →  format (format.ts)
// Throws InputError (exit 2 in the CLI) for a file that cannot be read, is not YAML or not a mapping.
import { STDIN_NAME, STDIN_PATH } from '../../files.ts';
import { checkSchema } from '../check-schema.ts';
import { checkSemantics } from '../check-rules.ts';
import { locate, mergeSources } from '../locations.ts';
import { formatPath, isMap } from '../paths.ts';
import { readSources, type LocationNode } from '../read.ts';
import { CHART_DEFAULT, type Finding, type Problem, type ValidationResult, type ValuesSummary } from './types.ts';

export { formatValidation, formatJson, formatText, VALIDATE_FORMATS, type ValidateFormat } from './format.ts';
export { CHART_DEFAULT } from './types.ts';
export type { Problem, Severity, ValidationResult, ValuesSummary } from './types.ts';

export function validateValuesFiles(paths: string[]): ValidationResult {
  const sources = readSources(paths);
  // `-` is standard input, named <stdin> in every message.
  const files = paths.map((path) => (path === STDIN_PATH ? STDIN_NAME : path));
  const merged = mergeSources(sources);
  const semantics = checkSemantics(merged.values, merged.locations, files);
  // A rule's problem says more than the schema's at the same place (an empty list of ports, an
  // endpoint naming no kind): the schema's is left out, as the SDK leaves out the model's.
  const ruled = new Set(semantics.map((f) => formatPath(f.path)));
  const findings = [
    ...sources.flatMap((source) => source.findings),
    ...checkSchema(merged.values, merged.locations).filter((f) => !ruled.has(formatPath(f.path))),
    ...semantics,
  ];
  const problems = sortProblems(unique(findings.map((f) => toProblem(f, merged.locations))), files);
  return {
    files: [...files],
    valid: !problems.some((p) => p.severity === 'error'),
    problems,
    summary: summarize(merged.values),
    sources: Object.fromEntries(sources.map((s) => [s.file, s.text])),
  };
}

function toProblem(finding: Finding, locations: LocationNode | undefined): Problem {
  const at = locate(locations, finding);
  return {
    file: at?.file ?? CHART_DEFAULT,
    line: at?.line ?? 0,
    column: at?.column ?? 0,
    endColumn: at?.endColumn ?? 0,
    path: formatPath(finding.path),
    message: finding.message,
    fix: finding.fix,
    severity: finding.severity,
    ...(finding.rule ? { rule: finding.rule } : {}),
  };
}

/** One problem per path and message; of two that say the same, the rule's (it carries the id). */
function unique(problems: Problem[]): Problem[] {
  const kept = new Map<string, Problem>();
  for (const p of problems) {
    const key = `${p.path}\u0000${p.message}`;
    const earlier = kept.get(key);
    if (!earlier || (!earlier.rule && p.rule)) kept.set(key, p);
  }
  return [...kept.values()];
}

/** By file (in -f order, chart defaults last), line, column, then path. */
function sortProblems(problems: Problem[], files: string[]): Problem[] {
  const rank = (file: string) => (file === CHART_DEFAULT ? files.length : files.indexOf(file));
  return [...problems].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

/** Enabled components and connections, and networks, of the merged values. */
function summarize(values: Record<string, unknown>): ValuesSummary {
  const enabled = (record: unknown) =>
    isMap(record)
      ? Object.values(record).filter((e) => isMap(e) && !(Object.hasOwn(e, 'enabled') && String(e.enabled) === 'false'))
          .length
      : 0;
  return {
    components: enabled(values.components),
    connections: enabled(values.connections),
    networks: isMap(values.networks) ? Object.keys(values.networks).length : 0,
  };
}
