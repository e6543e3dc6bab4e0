// Values checked against the model the way the chart sees them: each document (a `helm -f` file,
// or a values object written in TypeScript) merged over the chart's defaults as Helm merges
// them, then parsed with the zod model, then planned (references between entries, ports, CIDRs:
// what makes the chart's validation helper fail `helm install`).
//
// Usage: const values = parseValues([parse(uatYaml)], 'values/uat.yaml');  // ValuesOutput, or throws
//        const problems = checkValues([override]);                           // [] when the chart renders it
import { InputError } from '../errors.ts';
import { DEFAULT_VALUES } from '../model/defaults.ts';
import { expansionProblems } from '../model/expand.ts';
import { isValuesMap, mergeHelmValues } from '../model/merge.ts';
import { Values, type ValuesOutput } from '../model/values.ts';
import { describeIssue, type ValuesIssue } from './issues.ts';

export type { ValuesIssue };

const SCHEMA_FIX = 'correct each field (the schema is schema/values.schema.json)';

/**
 * Values that the chart refuses. `issues` holds every problem (path and message); `source` is the
 * file or function the values came from. An InputError, so the CLI reports it without a stack.
 */
export class ValuesValidationError extends InputError {
  readonly source: string;
  readonly issues: ValuesIssue[];

  constructor(source: string, issues: ValuesIssue[], heading = "the values do not match the chart's schema") {
    super(`${source}: ${heading}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`, SCHEMA_FIX);
    this.name = 'ValuesValidationError';
    this.source = source;
    this.issues = issues;
  }
}

/** A ValuesValidationError, also one thrown by another copy of this module (another installation). */
export function isValuesValidationError(error: unknown): error is ValuesValidationError {
  return (
    error instanceof Error &&
    error.name === 'ValuesValidationError' &&
    Array.isArray((error as Partial<ValuesValidationError>).issues)
  );
}

/**
 * Values documents (`helm -f` files, already read) merged over the chart's defaults and parsed
 * with the model. Throws ValuesValidationError naming each invalid field by its path
 * (`networks.rds.cidrs[0]`), InputError when a document is not a mapping.
 */
export function parseValues(overrides: unknown[], source = 'values'): ValuesOutput {
  for (const override of overrides) {
    if (override !== null && override !== undefined && !isValuesMap(override)) {
      throw new InputError(`${source}: a values file must be a YAML mapping (key: value), not ${typeName(override)}`);
    }
  }
  const result = Values.safeParse(mergeHelmValues(DEFAULT_VALUES, ...overrides), { reportInput: true });
  if (result.success) return result.data;
  throw new ValuesValidationError(
    source,
    result.error.issues.flatMap((issue) => describeIssue(Values, issue)),
  );
}

/**
 * Every problem of these values documents, merged over the chart's defaults: the model's (types,
 * syntax, unknown keys) and, when there are none, the chart's plan (undefined names, a cidr that
 * excludePrivate removes, endPort below port…). Empty when `helm template` renders them.
 */
export function checkValues(overrides: unknown[]): ValuesIssue[] {
  return problemsOf(overrides).issues;
}

/**
 * Throws ValuesValidationError listing every problem checkValues finds; returns the values merged
 * over the chart's defaults (what the chart renders) otherwise.
 */
export function validateValues(overrides: unknown[], source = 'values'): ValuesOutput {
  const { issues, stage, values } = problemsOf(overrides);
  if (values && issues.length === 0) return values;
  const heading = stage === 'plan' ? `the chart cannot render the values (${issues.length} problem(s))` : undefined;
  throw new ValuesValidationError(source, issues, heading);
}

function problemsOf(overrides: unknown[]): { stage: 'model' | 'plan'; issues: ValuesIssue[]; values?: ValuesOutput } {
  const notMapping = overrides.find((o) => o !== null && o !== undefined && !isValuesMap(o));
  if (notMapping !== undefined) {
    return { stage: 'model', issues: [{ path: '(root)', message: `must be a mapping (key: value), not ${typeName(notMapping)}` }] };
  }
  const result = Values.safeParse(mergeHelmValues(DEFAULT_VALUES, ...overrides), { reportInput: true });
  if (!result.success) {
    return { stage: 'model', issues: result.error.issues.flatMap((issue) => describeIssue(Values, issue)) };
  }
  return { stage: 'plan', issues: expansionProblems(result.data).map(splitProblem), values: result.data };
}

/** `connections.x.to.network: "db" is not defined…` → path and message. */
function splitProblem(problem: string): ValuesIssue {
  const match = /^([^\s:]+): (.*)$/s.exec(problem);
  return match ? { path: match[1] ?? '', message: match[2] ?? '' } : { path: '(root)', message: problem };
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
