// Reading the inputs of verify/diff (src/verify/readers/load.ts): YAML streams, Lists, folders, standard
// input, every workload kind, and every kind of invalid input, each reported with `file:line`.
//
// Table-driven: a case is an input text and either the expected result or the expected problems
// (each a substring of one line of the InputError, with its file:line). Line numbers count from the
// first line after the opening backtick of each (dedented) text.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { loadManifests, loadManifestText, STDIN_NAME, type LoadedManifests } from '../src/verify/readers/load.ts';

/** Strips the common indentation and the first line break, so a case reads like its file. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** The problem lines of the InputError a load throws (fails when it does not throw one). */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).fix).toBeTruthy();
    const lines = (error as InputError).message.split('\n');
    return lines.length === 1 ? lines : lines.slice(1).map((l) => l.trim());
  }
  throw new Error('expected an InputError, but the input loaded');
}

async function problemsOfAsync(load: () => Promise<unknown>): Promise<string[]> {
  let failure: Error | undefined;
  try {
    await load();
  } catch (error) {
    failure = error as Error;
  }
  return problemsOf(() => {
    throw failure ?? new Error('expected an InputError, but the input loaded');
  });
}

/** What a load returns, without `objects` (checked against the counts of everything read). */
type Loaded = Omit<LoadedManifests, 'objects'>;
const EMPTY: Loaded = {
  policies: [],
  namespaces: [],
  workloads: [],
  ignored: [],
  unanalysed: [],
  warnings: [],
  notes: [],
};

/** The load without `objects`, after checking that it counts every object read (List items, not Lists). */
function withoutCount(loaded: LoadedManifests): Loaded {
  const { objects, ...rest } = loaded;
  const counted = (kinds: { count: number }[]) => kinds.reduce((n, k) => n + k.count, 0);
  expect(objects).toBe(
    loaded.policies.length +
      loaded.namespaces.length +
      loaded.workloads.length +
      counted(loaded.ignored) +
      counted(loaded.unanalysed),
  );
  return rest;
}

// ---- Valid inputs ----------------------------------------------------------------------------

type ValidCase = { name: string; text: string; file?: string; defaultNamespace?: string; expected: unknown };

const VALID: ValidCase[] = [
  {
    name: 'empty input, comments and empty documents',
    text: dedent(`
      # nothing here
      ---
      ---
      # Source: chart/templates/empty.yaml
    `),
    expected: EMPTY,
  },
  {
    name: 'a multi-document stream, as helm template prints it',
    text: dedent(`
      ---
      # Source: chart/templates/a.yaml
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: a
        namespace: fineract
      spec:
        podSelector: {matchLabels: {app: a}}
        policyTypes: [Ingress]
      ---
      # Source: chart/templates/b.yaml
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: b, creationTimestamp: 2024-05-01T10:00:00Z}
      spec:
        podSelector: {}
    `),
    expected: {
      ...EMPTY,
      policies: [
        {
          namespace: 'fineract',
          name: 'a',
          podSelector: { matchLabels: { app: 'a' } },
          policyTypes: ['Ingress'],
          source: { file: 'case.yaml', line: 3 },
        },
        { namespace: 'default', name: 'b', podSelector: {}, source: { file: 'case.yaml', line: 13 } },
      ],
    },
  },
  {
    name: 'every field of a NetworkPolicy, nulls dropped',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: full, namespace: ns, labels: {team: core}, creationTimestamp: null}
      spec:
        podSelector:
          matchLabels: {app.kubernetes.io/name: api}
          matchExpressions:
            - {key: tier, operator: In, values: [web, api]}
            - {key: canary, operator: DoesNotExist}
        policyTypes: [Ingress, Egress]
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
                podSelector: {matchLabels: {app: nginx}}
              - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
            ports:
              - {port: 8080}
              - {port: http, protocol: TCP}
              - {port: 9000, endPort: 9100, protocol: UDP}
              - {protocol: SCTP}
          - {}
        egress:
          - to: [{ipBlock: {cidr: "2001:db8::/32"}}]
            ports: null
          - to: []
    `),
    expected: {
      ...EMPTY,
      policies: [
        {
          namespace: 'ns',
          name: 'full',
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'api' },
            matchExpressions: [
              { key: 'tier', operator: 'In', values: ['web', 'api'] },
              { key: 'canary', operator: 'DoesNotExist' },
            ],
          },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
                  podSelector: { matchLabels: { app: 'nginx' } },
                },
                { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
              ],
              ports: [
                { port: 8080 },
                { port: 'http', protocol: 'TCP' },
                { port: 9000, endPort: 9100, protocol: 'UDP' },
                { protocol: 'SCTP' },
              ],
            },
            {},
          ],
          egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32' } }] }, { to: [] }],
          source: { file: 'case.yaml', line: 1 },
        },
      ],
    },
  },
  {
    name: 'a NetworkPolicy without spec.podSelector selects every pod (the schema and the API server accept it)',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: no-selector}
      spec:
        policyTypes: [Egress]
    `),
    expected: {
      ...EMPTY,
      policies: [
        {
          namespace: 'default',
          name: 'no-selector',
          podSelector: {},
          policyTypes: ['Egress'],
          source: { file: 'case.yaml', line: 1 },
        },
      ],
    },
  },
  {
    name: 'defaultNamespace for objects without metadata.namespace',
    defaultNamespace: 'fineract-uat',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: p}
      spec: {podSelector: {}}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: pod, namespace: other}
    `),
    expected: {
      ...EMPTY,
      policies: [{ namespace: 'fineract-uat', name: 'p', podSelector: {}, source: { file: 'case.yaml', line: 1 } }],
      workloads: [
        { namespace: 'other', name: 'pod', kind: 'Pod', labels: {}, ports: [], source: { file: 'case.yaml', line: 6 } },
      ],
    },
  },
  {
    name: 'every workload kind: the pod template is the pod',
    text: dedent(`
      apiVersion: v1
      kind: Pod
      metadata: {name: pod, labels: {app: pod}}
      spec:
        containers:
          - name: main
            ports: [{containerPort: 80, name: http}, {containerPort: 53, protocol: UDP}]
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: deploy, namespace: ns, labels: {ignored: "yes"}}
      spec:
        template:
          metadata: {labels: {app: deploy}}
          spec:
            initContainers:
              - name: migrate
                ports: [{containerPort: 1111}]
              - name: proxy-sidecar
                restartPolicy: Always
                ports: [{containerPort: 15001, name: proxy}]
            containers:
              - ports: [{containerPort: 8080, name: web, protocol: TCP}]
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: sts}
      spec: {template: {metadata: {labels: {app: sts}}, spec: {containers: [{ports: [{containerPort: 6379}]}]}}}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: ds}
      spec: {template: {metadata: {labels: {app: ds}}, spec: {containers: [{name: agent}]}}}
      ---
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata: {name: rs}
      spec: {template: {metadata: {labels: {app: rs}}}}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: job}
      spec: {template: {metadata: {labels: {app: job}}, spec: {containers: [{ports: [{containerPort: 9000, protocol: SCTP}]}]}}}
      ---
      apiVersion: v1
      kind: ReplicationController
      metadata: {name: rc}
      spec: {template: {metadata: {labels: {app: rc}}}}
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: cron}
      spec:
        schedule: "0 * * * *"
        jobTemplate:
          spec:
            template:
              metadata: {labels: {app: cron}}
              spec: {containers: [{ports: [{containerPort: 7000}]}]}
    `),
    expected: {
      ...EMPTY,
      workloads: [
        {
          namespace: 'default',
          name: 'pod',
          kind: 'Pod',
          labels: { app: 'pod' },
          ports: [
            { name: 'http', containerPort: 80, protocol: 'TCP' },
            { containerPort: 53, protocol: 'UDP' },
          ],
          source: { file: 'case.yaml', line: 1 },
        },
        {
          namespace: 'ns',
          name: 'deploy',
          kind: 'Deployment',
          labels: { app: 'deploy' },
          ports: [
            { name: 'web', containerPort: 8080, protocol: 'TCP' },
            { name: 'proxy', containerPort: 15001, protocol: 'TCP' },
          ],
          source: { file: 'case.yaml', line: 9 },
        },
        {
          namespace: 'default',
          name: 'sts',
          kind: 'StatefulSet',
          labels: { app: 'sts' },
          ports: [{ containerPort: 6379, protocol: 'TCP' }],
          source: { file: 'case.yaml', line: 25 },
        },
        {
          namespace: 'default',
          name: 'ds',
          kind: 'DaemonSet',
          labels: { app: 'ds' },
          ports: [],
          source: { file: 'case.yaml', line: 30 },
        },
        {
          namespace: 'default',
          name: 'rs',
          kind: 'ReplicaSet',
          labels: { app: 'rs' },
          ports: [],
          source: { file: 'case.yaml', line: 35 },
        },
        {
          namespace: 'default',
          name: 'job',
          kind: 'Job',
          labels: { app: 'job' },
          ports: [{ containerPort: 9000, protocol: 'SCTP' }],
          source: { file: 'case.yaml', line: 40 },
        },
        {
          namespace: 'default',
          name: 'rc',
          kind: 'ReplicationController',
          labels: { app: 'rc' },
          ports: [],
          source: { file: 'case.yaml', line: 45 },
        },
        {
          namespace: 'default',
          name: 'cron',
          kind: 'CronJob',
          labels: { app: 'cron' },
          ports: [{ containerPort: 7000, protocol: 'TCP' }],
          source: { file: 'case.yaml', line: 50 },
        },
      ],
    },
  },
  {
    name: 'namespaces with their labels',
    text: dedent(`
      apiVersion: v1
      kind: Namespace
      metadata: {name: fineract, labels: {env: uat, kubernetes.io/metadata.name: fineract}}
      ---
      apiVersion: v1
      kind: Namespace
      metadata: {name: bare}
    `),
    expected: {
      ...EMPTY,
      namespaces: [
        { name: 'fineract', labels: { env: 'uat', 'kubernetes.io/metadata.name': 'fineract' } },
        { name: 'bare', labels: {} },
      ],
    },
  },
  {
    name: 'kind: List and …List kinds: their items',
    text: dedent(`
      apiVersion: v1
      kind: List
      items:
        - apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: in-list, namespace: ns}
          spec: {podSelector: {}}
        - apiVersion: v1
          kind: Service
          metadata: {name: svc}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicyList
      items:
        - apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: in-typed-list, namespace: ns}
          spec: {podSelector: {}}
      ---
      apiVersion: v1
      kind: List
      items: []
      ---
      # kubectl's wrapper without its apiVersion, as hand-made inventories write it
      kind: List
      items:
        - apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: in-bare-list, namespace: ns}
          spec: {podSelector: {}}
    `),
    expected: {
      ...EMPTY,
      policies: [
        { namespace: 'ns', name: 'in-list', podSelector: {}, source: { file: 'case.yaml', line: 4 } },
        { namespace: 'ns', name: 'in-typed-list', podSelector: {}, source: { file: 'case.yaml', line: 15 } },
        { namespace: 'ns', name: 'in-bare-list', podSelector: {}, source: { file: 'case.yaml', line: 27 } },
      ],
      ignored: [{ kind: 'Service', count: 1 }],
    },
  },
  {
    name: 'everything else counted by kind, sorted; other API groups of the same kinds too',
    text: dedent(`
      apiVersion: v1
      kind: Service
      metadata: {name: a}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: b}
      data: {x: "1"}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: c}
      ---
      apiVersion: crd.projectcalico.org/v1
      kind: NetworkPolicy
      metadata: {name: calico}
      spec: {selector: all(), ingress: [{action: Allow}]}
      ---
      apiVersion: argoproj.io/v1alpha1
      kind: Deployment
      metadata: {name: not-apps}
    `),
    expected: {
      ...EMPTY,
      ignored: [
        { kind: 'ConfigMap', count: 1 },
        { kind: 'Deployment (argoproj.io/v1alpha1)', count: 1 },
        { kind: 'Service', count: 2 },
      ],
      // A Calico policy changes connectivity: not analysed, and said so.
      unanalysed: [{ kind: 'NetworkPolicy (crd.projectcalico.org/v1)', count: 1 }],
      warnings: [
        'case.yaml:14: NetworkPolicy (crd.projectcalico.org/v1) "calico" changes connectivity but is NOT analysed ' +
          '(verify reads NetworkPolicy and CiliumNetworkPolicy only): the result is wrong wherever it applies',
      ],
    },
  },
  {
    name: 'AdminNetworkPolicy and BaselineAdminNetworkPolicy: not analysed, warned about',
    text: dedent(`
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: AdminNetworkPolicy
      metadata: {name: anp}
      ---
      apiVersion: policy.networking.k8s.io/v1alpha1
      kind: BaselineAdminNetworkPolicy
      metadata: {name: default}
      ---
      apiVersion: example.com/v1
      kind: AdminNetworkPolicy
      metadata: {name: a-crd-of-ones-own}
    `),
    expected: {
      ...EMPTY,
      ignored: [{ kind: 'AdminNetworkPolicy', count: 1 }],
      unanalysed: [
        { kind: 'AdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)', count: 1 },
        { kind: 'BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)', count: 1 },
      ],
      warnings: [
        'case.yaml:1: AdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) "anp" changes connectivity but is NOT analysed (verify reads NetworkPolicy and CiliumNetworkPolicy only): the result is wrong wherever it applies',
        'case.yaml:5: BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) "default" changes connectivity but is NOT analysed (verify reads NetworkPolicy and CiliumNetworkPolicy only): the result is wrong wherever it applies',
      ],
    },
  },
  {
    name: 'typed lists as the API returns them: items without apiVersion and kind',
    text: dedent(`
      apiVersion: v1
      kind: NamespaceList
      metadata: {resourceVersion: "1"}
      items:
        - metadata: {name: typed, labels: {team: a}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicyList
      items:
        - metadata: {name: from-list, namespace: typed}
          spec: {podSelector: {}}
    `),
    expected: {
      ...EMPTY,
      namespaces: [{ name: 'typed', labels: { team: 'a' } }],
      policies: [{ namespace: 'typed', name: 'from-list', podSelector: {}, source: { file: 'case.yaml', line: 10 } }],
    },
  },
  {
    name: 'documents that are not Kubernetes objects: skipped with a warning naming them',
    text: dedent(`
      apiVersion: v1
      kind: Namespace
      metadata: {name: ok}
      ---
      just some text
      ---
      metadata: {name: x}
      spec: {}
      ---
      - a list
      ---
      apiVersion: v1
      kind: List
      items:
        - metadata: {name: no-kind-in-a-plain-list}
    `),
    expected: {
      ...EMPTY,
      namespaces: [{ name: 'ok', labels: {} }],
      warnings: [
        'case.yaml:5: the document is "just some text", not a Kubernetes object: skipped',
        'case.yaml:7: not a Kubernetes object (no kind and no apiVersion): skipped',
        'case.yaml:10: the document is a list, not a Kubernetes object: skipped',
        'case.yaml:15: not a Kubernetes object (no kind and no apiVersion): skipped',
      ],
    },
  },
  {
    name: 'the same object twice with the same content is read once (two files applied, a Namespace twice)',
    text: dedent(`
      apiVersion: v1
      kind: Namespace
      metadata: {name: twice, labels: {a: b}}
      ---
      apiVersion: v1
      kind: Namespace
      metadata: {labels: {a: b}, name: twice, annotations: {note: differs, but verify reads no annotation}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: twice, namespace: twice}
      spec: {podSelector: {}, policyTypes: [Ingress]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: twice, namespace: twice}
      spec: {policyTypes: [Ingress], podSelector: {}}
    `),
    expected: {
      ...EMPTY,
      namespaces: [{ name: 'twice', labels: { a: 'b' } }],
      policies: [
        {
          namespace: 'twice',
          name: 'twice',
          podSelector: {},
          policyTypes: ['Ingress'],
          source: { file: 'case.yaml', line: 9 },
        },
      ],
    },
  },
  {
    name: 'a JSON file (kubectl get -o json)',
    file: 'policies.json',
    text: dedent(`
      {
      \t"apiVersion": "v1",
      \t"kind": "List",
      \t"items": [
      \t\t{
      \t\t\t"apiVersion": "networking.k8s.io/v1",
      \t\t\t"kind": "NetworkPolicy",
      \t\t\t"metadata": {"name": "from-json", "namespace": "ns"},
      \t\t\t"spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}
      \t\t}
      \t]
      }
    `),
    expected: {
      ...EMPTY,
      policies: [
        {
          namespace: 'ns',
          name: 'from-json',
          podSelector: {},
          ingress: [{ ports: [{ port: 443 }] }],
          source: { file: 'policies.json', line: 5 },
        },
      ],
    },
  },
];

describe('loadManifestText: valid inputs', () => {
  it.each(VALID)('$name', ({ text, file, defaultNamespace, expected }) => {
    const options = defaultNamespace ? { defaultNamespace } : {};
    expect(withoutCount(loadManifestText(text, file ?? 'case.yaml', options))).toEqual(expected);
  });

  it('is deterministic and does not share state between loads', () => {
    const text = VALID.map((c) => (c.file ? '' : c.text)).join('\n---\n');
    const first = loadManifestText(text, 'all.yaml');
    expect(loadManifestText(text, 'all.yaml')).toEqual(first);
    expect(first.policies.length).toBeGreaterThan(3);
    expect(first.workloads.length).toBe(9);
  });
});

// ---- Invalid inputs --------------------------------------------------------------------------

type InvalidCase = { name: string; text: string; problems: string[] };

/** A NetworkPolicy whose spec (given from line 5 on, indented by two) is the case. */
function policy(spec: string): string {
  return (
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n' +
    dedent(spec)
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n')
  );
}

const INVALID: InvalidCase[] = [
  {
    name: 'invalid YAML, with the parser line and column',
    text: dedent(`
      apiVersion: v1
      kind: Namespace
      metadata: {name: [x}
    `),
    problems: ['case.yaml:3:20: invalid YAML: '],
  },
  {
    name: 'a tab as indentation',
    text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n',
    problems: ['case.yaml:4:1: invalid YAML: Tabs are not allowed as indentation'],
  },
  {
    name: 'a duplicate key',
    text: dedent(`
      apiVersion: v1
      kind: Namespace
      kind: Pod
    `),
    problems: ['case.yaml:3:1: invalid YAML: Map keys must be unique'],
  },
  {
    name: 'a kind without apiVersion (kubectl: "apiVersion not set")',
    text: dedent(`
      kind: Namespace
      metadata: {name: x}
    `),
    problems: ['case.yaml:1: apiVersion: is required'],
  },
  {
    name: 'a peer {}',
    text: policy(`
      ingress:
        - from:
            - {}
    `),
    problems: ['case.yaml:7: spec.ingress[0].from[0]: must specify a peer'],
  },
  {
    name: 'a peer with only null fields',
    text: policy(`
      egress:
        - to:
            - podSelector: null
    `),
    problems: ['case.yaml:7: spec.egress[0].to[0]: must specify a peer'],
  },
  {
    name: 'ipBlock with podSelector in one peer',
    text: policy(`
      ingress:
        - from:
            - ipBlock: {cidr: 10.0.0.0/8}
              podSelector: {}
    `),
    problems: ['case.yaml:7: spec.ingress[0].from[0]: may not specify both ipBlock and podSelector'],
  },
  {
    name: 'ipBlock with namespaceSelector in one peer',
    text: policy(`
      egress:
        - to:
            - namespaceSelector: {}
              ipBlock: {cidr: 10.0.0.0/8}
    `),
    problems: ['case.yaml:7: spec.egress[0].to[0]: may not specify both ipBlock and namespaceSelector'],
  },
  {
    name: 'an except outside its cidr, and one equal to it',
    text: policy(`
      egress:
        - to:
            - ipBlock:
                cidr: 0.0.0.0/0
                except: [10.0.0.0/8]
            - ipBlock:
                cidr: 172.16.0.0/12
                except:
                  - 10.0.0.0/8
                  - 172.16.0.0/12
                  - 172.16.1.0/24
                  - fd00::/8
    `),
    problems: [
      'case.yaml:13: spec.egress[0].to[1].ipBlock.except[0]: "10.0.0.0/8" must be a strict subset of cidr "172.16.0.0/12"',
      'case.yaml:14: spec.egress[0].to[1].ipBlock.except[1]: "172.16.0.0/12" must be a strict subset',
      'case.yaml:16: spec.egress[0].to[1].ipBlock.except[3]: "fd00::/8" must be a strict subset',
    ],
  },
  {
    name: 'invalid CIDRs',
    text: policy(`
      egress:
        - to:
            - ipBlock: {cidr: 10.0.0.0/33}
            - ipBlock: {cidr: 10.0.0.1}
            - ipBlock: {cidr: not-a-cidr}
            - ipBlock: {cidr: 1.2.3/24}
            - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/x]}
            - ipBlock: {cidr: ""}
            - ipBlock: {}
    `),
    problems: [
      'case.yaml:7: spec.egress[0].to[0].ipBlock.cidr: "10.0.0.0/33" must be a valid CIDR value',
      'case.yaml:8: spec.egress[0].to[1].ipBlock.cidr: must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64): the mask is missing in "10.0.0.1". Did you mean "10.0.0.1/32"?',
      'case.yaml:9: spec.egress[0].to[2].ipBlock.cidr: "not-a-cidr" must be a valid CIDR value',
      'case.yaml:10: spec.egress[0].to[3].ipBlock.cidr: "1.2.3/24" must be a valid CIDR value',
      'case.yaml:11: spec.egress[0].to[4].ipBlock.except[0]: "10.0.0.0/x" must be a valid CIDR value',
      'case.yaml:12: spec.egress[0].to[5].ipBlock.cidr: is required',
      'case.yaml:13: spec.egress[0].to[6].ipBlock.cidr: is required',
    ],
  },
  {
    name: 'protocol HTTP (from the OpenAPI schema, reported once)',
    text: policy(`
      ingress:
        - ports:
            - port: 80
              protocol: HTTP
    `),
    problems: ['case.yaml:8: spec.ingress[0].ports[0].protocol: must be one of SCTP, TCP, UDP (got "HTTP")'],
  },
  {
    name: 'port 0 and port 65536',
    text: policy(`
      ingress:
        - ports: [{port: 0}]
      egress:
        - ports:
            - {port: 65536}
    `),
    problems: [
      'case.yaml:6: spec.ingress[0].ports[0].port: 0 must be between 1 and 65535, inclusive',
      'case.yaml:9: spec.egress[0].ports[0].port: 65536 must be between 1 and 65535, inclusive',
    ],
  },
  {
    name: 'endPort below port',
    text: policy(`
      egress:
        - ports:
            - port: 9100
              endPort: 9000
    `),
    problems: ['case.yaml:8: spec.egress[0].ports[0].endPort: 9000 must be greater than or equal to port (9100)'],
  },
  {
    name: 'endPort with a named port, and without a port',
    text: policy(`
      egress:
        - ports:
            - {port: http, endPort: 90}
            - {protocol: UDP, endPort: 90}
    `),
    problems: [
      'case.yaml:7: spec.egress[0].ports[0].endPort: may not be specified when port is a name ("http")',
      'case.yaml:8: spec.egress[0].ports[1].endPort: may not be specified when port is not specified',
    ],
  },
  {
    name: 'a port that is neither a number nor a name',
    text: policy(`
      ingress:
        - ports:
            - port: true
            - port: "8080"
            - port: Http
            - port: my--very-long-port-name
    `),
    problems: [
      'case.yaml:7: spec.ingress[0].ports[0].port: must be an integer or a string (got true)',
      'case.yaml:8: spec.ingress[0].ports[1].port: "8080" is not a valid port name: must contain at least one letter (a-z): for a port number, write 8080 without quotes',
      'case.yaml:9: spec.ingress[0].ports[2].port: "Http" is not a valid port name: must contain only a-z, 0-9 and "-"',
      'case.yaml:10: spec.ingress[0].ports[3].port: "my--very-long-port-name" is not a valid port name: must be no more than 15 characters; must not contain consecutive hyphens',
    ],
  },
  {
    name: 'a bad policyType, and too many',
    text: policy(`
      policyTypes: [Ingress, ingress]
    `).concat('\n---\n', policy('policyTypes: [Ingress, Egress, Ingress]').replace('name: p', 'name: q')),
    problems: [
      'case.yaml:5: spec.policyTypes[1]: must be one of Egress, Ingress (got "ingress")',
      'case.yaml:12: spec.policyTypes: may not specify more than two policyTypes',
    ],
  },
  {
    name: 'matchExpressions: In without values, Exists with values, an unknown operator, a missing key',
    text: policy(`
      podSelector:
        matchExpressions:
          - {key: tier, operator: In}
          - {key: tier, operator: NotIn, values: []}
          - {key: canary, operator: Exists, values: ["true"]}
          - {key: tier, operator: Equals, values: [web]}
          - {operator: Exists}
    `),
    problems: [
      'case.yaml:7: spec.podSelector.matchExpressions[0].values: must be specified when operator is In',
      'case.yaml:8: spec.podSelector.matchExpressions[1].values: must be specified when operator is NotIn',
      'case.yaml:9: spec.podSelector.matchExpressions[2].values: may not be specified when operator is Exists',
      'case.yaml:10: spec.podSelector.matchExpressions[3].operator: "Equals" is not a valid selector operator',
      'case.yaml:11: spec.podSelector.matchExpressions[4].key: is required',
    ],
  },
  {
    name: 'invalid label keys and values in selectors',
    text: policy(`
      podSelector:
        matchLabels:
          app: fineract read
          -bad-key: x
      ingress:
        - from:
            - namespaceSelector:
                matchExpressions:
                  - {key: "a/b/c", operator: Exists}
                  - {key: env, operator: In, values: [ok, "not ok"]}
    `),
    problems: [
      'case.yaml:7: spec.podSelector.matchLabels[app]: label value "fineract read" must be empty or at most 63 characters',
      'case.yaml:8: spec.podSelector.matchLabels[-bad-key]: label key "-bad-key" must be a qualified name',
      'case.yaml:13: spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].key: "a/b/c" must be a qualified name',
      'case.yaml:14: spec.ingress[0].from[0].namespaceSelector.matchExpressions[1].values[1]: "not ok" must be empty or at most 63',
    ],
  },
  {
    name: 'a label value that YAML 1.1 reads as a boolean, as kubectl does',
    text: policy(`
      podSelector:
        matchLabels: {enabled: yes}
    `),
    problems: ['case.yaml:6: spec.podSelector.matchLabels[enabled]: must be a string (got true)'],
  },
  {
    name: 'unknown fields (a typo that would allow everything)',
    text: policy(`
      podSelector: {}
      ingress:
        - form:
            - podSelector: {}
      egress:
        - to:
            - ipblock: {cidr: 10.0.0.0/8}
      ingres: []
    `),
    problems: [
      'case.yaml:7: spec.ingress[0].form: unknown field (did you mean "from"?)',
      'case.yaml:11: spec.egress[0].to[0].ipblock: unknown field (did you mean "ipBlock"?)',
      'case.yaml:11: spec.egress[0].to[0]: must specify a peer',
      'case.yaml:12: spec.ingres: unknown field (did you mean "ingress"?)',
    ],
  },
  {
    name: 'wrong types from the OpenAPI schema: from as a mapping, spec as a list',
    text: policy(`
      ingress:
        - from: {podSelector: {}}
    `).concat('\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: q}\nspec: []\n'),
    problems: [
      'case.yaml:6: spec.ingress[0].from: must be a list (got a mapping)',
      'case.yaml:12: spec: must be a mapping (got a list)',
    ],
  },
  {
    name: 'metadata: a missing name, an invalid name and namespace; an invalid Namespace name',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {namespace: ns}
      spec: {podSelector: {}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: Fineract_Policy
        namespace: Fineract
      spec: {podSelector: {}}
      ---
      apiVersion: v1
      kind: Namespace
      metadata: {name: fineract.uat}
    `),
    problems: [
      'case.yaml:3: metadata.name: is required',
      'case.yaml:9: metadata.name: "Fineract_Policy" must be a DNS-1123 subdomain',
      'case.yaml:10: metadata.namespace: "Fineract" must be a DNS-1123 label',
      'case.yaml:15: metadata.name: "fineract.uat" must be a DNS-1123 label',
    ],
  },
  {
    name: 'a NetworkPolicy of a removed API version',
    text: dedent(`
      apiVersion: extensions/v1beta1
      kind: NetworkPolicy
      metadata: {name: old}
      spec: {podSelector: {}}
    `),
    problems: [
      'case.yaml:1: apiVersion: extensions/v1beta1 NetworkPolicy is no longer served: use networking.k8s.io/v1',
    ],
  },
  {
    name: 'the same NetworkPolicy twice',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: twice, namespace: ns}
      spec: {podSelector: {}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: twice, namespace: ns}
      spec: {podSelector: {}, policyTypes: [Egress]}
    `),
    problems: [
      'case.yaml:6: NetworkPolicy ns/twice is defined twice with different content (first at case.yaml:1): remove one',
    ],
  },
  {
    name: 'workloads: no pod template, bad container ports, a numeric label value',
    text: dedent(`
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: no-template}
      spec: {replicas: 1}
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: bad-ports}
      spec:
        template:
          metadata:
            labels: {app: db, version: 1.0}
          spec:
            containers:
              - ports:
                  - {containerPort: 0}
                  - {containerPort: 5432, protocol: tcp}
                  - {containerPort: 5433, name: Postgres}
                  - {name: metrics}
      ---
      apiVersion: v1
      kind: Pod
    `),
    problems: [
      'case.yaml:4: spec.template: is required',
      'case.yaml:12: spec.template.metadata.labels[version]: must be a string (got 1): quote it',
      'case.yaml:16: spec.template.spec.containers[0].ports[0].containerPort: 0 must be between 1 and 65535',
      'case.yaml:17: spec.template.spec.containers[0].ports[1].protocol: must be TCP, UDP or SCTP (got "tcp")',
      'case.yaml:18: spec.template.spec.containers[0].ports[2].name: "Postgres" is not a valid port name',
      'case.yaml:19: spec.template.spec.containers[0].ports[3].containerPort: is required',
      'case.yaml:21: metadata.name: is required',
    ],
  },
  {
    name: 'a List whose items are not a list, and an item that is not an object',
    text: dedent(`
      apiVersion: v1
      kind: List
      items: {a: 1}
      ---
      apiVersion: v1
      kind: List
      items:
        - just text
    `),
    problems: [
      'case.yaml:3: items: must be a list (got a mapping)',
      'case.yaml:8: items[0]: must be a mapping (a Kubernetes object), got "just text"',
    ],
  },
  {
    name: 'every problem of a stream at once, in line order',
    text: dedent(`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: one}
      spec:
        ingress: [{from: [{}]}]
      ---
      : : bad yaml [
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: two}
      spec:
        egress: [{ports: [{port: 0}]}]
    `),
    problems: [
      'case.yaml:5: spec.ingress[0].from[0]: must specify a peer',
      'case.yaml:7:',
      'case.yaml:13: spec.egress[0].ports[0].port: 0 must be between 1 and 65535',
    ],
  },
];

describe('loadManifestText: invalid inputs', () => {
  it('has at least 15 cases', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(15);
  });

  it.each(INVALID)('$name', ({ text, problems }) => {
    const lines = problemsOf(() => loadManifestText(text, 'case.yaml'));
    expect(lines).toHaveLength(problems.length);
    problems.forEach((expected, i) => {
      expect(lines[i]).toContain(expected);
      expect(lines[i]).toMatch(/^case\.yaml:\d+(:\d+)?: /);
    });
  });

  it('names the single problem on the first line, without a count', () => {
    const lines = problemsOf(() => loadManifestText(policy('ingress: [{from: [{}]}]'), 'one.yaml'));
    expect(lines).toEqual([
      expect.stringMatching(/^one\.yaml:5: spec\.ingress\[0\]\.from\[0\]: must specify a peer/) as unknown,
    ]);
  });

  it('never leaks a stack trace or a partial result: a valid object beside an invalid one is not returned', () => {
    const text = `${policy('podSelector: {}')}\n---\n${policy('ingress: [{from: [{}]}]').replace('name: p', 'name: q')}`;
    let caught: unknown;
    try {
      loadManifestText(text, 'mixed.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).not.toMatch(/\bat .*\.ts:\d+/);
    expect((caught as InputError).message).toContain('mixed.yaml:11: spec.ingress[0].from[0]');
  });
});

// ---- Files, folders and standard input -------------------------------------------------------

const NAMESPACE = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

describe('loadManifests: files, folders and standard input', () => {
  const root = mkdtempSync(join(tmpdir(), 'verify-load-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const folder = join(root, 'manifests');
  mkdirSync(join(folder, 'sub', 'z'), { recursive: true });
  mkdirSync(join(folder, '.hidden'), { recursive: true });
  writeFileSync(join(folder, 'b.yaml'), policy('podSelector: {}').replace('name: p', 'name: b'));
  writeFileSync(join(folder, 'a.yml'), NAMESPACE('a'));
  writeFileSync(
    join(folder, 'sub', 'c.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', labels: { app: 'c' } } }, null, 2),
  );
  writeFileSync(join(folder, 'sub', 'z', 'd.yaml'), NAMESPACE('d'));
  writeFileSync(join(folder, 'sub', 'notes.txt'), 'not a manifest: {');
  writeFileSync(join(folder, '.hidden', 'ci.yaml'), 'on: push\njobs: {}\n');
  symlinkSync(folder, join(folder, 'sub', 'loop'));

  it('reads a folder recursively, in path order, skipping other files, hidden folders and loops', async () => {
    const loaded = await loadManifests([folder]);
    expect(loaded.namespaces.map((n) => n.name)).toEqual(['a', 'd']);
    expect(loaded.policies.map((p) => p.source)).toEqual([{ file: join(folder, 'b.yaml'), line: 1 }]);
    expect(loaded.workloads).toEqual([
      {
        namespace: 'default',
        name: 'c',
        kind: 'Pod',
        labels: { app: 'c' },
        ports: [],
        source: { file: join(folder, 'sub', 'c.json'), line: 1 },
      },
    ]);
  });

  it('reads files and folders in the order given, a file reached twice once', async () => {
    const file = join(root, 'extra.yaml');
    writeFileSync(file, NAMESPACE('extra'));
    const loaded = await loadManifests([file, folder, join(folder, 'a.yml'), file]);
    expect(loaded.namespaces.map((n) => n.name)).toEqual(['extra', 'a', 'd']);
  });

  it('reads standard input for -, once however often it is named', async () => {
    let reads = 0;
    const readStdin = () => {
      reads += 1;
      return Promise.resolve(policy('podSelector: {}'));
    };
    const loaded = await loadManifests(['-', '-'], { readStdin, defaultNamespace: 'ns' });
    expect(reads).toBe(1);
    expect(loaded.policies).toEqual([
      { namespace: 'ns', name: 'p', podSelector: {}, source: { file: STDIN_NAME, line: 1 } },
    ]);
  });

  it('reads the real standard input', () => {
    const script = `import { loadManifests } from ${JSON.stringify(join(REPO_ROOT, 'src', 'verify', 'readers', 'load.ts'))};
      const loaded = await loadManifests(['-']);
      process.stdout.write(JSON.stringify(loaded.namespaces));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      input: NAMESPACE('from-stdin'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([{ name: 'from-stdin', labels: {} }]);
  });

  it('reports unreadable paths, empty folders and the problems of every file in one error', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: [\n');
    const badPolicy = join(root, 'bad-policy.yaml');
    writeFileSync(badPolicy, policy('ingress: [{from: [{}]}]'));
    const lines = await problemsOfAsync(() =>
      loadManifests([join(root, 'missing.yaml'), empty, bad, badPolicy, folder]),
    );
    expect(lines).toEqual([
      `${join(root, 'missing.yaml')}: cannot read: no such file or folder`,
      `${empty}: folder holds no .yaml, .yml, .json file`,
      expect.stringMatching(new RegExp(`^${bad.replaceAll('.', '\\.')}:4:1: invalid YAML: `)) as unknown,
      `${badPolicy}:5: spec.ingress[0].from[0]: must specify a peer: podSelector, namespaceSelector or ipBlock (an empty peer is refused; to allow every peer, leave out the whole from/to list)`,
    ]);
  });

  it('refuses an empty list of paths', async () => {
    await expect(loadManifests([])).rejects.toThrow(InputError);
  });

  it('reports a failing standard input as a problem', async () => {
    const readStdin = () => Promise.reject(new Error('broken pipe'));
    const lines = await problemsOfAsync(() => loadManifests(['-'], { readStdin }));
    expect(lines).toEqual([`${STDIN_NAME}: cannot read standard input: broken pipe`]);
  });
});

// ---- Scale -----------------------------------------------------------------------------------

describe('loadManifestText: scale', () => {
  // Speed is measured by bench/ (docs/benchmarks.md), not asserted here: this checks that a
  // large stream loads completely, with line numbers counted across all its documents.
  it('loads 5,000 workloads and 1,000 policies from one stream', () => {
    const docs: string[] = [];
    for (let i = 0; i < 5000; i += 1) {
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-${i}, namespace: ns-${i % 50}}\n` +
          `spec:\n  template:\n    metadata: {labels: {app: app-${i}, tier: t${i % 7}}}\n` +
          `    spec: {containers: [{ports: [{containerPort: 8080, name: http}]}]}`,
      );
    }
    for (let i = 0; i < 1000; i += 1) {
      docs.push(
        policy(`
          podSelector: {matchLabels: {app: app-${i}}}
          policyTypes: [Ingress, Egress]
          ingress:
            - from:
                - namespaceSelector: {matchLabels: {team: t${i % 9}}}
                  podSelector: {matchExpressions: [{key: tier, operator: In, values: [t1, t2]}]}
              ports: [{port: http}, {port: 9000, endPort: 9100}]
          egress:
            - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12]}}]
        `).replace('name: p', `name: p-${i}, namespace: ns-${i % 50}`),
      );
    }
    const loaded = loadManifestText(docs.join('\n---\n'), 'big.yaml');
    expect(loaded.workloads).toHaveLength(5000);
    expect(loaded.policies).toHaveLength(1000);
    expect(loaded.policies[999]?.source?.line).toBeGreaterThan(5000 * 7);
  });
});
