// The fineract-netpol command line as a real process (test/helpers/cli.ts): what a user and CI see.
//
// - `verify` on the chart's defaults and on every values/*.yaml, rendered by the real Helm 4 in the
//   namespace of test/fixtures/fineract-workloads.yaml (fineract-uat), against that inventory
//   and the values file: exit 0, no error finding (the issue's "the chart's defaults and every env
//   file verify clean"; test/verify-intent.test.ts checks the same in-process);
// - the legacy policy set with the seed's defects (test/fixtures/legacy/policies.yaml): exit 1 with
//   the expected finding codes;
// - unusable input and wrong usage: exit 2, with `file:line` where there is a file, never a stack trace;
// - standard input, each output format (the JSON shapes are a documented contract, docs/verify.md),
//   synthesized pods without --workloads, and `diff`.
// Expectations are written from the Kubernetes semantics and the fixtures, not copied from output.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const NAMESPACE = 'fineract-uat';
/** The inventory, whose workloads live in fineract-uat (and ingress-nginx, monitoring, kube-system). */
const WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const LEGACY = join(REPO_ROOT, 'test', 'fixtures', 'legacy', 'policies.yaml');
const UAT_VALUES = join(VALUES_DIR, 'uat.yaml');
/** The chart's own values.yaml: the defaults, as a values file (merging it over the defaults changes nothing). */
const DEFAULT_VALUES_FILE = join(CHART_DIR, 'values.yaml');
const ENV_FILES = readdirSync(VALUES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(VALUES_DIR, f));

const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a file into the temporary folder and returns its path. */
function write(name: string, text: string): string {
  const path = join(tmp, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Renders the chart with real Helm 4 (the Argo CD renderer) into the temporary folder. */
function render(name: string, valuesFiles: string[], namespace = NAMESPACE): string {
  const out = helmTemplate({ helm: 4, valuesFiles, namespace });
  if (out.status !== 0) throw new Error(`helm template ${valuesFiles.join(' ')} failed:\n${out.stderr}`);
  return write(`renders/${name}.yaml`, out.stdout);
}

// ---- shapes of the JSON documents (docs/verify.md) ---------------------------------------------------

type ConnectionRecord = { from: string; to: string; protocol: string; ports: string[] };
type FindingJson = { code: string; severity: string; message: string; policy?: string; rule?: string };
type VerifyJson = {
  connections: ConnectionRecord[];
  findings: FindingJson[];
  summary: {
    policies: number;
    workloads: number;
    podClasses: number;
    ignoredObjects: number;
    connections: number;
    findings: { error: number; warning: number; info: number };
  };
};
type PortsByProtocol = Record<string, string[]>;
type DiffJson = {
  added: ConnectionRecord[];
  removed: ConnectionRecord[];
  changed: { from: string; to: string; before: PortsByProtocol; after: PortsByProtocol }[];
  summary: { added: number; removed: number; changed: number };
};

const PORT_RANGE = /^\d+(-\d+)?$/;

/** A connection record has exactly the documented fields, a protocol, and ports as "N" or "N-M". */
function expectRecord(record: ConnectionRecord): void {
  expect(Object.keys(record)).toEqual(['from', 'to', 'protocol', 'ports']);
  expect(['TCP', 'UDP', 'SCTP']).toContain(record.protocol);
  expect(record.ports.length).toBeGreaterThan(0);
  for (const port of record.ports) expect(port).toMatch(PORT_RANGE);
}

function parseVerify(result: CliResult): VerifyJson {
  const report = JSON.parse(result.stdout) as VerifyJson;
  expect(Object.keys(report)).toEqual(['connections', 'findings', 'summary']);
  for (const record of report.connections) expectRecord(record);
  for (const finding of report.findings) {
    expect(Object.keys(finding).sort()).toEqual(
      ['code', 'message', 'severity', ...(finding.policy ? ['policy'] : []), ...(finding.rule ? ['rule'] : [])].sort(),
    );
  }
  expect(Object.keys(report.summary)).toEqual([
    'policies',
    'workloads',
    'podClasses',
    'ignoredObjects',
    'connections',
    'findings',
  ]);
  expect(Object.keys(report.summary.findings)).toEqual(['error', 'warning', 'info']);
  return report;
}

/** No stack trace, no internal error: what the CLI prints on stderr is meant for the user. */
function expectCleanStderr(result: CliResult): void {
  expect(result.stderr).not.toMatch(/^ {4}at /m);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toContain('Warning:');
}

// ---- the chart verifies clean ------------------------------------------------------------------------

const ENVIRONMENTS: [name: string, valuesFile: string, helmValues: string[]][] = [
  ['the chart defaults', DEFAULT_VALUES_FILE, []],
  ...ENV_FILES.map((file): [string, string, string[]] => [`values/${basename(file)}`, file, [file]]),
];

describe('verify: the chart, rendered by Helm 4, verifies clean against its values and the inventory', () => {
  it.each(ENVIRONMENTS)('%s: exit 0, no error finding', (name, valuesFile, helmValues) => {
    const manifests = render(name.replaceAll(/[^a-z0-9]+/g, '-'), helmValues);
    const result = runCli([
      'verify',
      '--manifests',
      manifests,
      '--workloads',
      WORKLOADS,
      '--values',
      valuesFile,
      '--output',
      'json',
    ]);
    expectCleanStderr(result);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = parseVerify(result);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.summary.findings.error).toBe(0);
    // Every workload of the inventory is evaluated (10 in the release namespace, its 3 Jobs among
    // them, 16 in all).
    expect(report.summary.workloads).toBe(16);
    // The intent is really checked: Fineract → Redis 6379 is declared and allowed.
    expect(report.connections).toContainEqual({
      from: 'fineract-uat/fineract-read',
      to: 'fineract-uat/fineract-redis',
      protocol: 'TCP',
      ports: ['6379'],
    });
  });
});

// ---- the legacy policy set ---------------------------------------------------------------------------

describe('verify: the hand-written legacy policies with the seed defects', () => {
  const args = ['verify', '--manifests', LEGACY, '--workloads', WORKLOADS, '--values', UAT_VALUES, '-o', 'json'];

  it('exits 1 and reports every defect with its code, severity, policy and rule', () => {
    const result = runCli(args);
    expectCleanStderr(result);
    expect(result.status).toBe(1);
    const report = parseVerify(result);
    const has = (code: string, severity: string, policy?: string, rule?: string, message?: RegExp) =>
      report.findings.some(
        (f) =>
          f.code === code &&
          f.severity === severity &&
          (policy === undefined || f.policy === policy) &&
          (rule === undefined || f.rule === rule) &&
          (message === undefined || message.test(f.message)),
      );
    const P = (name: string) => `fineract-uat/${name}-network-policy`;
    // [defect (see the fixture's header), code, severity, policy, rule, message]
    const expected: [string, string, string, string?, string?, RegExp?][] = [
      ['1: `app: fineract` selects no pod', 'policy-selects-nothing', 'error', P('fineract')],
      [
        '1: rules naming `app: fineract` admit no one',
        'peer-selects-nothing',
        'warning',
        P('keycloak'),
        'ingress[1].from[0]',
      ],
      [
        '2: DNS as two items: every pod of kube-system',
        'namespace-wide-peer',
        'warning',
        P('keycloak'),
        'egress[2].to[0]',
      ],
      [
        '2: DNS as two items: kube-dns pods in fineract-uat',
        'peer-selects-nothing',
        'warning',
        P('fineract-redis'),
        'egress[0].to[1]',
      ],
      ['3: `from: []` for kubelet probes', 'allow-all-peer', 'error', P('fineract'), 'ingress[3]'],
      ['4: the whole monitoring namespace', 'namespace-wide-peer', 'warning', P('oauth2-proxy'), 'ingress[1].from[0]'],
      [
        '5: RDS excluded with 10.0.0.0/8: the real database subnets of values/uat.yaml are blocked',
        'missing-flow',
        'error',
        P('keycloak'),
        undefined,
        /^fineract-uat\/keycloak → 10\.20\.32\.0\/23, 10\.20\.34\.0\/24: TCP 5432 is declared by connections\.keycloak-to-rds but blocked/,
      ],
      ['6: OAuth2 Proxy → Redis, egress only', 'half-open-flow', 'warning', P('oauth2-proxy'), 'egress[1]'],
      [
        '6: OAuth2 Proxy → Redis is declared',
        'missing-flow',
        'error',
        P('fineract-redis'),
        undefined,
        /^fineract-uat\/oauth2-proxy → fineract-uat\/fineract-redis: TCP 6379 is declared by connections\.oauth2-proxy-to-redis but blocked/,
      ],
      ['1: the Fineract pods are not isolated', 'unprotected-workload', 'warning'],
      ['1, 4: traffic the values do not declare', 'undeclared-flow', 'error'],
    ];
    for (const [defect, code, severity, policy, rule, message] of expected) {
      expect(
        has(code, severity, policy, rule, message),
        `${defect}: ${code} ${severity} ${policy ?? ''} ${rule ?? ''}`,
      ).toBe(true);
    }
    expect(new Set(report.findings.map((f) => f.code))).toEqual(
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
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of report.findings) counts[f.severity as keyof typeof counts] += 1;
    expect(report.summary.findings).toEqual(counts);
  });

  it('without --values: exit 1 on the structural errors alone, no intent finding', () => {
    const result = runCli(['verify', '--manifests', LEGACY, '--workloads', WORKLOADS, '-o', 'json']);
    expect(result.status).toBe(1);
    const codes = new Set(parseVerify(result).findings.map((f) => f.code));
    expect(codes).toContain('policy-selects-nothing');
    expect(codes).toContain('allow-all-peer');
    expect(codes).not.toContain('undeclared-flow');
    expect(codes).not.toContain('missing-flow');
  });

  it('text output: the table, every finding with its severity, and the summary line', () => {
    const result = runCli(args.slice(0, -2));
    expect(result.status).toBe(1);
    // Findings grouped by policy, the policies with errors first; messages wrapped to 100 columns.
    const lines = result.stdout.split('\n');
    const findings = lines.slice(lines.indexOf('Findings:') + 1, lines.indexOf('', lines.indexOf('Findings:')));
    /** The findings listed under a policy's heading, up to the next heading. */
    const under = (policy: string) => {
      const start = findings.indexOf(`  ${policy}`);
      expect(start).toBeGreaterThanOrEqual(0);
      const end = findings.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
      return findings.slice(start + 1, end < 0 ? undefined : end);
    };
    expect(under('fineract-uat/fineract-network-policy')).toContain('    ERROR   policy-selects-nothing');
    expect(under('fineract-uat/oauth2-proxy-network-policy')).toContain('    WARNING half-open-flow (egress[1])');
    expect(findings[0]).toBe('  fineract-uat/fineract-network-policy'); // a policy with errors first
    for (const line of findings) expect(line.length).toBeLessThanOrEqual(100);
    expect(result.stdout).toMatch(
      /^4 policies, 16 workloads \(16 label classes\), \d+ allowed flows; findings: [1-9]\d* error\(s\)/m,
    );
  });
});

// ---- exit 2: unusable input, wrong usage --------------------------------------------------------------

describe('exit 2: unusable input and wrong usage, never a stack trace', () => {
  const BAD_YAML = write('bad/invalid.yaml', 'apiVersion: v1\nkind: List\nitems: [\n  - a: 1\n');
  const BAD_POLICY = write(
    'bad/policy.yaml',
    [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: typo, namespace: fineract-uat}',
      'spec:',
      '  podSelector: {}',
      '  ingress:',
      '    - form:', // line 7: a typo for `from`
      '        - podSelector: {}',
      '      ports:',
      '        - port: 70000', // line 10
      '',
    ].join('\n'),
  );
  const BAD_VALUES = write('bad/values.yaml', 'networks:\n  rds:\n    cidrs: [10.20.0.1]\n');
  const MISSING = join(tmp, 'bad', 'does-not-exist.yaml');
  const TWO_NAMESPACES = write(
    'bad/two-namespaces.yaml',
    ['a', 'b']
      .map(
        (ns) =>
          `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: ${ns}}\nspec: {podSelector: {}}\n`,
      )
      .join('---\n'),
  );

  const ANP = write(
    'bad/anp.yaml',
    'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: cluster-wide}\n' +
      'spec: {priority: 10, subject: {namespaces: {}}, ingress: []}\n',
  );
  const devRender = render('exit2-dev', [join(VALUES_DIR, 'dev.yaml')], 'fineract-dev');
  // Every component relabelled: values for some other deployment than the inventory's.
  const relabelled = write(
    'bad/relabelled.yaml',
    `components:\n${['fineract', 'fineract-batch', 'fineract-redis', 'keycloak', 'oauth2-proxy', 'fineract-database-init', 'keycloak-database-setup'].map((c) => `  ${c}:\n    podSelector: {matchLabels: {app: other-${c}}}\n`).join('')}`,
  );
  const relabelledRender = render('exit2-relabelled', [UAT_VALUES, relabelled]);

  // [case, args, stdin, patterns stderr must match]
  const cases: [string, string[], string | undefined, RegExp[]][] = [
    [
      'verify: no NetworkPolicy at all (an empty input never verifies clean)',
      ['verify', '--manifests', '/dev/null'],
      undefined,
      [/no NetworkPolicy in --manifests \/dev\/null: read no Kubernetes object/, /fix: pass the rendered chart/],
    ],
    [
      'verify: a file of workloads as --manifests (says what it read)',
      ['verify', '--manifests', WORKLOADS],
      undefined,
      [/read 21 objects \(5 Namespace, 11 Deployment, 3 Job, 2 StatefulSet\)/, /workloads go to --workloads/],
    ],
    [
      "verify: an inventory without the values' namespace (no selector advice)",
      ['verify', '--manifests', devRender, '--workloads', WORKLOADS, '--values', join(VALUES_DIR, 'dev.yaml')],
      undefined,
      [
        /does not match the values: namespace fineract-dev has no workload in it; its namespaces are fineract-uat \(10\), ingress-nginx \(1\), kube-system \(2\), monitoring \(2\), tracing \(1\)/,
        /^(?![\s\S]*namespaceSelector)/,
      ],
    ],
    [
      'verify: values none of whose components selects a workload of the inventory',
      [
        'verify',
        '--manifests',
        relabelledRender,
        '--workloads',
        WORKLOADS,
        '--values',
        UAT_VALUES,
        '--values',
        relabelled,
      ],
      undefined,
      [
        /in namespace fineract-uat, none of its components selects a workload:\n {2}components\.fineract \(podSelector /,
        /components\.keycloak \(podSelector app=other-keycloak\)/,
        /keycloak: app=keycloak/,
        /fix: set each component's podSelector to its pods' labels/,
      ],
    ],
    [
      'verify: standard input asked for twice',
      ['verify', '--manifests', '-', '--workloads', '-'],
      '',
      [/standard input can be read only once, but --manifests - and --workloads - both ask for it/],
    ],
    [
      'verify --strict: a policy of another API (AdminNetworkPolicy) in the input',
      ['verify', '--manifests', LEGACY, '--manifests', ANP, '--strict'],
      undefined,
      [
        /--strict: the input holds policies verify cannot analyse \(1 AdminNetworkPolicy \(policy\.networking\.k8s\.io\/v1alpha1\)\)/,
        /anp\.yaml:1: AdminNetworkPolicy .* "cluster-wide" changes connectivity but is NOT analysed/,
      ],
    ],
    [
      'diff: neither side holds a NetworkPolicy',
      ['diff', '--before', '/dev/null', '--after', WORKLOADS],
      undefined,
      [/no NetworkPolicy on either side: --before \/dev\/null read no Kubernetes object, --after .* read 21 objects/],
    ],
    [
      'diff: --values-before without --values-after',
      ['diff', '--before', LEGACY, '--after', LEGACY, '--values-before', UAT_VALUES],
      undefined,
      [/--values-before and --values-after go together/],
    ],
    [
      'diff: a --namespace-map that is not before=after',
      ['diff', '--before', LEGACY, '--after', LEGACY, '--namespace-map', 'fineract-uat'],
      undefined,
      [/--namespace-map "fineract-uat": write before=after/],
    ],
    ['invalid YAML', ['verify', '--manifests', BAD_YAML], undefined, [/invalid\.yaml:4:3: invalid YAML: /]],
    [
      'invalid YAML on standard input',
      ['verify', '--manifests', '-'],
      'kind: NetworkPolicy\n  bad: [\n',
      [/<stdin>:\d+:\d+: invalid YAML: /],
    ],
    [
      'an invalid NetworkPolicy (every problem at once)',
      ['verify', '--manifests', BAD_POLICY],
      undefined,
      [
        /2 problems in the manifests/,
        /policy\.yaml:7: spec\.ingress\[0\]\.form: unknown field \(did you mean "from"\?\)/,
        /policy\.yaml:10: spec\.ingress\[0\]\.ports\[0\]\.port: 70000 must be between 1 and 65535/,
      ],
    ],
    [
      'an unreadable path',
      ['verify', '--manifests', MISSING],
      undefined,
      [/does-not-exist\.yaml: cannot read: no such file or folder/],
    ],
    [
      'an unreadable inventory',
      ['verify', '--manifests', LEGACY, '--workloads', MISSING],
      undefined,
      [/does-not-exist\.yaml: cannot read/],
    ],
    [
      'an unreadable values file',
      ['verify', '--manifests', LEGACY, '--values', MISSING],
      undefined,
      [/does-not-exist\.yaml: cannot read the values file/],
    ],
    [
      'invalid values',
      ['verify', '--manifests', LEGACY, '--values', BAD_VALUES],
      undefined,
      [/bad\/values\.yaml: /, /networks\.rds\.cidrs\[0\]: "10\.20\.0\.1"/],
    ],
    [
      'values without --namespace for policies of two namespaces',
      ['verify', '--manifests', TWO_NAMESPACES, '--values', UAT_VALUES],
      undefined,
      [/policies in a, b\); pass --namespace/],
    ],
    ['an unknown option', ['verify', '--manifests', LEGACY, '--bogus'], undefined, [/unknown option '--bogus'/]],
    [
      'an unknown output format',
      ['verify', '--manifests', LEGACY, '--output', 'xml'],
      undefined,
      [/argument 'xml' is invalid\. Allowed choices are text, json, markdown, mermaid/],
    ],
    ['a missing required option', ['verify'], undefined, [/required option '-m, --manifests <path>' not specified/]],
    ['an unknown command', ['lint'], undefined, [/unknown command 'lint'/]],
    [
      'diff: an unreadable --after',
      ['diff', '--before', LEGACY, '--after', MISSING],
      undefined,
      [/does-not-exist\.yaml: cannot read/],
    ],
    [
      'diff: an unknown output format',
      ['diff', '--before', LEGACY, '--after', LEGACY, '-o', 'svg'],
      undefined,
      [/argument 'svg' is invalid\. Allowed choices are text, json, markdown, mermaid/],
    ],
  ];

  it.each(cases)('%s', (_name, args, input, patterns) => {
    const result = runCli(args, input === undefined ? {} : { input });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
    expectCleanStderr(result);
  });
});

describe('verify: a component that selects no workload of the inventory', () => {
  it('exit 1: component-selects-nothing names it, its labels and the fix, instead of its policy selecting nothing', () => {
    const relabelled = write(
      'relabelled-keycloak.yaml',
      'components:\n  keycloak:\n    podSelector: {matchLabels: {app: identity}}\n',
    );
    const manifests = render('relabelled-keycloak', [UAT_VALUES, relabelled]);
    const result = runCli([
      'verify',
      '--manifests',
      manifests,
      '--workloads',
      WORKLOADS,
      '--values',
      UAT_VALUES,
      '--values',
      relabelled,
      '-o',
      'json',
    ]);
    expectCleanStderr(result);
    expect(result.status).toBe(1);
    const report = parseVerify(result);
    const found = report.findings.filter((f) => f.code === 'component-selects-nothing');
    expect(found).toEqual([
      {
        code: 'component-selects-nothing',
        severity: 'error',
        policy: 'fineract-uat/keycloak-network-policy',
        message: expect.stringMatching(
          /^components\.keycloak \(podSelector app=identity, policy fineract-uat\/keycloak-network-policy\) selects no workload of fineract-uat, where the workloads are labelled .*fineract-read \(app=fineract-read.*If keycloak does not run in this environment, disable it in its values \(components\.keycloak\.enabled: false\)/,
        ) as string,
      },
    ]);
    expect(report.findings.filter((f) => f.code === 'policy-selects-nothing')).toEqual([]);
  });
});

// ---- standard input, help, ignored objects -------------------------------------------------------------

describe('inputs', () => {
  const uat = render('stdin-uat', [UAT_VALUES]);
  const verifyArgs = ['--workloads', WORKLOADS, '--values', UAT_VALUES, '-o', 'json'];

  it('--manifests - reads standard input, with the same result as the file', () => {
    const fromStdin = runCli(['verify', '--manifests', '-', ...verifyArgs], { input: readFileSync(uat, 'utf8') });
    const fromFile = runCli(['verify', '--manifests', uat, ...verifyArgs]);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('a folder is read recursively; other objects are ignored and counted', () => {
    const folder = join(tmp, 'folder');
    write('folder/policies/uat.yaml', readFileSync(uat, 'utf8'));
    write(
      'folder/other/config.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: fineract-uat}\n',
    );
    const result = runCli(['verify', '--manifests', folder, ...verifyArgs]);
    expect(result.status).toBe(0);
    expect(parseVerify(result).summary).toMatchObject({ policies: 7, ignoredObjects: 1 });
  });

  it('an unrendered Helm template is ignored without warnings on stderr', () => {
    const template = write('template.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n');
    const result = runCli(['verify', '--manifests', template, '--manifests', uat]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 other objects ignored');
  });

  it('a policy of another API: a warning naming it on stderr, the NetworkPolicies analysed (exit 2 only with --strict)', () => {
    const anp = write(
      'anp.yaml',
      'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n',
    );
    const result = runCli(['verify', '--manifests', uat, '--manifests', anp, ...verifyArgs]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /^fineract-netpol: warning: .*anp\.yaml:1: BaselineAdminNetworkPolicy \(policy\.networking\.k8s\.io\/v1alpha1\) "default" changes connectivity but is NOT analysed .*: the result is wrong wherever it applies\n$/,
    );
    expect(parseVerify(result).summary.policies).toBe(7);
  });

  it('files that are not manifests in a folder are skipped with a warning naming them', () => {
    const folder = join(tmp, 'mixed');
    write('mixed/policies.yaml', readFileSync(uat, 'utf8'));
    write('mixed/results.json', '[{"src": "a", "dst": "b"}]');
    write('mixed/notes.yaml', 'owner: platform-team\nreviewed: true\n');
    const result = runCli(['verify', '--manifests', folder, ...verifyArgs]);
    expect(result.status).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `fineract-netpol: warning: ${join(folder, 'notes.yaml')}:1: not a Kubernetes object (no kind and no apiVersion): skipped`,
      `fineract-netpol: warning: ${join(folder, 'results.json')}:1: the document is a list, not a Kubernetes object: skipped`,
    ]);
    expect(parseVerify(result).summary.policies).toBe(7);
  });

  it('typed lists as `kubectl get -o yaml` returns them (items without apiVersion/kind)', () => {
    const policies = runCli(['verify', '--manifests', uat, '-o', 'json']);
    expect(policies.status).toBe(0);
    const objects = readFileSync(uat, 'utf8')
      .split(/^---$/m)
      .filter((doc) => doc.includes('kind: NetworkPolicy'))
      .map(
        (doc) =>
          `  - ${doc
            .replace(/^(apiVersion|kind): .*\n/gm, '')
            .trim()
            .replace(/\n/g, '\n    ')}`,
      );
    const list = write(
      'typed-list.yaml',
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nmetadata: {}\nitems:\n${objects.join('\n')}\n`,
    );
    const result = runCli(['verify', '--manifests', list, '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(policies.stdout);
  });

  it('--help exits 0 and lists the options', () => {
    const result = runCli(['verify', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: fineract-netpol verify [options]');
    expect(result.stdout).toContain('--workloads <path>');
  });
});

// ---- output formats ------------------------------------------------------------------------------------

describe('output formats', () => {
  const uat = render('formats-uat', [UAT_VALUES]);
  const run = (format: string) =>
    runCli(['verify', '--manifests', uat, '--workloads', WORKLOADS, '--values', UAT_VALUES, '--output', format]);

  it('json: exactly {connections, findings, summary}; records {from, to, protocol, ports}; all ports "1-65535"', () => {
    const result = run('json');
    expect(result.status).toBe(0);
    const report = parseVerify(result);
    // A port list per protocol: Ingress NGINX reaches Fineract's API on its Ingress port.
    expect(report.connections).toContainEqual({
      from: 'ingress-nginx/ingress-nginx-controller',
      to: 'fineract-uat/fineract-write',
      protocol: 'TCP',
      ports: ['8443'],
    });
    // Traces: a range of two ports, to a peer in another namespace.
    expect(report.connections).toContainEqual({
      from: 'fineract-uat/fineract-batch',
      to: 'tracing/otel-collector',
      protocol: 'TCP',
      ports: ['4317-4318'],
    });
    // DNS: one record per protocol.
    expect(
      report.connections.filter((c) => c.from === 'fineract-uat/keycloak' && c.to === 'kube-system/coredns'),
    ).toEqual([
      { from: 'fineract-uat/keycloak', to: 'kube-system/coredns', protocol: 'TCP', ports: ['53'] },
      { from: 'fineract-uat/keycloak', to: 'kube-system/coredns', protocol: 'UDP', ports: ['53'] },
    ]);
    // web-app is selected by no policy: everything reaches it, every port of every protocol.
    expect(report.connections.filter((c) => c.from === '0.0.0.0/0' && c.to === 'fineract-uat/web-app')).toEqual(
      ['TCP', 'UDP', 'SCTP'].map((protocol) => ({
        from: '0.0.0.0/0',
        to: 'fineract-uat/web-app',
        protocol,
        ports: ['1-65535'],
      })),
    );
    // External endpoints are one record per CIDR: the uat database subnets.
    expect(
      report.connections.filter((c) => c.from === 'fineract-uat/keycloak' && c.ports.includes('5432')).map((c) => c.to),
    ).toEqual(['10.20.32.0/23', '10.20.34.0/24']);
    expect(report.summary).toMatchObject({ policies: 7, workloads: 16, podClasses: 16, ignoredObjects: 0 });
  });

  it('markdown: the connectivity table and the findings', () => {
    const result = run('markdown');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('## Connectivity\n\n| From | To | Allowed |\n| --- | --- | --- |\n');
    expect(result.stdout).toContain('| `fineract-uat/oauth2-proxy` | `fineract-uat/fineract-redis` | TCP 6379 |');
    expect(result.stdout).toContain('## Findings');
    expect(result.stdout).toContain('- **warning** `unprotected-workload`');
  });

  it('mermaid: a fenced flowchart GitHub renders, a subgraph per namespace, same-flow workloads merged', () => {
    const result = run('mermaid');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['```mermaid', 'flowchart LR']);
    expect(lines.at(-1)).toBe('```');
    expect(lines).toContain('  subgraph g0["fineract-uat"]');
    // Fineract's read and write deployments have the same flows: one node.
    const fineract = lines.find((l) => l.endsWith('["fineract-read, fineract-write"]'));
    const id = /^ {4}(n\d+)\[/.exec(fineract ?? '')?.[1];
    expect(id).toBeDefined();
    expect(result.stdout).toMatch(new RegExp(`^ {2}${id} -->\\|"TCP 6379"\\| n\\d+$`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^ {2}${id} -->\\|"TCP 4317-4318"\\| n\\d+$`, 'm'));
    // Flows between workloads no policy selects are summarized, not drawn; readable: few edges.
    expect(result.stdout).toMatch(/^ {2}hidden\["\d+ flow\(s\) between workloads no policy selects/m);
    expect(lines.filter((l) => l.includes(' -->|')).length).toBeLessThan(30);
    expect(result.stderr).toBe('');
  });

  it('mermaid with error findings: marked edges, and the reasons on stderr', () => {
    const legacy = runCli([
      'verify',
      '--manifests',
      LEGACY,
      '--workloads',
      WORKLOADS,
      '--values',
      UAT_VALUES,
      '-o',
      'mermaid',
    ]);
    expect(legacy.status).toBe(1);
    expect(legacy.stdout).toMatch(/^ {2}n\d+ -->\|"✗ undeclared: [^"]+"\| n\d+$/m);
    expect(legacy.stdout).toMatch(/^ {2}n\d+ -\.->\|"✗ blocked: TCP 6379"\| n\d+$/m);
    expect(legacy.stdout).toMatch(/^ {2}linkStyle \d+ stroke:#cf222e/m);
    expect(legacy.stderr).toMatch(
      /^fineract-netpol: error: missing-flow \(fineract-uat\/fineract-redis-network-policy\):/m,
    );
    for (const line of legacy.stderr.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("--namespace and --only: a reviewer's view; the exit code follows the findings shown", () => {
    const all = run('json');
    const uatView = (...view: string[]) => runCli(['verify', '-m', uat, '-w', WORKLOADS, '-f', UAT_VALUES, ...view]);
    const view = JSON.parse(uatView('-n', 'fineract-uat', '-n', 'monitoring', '-o', 'json').stdout) as VerifyJson;
    const full = JSON.parse(all.stdout) as VerifyJson;
    const touches = (r: ConnectionRecord) =>
      /^(fineract-uat|monitoring)\//.test(r.from) || /^(fineract-uat|monitoring)\//.test(r.to);
    expect(view.connections).toEqual(full.connections.filter(touches));
    expect(view.connections.length).toBeLessThan(full.connections.length);
    const text = uatView('-n', 'kube-system', '--only', 'findings');
    expect(text.stdout).not.toMatch(/^FROM/m);
    expect(text.stdout).toContain('Namespace kube-system has no NetworkPolicy');
    expect(text.stdout).not.toContain('fineract-uat/web-app is selected by no NetworkPolicy');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^shown: touching kube-system, only findings \(0 flow\(s\), 1 finding\(s\)\)$/,
    );
    const components = JSON.parse(
      runCli(['verify', '-m', uat, '-w', WORKLOADS, '--only', 'components', '-o', 'json']).stdout,
    ) as VerifyJson;
    expect(
      components.connections.some((r) => r.to === 'fineract-uat/web-app' || r.from === 'fineract-uat/web-app'),
    ).toBe(false);
    expect(components.connections.some((r) => r.to === 'fineract-uat/fineract-redis')).toBe(true);
    // The legacy set has errors, but none touching kube-system: exit 0 for that view.
    expect(runCli(['verify', '-m', LEGACY, '-w', WORKLOADS, '-n', 'kube-system', '--only', 'errors']).status).toBe(0);
    expect(runCli(['verify', '-m', LEGACY, '-w', WORKLOADS, '-n', 'fineract-uat', '--only', 'errors']).status).toBe(1);
    // --only is display only: the table alone still fails on the error findings it does not print.
    const flowsOnly = runCli(['verify', '-m', LEGACY, '-w', WORKLOADS, '--only', 'flows']);
    expect(flowsOnly.stdout).not.toContain('Findings:');
    expect(flowsOnly.stdout).not.toContain('No findings.');
    expect(flowsOnly.status).toBe(1);
  });

  it('text: the FROM/TO/ALLOWED table, the findings and the summary line', () => {
    const result = run('text');
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FROM +TO +ALLOWED$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^fineract-uat\/oauth2-proxy +fineract-uat\/fineract-redis +TCP 6379$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^fineract-uat\/fineract-read +kube-system\/coredns +TCP 53; UDP 53$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^fineract-uat\/fineract-batch +0\.0\.0\.0\/0 except 10\.0\.0\.0\/8, 100\.64\.0\.0\/10, 169\.254\.0\.0\/16, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16 +TCP 443$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^0\.0\.0\.0\/0 +fineract-uat\/web-app +All connections$/));
    expect(lines).toContain('Findings:');
    expect(lines.at(-1)).toMatch(
      /^7 policies, 16 workloads \(16 label classes\), \d+ allowed flows; findings: 0 error\(s\), 1 warning\(s\), 4 info$/,
    );
  });
});

// ---- without --workloads -------------------------------------------------------------------------------

describe('without --workloads: synthesized pods', () => {
  const uat = render('synthesized-uat', [UAT_VALUES]);
  const rows = (result: CliResult) => result.stdout.split('\n').map((l) => l.replaceAll(/ {2,}/g, ' | '));

  it('from the values: one pod per component, peer, DNS and monitoring', () => {
    const result = runCli(['verify', '--manifests', uat, '--values', UAT_VALUES]);
    expect(result.status).toBe(0);
    expect(rows(result)).toEqual(
      expect.arrayContaining([
        'FROM | TO | ALLOWED',
        'ingress-nginx/ingress-nginx | fineract-uat/fineract | TCP 8443',
        'fineract-uat/fineract | fineract-uat/fineract-redis | TCP 6379',
        'fineract-uat/fineract-batch | tracing/otel-collector | TCP 4317-4318',
        'fineract-uat/fineract-database-init | 10.20.32.0/23, 10.20.34.0/24 | TCP 5432',
        'fineract-uat/oauth2-proxy | fineract-uat/fineract-redis | TCP 6379',
        'fineract-uat/fineract | kube-system/dns | TCP 53; UDP 53',
        'monitoring/monitoring | fineract-uat/fineract-redis | TCP 9121',
        'fineract-uat/keycloak | 10.20.32.0/23, 10.20.34.0/24 | TCP 5432',
      ]),
    );
    expect(result.stdout).toMatch(
      /^7 policies, 11 workloads \(11 label classes\), \d+ allowed flows; findings: 0 error\(s\)/m,
    );
  });

  it('from the selectors of the policies: one pod per selector, named after its labels', () => {
    const result = runCli(['verify', '--manifests', uat]);
    expect(result.status).toBe(0);
    expect(rows(result)).toEqual(
      expect.arrayContaining([
        'ingress-nginx/ingress-nginx | fineract-uat/fineract-fineract-read | TCP 8443',
        'fineract-uat/fineract-fineract-read | kube-system/kube-dns | TCP 53; UDP 53',
        'monitoring/prometheus | fineract-uat/keycloak | TCP 9000',
      ]),
    );
  });

  it('the legacy policies without inventory: the `from: []` rule opens 8080 to everyone', () => {
    const result = runCli(['verify', '--manifests', LEGACY, '-o', 'json']);
    expect(result.status).toBe(1);
    const report = parseVerify(result);
    expect(report.connections).toContainEqual({
      from: '0.0.0.0/0',
      to: 'fineract-uat/fineract',
      protocol: 'TCP',
      ports: ['8080'],
    });
    expect(report.findings.map((f) => f.code)).toContain('allow-all-peer');
  });
});

// ---- diff ----------------------------------------------------------------------------------------------

describe('diff', () => {
  const uat = render('diff-uat', [UAT_VALUES]);
  const legacyToChart = ['diff', '--before', LEGACY, '--after', uat, '--workloads', WORKLOADS];

  it('legacy → chart: removed, added and changed connections, exit 1', () => {
    const result = runCli(legacyToChart);
    expectCleanStderr(result);
    expect(result.status).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        // from: [] and the unselected Fineract pods: the internet no longer reaches Fineract
        '- 0.0.0.0/0 => fineract-uat/fineract-read : All connections',
        // the namespace-wide monitoring peer: Grafana loses access
        '- monitoring/grafana => fineract-uat/keycloak : TCP 8080',
        // the DNS peer as two items: metrics-server in kube-system is no longer reachable
        '- fineract-uat/keycloak => kube-system/metrics-server : TCP 53; UDP 53',
        // the half-open flow now works, and Fineract reaches Redis and Keycloak (selector fixed)
        '+ fineract-uat/oauth2-proxy => fineract-uat/fineract-redis : TCP 6379',
        '+ fineract-uat/fineract-write => fineract-uat/keycloak : TCP 8080',
        // the real database subnets
        '+ fineract-uat/keycloak => 10.20.32.0/23, 10.20.34.0/24 : TCP 5432',
        // Fineract isolated: Ingress NGINX keeps only the API's Ingress port
        '~ ingress-nginx/ingress-nginx-controller => fineract-uat/fineract-read : All connections → TCP 8443',
      ]),
    );
    expect(lines.at(-1)).toMatch(/^[1-9]\d* removed, [1-9]\d* added, [1-9]\d* changed connection\(s\)$/);
  });

  it('json: exactly {added, removed, changed, summary}', () => {
    const result = runCli([...legacyToChart, '--output', 'json']);
    expect(result.status).toBe(1);
    const diff = JSON.parse(result.stdout) as DiffJson;
    expect(Object.keys(diff)).toEqual(['added', 'removed', 'changed', 'summary']);
    for (const record of [...diff.added, ...diff.removed]) expectRecord(record);
    for (const change of diff.changed) expect(Object.keys(change)).toEqual(['from', 'to', 'before', 'after']);
    expect(Object.keys(diff.summary)).toEqual(['added', 'removed', 'changed']);
    expect(diff.added).toContainEqual({
      from: 'fineract-uat/oauth2-proxy',
      to: 'fineract-uat/fineract-redis',
      protocol: 'TCP',
      ports: ['6379'],
    });
    expect(diff.removed).toContainEqual({
      from: '0.0.0.0/0',
      to: 'fineract-uat/fineract-batch',
      protocol: 'UDP',
      ports: ['1-65535'],
    });
    expect(diff.changed).toContainEqual({
      from: 'ingress-nginx/ingress-nginx-controller',
      to: 'fineract-uat/fineract-read',
      before: { TCP: ['1-65535'], UDP: ['1-65535'], SCTP: ['1-65535'] },
      after: { TCP: ['8443'] },
    });
    // summary counts the changes (the lines of the text output), not the JSON records.
    const text = runCli(legacyToChart).stdout.trimEnd().split('\n');
    expect(diff.summary).toEqual({
      removed: text.filter((l) => l.startsWith('- ')).length,
      added: text.filter((l) => l.startsWith('+ ')).length,
      changed: text.filter((l) => l.startsWith('~ ')).length,
    });
  });

  it('kubernetes → cilium (the uat switch of examples/cilium): only the S3 and identity-provider flows change, each with its values key', () => {
    const cilium = join(REPO_ROOT, 'examples', 'cilium', 'uat-cilium.yaml');
    const after = render('diff-uat-cilium', [UAT_VALUES, cilium]);
    // No --namespace-map (a bug spread the workload file's empty policy list over the analysis
    // that names the causes: "cannot tell the release namespace … (no policy)").
    const result = runCli([
      'diff',
      '--before',
      uat,
      '--after',
      after,
      '--workloads',
      WORKLOADS,
      '--values-before',
      UAT_VALUES,
      '--values-after',
      UAT_VALUES,
      '--values-after',
      cilium,
    ]);
    expect(result.status, result.stderr).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const changes = lines.filter((l) => /^[-+~] /.test(l));
    const because = (line: string) => lines[lines.indexOf(line) + 1];
    const internet =
      '0.0.0.0/0 except 10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16 : TCP 443';
    expect(because(`- fineract-uat/fineract-write => ${internet}`)).toBe(
      '    because: connections.fineract-to-s3.enabled',
    );
    expect(because(`- fineract-uat/fineract-batch => ${internet}`)).toBe(
      '    because: connections.fineract-batch-to-s3.enabled',
    );
    expect(because('+ fineract-uat/fineract-write => fqdn:s3.eu-west-1.amazonaws.com : TCP 443')).toBe(
      '    because: connections.fineract-to-s3-by-name.enabled',
    );
    expect(changes.filter((l) => l.startsWith('+ fineract-uat/keycloak '))).toEqual([
      '+ fineract-uat/keycloak => fqdn:accounts.google.com : TCP 443',
      '+ fineract-uat/keycloak => fqdn:login.microsoftonline.com : TCP 443',
    ]);
    // Nothing else moves: three Fineract workloads × four S3 names, two identity providers.
    expect(lines.at(-1)).toBe('3 removed, 14 added, 0 changed connection(s)');
  });

  it('environments in different namespaces: --namespace-map leaves the real differences, each with its values key', () => {
    const production = render('diff-production', [join(VALUES_DIR, 'production.yaml')], 'fineract-production');
    const args = ['diff', '--before', uat, '--after', production, '--workloads', WORKLOADS];
    // Without the map, every flow of the release namespace moves: namespace artefacts.
    const unmapped = runCli(args);
    expect(unmapped.status).toBe(2); // the inventory has no workload in fineract-production
    expect(unmapped.stderr).toMatch(/namespace fineract-production has no workload in it/);
    const mappedArgs = [
      ...args,
      '--namespace-map',
      'fineract-uat=fineract-production',
      '--values-before',
      UAT_VALUES,
      '--values-after',
      join(VALUES_DIR, 'production.yaml'),
    ];
    const mapped = runCli(mappedArgs);
    expectCleanStderr(mapped);
    expect(mapped.status).toBe(1);
    const lines = mapped.stdout.trimEnd().split('\n');
    const changes = lines.filter((l) => /^[-+~] /.test(l));
    // Every change is followed by its cause.
    for (const change of changes) expect(lines[lines.indexOf(change) + 1]).toMatch(/^ {4}because: \S/);
    const because = (line: string) => lines[lines.indexOf(line) + 1];
    // The database subnets of production replace uat's, for each client of RDS.
    const clients = ['fineract-batch', 'fineract-read', 'fineract-write', 'keycloak'];
    const jobs = ['create-fineract-databases', 'create-keycloak-db', 'fineract-schema-migration'];
    for (const client of [...clients, ...jobs]) {
      const removed = `- fineract-production/${client} => 10.20.32.0/23, 10.20.34.0/24 : TCP 5432`;
      const added = `+ fineract-production/${client} => 10.30.32.0/23, 10.30.34.0/24 : TCP 5432`;
      expect(changes).toContain(removed);
      expect(changes).toContain(added);
      expect(because(removed)).toBe('    because: networks.rds.cidrs');
      expect(because(added)).toBe('    because: networks.rds.cidrs');
    }
    // web-app, selected by no component, is closed by production's default deny.
    const webApp = changes.filter((l) => l.includes('fineract-production/web-app'));
    expect(webApp.length).toBeGreaterThan(5);
    for (const line of webApp) {
      expect(line.startsWith('- ')).toBe(true);
      expect(because(line)).toBe('    because: defaultDeny.enabled');
    }
    // Users log in through Ingress NGINX in both: Keycloak's ingress does not change.
    expect(changes.filter((l) => l.includes('=> fineract-production/keycloak '))).toEqual([]);
    // Nothing else: no namespace artefact.
    expect(changes.length).toBe(2 * (clients.length + jobs.length) + webApp.length);
    // JSON carries the same causes.
    const json = JSON.parse(runCli([...mappedArgs, '-o', 'json']).stdout) as {
      added: { because?: string[] }[];
    };
    expect(json.added.every((r) => Array.isArray(r.because) && r.because.length > 0)).toBe(true);
  });

  it('mermaid: a fenced flowchart with a subgraph per namespace, added and removed flows styled', () => {
    const result = runCli([...legacyToChart, '--output', 'mermaid']);
    expect(result.status).toBe(1);
    const text = result.stdout;
    expect(text.startsWith('```mermaid\nflowchart LR\n')).toBe(true);
    expect(text.endsWith('\n```\n')).toBe(true);
    expect(text).toMatch(/ {2}subgraph g\d+\["fineract-uat"\]\n/);
    expect(text).toMatch(/ {2}subgraph g\d+\["external addresses"\]\n/);
    const arrows = text.split('\n').filter((l) => / (==>|-\.->|-->)\|/.test(l));
    const summary = JSON.parse(runCli([...legacyToChart, '-o', 'json']).stdout) as DiffJson;
    expect(arrows.filter((l) => l.includes(' ==>|')).length).toBe(summary.summary.added);
    expect(arrows.filter((l) => l.includes(' -.->|')).length).toBe(summary.summary.removed);
    expect(arrows.filter((l) => l.includes(' -->|')).length).toBe(summary.summary.changed);
    expect(text.match(/^ {2}linkStyle \d+ stroke:/gm)?.length).toBe(arrows.length);
  });

  it('markdown: a table of changes', () => {
    const result = runCli([...legacyToChart, '--output', 'markdown']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('| Change | From | To | Before | After |\n| --- | --- | --- | --- | --- |\n');
    expect(result.stdout).toContain(
      '| added | `fineract-uat/oauth2-proxy` | `fineract-uat/fineract-redis` | nothing | TCP 6379 |',
    );
  });

  it('identical sets: "No connectivity change.", exit 0 (the same policies from a file and from stdin)', () => {
    const result = runCli(['diff', '--before', uat, '--after', '-', '--workloads', WORKLOADS], {
      input: readFileSync(uat, 'utf8'),
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('No connectivity change.\n');
    const json = runCli(['diff', '--before', uat, '--after', uat, '-o', 'json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      added: [],
      removed: [],
      changed: [],
      summary: { added: 0, removed: 0, changed: 0 },
    });
  });
});
