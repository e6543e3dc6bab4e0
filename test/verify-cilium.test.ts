// verify on cilium.io/v2 CiliumNetworkPolicy (src/verify/readers/cilium/): each semantic of Cilium
// v1.20.2 as a table of hand-written policies and the flows they must allow on a small inventory;
// what verify refuses (and how it says so); the findings and the intent check on Cilium policies;
// and equivalence: a NetworkPolicy and its CiliumNetworkPolicy translation give the same
// connection table (compareConnectionRecords, which the engines' property test builds on).
// Expected values are written from Cilium's semantics (pkg/policy), not copied from output.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValuesOutput } from '../src/model/values.ts';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { parseValues } from '../src/values/check.ts';
import { analyze, type Analysis, type Endpoint } from '../src/verify/analysis/analyze.ts';
import { ciliumIgnoresLabel, isSymbolicEnd } from '../src/verify/model/cilium-symbols.ts';
import { compareConnectionRecords, diffConnectivity } from '../src/verify/analysis/diff.ts';
import { findings } from '../src/verify/checks/findings.ts';
import { declaredCidrs, declaredSymbols, intentFindings, readValuesFiles } from '../src/verify/checks/intent.ts';
import { loadManifestText, type LoadedManifests } from '../src/verify/readers/load.ts';
import { collectFlows, connectionRecords } from '../src/verify/present/report.ts';
import type { ConnectionRecord, Finding, NetworkPolicy } from '../src/verify/model/types.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

// Namespaces app (team: shop), monitoring (purpose: monitoring), kube-system; pods web (named
// port http 8080), db (pg 5432), worker, a StatefulSet pod with its pod-name label; prometheus and
// grafana in monitoring; coredns in kube-system.
const INVENTORY = `
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring, labels: {purpose: monitoring}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: app, labels: {app: worker}}
spec: {containers: [{name: worker, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cache-0, namespace: app, labels: {app: cache, statefulset.kubernetes.io/pod-name: cache-0}}
spec: {containers: [{name: cache, image: redis}]}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus, namespace: monitoring, labels: {app.kubernetes.io/name: prometheus}}
spec: {containers: [{name: prometheus, image: prometheus}]}
---
apiVersion: v1
kind: Pod
metadata: {name: grafana, namespace: monitoring, labels: {app.kubernetes.io/name: grafana}}
spec: {containers: [{name: grafana, image: grafana}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: coredns, image: coredns}]}
`;

const { namespaces, workloads } = loadManifestText(INVENTORY, 'inventory.yaml');
const inventory = { namespaces, workloads };

function indent(text: string, by: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

/** A CiliumNetworkPolicy whose `spec` is the YAML given, in namespace app unless said otherwise. */
function cnp(name: string, spec: string, namespace = 'app'): string {
  return `---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${indent(spec, '  ')}\n`;
}

/** A NetworkPolicy whose `spec` is the YAML given, in namespace app. */
function np(name: string, spec: string, namespace = 'app'): string {
  return `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${indent(spec, '  ')}\n`;
}

function load(manifests: string): LoadedManifests {
  return loadManifestText(manifests, 'policies.yaml');
}

function analysisOf(manifests: string, symbols: string[] = []): Analysis {
  return analyze({ policies: load(manifests).policies, ...inventory, symbols });
}

/** An endpoint by name: `ns/workload`, an address (`203.0.113.9`: its atom) or a symbol (`fqdn:…`, `entity:…`). */
function endpoint(analysis: Analysis, name: string): Endpoint {
  if (isSymbolicEnd(name)) return { kind: 'symbol', name };
  const cls = analysis.classes.find((c) => c.workloads.some((w) => `${w.namespace}/${w.name}` === name));
  if (cls) return { kind: 'pod', cls };
  const [a, b, c, d] = name.split('.').map(BigInt) as [bigint, bigint, bigint, bigint];
  const address = (a << 24n) | (b << 16n) | (c << 8n) | d;
  const index = analysis.atoms.findIndex((atom) => atom.family === 4 && atom.start <= address && address <= atom.end);
  if (index < 0) throw new Error(`no endpoint ${name}`);
  return { kind: 'ip', atom: analysis.atoms[index] as NonNullable<(typeof analysis.atoms)[number]>, index };
}

/** What the policies allow from one endpoint to another, as PortSet.toString() says it. */
function allowed(analysis: Analysis, from: string, to: string): string {
  return analysis.allowed(endpoint(analysis, from), endpoint(analysis, to)).toString();
}

const ALL = 'All connections';
const NONE = 'No connections';

type SemanticCase = {
  name: string;
  policies: string;
  /** Symbolic endpoints to evaluate besides those the policies name. */
  symbols?: string[];
  /** [from, to, allowed] */
  expect: [string, string, string][];
};

// The web pod's policy in most cases: ingress and egress enforced, rules as the case says.
const SEMANTICS: SemanticCase[] = [
  {
    name: 'endpointSelector selects pods of the policy namespace only',
    policies: cnp('all-of-monitoring', 'endpointSelector: {}\ningress: [{}]', 'monitoring'),
    expect: [
      ['app/worker', 'app/web', ALL],
      ['app/worker', 'monitoring/prometheus', NONE],
      ['app/worker', 'monitoring/grafana', NONE],
    ],
  },
  {
    name: 'a direction without rules is not enforced; `ingress: [{}]` enforces and allows nothing',
    policies: cnp('web', 'endpointSelector: {matchLabels: {app: web}}\ningress: [{}]'),
    expect: [
      ['app/worker', 'app/web', NONE],
      ['app/web', 'app/worker', ALL],
      ['app/web', '203.0.113.9', ALL],
    ],
  },
  {
    name: 'egress: [] (an empty list) enforces nothing',
    policies: cnp('web', 'endpointSelector: {matchLabels: {app: web}}\ningress: [{}]\negress: []'),
    expect: [['app/web', 'app/db', ALL]],
  },
  {
    name: 'enableDefaultDeny false: enforced, yet every peer allowed',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
enableDefaultDeny: {ingress: false}
ingress:
  - fromEndpoints: [{matchLabels: {app: db}}]
    toPorts: [{ports: [{port: "8080", protocol: TCP}]}]`,
    ),
    expect: [
      ['app/worker', 'app/web', ALL],
      ['app/db', 'app/web', ALL],
    ],
  },
  {
    name: 'enableDefaultDeny false with another selecting policy denying by default: the union of both',
    policies:
      cnp(
        'web-extra',
        `
endpointSelector: {matchLabels: {app: web}}
enableDefaultDeny: {ingress: false, egress: false}
ingress:
  - fromEndpoints: [{matchLabels: {app: db}}]
    toPorts: [{ports: [{port: "8080", protocol: TCP}]}]`,
      ) +
      cnp(
        'web',
        `
endpointSelector: {matchLabels: {app: web}}
ingress:
  - fromEndpoints: [{matchLabels: {app: worker}}]
    toPorts: [{ports: [{port: "9000", protocol: TCP}]}]`,
      ),
    expect: [
      ['app/db', 'app/web', 'TCP 8080'],
      ['app/worker', 'app/web', 'TCP 9000'],
      ['monitoring/prometheus', 'app/web', NONE],
    ],
  },
  {
    name: 'toPorts without a peer field: every peer (pods, addresses, entities) on those ports',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toEntities: [kube-apiserver]
    toPorts: [{ports: [{port: "6443", protocol: TCP}]}]`,
    ),
    symbols: ['fqdn:example.com'],
    expect: [
      ['app/web', 'app/db', 'TCP 443'],
      ['app/web', 'monitoring/prometheus', 'TCP 443'],
      ['app/web', '203.0.113.9', 'TCP 443'],
      ['app/web', 'entity:kube-apiserver', 'TCP 443,6443'],
      ['app/web', 'fqdn:example.com', 'TCP 443'],
    ],
  },
  {
    name: 'an explicit empty peer list selects nothing, even with toPorts',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: []
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toCIDRSet: []
  - toEntities: []`,
    ),
    expect: [
      ['app/web', 'app/db', NONE],
      ['app/web', '203.0.113.9', NONE],
    ],
  },
  {
    name: 'an empty toFQDNs list is no peer field: with toPorts, every peer',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toFQDNs: []
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toFQDNs: []`,
    ),
    expect: [
      ['app/web', 'app/db', 'TCP 443'],
      ['app/web', '203.0.113.9', 'TCP 443'],
    ],
  },
  {
    name: 'a peer field without toPorts (or with toPorts: []) allows every port; port rules without ports nothing',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: [{matchLabels: {app: db}}]
  - toEndpoints: [{matchLabels: {app: worker}}]
    toPorts: []
  - toCIDR: [203.0.113.9/32]
    toPorts: [{ports: []}]`,
    ),
    expect: [
      ['app/web', 'app/db', ALL],
      ['app/web', 'app/worker', ALL],
      ['app/web', '203.0.113.9', NONE],
    ],
  },
  {
    name: 'fromEndpoints: no namespace key is the policy namespace; {} every pod there',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
ingress:
  - fromEndpoints: [{matchLabels: {app.kubernetes.io/name: prometheus}}]
  - fromEndpoints: [{}]
    toPorts: [{ports: [{port: "81", protocol: TCP}]}]`,
    ),
    expect: [
      ['monitoring/prometheus', 'app/web', NONE],
      ['app/db', 'app/web', 'TCP 81'],
      ['app/worker', 'app/web', 'TCP 81'],
    ],
  },
  {
    name: 'namespace by name: k8s:, any: and unprefixed io.kubernetes.pod.namespace; matchExpressions',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
ingress:
  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: monitoring, app.kubernetes.io/name: prometheus}}]
    toPorts: [{ports: [{port: "1", protocol: TCP}]}]
  - fromEndpoints: [{matchLabels: {any:io.kubernetes.pod.namespace: monitoring, k8s:app.kubernetes.io/name: grafana}}]
    toPorts: [{ports: [{port: "2", protocol: TCP}]}]
  - fromEndpoints: [{matchLabels: {io.kubernetes.pod.namespace: kube-system}}]
    toPorts: [{ports: [{port: "3", protocol: TCP}]}]
  - fromEndpoints:
      - matchExpressions: [{key: k8s:io.kubernetes.pod.namespace, operator: In, values: [monitoring, kube-system]}]
    toPorts: [{ports: [{port: "4", protocol: TCP}]}]`,
    ),
    expect: [
      ['monitoring/prometheus', 'app/web', 'TCP 1,4'],
      ['monitoring/grafana', 'app/web', 'TCP 2,4'],
      ['kube-system/coredns', 'app/web', 'TCP 3-4'],
      ['app/db', 'app/web', NONE],
    ],
  },
  {
    name: 'namespace labels: io.cilium.k8s.namespace.labels.<key> selects in every namespace with that label',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
ingress:
  - fromEndpoints: [{matchLabels: {k8s:io.cilium.k8s.namespace.labels.purpose: monitoring}}]
    toPorts: [{ports: [{port: "9", protocol: TCP}]}]
  - fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name: kube-system}}]
    toPorts: [{ports: [{port: "10", protocol: TCP}]}]`,
    ),
    expect: [
      ['monitoring/prometheus', 'app/web', 'TCP 9'],
      ['monitoring/grafana', 'app/web', 'TCP 9'],
      ['kube-system/coredns', 'app/web', 'TCP 10'],
      ['app/db', 'app/web', NONE],
    ],
  },
  {
    name: 'labels Cilium leaves out of identities cannot be selected (statefulset.kubernetes.io/pod-name)',
    policies: cnp(
      'cache',
      `
endpointSelector: {matchLabels: {app: cache}}
ingress:
  - fromEndpoints: [{matchLabels: {app: web}}]
egress:
  - toEndpoints: [{matchLabels: {statefulset.kubernetes.io/pod-name: cache-0}}]
  - toEndpoints: [{matchExpressions: [{key: statefulset.kubernetes.io/pod-name, operator: DoesNotExist}, {key: app, operator: In, values: [db]}]}]`,
    ),
    expect: [
      ['app/web', 'app/cache-0', ALL],
      ['app/cache-0', 'app/cache-0', NONE],
      ['app/cache-0', 'app/db', ALL],
    ],
  },
  {
    name: 'toCIDR and toCIDRSet with except',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toCIDR: [198.51.100.7/32, 192.0.2.0/24]
    toPorts: [{ports: [{port: "22", protocol: TCP}]}]
  - toCIDRSet: [{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 203.0.113.0/24]}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]`,
    ),
    expect: [
      ['app/web', '198.51.100.7', 'TCP 22,443'],
      ['app/web', '198.51.100.8', 'TCP 443'],
      ['app/web', '192.0.2.200', 'TCP 22,443'],
      ['app/web', '10.1.2.3', NONE],
      ['app/web', '203.0.113.9', NONE],
      ['app/web', 'app/db', NONE],
      ['app/web', 'entity:world', NONE],
    ],
  },
  {
    name: 'entities: world is symbolic (no address, no FQDN) and covers world-ipv4; kube-apiserver, none',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEntities: [world]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toEntities: [kube-apiserver]
    toPorts: [{ports: [{port: "6443", protocol: TCP}]}]
  - toEntities: [none]`,
    ),
    symbols: ['entity:world-ipv4', 'fqdn:example.com', 'entity:remote-node'],
    expect: [
      ['app/web', 'entity:world', 'TCP 443'],
      ['app/web', 'entity:world-ipv4', 'TCP 443'],
      ['app/web', 'entity:kube-apiserver', 'TCP 6443'],
      ['app/web', 'entity:remote-node', NONE],
      ['app/web', 'fqdn:example.com', NONE],
      ['app/web', '203.0.113.9', NONE],
      ['app/web', 'app/db', NONE],
    ],
  },
  {
    name: 'entity cluster: every pod of every namespace and the in-cluster entities, no address',
    policies: cnp('web', 'endpointSelector: {matchLabels: {app: web}}\negress: [{toEntities: [cluster]}]'),
    symbols: ['entity:kube-apiserver', 'entity:remote-node', 'entity:world'],
    expect: [
      ['app/web', 'app/db', ALL],
      ['app/web', 'monitoring/prometheus', ALL],
      ['app/web', 'kube-system/coredns', ALL],
      ['app/web', 'entity:kube-apiserver', ALL],
      ['app/web', 'entity:remote-node', ALL],
      ['app/web', 'entity:world', NONE],
      ['app/web', '203.0.113.9', NONE],
    ],
  },
  {
    name: 'entity all: everything',
    policies: cnp(
      'web',
      'endpointSelector: {matchLabels: {app: web}}\negress: [{toEntities: [all], toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]',
    ),
    symbols: ['entity:world', 'fqdn:example.com'],
    expect: [
      ['app/web', 'app/db', 'TCP 80'],
      ['app/web', '203.0.113.9', 'TCP 80'],
      ['app/web', 'entity:world', 'TCP 80'],
      ['app/web', 'fqdn:example.com', 'TCP 80'],
    ],
  },
  {
    name: 'toFQDNs: names and patterns are symbolic destinations; a pattern covers the names it matches',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchPattern: "*"}]}}]
  - toFQDNs: [{matchName: S3.eu-west-1.amazonaws.com.}, {matchPattern: "*.s3.eu-west-1.amazonaws.com"}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toFQDNs: [{matchPattern: "**.example.com"}]
    toPorts: [{ports: [{port: "8443", protocol: TCP}]}]`,
    ),
    symbols: [
      'fqdn:bucket.s3.eu-west-1.amazonaws.com',
      'fqdn:s3.eu-west-2.amazonaws.com',
      'fqdn:a.b.example.com',
      'fqdn:example.com',
    ],
    expect: [
      ['app/web', 'fqdn:s3.eu-west-1.amazonaws.com', 'TCP 443'],
      ['app/web', 'fqdn:*.s3.eu-west-1.amazonaws.com', 'TCP 443'],
      ['app/web', 'fqdn:bucket.s3.eu-west-1.amazonaws.com', 'TCP 443'],
      ['app/web', 'fqdn:s3.eu-west-2.amazonaws.com', NONE],
      ['app/web', 'fqdn:a.b.example.com', 'TCP 8443'],
      ['app/web', 'fqdn:example.com', NONE],
      ['app/web', '203.0.113.9', NONE],
      // An FQDN is a destination only.
      ['fqdn:s3.eu-west-1.amazonaws.com', 'app/worker', NONE],
    ],
  },
  {
    name: "toFQDNs needs Cilium's DNS proxy: names no DNS rule covers are never resolved, so never reached",
    policies:
      cnp(
        'web',
        `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toFQDNs: [{matchName: s3.eu-west-1.amazonaws.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]`,
      ) +
      cnp(
        'db',
        `
endpointSelector: {matchLabels: {app: db}}
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchPattern: "*.example.com"}]}}]
  - toFQDNs: [{matchName: s3.eu-west-1.amazonaws.com}, {matchName: api.example.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toPorts: [{ports: [{port: "8443", protocol: TCP}]}]`,
      ),
    expect: [
      ['app/web', 'fqdn:s3.eu-west-1.amazonaws.com', NONE],
      ['app/db', 'fqdn:api.example.com', 'TCP 443,8443'],
      // Not resolved through the proxy: only the rule admitting every peer reaches it.
      ['app/db', 'fqdn:s3.eu-west-1.amazonaws.com', 'TCP 8443'],
      ['app/db', 'kube-system/coredns', 'TCP 8443; UDP 53'],
    ],
  },
  {
    name: 'ports: "0" every port of the protocol, ANY or no protocol all three, endPort',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: [{matchLabels: {app: db}}]
    toPorts: [{ports: [{port: "0", protocol: UDP}, {port: "5432"}]}]
  - toEndpoints: [{matchLabels: {app: worker}}]
    toPorts: [{ports: [{port: "9000", endPort: 9100, protocol: ANY}, {port: "80", protocol: TCP}]}]`,
    ),
    expect: [
      ['app/web', 'app/db', 'TCP 5432; UDP 1-65535; SCTP 5432'],
      ['app/web', 'app/worker', 'TCP 80,9000-9100; UDP 9000-9100; SCTP 9000-9100'],
    ],
  },
  {
    name: "named ports resolve against the destination pod's container ports",
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: [{matchLabels: {app: db}}, {matchLabels: {app: worker}}]
    toPorts: [{ports: [{port: PG, protocol: TCP}]}]`,
    ),
    expect: [
      ['app/web', 'app/db', 'TCP 5432'],
      ['app/web', 'app/worker', NONE],
    ],
  },
  {
    name: 'rules.dns: the L4 flow is allowed',
    policies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts:
      - ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}]
        rules: {dns: [{matchPattern: "*"}]}`,
    ),
    expect: [
      ['app/web', 'kube-system/coredns', 'TCP 53; UDP 53'],
      ['app/web', 'app/db', NONE],
    ],
  },
  {
    name: 'the node (entity:host) always reaches its pods; other entities need a rule',
    policies: cnp('web', 'endpointSelector: {matchLabels: {app: web}}\ningress: [{fromEntities: [remote-node]}]'),
    symbols: ['entity:host', 'entity:kube-apiserver'],
    expect: [
      ['entity:host', 'app/web', ALL],
      ['entity:remote-node', 'app/web', ALL],
      ['entity:kube-apiserver', 'app/web', NONE],
      ['app/db', 'app/web', NONE],
    ],
  },
  {
    name: 'spec and specs: every rule applies (their union)',
    policies: `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web, namespace: app}
spec:
  endpointSelector: {matchLabels: {app: web}}
  ingress: [{fromEndpoints: [{matchLabels: {app: db}}], toPorts: [{ports: [{port: "1", protocol: TCP}]}]}]
specs:
  - endpointSelector: {matchLabels: {app: web}}
    ingress: [{fromEndpoints: [{matchLabels: {app: worker}}], toPorts: [{ports: [{port: "2", protocol: TCP}]}]}]
  - endpointSelector: {matchLabels: {app: db}}
    ingress: [{}]
`,
    expect: [
      ['app/db', 'app/web', 'TCP 1'],
      ['app/worker', 'app/web', 'TCP 2'],
      ['app/web', 'app/db', NONE],
      ['app/db', 'app/worker', ALL],
    ],
  },
  {
    name: 'NetworkPolicies and CiliumNetworkPolicies together: allowed by either, isolated by either',
    policies:
      np(
        'web-np',
        'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]\ningress: [{from: [{podSelector: {matchLabels: {app: db}}}]}]',
      ) +
      cnp(
        'web',
        'endpointSelector: {matchLabels: {app: web}}\ningress: [{fromEndpoints: [{matchLabels: {app: worker}}], toPorts: [{ports: [{port: "7", protocol: TCP}]}]}]',
      ),
    expect: [
      ['app/db', 'app/web', ALL],
      ['app/worker', 'app/web', 'TCP 7'],
      ['monitoring/prometheus', 'app/web', NONE],
    ],
  },
];

describe('CiliumNetworkPolicy semantics', () => {
  it.each(SEMANTICS)('$name', ({ policies, symbols, expect: cells }) => {
    const analysis = analysisOf(policies, symbols);
    const got = cells.map(([from, to]) => [from, to, allowed(analysis, from, to)]);
    expect(got).toEqual(cells);
  });

  it('the default label filter: which keys Cilium leaves out of identities', () => {
    expect(
      [
        'app',
        'app.kubernetes.io/name',
        'k8s-app',
        'pod-template-hash',
        'kubernetes.io/hostname',
        'io.kubernetes.pod.namespace',
        'controller-revision-hash',
        'batch.kubernetes.io/job-name',
        'statefulset.kubernetes.io/pod-name',
        'topology.kubernetes.io/zone',
        'io.kubernetes.container.name',
      ].map((key) => [key, ciliumIgnoresLabel(key)]),
    ).toEqual([
      ['app', false],
      ['app.kubernetes.io/name', false],
      ['k8s-app', false],
      ['pod-template-hash', true],
      ['kubernetes.io/hostname', true],
      ['io.kubernetes.pod.namespace', false],
      ['controller-revision-hash', true],
      ['batch.kubernetes.io/job-name', false],
      ['statefulset.kubernetes.io/pod-name', true],
      ['topology.kubernetes.io/zone', true],
      ['io.kubernetes.container.name', true],
    ]);
  });

  it('notes what it assumes: DNS rules as L4 flows, labels outside identities', () => {
    const loaded = load(
      cnp(
        'web',
        `
endpointSelector: {matchLabels: {app: web, pod-template-hash: abc}}
egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchName: example.com}]}}]`,
      ),
    );
    expect(loaded.notes).toEqual([
      "policies.yaml:2: CiliumNetworkPolicy app/web: egress[0].toPorts[0]: a DNS rule (rules.dns) is counted as the L4 flow it allows; Cilium's DNS proxy also filters the queries by name, which verify does not check",
      "policies.yaml:2: CiliumNetworkPolicy app/web: selects on pod-template-hash, which Cilium's default label filter leaves out of pod identities: a requirement that such a label exists or has a value selects nothing",
    ]);
    expect(loaded.objects).toBe(1);
  });

  it('shows symbolic endpoints in the connection table like CIDRs (text, JSON records, Mermaid)', () => {
    const analysis = analysisOf(
      cnp(
        'web',
        `
endpointSelector: {matchLabels: {app: web}}
ingress: [{}]
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchPattern: "*"}]}}]
  - toFQDNs: [{matchPattern: "*.example.com"}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toEntities: [kube-apiserver]
    toPorts: [{ports: [{port: "6443", protocol: TCP}]}]`,
      ),
    );
    const records = connectionRecords(collectFlows(analysis)).filter((r) => r.from === 'app/web');
    expect(records.filter((r) => isSymbolicEnd(r.to))).toEqual([
      { from: 'app/web', to: 'entity:kube-apiserver', protocol: 'TCP', ports: ['6443'] },
      { from: 'app/web', to: 'fqdn:*.example.com', protocol: 'TCP', ports: ['443'] },
    ]);
  });
});

// ---- refused ----------------------------------------------------------------------------------

type RefusedCase = { name: string; manifest: string; message: RegExp };

const WEB = 'endpointSelector: {matchLabels: {app: web}}';

const REFUSED: RefusedCase[] = [
  {
    name: 'ingressDeny',
    manifest: cnp('x', `${WEB}\ningressDeny: [{fromEntities: [world]}]`),
    message: /policies\.yaml:7: spec\.ingressDeny: is not modelled by verify \(deny rules override allow rules\)/,
  },
  {
    name: 'egressDeny',
    manifest: cnp('x', `${WEB}\negress: [{}]\negressDeny: [{toEntities: [world]}]`),
    message: /spec\.egressDeny: is not modelled/,
  },
  {
    name: 'icmps',
    manifest: cnp('x', `${WEB}\ningress: [{icmps: [{fields: [{type: 8}]}]}]`),
    message: /spec\.ingress\[0\]\.icmps: is not modelled by verify \(ICMP rules/,
  },
  {
    name: 'toServices',
    manifest: cnp('x', `${WEB}\negress: [{toServices: [{k8sService: {serviceName: api, namespace: app}}]}]`),
    message: /spec\.egress\[0\]\.toServices: is not modelled by verify \(service selectors/,
  },
  {
    name: 'toGroups',
    manifest: cnp('x', `${WEB}\negress: [{toGroups: [{aws: {}}]}]`),
    message: /toGroups: is not modelled/,
  },
  { name: 'toNodes', manifest: cnp('x', `${WEB}\negress: [{toNodes: [{}]}]`), message: /toNodes: is not modelled/ },
  {
    name: 'fromNodes',
    manifest: cnp('x', `${WEB}\ningress: [{fromNodes: [{}]}]`),
    message: /fromNodes: is not modelled/,
  },
  {
    name: 'authentication',
    manifest: cnp('x', `${WEB}\ningress: [{fromEntities: [cluster], authentication: {mode: required}}]`),
    message: /ingress\[0\]\.authentication: is not modelled/,
  },
  {
    name: 'an HTTP rule',
    manifest: cnp(
      'x',
      `${WEB}\ningress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET}]}}]}]`,
    ),
    message: /spec\.ingress\[0\]\.toPorts\[0\]\.rules\.http: is not modelled: an HTTP rule \(L7\)/,
  },
  {
    name: 'a listener',
    manifest: cnp(
      'x',
      `${WEB}\negress: [{toPorts: [{ports: [{port: "80"}], listener: {name: l, envoyConfig: {kind: CiliumEnvoyConfig, name: c}}}]}]`,
    ),
    message: /toPorts\[0\]\.listener: is not modelled/,
  },
  {
    name: 'a DNS rule on ingress',
    manifest: cnp('x', `${WEB}\ningress: [{toPorts: [{ports: [{port: "53"}], rules: {dns: [{matchPattern: "*"}]}}]}]`),
    message: /rules\.dns: DNS rules are egress only/,
  },
  {
    name: 'cidrGroupRef',
    manifest: cnp('x', `${WEB}\negress: [{toCIDRSet: [{cidrGroupRef: office}]}]`),
    message: /spec\.egress\[0\]\.toCIDRSet\[0\]\.cidrGroupRef: is not modelled: a CiliumCIDRGroup/,
  },
  {
    name: 'a reserved: label key',
    manifest: cnp('x', `${WEB}\ningress: [{fromEndpoints: [{matchLabels: {reserved:host: ""}}]}]`),
    message:
      /fromEndpoints\[0\]\.matchLabels\[reserved:host\]: "reserved:host" selects one of Cilium's reserved identities.*fromEntities/,
  },
  {
    name: 'another label source',
    manifest: cnp('x', `${WEB}\ningress: [{fromEndpoints: [{matchLabels: {container:app: x}}]}]`),
    message: /has the label source "container", which verify does not model/,
  },
  {
    name: 'the service account key',
    manifest: cnp(
      'x',
      `${WEB}\ningress: [{fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: api}}]}]`,
    ),
    message: /selects on the pod's service account or cluster, which verify does not model/,
  },
  {
    name: 'two kinds of peers in one rule',
    manifest: cnp('x', `${WEB}\negress: [{toEndpoints: [{}], toCIDR: [10.0.0.0/8]}]`),
    message: /spec\.egress\[0\]: combines toEndpoints and toCIDR: Cilium refuses that/,
  },
  {
    name: 'a rule without ingress nor egress',
    manifest: cnp('x', WEB),
    message: /policies\.yaml:5: spec: must set at least one of ingress, ingressDeny, egress, egressDeny/,
  },
  {
    name: 'a rule without endpointSelector',
    manifest: cnp('x', 'ingress: [{}]'),
    message: /spec\.endpointSelector: is required/,
  },
  {
    name: 'a namespace key in endpointSelector',
    manifest: cnp('x', 'endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: other}}\ningress: [{}]'),
    message: /spec\.endpointSelector: selects on the namespace.*applies to pods of its own namespace \(app\) only/,
  },
  {
    name: 'nodeSelector',
    manifest: cnp('x', `nodeSelector: {}\ningress: [{}]`),
    message: /spec\.nodeSelector: is not modelled by verify \(selects nodes/,
  },
  {
    name: 'a port number that is not a string',
    manifest: cnp('x', `${WEB}\negress: [{toPorts: [{ports: [{port: 443}]}]}]`),
    message: /policies\.yaml:7: spec\.egress\[0\]\.toPorts\[0\]\.ports\[0\]\.port: must be a string \(got 443\)/,
  },
  {
    name: 'a port rule without port',
    manifest: cnp('x', `${WEB}\negress: [{toPorts: [{ports: [{protocol: TCP}]}]}]`),
    message: /ports\[0\]\.port: is required: Cilium refuses a port rule without port \("0" for every port\)/,
  },
  {
    name: 'a protocol verify does not model',
    manifest: cnp('x', `${WEB}\negress: [{toPorts: [{ports: [{port: "0", protocol: GRE}]}]}]`),
    message: /ports\[0\]\.protocol: "GRE" is not modelled: verify models TCP, UDP, SCTP and ANY/,
  },
  {
    name: 'an FQDN selector with both matchName and matchPattern',
    manifest: cnp('x', `${WEB}\negress: [{toFQDNs: [{matchName: a.com, matchPattern: "*.a.com"}]}]`),
    message: /toFQDNs\[0\]: must set exactly one of matchName, matchPattern/,
  },
  {
    name: 'toFQDNs on ingress (no such field)',
    manifest: cnp('x', `${WEB}\ningress: [{toFQDNs: [{matchName: a.com}]}]`),
    message: /spec\.ingress\[0\]\.toFQDNs: unknown field/,
  },
  {
    name: 'a typo',
    manifest: cnp('x', `${WEB}\negress: [{toEndpoint: [{}]}]`),
    message: /spec\.egress\[0\]\.toEndpoint: unknown field \(did you mean "toEndpoints"\?\)/,
  },
  {
    name: 'an address without prefix length in toCIDR (the CRD wants a CIDR)',
    manifest: cnp('x', `${WEB}\negress: [{toCIDR: [198.51.100.7]}]`),
    message: /toCIDR\[0\]: must be a CIDR/,
  },
  {
    name: 'a protocol in lower case (the CRD enumerates upper case)',
    manifest: cnp('x', `${WEB}\negress: [{toPorts: [{ports: [{port: "80", protocol: tcp}]}]}]`),
    message: /protocol: must be one of TCP, UDP, SCTP/,
  },
  {
    name: 'an except outside its cidr',
    manifest: cnp('x', `${WEB}\negress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]}]`),
    message: /except\[0\]: "192\.168\.0\.0\/16" is not inside "10\.0\.0\.0\/8"/,
  },
  {
    name: 'an unknown entity',
    manifest: cnp('x', `${WEB}\negress: [{toEntities: [internet]}]`),
    message: /toEntities\[0\]: must be one of all, world, cluster/,
  },
  {
    name: 'neither spec nor specs',
    manifest: '---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: app}\n',
    message: /policies\.yaml:2: spec or specs must be provided/,
  },
  {
    name: 'CiliumClusterwideNetworkPolicy',
    manifest: `---\napiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: x}\nspec:\n  ${WEB}\n  ingress: [{}]\n`,
    message: /kind: CiliumClusterwideNetworkPolicy is not analysed \(out of scope/,
  },
  {
    name: 'another apiVersion of CiliumNetworkPolicy',
    manifest: `---\napiVersion: cilium.io/v2alpha1\nkind: CiliumNetworkPolicy\nmetadata: {name: x}\nspec:\n  ${WEB}\n  ingress: [{}]\n`,
    message: /apiVersion: cilium\.io\/v2alpha1 CiliumNetworkPolicy is not served by Cilium v1\.20: use cilium\.io\/v2/,
  },
];

describe('CiliumNetworkPolicy: what verify refuses, with the file, the path and what is not modelled', () => {
  it.each(REFUSED)('$name', ({ manifest, message }) => {
    expect(() => load(manifest)).toThrow(message);
  });

  it('reports every problem of the input at once', () => {
    const manifests = REFUSED.slice(0, 3)
      .map((c) => c.manifest)
      .join('');
    expect(() => load(manifests)).toThrow(/3 problems in the manifests/);
  });
});

// ---- findings -----------------------------------------------------------------------------------

function findingsOf(manifests: string): Finding[] {
  return findings(analysisOf(manifests), { namespaces: inventory.namespaces });
}

type FindingCase = { name: string; policies: string; expected: Partial<Finding>[] };

const FINDINGS: FindingCase[] = [
  {
    name: 'toPorts without peers: allow-all-peer (error)',
    policies: cnp('web', `${WEB}\ningress:\n  - toPorts: [{ports: [{port: "8080", protocol: TCP}]}]`),
    expected: [{ code: 'allow-all-peer', severity: 'error', policy: 'app/web', rule: 'ingress[0]' }],
  },
  {
    name: 'entity all: allow-all-peer (error)',
    policies: cnp('web', `${WEB}\negress: [{toEntities: [all]}]`),
    expected: [{ code: 'allow-all-peer', severity: 'error', rule: 'egress[0].toEntities[0]' }],
  },
  {
    name: 'world: an error on ingress, a warning on egress',
    policies: cnp('web', `${WEB}\ningress: [{fromEntities: [world]}]\negress: [{toEntities: [world]}]`),
    expected: [
      { code: 'allow-all-peer', severity: 'warning', rule: 'egress[0].toEntities[0]' },
      { code: 'allow-all-peer', severity: 'error', rule: 'ingress[0].fromEntities[0]' },
    ],
  },
  {
    name: 'entity cluster and a selector naming a namespace only: namespace-wide-peer',
    policies: cnp(
      'web',
      `${WEB}\ningress:\n  - fromEntities: [cluster]\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: monitoring}}]`,
    ),
    expected: [
      { code: 'namespace-wide-peer', severity: 'warning', rule: 'ingress[0].fromEntities[0]' },
      { code: 'namespace-wide-peer', severity: 'warning', rule: 'ingress[1].fromEndpoints[0]' },
    ],
  },
  {
    name: 'a selector matching no pod, with the namespace key to add',
    policies: cnp('web', `${WEB}\ningress: [{fromEndpoints: [{matchLabels: {app.kubernetes.io/name: prometheus}}]}]`),
    expected: [
      {
        code: 'peer-selects-nothing',
        rule: 'ingress[0].fromEndpoints[0]',
        message: expect.stringContaining(
          'add k8s:io.kubernetes.pod.namespace: monitoring to its matchLabels',
        ) as string,
      },
    ],
  },
  {
    name: 'an endpointSelector matching no pod',
    policies: cnp('web', 'endpointSelector: {matchLabels: {app: fineract}}\ningress: [{}]'),
    expected: [
      {
        code: 'policy-selects-nothing',
        severity: 'error',
        message: expect.stringContaining('Correct spec.endpointSelector') as string,
      },
    ],
  },
  {
    name: 'half-open between a CiliumNetworkPolicy egress and a NetworkPolicy ingress',
    policies:
      cnp(
        'web',
        `${WEB}\negress: [{toEndpoints: [{matchLabels: {app: db}}], toPorts: [{ports: [{port: "5432", protocol: TCP}]}]}]`,
      ) + np('db', 'podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]'),
    expected: [{ code: 'half-open-flow', policy: 'app/web', rule: 'egress[0]' }],
  },
  {
    name: 'a clean policy pair: no finding but the unprotected workloads',
    policies:
      cnp(
        'web',
        `${WEB}\ningress: [{}]\negress: [{toEndpoints: [{matchLabels: {app: db}}], toPorts: [{ports: [{port: "5432", protocol: TCP}]}]}]`,
      ) +
      cnp(
        'db',
        'endpointSelector: {matchLabels: {app: db}}\ningress: [{fromEndpoints: [{matchLabels: {app: web}}], toPorts: [{ports: [{port: "5432", protocol: TCP}]}]}]',
      ),
    expected: [],
  },
];

describe('findings on CiliumNetworkPolicies', () => {
  it.each(FINDINGS)('$name', ({ policies, expected }) => {
    const got = findingsOf(policies).filter((f) => f.code !== 'unprotected-workload');
    expect(got).toEqual(expected.map((e) => expect.objectContaining(e) as unknown));
  });

  it('unprotected-workload names both kinds', () => {
    const got = findingsOf(cnp('web', `${WEB}\ningress: [{}]`)).filter((f) => f.code === 'unprotected-workload');
    expect(got.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/^app\/db is selected by no NetworkPolicy nor CiliumNetworkPolicy of namespace app/),
    );
  });
});

// ---- equivalence: a NetworkPolicy and its CiliumNetworkPolicy translation --------------------

type EquivalenceCase = { name: string; networkPolicies: string; ciliumPolicies: string };

const EQUIVALENT: EquivalenceCase[] = [
  {
    name: 'a component policy: monitoring, DNS, a database in the namespace, the internet without private ranges',
    networkPolicies: np(
      'web',
      `
podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]
    ports: [{port: http}]
egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}, {port: 6000, endPort: 6010}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]
    ports: [{port: 443}]`,
    ),
    ciliumPolicies: cnp(
      'web',
      `
endpointSelector: {matchLabels: {app: web}}
enableDefaultDeny: {ingress: true, egress: true}
ingress:
  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: monitoring, app.kubernetes.io/name: prometheus}}]
    toPorts: [{ports: [{port: http, protocol: TCP}]}]
egress:
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}], rules: {dns: [{matchPattern: "*"}]}}]
  - toEndpoints: [{matchLabels: {app: db}}]
    toPorts: [{ports: [{port: "5432", protocol: TCP}, {port: "6000", endPort: 6010, protocol: TCP}]}]
  - toCIDRSet: [{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toFQDNs: [{matchPattern: "*.s3.eu-west-1.amazonaws.com"}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]`,
    ),
  },
  {
    name: 'namespaces by label, matchExpressions, and an ingress-only policy',
    networkPolicies: np(
      'db',
      `
podSelector: {matchExpressions: [{key: app, operator: In, values: [db, cache]}]}
ingress:
  - from:
      - namespaceSelector: {matchLabels: {purpose: monitoring}}
        podSelector: {matchExpressions: [{key: app.kubernetes.io/name, operator: Exists}]}
      - podSelector: {matchLabels: {app: web}}
    ports: [{port: 5432}, {port: 9187, protocol: TCP}]`,
    ),
    ciliumPolicies: cnp(
      'db',
      `
endpointSelector: {matchExpressions: [{key: app, operator: In, values: [db, cache]}]}
ingress:
  - fromEndpoints:
      - matchLabels: {k8s:io.cilium.k8s.namespace.labels.purpose: monitoring}
        matchExpressions: [{key: k8s:app.kubernetes.io/name, operator: Exists}]
      - matchLabels: {app: web}
    toPorts: [{ports: [{port: "5432", protocol: TCP}, {port: "9187", protocol: TCP}]}]`,
    ),
  },
  {
    name: 'a namespace-wide default deny',
    networkPolicies: np('default-deny-all', 'podSelector: {}\npolicyTypes: [Ingress, Egress]'),
    ciliumPolicies: cnp(
      'default-deny-all',
      'endpointSelector: {}\nenableDefaultDeny: {ingress: true, egress: true}\ningress: [{}]\negress: [{}]',
    ),
  },
];

function records(manifests: string, cidrs: string[] = []): ConnectionRecord[] {
  const analysis = analyze({ policies: load(manifests).policies, ...inventory, cidrs });
  return connectionRecords(collectFlows(analysis));
}

describe('equivalence: a NetworkPolicy and its CiliumNetworkPolicy translation', () => {
  it.each(EQUIVALENT)('$name: the same connection table, FQDN and entity flows aside', (c) => {
    const kubernetes = records(c.networkPolicies);
    const cilium = records(c.ciliumPolicies);
    expect(compareConnectionRecords(kubernetes, cilium, { ignore: isSymbolicEnd })).toEqual([]);
    expect(kubernetes.some((r) => isSymbolicEnd(r.from) || isSymbolicEnd(r.to))).toBe(false);
  });

  it('the FQDN flows are the only ones the cilium translation adds', () => {
    const [first] = EQUIVALENT as [EquivalenceCase];
    // Pods no policy isolates reach every destination, the FQDN endpoint too: the web pod's flows.
    const symbolic = records(first.ciliumPolicies).filter(
      (r) => (isSymbolicEnd(r.from) || isSymbolicEnd(r.to)) && (r.from === 'app/web' || r.to === 'app/web'),
    );
    expect(symbolic).toEqual([
      { from: 'app/web', to: 'fqdn:*.s3.eu-west-1.amazonaws.com', protocol: 'TCP', ports: ['443'] },
    ]);
  });

  it('finds a difference: a port changed in the translation', () => {
    const [first] = EQUIVALENT as [EquivalenceCase];
    const wrong = first.ciliumPolicies.replace('port: "5432"', 'port: "5433"');
    expect(compareConnectionRecords(records(first.networkPolicies), records(wrong), { ignore: isSymbolicEnd })).toEqual(
      [{ from: 'app/web', to: 'app/db', protocol: 'TCP', before: ['5432', '6000-6010'], after: ['5433', '6000-6010'] }],
    );
  });

  it('finds a difference: an except forgotten in the translation, range by range', () => {
    const [first] = EQUIVALENT as [EquivalenceCase];
    const wrong = first.ciliumPolicies.replace(
      'except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]',
      'except: [10.0.0.0/8, 172.16.0.0/12]',
    );
    expect(compareConnectionRecords(records(first.networkPolicies), records(wrong), { ignore: isSymbolicEnd })).toEqual(
      [{ from: 'app/web', to: '192.168.0.0/16', protocol: 'TCP', before: [], after: ['443'] }],
    );
  });

  it('compares CIDR ends whatever ranges each table merged them into', () => {
    const a: ConnectionRecord[] = [{ from: 'app/web', to: '0.0.0.0/0', protocol: 'TCP', ports: ['443'] }];
    const b: ConnectionRecord[] = [
      { from: 'app/web', to: '0.0.0.0/1', protocol: 'TCP', ports: ['443'] },
      { from: 'app/web', to: '128.0.0.0/1', protocol: 'TCP', ports: ['443'] },
    ];
    expect(compareConnectionRecords(a, b)).toEqual([]);
    expect(compareConnectionRecords(a, b.slice(1))).toEqual([
      { from: 'app/web', to: '0.0.0.0/1', protocol: 'TCP', before: ['443'], after: [] },
    ]);
  });

  it('diff compares the symbolic endpoints too', () => {
    const before = load(EQUIVALENT[0]?.networkPolicies ?? '').policies;
    const after = load(EQUIVALENT[0]?.ciliumPolicies ?? '').policies;
    const changes = diffConnectivity({ before, after, ...inventory });
    expect(changes.map((c) => [c.change, c.from.name, c.to.name, c.after.toString()])).toEqual([
      ['added', 'app/web', 'fqdn:*.s3.eu-west-1.amazonaws.com', 'TCP 443'],
    ]);
  });
});

// ---- intent: declared values vs effective, for both engines --------------------------------------

/** Values for the web component alone: S3 by CIDR and by name, the API server as an entity. */
function valuesOf(engine: 'kubernetes' | 'cilium', extra: Record<string, unknown> = {}) {
  return parseValues(
    [
      { components: null, peers: null, networks: null, connections: null },
      {
        policyEngine: engine,
        monitoring: { enabled: false },
        // The hand-written policies below exclude RFC 1918 only.
        privateCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
        // (Helm merges the chart's components back in: they do not run here.)
        components: {
          web: { podSelector: { matchLabels: { app: 'web' } } },
          ...Object.fromEntries(
            ['fineract', 'fineract-redis', 'keycloak', 'oauth2-proxy'].map((c) => [c, { enabled: false }]),
          ),
        },
        networks: {
          s3: { cidrs: ['0.0.0.0/0'], excludePrivate: true, fqdns: [{ awsS3Region: 'eu-west-1' }] },
          api: { cidrs: ['198.51.100.0/24'], entities: ['kube-apiserver'] },
        },
        connections: {
          'web-to-s3': { from: { component: 'web' }, to: { network: 's3' }, ports: [{ port: 443 }] },
          'web-to-api': { from: { component: 'web' }, to: { network: 'api' }, ports: [{ port: 6443 }] },
        },
        ...extra,
      },
    ],
    'test values',
  );
}

const DNS_RULE = `
  - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}], rules: {dns: [{matchPattern: "*"}]}}]`;

/** The web policy as the chart renders it with policyEngine cilium. */
const CILIUM_WEB = cnp(
  'web-network-policy',
  `
endpointSelector: {matchLabels: {app: web}}
enableDefaultDeny: {ingress: true, egress: true}
ingress: [{}]
egress:${DNS_RULE}
  - toCIDRSet: [{cidr: 198.51.100.0/24}]
    toPorts: [{ports: [{port: "6443", protocol: TCP}]}]
  - toEntities: [kube-apiserver]
    toPorts: [{ports: [{port: "6443", protocol: TCP}]}]
  - toCIDRSet: [{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
  - toFQDNs:
      - {matchName: s3.eu-west-1.amazonaws.com}
      - {matchPattern: "*.s3.eu-west-1.amazonaws.com"}
      - {matchName: s3.dualstack.eu-west-1.amazonaws.com}
      - {matchPattern: "*.s3.dualstack.eu-west-1.amazonaws.com"}
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]`,
);

/** The same with policyEngine kubernetes: the CIDRs only. */
const KUBERNETES_WEB = np(
  'web-network-policy',
  `
podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
  - to: [{ipBlock: {cidr: 198.51.100.0/24}}]
    ports: [{port: 6443}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]
    ports: [{port: 443}]`,
);

function intentOf(manifests: string, values: ReturnType<typeof valuesOf>): Finding[] {
  const analysis = analyze({ policies: load(manifests).policies, ...inventory, symbols: declaredSymbols(values) });
  return intentFindings(analysis, values, { namespace: 'app' });
}

describe('intent: the values against CiliumNetworkPolicies', () => {
  it('cilium: a network is its CIDRs, its FQDNs and its entities', () => {
    expect(declaredSymbols(valuesOf('cilium'))).toEqual([
      'entity:kube-apiserver',
      'fqdn:*.s3.dualstack.eu-west-1.amazonaws.com',
      'fqdn:*.s3.eu-west-1.amazonaws.com',
      'fqdn:s3.dualstack.eu-west-1.amazonaws.com',
      'fqdn:s3.eu-west-1.amazonaws.com',
    ]);
    expect(declaredSymbols(valuesOf('kubernetes'))).toEqual([]);
  });

  it('cilium: the render verifies clean', () => {
    expect(intentOf(CILIUM_WEB, valuesOf('cilium'))).toEqual([]);
  });

  it('kubernetes: the render verifies clean (FQDNs and entities are not expected)', () => {
    expect(intentOf(KUBERNETES_WEB, valuesOf('kubernetes'))).toEqual([]);
  });

  it('cilium: the kubernetes render misses the FQDN and entity flows', () => {
    const found = intentOf(KUBERNETES_WEB, valuesOf('cilium'));
    expect(found.map((f) => [f.code, f.between?.to])).toEqual([
      ['missing-flow', ['entity:kube-apiserver']],
      [
        'missing-flow',
        [
          'fqdn:*.s3.dualstack.eu-west-1.amazonaws.com',
          'fqdn:*.s3.eu-west-1.amazonaws.com',
          'fqdn:s3.dualstack.eu-west-1.amazonaws.com',
          'fqdn:s3.eu-west-1.amazonaws.com',
        ],
      ],
    ]);
    expect(found[1]?.message).toMatch(/declared by connections\.web-to-s3 but blocked/);
  });

  it('cilium: a missing FQDN and an undeclared entity are reported by name', () => {
    const edited = CILIUM_WEB.replace(/^ *- \{matchName: s3\.dualstack\.eu-west-1\.amazonaws\.com\}\n/m, '').replace(
      'toEntities: [kube-apiserver]',
      'toEntities: [kube-apiserver, world]',
    );
    const found = intentOf(edited, valuesOf('cilium'));
    expect(found.map((f) => [f.code, f.between?.from, f.between?.to, f.between?.ports])).toEqual([
      ['missing-flow', ['app/web'], ['fqdn:s3.dualstack.eu-west-1.amazonaws.com'], 'TCP 443'],
      ['undeclared-flow', ['app/web'], ['entity:world'], 'TCP 6443'],
    ]);
    expect(found[1]?.message).toMatch(/allowed by app\/web-network-policy egress\[2\]/);
  });
});

describe('intent: FQDNs need the DNS rule', () => {
  it('a render without rules.dns misses the FQDN flows, and says why', () => {
    const found = intentOf(CILIUM_WEB.replace(', rules: {dns: [{matchPattern: "*"}]}', ''), valuesOf('cilium'));
    expect(found.map((f) => [f.code, f.between?.to.length])).toEqual([['missing-flow', 4]]);
    expect(found[0]?.message).toMatch(
      /app\/web does not resolve fqdn:[^ ]+ through Cilium's DNS proxy \(no egress rule of its policies has a DNS rule/,
    );
  });
});

describe('intent: an address family only the values name', () => {
  it('the entity all reaches it (no missing-flow), as a rule without peers does', () => {
    const values = valuesOf('cilium', {
      networks: { v6: { cidrs: ['2001:db8::/32'] } },
      connections: { 'web-to-v6': { from: { component: 'web' }, to: { network: 'v6' }, ports: [{ port: 443 }] } },
    });
    const policy = cnp(
      'web-network-policy',
      `${WEB}\ningress: [{}]\negress:${DNS_RULE}\n  - toEntities: [all]\n    toPorts: [{ports: [{port: "443", protocol: TCP}]}]`,
    );
    const found = intentFindings(
      analyze({ policies: load(policy).policies, ...inventory, symbols: declaredSymbols(values) }),
      values,
      { namespace: 'app' },
    );
    expect(found.filter((f) => f.code === 'missing-flow')).toEqual([]);
    expect(found.filter((f) => f.code === 'undeclared-flow').length).toBeGreaterThan(0);
  });
});

// ---- the chart: both engines on every environment ----------------------------------------------

isolateHelmHome();

const CHART_NAMESPACE = 'fineract-uat';
const fixture = loadManifestText(
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml'), 'utf8'),
  'fineract-workloads.yaml',
);
const fixtureInventory = { namespaces: fixture.namespaces, workloads: fixture.workloads };
const ENVIRONMENTS: [string, string[]][] = [
  ['chart defaults', []],
  ...readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f): [string, string[]] => [f, [join(VALUES_DIR, f)]]),
];

/** A values file in a temporary folder (removed after the tests). */
const tmp = mkdtempSync(join(tmpdir(), 'verify-cilium-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function valuesFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}
const CILIUM = valuesFile('cilium.yaml', 'policyEngine: cilium\n');
// The DNS-name alternatives switched on, the CIDR ones off (as the defaults' descriptions say).
const BY_NAME = valuesFile(
  'by-name.yaml',
  [
    'networks:',
    '  oidc-federation-by-name: {fqdns: [{matchName: login.microsoftonline.com}, {matchPattern: "*.okta.com"}]}',
    '  kube-api: {entities: [kube-apiserver]}',
    'connections:',
    '  fineract-to-s3: {enabled: false}',
    '  fineract-to-s3-by-name: {enabled: true}',
    '  keycloak-to-oidc-federation: {enabled: false}',
    '  keycloak-to-oidc-federation-by-name: {enabled: true}',
    '  oauth2-proxy-to-kube-api: {from: {component: oauth2-proxy}, to: {network: kube-api}, ports: [{port: 443}]}',
    '',
  ].join('\n'),
);

function renderChart(files: string[]): NetworkPolicy[] {
  const out = helmTemplate({ helm: 4, valuesFiles: files, namespace: CHART_NAMESPACE });
  if (out.status !== 0) throw new Error(out.stderr);
  return loadManifestText(out.stdout, 'rendered.yaml').policies;
}

/** The analysis of a render, its external addresses split where both engines' values draw lines. */
function chartAnalysis(policies: NetworkPolicy[], values: ValuesOutput, cidrs: string[]): Analysis {
  return analyze({ policies, ...fixtureInventory, cidrs, symbols: declaredSymbols(values) });
}

describe('the chart rendered for both engines: the same connectivity, FQDN and entity flows aside', () => {
  it.each(ENVIRONMENTS)('%s', (_name, files) => {
    const kubernetesValues = readValuesFiles(files);
    const ciliumValues = readValuesFiles([...files, CILIUM]);
    const kubernetesPolicies = renderChart(files);
    const ciliumPolicies = renderChart([...files, CILIUM]);
    expect(ciliumPolicies.every((p) => p.cilium !== undefined)).toBe(true);
    expect(kubernetesPolicies.every((p) => p.cilium === undefined)).toBe(true);
    const cidrs = declaredCidrs(kubernetesValues);
    const kubernetes = chartAnalysis(kubernetesPolicies, kubernetesValues, cidrs);
    const cilium = chartAnalysis(ciliumPolicies, ciliumValues, cidrs);
    const table = (analysis: Analysis) => connectionRecords(collectFlows(analysis));
    expect(compareConnectionRecords(table(kubernetes), table(cilium), { ignore: isSymbolicEnd })).toEqual([]);
    expect(intentFindings(kubernetes, kubernetesValues, { namespace: CHART_NAMESPACE })).toEqual([]);
    expect(intentFindings(cilium, ciliumValues, { namespace: CHART_NAMESPACE })).toEqual([]);
  });

  it('with the DNS-name networks on, the cilium render adds exactly their flows and verifies clean', () => {
    // The seed's shape (one Fineract component for its three deployments) with uat's subnets.
    const files = [join(REPO_ROOT, 'test', 'fixtures', 'values', 'seed-uat.yaml'), BY_NAME];
    const values = readValuesFiles([...files, CILIUM]);
    const analysis = chartAnalysis(renderChart([...files, CILIUM]), values, declaredCidrs(values));
    expect(intentFindings(analysis, values, { namespace: CHART_NAMESPACE })).toEqual([]);
    // The pods the components' policies isolate (not web-app, which no policy selects: it reaches everything).
    const isolated = new Set(
      analysis.classes
        .filter((c) => analysis.isolated(c, 'egress'))
        .flatMap((c) => c.workloads.map((w) => `${w.namespace}/${w.name}`)),
    );
    const governed = (name: string) => isolated.has(name);
    const symbolic = connectionRecords(collectFlows(analysis)).filter(
      (r) => (isSymbolicEnd(r.to) && governed(r.from)) || (isSymbolicEnd(r.from) && governed(r.to)),
    );
    const s3 = [
      'fqdn:*.s3.dualstack.eu-west-1.amazonaws.com',
      'fqdn:*.s3.eu-west-1.amazonaws.com',
      'fqdn:s3.dualstack.eu-west-1.amazonaws.com',
      'fqdn:s3.eu-west-1.amazonaws.com',
    ];
    const fineract = ['fineract-batch', 'fineract-read', 'fineract-write'];
    expect(symbolic.map((r) => `${r.from} → ${r.to} ${r.protocol} ${r.ports.join(',')}`).sort()).toEqual(
      [
        ...fineract.flatMap((w) => s3.map((to) => `${CHART_NAMESPACE}/${w} → ${to} TCP 443`)),
        `${CHART_NAMESPACE}/keycloak → fqdn:*.okta.com TCP 443`,
        `${CHART_NAMESPACE}/keycloak → fqdn:login.microsoftonline.com TCP 443`,
        `${CHART_NAMESPACE}/oauth2-proxy → entity:kube-apiserver TCP 443`,
      ].sort(),
    );
  });
});
