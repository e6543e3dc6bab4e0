// Deterministic values files for the chart benchmark (bench/chart.ts) and the start-up benchmark
// (bench/startup.ts): a platform that models its estate as many components and connections.
//
// A case with C components and N connections adds, on top of the chart's defaults (4 components,
// 12 connections, 1 peer, 3 networks, all kept):
// - C components `svc-000`, … in 8 domains: podSelector `matchLabels {app: svc-NNN}` (1 in 5 also
//   `matchExpressions [{key: tier, operator: In, values: [...]}]`), metricsPorts for 3 in 4,
//   a description for 1 in 2, a policyName for 1 in 10, 1 in 25 disabled;
// - max(2, C / 10) peers in other namespaces (`namespace:`, or `namespaceSelector` 1 in 3);
// - max(2, C / 10) networks: private subnets, and the internet minus private ranges with `except`;
// - N connections `conn-0000`, …: 60 % component → component, 15 % peer → component, 20 %
//   component → network, 5 % component → peer; 1–3 ports (numbered, named when the destination is
//   not a network, 1 in 8 a range with endPort, 1 in 10 UDP); 1 in 30 disabled. A connection naming
//   a disabled component (1 in 50 ends) is skipped by the chart (listed in a comment and in NOTES.txt).
//   No two connections allow the same flow (validate refuses that).
//
// Everything is drawn from a seeded PRNG (mulberry32 of bench/generate.ts): the same case gives the
// same bytes on every machine, so renders can be compared byte for byte before and after a change.
//
// Usage: import { chartCase, writeChartCase, CHART_CASES } from './chart-cases.ts';
//        const file = writeChartCase({ components: 200, connections: 2000 });   // bench/out/chart/c200-n2000.yaml
//        scripts/run node bench/chart-cases.ts 200 2000                          # writes it, prints its path
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mulberry32, OUT_DIR } from './generate.ts';

export type ChartCase = { components: number; connections: number };

/** The cases: 20 / 200 and 200 / 2,000 (×10, for linearity). */
export const CHART_CASES: ChartCase[] = [
  { components: 20, connections: 200 },
  { components: 200, connections: 2000 },
];

export const CHART_OUT_DIR = join(OUT_DIR, 'chart');

export function chartCaseName(c: ChartCase): string {
  return `c${c.components}-n${c.connections}`;
}

const DOMAINS = ['accounts', 'loans', 'savings', 'payments', 'reports', 'clients', 'auth', 'ledger'];
const TIERS = ['frontend', 'backend', 'data', 'jobs'];
const NAMED_PORTS = ['http', 'grpc', 'metrics', 'postgres'];
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The values (a `helm -f` override of the chart's values.yaml) of one case. */
export function chartCase(c: ChartCase): Record<string, unknown> {
  const random = mulberry32(c.components * 100_003 + c.connections);
  const int = (n: number) => Math.floor(random() * n);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  const components: Record<string, unknown> = {};
  const componentNames: string[] = [];
  for (let i = 0; i < c.components; i += 1) {
    const name = `svc-${pad(i, 3)}`;
    componentNames.push(name);
    const podSelector: Record<string, unknown> = { matchLabels: { app: name } };
    if (chance(0.2)) podSelector.matchExpressions = [{ key: 'tier', operator: 'In', values: [pick(TIERS)] }];
    const component: Record<string, unknown> = { podSelector };
    if (chance(0.75)) component.metricsPorts = [{ port: 9000 + int(100) }];
    if (chance(0.5)) component.description = `${pick(DOMAINS)} service ${i}`;
    if (chance(0.1)) component.policyName = `${name}-netpol`;
    if (chance(0.04)) component.enabled = false;
    components[name] = component;
  }

  const peerCount = Math.max(2, Math.round(c.components / 10));
  const peers: Record<string, unknown> = {};
  const peerNames: string[] = [];
  for (let i = 0; i < peerCount; i += 1) {
    const name = `peer-${pad(i, 3)}`;
    peerNames.push(name);
    const peer: Record<string, unknown> = { podSelector: { matchLabels: { app: `client-${i}` } } };
    if (i % 3 === 2) peer.namespaceSelector = { matchLabels: { team: pick(DOMAINS), env: 'uat' } };
    else peer.namespace = `${pick(DOMAINS)}-${i}`;
    peer.description = `Clients of the ${pick(DOMAINS)} domain`;
    peers[name] = peer;
  }

  const networkCount = Math.max(2, Math.round(c.components / 10));
  const networks: Record<string, unknown> = {};
  const networkNames: string[] = [];
  for (let i = 0; i < networkCount; i += 1) {
    const name = `net-${pad(i, 3)}`;
    networkNames.push(name);
    if (i % 4 === 3) {
      networks[name] = { cidrs: ['0.0.0.0/0'], excludePrivate: true, except: [`${100 + (i % 100)}.64.0.0/10`] };
    } else {
      const second = i % 200;
      networks[name] = {
        cidrs: [`10.${second}.${int(8) * 32}.0/24`, `10.${second}.${int(8) * 32 + 1}.0/24`],
        excludePrivate: false,
        description: `Private subnets ${i}`,
      };
    }
  }

  const enabled = componentNames.filter((name) => (components[name] as { enabled?: boolean }).enabled !== false);
  const disabled = componentNames.filter((name) => !enabled.includes(name));
  const connections: Record<string, unknown> = {};
  const used = new Set<string>(); // "<from>|<to>|<protocol>/<port>": validate refuses a flow allowed twice
  for (let i = 0; i < c.connections; i += 1) {
    const roll = random();
    // 1 in 50 connections names a disabled component: the chart skips it and says so.
    const component = () => ({ component: disabled.length > 0 && chance(0.02) ? pick(disabled) : pick(enabled) });
    const [from, to] =
      roll < 0.6
        ? [component(), component()]
        : roll < 0.75
          ? [{ peer: pick(peerNames) }, component()]
          : roll < 0.95
            ? [component(), { network: pick(networkNames) }]
            : [component(), { peer: pick(peerNames) }];
    const toNetwork = 'network' in to;
    const pair = `${JSON.stringify(from)}|${JSON.stringify(to)}`;
    const free = (protocol: string, first: number | string, last: number | string = first) => {
      if (typeof first === 'string') return !used.has(`${pair}|${protocol}/${first}`);
      for (let port = first; port <= Number(last); port += 1) if (used.has(`${pair}|${protocol}/${port}`)) return false;
      return true;
    };
    const take = (protocol: string, first: number | string, last: number | string = first) => {
      if (typeof first === 'string') used.add(`${pair}|${protocol}/${first}`);
      else for (let port = first; port <= Number(last); port += 1) used.add(`${pair}|${protocol}/${port}`);
    };
    const ports: Record<string, unknown>[] = [];
    for (let p = 1 + int(3); p > 0; p -= 1) {
      if (!toNetwork && chance(0.15)) {
        const port = pick(NAMED_PORTS);
        if (free('TCP', port)) {
          take('TCP', port);
          ports.push({ port });
        }
      } else if (chance(0.125)) {
        const port = 30000 + int(1000);
        const endPort = port + 1 + int(50);
        if (free('TCP', port, endPort)) {
          take('TCP', port, endPort);
          ports.push({ port, endPort });
        }
      } else {
        const port = 1000 + int(9000);
        const protocol = chance(0.1) ? 'UDP' : 'TCP';
        if (free(protocol, port)) {
          take(protocol, port);
          ports.push(protocol === 'UDP' ? { port, protocol } : { port });
        }
      }
    }
    if (ports.length === 0) {
      i -= 1; // every port drawn was taken already for this pair: draw the connection again
      continue;
    }
    const connection: Record<string, unknown> = { from, to, ports };
    if (chance(0.6)) connection.description = `Flow ${i} of the ${pick(DOMAINS)} domain`;
    if (chance(1 / 30)) connection.enabled = false;
    connections[`conn-${pad(i, 4)}`] = connection;
  }
  return { commonLabels: { environment: 'bench' }, components, peers, networks, connections };
}

/** Writes a case to bench/out/chart/<name>.yaml (same bytes every time); returns the path. */
export function writeChartCase(c: ChartCase): string {
  mkdirSync(CHART_OUT_DIR, { recursive: true });
  const file = join(CHART_OUT_DIR, `${chartCaseName(c)}.yaml`);
  const header = `# bench/chart-cases.ts: ${c.components} components, ${c.connections} connections (seeded; regenerate, do not edit)\n`;
  writeFileSync(file, header + stringify(chartCase(c), { lineWidth: 0 }));
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [components, connections] = process.argv.slice(2).map(Number);
  const cases =
    components !== undefined &&
    connections !== undefined &&
    Number.isInteger(components) &&
    Number.isInteger(connections)
      ? [{ components, connections }]
      : CHART_CASES;
  for (const c of cases) console.log(writeChartCase(c));
}
