// `fineract-netpol fit`: the flows read from a deployment's manifests (a table of small ones, each
// with what fit must read from it), and the real fineract-gitops uat deployment fitted from the
// chart's defaults — its overlay rendered by real Helm and verified: every flow the deployment
// needs allowed, its Jobs covered, nothing else of the release namespace but DNS.
//
// Run: scripts/run npx vitest run test/fit.test.ts
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fit } from '../src/cli/fit/index.ts';
import { readNeeds, type Need } from '../src/fit/evidence.ts';
import { readDeployment } from '../src/fit/inventory.ts';
import { fitOverlay } from '../src/fit/overlay.ts';
import { runCli } from './helpers/cli.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';
import { allows, extraFlows, gitopsNeeds, REAL_GITOPS, type Report } from './helpers/real-gitops.ts';

isolateHelmHome();

const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-fit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// ---- small manifests ---------------------------------------------------------------------------

type Env = Record<string, string | { secret: string; key: string } | { configMap: string; key: string }>;
type Pod = {
  name: string;
  ns?: string;
  labels: Record<string, string>;
  env?: Env;
  args?: string[];
  ports?: Record<string, number>;
  image?: string;
  mounts?: string[];
  kind?: string;
};

/** A workload as a manifest: a Deployment (or `kind`) with one container. */
function workload(p: Pod): object {
  const container = {
    name: 'main',
    image: p.image ?? 'example/app:1',
    ...(p.args ? { args: p.args } : {}),
    ports: Object.entries(p.ports ?? {}).map(([name, containerPort]) => ({ name, containerPort })),
    env: Object.entries(p.env ?? {}).map(([name, v]) =>
      typeof v === 'string'
        ? { name, value: v }
        : 'secret' in v
          ? { name, valueFrom: { secretKeyRef: { name: v.secret, key: v.key } } }
          : { name, valueFrom: { configMapKeyRef: { name: v.configMap, key: v.key } } },
    ),
  };
  const pod = {
    metadata: { labels: p.labels },
    spec: { containers: [container], volumes: (p.mounts ?? []).map((name) => ({ name, configMap: { name } })) },
  };
  return {
    apiVersion: p.kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind: p.kind ?? 'Deployment',
    metadata: { name: p.name, namespace: p.ns ?? 'app' },
    spec: { ...(p.kind === 'Job' ? {} : { selector: { matchLabels: p.labels } }), template: pod },
  };
}

const service = (
  name: string,
  ns: string,
  selector: Record<string, string>,
  ports: [number, number | string, string?][],
) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, labels: selector },
  spec: {
    selector,
    ports: ports.map(([port, targetPort, portName]) => ({ port, targetPort, ...(portName ? { name: portName } : {}) })),
  },
});

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'app' },
  data,
});

const API = { name: 'api', labels: { app: 'api' } };
const REDIS = workload({ name: 'redis', labels: { app: 'redis' }, ports: { redis: 6379 } });
const REDIS_SVC = service('cache', 'app', { app: 'redis' }, [[6380, 'redis']]);

/** One line per need: `from → to proto/port`. */
function lines(needs: Need[]): string[] {
  return needs
    .map((n) => {
      const to =
        n.to.kind === 'pods'
          ? n.to.workloads.map((w) => `${w.namespace}/${w.name}`).join(',')
          : n.to.secret
            ? `secret:${n.to.secret.name}`
            : (n.to.service ?? n.to.host ?? '?');
      return `${n.from.name} → ${to} ${n.protocol}/${n.port}`;
    })
    .sort();
}

async function needsOf(objects: object[], namespace = 'app') {
  const file = join(scratch, `case-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, objects.map((o) => `---\n${stringify(o)}`).join(''));
  const deployment = await readDeployment([file]);
  return {
    deployment,
    ...readNeeds(deployment, {
      namespace,
      monitoring: { namespace: 'monitoring', podSelector: { matchLabels: { app: 'prometheus' } } },
    }),
  };
}

type Case = { name: string; objects: object[]; needs: string[]; unresolved?: RegExp[]; skipped?: RegExp[] };

const CASES: Case[] = [
  {
    name: '<X>_HOST beside <X>_PORT, through a Service to a named target port',
    objects: [workload({ ...API, env: { CACHE_HOST: 'cache', CACHE_PORT: '6380' } }), REDIS, REDIS_SVC],
    needs: ['api → app/redis TCP/6379'],
  },
  {
    name: 'a URL in a ConfigMap key (configMapKeyRef), scheme port defaulted',
    objects: [
      workload({ ...API, env: { SESSION_URL: { configMap: 'cfg', key: 'url' } } }),
      configMap('cfg', { url: 'redis://cache.app.svc.cluster.local' }),
      REDIS,
      service('cache', 'app', { app: 'redis' }, [[6379, 6379]]),
    ],
    needs: ['api → app/redis TCP/6379'],
  },
  {
    name: 'a mounted ConfigMap file, comments ignored, listen addresses ignored',
    objects: [
      workload({ ...API, mounts: ['files'] }),
      configMap('files', { 'app.cfg': '# http://old-cache:6380\nlisten = "0.0.0.0:8080"\nupstream = "cache:6380"\n' }),
      REDIS,
      REDIS_SVC,
    ],
    needs: ['api → app/redis TCP/6379'],
  },
  {
    name: 'svc.ns.svc in another namespace (to its pods), localhost ignored',
    objects: [
      workload({ ...API, env: { OTEL: 'http://collector.tracing.svc:4317', SELF: 'localhost:9000' } }),
      workload({ name: 'otel', ns: 'tracing', labels: { app: 'otel' }, ports: { grpc: 4317 } }),
      service('collector', 'tracing', { app: 'otel' }, [[4317, 4317]]),
    ],
    needs: ['api → tracing/otel TCP/4317'],
  },
  {
    name: 'a host held in a Secret: PostgreSQL from PGHOST, from KC_DB, from a sibling port',
    objects: [
      workload({ name: 'job', kind: 'Job', labels: { app: 'job' }, env: { PGHOST: { secret: 'db', key: 'host' } } }),
      workload({
        name: 'kc',
        labels: { app: 'kc' },
        env: { KC_DB: 'postgres', KC_DB_URL_HOST: { secret: 'kcdb', key: 'host' } },
      }),
      workload({ name: 'mq', labels: { app: 'mq' }, env: { MQ_HOST: { secret: 'mq', key: 'host' }, MQ_PORT: '5671' } }),
    ],
    needs: ['job → secret:db TCP/5432', 'kc → secret:kcdb TCP/5432', 'mq → secret:mq TCP/5671'],
  },
  {
    name: 'an issuer URL beside a JWK set URI is not a flow; the JWK set is',
    objects: [
      workload({
        ...API,
        env: {
          JWT_ISSUER_URI: 'https://login.example.com/realms/x',
          JWT_JWK_SET_URI: 'http://idp:8080/realms/x/certs',
        },
      }),
      workload({ name: 'idp', labels: { app: 'idp' }, ports: { http: 8080 } }),
      service('idp', 'app', { app: 'idp' }, [[8080, 'http']]),
    ],
    needs: ['api → app/idp TCP/8080'],
    skipped: [/issuer URL beside a JWK set URI/],
  },
  {
    name: 'a name no Service has, and a package install, are reported, not allowed',
    objects: [workload({ ...API, env: { BACKEND: 'http://missing:8080' }, args: ['sh', '-c', 'apk add curl && run'] })],
    needs: [],
    unresolved: [/no Service "missing"/, /apk add/],
  },
  {
    name: 'S3 enabled: S3 over HTTPS; a public name: the host itself',
    objects: [
      workload({ ...API, env: { CONTENT_S3_ENABLED: 'true', PAYMENTS: 'https://api.payments.example.com/v1' } }),
    ],
    needs: ['api → api.payments.example.com TCP/443', 'api → s3 TCP/443'],
  },
  {
    name: 'Ingress backends from the controller; Keycloak scraped on its management port',
    objects: [
      workload({
        name: 'keycloak',
        labels: { app: 'keycloak' },
        image: 'quay.io/keycloak/keycloak:26.4.0',
        args: ['start', '--metrics-enabled=true'],
        ports: { http: 8080, management: 9000 },
      }),
      service('keycloak', 'app', { app: 'keycloak' }, [[80, 'http', 'http']]),
      workload({ name: 'controller', ns: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } }),
      workload({ name: 'prometheus', ns: 'monitoring', labels: { app: 'prometheus' } }),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'login', namespace: 'app' },
        spec: {
          rules: [
            { http: { paths: [{ path: '/', backend: { service: { name: 'keycloak', port: { name: 'http' } } } }] } },
          ],
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'keycloak', namespace: 'monitoring' },
        spec: {
          namespaceSelector: { any: true },
          selector: { matchLabels: { app: 'keycloak' } },
          endpoints: [{ port: 'http' }],
        },
      },
    ],
    needs: ['controller → app/keycloak TCP/8080', 'prometheus → app/keycloak TCP/9000'],
    skipped: [/management port/],
  },
];

describe('fit reads what a deployment needs', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const read = await needsOf(c.objects);
    expect(lines(read.needs)).toEqual([...c.needs].sort());
    for (const pattern of c.unresolved ?? [])
      expect(read.unresolved.map((u) => `${u.what} ${u.why}`).join('\n')).toMatch(pattern);
    for (const pattern of c.skipped ?? [])
      expect(read.skipped.map((u) => `${u.what} ${u.why}`).join('\n')).toMatch(pattern);
  });
});

describe('fit proposes components', () => {
  it('disables a component that selects nothing, makes one per same-needs group, reports pods without labels', async () => {
    const read = await needsOf([
      workload({ name: 'fineract-read', labels: { app: 'fineract-read', 'app.kubernetes.io/name': 'fineract' } }),
      workload({
        name: 'init-a',
        kind: 'Job',
        labels: { 'app.kubernetes.io/part-of': 'init' },
        env: { PGHOST: { secret: 'db', key: 'host' } },
      }),
      workload({
        name: 'init-b',
        kind: 'Job',
        labels: { 'app.kubernetes.io/part-of': 'init', app: 'b' },
        env: { PGHOST: { secret: 'db', key: 'host' } },
      }),
      workload({ name: 'bare', kind: 'Job', labels: {} }),
    ]);
    const fitted = fitOverlay(read.deployment, read.needs, { overrides: [], namespace: 'app' });
    const components = fitted.overlay.components as Record<string, Record<string, unknown>>;
    expect(components.keycloak).toEqual({ enabled: false });
    expect(components.init).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'init' } },
      description: 'Jobs init-a, init-b (fitted)',
    });
    expect(fitted.decisions.find((d) => d.kind === 'unselectable')?.message).toMatch(/bare has no pod labels/);
    // The database host is in a Secret: the network it goes to is left TODO.
    expect((fitted.overlay.networks as Record<string, unknown>).rds).toEqual({
      cidrs: ['TODO'],
      excludePrivate: false,
    });
  });
});

// ---- the real deployment -----------------------------------------------------------------------

describe('fit on the real fineract-gitops uat deployment, from the chart defaults', () => {
  const namespace = 'fineract-uat';
  const database = '10.20.33.10';
  const inputs = ['uat-intended.yaml', 'jobs-uat.yaml', 'uat-intended-config.yaml'].map((f) => join(REAL_GITOPS, f));
  let overlay = '';
  let messages = '';
  let report: Report;
  let status: number;

  beforeAll(async () => {
    ({ output: overlay, messages } = await fit({ workloads: inputs, namespace }));
    // What the user fills in: the TODO CIDRs (their database subnets).
    const filled = join(scratch, 'uat-fitted.yaml');
    writeFileSync(filled, overlay.replace('[TODO]', '[10.20.32.0/22]'));
    const render = helmTemplate({ helm: 4, namespace, valuesFiles: [filled] });
    if (render.status !== 0) throw new Error(render.stderr);
    const manifests = join(scratch, 'uat-fitted-render.yaml');
    writeFileSync(manifests, render.stdout);
    const run = runCli([
      'verify',
      '--manifests',
      manifests,
      ...['uat-intended.yaml', 'jobs-uat.yaml'].flatMap((f) => ['--workloads', join(REAL_GITOPS, f)]),
      '--values',
      filled,
      '-o',
      'json',
    ]);
    if (run.status === 2) throw new Error(run.stderr);
    status = run.status;
    report = JSON.parse(run.stdout) as Report;
  }, 120_000);

  it('leaves the database subnets TODO, which validate refuses until set', () => {
    expect(overlay).toMatch(/rds: \{cidrs: \[TODO\], excludePrivate: false\}/);
    const raw = join(scratch, 'uat-todo.yaml');
    writeFileSync(raw, overlay);
    const run = runCli(['validate', '-f', raw]);
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/networks\.rds\.cidrs\[0\] {2}"TODO" is a CIDR left for you/);
  });

  it('verifies clean once filled: no error, no warning', () => {
    expect(status).toBe(0);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it.each(gitopsNeeds(namespace, database).map((n) => [`${n.from} → ${n.to} TCP ${n.tcp.join(',')}`, n] as const))(
    'allows %s',
    (_flow, need) => {
      for (const port of need.tcp) expect(allows(report, need.from, need.to, port), need.why).toBe(true);
    },
  );

  it('allows nothing else of the release namespace but DNS', () => {
    expect(extraFlows(report, gitopsNeeds(namespace, database), namespace)).toEqual([]);
  });

  it('reports where each inference comes from, and what it could not resolve', () => {
    expect(messages).toMatch(
      /fineract-uat\/fineract-batch → tracing\/otel-collector TCP 4317 {2}\[added: connections\.fineract-batch-to-otel-collector\]/,
    );
    expect(messages).toMatch(/env OTEL_EXPORTER_OTLP_ENDPOINT \(.*uat-intended\.yaml:\d+\)/);
    expect(messages).toMatch(/`apk add` at start-up \(container envsubst-config\)/);
    expect(messages).toMatch(/ServiceMonitor monitoring\/keycloak, port http .* fit uses 9000/);
    expect(messages).toMatch(/connections\.keycloak-to-oidc-federation: .*no workload of the input needs it: disabled/);
    // The chart's optional traces connection is switched on, not copied; the default peer is used.
    expect(messages).toMatch(
      /connections\.fineract-to-otel-collector: enabled: component:fineract → peer:otel-collector TCP\/4317, TCP\/4318/,
    );
    expect(overlay).toMatch(/^ {2}fineract-to-otel-collector: \{enabled: true\}$/m);
    expect(overlay).not.toMatch(/^ {2}otel-collector/m);
  });

  it('finds nothing to change in values/uat.yaml, fitted to the same deployment by hand', async () => {
    const result = await fit({ workloads: inputs, namespace, values: ['values/uat.yaml'] });
    expect(result.output).toMatch(/\n\{\}\n$/);
    expect(result.messages).toMatch(/31 allowed by the values, 0 added/);
  });
});

describe('fit on an input without the Services the apps name', () => {
  it('disables nothing and keeps the metricsPorts: a needed flow would look unneeded', async () => {
    const result = await fit({ workloads: [join(REAL_GITOPS, 'uat-intended.yaml')], namespace: 'fineract-uat' });
    expect(result.messages).toMatch(/\(nothing disabled\): the input has no Service/);
    expect(result.messages).toMatch(/connections\.fineract-to-redis: .*no workload of the input needs it\n/);
    // Only what the input shows for sure: the database hosts in Secrets, left TODO.
    expect(result.output.replace(/^\s*#.*\n/gm, '').trim()).toBe(
      'networks:\n  rds: {cidrs: [TODO], excludePrivate: false}',
    );
  });
});

describe('fit on the command line', () => {
  const input = join(REAL_GITOPS, 'uat-intended.yaml');

  it('writes the overlay atomically with --out and prints the report', () => {
    const out = join(scratch, 'fitted.yaml');
    const run = runCli(['fit', '-w', input, '-n', 'fineract-uat', '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/fit: wrote /);
    expect(readFileSync(out, 'utf8')).toMatch(/^# yaml-language-server: \$schema=/);
  });

  it('-o json prints the report on stdout', () => {
    const config = join(REAL_GITOPS, 'uat-intended-config.yaml');
    const run = runCli(['fit', '-w', input, '-w', config, '-o', 'json']);
    expect(run.status).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      namespace: string;
      needs: { from: string; to: string; port: number; status: string; by?: string }[];
    };
    expect(parsed.namespace).toBe('fineract-uat'); // the namespace the components select most
    expect(parsed.needs).toContainEqual(
      expect.objectContaining({
        from: 'monitoring/prometheus-prometheus',
        to: 'fineract-uat/keycloak',
        port: 9000,
        status: 'allowed',
        by: 'components.keycloak.metricsPorts',
      }),
    );
  });

  it('exits 2 naming the namespace when -n names none of the input', () => {
    const out = join(scratch, 'never.yaml');
    const run = runCli(['fit', '-w', input, '-n', 'fineract-uatt', '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no workload of the input is in namespace "fineract-uatt"/);
    expect(existsSync(out)).toBe(false);
  });
});
