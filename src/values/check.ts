// Values checked against the model the way the chart sees them: each document (a `helm -f` file,
// or a values object written in TypeScript) merged over the chart's defaults as Helm merges
// them, then parsed with the zod model, and checked by the rule registry (src/model/rules/:
// references between entries, ports, CIDRs… what makes the chart's validation helper fail `helm
// install`, and what the values do not mean as written).
//
// Usage: const values = parseValues([parse(uatYaml)], 'values/uat.yaml');  // ValuesOutput, or throws
//        const problems = checkValues([override]);                           // [] when the chart renders it
import { InputError } from '../errors.ts';
import { DEFAULT_VALUES } from '../model/defaults.ts';
import { isValuesMap, mergeHelmValues } from './merge.ts';
import { chartLine, chartPath, ruleErrors } from '../model/rules/index.ts';
import { Values, type ValuesOutput } from '../model/values.ts';
import { describeIssue, formatPath, type ValuesIssue } from './issues.ts';

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
 * Every error of these values documents, merged over the chart's defaults: the model's (types,
 * syntax, unknown keys) and the rule registry's (src/model/rules/: undefined names, a cidr that
 * excludePrivate removes, a duplicate policyName…), each rule's as the chart's refusal words it.
 * Empty when `helm template` renders them and no rule finds an error.
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
  const heading = stage === 'rules' ? `the chart cannot render the values (${issues.length} problem(s))` : undefined;
  throw new ValuesValidationError(source, issues, heading);
}

function problemsOf(overrides: unknown[]): { stage: 'model' | 'rules'; issues: ValuesIssue[]; values?: ValuesOutput } {
  const notMapping = overrides.find((o) => o !== null && o !== undefined && !isValuesMap(o));
  if (notMapping !== undefined) {
    return { stage: 'model', issues: [{ path: '(root)', message: `must be a mapping (key: value), not ${typeName(notMapping)}` }] };
  }
  const merged = mergeHelmValues(DEFAULT_VALUES, ...overrides);
  // The rules read the merged values as Helm does, whatever the model makes of them.
  const rules = ruleErrors(merged, { written: (path) => overrides.some((o) => hasPath(o, path)) }).map(
    (p): ValuesIssue => ({ path: formatPath(p.path), message: chartLine(p).slice(chartPath(p.path).length + 2), rule: p.rule }),
  );
  const result = Values.safeParse(merged, { reportInput: true });
  if (!result.success) {
    // A rule's problem says more than the model's at the same place (validate does the same).
    const ruled = new Set(rules.map((r) => r.path));
    const model = result.error.issues.flatMap((issue) => describeIssue(Values, issue)).filter((i) => !ruled.has(i.path));
    return { stage: 'model', issues: [...model, ...rules] };
  }
  return { stage: 'rules', issues: rules, values: result.data };
}

/** Does a values document write this path (a key or list item, null included)? */
function hasPath(document: unknown, path: readonly (string | number)[]): boolean {
  let node = document;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(node) || key >= node.length) return false;
      node = node[key] as unknown;
    } else {
      if (!isValuesMap(node) || !Object.hasOwn(node, key)) return false;
      node = node[key];
    }
  }
  return path.length > 0;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
