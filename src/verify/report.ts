// What verify prints: the connectivity between workloads (and external CIDRs) and the findings,
// as text (a terminal / CI log), JSON (stable, documented in docs/verify.md), Markdown or Mermaid.
//
// Usage: const report = buildReport(analysis, findings, { ignored: 3 });
//        process.stdout.write(formatReport(report, 'text'));
import { mergeRanges, rangeToCidrs, type AddressRange } from './addresses.ts';
import type { Analysis, Endpoint } from './analyze.ts';
import { PortSet } from './ports.ts';
import type { ConnectionRecord, Finding, Severity } from './types.ts';

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
  const flows: Flow[] = [];
  const endpoints = analysis.endpoints();
  const pods = endpoints.filter((e): e is Extract<Endpoint, { kind: 'pod' }> => e.kind === 'pod');
  const atoms = endpoints.filter((e): e is Extract<Endpoint, { kind: 'ip' }> => e.kind === 'ip');
  for (const from of pods) {
    for (const to of pods) {
      const ports = analysis.allowed(from, to);
      if (ports.isEmpty()) continue;
      for (const src of from.cls.workloads) {
        for (const dst of to.cls.workloads) {
          if (src !== dst) flows.push({ from: workloadEnd(src), to: workloadEnd(dst), ports });
        }
      }
    }
    for (const group of groupAtoms(atoms, (atom) => analysis.allowed(from, atom))) {
      for (const src of from.cls.workloads)
        flows.push({ from: workloadEnd(src), to: externalEnd(group.ranges), ports: group.ports });
    }
    for (const group of groupAtoms(atoms, (atom) => analysis.allowed(atom, from))) {
      for (const dst of from.cls.workloads)
        flows.push({ from: externalEnd(group.ranges), to: workloadEnd(dst), ports: group.ports });
    }
  }
  return flows.sort((a, b) => compare(a.from.name, b.from.name) || compare(a.to.name, b.to.name));
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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Atoms with equal, non-empty connectivity, merged where adjacent. */
function groupAtoms(
  atoms: Extract<Endpoint, { kind: 'ip' }>[],
  allowed: (atom: Endpoint) => PortSet,
): { ranges: AddressRange[]; ports: PortSet }[] {
  const groups: { ranges: AddressRange[]; ports: PortSet }[] = [];
  for (const atom of atoms) {
    const ports = allowed(atom);
    if (ports.isEmpty()) continue;
    const group = groups.find((g) => g.ports.equals(ports));
    if (group) group.ranges.push(atom.atom);
    else groups.push({ ranges: [atom.atom], ports });
  }
  return groups.map((g) => ({ ranges: mergeRanges(g.ranges), ports: g.ports }));
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
  return { name: `${w.namespace}/${w.name}` };
}

export function externalEnd(ranges: AddressRange[]): FlowEnd {
  return { name: describeRanges(ranges), cidrs: ranges.flatMap(rangeToCidrs) };
}

function mermaidText(text: string): string {
  return text.replaceAll('"', '#quot;');
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
