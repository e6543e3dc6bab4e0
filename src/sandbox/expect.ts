// What to probe, and what `verify` says each probe should show.
//
// - Ports: every container port of the inventory, every port the policies name (a range by its
//   ends and the ports just outside them), the ports of the seed's traffic tables, and one port
//   no rule names; TCP and UDP (SCTP is not probed: Node.js has no SCTP sockets).
// - Probes: every host to every other host on every port, pods and external hosts alike, except
//   between two external hosts (no policy applies there).
// - Expected: the verify analyzer (src/verify/analysis/analyze.ts) over the same policies and inventory,
//   evaluated for the probe's source and destination (a pod's class, an address's atom).
//
// Usage: const ports = probePorts(policies, workloads);
//        const probes = probeList(hosts, ports);
//        const differences = compare(observed, analysis, hosts);
import { analyze, type Analysis, type Endpoint } from '../verify/analysis/analyze.ts';
import { parseRange } from '../model/cidr.ts';
import { inBlock } from '../verify/model/addresses.ts';
import { namespacedName, type NetworkPolicy, type Namespace, type Workload } from '../verify/model/types.ts';
import type { Observation, PortSpec, Probe, ProbeHost } from './probe.ts';

/** The ports of the seed's traffic tables (network-policies-README.md). */
export const SEED_PORTS: readonly PortSpec[] = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 443 },
  { protocol: 'TCP', port: 4180 },
  { protocol: 'TCP', port: 5432 },
  { protocol: 'TCP', port: 6379 },
  { protocol: 'TCP', port: 8080 },
  { protocol: 'TCP', port: 8443 },
  { protocol: 'TCP', port: 9090 },
  { protocol: 'TCP', port: 9121 },
];

/** A port no rule names: shows what default deny does to everything else. */
export const CONTROL_PORTS: readonly PortSpec[] = [
  { protocol: 'TCP', port: 7777 },
  { protocol: 'UDP', port: 7777 },
];

export function probePorts(policies: readonly NetworkPolicy[], workloads: readonly Workload[]): PortSpec[] {
  const ports: PortSpec[] = [...SEED_PORTS, ...CONTROL_PORTS];
  for (const w of workloads) {
    for (const p of w.ports) if (p.protocol !== 'SCTP') ports.push({ protocol: p.protocol, port: p.containerPort });
  }
  for (const policy of policies) {
    const rules = [...(policy.ingress ?? []), ...(policy.egress ?? [])];
    for (const rule of rules) {
      for (const p of rule.ports ?? []) {
        const protocol = p.protocol ?? 'TCP';
        if (protocol === 'SCTP' || typeof p.port !== 'number') continue;
        const end = p.endPort ?? p.port;
        for (const port of [p.port - 1, p.port, end, end + 1]) {
          if (port >= 1 && port <= 65535) ports.push({ protocol, port });
        }
      }
    }
  }
  const unique = new Map(ports.map((p) => [`${p.protocol}/${p.port}`, p]));
  return [...unique.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}

/** Every probe between the hosts (not a host with itself, not between two external hosts). */
export function probeList(hosts: readonly ProbeHost[], ports: readonly PortSpec[]): Probe[] {
  const probes: Probe[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to || (from.kind === 'external' && to.kind === 'external')) continue;
      for (const p of ports) probes.push({ from: from.key, to: to.key, address: to.address, ...p });
    }
  }
  return probes;
}

export type Expectation = {
  analysis: Analysis;
  /** verify's verdict for a probe. */
  verdict(probe: Probe): 'open' | 'blocked';
  /** The policies whose rules decide the probe: egress of the source, ingress of the destination. */
  policiesOf(probe: Probe): string[];
};

/** verify's analysis of the policies over the inventory, asked probe by probe. */
export function expectation(
  input: { policies: NetworkPolicy[]; namespaces: Namespace[]; workloads: Workload[] },
  hosts: readonly ProbeHost[],
): Expectation {
  const externals = hosts.filter((h) => h.kind === 'external').map((h) => `${h.address}/32`);
  const analysis = analyze({ ...input, cidrs: externals });
  const endpoints = new Map<string, Endpoint>();
  for (const cls of analysis.classes) {
    for (const w of cls.workloads) endpoints.set(namespacedName(w), { kind: 'pod', cls });
  }
  for (const host of hosts) {
    if (host.kind !== 'external') continue;
    const address = parseRange(`${host.address}/32`);
    const index = analysis.atoms.findIndex((a) => a.family === 4 && a.start <= address.start && address.end <= a.end);
    const atom = analysis.atoms[index];
    if (atom) endpoints.set(host.key, { kind: 'ip', atom, index });
  }
  const endpoint = (key: string): Endpoint => {
    const found = endpoints.get(key);
    if (!found) throw new Error(`no analysis endpoint for ${key}`);
    return found;
  };
  return {
    analysis,
    verdict(probe) {
      return analysis.allowed(endpoint(probe.from), endpoint(probe.to)).has(probe.protocol, probe.port)
        ? 'open'
        : 'blocked';
    },
    policiesOf(probe) {
      const from = endpoint(probe.from);
      const to = endpoint(probe.to);
      const names = [
        ...(from.kind === 'pod'
          ? (analysis.selecting[from.cls.id]?.egress ?? []).map((p) => `egress of ${namespacedName(p)}`)
          : []),
        ...(to.kind === 'pod'
          ? (analysis.selecting[to.cls.id]?.ingress ?? []).map((p) => `ingress of ${namespacedName(p)}`)
          : []),
      ];
      return names.length > 0 ? names : ['no policy selects either end'];
    },
  };
}

export type Difference = Observation & { expected: 'open' | 'blocked'; policies: string[] };

/**
 * Why the enforcer may open a flow verify blocks: an ipBlock of a rule on either side holds the
 * other end's pod IP. Kubernetes leaves it to the network plugin whether ipBlocks match pods
 * ("should be cluster-external IPs"); verify and netpol-analyzer say never, kube-router matches
 * them by address. The sandbox keeps the pod subnet out of every ipBlock when it can
 * (choosePodCidr); when an ipBlock covers every candidate subnet, such differences are expected.
 * Returns the rule that explains the difference, or undefined.
 */
export function ipBlockHoldingPod(
  difference: Difference,
  expected: Expectation,
  hosts: readonly ProbeHost[],
): string | undefined {
  if (difference.result !== 'open' || difference.expected !== 'blocked') return undefined;
  const addressOf = (key: string) => hosts.find((h) => h.key === key);
  const from = addressOf(difference.from);
  const to = addressOf(difference.to);
  const { analysis } = expected;
  for (const rule of analysis.rules) {
    const selected = (key: string) =>
      analysis.classes.some(
        (cls) =>
          cls.workloads.some((w) => namespacedName(w) === key) &&
          (analysis.selecting[cls.id]?.[rule.direction] ?? []).includes(rule.policy),
      );
    const [subject, peer] = rule.direction === 'egress' ? [from, to] : [to, from];
    if (!subject || !peer || subject.kind !== 'pod' || peer.kind !== 'pod' || !selected(subject.key)) continue;
    const address = parseRange(`${peer.address}/32`);
    for (const [i, item] of (rule.peers ?? []).entries()) {
      if (item.ipBlock && !item.ipBlock.cidr.includes(':') && inBlock(item.ipBlock, address)) {
        return `${namespacedName(rule.policy)} ${rule.direction}[${rule.index}].${rule.direction === 'egress' ? 'to' : 'from'}[${i}].ipBlock ${item.ipBlock.cidr} holds ${peer.key}'s pod IP ${peer.address}`;
      }
    }
  }
  return undefined;
}

/** The observations that differ from verify's verdicts. */
export function compare(observed: readonly Observation[], expected: Expectation): Difference[] {
  return observed.flatMap((o) => {
    const verdict = expected.verdict(o);
    return verdict === o.result ? [] : [{ ...o, expected: verdict, policies: expected.policiesOf(o) }];
  });
}

/** One line per difference: the probe, both verdicts and the policies involved. */
export function formatDifferences(differences: readonly Difference[], limit = 50): string {
  const lines = differences
    .slice(0, limit)
    .map(
      (d) =>
        `${d.from} → ${d.to === d.address ? d.address : `${d.to} (${d.address})`} ${d.protocol} ${d.port}: observed ${d.result} (${d.detail}), verify says ${d.expected}; ${d.policies.join(', ')}`,
    );
  if (differences.length > limit) lines.push(`… and ${differences.length - limit} more`);
  return lines.join('\n');
}

/** The workload a pod host is for, by key. */
export function workloadKey(workload: Workload): string {
  return namespacedName(workload);
}
