// Deterministic inventories for the benchmark (bench/run.ts): Namespaces and Deployments with
// realistic label sets, and a mix of NetworkPolicies, written as one folder per case
// (policies.yaml + workloads.yaml) so that both `fineract-netpol verify` (--manifests / --workloads)
// and netpol-analyzer (`list --dirpath`, which wants everything in one folder) read the same input.
//
// The shape of a case with W workloads and P policies:
// - namespaces: kube-system (coredns), monitoring (prometheus, grafana, alertmanager; no policy) and
//   max(1, round(W / 50)) application namespaces labelled team, env and kubernetes.io/metadata.name;
// - workloads: Deployments spread evenly over the application namespaces, labelled app (one of
//   6 domains × 10 kinds), tier (from the kind), team (the namespace's, sometimes another) and version
//   (v1/v2), so label classes are many but not all distinct; 1–3 replicas; container ports by
//   kind, most named (http, metrics, grpc, postgres, …), some not;
// - policies, dealt round-robin over the application namespaces: namespace default-deny ingress
//   (3 of 4 namespaces) and default-deny egress with DNS to kube-system/kube-dns (1 of 2), then
//   per-app policies cycling through six shapes: ingress from a tier in the namespace (named
//   port), from a team's namespaces AND a tier (port range), from prometheus in monitoring (named
//   metrics port), egress to ipBlocks with excepts plus data pods by named port, matchExpressions
//   (In / NotIn / Exists) on both sides, and ingress from namespaces by env (NotIn) OR a tier.
//
// Everything is drawn from a seeded PRNG (mulberry32): the same case gives the same bytes.
//
// Usage: scripts/run node bench/generate.ts                 # every case into bench/out/
//        scripts/run node bench/generate.ts 1000 200        # one case
//        const dir = writeCase({ workloads: 1000, policies: 200 });  // bench/out/w1000-p200
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export type BenchCase = { workloads: number; policies: number };

/** The cases: 100/20, 1,000/200 and 5,000/1,000 (workloads/policies). */
export const MAIN_CASES: BenchCase[] = [
  { workloads: 100, policies: 20 },
  { workloads: 1000, policies: 200 },
  { workloads: 5000, policies: 1000 },
];

/** Every combination of the three workload counts and the three policy counts. */
export const ALL_CASES: BenchCase[] = [100, 1000, 5000].flatMap((workloads) =>
  [20, 200, 1000].map((policies) => ({ workloads, policies })),
);

export const OUT_DIR = fileURLToPath(new URL('out/', import.meta.url));

export function caseName(c: BenchCase): string {
  return `w${c.workloads}-p${c.policies}`;
}

export type CaseStats = BenchCase & {
  namespaces: number;
  /** Distinct (namespace, labels, named ports): the label classes verify evaluates. */
  labelClasses: number;
  /** Distinct ipBlock cidrs and excepts. */
  cidrs: number;
};

export type GeneratedCase = { policiesYaml: string; workloadsYaml: string; stats: CaseStats };

// ---- PRNG ------------------------------------------------------------------------------------

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- The vocabulary --------------------------------------------------------------------------

type Port = { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' };
type AppKind = { kind: string; tier: string; ports: Port[] };

const APP_KINDS: AppKind[] = [
  {
    kind: 'api',
    tier: 'backend',
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9090 },
    ],
  },
  { kind: 'web', tier: 'frontend', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 8081 }] },
  {
    kind: 'gateway',
    tier: 'frontend',
    ports: [
      { name: 'https', containerPort: 8443 },
      { name: 'http', containerPort: 8080 },
    ],
  },
  { kind: 'worker', tier: 'backend', ports: [{ name: 'metrics', containerPort: 9090 }] },
  {
    kind: 'auth',
    tier: 'backend',
    ports: [
      { name: 'grpc', containerPort: 9000 },
      { name: 'metrics', containerPort: 9090 },
    ],
  },
  { kind: 'postgres', tier: 'data', ports: [{ name: 'postgres', containerPort: 5432 }] },
  { kind: 'redis', tier: 'data', ports: [{ name: 'redis', containerPort: 6379 }] },
  { kind: 'kafka', tier: 'data', ports: [{ name: 'kafka', containerPort: 9092 }, { containerPort: 9093 }] },
  { kind: 'batch', tier: 'jobs', ports: [] },
  {
    kind: 'statsd',
    tier: 'backend',
    ports: [
      { name: 'statsd', containerPort: 8125, protocol: 'UDP' },
      { name: 'metrics', containerPort: 9102 },
    ],
  },
];
const DOMAINS = ['ledger', 'loans', 'savings', 'clients', 'reports', 'notify'];
const TEAMS = ['payments', 'lending', 'deposits', 'core', 'risk', 'platform', 'data', 'identity', 'channels', 'ops'];
const ENVS = ['prod', 'staging', 'dev'];
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

type Labels = Record<string, string>;
type Deployment = { namespace: string; name: string; labels: Labels; ports: Port[]; replicas: number };
type AppNamespace = { name: string; labels: Labels; team: string; deployments: Deployment[] };
type Manifest = Record<string, unknown>;

// ---- Generation ------------------------------------------------------------------------------

export function generateCase(c: BenchCase, seed = 20250101): GeneratedCase {
  const random = new Random(seed ^ Math.imul(c.workloads, 2654435761) ^ Math.imul(c.policies, 40503));
  const namespaceCount = Math.max(1, Math.round(c.workloads / 50));
  const fixed: Deployment[] = [
    deployment('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53 },
      { name: 'metrics', containerPort: 9153 },
    ]),
    deployment('monitoring', 'prometheus', { app: 'prometheus', tier: 'monitoring' }, [
      { name: 'web', containerPort: 9090 },
    ]),
    deployment('monitoring', 'grafana', { app: 'grafana', tier: 'monitoring' }, [
      { name: 'http', containerPort: 3000 },
    ]),
    deployment('monitoring', 'alertmanager', { app: 'alertmanager', tier: 'monitoring' }, [
      { name: 'http', containerPort: 9093 },
    ]),
  ].slice(0, Math.max(1, Math.min(4, c.workloads - namespaceCount)));

  const namespaces: AppNamespace[] = [];
  for (let i = 0; i < namespaceCount; i += 1) {
    const team = TEAMS[i % TEAMS.length] as string;
    const env = ENVS[Math.floor(i / TEAMS.length) % ENVS.length] as string;
    const name = `${team}-${env}-${Math.floor(i / (TEAMS.length * ENVS.length)) + 1}`;
    namespaces.push({ name, team, labels: { [NAMESPACE_NAME]: name, team, env }, deployments: [] });
  }
  const appWorkloads = c.workloads - fixed.length;
  for (let w = 0; w < appWorkloads; w += 1) {
    const ns = namespaces[w % namespaceCount] as AppNamespace;
    const kind = random.pick(APP_KINDS);
    const app = `${random.pick(DOMAINS)}-${kind.kind}`;
    const labels: Labels = {
      app,
      tier: kind.tier,
      team: random.chance(0.9) ? ns.team : random.pick(TEAMS),
      version: random.chance(0.7) ? 'v1' : 'v2',
    };
    const name = `${app}-${ns.deployments.filter((d) => d.labels['app'] === app).length + 1}`;
    const d = deployment(ns.name, name, labels, kind.ports);
    d.replicas = 1 + random.int(3);
    ns.deployments.push(d);
  }

  const policies: Manifest[] = [];
  const perNamespace = namespaces.map(() => 0);
  const cidrs = new Set<string>();
  for (let p = 0; p < c.policies; p += 1) {
    const index = p % namespaceCount;
    const ns = namespaces[index] as AppNamespace;
    const k = perNamespace[index] ?? 0;
    perNamespace[index] = k + 1;
    policies.push(policyFor(ns, index, k, random, cidrs));
  }

  const namespaceObjects: Manifest[] = [
    namespaceObject('kube-system', {}),
    namespaceObject('monitoring', { team: 'ops' }),
    ...namespaces.map((ns) => namespaceObject(ns.name, ns.labels)),
  ];
  const deployments = [...fixed, ...namespaces.flatMap((ns) => ns.deployments)];
  const classes = new Set(
    deployments.map((d) =>
      JSON.stringify([d.namespace, Object.entries(d.labels).sort(), d.ports.filter((p) => p.name !== undefined)]),
    ),
  );
  return {
    policiesYaml: yamlStream(policies),
    workloadsYaml: yamlStream([...namespaceObjects, ...deployments.map(deploymentObject)]),
    stats: { ...c, namespaces: namespaceObjects.length, labelClasses: classes.size, cidrs: cidrs.size },
  };
}

function deployment(namespace: string, name: string, labels: Labels, ports: Port[]): Deployment {
  return { namespace, name, labels, ports, replicas: 1 };
}

/** The k-th policy of application namespace number `index`. */
function policyFor(ns: AppNamespace, index: number, k: number, random: Random, cidrs: Set<string>): Manifest {
  const denyIngress = index % 4 !== 1;
  const denyEgress = index % 2 === 0;
  const namespaceLevel = [
    ...(denyIngress ? [() => defaultDenyIngress(ns)] : []),
    ...(denyEgress ? [() => defaultDenyEgress(ns)] : []),
  ];
  const level = namespaceLevel[k];
  if (level) return level();
  const n = k - namespaceLevel.length;
  const target =
    ns.deployments.length > 0 ? (ns.deployments[(n * 7) % ns.deployments.length] as Deployment) : undefined;
  // A few policies are written for an app that is not deployed (yet): they select nothing.
  const app = target && !random.chance(0.03) ? (target.labels['app'] as string) : `${random.pick(DOMAINS)}-legacy`;
  const name = `${app}-${['from-tier', 'from-team', 'metrics', 'egress', 'expressions', 'from-env'][n % 6]}-${n}`;
  const meta = { name, namespace: ns.name };
  const otherTeam = TEAMS[(index + 1 + random.int(TEAMS.length - 1)) % TEAMS.length] as string;
  switch (n % 6) {
    case 0: // ingress from a tier of the same namespace, on a named or numbered port
      return policy(meta, {
        podSelector: { matchLabels: { app } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { tier: random.pick(['frontend', 'backend']) } } }],
            ports: [random.chance(0.5) ? { port: 'http' } : { port: 8080, protocol: 'TCP' }],
          },
        ],
      });
    case 1: // ingress from another team's namespaces AND a tier there, on a port range
      return policy(meta, {
        podSelector: { matchLabels: { app, version: random.pick(['v1', 'v2']) } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: otherTeam } },
                podSelector: { matchLabels: { tier: 'frontend' } },
              },
            ],
            ports: [{ port: 8000, endPort: 8100, protocol: 'TCP' }, { port: 9000 }],
          },
        ],
      });
    case 2: // scraping by prometheus on the named metrics port
      return policy(meta, {
        podSelector: { matchLabels: { team: ns.team } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: 'monitoring' } },
                podSelector: { matchLabels: { app: 'prometheus' } },
              },
            ],
            ports: [{ port: 'metrics' }],
          },
        ],
      });
    case 3: {
      // egress to external networks (ipBlocks with excepts) and to data pods by named port
      const octet = index % 250;
      const block = `10.${octet}.0.0/16`;
      const excepts = [`10.${octet}.${random.int(128)}.0/24`, `10.${octet}.${128 + random.int(128)}.0/25`];
      const internet = { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] };
      const partner = `${100 + (index % 100)}.${random.int(256)}.0.0/16`;
      for (const cidr of [block, ...excepts, partner, internet.cidr, ...internet.except]) cidrs.add(cidr);
      return policy(meta, {
        podSelector: { matchLabels: { app } },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: block, except: excepts } }], ports: [{ port: 5432 }, { port: 6379 }] },
          { to: [{ ipBlock: internet }, { ipBlock: { cidr: partner } }], ports: [{ port: 443 }] },
          {
            to: [{ podSelector: { matchLabels: { tier: 'data' } } }],
            ports: [{ port: 'postgres' }, { port: 'redis' }, { port: 'kafka' }],
          },
          {
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: 'kube-system' } } }],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
        ],
      });
    }
    case 4: // matchExpressions on the selected pods and on the peers
      return policy(meta, {
        podSelector: {
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['data', 'backend'] },
            { key: 'app', operator: 'In', values: [app, `${random.pick(DOMAINS)}-redis`] },
          ],
        },
        ingress: [
          {
            from: [
              {
                podSelector: {
                  matchExpressions: [
                    { key: 'tier', operator: 'In', values: ['backend', 'jobs'] },
                    { key: 'version', operator: 'Exists' },
                  ],
                },
              },
            ],
            ports: [{ port: 'postgres' }, { port: 'redis' }, { port: 'grpc' }, { port: 9092 }],
          },
        ],
      });
    default: // ingress from namespaces not in dev, OR from the backend tier of this namespace
      return policy(meta, {
        podSelector: { matchLabels: { app, tier: target?.labels['tier'] ?? 'backend' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'env', operator: 'NotIn', values: ['dev'] },
                    { key: 'team', operator: 'In', values: [ns.team, otherTeam] },
                  ],
                },
                podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['data'] }] },
              },
              { podSelector: { matchLabels: { tier: 'backend' } } },
            ],
            ports: [{ port: 'grpc' }, { port: 'http' }, { port: 9000, endPort: 9010 }],
          },
        ],
      });
  }
}

function defaultDenyIngress(ns: AppNamespace): Manifest {
  return policy({ name: 'default-deny-ingress', namespace: ns.name }, { podSelector: {}, policyTypes: ['Ingress'] });
}

function defaultDenyEgress(ns: AppNamespace): Manifest {
  return policy(
    { name: 'default-deny-egress-allow-dns', namespace: ns.name },
    {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    },
  );
}

function policy(metadata: { name: string; namespace: string }, spec: Manifest): Manifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
}

function namespaceObject(name: string, labels: Labels): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, [NAMESPACE_NAME]: name } } };
}

function deploymentObject(d: Deployment): Manifest {
  const selector = {
    app: d.labels['app'] ?? d.name,
    ...(d.labels['k8s-app'] ? { 'k8s-app': d.labels['k8s-app'] } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace, labels: d.labels },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: d.labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: `registry.example.com/${d.labels['app'] ?? d.name}:1.0.0`,
              ...(d.ports.length > 0 ? { ports: d.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) } : {}),
            },
          ],
        },
      },
    },
  };
}

function yamlStream(objects: Manifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

// ---- Files -----------------------------------------------------------------------------------

/**
 * Writes a case to bench/out/<name>/ (policies.yaml, workloads.yaml) and its statistics to
 * bench/out/<name>.json (outside the folder: netpol-analyzer reads every .json file of it); returns
 * the folder.
 */
export function writeCase(c: BenchCase, outDir = OUT_DIR): string {
  const dir = join(outDir, caseName(c));
  const generated = generateCase(c);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'policies.yaml'), generated.policiesYaml);
  writeFileSync(join(dir, 'workloads.yaml'), generated.workloadsYaml);
  writeFileSync(`${dir}.json`, `${JSON.stringify(generated.stats, null, 2)}\n`);
  return dir;
}

function main(argv: string[]): void {
  const cases =
    argv.length === 2
      ? [{ workloads: Number(argv[0]), policies: Number(argv[1]) }]
      : argv.length === 0
        ? ALL_CASES
        : [];
  if (cases.length === 0 || cases.some((c) => !(c.workloads >= 1) || !(c.policies >= 0))) {
    process.stderr.write('usage: node bench/generate.ts [<workloads> <policies>]\n');
    process.exitCode = 2;
    return;
  }
  for (const c of cases) {
    const dir = writeCase(c);
    process.stdout.write(`${dir}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
