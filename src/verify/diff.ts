// Connectivity of two policy sets over the same workloads: what a migration (hand-written
// policies → the chart) or a change between environments adds, removes and changes.
//
// Usage: const changes = diffConnectivity({ before, after, namespaces, workloads });
//        process.stdout.write(formatDiff(changes, 'text'));
import { compareText as cmp } from '../order.ts';
import { analyze, blockCidrs, workloadPairs, type AddressEndpoint, type Endpoint } from './analyze.ts';
import type { PortSet } from './ports.ts';
import { externalEnd, groupAtoms, workloadEnd, type FlowEnd } from './report.ts';
import type { ConnectionRecord, Namespace, NetworkPolicy, Protocol, Workload } from './types.ts';

export type Change = 'added' | 'removed' | 'changed';

export type ConnectivityChange = { change: Change; from: FlowEnd; to: FlowEnd; before: PortSet; after: PortSet };

export type DiffInput = {
  before: NetworkPolicy[];
  after: NetworkPolicy[];
  namespaces: Namespace[];
  workloads: Workload[];
};

export const DIFF_FORMATS = ['text', 'json', 'markdown'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

type PortsByProtocol = Partial<Record<Protocol, string[]>>;

/** The JSON document diff prints with `--output json`. */
export type JsonDiff = {
  added: ConnectionRecord[];
  removed: ConnectionRecord[];
  changed: { from: string; to: string; before: PortsByProtocol; after: PortsByProtocol }[];
  summary: Record<Change, number>;
};

export function diffConnectivity(input: DiffInput): ConnectivityChange[] {
  // Both analyses split the external address space at the CIDRs of both policy sets, so their
  // pod classes and address atoms are the same and can be compared endpoint by endpoint.
  const cidrs = [...blockCidrs(input.before), ...blockCidrs(input.after)];
  const before = analyze({ policies: input.before, namespaces: input.namespaces, workloads: input.workloads, cidrs });
  const after = analyze({ policies: input.after, namespaces: input.namespaces, workloads: input.workloads, cidrs });
  const changes: ConnectivityChange[] = [];
  const pods = before.podEndpoints();
  const atoms = before.addressEndpoints();
  const compare = (from: Endpoint, to: Endpoint) => ({
    before: before.allowed(from, to),
    after: after.allowed(from, to),
  });
  for (const from of pods) {
    for (const to of pods) {
      const c = compare(from, to);
      if (c.before.equals(c.after)) continue;
      for (const [src, dst] of workloadPairs(from.cls, to.cls))
        changes.push({ change: kindOf(c.before, c.after), from: workloadEnd(src), to: workloadEnd(dst), ...c });
    }
    for (const group of groupChanges(atoms, (atom) => compare(from, atom))) {
      for (const src of from.cls.workloads) changes.push({ ...group.change, from: workloadEnd(src), to: group.end });
    }
    for (const group of groupChanges(atoms, (atom) => compare(atom, from))) {
      for (const dst of from.cls.workloads) changes.push({ ...group.change, from: group.end, to: workloadEnd(dst) });
    }
  }
  const order: Record<Change, number> = { removed: 0, added: 1, changed: 2 };
  return changes.sort(
    (a, b) => order[a.change] - order[b.change] || cmp(a.from.name, b.from.name) || cmp(a.to.name, b.to.name),
  );
}

export function formatDiff(changes: ConnectivityChange[], format: DiffFormat): string {
  if (format === 'json') return `${JSON.stringify(toJsonDiff(changes), null, 2)}\n`;
  const summary = summarize(changes);
  const summaryLine = `${summary.removed} removed, ${summary.added} added, ${summary.changed} changed connection(s)`;
  if (changes.length === 0) return `No connectivity change.\n`;
  if (format === 'markdown') {
    const lines = ['| Change | From | To | Before | After |', '| --- | --- | --- | --- | --- |'];
    for (const c of changes)
      lines.push(`| ${c.change} | \`${c.from.name}\` | \`${c.to.name}\` | ${label(c.before)} | ${label(c.after)} |`);
    return `${[...lines, '', summaryLine].join('\n')}\n`;
  }
  const sign: Record<Change, string> = { removed: '-', added: '+', changed: '~' };
  const lines = changes.map((c) => {
    const detail =
      c.change === 'changed'
        ? `${label(c.before)} → ${label(c.after)}`
        : label(c.change === 'added' ? c.after : c.before);
    return `${sign[c.change]} ${c.from.name} => ${c.to.name} : ${detail}`;
  });
  return `${[...lines, '', summaryLine].join('\n')}\n`;
}

export function toJsonDiff(changes: ConnectivityChange[]): JsonDiff {
  const records = (c: ConnectivityChange, ports: PortSet): ConnectionRecord[] =>
    (c.from.cidrs ?? [c.from.name]).flatMap((from) =>
      (c.to.cidrs ?? [c.to.name]).flatMap((to) =>
        ports.protocols().map((protocol) => ({ from, to, protocol, ports: ports.portsOf(protocol) })),
      ),
    );
  const byProtocol = (ports: PortSet): PortsByProtocol =>
    Object.fromEntries(ports.protocols().map((p) => [p, ports.portsOf(p)]));
  return {
    added: changes.filter((c) => c.change === 'added').flatMap((c) => records(c, c.after)),
    removed: changes.filter((c) => c.change === 'removed').flatMap((c) => records(c, c.before)),
    changed: changes
      .filter((c) => c.change === 'changed')
      .flatMap((c) =>
        (c.from.cidrs ?? [c.from.name]).flatMap((from) =>
          (c.to.cidrs ?? [c.to.name]).map((to) => ({
            from,
            to,
            before: byProtocol(c.before),
            after: byProtocol(c.after),
          })),
        ),
      ),
    summary: summarize(changes),
  };
}

function summarize(changes: ConnectivityChange[]): Record<Change, number> {
  const counts: Record<Change, number> = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) counts[c.change] += 1;
  return counts;
}

function kindOf(before: PortSet, after: PortSet): Change {
  if (before.isEmpty()) return 'added';
  if (after.isEmpty()) return 'removed';
  return 'changed';
}

function label(ports: PortSet): string {
  return ports.isEmpty() ? 'nothing' : ports.toString();
}

/** Atoms whose (before, after) differ, grouped by equal change and merged where adjacent. */
function groupChanges(
  atoms: AddressEndpoint[],
  compare: (atom: AddressEndpoint) => { before: PortSet; after: PortSet },
): { change: Omit<ConnectivityChange, 'from' | 'to'>; end: FlowEnd }[] {
  return groupAtoms(
    atoms,
    compare,
    (c) => !c.before.equals(c.after),
    (a, b) => a.before.equals(b.before) && a.after.equals(b.after),
  ).map(({ ranges, value }) => ({
    change: { change: kindOf(value.before, value.after), before: value.before, after: value.after },
    end: externalEnd(ranges),
  }));
}
