// The zod values model (src/model): defaults = the seed's intent, default selectors against a
// real workload inventory, validation of bad and good inputs, and invariants of the model and of
// the JSON Schema derived from it.
//
// Expectations come from the seed README's tables, docs/design.md and Kubernetes' rules, never from
// the model's own output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateJsonSchema, type JsonSchema } from '../src/generate/schema.ts';
import { DEFAULT_VALUES } from '../src/model/defaults.ts';
import { Values, type ValuesOutput } from '../src/model/values.ts';
import { CHART_DIR, REPO_ROOT } from '../src/paths.ts';
import { loadInventory, matchesSelector, selectPods, type LabelSelector } from './helpers/selectors.ts';

const WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const RELEASE_NAMESPACE = 'fineract-uat';

// ---------------------------------------------------------------------------------------------
// The seed's tables (docs/seed/network-policies-README.md), transcribed row by row. Sources and
// destinations: a component, the Ingress NGINX peer, an external network (by purpose), or the
// two cross-cutting rows (Prometheus scraping, kube-dns) that the model expresses as
// `monitoring` and `dns` rather than as connections.
// ---------------------------------------------------------------------------------------------
type SeedRow = { peer: string; ports: string[]; purpose: string };
type SeedPolicy = { file: string; ingress: SeedRow[]; egress: SeedRow[] };
const DNS_PORTS = ['TCP/53', 'UDP/53'];

const SEED: Record<string, SeedPolicy> = {
  fineract: {
    file: 'fineract-network-policy.yaml',
    ingress: [
      { peer: 'peer:ingress-nginx', ports: ['TCP/8080', 'TCP/8443'], purpose: 'External API requests' },
      { peer: 'component:fineract', ports: ['TCP/8080'], purpose: 'Inter-instance communication' },
      { peer: 'monitoring', ports: ['TCP/8080'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: 'network:rds', ports: ['TCP/5432'], purpose: 'AWS RDS PostgreSQL' },
      { peer: 'network:s3', ports: ['TCP/443'], purpose: 'AWS S3 (document storage)' },
      { peer: 'component:fineract-redis', ports: ['TCP/6379'], purpose: 'Redis caching' },
      { peer: 'component:keycloak', ports: ['TCP/8080'], purpose: 'OAuth2 token validation' },
      { peer: 'dns', ports: DNS_PORTS, purpose: 'DNS resolution' },
    ],
  },
  'fineract-redis': {
    file: 'fineract-redis-network-policy.yaml',
    ingress: [
      { peer: 'component:fineract', ports: ['TCP/6379'], purpose: 'Cache access' },
      { peer: 'monitoring', ports: ['TCP/9121'], purpose: 'Redis exporter metrics' },
    ],
    egress: [{ peer: 'dns', ports: DNS_PORTS, purpose: 'DNS resolution' }],
  },
  keycloak: {
    file: 'keycloak-network-policy.yaml',
    ingress: [
      { peer: 'component:oauth2-proxy', ports: ['TCP/8080'], purpose: 'OIDC authentication' },
      { peer: 'component:fineract', ports: ['TCP/8080'], purpose: 'Token validation' },
      { peer: 'peer:ingress-nginx', ports: ['TCP/8080'], purpose: 'Admin console access' },
      { peer: 'monitoring', ports: ['TCP/8080'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: 'network:rds', ports: ['TCP/5432'], purpose: 'AWS RDS PostgreSQL (Keycloak DB)' },
      { peer: 'network:oidc-federation', ports: ['TCP/443'], purpose: 'OIDC federation with external IdPs' },
      { peer: 'dns', ports: DNS_PORTS, purpose: 'DNS resolution' },
    ],
  },
  'oauth2-proxy': {
    file: 'oauth2-proxy-network-policy.yaml',
    ingress: [
      { peer: 'peer:ingress-nginx', ports: ['TCP/4180'], purpose: 'Authentication requests' },
      { peer: 'monitoring', ports: ['TCP/4180'], purpose: 'Metrics scraping' },
    ],
    egress: [
      { peer: 'component:keycloak', ports: ['TCP/8080'], purpose: 'OIDC provider communication' },
      { peer: 'component:fineract-redis', ports: ['TCP/6379'], purpose: 'Session storage' },
      { peer: 'dns', ports: DNS_PORTS, purpose: 'DNS resolution' },
    ],
  },
};
const CROSS_CUTTING = new Set(['monitoring', 'dns']);

/** A flow as a comparable string: "component:a -> network:b TCP/443,TCP/8443". */
function flow(from: string, to: string, ports: string[]): string {
  return `${from} -> ${to} ${[...ports].sort().join(',')}`;
}

type PortSpec = { port: number | string; protocol?: string; endPort?: number };
function portKey(p: PortSpec): string {
  return `${p.protocol ?? 'TCP'}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`;
}

function endpointKey(endpoint: Record<string, string>): string {
  const entries = Object.entries(endpoint);
  if (entries.length !== 1) throw new Error(`endpoint with ${entries.length} kinds: ${JSON.stringify(endpoint)}`);
  const [kind, name] = entries[0]!;
  return `${kind}:${name}`;
}

/** Every flow the seed's tables allow on at least one side, and the sides that list it. */
function seedFlows(): Map<string, Set<'ingress' | 'egress'>> {
  const flows = new Map<string, Set<'ingress' | 'egress'>>();
  const add = (key: string, side: 'ingress' | 'egress') => flows.set(key, (flows.get(key) ?? new Set()).add(side));
  for (const [component, policy] of Object.entries(SEED)) {
    for (const row of policy.ingress.filter((r) => !CROSS_CUTTING.has(r.peer))) {
      add(flow(row.peer, `component:${component}`, row.ports), 'ingress');
    }
    for (const row of policy.egress.filter((r) => !CROSS_CUTTING.has(r.peer))) {
      add(flow(`component:${component}`, row.peer, row.ports), 'egress');
    }
  }
  // A flow with a peer or a network has only the component's side in the seed.
  for (const [key, sides] of flows) {
    const [from, , to] = key.split(' ');
    if (!from!.startsWith('component:') || !to!.startsWith('component:')) sides.add('ingress').add('egress');
  }
  return flows;
}

function defaultFlows(values: ValuesOutput): string[] {
  return Object.values(values.connections)
    .filter((c) => c.enabled)
    .map((c) => flow(endpointKey(c.from), endpointKey(c.to), c.ports.map(portKey)));
}

describe('defaults', () => {
  const parsed = Values.parse({});

  it('Values.parse({}) equals the chart defaults (DEFAULT_VALUES and chart/values.yaml)', () => {
    expect(parsed).toEqual(DEFAULT_VALUES);
    expect(parsed).toEqual(parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')));
  });

  it('the defaults are themselves valid values, and parsing them again changes nothing', () => {
    const again = Values.safeParse(structuredClone(parsed));
    expect(again.error?.issues ?? []).toEqual([]);
    expect(again.data).toEqual(parsed);
  });

  it('components are exactly the four seed policies, enabled, named after the seed files', () => {
    const expected = Object.fromEntries(
      Object.entries(SEED).map(([name, policy]) => [
        name,
        { enabled: true, policyName: policy.file.replace(/\.yaml$/, '') },
      ]),
    );
    const actual = Object.fromEntries(
      Object.entries(parsed.components).map(([name, c]) => [name, { enabled: c.enabled, policyName: c.policyName }]),
    );
    expect(actual).toEqual(expected);
  });

  it("each component's metricsPorts are the ports of the seed's Prometheus row", () => {
    for (const [name, policy] of Object.entries(SEED)) {
      const scraped = policy.ingress.filter((r) => r.peer === 'monitoring').flatMap((r) => r.ports);
      expect((parsed.components[name]?.metricsPorts ?? []).map(portKey).sort(), name).toEqual(scraped.sort());
    }
    expect(parsed.monitoring.enabled).toBe(true);
  });

  it('every component reaches DNS on 53/UDP and 53/TCP, as every seed policy does', () => {
    for (const policy of Object.values(SEED)) expect(policy.egress.some((r) => r.peer === 'dns')).toBe(true);
    expect(parsed.dns.enabled).toBe(true);
    expect(parsed.dns.ports.map(portKey).sort()).toEqual(DNS_PORTS);
  });

  it('peers are Ingress NGINX and the OpenTelemetry collector (its connection off); networks are RDS, S3 and OIDC federation: 0.0.0.0/0 minus what is not the internet', () => {
    expect(Object.keys(parsed.peers)).toEqual(['ingress-nginx', 'otel-collector']);
    expect(parsed.connections['fineract-to-otel-collector']).toMatchObject({
      enabled: false,
      to: { peer: 'otel-collector' },
      ports: [{ port: 4317 }, { port: 4318 }],
    });
    const byCidr = Object.entries(parsed.networks).filter(([, n]) => n.cidrs);
    expect(byCidr.map(([name]) => name).sort()).toEqual(['oidc-federation', 'rds', 's3']);
    for (const [, network] of byCidr) {
      expect(network.cidrs).toEqual(['0.0.0.0/0']);
      expect(network.excludePrivate).toBe(true);
      expect(network.except ?? []).toEqual([]);
    }
    // RFC 1918, RFC 6598 (carrier-grade NAT, EKS custom networking), link-local (metadata services).
    expect([...parsed.privateCidrs]).toEqual([
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
      '169.254.0.0/16',
      // IPv6: unique local, link-local, local-use translation, the IPv4 ranges above behind NAT64.
      'fc00::/7',
      'fe80::/10',
      '64:ff9b:1::/48',
      '64:ff9b::a00:0/104',
      '64:ff9b::ac10:0/108',
      '64:ff9b::c0a8:0/112',
      '64:ff9b::6440:0/106',
      '64:ff9b::a9fe:0/112',
    ]);
    expect(parsed.ipFamilies).toEqual(['IPv4']);
    expect(parsed.defaultDeny.enabled).toBe(false);
  });

  it('the FQDN alternatives of S3 and OIDC federation are there to switch on: Cilium networks, their connections disabled', () => {
    const byName = Object.entries(parsed.networks).filter(([, n]) => !n.cidrs);
    expect(byName.map(([name]) => name).sort()).toEqual(['oidc-federation-by-name', 's3-by-name']);
    expect(parsed.networks['s3-by-name']?.fqdns).toEqual([{ awsS3Region: 'eu-west-1' }]);
    expect(parsed.networks['oidc-federation-by-name']?.fqdns).toEqual([]);
    const using = Object.entries(parsed.connections).filter(
      ([, c]) => 'network' in c.to && !parsed.networks[c.to.network]?.cidrs,
    );
    expect(using.map(([name, c]) => [name, c.enabled])).toEqual([
      ['fineract-to-s3-by-name', false],
      ['keycloak-to-oidc-federation-by-name', false],
    ]);
    expect(parsed.policyEngine).toBe('kubernetes');
  });

  it("the seed's tables have exactly two half-open component flows: OAuth2 Proxy → Redis and Fineract → Fineract", () => {
    const halfOpen = [...seedFlows()].filter(([, sides]) => sides.size === 1).map(([key]) => key);
    expect(halfOpen.sort()).toEqual(
      [
        flow('component:oauth2-proxy', 'component:fineract-redis', ['TCP/6379']), // only in the proxy's egress
        flow('component:fineract', 'component:fineract', ['TCP/8080']), // only in Fineract's ingress
      ].sort(),
    );
  });

  it('the default connections are exactly the flows of the seed tables (both sides of each)', () => {
    const expected = [...seedFlows().keys()].sort();
    expect(expected).toHaveLength(12);
    expect(defaultFlows(parsed).sort()).toEqual(expected);
  });

  it('the two half-open fixes are declared as connections (so both sides render)', () => {
    const flows = defaultFlows(parsed);
    expect(flows).toContain('component:oauth2-proxy -> component:fineract-redis TCP/6379');
    expect(flows).toContain('component:fineract -> component:fineract TCP/8080');
  });

  it('no flow is declared twice and every connection names a defined endpoint', () => {
    const flows = defaultFlows(parsed);
    expect(new Set(flows).size).toBe(flows.length);
    const defined: Record<string, Record<string, unknown>> = {
      component: parsed.components,
      peer: parsed.peers,
      network: parsed.networks,
    };
    for (const [name, c] of Object.entries(parsed.connections)) {
      for (const endpoint of [c.from, c.to]) {
        const [kind, ref] = endpointKey(endpoint).split(':') as [string, string];
        expect(Object.keys(defined[kind] ?? {}), `connections.${name}`).toContain(ref);
      }
      // Named ports are never used towards networks (ipBlock peers have no container ports).
      if ('network' in c.to) for (const p of c.ports) expect(typeof p.port, `connections.${name}`).toBe('number');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Default selectors against the workload inventory.
// ---------------------------------------------------------------------------------------------
describe('label selector matcher (src/verify/model/selectors.ts, selectors checked by src/verify/readers/load.ts)', () => {
  const labels = { app: 'fineract-read', 'app.kubernetes.io/name': 'fineract', tier: '' };
  const cases: { name: string; selector: LabelSelector; expected: boolean }[] = [
    { name: 'empty selector selects everything', selector: {}, expected: true },
    { name: 'matchLabels equal', selector: { matchLabels: { 'app.kubernetes.io/name': 'fineract' } }, expected: true },
    { name: 'matchLabels different value', selector: { matchLabels: { app: 'fineract' } }, expected: false },
    { name: 'matchLabels missing key', selector: { matchLabels: { role: 'x' } }, expected: false },
    { name: 'matchLabels empty value present', selector: { matchLabels: { tier: '' } }, expected: true },
    { name: 'matchLabels empty value absent', selector: { matchLabels: { zone: '' } }, expected: false },
    {
      name: 'In, value listed',
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['fineract-read', 'x'] }] },
      expected: true,
    },
    {
      name: 'In, value not listed',
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] },
      expected: false,
    },
    {
      name: 'In, label absent',
      selector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
      expected: false,
    },
    {
      name: 'NotIn, value listed',
      selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['fineract-read'] }] },
      expected: false,
    },
    {
      name: 'NotIn, label absent',
      selector: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
      expected: true,
    },
    { name: 'Exists, present', selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, expected: true },
    { name: 'Exists, absent', selector: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, expected: false },
    {
      name: 'DoesNotExist, absent',
      selector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] },
      expected: true,
    },
    {
      name: 'DoesNotExist, present',
      selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
      expected: false,
    },
    {
      name: 'matchLabels AND matchExpressions',
      selector: {
        matchLabels: { 'app.kubernetes.io/name': 'fineract' },
        matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }],
      },
      expected: false,
    },
  ];
  it.each(cases)('$name', ({ selector, expected }) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  it.each([
    { name: 'In without values', selector: { matchExpressions: [{ key: 'a', operator: 'In' as const }] } },
    {
      name: 'Exists with values',
      selector: { matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: ['x'] }] },
    },
  ])('refuses a requirement the API server refuses: $name', ({ selector }) => {
    expect(() => matchesSelector(selector, labels)).toThrow();
  });
});

describe('default selectors select the pods of test/fixtures/fineract-workloads.yaml', () => {
  const inventory = loadInventory(WORKLOADS);
  const values = Values.parse({});
  const componentPods = (name: string) =>
    selectPods(inventory, { podSelector: values.components[name]!.podSelector, releaseNamespace: RELEASE_NAMESPACE });

  it('the inventory has the workloads the tests below name', () => {
    expect(inventory.workloads.map((w) => w.name).sort()).toEqual(
      [
        'coredns',
        'create-fineract-databases',
        'create-keycloak-db',
        'fineract-batch',
        'fineract-read',
        'fineract-redis',
        'fineract-schema-migration',
        'fineract-write',
        'grafana',
        'ingress-nginx-controller',
        'keycloak',
        'metrics-server',
        'oauth2-proxy',
        'otel-collector',
        'prometheus-kube-prometheus',
        'web-app',
      ].sort(),
    );
  });

  it.each([
    { name: 'fineract', expected: ['fineract-batch', 'fineract-read', 'fineract-write'] },
    { name: 'fineract-redis', expected: ['fineract-redis'] },
    { name: 'keycloak', expected: ['keycloak'] },
    { name: 'oauth2-proxy', expected: ['oauth2-proxy'] },
  ])('component $name selects exactly $expected', ({ name, expected }) => {
    expect(componentPods(name)).toEqual(expected);
  });

  it('no component selects web-app, and no pod is selected by two components', () => {
    const all = Object.keys(values.components).flatMap(componentPods);
    expect(all).not.toContain('web-app');
    expect(new Set(all).size).toBe(all.length);
  });

  it("the seed's `app: fineract` selector would select no Fineract pod (the defect the defaults fix)", () => {
    expect(
      selectPods(inventory, { podSelector: { matchLabels: { app: 'fineract' } }, releaseNamespace: RELEASE_NAMESPACE }),
    ).toEqual([]);
  });

  it('the ingress-nginx peer selects only the controller in namespace ingress-nginx', () => {
    const peer = values.peers['ingress-nginx']!;
    expect(selectPods(inventory, { ...peer, namespaceLabelKey: values.namespaceLabelKey })).toEqual([
      'ingress-nginx-controller',
    ]);
  });

  it('monitoring selects Prometheus, not Grafana (not the whole monitoring namespace)', () => {
    const pods = selectPods(inventory, { ...values.monitoring, namespaceLabelKey: values.namespaceLabelKey });
    expect(pods).toEqual(['prometheus-kube-prometheus']);
    expect(pods).not.toContain('grafana');
  });

  it('dns selects CoreDNS, not metrics-server (not the whole kube-system namespace)', () => {
    const pods = selectPods(inventory, { ...values.dns, namespaceLabelKey: values.namespaceLabelKey });
    expect(pods).toEqual(['coredns']);
    expect(pods).not.toContain('metrics-server');
  });
});

// ---------------------------------------------------------------------------------------------
// Validation: bad inputs are refused at the right path, good inputs are accepted.
// ---------------------------------------------------------------------------------------------
const SELECTOR = { matchLabels: { app: 'x' } };
const component = (fields: object) => ({ components: { x: { podSelector: SELECTOR, ...fields } } });
const selector = (podSelector: object) => component({ podSelector });
const connection = (fields: object) => ({
  connections: { c: { from: { peer: 'p' }, to: { component: 'x' }, ports: [{ port: 8080 }], ...fields } },
});
const port = (p: object) => connection({ ports: [p] });
const network = (fields: object) => ({ networks: { n: { cidrs: ['10.0.0.0/8'], ...fields } } });
const PORT = ['connections', 'c', 'ports', 0];
const EXPR0 = ['components', 'x', 'podSelector', 'matchExpressions', 0];

type BadCase = { name: string; input: unknown; expected: (string | number)[]; keys?: string[] };
const BAD: BadCase[] = [
  { name: 'unknown key at the root', input: { bogus: 1 }, expected: [], keys: ['bogus'] },
  {
    name: 'unknown key in a component',
    input: component({ podSelecter: SELECTOR }),
    expected: ['components', 'x'],
    keys: ['podSelecter'],
  },
  { name: 'unknown key in a port', input: port({ port: 80, proto: 'TCP' }), expected: PORT, keys: ['proto'] },
  {
    name: 'unknown key in a selector',
    input: selector({ matchLabel: { app: 'x' } }),
    expected: ['components', 'x', 'podSelector'],
    keys: ['matchLabel'],
  },
  { name: 'port 0', input: port({ port: 0 }), expected: [...PORT, 'port'] },
  { name: 'port 65536', input: port({ port: 65536 }), expected: [...PORT, 'port'] },
  { name: 'port 80.5', input: port({ port: 80.5 }), expected: [...PORT, 'port'] },
  { name: 'endPort 65536', input: port({ port: 30000, endPort: 65536 }), expected: [...PORT, 'endPort'] },
  { name: 'protocol "HTTP"', input: port({ port: 80, protocol: 'HTTP' }), expected: [...PORT, 'protocol'] },
  {
    name: 'protocol "tcp" (case matters)',
    input: port({ port: 80, protocol: 'tcp' }),
    expected: [...PORT, 'protocol'],
  },
  { name: 'named port "8080" (all digits)', input: port({ port: '8080' }), expected: [...PORT, 'port'] },
  { name: 'named port "Http" (uppercase)', input: port({ port: 'Http' }), expected: [...PORT, 'port'] },
  { name: 'named port "a--b" (doubled hyphen)', input: port({ port: 'a--b' }), expected: [...PORT, 'port'] },
  { name: 'named port "-http" (leading hyphen)', input: port({ port: '-http' }), expected: [...PORT, 'port'] },
  { name: 'named port of 16 characters', input: port({ port: 'abcdefghijklmnop' }), expected: [...PORT, 'port'] },
  { name: 'empty ports list', input: connection({ ports: [] }), expected: ['connections', 'c', 'ports'] },
  {
    name: 'label key with two slashes',
    input: { commonLabels: { 'a/b/c': 'x' } },
    expected: ['commonLabels', 'a/b/c'],
  },
  {
    name: 'label key name of 64 characters',
    input: { commonLabels: { [`example.com/${'a'.repeat(64)}`]: 'x' } },
    expected: ['commonLabels', `example.com/${'a'.repeat(64)}`],
  },
  {
    name: 'label key with a leading dash',
    input: { commonLabels: { '-app': 'x' } },
    expected: ['commonLabels', '-app'],
  },
  {
    name: 'label key with an uppercase prefix',
    input: { commonLabels: { 'Example.com/app': 'x' } },
    expected: ['commonLabels', 'Example.com/app'],
  },
  {
    name: 'label value of 64 characters',
    input: { commonLabels: { team: 'a'.repeat(64) } },
    expected: ['commonLabels', 'team'],
  },
  {
    name: "label value ending with '-'",
    input: { commonLabels: { team: 'platform-' } },
    expected: ['commonLabels', 'team'],
  },
  {
    name: 'commonLabels value with a space',
    input: { commonLabels: { team: 'platform team' } },
    expected: ['commonLabels', 'team'],
  },
  {
    name: 'matchLabels value with a slash',
    input: selector({ matchLabels: { app: 'a/b' } }),
    expected: ['components', 'x', 'podSelector', 'matchLabels', 'app'],
  },
  { name: 'CIDR without mask', input: network({ cidrs: ['10.0.0.1'] }), expected: ['networks', 'n', 'cidrs', 0] },
  { name: 'CIDR 10.0.0.256/8', input: network({ cidrs: ['10.0.0.256/8'] }), expected: ['networks', 'n', 'cidrs', 0] },
  { name: 'CIDR /33', input: network({ cidrs: ['10.0.0.0/33'] }), expected: ['networks', 'n', 'cidrs', 0] },
  { name: 'IPv6 CIDR /129', input: { privateCidrs: ['fd00::/129'] }, expected: ['privateCidrs', 0] },
  {
    name: 'except that is not a CIDR',
    input: network({ except: ['10.1.0.0'] }),
    expected: ['networks', 'n', 'except', 0],
  },
  { name: 'network without cidrs', input: network({ cidrs: [] }), expected: ['networks', 'n', 'cidrs'] },
  {
    name: 'excludePrivate "no" (string)',
    input: network({ excludePrivate: 'no' }),
    expected: ['networks', 'n', 'excludePrivate'],
  },
  {
    name: 'endpoint with two kinds',
    input: connection({ from: { component: 'a', peer: 'b' } }),
    expected: ['connections', 'c', 'from'],
  },
  { name: 'empty endpoint {}', input: connection({ to: {} }), expected: ['connections', 'c', 'to'] },
  {
    name: 'endpoint of an unknown kind',
    input: connection({ to: { service: 'x' } }),
    expected: ['connections', 'c', 'to'],
  },
  {
    name: 'connection without `to`',
    input: { connections: { c: { from: { peer: 'p' }, ports: [{ port: 1 }] } } },
    expected: ['connections', 'c', 'to'],
  },
  {
    name: 'component name with uppercase',
    input: { components: { Fineract: { podSelector: SELECTOR } } },
    expected: ['components', 'Fineract'],
  },
  {
    name: 'connection name with underscore',
    input: { connections: { api_from_ingress: connection({}).connections.c } },
    expected: ['connections', 'api_from_ingress'],
  },
  {
    name: 'peer name of 64 characters',
    input: { peers: { ['p'.repeat(64)]: { podSelector: SELECTOR } } },
    expected: ['peers', 'p'.repeat(64)],
  },
  {
    name: 'policyName with underscore',
    input: component({ policyName: 'fineract_policy' }),
    expected: ['components', 'x', 'policyName'],
  },
  {
    name: 'namespace with uppercase',
    input: { peers: { p: { namespace: 'Ingress-Nginx', podSelector: SELECTOR } } },
    expected: ['peers', 'p', 'namespace'],
  },
  {
    name: 'peer without podSelector',
    input: { peers: { p: { namespace: 'ingress-nginx' } } },
    expected: ['peers', 'p', 'podSelector'],
  },
  {
    name: 'description with "\\n"',
    input: connection({ description: 'line one\nline two' }),
    expected: ['connections', 'c', 'description'],
  },
  {
    name: 'description with U+2028',
    input: connection({ description: 'line one\u2028line two' }),
    expected: ['connections', 'c', 'description'],
  },
  {
    name: 'description with a control character',
    input: component({ description: 'bell\u0007' }),
    expected: ['components', 'x', 'description'],
  },
  {
    name: 'matchExpressions In without values',
    input: selector({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    expected: EXPR0,
  },
  {
    name: 'matchExpressions In with empty values',
    input: selector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    expected: [...EXPR0, 'values'],
  },
  {
    name: 'matchExpressions Exists with values',
    input: selector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    expected: EXPR0,
  },
  {
    name: 'matchExpressions unknown operator',
    input: selector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }),
    expected: EXPR0,
  },
  {
    name: 'defaultDeny.enabled "yes" (string)',
    input: { defaultDeny: { enabled: 'yes' } },
    expected: ['defaultDeny', 'enabled'],
  },
  {
    name: 'connection enabled "true" (string)',
    input: connection({ enabled: 'true' }),
    expected: ['connections', 'c', 'enabled'],
  },
  { name: 'namespaceLabelKey empty', input: { namespaceLabelKey: '' }, expected: ['namespaceLabelKey'] },
  { name: 'global as a list', input: { global: [1] }, expected: ['global'] },
  { name: 'components as a list', input: { components: [{ podSelector: SELECTOR }] }, expected: ['components'] },
];

describe('validation', () => {
  it('has at least 25 bad cases', () => expect(BAD.length).toBeGreaterThanOrEqual(25));

  it.each(BAD)('refuses $name at $expected', ({ input, expected, keys }) => {
    const result = Values.safeParse(input);
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    // Exactly one defect per input: every issue is reported at that path.
    expect(issues.map((i) => i.path)).toEqual(issues.map(() => expected));
    expect(issues.length).toBeGreaterThan(0);
    if (keys) expect(issues.flatMap((i) => ('keys' in i ? i.keys : []))).toEqual(keys);
  });

  type GoodCase = { name: string; input: Record<string, unknown> };
  const GOOD: GoodCase[] = [
    {
      name: 'IPv6 network with an except inside it',
      input: network({ cidrs: ['2001:db8::/32', 'fd00::/8'], except: ['fd00:1::/32'] }),
    },
    { name: 'IPv6 ::/0 and an IPv4 /32', input: network({ cidrs: ['::/0', '203.0.113.7/32'] }) },
    { name: 'full IPv6 address /128', input: { privateCidrs: ['fd12:3456:789a:1:0:0:0:1/128', '10.0.0.0/8'] } },
    { name: 'named port towards a component', input: port({ port: 'http' }) },
    { name: 'named port of 15 characters with hyphens', input: port({ port: 'metrics-http-01' }) },
    { name: 'port range with endPort', input: port({ port: 30000, endPort: 32767, protocol: 'TCP' }) },
    { name: 'ports 1 and 65535', input: connection({ ports: [{ port: 1 }, { port: 65535 }] }) },
    {
      name: 'SCTP and UDP',
      input: connection({
        ports: [
          { port: 3868, protocol: 'SCTP' },
          { port: 53, protocol: 'UDP' },
        ],
      }),
    },
    {
      name: 'matchExpressions with every operator',
      input: selector({
        matchLabels: { 'app.kubernetes.io/name': 'fineract' },
        matchExpressions: [
          { key: 'app.kubernetes.io/component', operator: 'In', values: ['read', 'write'] },
          { key: 'tier', operator: 'NotIn', values: ['batch'] },
          { key: 'example.com/canary', operator: 'DoesNotExist' },
          { key: 'version', operator: 'Exists' },
        ],
      }),
    },
    {
      name: 'peer selected by namespaceSelector',
      input: {
        peers: {
          'ingress-nginx': {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
        },
      },
    },
    {
      name: 'peer in the release namespace (no namespace)',
      input: { peers: { web: { podSelector: { matchLabels: { app: 'web-app' } } } } },
    },
    {
      name: 'empty label value and a prefixed label key',
      input: { commonLabels: { 'example.com/team': 'platform', tier: '' } },
    },
    { name: 'label value of 63 characters', input: { commonLabels: { team: 'a'.repeat(63) } } },
    {
      name: 'annotations with free text',
      input: { commonAnnotations: { 'example.com/owner': 'Platform team <platform@example.com>' } },
    },
    {
      name: 'a disabled connection and a disabled component',
      input: { ...connection({ enabled: false }), ...component({ enabled: false }) },
    },
    {
      name: 'non-ASCII single-line description',
      input: connection({ description: 'Zugriff für Prometheus — Metriken ✓' }),
    },
    {
      name: 'defaultDeny with a custom name',
      input: { defaultDeny: { enabled: true, policyName: 'deny-all.fineract' } },
    },
    {
      name: 'dns disabled, selected by namespaceSelector',
      input: {
        dns: {
          enabled: false,
          namespaceSelector: { matchLabels: { role: 'dns' } },
          podSelector: { matchLabels: { k8s: 'dns' } },
          ports: [{ port: 53, protocol: 'UDP' }],
        },
      },
    },
    {
      name: 'free-form global',
      input: { global: { imageRegistry: 'registry.example.com', nested: { list: [1, 'two', null] } } },
    },
    { name: 'legacy namespace label key', input: { namespaceLabelKey: 'name' } },
  ];

  it('has at least 10 good cases', () => expect(GOOD.length).toBeGreaterThanOrEqual(10));

  it.each(GOOD)('accepts $name', ({ input }) => {
    const result = Values.safeParse(input);
    expect(result.error?.issues ?? []).toEqual([]);
    // What was given is kept as given (defaults only fill in what is missing).
    expect(result.data).toMatchObject(input);
  });

  it.each(GOOD)('parse does not mutate its input: $name', ({ input }) => {
    const frozen = deepFreeze(structuredClone(input));
    const before = structuredClone(frozen);
    expect(() => Values.parse(frozen)).not.toThrow();
    expect(frozen).toEqual(before);
  });

  it('parse does not mutate a refused input either', () => {
    for (const { input } of BAD) {
      const frozen = deepFreeze(structuredClone(input));
      const before = structuredClone(frozen);
      expect(Values.safeParse(frozen).success).toBe(false);
      expect(frozen).toEqual(before);
    }
  });
});

describe('invariants of the model', () => {
  it('DEFAULT_VALUES is not mutated by parsing (frozen defaults still parse)', () => {
    const frozen = deepFreeze(structuredClone(DEFAULT_VALUES));
    const before = structuredClone(frozen);
    expect(Values.parse(frozen)).toEqual(before);
    expect(frozen).toEqual(before);
  });

  it('the result of parse shares no objects with the defaults: changing one result leaves the next intact', () => {
    const pristine = structuredClone(Values.parse({}));
    const first = Values.parse({});
    first.components.fineract!.enabled = false;
    first.components.fineract!.podSelector.matchLabels!.app = 'changed';
    first.dns.ports.push({ port: 5353, protocol: 'UDP' });
    first.privateCidrs.push('100.64.0.0/10');
    first.connections['api-from-ingress']!.ports[0]!.port = 1;
    first.networks.rds!.cidrs![0] = '10.0.0.0/8';
    expect(Values.parse({})).toEqual(pristine);
    expect(DEFAULT_VALUES).toEqual(pristine);
  });

  it('the result of parse shares no objects with its input', () => {
    const input = { components: { x: { podSelector: { matchLabels: { app: 'x' } }, metricsPorts: [{ port: 9090 }] } } };
    const output = Values.parse(input);
    output.components.x!.podSelector.matchLabels!.app = 'changed';
    output.components.x!.metricsPorts!.push({ port: 1 });
    expect(input).toEqual({
      components: { x: { podSelector: { matchLabels: { app: 'x' } }, metricsPorts: [{ port: 9090 }] } },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The JSON Schema derived from the model.
// ---------------------------------------------------------------------------------------------

/** Keywords whose values are subschemas (draft-07), as opposed to data (default, examples, enum…). */
const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'propertyNames',
  'items',
  'additionalItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
];
const SCHEMA_ARRAY_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'items'];
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', 'dependencies'];

/** Every subschema with its JSON pointer ('#', '#/properties/dns', …). */
function subschemas(node: unknown, pointer = '#'): [JsonSchema, string][] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const schema = node as JsonSchema;
  const out: [JsonSchema, string][] = [[schema, pointer]];
  for (const key of SCHEMA_KEYWORDS) {
    if (schema[key] && !Array.isArray(schema[key])) out.push(...subschemas(schema[key], `${pointer}/${key}`));
  }
  for (const key of SCHEMA_ARRAY_KEYWORDS) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((item, i) => out.push(...subschemas(item, `${pointer}/${key}/${i}`)));
  }
  for (const key of SCHEMA_MAP_KEYWORDS) {
    const map = schema[key] as Record<string, unknown> | undefined;
    if (map)
      for (const [name, child] of Object.entries(map)) out.push(...subschemas(child, `${pointer}/${key}/${name}`));
  }
  return out;
}

function lookupRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node as JsonSchema | undefined;
}

/** The description that applies to a property: its own, or that of the schema it refers to. */
function descriptionOf(root: JsonSchema, node: JsonSchema): string | undefined {
  if (node.description) return node.description;
  if (node.$ref) return descriptionOf(root, lookupRef(root, node.$ref) ?? {});
  if (node.allOf?.length === 1) return descriptionOf(root, node.allOf[0]!);
  return undefined;
}

/**
 * Constructs of JavaScript regular expressions that Go's RE2 (Helm's JSON Schema validators)
 * does not support: lookahead, lookbehind, backreferences, atomic groups, possessive quantifiers.
 */
function re2Problems(pattern: string): string[] {
  const problems: string[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) problems.push(`backreference \\${next} at ${i}`);
      if (!inClass && next === 'k') problems.push(`named backreference at ${i}`);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === ']') i++; // a literal ] first in a class
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) problems.push(`lookahead at ${i}`);
      if (rest === '<=' || rest === '<!') problems.push(`lookbehind at ${i}`);
      if (rest.startsWith('>')) problems.push(`atomic group at ${i}`);
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && pattern[i + 1] === '+')
      problems.push(`possessive quantifier at ${i}`);
  }
  return problems;
}

describe('the JSON Schema (generateJsonSchema)', () => {
  const schema = generateJsonSchema();
  const nodes = subschemas(schema);

  it('is draft-07', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('has no remote $ref, and every local $ref resolves', () => {
    const refs = nodes.filter(([n]) => n.$ref !== undefined);
    expect(refs.length).toBeGreaterThan(0);
    for (const [node, pointer] of refs) {
      expect(node.$ref, pointer).toMatch(/^#\//);
      expect(lookupRef(schema, node.$ref!), `${pointer}: ${node.$ref}`).toBeDefined();
    }
  });

  it('closes every object schema (records validate their keys and entries); only `global` is open', () => {
    const objects = nodes.filter(([n]) => n.type === 'object' || n.properties !== undefined);
    expect(objects.length).toBeGreaterThan(10);
    const open: string[] = [];
    for (const [node, pointer] of objects) {
      if (pointer === '#/properties/global') continue;
      const extra = node.additionalProperties;
      const closed = extra === false;
      const record =
        extra !== undefined &&
        typeof extra === 'object' &&
        Object.keys(extra).length > 0 &&
        node.propertyNames !== undefined &&
        !node.properties;
      if (!closed && !record) open.push(pointer);
    }
    expect(open).toEqual([]);
    // …and global is the permissive exception umbrella charts and Argo CD rely on.
    const global = schema.properties?.global;
    expect(global?.type).toBe('object');
    expect(global?.additionalProperties).not.toBe(false);
  });

  it('describes every property', () => {
    const undocumented: string[] = [];
    for (const [node, pointer] of nodes) {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (!descriptionOf(schema, child)?.trim()) undocumented.push(`${pointer}/properties/${name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('uses patterns that compile in JavaScript and stay within RE2 (no lookaround, no backreference)', () => {
    const patterns = nodes.flatMap(([node, pointer]) => [
      ...(typeof node.pattern === 'string' ? [[node.pattern, pointer] as const] : []),
      ...Object.keys((node.patternProperties as Record<string, unknown> | undefined) ?? {}).map(
        (p) => [p, pointer] as const,
      ),
    ]);
    expect(patterns.length).toBeGreaterThan(5);
    for (const [pattern, pointer] of patterns) {
      expect(() => new RegExp(pattern), pointer).not.toThrow();
      expect(() => new RegExp(pattern, 'u'), pointer).not.toThrow(); // as Ajv compiles them
      expect(re2Problems(pattern), `${pointer}: ${pattern}`).toEqual([]);
    }
  });

  it.each([
    { name: 'lookahead', pattern: '^(?=a)a$', expected: 1 },
    { name: 'negative lookahead', pattern: '^(?!-)[a-z]$', expected: 1 },
    { name: 'lookbehind', pattern: '(?<=a)b', expected: 1 },
    { name: 'negative lookbehind', pattern: '(?<!a)b', expected: 1 },
    { name: 'backreference', pattern: '(a)\\1', expected: 1 },
    { name: 'named backreference', pattern: '(?<x>a)\\k<x>', expected: 1 },
    { name: 'escaped backslash then digit is no backreference', pattern: '\\\\1', expected: 0 },
    { name: 'group inside a class is literal', pattern: '[(?=]', expected: 0 },
    { name: 'non-capturing group is fine', pattern: '(?:ab)+', expected: 0 },
    { name: 'named group is fine', pattern: '(?<name>ab)', expected: 0 },
  ])('the RE2 check finds $expected problem(s) in: $name', ({ pattern, expected }) => {
    expect(re2Problems(pattern)).toHaveLength(expected);
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
