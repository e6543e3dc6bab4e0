// What verify prints: the connectivity between workloads (and external CIDRs) and the findings,
// as text (a terminal / CI log), JSON (stable, documented in docs/verify.md), Markdown or Mermaid.
//
// Usage: const report = buildReport(analysis, findings, { ignored: 3 });
//        process.stdout.write(formatReport(report, 'text'));
import { compareText as compare } from '../order.ts';
import { mergeRanges, rangeToCidrs, type AddressRange } from './addresses.ts';
import type { AddressEndpoint, Analysis, PodEndpoint } from './analyze.ts';
import type { PortSet } from './ports.ts';
import { namespacedName, type ConnectionRecord, type Finding, type Severity } from './types.ts';

export const OUTPUT_FORMATS = ['text', 'json', 'markdown', 'mermaid'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Summary = {
  policies: number;
  workloads: number;
  podClasses: number;
  ignoredObjects: number;
  connections: number;
  findings: Record<Severity, number>;
};

/** An end of a flow: a workload (`ns/name`), or external addresses (display text and CIDRs). */
export type FlowEnd = { name: string; cidrs?: string[] };

/** One allowed flow between two endpoints, before it is split per protocol and CIDR for JSON. */
export type Flow = { from: FlowEnd; to: FlowEnd; ports: PortSet };

export type Report = { flows: Flow[]; findings: Finding[]; summary: Summary };

/** The JSON document verify prints with `--output json`. */
export type JsonReport = { connections: ConnectionRecord[]; findings: Finding[]; summary: Summary };

export function buildReport(
  analysis: Analysis,
  findings: Finding[],
  options: { ignoredObjects?: number } = {},
): Report {
  const flows = collectFlows(analysis);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return {
    flows,
    findings: sortFindings(findings),
    summary: {
      policies: analysis.policies.length,
      workloads: analysis.classes.reduce((n, c) => n + c.workloads.length, 0),
      podClasses: analysis.classes.length,
      ignoredObjects: options.ignoredObjects ?? 0,
      connections: flows.length,
      findings: counts,
    },
  };
}

/**
 * Every allowed flow, workload by workload. External addresses with the same connectivity to a
 * workload are merged into one endpoint written as CIDRs (`0.0.0.0/0 except 10.0.0.0/8` style
 * for text, one CIDR per record for JSON). A workload's connections to itself are left out.
 */
export function collectFlows(analysis: Analysis): Flow[] {
  const pods = analysis.podEndpoints();
  const atoms = analysis.addressEndpoints();
  const ends = pods.map((pod) => pod.cls.workloads.map(workloadEnd));
  // Pod to pod, destination by destination, visiting only the sources its ingress rules admit
  // (every source when it is not isolated). Each source's flows are kept apart, in destination
  // order, so that the order before sorting is source by source, destination by destination.
  const podFlows: Flow[][] = pods.map(() => []);
  const everyClass = pods.map((pod) => pod.cls.id);
  for (const to of pods) {
    const toEnds = ends[to.cls.id] as FlowEnd[];
    for (const id of analysis.ingressCandidates(to.cls) ?? everyClass) {
      const from = pods[id] as PodEndpoint;
      const ports = analysis.allowed(from, to);
      if (ports.isEmpty()) continue;
      const flows = podFlows[id] as Flow[];
      const fromEnds = ends[id] as FlowEnd[];
      from.cls.workloads.forEach((src, i) => {
        to.cls.workloads.forEach((dst, j) => {
          if (src !== dst) flows.push({ from: fromEnds[i] as FlowEnd, to: toEnds[j] as FlowEnd, ports });
        });
      });
    }
  }
  // Pod and external addresses: classes under the same rules towards (from) the atoms share their
  // groups, computed once.
  const egressGroups = new Map<string, AtomGroup[]>();
  const ingressGroups = new Map<string, AtomGroup[]>();
  const flows: Flow[] = [];
  for (const from of pods) {
    const own = ends[from.cls.id] as FlowEnd[];
    for (const flow of podFlows[from.cls.id] as Flow[]) flows.push(flow);
    const egress = cached(egressGroups, analysis.atomKey(from.cls, 'egress'), () =>
      atomGroups(atoms, (atom) => analysis.allowed(from, atom)),
    );
    for (const group of egress) for (const end of own) flows.push({ from: end, to: group.end, ports: group.ports });
    const ingress = cached(ingressGroups, analysis.atomKey(from.cls, 'ingress'), () =>
      atomGroups(atoms, (atom) => analysis.allowed(atom, from)),
    );
    for (const group of ingress) for (const end of own) flows.push({ from: group.end, to: end, ports: group.ports });
  }
  return flows.sort((a, b) => compare(a.from.name, b.from.name) || compare(a.to.name, b.to.name));
}

type AtomGroup = { end: FlowEnd; ports: PortSet };

/** The atoms with equal, non-empty connectivity, each group as one external end. */
function atomGroups(atoms: AddressEndpoint[], allowed: (atom: AddressEndpoint) => PortSet): AtomGroup[] {
  return groupAtoms(
    atoms,
    allowed,
    (ports) => !ports.isEmpty(),
    (a, b) => a.equals(b),
  ).map((group) => ({ end: externalEnd(group.ranges), ports: group.value }));
}

function cached<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/** Splits flows into the JSON records: one per protocol, and one per CIDR of an external endpoint. */
export function connectionRecords(flows: Flow[]): ConnectionRecord[] {
  const records: ConnectionRecord[] = [];
  for (const flow of flows) {
    for (const from of flow.from.cidrs ?? [flow.from.name]) {
      for (const to of flow.to.cidrs ?? [flow.to.name]) {
        for (const protocol of flow.ports.protocols())
          records.push({ from, to, protocol, ports: flow.ports.portsOf(protocol) });
      }
    }
  }
  return records;
}

export function formatReport(report: Report, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJson(report), null, 2)}\n`;
    case 'markdown':
      return formatMarkdown(report);
    case 'mermaid':
      return formatMermaid(report);
    case 'text':
      return formatText(report);
  }
}

export function toJson(report: Report): JsonReport {
  return { connections: connectionRecords(report.flows), findings: report.findings, summary: report.summary };
}

function formatText(report: Report): string {
  const rows = report.flows.map((f) => [f.from.name, f.to.name, f.ports.toString()]);
  const lines = [table(['FROM', 'TO', 'ALLOWED'], rows), ''];
  if (report.findings.length === 0) {
    lines.push('No findings.');
  } else {
    lines.push('Findings:');
    for (const f of report.findings) {
      const where = [f.policy, f.rule].filter(Boolean).join(' ');
      lines.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.code}${where ? ` (${where})` : ''}`);
      lines.push(`          ${f.message}`);
    }
  }
  lines.push('', summaryLine(report.summary));
  return `${lines.join('\n')}\n`;
}

function formatMarkdown(report: Report): string {
  const lines = ['## Connectivity', '', '| From | To | Allowed |', '| --- | --- | --- |'];
  for (const f of report.flows) lines.push(`| \`${f.from.name}\` | \`${f.to.name}\` | ${f.ports.toString()} |`);
  lines.push('', '## Findings', '');
  if (report.findings.length === 0) lines.push('No findings.');
  for (const f of report.findings) {
    const where = [f.policy, f.rule]
      .filter(Boolean)
      .map((w) => `\`${w}\``)
      .join(' ');
    lines.push(`- **${f.severity}** \`${f.code}\`${where ? ` ${where}` : ''}: ${f.message.replaceAll('|', '\\|')}`);
  }
  lines.push('', summaryLine(report.summary));
  return `${lines.join('\n')}\n`;
}

function formatMermaid(report: Report): string {
  const ids = new Map<string, string>();
  const id = (name: string): string => {
    let value = ids.get(name);
    if (!value) {
      value = `n${ids.size}`;
      ids.set(name, value);
    }
    return value;
  };
  const edges = report.flows.map(
    (f) => `  ${id(f.from.name)} -->|"${mermaidText(f.ports.toString())}"| ${id(f.to.name)}`,
  );
  const nodes = [...ids.entries()].map(([name, nodeId]) => `  ${nodeId}["${mermaidText(name)}"]`);
  return `${['flowchart LR', ...nodes, ...edges].join('\n')}\n`;
}

function summaryLine(s: Summary): string {
  return (
    `${s.policies} policies, ${s.workloads} workloads (${s.podClasses} label classes), ${s.connections} allowed flows` +
    `${s.ignoredObjects ? `, ${s.ignoredObjects} other objects ignored` : ''}; ` +
    `findings: ${s.findings.error} error(s), ${s.findings.warning} warning(s), ${s.findings.info} info`
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The atoms whose value (their connectivity with one endpoint, say) is kept, grouped by equal
 * value in order of first appearance, each group's ranges merged where adjacent.
 */
export function groupAtoms<T>(
  atoms: AddressEndpoint[],
  valueOf: (atom: AddressEndpoint) => T,
  keep: (value: T) => boolean,
  same: (a: T, b: T) => boolean,
): { ranges: AddressRange[]; value: T }[] {
  const groups: { ranges: AddressRange[]; value: T }[] = [];
  for (const atom of atoms) {
    const value = valueOf(atom);
    if (!keep(value)) continue;
    const group = groups.find((g) => same(g.value, value));
    if (group) group.ranges.push(atom.atom);
    else groups.push({ ranges: [atom.atom], value });
  }
  return groups.map((g) => ({ ranges: mergeRanges(g.ranges), value: g.value }));
}

/**
 * External ranges as text: the CIDRs, or `<enclosing CIDR> except <CIDRs>` when that is shorter
 * (0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16).
 */
export function describeRanges(ranges: AddressRange[]): string {
  const byFamily = [4, 6].map((family) => ranges.filter((r) => r.family === family)).filter((rs) => rs.length > 0);
  return byFamily.map(describeFamily).join(', ');
}

function describeFamily(ranges: AddressRange[]): string {
  const direct = ranges.flatMap(rangeToCidrs);
  const first = ranges[0] as AddressRange;
  const last = ranges.at(-1) as AddressRange;
  const enclosing = enclosingRange({ family: first.family, start: first.start, end: last.end });
  const holes: AddressRange[] = [];
  let cursor = enclosing.start;
  for (const r of ranges) {
    if (r.start > cursor) holes.push({ family: r.family, start: cursor, end: r.start - 1n });
    cursor = r.end + 1n;
  }
  if (cursor <= enclosing.end) holes.push({ family: first.family, start: cursor, end: enclosing.end });
  const excepts = holes.flatMap(rangeToCidrs);
  const [enclosingCidr] = rangeToCidrs(enclosing);
  if (holes.length > 0 && enclosingCidr && excepts.length + 1 < direct.length)
    return `${enclosingCidr} except ${excepts.join(', ')}`;
  return direct.join(', ');
}

/** The smallest CIDR-aligned range containing the range. */
function enclosingRange(range: AddressRange): AddressRange {
  const bits = range.family === 4 ? 32n : 128n;
  let size = 0n;
  while (size < bits && range.start >> size !== range.end >> size) size += 1n;
  const start = (range.start >> size) << size;
  return { family: range.family, start, end: start + (1n << size) - 1n };
}

export function workloadEnd(w: { namespace: string; name: string }): FlowEnd {
  return { name: namespacedName(w) };
}

export function externalEnd(ranges: AddressRange[]): FlowEnd {
  return { name: describeRanges(ranges), cidrs: ranges.flatMap(rangeToCidrs) };
}

/** Text inside a quoted Mermaid label. */
export function mermaidText(text: string): string {
  return text.replaceAll('"', '#quot;');
}

/** Mermaid lines as the fenced block GitHub and GitLab render in Markdown. */
export function fenceMermaid(lines: string[]): string {
  return `\`\`\`mermaid\n${lines.join('\n')}\n\`\`\`\n`;
}

/**
 * The nodes of a Mermaid flowchart: one per flow end, grouped into a subgraph per namespace
 * (external addresses in their own), ids in order of first use.
 *
 * Usage: const graph = new MermaidGraph(); const a = graph.node(flow.from); …
 *        fenceMermaid([...graph.lines(), `  ${a} --> ${b}`]);
 */
export class MermaidGraph {
  private readonly ids = new Map<string, { id: string; group: string; label: string }>();

  node(end: FlowEnd): string {
    let known = this.ids.get(end.name);
    if (!known) {
      const slash = end.name.indexOf('/');
      const group = end.cidrs || slash < 0 ? 'external addresses' : end.name.slice(0, slash);
      const label = end.cidrs || slash < 0 ? end.name : end.name.slice(slash + 1);
      known = { id: `n${this.ids.size}`, group, label };
      this.ids.set(end.name, known);
    }
    return known.id;
  }

  /** `flowchart LR` and the subgraphs, namespaces sorted, external addresses last. */
  lines(): string[] {
    const groups = new Map<string, string[]>();
    for (const { id, group, label } of this.ids.values()) {
      groups.set(group, [...(groups.get(group) ?? []), `    ${id}["${mermaidText(label)}"]`]);
    }
    const names = [...groups.keys()].sort((a, b) =>
      a === 'external addresses' ? 1 : b === 'external addresses' ? -1 : compare(a, b),
    );
    return [
      'flowchart LR',
      ...names.flatMap((name, i) => [`  subgraph g${i}["${mermaidText(name)}"]`, ...(groups.get(name) ?? []), '  end']),
    ];
  }
}

function sortFindings(findings: Finding[]): Finding[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return [...findings].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      compare(a.code, b.code) ||
      compare(a.policy ?? '', b.policy ?? '') ||
      compare(a.rule ?? '', b.rule ?? '') ||
      compare(a.message, b.message),
  );
}
