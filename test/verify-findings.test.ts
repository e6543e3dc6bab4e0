// The structural findings of src/verify/checks/findings.ts: each code triggered by a small hand-written
// policy set and not by its fixed version, then the legacy policy set with the seed's defects
// (test/fixtures/legacy/policies.yaml) against the fixture workloads and values/uat.yaml.
// Expected findings are written from the Kubernetes semantics, not copied from output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.ts';
import { analyze } from '../src/verify/analysis/analyze.ts';
import { findings } from '../src/verify/checks/findings.ts';
import { intentFindings, readValuesFiles } from '../src/verify/checks/intent.ts';
import { loadManifestText } from '../src/verify/readers/load.ts';
import { synthesizeFromPolicies } from '../src/verify/analysis/synthesize.ts';
import { FINDING_CODES, type Finding, type FindingCode, type Severity } from '../src/verify/model/types.ts';

// A small inventory: namespace `app` (web, db, worker), `monitoring` (prometheus, grafana),
// `kube-system` (coredns), and `empty` (a Namespace without workloads).
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
kind: Namespace
metadata: {name: empty}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web, tier: front}}
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

const inventory = loadManifestText(INVENTORY, 'inventory.yaml');

/** A NetworkPolicy manifest in namespace `app` (unless `namespace` says otherwise). */
function policy(name: string, spec: string, namespace = 'app'): string {
  return `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

function run(manifests: string): Finding[] {
  const { policies } = loadManifestText(manifests, 'policies.yaml');
  return findings(analyze({ policies, namespaces: inventory.namespaces, workloads: inventory.workloads }), {
    namespaces: inventory.namespaces,
  });
}

type Expected = { code: FindingCode; severity: Severity; policy?: string; rule?: string; message?: RegExp };

const matches = (f: Finding, e: Expected): boolean =>
  f.code === e.code &&
  f.severity === e.severity &&
  (e.policy === undefined || f.policy === e.policy) &&
  (e.rule === undefined || f.rule === e.rule) &&
  (e.message === undefined || e.message.test(f.message));

type Case = {
  name: string;
  /** Policies that show the problem. */
  broken: string;
  /** The findings expected among those of `broken` (other codes may appear too). */
  expected: Expected[];
  /** The same policies with the problem fixed: none of `expected`'s code (and severity) at that policy. */
  fixed: string;
};

const DENY_DB = policy('db', `podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]`);

const CASES: Case[] = [
  {
    name: 'policy-selects-nothing: a selector no pod has',
    broken: policy('web', `podSelector: {matchLabels: {app: webapp}}\npolicyTypes: [Ingress]`),
    expected: [
      {
        code: 'policy-selects-nothing',
        severity: 'error',
        policy: 'app/web',
        message:
          /^The policy app\/web selects no pod: .*labels app=webapp.*The workloads there are labelled app=db, app=web, app=worker\./,
      },
    ],
    fixed: policy('web', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]`),
  },
  {
    name: 'policy-selects-nothing: in a namespace the inventory has no workload of (warning)',
    broken: policy('x', `podSelector: {matchLabels: {app: x}}\npolicyTypes: [Ingress]`, 'empty'),
    expected: [{ code: 'policy-selects-nothing', severity: 'warning', policy: 'empty/x', message: /Pass --workloads/ }],
    // A namespace-wide default deny is meant for every pod the namespace will have: never reported.
    fixed: policy('x', `podSelector: {}\npolicyTypes: [Ingress]`, 'empty'),
  },
  {
    name: 'peer-selects-nothing: a podSelector alone for pods of another namespace',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to:
      - podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}]`,
    ),
    expected: [
      {
        code: 'peer-selects-nothing',
        severity: 'warning',
        policy: 'app/web',
        rule: 'egress[0].to[0]',
        message: /pods with these labels run in namespace kube-system.*add namespaceSelector/,
      },
    ],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}]`,
    ),
  },
  {
    name: 'peer-selects-nothing: a namespaceSelector no namespace has',
    broken: policy(
      'db',
      `podSelector: {matchLabels: {app: db}}
ingress:
  - from:
      - namespaceSelector: {matchLabels: {name: monitoring}}
        podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}`,
    ),
    expected: [
      {
        code: 'peer-selects-nothing',
        severity: 'warning',
        rule: 'ingress[0].from[0]',
        message: /no namespace of the inventory has the labels name=monitoring/,
      },
    ],
    fixed: policy(
      'db',
      `podSelector: {matchLabels: {app: db}}
ingress:
  - from:
      - namespaceSelector: {matchLabels: {purpose: monitoring}}
        podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}`,
    ),
  },
  {
    name: 'allow-all-peer: `from: []` for kubelet probes',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
ingress:
  - from: []
    ports: [{port: 8080}]`,
    ),
    expected: [
      {
        code: 'allow-all-peer',
        severity: 'error',
        policy: 'app/web',
        rule: 'ingress[0]',
        message:
          /^ingress\[0\]\.from of app\/web is empty: the rule admits every source .* on TCP 8080\. If it is there for kubelet probes, remove it/,
      },
    ],
    fixed: policy('web', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]`),
  },
  {
    name: 'allow-all-peer: an ingress rule without from, and an egress rule without to',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
ingress:
  - ports: [{port: 8080}]
egress:
  - {}`,
    ),
    expected: [
      {
        code: 'allow-all-peer',
        severity: 'error',
        rule: 'ingress[0]',
        message: /ingress\[0\]\.from of app\/web is missing/,
      },
      {
        code: 'allow-all-peer',
        severity: 'error',
        rule: 'egress[0]',
        message:
          /egress\[0\]\.to of app\/web is missing: the rule lets the pods reach every destination .* on every port/,
      },
    ],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
ingress:
  - from: [{podSelector: {matchLabels: {app: worker}}}]
    ports: [{port: 8080}]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]`,
    ),
  },
  {
    name: 'allow-all-peer: ipBlock 0.0.0.0/0 and ::/0 as a source (error), as a destination (warning)',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
ingress:
  - from: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]
egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
    ports: [{port: 443}]`,
    ),
    expected: [
      {
        code: 'allow-all-peer',
        severity: 'error',
        rule: 'ingress[0].from[0]',
        message: /admits every external source/,
      },
      {
        code: 'allow-all-peer',
        severity: 'error',
        rule: 'ingress[0].from[1]',
        message: /ipBlock ::\/0 without except/,
      },
      { code: 'allow-all-peer', severity: 'warning', rule: 'egress[0].to[0]', message: /including private networks/ },
    ],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress, Egress]
ingress:
  - from: [{ipBlock: {cidr: 203.0.113.0/24}}]
egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]
    ports: [{port: 443}]`,
    ),
  },
  {
    name: 'allow-all-peer: not reported for rules the policyTypes switch off',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Ingress]
ingress:
  - {}`,
    ),
    expected: [{ code: 'allow-all-peer', severity: 'error', rule: 'ingress[0]' }],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
ingress:
  - {}`,
    ),
  },
  {
    name: 'namespace-wide-peer: a namespaceSelector without podSelector (a whole monitoring namespace)',
    broken: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
    ports: [{port: 8080}]`,
    ),
    expected: [
      {
        code: 'namespace-wide-peer',
        severity: 'warning',
        policy: 'app/web',
        rule: 'ingress[0].from[0]',
        message:
          /admits every pod of namespace monitoring \(in the inventory: monitoring\/grafana, monitoring\/prometheus\)/,
      },
    ],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
ingress:
  - from:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
        podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}
    ports: [{port: 8080}]`,
    ),
  },
  {
    name: 'namespace-wide-peer: `podSelector: {}` alone (its own namespace) and an empty namespaceSelector (every namespace)',
    broken: policy(
      'db',
      `podSelector: {matchLabels: {app: db}}
ingress:
  - from: [{podSelector: {}}]
  - from: [{namespaceSelector: {}}]`,
    ),
    expected: [
      {
        code: 'namespace-wide-peer',
        severity: 'warning',
        rule: 'ingress[0].from[0]',
        message: /every pod of namespace app \(its own\)/,
      },
      {
        code: 'namespace-wide-peer',
        severity: 'warning',
        rule: 'ingress[1].from[0]',
        message: /every pod of every namespace/,
      },
    ],
    fixed: policy(
      'db',
      `podSelector: {matchLabels: {app: db}}
ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]`,
    ),
  },
  {
    name: 'half-open-flow: egress allows, the destination ingress denies',
    broken:
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]`,
      ) + DENY_DB,
    expected: [
      {
        code: 'half-open-flow',
        severity: 'warning',
        policy: 'app/web',
        rule: 'egress[0]',
        message:
          /^app\/web → app\/db: TCP 5432 is allowed by the egress of the source \(app\/web egress\[0\]\) but denied by the ingress of the destination \(app\/db\)/,
      },
    ],
    fixed:
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]`,
      ) +
      policy(
        'db',
        `podSelector: {matchLabels: {app: db}}
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]`,
      ),
  },
  {
    name: 'half-open-flow: ingress allows, the source egress denies (named port resolved on the destination)',
    broken:
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5433}]`,
      ) +
      policy(
        'db',
        `podSelector: {matchLabels: {app: db}}
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]`,
      ),
    expected: [
      {
        code: 'half-open-flow',
        severity: 'warning',
        policy: 'app/db',
        rule: 'ingress[0]',
        message:
          /^app\/web → app\/db: TCP 5432 is allowed by the ingress of the destination \(app\/db ingress\[0\]\) but denied by the egress of the source \(app\/web\)/,
      },
      { code: 'half-open-flow', severity: 'warning', policy: 'app/web', rule: 'egress[0]', message: /TCP 5433/ },
    ],
    fixed:
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]`,
      ) +
      policy(
        'db',
        `podSelector: {matchLabels: {app: db}}
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]`,
      ),
  },
  {
    name: 'half-open-flow: not when the destination is not isolated for ingress',
    broken:
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]`,
      ) + DENY_DB,
    expected: [{ code: 'half-open-flow', severity: 'warning' }],
    fixed: policy(
      'web',
      `podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]`,
    ),
  },
  {
    name: 'unprotected-workload: a workload no policy of its namespace selects',
    broken: DENY_DB + policy('web', `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]`),
    expected: [
      {
        code: 'unprotected-workload',
        severity: 'warning',
        message: /^app\/worker is selected by no NetworkPolicy of namespace app/,
      },
    ],
    fixed: DENY_DB + policy('default-deny', `podSelector: {}\npolicyTypes: [Ingress, Egress]`),
  },
  {
    name: 'isolated-workload: a workload only a default-deny policy selects',
    broken:
      policy('default-deny', `podSelector: {}\npolicyTypes: [Ingress, Egress]`) +
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 53, protocol: UDP}]`,
      ) +
      policy(
        'db',
        `podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]`,
      ),
    expected: [
      {
        code: 'isolated-workload',
        severity: 'warning',
        message:
          /^app\/worker is selected only by policies that allow nothing \(app\/default-deny\): every connection to and from it is denied/,
      },
    ],
    fixed:
      policy('default-deny', `podSelector: {}\npolicyTypes: [Ingress, Egress]`) +
      policy(
        'web',
        `podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 53, protocol: UDP}]`,
      ) +
      policy(
        'db',
        `podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress]\ningress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]`,
      ) +
      policy(
        'worker',
        `podSelector: {matchLabels: {app: worker}}\npolicyTypes: [Egress]\negress:\n  - ports: [{port: 53, protocol: UDP}]`,
      ),
  },
];

describe('each finding code, triggered and fixed', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const broken = run(c.broken);
    for (const e of c.expected) {
      expect(
        broken.filter((f) => matches(f, e)),
        `${e.code} ${e.rule ?? ''} in ${JSON.stringify(broken, null, 1)}`,
      ).toHaveLength(1);
    }
    const fixed = run(c.fixed);
    for (const e of c.expected) {
      const again = fixed.filter(
        (f) => f.code === e.code && f.severity === e.severity && (e.policy === undefined || f.policy === e.policy),
      );
      expect(again, JSON.stringify(again, null, 1)).toEqual([]);
    }
  });

  it('a namespace without any policy gets one info finding, not one per workload', () => {
    const result = run(DENY_DB).filter((f) => f.severity === 'info');
    expect(result).toEqual([
      {
        code: 'unprotected-workload',
        severity: 'info',
        message: expect.stringMatching(
          /^Namespace kube-system has no NetworkPolicy: its workloads \(kube-system\/coredns\)/,
        ) as string,
      },
      {
        code: 'unprotected-workload',
        severity: 'info',
        message: expect.stringMatching(
          /^Namespace monitoring has no NetworkPolicy: its workloads \(monitoring\/grafana, monitoring\/prometheus\)/,
        ) as string,
      },
    ]);
  });

  it('findings are sorted by code (in FINDING_CODES order), then policy and rule', () => {
    const legacy = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'legacy', 'policies.yaml'), 'utf8');
    const result = run(legacy);
    const keys = result.map((f) => [FINDING_CODES.indexOf(f.code), f.policy ?? '', f.rule ?? ''] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(keys.map((k) => [k[0], k[1]])).toEqual(sorted.map((k) => [k[0], k[1]]));
    const rules = result.filter(
      (f) => f.policy === 'fineract-uat/fineract-network-policy' && f.code === 'peer-selects-nothing',
    );
    // Against the small inventory (no Fineract workload, no ingress-nginx namespace), in rule order.
    expect(rules.map((f) => f.rule)).toEqual([
      'egress[2].to[0]', // app=fineract-redis
      'egress[3].to[0]', // app=keycloak
      'egress[4].to[1]', // k8s-app=kube-dns in fineract-uat
      'ingress[0].from[0]', // ingress-nginx
      'ingress[1].from[0]', // app=fineract
      'ingress[2].from[0]', // namespace name=monitoring: no namespace has that label here
    ]);
  });
});

// ---- the legacy policy set: the seed's defects ----------------------------------------------------

describe('the legacy policy set with the seed’s defects', () => {
  const legacy = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'legacy', 'policies.yaml'), 'utf8');
  const workloads = loadManifestText(
    readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml'), 'utf8'),
    'fineract-workloads.yaml',
  );
  const { policies } = loadManifestText(legacy, 'legacy/policies.yaml');
  const analysis = analyze({ policies, namespaces: workloads.namespaces, workloads: workloads.workloads });
  const structural = findings(analysis, { namespaces: workloads.namespaces });
  // The seed's shape with uat's database subnets, the intent the legacy set was written for.
  const intent = intentFindings(
    analysis,
    readValuesFiles([join(REPO_ROOT, 'test', 'fixtures', 'values', 'seed-uat.yaml')]),
    {
      namespace: 'fineract-uat',
    },
  );
  const all = [...structural, ...intent];
  const find = (e: Expected) => all.filter((f) => matches(f, e));

  it.each<[string, Expected]>([
    [
      '`app: fineract` selects nothing',
      {
        code: 'policy-selects-nothing',
        severity: 'error',
        policy: 'fineract-uat/fineract-network-policy',
        message: /labels app=fineract.*app=fineract-read/,
      },
    ],
    [
      'rules naming `app: fineract` admit no one',
      {
        code: 'peer-selects-nothing',
        severity: 'warning',
        policy: 'fineract-uat/fineract-redis-network-policy',
        rule: 'ingress[0].from[0]',
      },
    ],
    [
      'DNS as two peers: the podSelector item matches nothing in fineract-uat',
      {
        code: 'peer-selects-nothing',
        severity: 'warning',
        policy: 'fineract-uat/keycloak-network-policy',
        rule: 'egress[2].to[1]',
        message: /run in namespace kube-system/,
      },
    ],
    [
      'DNS as two peers: the namespaceSelector item admits all of kube-system',
      {
        code: 'namespace-wide-peer',
        severity: 'warning',
        policy: 'fineract-uat/keycloak-network-policy',
        rule: 'egress[2].to[0]',
        message:
          /every pod of namespace kube-system \(in the inventory: kube-system\/coredns, kube-system\/metrics-server\)/,
      },
    ],
    [
      '`from: []` for kubelet probes',
      {
        code: 'allow-all-peer',
        severity: 'error',
        policy: 'fineract-uat/fineract-network-policy',
        rule: 'ingress[3]',
        message: /kubelet probes/,
      },
    ],
    [
      'monitoring as a whole namespace',
      {
        code: 'namespace-wide-peer',
        severity: 'warning',
        policy: 'fineract-uat/oauth2-proxy-network-policy',
        rule: 'ingress[1].from[0]',
        message:
          /every pod of namespace monitoring \(in the inventory: monitoring\/grafana, monitoring\/prometheus-kube-prometheus\)/,
      },
    ],
    [
      'OAuth2 Proxy → Redis is half-open',
      {
        code: 'half-open-flow',
        severity: 'warning',
        policy: 'fineract-uat/oauth2-proxy-network-policy',
        rule: 'egress[1]',
        message:
          /^fineract-uat\/oauth2-proxy → fineract-uat\/fineract-redis: TCP 6379 .*denied by the ingress of the destination \(fineract-uat\/fineract-redis-network-policy\)/,
      },
    ],
    [
      'the Fineract pods are unprotected',
      {
        code: 'unprotected-workload',
        severity: 'warning',
        message: /^fineract-uat\/fineract-read is selected by no NetworkPolicy/,
      },
    ],
    [
      'RDS behind "except 10.0.0.0/8" is unreachable',
      {
        code: 'missing-flow',
        severity: 'error',
        policy: 'fineract-uat/keycloak-network-policy',
        message:
          /^fineract-uat\/keycloak → 10\.20\.32\.0\/23, 10\.20\.34\.0\/24: TCP 5432 is declared by connections\.keycloak-to-rds but blocked/,
      },
    ],
    [
      'Fineract → Redis is blocked by the `app: fineract` peer',
      {
        code: 'missing-flow',
        severity: 'error',
        policy: 'fineract-uat/fineract-redis-network-policy',
        message:
          /declared by connections\.fineract-to-redis but blocked.*ingress\[0\] allows TCP 6379 only from pods app=fineract/,
      },
    ],
    [
      'Grafana reaches Redis metrics through the namespace-wide peer',
      {
        code: 'undeclared-flow',
        severity: 'error',
        policy: 'fineract-uat/fineract-redis-network-policy',
        rule: 'ingress[1]',
        message: /^monitoring\/grafana → fineract-uat\/fineract-redis: TCP 9121 is allowed/,
      },
    ],
    [
      'the unisolated Fineract pods accept anything',
      {
        code: 'undeclared-flow',
        severity: 'error',
        message:
          /^0\.0\.0\.0\/0 → fineract-uat\/fineract-batch, fineract-uat\/fineract-read, fineract-uat\/fineract-write: all ports are allowed/,
      },
    ],
  ])('%s', (_name, expected) => {
    expect(find(expected), JSON.stringify(all.map((f) => [f.code, f.policy, f.rule]))).toHaveLength(1);
  });

  it('has every finding code, and errors (verify exits 1)', () => {
    expect(new Set(all.map((f) => f.code))).toEqual(
      new Set([
        'policy-selects-nothing',
        'peer-selects-nothing',
        'allow-all-peer',
        'namespace-wide-peer',
        'half-open-flow',
        'unprotected-workload',
        'undeclared-flow',
        'missing-flow',
      ]),
    );
    expect(all.some((f) => f.severity === 'error')).toBe(true);
  });

  it('the same defects show on a synthesized inventory (no --workloads, no --values)', () => {
    const synthesized = synthesizeFromPolicies(policies);
    const codes = new Set(findings(analyze({ policies, ...synthesized }), synthesized).map((f) => f.code));
    // `app: fineract` now has a representative pod, so the selector problems cannot show; the rest do.
    expect(codes).toEqual(new Set(['allow-all-peer', 'namespace-wide-peer', 'half-open-flow', 'unprotected-workload']));
  });
});
