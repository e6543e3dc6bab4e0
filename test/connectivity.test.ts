// The test evaluator of test/helpers/connectivity.ts against Kubernetes' NetworkPolicy semantics,
// on hand-written policies (seed-intent.test.ts is only as good as this evaluator).
import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  external,
  isAllowed,
  loadInventory,
  matchesSelector,
  type Cluster,
  type NetworkPolicy,
  type PodEndpoint,
} from './helpers/connectivity.ts';

const NAMESPACES = {
  app: { 'kubernetes.io/metadata.name': 'app', team: 'a' },
  other: { 'kubernetes.io/metadata.name': 'other', team: 'b' },
  'kube-system': { 'kubernetes.io/metadata.name': 'kube-system' },
};

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: PodEndpoint['ports'] = []) =>
  ({ kind: 'pod', name, namespace, labels, ports }) as PodEndpoint;

const api = pod('api', 'app', { app: 'api' }, [
  { name: 'http', containerPort: 8080, protocol: 'TCP' },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
]);
const db = pod('db', 'app', { app: 'db' });
const client = pod('client', 'app', { app: 'client' });
const otherClient = pod('other-client', 'other', { app: 'client' });
const dns = pod('dns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', containerPort: 53, protocol: 'UDP' }]);
const systemPod = pod('metrics', 'kube-system', { 'k8s-app': 'metrics-server' });
const internet = external('internet', '8.8.8.8');
const vpc = external('vpc', '10.1.2.3');

const policy = (name: string, spec: NetworkPolicy['spec'], namespace = 'app'): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});
const cluster = (...policies: NetworkPolicy[]): Cluster => ({ namespaces: NAMESPACES, policies });

describe('isolation', () => {
  it('allows everything between pods no policy selects', () => {
    expect(isAllowed(cluster(), client, db, 5432, 'TCP')).toBe(true);
  });

  it('denies ingress to a pod selected by an Ingress policy with no rules, but not its egress', () => {
    const c = cluster(policy('deny', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] }));
    expect(isAllowed(c, client, api, 8080, 'TCP')).toBe(false);
    expect(isAllowed(c, api, db, 5432, 'TCP')).toBe(true);
  });

  it('defaults policyTypes to Ingress, plus Egress when egress rules exist', () => {
    const ingressOnly = cluster(policy('p', { podSelector: { matchLabels: { app: 'api' } } }));
    expect(isAllowed(ingressOnly, api, db, 1, 'TCP')).toBe(true);
    const withEgress = cluster(
      policy('p', { podSelector: { matchLabels: { app: 'api' } }, egress: [{ to: [{ podSelector: {} }] }] }),
    );
    expect(isAllowed(withEgress, api, db, 1, 'TCP')).toBe(true);
    expect(isAllowed(withEgress, api, otherClient, 1, 'TCP')).toBe(false);
  });

  it('needs egress at the source AND ingress at the destination', () => {
    const egress = policy('egress', {
      podSelector: { matchLabels: { app: 'client' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }],
    });
    const ingressDeny = policy('deny', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] });
    expect(isAllowed(cluster(egress), client, api, 8080, 'TCP')).toBe(true);
    expect(isAllowed(cluster(egress, ingressDeny), client, api, 8080, 'TCP')).toBe(false);
  });

  it('takes the union of the policies selecting a pod', () => {
    const spec = (port: number): NetworkPolicy['spec'] => ({
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port }] }],
    });
    const c = cluster(policy('a', spec(8080)), policy('b', spec(9090)));
    expect(isAllowed(c, client, api, 8080, 'TCP')).toBe(true);
    expect(isAllowed(c, client, api, 9090, 'TCP')).toBe(true);
    expect(isAllowed(c, client, api, 7070, 'TCP')).toBe(false);
  });

  it('applies a policy only to pods of its own namespace', () => {
    const c = cluster(policy('deny', { podSelector: {}, policyTypes: ['Ingress'] }, 'other'));
    expect(isAllowed(c, client, api, 8080, 'TCP')).toBe(true);
    expect(isAllowed(c, client, otherClient, 8080, 'TCP')).toBe(false);
  });
});

describe('peers', () => {
  const toDns = (to: NonNullable<NetworkPolicy['spec']['egress']>[number]['to']): Cluster =>
    cluster(
      policy('p', {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Egress'],
        egress: [{ to, ports: [{ port: 53, protocol: 'UDP' }] }],
      }),
    );
  const ns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
  const dnsPods = { podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };

  it('ANDs namespaceSelector and podSelector in one item', () => {
    const c = toDns([{ ...ns, ...dnsPods }]);
    expect(isAllowed(c, api, dns, 53, 'UDP')).toBe(true);
    expect(isAllowed(c, api, systemPod, 53, 'UDP')).toBe(false);
  });

  it('ORs two items: the whole namespace, or matching pods of the policy namespace', () => {
    const c = toDns([ns, dnsPods]);
    expect(isAllowed(c, api, systemPod, 53, 'UDP')).toBe(true);
    const localDns = pod('local-dns', 'app', { 'k8s-app': 'kube-dns' });
    expect(isAllowed(c, api, localDns, 53, 'UDP')).toBe(true);
    expect(isAllowed(c, api, db, 53, 'UDP')).toBe(false);
  });

  it('reads podSelector alone as pods of the policy namespace only', () => {
    const c = toDns([dnsPods]);
    expect(isAllowed(c, api, dns, 53, 'UDP')).toBe(false);
  });

  it('matches ipBlock only for external addresses, honouring except', () => {
    const c = toDns([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }]);
    expect(isAllowed(c, api, internet, 53, 'UDP')).toBe(true);
    expect(isAllowed(c, api, vpc, 53, 'UDP')).toBe(false);
    expect(isAllowed(c, api, dns, 53, 'UDP')).toBe(false);
  });

  it('lets an empty or missing from/to match everything, including the internet', () => {
    for (const from of [undefined, []]) {
      const c = cluster(
        policy('p', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from }] }),
      );
      expect(isAllowed(c, internet, api, 8080, 'TCP')).toBe(true);
      expect(isAllowed(c, otherClient, api, 1, 'UDP')).toBe(true);
    }
  });
});

describe('ports', () => {
  const allowing = (ports: NonNullable<NetworkPolicy['spec']['ingress']>[number]['ports']): Cluster =>
    cluster(
      policy('p', {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }], ports }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports }],
      }),
    );

  it('defaults the protocol to TCP', () => {
    const c = allowing([{ port: 8080 }]);
    expect(isAllowed(c, client, api, 8080, 'TCP')).toBe(true);
    expect(isAllowed(c, client, api, 8080, 'UDP')).toBe(false);
  });

  it('reads port..endPort as a range', () => {
    const c = allowing([{ port: 8000, endPort: 8100 }]);
    expect([7999, 8000, 8050, 8100, 8101].map((p) => isAllowed(c, client, api, p, 'TCP'))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it("resolves a named port against the destination pod's containerPorts", () => {
    const c = allowing([{ port: 'http' }, { port: 'dns', protocol: 'UDP' }]);
    expect(isAllowed(c, client, api, 8080, 'TCP')).toBe(true);
    expect(isAllowed(c, client, api, 53, 'UDP')).toBe(true);
    expect(isAllowed(c, client, api, 8081, 'TCP')).toBe(false);
    // …and never towards an external address.
    expect(isAllowed(c, api, internet, 8080, 'TCP')).toBe(false);
  });

  it('reads a port entry without port as every port of its protocol', () => {
    const c = allowing([{ protocol: 'UDP' }]);
    expect(isAllowed(c, client, api, 12345, 'UDP')).toBe(true);
    expect(isAllowed(c, client, api, 12345, 'TCP')).toBe(false);
  });
});

describe('selectors and addresses', () => {
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'x' } }, true],
    [{ matchLabels: { app: 'y' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'missing', operator: 'NotIn' as const, values: ['web'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] }, false],
    [{ matchLabels: { app: 'x' }, matchExpressions: [{ key: 'missing', operator: 'Exists' as const }] }, false],
  ])('selector %j on {app: x, tier: web} → %s', (selector, expected) => {
    expect(matchesSelector(selector, { app: 'x', tier: 'web' })).toBe(expected);
  });

  it.each([
    ['10.0.0.0/8', '10.255.1.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['10.20.32.0/24', '10.20.32.10', true],
    ['2001:db8::/32', '2001:db8:1::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['0.0.0.0/0', '2001:db8::1', false],
  ] as const)('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(cidr, ip)).toBe(expected);
  });

  it('loads namespaces and the pod templates of workloads', () => {
    const inventory = loadInventory(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, labels: {team: a}}',
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, namespace: ns}\nspec:\n  template:\n' +
          '    metadata: {labels: {app: s}}\n    spec:\n      containers:\n' +
          '        - {name: c, ports: [{name: p, containerPort: 53, protocol: UDP}, {containerPort: 80}]}',
      ].join('\n---\n'),
    );
    expect(inventory.namespaces).toEqual({ ns: { team: 'a' } });
    expect(inventory.pods).toEqual([
      {
        kind: 'pod',
        name: 's',
        namespace: 'ns',
        labels: { app: 's' },
        ports: [
          { name: 'p', containerPort: 53, protocol: 'UDP' },
          { name: undefined, containerPort: 80, protocol: 'TCP' },
        ],
      },
    ]);
  });
});
