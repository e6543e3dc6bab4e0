// The chart as Helm 3 and Helm 4 (the real binaries) see it: `helm lint --strict` is clean,
// `helm template` renders the same bytes with both, every rendered object keeps the invariants of
// docs/design.md, each toggle changes exactly what it names, and bad values fail with their path.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_DIR, VALUES_DIR } from '../src/paths.ts';
import { selectsEverything } from '../src/verify/model/selectors.ts';
import type {
  EgressRule,
  IngressRule,
  LabelSelector,
  NetworkPolicyPeer as PolicyPeer,
} from '../src/verify/model/types.ts';
import {
  helm,
  helmPathPattern,
  helmTemplate,
  parseManifests,
  type HelmResult,
  type HelmVersion,
} from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const VERSIONS: HelmVersion[] = [3, 4];

type Env = { name: string; valuesFiles: string[]; namespace: string };

/** The chart's defaults and every environment file of values/. */
const ENVS: Env[] = [
  { name: 'defaults', valuesFiles: [], namespace: 'fineract-uat' },
  ...readdirSync(VALUES_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => ({
      name: `values/${file}`,
      valuesFiles: [join(VALUES_DIR, file)],
      namespace: `fineract-${basename(file, '.yaml')}`,
    })),
];

const MATRIX = ENVS.flatMap((env) => VERSIONS.map((version) => ({ env, version })));

const renders = new Map<string, HelmResult>();

/** `helm template` of an environment, rendered once per Helm version and file. */
function render(env: Env, version: HelmVersion): HelmResult {
  const key = `${version}|${env.name}`;
  let result = renders.get(key);
  if (!result) {
    result = helmTemplate({ helm: version, valuesFiles: env.valuesFiles, namespace: env.namespace });
    renders.set(key, result);
  }
  return result;
}

/** A NetworkPolicy object as `helm template` prints it (its spec in Kubernetes' own shapes). */
type NetworkPolicy = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: IngressRule[];
    egress?: EgressRule[];
  };
};

function policiesOf(result: HelmResult): NetworkPolicy[] {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return parseManifests(result.stdout) as unknown as NetworkPolicy[];
}

/** Every violation of docs/design.md's invariants in a render, as readable lines (empty when none). */
function invariantViolations(objects: Record<string, unknown>[], namespace: string): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const policy = object as unknown as NetworkPolicy;
    const name = policy.metadata?.name ?? '<unnamed>';
    const where = (path: string): string => `${name}: ${path}`;
    if (policy.apiVersion !== 'networking.k8s.io/v1' || policy.kind !== 'NetworkPolicy') {
      problems.push(where(`is a ${policy.apiVersion}/${policy.kind}, not a networking.k8s.io/v1 NetworkPolicy`));
      continue;
    }
    if (policy.metadata.namespace !== namespace) {
      problems.push(where(`metadata.namespace is ${policy.metadata.namespace}, not ${namespace}`));
    }
    if (JSON.stringify(policy.spec.policyTypes) !== JSON.stringify(['Ingress', 'Egress'])) {
      problems.push(where(`policyTypes is ${JSON.stringify(policy.spec.policyTypes)}, not [Ingress, Egress]`));
    }
    const isDefaultDeny = name === 'default-deny-all';
    if (selectsEverything(policy.spec.podSelector) && !isDefaultDeny) {
      problems.push(where('spec.podSelector selects every pod of the namespace'));
    }
    const rules: [string, PolicyPeer[] | undefined, unknown[] | undefined][] = [
      ...(policy.spec.ingress ?? []).map((r, i): [string, PolicyPeer[] | undefined, unknown[] | undefined] => [
        `ingress[${i}].from`,
        r.from,
        r.ports,
      ]),
      ...(policy.spec.egress ?? []).map((r, i): [string, PolicyPeer[] | undefined, unknown[] | undefined] => [
        `egress[${i}].to`,
        r.to,
        r.ports,
      ]),
    ];
    for (const [path, peers, ports] of rules) {
      if (!peers || peers.length === 0) problems.push(where(`${path} is empty or missing (allows every peer)`));
      if (!ports || ports.length === 0) problems.push(where(`${path}: the rule has no ports (allows every port)`));
      (peers ?? []).forEach((peer, j) => {
        if (peer.namespaceSelector && !peer.podSelector) {
          problems.push(where(`${path}[${j}] has a namespaceSelector without podSelector (a whole namespace)`));
        }
        if (peer.podSelector && selectsEverything(peer.podSelector)) {
          problems.push(where(`${path}[${j}].podSelector is {} (every pod)`));
        }
        if (peer.namespaceSelector && selectsEverything(peer.namespaceSelector)) {
          problems.push(where(`${path}[${j}].namespaceSelector is {} (every namespace)`));
        }
      });
    }
  }
  return problems;
}

describe('environments', () => {
  it('covers the defaults and the dev, uat and production files', () => {
    expect(ENVS.map((env) => env.name)).toEqual(
      expect.arrayContaining(['defaults', 'values/dev.yaml', 'values/uat.yaml', 'values/production.yaml']),
    );
  });
});

describe.each(MATRIX.map(({ env, version }) => [`${env.name} on Helm ${version}`, env, version] as const))(
  '%s',
  (_title, env, version) => {
    it('passes helm lint --strict with no warning or error', () => {
      const args = ['lint', '--strict', CHART_DIR, '--namespace', env.namespace];
      for (const file of env.valuesFiles) args.push('--values', file);
      const result = helm(version, args);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(output.match(/^.*\[(WARNING|ERROR)\].*$/gm) ?? []).toEqual([]);
      expect(output).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(result.status).toBe(0);
    });

    it('renders only NetworkPolicies of the release namespace that keep the invariants', () => {
      const objects = policiesOf(render(env, version));
      expect(objects.length).toBeGreaterThanOrEqual(4);
      expect(invariantViolations(objects, env.namespace)).toEqual([]);
    });
  },
);

describe.each(ENVS.map((env) => [env.name, env] as const))('%s', (_title, env) => {
  it('renders byte-identical output with Helm 3 and Helm 4', () => {
    const three = render(env, 3);
    const four = render(env, 4);
    expect(three.status).toBe(0);
    expect(four.status).toBe(0);
    expect(four.stdout.length).toBeGreaterThan(0);
    expect(four.stdout).toBe(three.stdout);
  });
});

describe('invariant checker', () => {
  // The checks above are only as good as invariantViolations: it must catch each defect.
  const base = (): Record<string, unknown> => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 80 }] }],
    },
  });
  const broken: [string, (spec: NetworkPolicy['spec']) => void][] = [
    ['empty from', (s) => (s.ingress![0]!.from = [])],
    ['missing from', (s) => delete s.ingress![0]!.from],
    ['namespace-wide peer', (s) => (s.ingress![0]!.from = [{ namespaceSelector: { matchLabels: { x: 'y' } } }])],
    ['podSelector {} peer', (s) => (s.ingress![0]!.from = [{ podSelector: {} }])],
    ['podSelector {} policy', (s) => (s.podSelector = {})],
    ['policyTypes Ingress only', (s) => (s.policyTypes = ['Ingress'])],
    ['empty to', (s) => (s.egress = [{ to: [], ports: [{ port: 53 }] }])],
  ];
  it('accepts a correct policy', () => {
    expect(invariantViolations([base()], 'ns')).toEqual([]);
  });
  it.each(broken)('reports %s', (_name, breakIt) => {
    const object = base();
    breakIt(object.spec as NetworkPolicy['spec']);
    expect(invariantViolations([object], 'ns')).not.toEqual([]);
  });
  it('reports a wrong namespace and a non-NetworkPolicy object', () => {
    expect(invariantViolations([base()], 'other')).toHaveLength(1);
    expect(invariantViolations([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }], 'ns')).toHaveLength(
      1,
    );
  });
});

// --- toggles ----------------------------------------------------------------------------------

type Direction = 'ingress' | 'egress';
type Rule = IngressRule & EgressRule;

/** The Prometheus peer of docs/design.md's defaults: monitoring namespace AND Prometheus pods. */
const PROMETHEUS: PolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};
/** The DNS peer of docs/design.md's defaults: kube-system namespace AND kube-dns pods. */
const DNS: PolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};
const pods = (matchLabels: Record<string, string>): PolicyPeer => ({ podSelector: { matchLabels } });
const KEYCLOAK_PODS = pods({ app: 'keycloak' });
const FINERACT_PODS = pods({ 'app.kubernetes.io/name': 'fineract' });
const REDIS_PODS = pods({ app: 'fineract-redis' });
const TCP = (port: number): { port: number; protocol: string } => ({ port, protocol: 'TCP' });

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const peersOf = (rule: Rule, direction: Direction): PolicyPeer[] =>
  (direction === 'ingress' ? rule.from : rule.to) ?? [];
const names = (peers: PolicyPeer[], peer: PolicyPeer): boolean => peers.some((p) => same(p, peer));

type RulePredicate = (policy: string, direction: Direction, rule: Rule) => boolean;

/**
 * The baseline with every rule matching `drop` removed (and the policies named in `dropPolicies`),
 * keyed by policy name, and how many rules each policy lost.
 */
function without(
  baseline: NetworkPolicy[],
  drop: RulePredicate,
  dropPolicies: string[] = [],
): { policies: Record<string, NetworkPolicy>; removed: Record<string, number> } {
  const policies: Record<string, NetworkPolicy> = {};
  const removed: Record<string, number> = {};
  for (const original of baseline) {
    const name = original.metadata.name;
    if (dropPolicies.includes(name)) continue;
    const policy = structuredClone(original);
    for (const direction of ['ingress', 'egress'] as const) {
      const rules = (policy.spec[direction] ?? []) as Rule[];
      const kept = rules.filter((rule) => !drop(name, direction, rule));
      if (kept.length !== rules.length) removed[name] = (removed[name] ?? 0) + rules.length - kept.length;
      if (kept.length > 0) policy.spec[direction] = kept;
      else delete policy.spec[direction];
    }
    policies[name] = policy;
  }
  return { policies, removed };
}

const byName = (policies: NetworkPolicy[]): Record<string, NetworkPolicy> =>
  Object.fromEntries(policies.map((p) => [p.metadata.name, p]));

type Toggle = {
  name: string;
  set?: Record<string, string>;
  /** The rules the toggle must remove, and how many per policy. */
  drop?: RulePredicate;
  dropPolicies?: string[];
  removed?: Record<string, number>;
};

const TOGGLES: Toggle[] = [
  {
    name: 'monitoring.enabled=false removes exactly the Prometheus ingress rules',
    set: { 'monitoring.enabled': 'false' },
    drop: (_p, direction, rule) => direction === 'ingress' && names(peersOf(rule, direction), PROMETHEUS),
    removed: {
      'fineract-network-policy': 1,
      'fineract-redis-network-policy': 1,
      'keycloak-network-policy': 1,
      'oauth2-proxy-network-policy': 1,
    },
  },
  {
    name: 'dns.enabled=false removes exactly the DNS egress rules',
    set: { 'dns.enabled': 'false' },
    drop: (_p, direction, rule) => direction === 'egress' && names(peersOf(rule, direction), DNS),
    removed: {
      'fineract-network-policy': 1,
      'fineract-redis-network-policy': 1,
      'keycloak-network-policy': 1,
      'oauth2-proxy-network-policy': 1,
    },
  },
  {
    name: "components.keycloak.enabled=false removes keycloak's policy and every rule naming its pods",
    set: { 'components.keycloak.enabled': 'false' },
    drop: (_p, direction, rule) => names(peersOf(rule, direction), KEYCLOAK_PODS),
    dropPolicies: ['keycloak-network-policy'],
    // fineract → keycloak and oauth2-proxy → keycloak (egress); nothing else names keycloak.
    removed: { 'fineract-network-policy': 1, 'oauth2-proxy-network-policy': 1 },
  },
  {
    name: 'connections.fineract-to-redis.enabled=false removes that egress on fineract and that ingress on redis',
    set: { 'connections.fineract-to-redis.enabled': 'false' },
    drop: (policy, direction, rule) =>
      (policy === 'fineract-network-policy' &&
        direction === 'egress' &&
        same(rule.to, [REDIS_PODS]) &&
        same(rule.ports, [TCP(6379)])) ||
      (policy === 'fineract-redis-network-policy' &&
        direction === 'ingress' &&
        same(rule.from, [FINERACT_PODS]) &&
        same(rule.ports, [TCP(6379)])),
    removed: { 'fineract-network-policy': 1, 'fineract-redis-network-policy': 1 },
  },
];

describe.each(VERSIONS)('toggles on Helm %i', (version) => {
  const defaults = ENVS[0]!;
  const toggled = (set: Record<string, string>): NetworkPolicy[] =>
    policiesOf(helmTemplate({ helm: version, namespace: defaults.namespace, set }));

  it.each(TOGGLES)('$name', (toggle) => {
    const baseline = policiesOf(render(defaults, version));
    const expected = without(baseline, toggle.drop ?? (() => false), toggle.dropPolicies);
    // The predicate finds exactly the rules the toggle is about in the baseline …
    expect(expected.removed).toEqual(toggle.removed);
    for (const name of toggle.dropPolicies ?? []) expect(byName(baseline)).toHaveProperty([name]);
    // … and the toggled render is the baseline without them, everything else unchanged.
    expect(byName(toggled(toggle.set ?? {}))).toEqual(expected.policies);
  });

  it('components.keycloak.enabled=false leaves no selector of keycloak anywhere', () => {
    const text = JSON.stringify(toggled({ 'components.keycloak.enabled': 'false' }));
    expect(text).not.toContain('keycloak');
  });

  it('defaultDeny.enabled=true adds exactly one deny-all policy and changes nothing else', () => {
    const baseline = policiesOf(render(defaults, version));
    const after = toggled({ 'defaultDeny.enabled': 'true' });
    expect(after).toHaveLength(baseline.length + 1);
    const { 'default-deny-all': deny, ...others } = byName(after);
    expect(others).toEqual(byName(baseline));
    expect(deny).toBeDefined();
    expect(deny!.metadata.namespace).toBe(defaults.namespace);
    expect(deny!.spec).toStrictEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });
});

// --- bad input --------------------------------------------------------------------------------

type BadCase = {
  name: string;
  /** A values file (YAML text), written to a temporary directory. */
  values?: string;
  setString?: Record<string, string>;
  /** Every one of these must appear in the error output. */
  expected: RegExp[];
};

const BAD: BadCase[] = [
  {
    name: 'a typo in a key (dns.enabeld)',
    values: 'dns:\n  enabeld: true\n',
    expected: [helmPathPattern(['dns']), /enabeld/],
  },
  {
    name: 'a wrong type (dns.enabled = "maybe")',
    setString: { 'dns.enabled': 'maybe' },
    expected: [helmPathPattern(['dns', 'enabled'])],
  },
  {
    name: 'a CIDR prefix above 32 (10.0.0.0/33)',
    values: 'networks:\n  rds:\n    cidrs: [10.0.0.0/33]\n    excludePrivate: false\n',
    expected: [helmPathPattern(['networks', 'rds', 'cidrs', '0'])],
  },
  {
    name: 'a CIDR octet above 255 (300.1.1.1/8)',
    values: 'networks:\n  rds:\n    cidrs: [300.1.1.1/8]\n    excludePrivate: false\n',
    expected: [helmPathPattern(['networks', 'rds', 'cidrs', '0'])],
  },
  {
    name: 'port 0',
    values: 'components:\n  fineract:\n    metricsPorts: [{port: 0}]\n',
    expected: [helmPathPattern(['components', 'fineract', 'metricsPorts', '0', 'port'])],
  },
  {
    name: 'port 65536',
    values: 'connections:\n  fineract-to-redis:\n    ports: [{port: 65536}]\n',
    expected: [helmPathPattern(['connections', 'fineract-to-redis', 'ports', '0', 'port'])],
  },
  {
    name: 'an unknown protocol (HTTP)',
    values: 'dns:\n  ports: [{port: 53, protocol: HTTP}]\n',
    expected: [helmPathPattern(['dns', 'ports', '0', 'protocol'])],
  },
  {
    name: 'a connection to an undefined component',
    values: 'connections:\n  fineract-to-redis:\n    to: {component: memcached}\n',
    expected: [helmPathPattern(['connections', 'fineract-to-redis', 'to', 'component']), /memcached/],
  },
  {
    name: 'an except outside its cidr',
    values: 'networks:\n  rds:\n    cidrs: [10.20.32.0/24]\n    excludePrivate: false\n    except: [10.99.0.0/24]\n',
    expected: [helmPathPattern(['networks', 'rds', 'except', '0']), /10\.99\.0\.0\/24/],
  },
  {
    name: 'a cidr inside a private range with excludePrivate',
    values: 'networks:\n  rds:\n    cidrs: [10.20.32.0/24]\n    excludePrivate: true\n',
    expected: [helmPathPattern(['networks', 'rds', 'cidrs', '0']), /10\.20\.32\.0\/24/],
  },
  {
    name: 'two problems in one file (both are reported)',
    values: [
      'networks:',
      '  rds:',
      '    cidrs: [10.20.32.0/24]',
      '    excludePrivate: false',
      '    except: [10.20.32.128/25, 10.99.0.0/24]',
      'connections:',
      '  redis-to-memcached:',
      '    from: {component: fineract-redis}',
      '    to: {component: memcached}',
      '    ports: [{port: 11211}]',
      '',
    ].join('\n'),
    expected: [
      helmPathPattern(['networks', 'rds', 'except', '1']),
      helmPathPattern(['connections', 'redis-to-memcached', 'to', 'component']),
    ],
  },
];

const badDir = mkdtempSync(join(tmpdir(), 'fineract-netpol-bad-values-'));
afterAll(() => rmSync(badDir, { recursive: true, force: true }));

function renderBad(version: HelmVersion, bad: BadCase, index: number): HelmResult {
  const valuesFiles: string[] = [];
  if (bad.values !== undefined) {
    const file = join(badDir, `case-${index}.yaml`);
    writeFileSync(file, bad.values);
    valuesFiles.push(file);
  }
  const args = Object.entries(bad.setString ?? {}).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]);
  return helmTemplate({ helm: version, valuesFiles, args });
}

describe.each(VERSIONS)('bad values on Helm %i', (version) => {
  it.each(BAD.map((bad, index) => ({ ...bad, index })))('refuses $name, naming its path', (bad) => {
    const result = renderBad(version, bad, bad.index);
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain('kind: NetworkPolicy');
    for (const pattern of bad.expected) expect(result.stderr).toMatch(pattern);
  });
});

describe('helmPathPattern', () => {
  it.each([
    ['- dns.enabled: Invalid type', ['dns', 'enabled'], true],
    ["- at '/dns/enabled': got string", ['dns', 'enabled'], true],
    ['  - networks.rds.except[0]: "10.99.0.0/24"', ['networks', 'rds', 'except', '0'], true],
    ['- networks.rds.cidrs.0: Does not match', ['networks', 'rds', 'cidrs', '0'], true],
    ['- networks.rds.cidrs.10: Does not match', ['networks', 'rds', 'cidrs', '1'], false],
    ['- xdns.enabled: Invalid type', ['dns', 'enabled'], false],
  ] as const)('%s matches %j: %s', (text, segments, matches) => {
    expect(helmPathPattern(segments).test(text)).toBe(matches);
  });
});
