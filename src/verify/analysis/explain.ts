// Why connectivity changed between two values files: for each change of `diff`, the values keys
// that cause it. No other tool can say this, since only the values know which connection,
// network or toggle a rule comes from.
//
// For a change between two ends, the keys considered are
//   - the connections that declare the flow (DeclaredFlow.by) under either values, and the
//     components, peers and networks they name;
//   - the components whose podSelector selects either end (their `enabled`, podSelector, ports);
//   - `defaultDeny`, `dns` and `monitoring` (they decide the flows no connection declares);
// and of these, the ones whose value differs between the two files are the cause, written as the
// deepest differing paths (`networks.rds.cidrs`, `connections.web-to-api (added)`).
//
// Usage: const because = explainChanges(changes, { before: { analysis, values }, after: { … } });
//        because[i] // ['networks.rds.cidrs'] for changes[i]
import type { ValuesOutput } from '../../model/values.ts';
import { parseRange, rangesOverlap } from '../../model/cidr.ts';
import type { Analysis } from './analyze.ts';
import type { ConnectivityChange } from './diff.ts';
import { declaredIntent, type Target } from '../checks/intent.ts';
import type { FlowEnd } from '../present/report.ts';
import { matchesSelector } from '../model/selectors.ts';
import { isRecord } from '../readers/kubernetes.ts';
import { namespacedName } from '../model/types.ts';

export type ValuesSide = { analysis: Analysis; values: ValuesOutput; namespace: string };

/** The values keys behind each change (same order as `changes`; empty when no key explains it). */
export function explainChanges(
  changes: ConnectivityChange[],
  sides: { before: ValuesSide; after: ValuesSide },
): string[][] {
  const differing = differingPaths(sides.before.values, sides.after.values);
  if (differing.length === 0) return changes.map(() => []);
  const declared = {
    before: declaredIntent(sides.before.analysis, sides.before.values, { namespace: sides.before.namespace }).flows,
    after: declaredIntent(sides.after.analysis, sides.after.values, { namespace: sides.after.namespace }).flows,
  };
  return changes.map((change) => {
    const related = new Set<string>();
    let declaredOnASide = false;
    let outsideComponents = false;
    for (const side of ['before', 'after'] as const) {
      const { values, analysis, namespace } = sides[side];
      for (const flow of declared[side]) {
        if (!targetHas(flow.from, change.from) || !targetHas(flow.to, change.to)) continue;
        declaredOnASide = true;
        for (const key of flow.by) addDeclaration(related, key, values);
      }
      for (const end of [change.from, change.to]) {
        const workload = workloadOf(end, analysis);
        if (!workload || workload.namespace !== namespace) continue;
        const selecting = Object.entries(values.components ?? {}).filter(([, component]) =>
          matchesSelector(component.podSelector, workload.labels),
        );
        for (const [name] of selecting) related.add(`components.${name}`);
        if (!selecting.some(([, component]) => component.enabled !== false)) outsideComponents = true;
      }
    }
    // defaultDeny decides what no component covers, and what no connection declares.
    if (outsideComponents || !declaredOnASide) related.add('defaultDeny');
    return differing
      .filter((d) => !d.path.endsWith('.description'))
      .filter((d) => [...related].some((root) => d.path === root || d.path.startsWith(`${root}.`)))
      .map((d) => (d.how === 'changed' ? d.path : `${d.path} (${d.how})`));
  });
}

/** A connection key (`connections.x`) and the entries it names; other keys as they are. */
function addDeclaration(related: Set<string>, key: string, values: ValuesOutput): void {
  related.add(key);
  const name = /^connections\.(.+)$/.exec(key)?.[1];
  const connection = name === undefined ? undefined : values.connections?.[name];
  if (!connection) return;
  for (const end of [connection.from, connection.to] as unknown[]) {
    if (!isRecord(end)) continue;
    for (const kind of ['component', 'peer', 'network'] as const) {
      const value = end[kind];
      if (typeof value === 'string') related.add(`${kind}s.${value}`);
    }
  }
}

function workloadOf(end: FlowEnd, analysis: Analysis) {
  if (end.cidrs || end.symbol) return undefined;
  for (const cls of analysis.classes) {
    const found = cls.workloads.find((w) => namespacedName(w) === end.name);
    if (found) return found;
  }
  return undefined;
}

/** Whether a declared flow's end covers a change's end (the workload's class; overlapping addresses). */
function targetHas(target: Target, end: FlowEnd): boolean {
  if (target.kind === 'pod') {
    return !end.cidrs && !end.symbol && target.cls.workloads.some((w) => namespacedName(w) === end.name);
  }
  if (target.kind === 'symbol') return end.name === target.name;
  return (end.cidrs ?? []).some((cidr) => rangesOverlap(parseRange(cidr), target.range));
}

type Differing = { path: string; how: 'changed' | 'added' | 'removed' };

/** The deepest paths where two values differ (lists compared whole), in key order. */
export function differingPaths(before: unknown, after: unknown, path = ''): Differing[] {
  if (isRecord(before) && isRecord(after) && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => {
      const child = path === '' ? key : `${path}.${key}`;
      if (!(key in before) || before[key] === undefined) {
        return after[key] === undefined ? [] : [{ path: child, how: 'added' as const }];
      }
      if (!(key in after) || after[key] === undefined) return [{ path: child, how: 'removed' as const }];
      return differingPaths(before[key], after[key], child);
    });
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, how: 'changed' }];
}
