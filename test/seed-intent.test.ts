// The chart's defaults are the seed's intent (docs/seed/network-policies-README.md) with
// its defects fixed (docs/design.md): rendered with NO values, the policies hold exactly the rules of the
// seed's tables, and among the workloads of the fixture inventory they allow exactly the seed's
// flows — nothing more, nothing less.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.ts';
import { analyze, peerMatches, selects, type Analysis, type Endpoint } from '../src/verify/analysis/analyze.ts';
import { loadManifests, loadManifestText } from '../src/verify/readers/load.ts';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from '../src/verify/model/types.ts';
import { addressEndpoint } from './helpers/conformance.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const NAMESPACE = 'fineract-uat';

// --- expected, written from the seed's tables ------------------------------------------------

const FINERACT = ['fineract-batch', 'fineract-read', 'fineract-write'];
const INTERNET = 'internet'; // 8.8.8.8: a public address
const PRIVATE_VPC = 'private-vpc'; // 10.20.32.10: an address in the VPC's private subnets
/**
 * The seed's "External (0.0.0.0/0, excluding RFC1918)", and what else is not the internet: the
 * shared address space (RFC 6598, EKS custom networking) and link-local (the metadata services).
 */
const PUBLIC_INTERNET = {
  cidr: '0.0.0.0/0',
  except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
};

/** A peer of a rule: the inventory workloads it selects, or an ipBlock. */
type ExpectedPeer = { workloads: string[] } | { ipBlock: { cidr: string; except: string[] } };
type ExpectedRule = { peer: ExpectedPeer; ports: string[]; purpose: string };
type ExpectedPolicy = { selects: string[]; ingress: ExpectedRule[]; egress: ExpectedRule[] };

const w = (...workloads: string[]): ExpectedPeer => ({ workloads: [...workloads].sort() });
const DNS_PORTS = ['53/UDP', '53/TCP'];

/** One entry per seed policy; one rule per row of its ingress and egress tables. */
const SEED_POLICIES: Record<string, ExpectedPolicy> = {
  'fineract-network-policy': {
    selects: FINERACT,
    ingress: [
      { peer: w('ingress-nginx-controller'), ports: ['8080/TCP', '8443/TCP'], purpose: 'External API requests' },
      { peer: w(...FINERACT), ports: ['8080/TCP'], purpose: 'Inter-instance communication' },
      { peer: w('prometheus-kube-prometheus'), ports: ['8080/TCP'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: { ipBlock: PUBLIC_INTERNET }, ports: ['5432/TCP'], purpose: 'AWS RDS PostgreSQL' },
      { peer: { ipBlock: PUBLIC_INTERNET }, ports: ['443/TCP'], purpose: 'AWS S3 (document storage)' },
      { peer: w('fineract-redis'), ports: ['6379/TCP'], purpose: 'Redis caching' },
      { peer: w('keycloak'), ports: ['8080/TCP'], purpose: 'OAuth2 token validation' },
      { peer: w('coredns'), ports: DNS_PORTS, purpose: 'DNS resolution' },
      // docs/design.md: listed as ingress in the seed, missing from its egress table.
      { peer: w(...FINERACT), ports: ['8080/TCP'], purpose: 'Inter-instance communication (egress side)' },
    ],
  },
  'fineract-redis-network-policy': {
    selects: ['fineract-redis'],
    ingress: [
      { peer: w(...FINERACT), ports: ['6379/TCP'], purpose: 'Cache access' },
      { peer: w('prometheus-kube-prometheus'), ports: ['9121/TCP'], purpose: 'Redis exporter metrics' },
      // docs/design.md: in the proxy's egress table, missing from Redis' ingress table.
      { peer: w('oauth2-proxy'), ports: ['6379/TCP'], purpose: 'Session storage (ingress side)' },
    ],
    egress: [{ peer: w('coredns'), ports: DNS_PORTS, purpose: 'DNS resolution' }],
  },
  'keycloak-network-policy': {
    selects: ['keycloak'],
    ingress: [
      { peer: w('oauth2-proxy'), ports: ['8080/TCP'], purpose: 'OIDC authentication' },
      { peer: w(...FINERACT), ports: ['8080/TCP'], purpose: 'Token validation' },
      { peer: w('ingress-nginx-controller'), ports: ['8080/TCP'], purpose: 'Admin console access' },
      { peer: w('prometheus-kube-prometheus'), ports: ['8080/TCP'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: { ipBlock: PUBLIC_INTERNET }, ports: ['5432/TCP'], purpose: 'AWS RDS PostgreSQL (Keycloak DB)' },
      { peer: { ipBlock: PUBLIC_INTERNET }, ports: ['443/TCP'], purpose: 'OIDC federation with external IdPs' },
      { peer: w('coredns'), ports: DNS_PORTS, purpose: 'DNS resolution' },
    ],
  },
  'oauth2-proxy-network-policy': {
    selects: ['oauth2-proxy'],
    ingress: [
      { peer: w('ingress-nginx-controller'), ports: ['4180/TCP'], purpose: 'Authentication requests' },
      { peer: w('prometheus-kube-prometheus'), ports: ['4180/TCP'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: w('keycloak'), ports: ['8080/TCP'], purpose: 'OIDC provider communication' },
      { peer: w('fineract-redis'), ports: ['6379/TCP'], purpose: 'Session storage' },
      { peer: w('coredns'), ports: DNS_PORTS, purpose: 'DNS resolution' },
    ],
  },
};

/**
 * Every allowed flow that involves a Fineract component, as (source, destination, ports): the
 * seed's tables read as flows, plus docs/design.md's OAuth2 Proxy → fineract-redis 6379 and
 * Fineract → Fineract 8080 (both sides now). Each Fineract instance also talks to its own
 * replicas, hence fineract-read → fineract-read.
 */
const EXPECTED_FLOWS: { from: string[]; to: string[]; ports: string[] }[] = [
  // Fineract
  { from: ['ingress-nginx-controller'], to: FINERACT, ports: ['8080/TCP', '8443/TCP'] },
  { from: FINERACT, to: FINERACT, ports: ['8080/TCP'] },
  { from: ['prometheus-kube-prometheus'], to: FINERACT, ports: ['8080/TCP'] },
  { from: FINERACT, to: [INTERNET], ports: ['5432/TCP', '443/TCP'] },
  { from: FINERACT, to: ['fineract-redis'], ports: ['6379/TCP'] },
  { from: FINERACT, to: ['keycloak'], ports: ['8080/TCP'] },
  { from: FINERACT, to: ['coredns'], ports: ['53/TCP', '53/UDP'] },
  // fineract-redis
  { from: ['prometheus-kube-prometheus'], to: ['fineract-redis'], ports: ['9121/TCP'] },
  { from: ['oauth2-proxy'], to: ['fineract-redis'], ports: ['6379/TCP'] },
  { from: ['fineract-redis'], to: ['coredns'], ports: ['53/TCP', '53/UDP'] },
  // Keycloak
  { from: ['oauth2-proxy'], to: ['keycloak'], ports: ['8080/TCP'] },
  { from: ['ingress-nginx-controller'], to: ['keycloak'], ports: ['8080/TCP'] },
  { from: ['prometheus-kube-prometheus'], to: ['keycloak'], ports: ['8080/TCP'] },
  { from: ['keycloak'], to: [INTERNET], ports: ['5432/TCP', '443/TCP'] },
  { from: ['keycloak'], to: ['coredns'], ports: ['53/TCP', '53/UDP'] },
  // OAuth2 Proxy
  { from: ['ingress-nginx-controller'], to: ['oauth2-proxy'], ports: ['4180/TCP'] },
  { from: ['prometheus-kube-prometheus'], to: ['oauth2-proxy'], ports: ['4180/TCP'] },
  { from: ['oauth2-proxy'], to: ['coredns'], ports: ['53/TCP', '53/UDP'] },
];

/** The workloads the chart writes policies for: every flow that touches one is checked. */
const COMPONENTS = [...FINERACT, 'fineract-redis', 'keycloak', 'oauth2-proxy'];
/** Ports tried besides those of the expected table and the rendered policies. */
const EXTRA_PORTS = [22, 80, 443, 3000, 5432, 9090, 10250];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP'];

// --- rendering ---------------------------------------------------------------------------------
// The product's evaluator (src/verify: load.ts reads the render and the inventory, analyze.ts
// evaluates the policies), itself checked against netpol-analyzer in verify-conformance.test.ts.

/** An endpoint of the tables: a workload (its pod class) or an external address (its atom). */
type NamedEndpoint = { name: string; endpoint: Endpoint };

let policies: NetworkPolicy[];
let analysis: Analysis;
let endpoints: NamedEndpoint[];

beforeAll(async () => {
  const inventory = await loadManifests([FIXTURE]);
  const result = helmTemplate({ helm: 4, namespace: NAMESPACE });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  // No defaultNamespace: a policy without metadata.namespace would land in "default" and fail below.
  policies = loadManifestText(result.stdout, 'helm-template.yaml').policies;
  analysis = analyze({ policies, namespaces: inventory.namespaces, workloads: inventory.workloads });
  endpoints = [
    ...analysis.classes.flatMap((cls) =>
      cls.workloads.map((w): NamedEndpoint => ({ name: w.name, endpoint: { kind: 'pod', cls } })),
    ),
    // The analysis atoms (ranges of addresses every policy treats alike) that hold the addresses.
    { name: INTERNET, endpoint: addressEndpoint(analysis, '8.8.8.8') },
    { name: PRIVATE_VPC, endpoint: addressEndpoint(analysis, '10.20.32.10') },
  ];
});

const endpoint = (name: string): Endpoint => {
  const found = endpoints.find((e) => e.name === name);
  if (!found) throw new Error(`No endpoint ${name} in the inventory`);
  return found.endpoint;
};

/** Whether the policies allow source → destination on port/protocol (egress AND ingress). */
const isAllowed = (from: string, to: string, port: number, protocol: Protocol): boolean =>
  analysis.allowed(endpoint(from), endpoint(to)).has(protocol, port);

/** The inventory workloads a pod class of the analysis stands for, by name (sorted). */
const workloadsWhere = (test: (cls: Analysis['classes'][number]) => boolean): string[] =>
  analysis.classes
    .filter(test)
    .flatMap((cls) => cls.workloads.map((w) => w.name))
    .sort();

/** A rendered rule as the table writes it: the workloads its peer selects (or its ipBlock), its ports. */
function describeRule(
  peers: NetworkPolicyPeer[] | undefined,
  ports: NetworkPolicyPort[] | undefined,
  namespace: string,
): { peer: ExpectedPeer | string; ports: string[] } {
  const portList = (ports ?? []).map((p) => `${p.port}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`);
  if (!peers || peers.length !== 1) return { peer: `${peers?.length ?? 0} peer items`, ports: portList };
  const peer = peers[0]!;
  if (peer.ipBlock)
    return { peer: { ipBlock: { cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] } }, ports: portList };
  return {
    peer: { workloads: workloadsWhere((cls) => peerMatches(peer, namespace, { kind: 'pod', cls })) },
    ports: portList,
  };
}

const sortRules = <T extends { peer: unknown; ports: string[] }>(rules: T[]): { peer: unknown; ports: string[] }[] =>
  rules
    .map((r) => ({ peer: r.peer, ports: [...r.ports].sort() }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('default render, rule by rule against the seed tables', () => {
  it('writes exactly the seed four policies', () => {
    expect(policies.map((p) => p.name).sort()).toEqual(Object.keys(SEED_POLICIES).sort());
  });

  describe.each(Object.entries(SEED_POLICIES))('%s', (name, expected) => {
    const policy = (): NetworkPolicy => policies.find((p) => p.name === name)!;

    it('selects exactly its workloads of the inventory', () => {
      expect(workloadsWhere((cls) => selects(policy(), cls))).toEqual([...expected.selects].sort());
    });

    it('isolates them for Ingress and Egress', () => {
      expect(policy().policyTypes).toEqual(['Ingress', 'Egress']);
    });

    it.each(['ingress', 'egress'] as const)('has exactly the %s rules of the seed table', (direction) => {
      const rendered = (policy()[direction] ?? []).map((rule) =>
        describeRule('from' in rule ? rule.from : 'to' in rule ? rule.to : undefined, rule.ports, NAMESPACE),
      );
      expect(sortRules(rendered)).toEqual(sortRules(expected[direction]));
    });
  });
});

describe('default render, connectivity among the inventory workloads', () => {
  const key = (from: string, to: string, port: string): string => `${from} → ${to} ${port}`;

  const expectedSet = (): Set<string> =>
    new Set(
      EXPECTED_FLOWS.flatMap((flow) =>
        flow.from.flatMap((from) => flow.to.flatMap((to) => flow.ports.map((port) => key(from, to, port)))),
      ),
    );

  /** Every port of the expected table, of the rendered policies, and EXTRA_PORTS. */
  const portsToTry = (): number[] => {
    const ports = new Set<number>(EXTRA_PORTS);
    for (const flow of EXPECTED_FLOWS) for (const p of flow.ports) ports.add(Number(p.split('/')[0]));
    for (const policy of policies) {
      for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
        for (const p of rule.ports ?? []) {
          if (typeof p.port === 'number') ports.add(p.port);
          if (p.endPort) ports.add(p.endPort);
        }
      }
    }
    return [...ports].sort((a, b) => a - b);
  };

  /** Every allowed (source, destination, port/protocol) where one side is a component. */
  const allowedSet = (): Set<string> => {
    const allowed = new Set<string>();
    for (const source of endpoints) {
      for (const destination of endpoints) {
        if (!COMPONENTS.includes(source.name) && !COMPONENTS.includes(destination.name)) continue;
        for (const port of portsToTry()) {
          for (const protocol of PROTOCOLS) {
            if (isAllowed(source.name, destination.name, port, protocol)) {
              allowed.add(key(source.name, destination.name, `${port}/${protocol}`));
            }
          }
        }
      }
    }
    return allowed;
  };

  it('has every workload of the expected table in the inventory', () => {
    for (const flow of EXPECTED_FLOWS)
      for (const name of [...flow.from, ...flow.to]) expect(endpoint(name)).toBeDefined();
  });

  it('allows every expected flow (nothing less)', () => {
    const allowed = allowedSet();
    expect([...expectedSet()].filter((flow) => !allowed.has(flow))).toEqual([]);
  });

  it('allows no other flow to or from a component (nothing more)', () => {
    const expected = expectedSet();
    expect([...allowedSet()].filter((flow) => !expected.has(flow))).toEqual([]);
  });

  // Spot checks of the defects docs/design.md names, for readable failures (the two tests above cover them).
  it.each([
    ['grafana', 'fineract-read', 8080, 'TCP', 'a non-Prometheus pod of the monitoring namespace'],
    ['metrics-server', 'keycloak', 8080, 'TCP', 'a non-DNS pod of kube-system'],
    ['web-app', 'fineract-write', 8080, 'TCP', 'a pod of the namespace no rule names'],
    ['web-app', 'fineract-redis', 6379, 'TCP', 'a pod of the namespace no rule names'],
    [INTERNET, 'fineract-read', 8080, 'TCP', 'the internet (no from: [] rule)'],
    [PRIVATE_VPC, 'keycloak', 8080, 'TCP', 'a VPC address'],
    ['fineract-read', 'metrics-server', 10250, 'TCP', 'a non-DNS pod of kube-system, from Fineract'],
    ['fineract-read', 'metrics-server', 53, 'UDP', 'a non-DNS pod of kube-system on the DNS port'],
    ['fineract-redis', INTERNET, 443, 'TCP', 'Redis to the internet'],
    ['oauth2-proxy', INTERNET, 443, 'TCP', 'OAuth2 Proxy to the internet'],
    ['fineract-read', PRIVATE_VPC, 5432, 'TCP', 'a private address with no values (RFC 1918 is excluded)'],
    ['ingress-nginx-controller', 'fineract-redis', 6379, 'TCP', 'Ingress NGINX to Redis'],
  ] as const)('denies %s → %s %i/%s (%s)', (from, to, port, protocol, _why) => {
    expect(isAllowed(from, to, port, protocol)).toBe(false);
  });
});
