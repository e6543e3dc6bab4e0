// Stage 4 of validate: what JSON Schema cannot express, checked by the rule registry
// (src/model/rules/, the one home of the values' meaning: the SDK and the chart say the same), with
// what only validate knows added to a fix: where the values were written, and names close to a
// typo'd one. An endpoint naming two kinds after a merge says which file (or the chart's default)
// brought the second one; a name that is not defined because an override deleted it (null) says
// so, a misspelt one the name it resembles.
//
// Usage: const findings = checkSemantics(merged.values, merged.locations, files);
import { checkRules, type RuleProblem } from '../model/rules/index.ts';
import { ENDPOINT_KINDS, isMap, type EndpointKind } from '../model/rules/view.ts';
import { closestName } from './suggest.ts';
import { isDeleted, isWritten, locate } from './locations.ts';
import { formatPath } from './paths.ts';
import type { LocationNode } from './read.ts';
import type { Finding, Path } from './report/types.ts';

type Values = Record<string, unknown>;

/** Where the values came from: the merged locations and the files in -f order. */
type Context = { values: Values; locations: LocationNode | undefined; files: readonly string[] };

export function checkSemantics(
  values: Values,
  locations: LocationNode | undefined,
  files: readonly string[],
): Finding[] {
  const context: Context = { values, locations, files };
  return checkRules(values, { written: (path) => isWritten(locations, path) }).map((problem) => ({
    ...problem,
    fix: locatedFix(problem, context) ?? problem.fix,
  }));
}

/** A better fix than the rule's, from where the values were written; undefined to keep the rule's. */
function locatedFix(problem: RuleProblem, context: Context): string | undefined {
  switch (problem.rule) {
    case 'endpoint-one-kind':
      return endpointFix(problem.path, context);
    case 'reference-undefined':
      return undefinedNameFix(problem.path, context);
    default:
      return undefined;
  }
}

/** The value at a path of the merged values. */
function valueAt(values: unknown, path: Path): unknown {
  let node = values;
  for (const key of path) node = isMap(node) ? node[String(key)] : undefined;
  return node;
}

/**
 * An endpoint that is not a mapping, holds a typo'd kind, or names several kinds: usually an
 * override merged into the chart's endpoint, whose kind is still there.
 */
function endpointFix(path: Path, { values, locations, files }: Context): string | undefined {
  const value = valueAt(values, path);
  if (!isMap(value)) {
    if (value === undefined) return undefined;
    const shown =
      value === null ? 'null' : Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`;
    return `write a mapping naming one endpoint, not ${shown}: {component: <name>}, {peer: <name>} or {network: <name>}`;
  }
  const kinds = ENDPOINT_KINDS.filter((kind) => Object.hasOwn(value, kind));
  if (kinds.length === 0) {
    for (const key of Object.keys(value)) {
      const suggestion = closestName(key, ENDPOINT_KINDS);
      if (suggestion) return `\`${key}\` is not a kind of endpoint: did you mean \`${suggestion}\`?`;
    }
    return undefined;
  }
  return severalKindsFix(path, value, kinds, locations, files);
}

function severalKindsFix(
  path: Path,
  value: Record<string, unknown>,
  kinds: EndpointKind[],
  locations: LocationNode | undefined,
  files: readonly string[],
): string {
  const where = kinds.map((kind) => ({
    kind,
    at: locate(locations, { path: [...path, kind], message: '', fix: '', severity: 'error' }),
    written: isWritten(locations, [...path, kind]),
  }));
  const inherited = where.filter((w) => !w.written);
  const writers = new Set(where.filter((w) => w.written).map((w) => w.at?.file));
  if (inherited.length > 0) {
    return `maps merge, so the chart's default ${inherited.map((w) => `${w.kind}: ${JSON.stringify(value[w.kind])}`).join(', ')} is still there: add ${inherited.map((w) => `${w.kind}: null`).join(', ')} next to the new one`;
  }
  if (writers.size > 1) {
    const rank = (w: (typeof where)[number]) => (w.at ? files.indexOf(w.at.file) : -1);
    const newest = where.reduce((a, b) => (rank(b) >= rank(a) ? b : a));
    const older = where.filter((w) => w !== newest);
    return `the files merge: add ${older.map((w) => `${w.kind}: null`).join(', ')} next to ${newest.kind} in ${newest.at?.file ?? 'the last file'}`;
  }
  return 'keep only one of them';
}

/**
 * A name that is not defined: because the values delete it (`<kinds>.<name>: null`), or a typo of
 * a defined one ("did you mean").
 */
function undefinedNameFix(path: Path, { values, locations }: Context): string | undefined {
  const kind = String(path.at(-1));
  const name = valueAt(values, path);
  if (typeof name !== 'string') return undefined;
  if (isDeleted(locations, [`${kind}s`, name])) {
    const connection = formatPath(path.slice(0, 2));
    return `${kind}s.${name} is deleted (null) in the values: set ${connection}.enabled: false too${kind === 'component' ? ', or keep the component with enabled: false' : ''}`;
  }
  const defined = valueAt(values, [`${kind}s`]);
  const suggestion = closestName(name, isMap(defined) ? Object.keys(defined).sort() : []);
  return suggestion === undefined ? undefined : `did you mean "${suggestion}"?`;
}
