// What verify prints: the connectivity between workloads (and external CIDRs) and the findings,
// as text (a terminal / CI log), JSON (stable, documented in docs/verify.md), Markdown or Mermaid.
//
// Usage: const report = buildReport(analysis, findings, { ignored: 3 });
//        process.stdout.write(formatReport(report, 'text'));
import { compareText as compare } from '../../order.ts';
import { TEXT_WIDTH, wrapText } from '../../text.ts';
import { mergeRanges, parseRange, rangesOverlap, rangeToCidrs, type AddressRange } from '../../model/cidr.ts';
import type { AddressEndpoint, Analysis, PodEndpoint } from '../analysis/analyze.ts';
import { isSymbolicEnd } from '../model/cilium-symbols.ts';
import type { PortSet } from '../model/ports.ts';
import { namespacedName, type ConnectionRecord, type Finding, type Severity } from '../model/types.ts';

export { OUTPUT_FORMATS, type OutputFormat } from '../../cli/formats.ts';
import type { Only, OutputFormat } from '../../cli/formats.ts';

export type Summary = {
  policies: number;
  workloads: number;
  podClasses: number;
  ignoredObjects: number;
  connections: number;
  findings: Record<Severity, number>;
};

/**
 * An end of a flow: a workload (`ns/name`), external addresses (display text and CIDRs), or a
 * symbolic endpoint of Cilium policies (`fqdn:*.s3.eu-west-1.amazonaws.com`, `entity:world`),
 * shown like a CIDR.
 */
export type FlowEnd = { name: string; cidrs?: string[]; symbol?: true };

/** One allowed flow between two endpoints, before it is split per protocol and CIDR for JSON. */
export type Flow = { from: FlowEnd; to: FlowEnd; ports: PortSet };

export type Report = {
  flows: Flow[];
  findings: Finding[];
  summary: Summary;
  /** Workloads (`ns/name`) some policy selects: the ones the policies govern. */
  governed: string[];
  /** What the output leaves out (a view's description), for the summary line. */
  view?: string;
  /** The one part shown (`--only`): the text output leaves the others out, "No findings." too. */
  only?: Only;
};

/** What `--only` keeps in the output. */
export { ONLY, type Only } from '../../cli/formats.ts';

/** A reviewer's view of a report: only what touches some namespaces, only some parts. */
export type ReportView = { namespaces?: string[]; only?: Only };

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
  const governed = analysis.classes
    .filter((cls) => analysis.isolated(cls, 'ingress') || analysis.isolated(cls, 'egress'))
    .flatMap((cls) => cls.workloads.map(namespacedName))
    .sort(compare);
  return {
    flows,
    governed,
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
    for (const symbol of analysis.symbolEndpoints()) {
      const end = symbolEnd(symbol.name);
      const out = analysis.allowed(from, symbol);
      if (!out.isEmpty()) for (const src of own) flows.push({ from: src, to: end, ports: out });
      const back = analysis.allowed(symbol, from);
      if (!back.isEmpty()) for (const dst of own) flows.push({ from: end, to: dst, ports: back });
    }
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

/**
 * The report as a reviewer asked to see it: `namespaces`, only flows with an end in one of them
 * and findings about them (a policy there, or naming a workload or the namespace); `only`, one
 * part (`flows`, `findings`, `errors`: error findings, `components`: flows of the workloads the
 * policies govern, and the findings). The summary counts stay those of the whole analysis.
 */
export function viewReport(report: Report, view: ReportView): Report {
  const namespaces = view.namespaces ?? [];
  const inView = (name: string) => namespaces.some((ns) => name.startsWith(`${ns}/`));
  let flows =
    namespaces.length === 0 ? report.flows : report.flows.filter((f) => inView(f.from.name) || inView(f.to.name));
  let findings =
    namespaces.length === 0
      ? report.findings
      : report.findings.filter((f) =>
          f.policy
            ? inView(f.policy)
            : namespaces.some((ns) => f.message.includes(`${ns}/`) || f.message.includes(`Namespace ${ns} `)),
        );
  const governed = new Set(report.governed);
  if (view.only === 'findings' || view.only === 'errors') flows = [];
  if (view.only === 'flows') findings = [];
  if (view.only === 'errors') findings = findings.filter((f) => f.severity === 'error');
  if (view.only === 'components') flows = flows.filter((f) => governed.has(f.from.name) || governed.has(f.to.name));
  const parts = [
    namespaces.length > 0 ? `touching ${namespaces.join(', ')}` : '',
    view.only ? `only ${view.only}` : '',
  ].filter(Boolean);
  return parts.length === 0
    ? report
    : {
        ...report,
        flows,
        findings,
        ...(view.only ? { only: view.only } : {}),
        view: `shown: ${parts.join(', ')} (${flows.length} flow(s), ${findings.length} finding(s))`,
      };
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
  return {
    connections: connectionRecords(report.flows),
    findings: report.findings.map(({ between: _between, ...finding }) => finding),
    summary: report.summary,
  };
}

function formatText(report: Report): string {
  const lines: string[] = [];
  if (report.flows.length > 0 || report.view === undefined) {
    const rows = report.flows.map((f) => [f.from.name, f.to.name, f.ports.toString()]);
    lines.push(table(['FROM', 'TO', 'ALLOWED'], rows), '');
  }
  if (report.only === 'flows') {
    // The findings are not shown, not absent.
  } else if (report.findings.length === 0) {
    lines.push('No findings.');
  } else {
    lines.push('Findings:');
    for (const [policy, findings] of groupByPolicy(report.findings)) {
      lines.push(`  ${policy ?? 'Not about one policy'}`);
      for (const f of findings) {
        lines.push(`    ${f.severity.toUpperCase().padEnd(7)} ${f.code}${f.rule ? ` (${f.rule})` : ''}`);
        lines.push(...wrapText(f.message, TEXT_WIDTH, 12));
      }
    }
  }
  if (lines.at(-1) !== '') lines.push('');
  lines.push(summaryLine(report.summary), ...(report.view ? [report.view] : []));
  return `${lines.join('\n')}\n`;
}

/** Findings by policy: the groups in order of their most severe finding, then by name; no policy last. */
function groupByPolicy(findings: Finding[]): [string | undefined, Finding[]][] {
  const groups = new Map<string | undefined, Finding[]>();
  for (const f of findings) groups.set(f.policy, [...(groups.get(f.policy) ?? []), f]);
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const worst = (fs: Finding[]) => Math.min(...fs.map((f) => rank[f.severity]));
  return [...groups].sort(
    ([a, fa], [b, fb]) =>
      (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0) || worst(fa) - worst(fb) || compare(a ?? '', b ?? ''),
  );
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
  lines.push('', summaryLine(report.summary), ...(report.view ? ['', report.view] : []));
  return `${lines.join('\n')}\n`;
}

/**
 * A fenced Mermaid flowchart GitHub renders: a subgraph per namespace (external addresses apart),
 * workloads of one namespace with exactly the same flows merged into one node, one edge per
 * pair with its ports. Error findings about flows are marked: an allowed flow no connection
 * declares is a red edge (`✗ undeclared`), a declared flow the policies block a dotted red one
 * (`✗ blocked`).
 */
function formatMermaid(report: Report): string {
  // Flows between workloads no policy selects are all open: drawn, they would hide the rest.
  const governed = new Set(report.governed);
  const flows = report.flows.filter((f) => governed.has(f.from.name) || governed.has(f.to.name));
  const hidden = report.flows.length - flows.length;
  const merged = mergeEnds(flows);
  const graph = new MermaidGraph();
  const edges = new Map<string, { from: string; to: string; text: string; style?: string }>();
  const undeclared = report.findings.filter((f) => f.code === 'undeclared-flow' && f.between);
  for (const f of flows) {
    const from = graph.node(merged.get(f.from.name) ?? f.from);
    const to = graph.node(merged.get(f.to.name) ?? f.to);
    const bad = undeclared.some((u) => covers(u.between?.from, f.from) && covers(u.between?.to, f.to));
    const known = edges.get(`${from}>${to}`);
    if (known && (known.style !== undefined || !bad)) continue;
    const text = bad ? `✗ undeclared: ${f.ports.toString()}` : f.ports.toString();
    edges.set(`${from}>${to}`, { from, to, text, ...(bad ? { style: 'stroke:#cf222e,color:#cf222e' } : {}) });
  }
  const lines: string[] = [];
  const styles: string[] = [];
  for (const e of edges.values()) {
    if (e.style) styles.push(`  linkStyle ${lines.length} ${e.style}`);
    lines.push(`  ${e.from} -->|"${mermaidText(e.text)}"| ${e.to}`);
  }
  for (const m of report.findings.filter((f) => f.code === 'missing-flow' && f.between)) {
    const between = m.between as NonNullable<Finding['between']>;
    for (const from of between.from) {
      for (const to of between.to) {
        const a = graph.node(merged.get(from) ?? endOf(from));
        const b = graph.node(merged.get(to) ?? endOf(to));
        if (lines.some((l) => l.startsWith(`  ${a} -.->`) && l.endsWith(` ${b}`))) continue;
        styles.push(`  linkStyle ${lines.length} stroke:#cf222e,color:#cf222e`);
        lines.push(`  ${a} -.->|"${mermaidText(`✗ blocked: ${between.ports}`)}"| ${b}`);
      }
    }
  }
  const note =
    hidden > 0
      ? [
          `  hidden["${hidden} flow(s) between workloads no policy selects (all open) are not drawn: see -o text"]`,
          '  style hidden stroke-dasharray: 4 4',
        ]
      : [];
  return fenceMermaid([...graph.lines(), ...note, ...lines, ...styles]);
}

/**
 * Ends of one namespace that have the same flows, to the same (merged) ends, merged into one node
 * (`fineract-uat/fineract-batch, fineract-read, fineract-write`): partition refinement, starting
 * from one block per namespace (external addresses each on their own).
 */
function mergeEnds(flows: Flow[]): Map<string, FlowEnd> {
  const ends = new Map<string, FlowEnd>();
  for (const f of flows) for (const end of [f.from, f.to]) ends.set(end.name, end);
  const groupOf = (end: FlowEnd) =>
    end.cidrs || end.symbol ? `=${end.name}` : end.name.slice(0, end.name.indexOf('/'));
  let block = new Map([...ends.values()].map((end) => [end.name, groupOf(end)]));
  for (;;) {
    const signature = new Map<string, string[]>();
    const add = (name: string, entry: string) => signature.set(name, [...(signature.get(name) ?? []), entry]);
    for (const f of flows) {
      add(f.from.name, `>${block.get(f.to.name)}:${f.ports.toString()}`);
      add(f.to.name, `<${block.get(f.from.name)}:${f.ports.toString()}`);
    }
    const next = new Map(
      [...ends.keys()].map((name) => [
        name,
        `${block.get(name)}|${[...new Set(signature.get(name))].sort().join(',')}`,
      ]),
    );
    if (new Set(next.values()).size === new Set(block.values()).size) break;
    block = next;
  }
  const members = new Map<string, FlowEnd[]>();
  for (const [name, id] of block) members.set(id, [...(members.get(id) ?? []), ends.get(name) as FlowEnd]);
  const merged = new Map<string, FlowEnd>();
  for (const group of members.values()) {
    const first = group[0] as FlowEnd;
    const ns = first.cidrs || first.symbol ? '' : first.name.slice(0, first.name.indexOf('/'));
    const label =
      group.length === 1
        ? first.name
        : `${ns}/${group
            .map((e) => e.name.slice(ns.length + 1))
            .sort(compare)
            .join(', ')}`;
    for (const end of group) merged.set(end.name, { ...first, name: label });
  }
  return merged;
}

/** Whether finding ends (workload names, CIDRs) cover a flow end (a workload, or address ranges). */
function covers(names: string[] | undefined, end: FlowEnd): boolean {
  if (!names) return false;
  if (!end.cidrs || end.symbol) return names.includes(end.name);
  const ranges = names.flatMap((name) => cidrRange(name) ?? []);
  return end.cidrs.some((cidr) => ranges.some((r) => rangesOverlap(r, parseRange(cidr))));
}

/** The range of a finding's end name that is a CIDR; undefined for `namespace/workload`. */
function cidrRange(name: string): AddressRange | undefined {
  if (!/^[\d.:a-f]+\/\d+$/i.test(name)) return undefined;
  try {
    return parseRange(name);
  } catch {
    return undefined;
  }
}

function endOf(name: string): FlowEnd {
  if (isSymbolicEnd(name)) return symbolEnd(name);
  return cidrRange(name) ? { name, cidrs: [name] } : { name };
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

/** A symbolic endpoint (`fqdn:…`, `entity:…`) as a flow end. */
export function symbolEnd(name: string): FlowEnd {
  return { name, symbol: true };
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
      const outside = end.cidrs || end.symbol || slash < 0;
      const group = outside ? 'external addresses' : end.name.slice(0, slash);
      const label = outside ? end.name : end.name.slice(slash + 1);
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
