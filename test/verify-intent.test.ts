// The values as intent: expandConnections (the TypeScript twin of the chart's plan), the Helm merge
// of values files, the synthesized inventory, and the undeclared-flow / missing-flow comparison.
// Expected outputs are written from the chart's semantics (docs/design.md, _plan.tpl) and the seed's
// tables, and the expansion is checked rule for rule against what the real Helm 4 renders.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../src/errors.ts';
import { DEFAULT_VALUES } from '../src/model/defaults.ts';
import {
  expandConnections,
  expansionProblems,
  peerItemsOf,
  skippedConnections,
  type ExpandedConnection,
  type ResolvedEndpoint,
} from '../src/model/expand.ts';
import { mergeHelmValues } from '../src/values/merge.ts';
import { Values, type ValuesInput, type ValuesOutput } from '../src/model/values.ts';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { analyze, type AnalysisInput } from '../src/verify/analysis/analyze.ts';
import {
  declaredCidrs,
  declaredFlows,
  intentFindings,
  parseValues,
  readValuesFiles,
  releaseNamespaceOf,
} from '../src/verify/checks/intent.ts';
import { loadManifestText } from '../src/verify/readers/load.ts';
import { synthesizeFromPolicies, synthesizeFromValues, labelsSatisfying } from '../src/verify/analysis/synthesize.ts';
import type { Finding, NetworkPolicy } from '../src/verify/model/types.ts';
import { helmTemplate, parseManifests } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const NAMESPACE = 'fineract-uat';
const WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const ENV_FILES = readdirSync(VALUES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(VALUES_DIR, f));
// The chart's privateCidrs: RFC 1918, carrier-grade NAT / EKS custom networking, link-local.
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];

const parse = (input: ValuesInput = {}): ValuesOutput => Values.parse(input);
/** Values = the chart defaults with `override` merged over them the Helm way. */
const withDefaults = (override: unknown): ValuesOutput => Values.parse(mergeHelmValues(DEFAULT_VALUES, override));

/** A flow as one line: `name: kind:name → kind:name ports`. */
function line(c: ExpandedConnection): string {
  const end = (e: ResolvedEndpoint) => `${e.kind}:${e.name}`;
  const ports = c.ports.map((p) => `${p.port}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol}`).join(',');
  return `${c.name}: ${end(c.from)} → ${end(c.to)} ${ports}`;
}

// ---- expandConnections ----------------------------------------------------------------------------

describe('expandConnections: the chart defaults', () => {
  const flows = expandConnections(parse(), { namespace: NAMESPACE });

  it("gives exactly the seed's flows, then monitoring and DNS, in the chart's order", () => {
    // The seed's tables (docs/seed/network-policies-README.md) read as flows, with docs/design.md's two
    // additions (OAuth2 Proxy → Redis, Fineract → Fineract); connections in name order, as Go ranges.
    expect(flows.map(line)).toEqual([
      'api-from-ingress: peer:ingress-nginx → component:fineract 8080/TCP,8443/TCP',
      'fineract-inter-instance: component:fineract → component:fineract 8080/TCP',
      'fineract-to-keycloak: component:fineract → component:keycloak 8080/TCP',
      'fineract-to-rds: component:fineract → network:rds 5432/TCP',
      'fineract-to-redis: component:fineract → component:fineract-redis 6379/TCP',
      'fineract-to-s3: component:fineract → network:s3 443/TCP',
      'keycloak-admin-from-ingress: peer:ingress-nginx → component:keycloak 8080/TCP',
      'keycloak-to-oidc-federation: component:keycloak → network:oidc-federation 443/TCP',
      'keycloak-to-rds: component:keycloak → network:rds 5432/TCP',
      'oauth2-proxy-from-ingress: peer:ingress-nginx → component:oauth2-proxy 4180/TCP',
      'oauth2-proxy-to-keycloak: component:oauth2-proxy → component:keycloak 8080/TCP',
      'oauth2-proxy-to-redis: component:oauth2-proxy → component:fineract-redis 6379/TCP',
      'monitoring→fineract: monitoring:monitoring → component:fineract 8080/TCP',
      'monitoring→fineract-redis: monitoring:monitoring → component:fineract-redis 9121/TCP',
      'monitoring→keycloak: monitoring:monitoring → component:keycloak 8080/TCP',
      'monitoring→oauth2-proxy: monitoring:monitoring → component:oauth2-proxy 4180/TCP',
      'fineract→dns: component:fineract → dns:dns 53/UDP,53/TCP',
      'fineract-redis→dns: component:fineract-redis → dns:dns 53/UDP,53/TCP',
      'keycloak→dns: component:keycloak → dns:dns 53/UDP,53/TCP',
      'oauth2-proxy→dns: component:oauth2-proxy → dns:dns 53/UDP,53/TCP',
    ]);
  });

  it('resolves endpoints to one peer item each: namespace label AND pods, ipBlocks with the private excepts', () => {
    const byName = new Map(flows.map((f) => [f.name, f]));
    expect(byName.get('api-from-ingress')?.from).toEqual({
      kind: 'peer',
      name: 'ingress-nginx',
      namespace: 'ingress-nginx',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    });
    expect(byName.get('api-from-ingress')?.to).toEqual({
      kind: 'component',
      name: 'fineract',
      namespace: NAMESPACE,
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fineract' } },
    });
    expect(byName.get('fineract-to-rds')?.to).toEqual({
      kind: 'network',
      name: 'rds',
      ipBlocks: [{ cidr: '0.0.0.0/0', except: PRIVATE }],
      fqdns: [],
      entities: [],
    });
    expect(byName.get('fineract→dns')?.to).toEqual({
      kind: 'dns',
      name: 'dns',
      namespace: 'kube-system',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    });
    expect(byName.get('monitoring→fineract')?.from).toMatchObject({
      kind: 'monitoring',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
    expect(byName.get('fineract-to-redis')).toMatchObject({
      path: 'connections.fineract-to-redis',
      description: 'Redis caching',
    });
    expect(byName.get('monitoring→keycloak')?.path).toBe('components.keycloak.metricsPorts');
    // Only the optional ones, disabled until a user switches them on: traces, and the DNS-name
    // alternatives (policyEngine cilium).
    expect(skippedConnections(parse()).map((s) => [s.name, s.reason])).toEqual([
      ['fineract-to-otel-collector', 'connection-disabled'],
      ['fineract-to-s3-by-name', 'connection-disabled'],
      ['keycloak-to-oidc-federation-by-name', 'connection-disabled'],
    ]);
  });
});

describe('expandConnections: switches', () => {
  const names = (values: ValuesOutput) => expandConnections(values).map((c) => c.name);

  it('skips every connection naming a disabled component, and its monitoring and DNS flows', () => {
    const values = withDefaults({ components: { keycloak: { enabled: false } } });
    const flows = names(values);
    expect(flows.filter((n) => n.includes('keycloak'))).toEqual([]);
    expect(flows).toContain('fineract-to-redis');
    expect(skippedConnections(values)).toEqual([
      {
        name: 'fineract-to-keycloak',
        reason: 'component-disabled',
        component: 'keycloak',
        message: 'fineract-to-keycloak (component "keycloak" is disabled)',
      },
      // Disabled in the defaults (traces, the DNS-name alternatives): the connection's own switch first.
      expect.objectContaining({ name: 'fineract-to-otel-collector', reason: 'connection-disabled' }),
      expect.objectContaining({ name: 'fineract-to-s3-by-name', reason: 'connection-disabled' }),
      expect.objectContaining({ name: 'keycloak-admin-from-ingress', component: 'keycloak' }),
      expect.objectContaining({ name: 'keycloak-to-oidc-federation', component: 'keycloak' }),
      expect.objectContaining({ name: 'keycloak-to-oidc-federation-by-name', reason: 'connection-disabled' }),
      expect.objectContaining({ name: 'keycloak-to-rds', component: 'keycloak' }),
      expect.objectContaining({ name: 'oauth2-proxy-to-keycloak', component: 'keycloak' }),
    ]);
  });

  it('drops a connection with enabled: false, and one set to null', () => {
    const values = withDefaults({ connections: { 'fineract-to-s3': { enabled: false }, 'keycloak-to-rds': null } });
    expect(names(values)).not.toContain('fineract-to-s3');
    expect(names(values)).not.toContain('keycloak-to-rds');
    expect(skippedConnections(values)).toEqual([
      // Disabled in the defaults (traces, the DNS-name alternatives), and the one disabled here.
      expect.objectContaining({ name: 'fineract-to-otel-collector', reason: 'connection-disabled' }),
      { name: 'fineract-to-s3', reason: 'connection-disabled', message: 'fineract-to-s3 (the connection is disabled)' },
      expect.objectContaining({ name: 'fineract-to-s3-by-name', reason: 'connection-disabled' }),
      expect.objectContaining({ name: 'keycloak-to-oidc-federation-by-name', reason: 'connection-disabled' }),
    ]);
  });

  it.each([
    ['monitoring disabled', { monitoring: { enabled: false } }, (n: string) => n.startsWith('monitoring→'), 0],
    ['dns disabled', { dns: { enabled: false } }, (n: string) => n.endsWith('→dns'), 0],
    [
      'a component without metricsPorts',
      { components: { keycloak: { metricsPorts: null } } },
      (n: string) => n.startsWith('monitoring→'),
      3,
    ],
    [
      'a new component',
      { components: { batch: { podSelector: { matchLabels: { app: 'batch' } } } } },
      (n: string) => n.startsWith('batch'),
      1, // batch→dns only: no metricsPorts, no connection
    ],
  ])('%s', (_name, override, pick, count) => {
    expect(names(withDefaults(override)).filter(pick)).toHaveLength(count);
  });

  it('protocol defaults to TCP, endPort is kept, named ports pass through', () => {
    const values = withDefaults({
      connections: {
        'x-range': { from: { component: 'fineract' }, to: { network: 's3' }, ports: [{ port: 9000, endPort: 9100 }] },
        'x-named': {
          from: { component: 'fineract' },
          to: { component: 'keycloak' },
          ports: [{ port: 'http' }, { port: 'metrics', protocol: 'UDP' }],
        },
      },
    });
    const flows = new Map(expandConnections(values).map((c) => [c.name, c.ports]));
    expect(flows.get('x-range')).toEqual([{ port: 9000, protocol: 'TCP', endPort: 9100 }]);
    expect(flows.get('x-named')).toEqual([
      { port: 'http', protocol: 'TCP' },
      { port: 'metrics', protocol: 'UDP' },
    ]);
  });

  it('places a peer with namespaceSelector, and one with neither in the release namespace', () => {
    const values = withDefaults({
      peers: {
        'ingress-nginx': { namespace: null, namespaceSelector: { matchLabels: { team: 'edge' } } },
        local: { podSelector: { matchLabels: { app: 'local' } } },
      },
      connections: {
        'from-local': { from: { peer: 'local' }, to: { component: 'fineract' }, ports: [{ port: 8080 }] },
      },
    });
    const flows = new Map(expandConnections(values, { namespace: 'ns1' }).map((c) => [c.name, c]));
    expect(flows.get('api-from-ingress')?.from).toEqual({
      kind: 'peer',
      name: 'ingress-nginx',
      namespaceSelector: { matchLabels: { team: 'edge' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    });
    const local = flows.get('from-local')?.from;
    expect(local).toEqual({
      kind: 'peer',
      name: 'local',
      namespace: 'ns1',
      podSelector: { matchLabels: { app: 'local' } },
    });
    expect(local && peerItemsOf(local)).toEqual([{ podSelector: { matchLabels: { app: 'local' } } }]);
  });

  it('uses namespaceLabelKey for `namespace`', () => {
    const values = withDefaults({ namespaceLabelKey: 'name' });
    const ingress = expandConnections(values).find((c) => c.name === 'api-from-ingress')?.from;
    expect(ingress).toMatchObject({ namespaceSelector: { matchLabels: { name: 'ingress-nginx' } } });
  });
});

describe('expandConnections: network excepts', () => {
  const blocks = (network: object, privateCidrs?: string[]) => {
    const values = withDefaults({
      networks: { net: network },
      ...(privateCidrs ? { privateCidrs } : {}),
      connections: { 'to-net': { from: { component: 'fineract' }, to: { network: 'net' }, ports: [{ port: 443 }] } },
    });
    const to = expandConnections(values).find((c) => c.name === 'to-net')?.to;
    return to?.kind === 'network' ? to.ipBlocks : undefined;
  };

  it.each([
    [
      'excludePrivate on the internet',
      { cidrs: ['0.0.0.0/0'], excludePrivate: true },
      undefined,
      [{ cidr: '0.0.0.0/0', except: PRIVATE }],
    ],
    [
      'privateCidrs, then its own excepts',
      { cidrs: ['0.0.0.0/0'], excludePrivate: true, except: ['8.8.8.0/24'] },
      undefined,
      [{ cidr: '0.0.0.0/0', except: [...PRIVATE, '8.8.8.0/24'] }],
    ],
    [
      'no excludePrivate: no except',
      { cidrs: ['10.20.0.0/16'], excludePrivate: false },
      undefined,
      [{ cidr: '10.20.0.0/16' }],
    ],
    [
      'an except goes to the cidr it lies in only',
      { cidrs: ['10.0.0.0/8', '172.16.0.0/12'], except: ['10.1.0.0/16'] },
      undefined,
      [{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, { cidr: '172.16.0.0/12' }],
    ],
    [
      'an except equal to a private cidr is listed once',
      { cidrs: ['0.0.0.0/0'], excludePrivate: true, except: ['10.0.0.0/8'] },
      undefined,
      [{ cidr: '0.0.0.0/0', except: PRIVATE }],
    ],
    [
      'private ranges of the other family are left out',
      { cidrs: ['0.0.0.0/0', '::/0'], excludePrivate: true },
      ['10.0.0.0/8', 'fd00::/8'],
      [
        { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
        { cidr: '::/0', except: ['fd00::/8'] },
      ],
    ],
    [
      'a private range outside the cidr is left out',
      { cidrs: ['198.18.0.0/15'], excludePrivate: true },
      undefined,
      [{ cidr: '198.18.0.0/15' }],
    ],
  ])('%s', (_name, network, privateCidrs, expected) => {
    expect(blocks(network, privateCidrs)).toEqual(expected);
  });

  it.each([
    [
      'a cidr inside an excluded private range',
      { cidrs: ['10.20.0.0/16'], excludePrivate: true },
      'networks.net.cidrs[0]: "10.20.0.0/16" lies inside the private range "10.0.0.0/8"',
    ],
    [
      'an except not strictly inside a cidr',
      { cidrs: ['10.0.0.0/8'], except: ['10.0.0.0/8'] },
      'networks.net.except[0]: "10.0.0.0/8" is not strictly inside any of the cidrs ["10.0.0.0/8"]',
    ],
    [
      'host bits set',
      { cidrs: ['10.0.0.1/8'] },
      'networks.net.cidrs[0]: "10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?',
    ],
  ])('refuses %s, as the chart does', (_name, network, problem) => {
    const values = withDefaults({
      networks: { net: network },
      connections: { 'to-net': { from: { component: 'fineract' }, to: { network: 'net' }, ports: [{ port: 443 }] } },
    });
    expect(expansionProblems(values).join('\n')).toContain(problem);
    expect(() => expandConnections(values)).toThrow(InputError);
  });

  it('refuses undefined names, peer-to-network flows and named ports towards networks', () => {
    const values = withDefaults({
      connections: {
        a: { from: { component: 'nope' }, to: { component: 'fineract' }, ports: [{ port: 80 }] },
        b: { from: { peer: 'ingress-nginx' }, to: { network: 'rds' }, ports: [{ port: 80 }] },
        c: { from: { component: 'fineract' }, to: { network: 'rds' }, ports: [{ port: 'http' }] },
        d: { from: { component: 'fineract' }, to: { component: 'keycloak' }, ports: [{ port: 90, endPort: 80 }] },
      },
    });
    expect(expansionProblems(values)).toEqual([
      'connections.a.from.component: "nope" is not defined in components (defined: fineract, fineract-redis, keycloak, oauth2-proxy); define it under components, or correct the name [reference-undefined]',
      'connections.b: neither end is a component (from peer "ingress-nginx", to network "rds"): this chart only writes the policies of its components; make one end {component: …}; traffic between two workloads outside the chart is theirs to allow [no-component-end]',
      'connections.c.ports[0].port: named port "http" cannot be resolved for a network (ipBlock) destination: only pods have named ports; use the port number [named-port-to-network]',
      'connections.d.ports[0].endPort: 80 is below port 90; endPort must be >= port; did you mean port: 80, endPort: 90? [end-port-below-port]',
    ]);
  });
});

describe('expandConnections is pure', () => {
  it.each(ENV_FILES.map((f) => [f.slice(VALUES_DIR.length + 1), f]))(
    'does not modify %s, nor share objects with it',
    (_n, file) => {
      const values = readValuesFiles([file]);
      const before = structuredClone(values);
      const flows = expandConnections(values, { namespace: NAMESPACE });
      expect(values).toEqual(before);
      // Changing the result leaves the values alone.
      for (const flow of flows) {
        for (const end of [flow.from, flow.to]) {
          if (end.kind === 'network') end.ipBlocks.forEach((b) => b.except?.push('1.2.3.0/24'));
          else (end.podSelector.matchLabels ??= {})['x'] = 'y';
        }
        flow.ports.forEach((p) => (p.port = 1));
      }
      expect(values).toEqual(before);
      expect(expandConnections(values, { namespace: NAMESPACE })).toEqual(
        expandConnections(before, { namespace: NAMESPACE }),
      );
    },
  );
});

// ---- the expansion equals what Helm renders, rule for rule ----------------------------------------

type RenderedRule = { from?: unknown[]; to?: unknown[]; ports?: unknown[] };
type RenderedPolicy = {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { podSelector: unknown; ingress?: RenderedRule[]; egress?: RenderedRule[] };
};

/** Extra values files exercising what the env files do not (written to a temporary folder). */
const EXTRA_CASES: Record<string, unknown> = {
  'disabled-and-peers.yaml': {
    components: { keycloak: { enabled: false }, 'fineract-redis': { metricsPorts: null } },
    peers: {
      'ingress-nginx': {
        namespace: null,
        namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['edge'] }] },
      },
      local: { podSelector: { matchLabels: { app: 'local' } } },
    },
    connections: {
      'fineract-to-s3': { enabled: false },
      'local-to-fineract': {
        from: { peer: 'local' },
        to: { component: 'fineract' },
        ports: [{ port: 'http' }, { port: 9000, endPort: 9100, protocol: 'UDP' }],
      },
    },
  },
  'networks.yaml': {
    privateCidrs: ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8'],
    networks: {
      s3: { cidrs: ['0.0.0.0/0', '::/0'], excludePrivate: true, except: ['8.8.8.0/24', '2001:db8::/32'] },
      rds: { cidrs: ['10.20.0.0/16', '172.16.0.0/12'], excludePrivate: false, except: ['10.20.5.0/24'] },
    },
    namespaceLabelKey: 'name',
    monitoring: { enabled: false },
  },
};

describe('the expansion equals the policies Helm 4 renders, rule for rule', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-expand-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cases: [string, string[]][] = [
    ['chart defaults', []],
    ...ENV_FILES.map((f): [string, string[]] => [f.slice(VALUES_DIR.length + 1), [f]]),
    ...Object.entries(EXTRA_CASES).map(([name, content]): [string, string[]] => {
      const file = join(tmp, name);
      writeFileSync(file, stringify(content));
      return [name, [file]];
    }),
  ];

  it.each(cases)('%s', (_name, files) => {
    const out = helmTemplate({ helm: 4, valuesFiles: files, namespace: NAMESPACE });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const rendered = (parseManifests(out.stdout) as RenderedPolicy[]).filter((o) => o.kind === 'NetworkPolicy');
    const values = readValuesFiles(files);
    const flows = expandConnections(values, { namespace: NAMESPACE });
    const enabled = Object.entries(values.components).filter(([, c]) => c.enabled);
    const expectedNames = enabled.map(([name, c]) => c.policyName ?? `${name}-network-policy`);
    if (values.defaultDeny.enabled) expectedNames.push(values.defaultDeny.policyName);
    expect(rendered.map((p) => p.metadata.name).sort()).toEqual(expectedNames.sort());
    for (const [name, component] of enabled) {
      const policy = rendered.find((p) => p.metadata.name === (component.policyName ?? `${name}-network-policy`));
      const ports = (f: ExpandedConnection) => f.ports.map((p) => ({ ...p }));
      const ingress = flows
        .filter((f) => f.to.kind === 'component' && f.to.name === name)
        .map((f) => ({ from: peerItemsOf(f.from), ports: ports(f) }));
      const egress = flows
        .filter((f) => f.from.kind === 'component' && f.from.name === name)
        .map((f) => ({ to: peerItemsOf(f.to), ports: ports(f) }));
      expect(policy?.metadata.namespace).toBe(NAMESPACE);
      expect(policy?.spec.podSelector).toEqual(component.podSelector);
      expect(policy?.spec.ingress ?? []).toEqual(ingress);
      expect(policy?.spec.egress ?? []).toEqual(egress);
    }
  });
});

// ---- values files: the Helm merge ------------------------------------------------------------------

describe('mergeHelmValues', () => {
  it.each([
    ['maps merge recursively', { a: { b: 1, c: 2 } }, [{ a: { c: 3, d: 4 } }], { a: { b: 1, c: 3, d: 4 } }],
    ['lists are replaced', { a: [1, 2, 3] }, [{ a: [4] }], { a: [4] }],
    ['scalars are replaced', { a: 'x' }, [{ a: 'y' }], { a: 'y' }],
    [
      'a map replaces a scalar, and a scalar a map',
      { a: 1, b: { c: 1 } },
      [{ a: { x: 1 }, b: 2 }],
      { a: { x: 1 }, b: 2 },
    ],
    ['null deletes a default', { a: { b: 1, c: 2 } }, [{ a: { b: null } }], { a: { c: 2 } }],
    ['null without a default stays null', { a: {} }, [{ a: { x: null } }], { a: { x: null } }],
    ['a later file wins, its null deletes', { a: { b: 1 } }, [{ a: { b: 2 } }, { a: { b: null } }], { a: {} }],
    ['a later file overrides an earlier null', { a: { b: 1 } }, [{ a: { b: null } }, { a: { b: 3 } }], { a: { b: 3 } }],
    ['an empty file changes nothing', { a: 1 }, [null], { a: 1 }],
  ])('%s', (_name, defaults, overrides, expected) => {
    const before = structuredClone({ defaults, overrides });
    expect(mergeHelmValues(defaults, ...overrides)).toEqual(expected);
    expect({ defaults, overrides }).toEqual(before);
  });

  it('equals the chart: values/production.yaml disables fineract-inter-instance, keeps the rest', () => {
    const values = readValuesFiles([join(VALUES_DIR, 'production.yaml')]);
    expect(values.connections['fineract-inter-instance']?.enabled).toBe(false);
    // Overriding one key of an entry keeps the others of the default.
    expect(values.connections['keycloak-admin-from-ingress']).toEqual({
      ...DEFAULT_VALUES.connections['keycloak-admin-from-ingress'],
      description: "Keycloak's login pages (OIDC) and admin console; restrict the console at the Ingress",
    });
    expect(values.connections['fineract-to-redis']).toEqual(DEFAULT_VALUES.connections['fineract-to-redis']);
    expect(values.networks.rds?.cidrs).toEqual(['10.30.32.0/24', '10.30.33.0/24', '10.30.34.0/24']);
  });

  it('refuses invalid values with the path of each problem', () => {
    expect(() => parseValues([{ networks: { rds: { cidrs: ['10.0.0.1'] } } }], 'bad.yaml')).toThrow(
      /bad\.yaml: the values do not match the chart's schema:\n {2}- networks\.rds\.cidrs\[0\]: /,
    );
    expect(() => parseValues([{ connections: { extra: null } }], 'bad.yaml')).toThrow(/connections\.extra: /);
    expect(() => parseValues([[1, 2]], 'list.yaml')).toThrow(InputError);
  });

  it('reports invalid YAML with its file and line', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-values-'));
    try {
      const file = join(tmp, 'broken.yaml');
      writeFileSync(file, 'components:\n  fineract: {enabled: true\nnext: 1\n');
      expect(() => readValuesFiles([file])).toThrow(new RegExp(`${file.replaceAll('/', '\\/')}:\\d+: invalid YAML`));
      expect(() => readValuesFiles([join(tmp, 'missing.yaml')])).toThrow(/cannot read the values file/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// ---- intent: undeclared-flow and missing-flow ------------------------------------------------------

function render(files: string[], namespace = NAMESPACE): NetworkPolicy[] {
  const out = helmTemplate({ helm: 4, valuesFiles: files, namespace });
  if (out.status !== 0) throw new Error(out.stderr);
  return loadManifestText(out.stdout, 'rendered.yaml').policies;
}

const inventory = loadManifestText(readFileSync(WORKLOADS, 'utf8'), 'fineract-workloads.yaml');
// The seed's shape with uat's database subnets (values/uat.yaml is fitted to a real deployment).
const UAT = join(REPO_ROOT, 'test', 'fixtures', 'values', 'seed-uat.yaml');
const uatPolicies = render([UAT]);
const uatValues = readValuesFiles([UAT]);

function check(policies: NetworkPolicy[], values = uatValues, input: Partial<AnalysisInput> = {}): Finding[] {
  const analysis = analyze({ namespaces: inventory.namespaces, workloads: inventory.workloads, policies, ...input });
  return intentFindings(analysis, values, { namespace: NAMESPACE });
}

/** The uat policies with one change. */
function changed(change: (byName: (name: string) => NetworkPolicy) => void): NetworkPolicy[] {
  const policies = structuredClone(uatPolicies);
  change((name) => {
    const policy = policies.find((p) => p.name === name);
    if (!policy) throw new Error(`no policy ${name}`);
    return policy;
  });
  return policies;
}

describe('intent against the rendered chart', () => {
  it.each([['chart defaults', []], ...ENV_FILES.map((f): [string, string[]] => [f.slice(VALUES_DIR.length + 1), [f]])])(
    '%s verifies clean against its values and the fixture workloads',
    (_name, files) => {
      expect(check(render(files), readValuesFiles(files))).toEqual([]);
    },
  );

  it('finds the release namespace from the component policies', () => {
    const analysis = analyze({ ...inventory, policies: uatPolicies });
    expect(releaseNamespaceOf(analysis, uatValues)).toBe(NAMESPACE);
    expect(intentFindings(analysis, uatValues)).toEqual([]);
  });

  it('declares Fineract → Redis 6379 for each of the three Fineract deployments', () => {
    const flows = declaredFlows(analyze({ ...inventory, policies: uatPolicies }), uatValues, { namespace: NAMESPACE });
    const toRedis = flows.filter(
      (f) =>
        f.to.kind === 'pod' &&
        f.to.cls.workloads.some((w) => w.name === 'fineract-redis') &&
        f.from.kind === 'pod' &&
        f.ports.has('TCP', 6379),
    );
    const sources = toRedis.flatMap((f) => (f.from.kind === 'pod' ? f.from.cls.workloads.map((w) => w.name) : []));
    expect(sources.sort()).toEqual(['fineract-batch', 'fineract-read', 'fineract-write', 'oauth2-proxy']);
    expect(toRedis.every((f) => f.ports.toString() === 'TCP 6379')).toBe(true);
  });

  it('a rule removed from the rendered YAML is a missing-flow', () => {
    const policies = changed((p) => p('fineract-redis-network-policy').ingress?.splice(0, 1)); // fineract-to-redis
    const result = check(policies);
    expect(result).toEqual([
      {
        code: 'missing-flow',
        severity: 'error',
        policy: 'fineract-uat/fineract-redis-network-policy',
        message: expect.stringContaining(
          'fineract-uat/fineract-batch, fineract-uat/fineract-read, fineract-uat/fineract-write → fineract-uat/fineract-redis: TCP 6379 is declared by connections.fineract-to-redis but blocked',
        ) as string,
        // The flows, for the Mermaid graph.
        between: {
          from: ['fineract-uat/fineract-batch', 'fineract-uat/fineract-read', 'fineract-uat/fineract-write'],
          to: ['fineract-uat/fineract-redis'],
          ports: 'TCP 6379',
        },
      },
    ]);
  });

  it('a rule added to the rendered YAML is an undeclared-flow', () => {
    const policies = changed((p) =>
      p('keycloak-network-policy').ingress?.push({
        from: [{ podSelector: { matchLabels: { app: 'web-app' } } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      }),
    );
    expect(check(policies)).toEqual([
      {
        code: 'undeclared-flow',
        severity: 'error',
        policy: 'fineract-uat/keycloak-network-policy',
        rule: 'ingress[4]',
        between: { from: ['fineract-uat/web-app'], to: ['fineract-uat/keycloak'], ports: 'TCP 8080' },
        message: expect.stringMatching(
          /^fineract-uat\/web-app → fineract-uat\/keycloak: TCP 8080 is allowed but no connection of the values declares it .*Declare it in the values \(connections\.<name>: \{from: \{peer: .*\}, to: \{component: keycloak\}, ports: \[\{port: 8080\}\]\}\)/,
        ) as string,
      },
    ]);
  });

  it('a widened port range is an undeclared-flow for the extra ports only', () => {
    const policies = changed((p) => {
      const rule = p('fineract-network-policy').ingress?.[0]; // api-from-ingress: 8080, 8443
      if (rule)
        rule.ports = [
          { port: 8080, endPort: 8090, protocol: 'TCP' },
          { port: 8443, protocol: 'TCP' },
        ];
    });
    const result = check(policies);
    expect(result.map((f) => [f.code, f.policy, f.rule])).toEqual([
      ['undeclared-flow', 'fineract-uat/fineract-network-policy', 'ingress[0]'],
    ]);
    expect(result[0]?.message).toContain(
      'ingress-nginx/ingress-nginx-controller → fineract-uat/fineract-batch, fineract-uat/fineract-read, fineract-uat/fineract-write: TCP 8081-8090 is allowed',
    );
    expect(result[0]?.message).toContain(
      '{from: {peer: ingress-nginx}, to: {component: fineract}, ports: [{port: 8081, endPort: 8090}]}',
    );
  });

  it("a policy selecting the seed's `app: fineract` explains the selector", () => {
    const policies = changed((p) => (p('fineract-network-policy').podSelector = { matchLabels: { app: 'fineract' } }));
    const result = check(policies);
    expect(result.length).toBeGreaterThan(0);
    expect(new Set(result.map((f) => f.code))).toEqual(new Set(['undeclared-flow']));
    for (const finding of result) {
      expect(finding.message).toContain(
        'the policy fineract-uat/fineract-network-policy (podSelector app=fineract) selects no pod labelled app.kubernetes.io/name=fineract',
      );
    }
    // Ingress NGINX → Fineract beyond 8080/8443: one finding for the three deployments.
    expect(
      result.filter((f) =>
        f.message.startsWith(
          'ingress-nginx/ingress-nginx-controller → fineract-uat/fineract-batch, fineract-uat/fineract-read, fineract-uat/fineract-write: every port except TCP 8080,8443',
        ),
      ),
    ).toHaveLength(1);
  });

  it('RDS written as "0.0.0.0/0 except 10.0.0.0/8" is a missing-flow to the real subnets', () => {
    const policies = changed((p) => {
      const rule = p('keycloak-network-policy').egress?.find((r) => r.to?.[0]?.ipBlock?.cidr === '10.20.32.0/24');
      if (rule) rule.to = [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }];
    });
    const codes = check(policies).map((f) => [f.code, f.message.slice(0, f.message.indexOf(':'))]);
    expect(codes).toEqual([
      ['missing-flow', 'fineract-uat/keycloak → 10.20.32.0/23, 10.20.34.0/24'],
      // 5432 to the internet was not declared for keycloak (only 443, to oidc-federation)
      ['undeclared-flow', 'fineract-uat/keycloak → 0.0.0.0/0 except 10.0.0.0/8'],
    ]);
  });

  it('an IPv6 network no policy mentions is a missing-flow', () => {
    const values = withDefaults({
      networks: { v6: { cidrs: ['2001:db8::/32'] } },
      connections: {
        'fineract-to-v6': { from: { component: 'fineract' }, to: { network: 'v6' }, ports: [{ port: 443 }] },
      },
    });
    const result = check(render([]), values);
    expect(result.map((f) => f.code)).toEqual(['missing-flow']);
    expect(result[0]?.message).toMatch(
      /→ 2001:db8::\/32: TCP 443 is declared by connections\.fineract-to-v6 but blocked/,
    );
    // The same when the analysis splits the addresses at the declared CIDRs itself.
    expect(declaredCidrs(values)).toEqual(['0.0.0.0/0', ...PRIVATE, '2001:db8::/32']);
    expect(check(render([]), values, { cidrs: declaredCidrs(values) })).toEqual(result);
  });

  it('leaves out pairs outside the chart (no component pod at either end)', () => {
    // web-app ↔ Grafana is allowed (no policy selects them) and declared by nothing: not the chart's business.
    expect(check(uatPolicies).filter((f) => f.message.includes('monitoring/grafana'))).toEqual([]);
  });
});

// ---- synthesized inventories -------------------------------------------------------------------------

describe('synthesize', () => {
  it('one pod per enabled component, peer, DNS target and monitoring source of the values', () => {
    const values = withDefaults({ components: { keycloak: { enabled: false } } });
    const { namespaces, workloads } = synthesizeFromValues(values, { namespace: NAMESPACE });
    expect(workloads.map((w) => `${w.namespace}/${w.name} ${JSON.stringify(w.labels)}`)).toEqual([
      'fineract-uat/fineract {"app.kubernetes.io/name":"fineract"}',
      'fineract-uat/fineract-redis {"app":"fineract-redis"}',
      'fineract-uat/oauth2-proxy {"app":"oauth2-proxy"}',
      'ingress-nginx/ingress-nginx {"app.kubernetes.io/name":"ingress-nginx"}',
      'tracing/otel-collector {"app.kubernetes.io/name":"otel-collector"}',
      'kube-system/dns {"k8s-app":"kube-dns"}',
      'monitoring/monitoring {"app.kubernetes.io/name":"prometheus"}',
    ]);
    expect(namespaces).toEqual([
      { name: NAMESPACE, labels: { 'kubernetes.io/metadata.name': NAMESPACE } },
      { name: 'ingress-nginx', labels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      { name: 'tracing', labels: { 'kubernetes.io/metadata.name': 'tracing' } },
      { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      { name: 'monitoring', labels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    ]);
  });

  it('labels namespaces per namespaceSelector and namespaceLabelKey', () => {
    const values = withDefaults({
      namespaceLabelKey: 'name',
      peers: { 'ingress-nginx': { namespace: null, namespaceSelector: { matchLabels: { team: 'edge' } } } },
    });
    const { namespaces, workloads } = synthesizeFromValues(values, { namespace: NAMESPACE });
    expect(namespaces).toContainEqual({ name: 'edge', labels: { team: 'edge' } });
    expect(namespaces).toContainEqual({ name: 'monitoring', labels: { name: 'monitoring' } });
    expect(workloads).toContainEqual(expect.objectContaining({ namespace: 'edge', name: 'ingress-nginx' }));
  });

  it.each([
    [{ matchLabels: { a: '1' } }, { a: '1' }],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web', 'api'] }] }, { tier: 'web' }],
    [
      {
        matchExpressions: [
          { key: 'tier', operator: 'In' as const, values: ['web', 'api'] },
          { key: 'tier', operator: 'NotIn' as const, values: ['web'] },
        ],
      },
      { tier: 'api' },
    ],
    [{ matchExpressions: [{ key: 'x', operator: 'Exists' as const }] }, { x: 'true' }],
    [{ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' as const }] }, {}],
    [{ matchLabels: { a: '1' }, matchExpressions: [{ key: 'a', operator: 'In' as const, values: ['2'] }] }, { a: '1' }],
  ])('labelsSatisfying(%j) = %j', (selector, labels) => {
    expect(labelsSatisfying(selector)).toEqual(labels);
  });

  it('each env file verifies clean against its values over the synthesized inventory', () => {
    for (const file of [undefined, ...ENV_FILES]) {
      const files = file ? [file] : [];
      const values = readValuesFiles(files);
      const synthesized = synthesizeFromValues(values, { namespace: NAMESPACE });
      expect(check(render(files), values, synthesized)).toEqual([]);
    }
  });

  it('without values: one pod per distinct selector of the policies, a namespace per namespace selector', () => {
    const { namespaces, workloads } = synthesizeFromPolicies(uatPolicies);
    const names = workloads.map((w) => `${w.namespace}/${w.name}`).sort();
    expect(names).toEqual([
      'fineract-uat/fineract',
      'fineract-uat/fineract-redis',
      'fineract-uat/keycloak',
      'fineract-uat/oauth2-proxy',
      'ingress-nginx/ingress-nginx',
      'kube-system/kube-dns',
      'monitoring/prometheus',
    ]);
    expect(namespaces.map((n) => n.name).sort()).toEqual([
      'fineract-uat',
      'ingress-nginx',
      'kube-system',
      'monitoring',
    ]);
    // Every selector selects its representative.
    const analysis = analyze({ policies: uatPolicies, namespaces, workloads });
    for (const policy of uatPolicies) {
      expect(
        analysis.classes.some(
          (c) => c.namespace === policy.namespace && analysis.selecting[c.id]?.ingress.includes(policy),
        ),
      ).toBe(true);
    }
  });
});
