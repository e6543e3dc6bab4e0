// Connectivity of two policy sets over the same workloads: what a migration (hand-written
// policies → the chart) or a change between environments adds, removes and changes.
//
// Usage: const changes = diffConnectivity({ before, after, namespaces, workloads });
//        process.stdout.write(formatDiff(changes, 'text'));
import { compareText as cmp } from '../../order.ts';
import { parseRange, rangeContains, rangeToCidrs } from '../../model/cidr.ts';
import { AddressSpace } from '../model/addresses.ts';
import { analyze, blockCidrs, policySymbols, workloadPairs, type AddressEndpoint, type Endpoint } from './analyze.ts';
import { isSymbolicEnd } from '../model/cilium-symbols.ts';
import { PortSet } from '../model/ports.ts';
import {
  externalEnd,
  fenceMermaid,
  groupAtoms,
  MermaidGraph,
  mermaidText,
  symbolEnd,
  workloadEnd,
  type FlowEnd,
} from '../present/report.ts';
import type {
  ConnectionRecord,
  LabelSelector,
  Labels,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  Protocol,
  Workload,
} from '../model/types.ts';

export type Change = 'added' | 'removed' | 'changed';

export type ConnectivityChange = {
  change: Change;
  from: FlowEnd;
  to: FlowEnd;
  before: PortSet;
  after: PortSet;
  /** The values keys that cause it (src/verify/analysis/explain.ts), when both values are known. */
  because?: string[];
};

export type DiffInput = {
  before: NetworkPolicy[];
  after: NetworkPolicy[];
  namespaces: Namespace[];
  workloads: Workload[];
};

export { DIFF_FORMATS, type DiffFormat } from '../../cli/formats.ts';
import type { DiffFormat } from '../../cli/formats.ts';

type PortsByProtocol = Partial<Record<Protocol, string[]>>;

/** A record of the JSON diff; `because` only when both values files are given. */
type Because = { because?: string[] };

/** The JSON document diff prints with `--output json`. */
export type JsonDiff = {
  added: (ConnectionRecord & Because)[];
  removed: (ConnectionRecord & Because)[];
  changed: ({ from: string; to: string; before: PortsByProtocol; after: PortsByProtocol } & Because)[];
  summary: Record<Change, number>;
};

/** What a change's `because` says when no values key explains it. */
export const UNEXPLAINED = 'no values key (the policies differ otherwise: namespace, chart version or edits)';

/**
 * The policies as if written for other namespaces (`{ 'fineract-uat': 'fineract-production' }`):
 * their namespace, and in namespaceSelectors every label value naming a mapped namespace (the
 * `kubernetes.io/metadata.name` label, or a label of one's own holding the name). For comparing
 * environments rendered into different namespaces: `diff --namespace-map before=after`.
 */
export function renamePolicyNamespaces(policies: NetworkPolicy[], map: ReadonlyMap<string, string>): NetworkPolicy[] {
  if (map.size === 0) return policies;
  const rename = (value: string) => map.get(value) ?? value;
  const selector = (s: LabelSelector | undefined): LabelSelector | undefined =>
    s && {
      ...(s.matchLabels ? { matchLabels: mapValues(s.matchLabels, rename) } : {}),
      ...(s.matchExpressions
        ? { matchExpressions: s.matchExpressions.map((r) => (r.values ? { ...r, values: r.values.map(rename) } : r)) }
        : {}),
    };
  const peer = (p: NetworkPolicyPeer): NetworkPolicyPeer =>
    p.namespaceSelector ? { ...p, namespaceSelector: selector(p.namespaceSelector) } : p;
  return policies.map((policy) => ({
    ...policy,
    namespace: rename(policy.namespace),
    ...(policy.ingress ? { ingress: policy.ingress.map((r) => (r.from ? { ...r, from: r.from.map(peer) } : r)) } : {}),
    ...(policy.egress ? { egress: policy.egress.map((r) => (r.to ? { ...r, to: r.to.map(peer) } : r)) } : {}),
  }));
}

/** Namespaces and workloads moved by the same map (a Namespace's labels holding its name too). */
export function renameInventoryNamespaces(
  inventory: { namespaces: Namespace[]; workloads: Workload[] },
  map: ReadonlyMap<string, string>,
): { namespaces: Namespace[]; workloads: Workload[] } {
  // Only the two fields: the caller may pass a whole LoadedManifests, whose `policies` (the
  // inventory files' own, usually none) would otherwise be spread over the policies analysed.
  if (map.size === 0) return { namespaces: inventory.namespaces, workloads: inventory.workloads };
  const rename = (value: string) => map.get(value) ?? value;
  const namespaces = new Map<string, Namespace>();
  for (const ns of inventory.namespaces) {
    const moved = { name: rename(ns.name), labels: mapValues(ns.labels, (v) => (v === ns.name ? rename(v) : v)) };
    namespaces.set(moved.name, moved);
  }
  return {
    namespaces: [...namespaces.values()],
    workloads: inventory.workloads.map((w) => ({ ...w, namespace: rename(w.namespace) })),
  };
}

function mapValues(labels: Labels, f: (value: string) => string): Labels {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, f(v)]));
}

export function diffConnectivity(input: DiffInput): ConnectivityChange[] {
  // Both analyses split the external address space at the CIDRs of both policy sets, so their
  // pod classes and address atoms are the same and can be compared endpoint by endpoint.
  // The same goes for the symbolic endpoints of Cilium policies (fqdn:…, entity:…).
  const cidrs = [...blockCidrs(input.before), ...blockCidrs(input.after)];
  const symbols = [...policySymbols(input.before), ...policySymbols(input.after)];
  const { namespaces, workloads } = input;
  const before = analyze({ policies: input.before, namespaces, workloads, cidrs, symbols });
  const after = analyze({ policies: input.after, namespaces, workloads, cidrs, symbols });
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
    for (const symbol of before.symbolEndpoints()) {
      for (const [src, dst] of [
        [from, symbol],
        [symbol, from],
      ] as const) {
        const c = compare(src, dst);
        if (c.before.equals(c.after)) continue;
        for (const w of from.cls.workloads) {
          const pod = workloadEnd(w);
          const end = symbolEnd(symbol.name);
          changes.push({
            change: kindOf(c.before, c.after),
            from: src === from ? pod : end,
            to: src === from ? end : pod,
            ...c,
          });
        }
      }
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
  const explained = changes.some((c) => c.because !== undefined);
  if (format === 'markdown') {
    const lines = [
      `| Change | From | To | Before | After |${explained ? ' Because |' : ''}`,
      `| --- | --- | --- | --- | --- |${explained ? ' --- |' : ''}`,
    ];
    for (const c of changes) {
      const because = explained ? ` ${becauseText(c).map(markdownCode).join(', ')} |` : '';
      lines.push(
        `| ${c.change} | \`${c.from.name}\` | \`${c.to.name}\` | ${label(c.before)} | ${label(c.after)} |${because}`,
      );
    }
    return `${[...lines, '', summaryLine].join('\n')}\n`;
  }
  if (format === 'mermaid') return formatDiffMermaid(changes);
  const sign: Record<Change, string> = { removed: '-', added: '+', changed: '~' };
  const lines = changes.flatMap((c) => {
    const detail =
      c.change === 'changed'
        ? `${label(c.before)} → ${label(c.after)}`
        : label(c.change === 'added' ? c.after : c.before);
    const line = `${sign[c.change]} ${c.from.name} => ${c.to.name} : ${detail}`;
    return c.because === undefined ? [line] : [line, `    because: ${becauseText(c).join(', ')}`];
  });
  return `${[...lines, '', summaryLine].join('\n')}\n`;
}

function becauseText(change: ConnectivityChange): string[] {
  return change.because && change.because.length > 0 ? change.because : [UNEXPLAINED];
}

function markdownCode(text: string): string {
  return text === UNEXPLAINED ? text : `\`${text}\``;
}

/**
 * A fenced Mermaid flowchart GitHub renders: namespaces as subgraphs, external addresses apart;
 * added flows as thick green edges, removed as dotted red ones, changed as plain edges.
 */
function formatDiffMermaid(changes: ConnectivityChange[]): string {
  const graph = new MermaidGraph();
  const styles: string[] = [];
  const edges = changes.map((c, i) => {
    const from = graph.node(c.from);
    const to = graph.node(c.to);
    const text =
      c.change === 'changed'
        ? `${label(c.before)} → ${label(c.after)}`
        : `${c.change === 'added' ? '+' : '−'} ${label(c.change === 'added' ? c.after : c.before)}`;
    const arrow = c.change === 'added' ? '==>' : c.change === 'removed' ? '-.->' : '-->';
    const color = c.change === 'added' ? '#1a7f37' : c.change === 'removed' ? '#cf222e' : '#9a6700';
    styles.push(`  linkStyle ${i} stroke:${color},color:${color}`);
    return `  ${from} ${arrow}|"${mermaidText(text)}"| ${to}`;
  });
  return fenceMermaid([...graph.lines(), ...edges, ...styles]);
}

export function toJsonDiff(changes: ConnectivityChange[]): JsonDiff {
  const because = (c: ConnectivityChange): Because => (c.because === undefined ? {} : { because: becauseText(c) });
  const records = (c: ConnectivityChange, ports: PortSet): (ConnectionRecord & Because)[] =>
    (c.from.cidrs ?? [c.from.name]).flatMap((from) =>
      (c.to.cidrs ?? [c.to.name]).flatMap((to) =>
        ports.protocols().map((protocol) => ({ from, to, protocol, ports: ports.portsOf(protocol), ...because(c) })),
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
            ...because(c),
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

// ---- comparing connection tables -------------------------------------------------------------

/** A difference between two connection tables: one end pair and protocol, the ports on each side. */
export type RecordDifference = {
  from: string;
  to: string;
  protocol: Protocol;
  /** The ports the first table allows (`["443", "8000-8080"]`; `[]`: none). */
  before: string[];
  after: string[];
};

export type CompareRecordsOptions = {
  /**
   * Ends to leave out (a record with such an end is not compared), e.g. `isSymbolicEnd` to compare
   * a kubernetes render with a cilium render of the same values, whose FQDN and entity flows
   * only the cilium render has.
   */
  ignore?: (end: string) => boolean;
};

/**
 * The differences between two connection tables (the JSON `connections` of verify, or
 * `connectionRecords(collectFlows(analysis))`), whatever the CIDRs each table merged its external
 * addresses into: CIDR ends are split at every boundary of both tables and compared range by
 * range; workloads and symbolic ends (`fqdn:…`, `entity:…`) by name. [] when they allow the same.
 *
 * Usage (the same values rendered for both engines, evaluated on one inventory):
 *   const records = (policies: NetworkPolicy[]) =>
 *     connectionRecords(collectFlows(analyze({ policies, ...inventory })));
 *   const differences = compareConnectionRecords(records(kubernetesRender), records(ciliumRender),
 *     { ignore: isSymbolicEnd });
 *   expect(differences).toEqual([]);
 *   // and what only the cilium render allows: records(ciliumRender).filter((r) => isSymbolicEnd(r.to))
 */
export function compareConnectionRecords(
  before: readonly ConnectionRecord[],
  after: readonly ConnectionRecord[],
  options: CompareRecordsOptions = {},
): RecordDifference[] {
  const keep = (r: ConnectionRecord) => !options.ignore || (!options.ignore(r.from) && !options.ignore(r.to));
  const sides = [before.filter(keep), after.filter(keep)] as const;
  const isCidr = (end: string) => !isSymbolicEnd(end) && /^[\d.:a-f]+\/\d+$/i.test(end);
  const cidrs = sides.flatMap((records) => records.flatMap((r) => [r.from, r.to].filter(isCidr)));
  const atoms = AddressSpace.from(cidrs).atoms;
  const atomNames = atoms.map((atom) => rangeToCidrs(atom).join(', '));
  /** The ends a record end stands for: itself, or the atoms inside its CIDR. */
  const split = (end: string): string[] => {
    if (!isCidr(end)) return [end];
    const range = parseRange(end);
    return atoms.flatMap((atom, i) => (rangeContains(range, atom) ? [atomNames[i] as string] : []));
  };
  const tables = sides.map((records) => {
    const table = new Map<string, { from: string; to: string; protocol: Protocol; ports: PortSet }>();
    for (const r of records) {
      let ports = PortSet.none();
      for (const range of r.ports) {
        const [first, last] = range.split('-').map(Number);
        ports = ports.union(PortSet.of(r.protocol, first ?? 0, last ?? first ?? 0));
      }
      for (const from of split(r.from)) {
        for (const to of split(r.to)) {
          const key = JSON.stringify([from, to, r.protocol]);
          const known = table.get(key);
          if (known) known.ports = known.ports.union(ports);
          else table.set(key, { from, to, protocol: r.protocol, ports });
        }
      }
    }
    return table;
  });
  const [first, second] = tables as [(typeof tables)[0], (typeof tables)[0]];
  const differences: RecordDifference[] = [];
  for (const key of new Set([...first.keys(), ...second.keys()])) {
    const a = first.get(key);
    const b = second.get(key);
    const portsA = a?.ports ?? PortSet.none();
    const portsB = b?.ports ?? PortSet.none();
    if (portsA.equals(portsB)) continue;
    const { from, to, protocol } = (a ?? b) as NonNullable<typeof a>;
    differences.push({ from, to, protocol, before: portsA.portsOf(protocol), after: portsB.portsOf(protocol) });
  }
  return differences.sort((x, y) => cmp(x.from, y.from) || cmp(x.to, y.to) || cmp(x.protocol, y.protocol));
}
