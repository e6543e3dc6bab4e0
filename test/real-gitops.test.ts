// A real Fineract deployment (fineract-gitops, test/fixtures/real-gitops/): the shipped environment
// files, rendered by real Helm and verified against the inventories of its uat and production
// overlays (with their Argo CD PreSync Jobs), allow every flow the deployment needs — each need
// below with the place of its manifests that says so — and nothing else of its release namespace
// but DNS: no flow the deployment does not use. The values a user must still set are their
// database subnets (the files' example ones stand for them here).
//
// Run: scripts/run npx vitest run test/real-gitops.test.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, rangeContains } from '../src/model/cidr.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { runCli } from './helpers/cli.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'real-gitops');
const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-real-gitops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A flow the deployment needs: pods as `ns/workload`, an external end as one of its addresses. */
type Need = { from: string; to: string; tcp: number[]; why: string };

/** The needs of the fineract-gitops deployment in namespace `ns`, read from its manifests. */
function needs(ns: string, database: string): Need[] {
  const fineract = ['fineract-read', 'fineract-write', 'fineract-batch'].map((w) => `${ns}/${w}`);
  const api = [`${ns}/fineract-read`, `${ns}/fineract-write`];
  const jobs = ['create-fineract-databases', 'fineract-schema-migration', 'create-keycloak-db'].map(
    (w) => `${ns}/${w}`,
  );
  const s3 = '52.218.0.10'; // an address of S3 in eu-west-1: FINERACT_CONTENT_S3_ENABLED, the public endpoint
  return [
    ...api.map((to) => ({
      from: 'ingress-nginx/ingress-nginx-controller',
      to,
      tcp: [8443],
      why: 'the Ingress of the API (the read and write containers serve 8443)',
    })),
    {
      from: 'ingress-nginx/ingress-nginx-controller',
      to: `${ns}/keycloak`,
      tcp: [8080],
      why: 'the login host routes to Keycloak (KC_HOSTNAME, --http-enabled): users log in there',
    },
    {
      from: 'ingress-nginx/ingress-nginx-controller',
      to: `${ns}/oauth2-proxy`,
      tcp: [4180],
      why: 'the apps host goes through OAuth2 Proxy (REDIRECT_URL https://<apps>/oauth2/callback)',
    },
    ...fineract.flatMap((from) => [
      { from, to: database, tcp: [5432], why: 'FINERACT_DEFAULT_TENANTDB_HOSTNAME/_PORT, the JDBC URL' },
      { from, to: s3, tcp: [443], why: 'FINERACT_CONTENT_S3_ENABLED: documents in S3' },
      {
        from,
        to: `${ns}/fineract-redis`,
        tcp: [6379],
        why: 'SPRING_REDIS_HOST fineract-redis, SPRING_REDIS_PORT 6379',
      },
      {
        from,
        to: `${ns}/keycloak`,
        tcp: [8080],
        why: 'jwk-set-uri-internal (keycloak-service:8080): token validation',
      },
      {
        from,
        to: 'tracing/otel-collector',
        tcp: [4317, 4318],
        why: 'OTEL_EXPORTER_OTLP_ENDPOINT :4317, MANAGEMENT_OTLP_TRACING_ENDPOINT :4318',
      },
    ]),
    { from: `${ns}/keycloak`, to: database, tcp: [5432], why: 'KC_DB_URL_HOST / KC_DB_URL_PORT' },
    {
      from: `${ns}/oauth2-proxy`,
      to: `${ns}/keycloak`,
      tcp: [8080],
      why: 'OIDC_ISSUER_URL http://keycloak-service:8080/realms/…',
    },
    { from: `${ns}/oauth2-proxy`, to: `${ns}/fineract-redis`, tcp: [6379], why: 'OAUTH2_PROXY_REDIS_CONNECTION_URL' },
    {
      from: 'monitoring/prometheus-prometheus',
      to: `${ns}/keycloak`,
      tcp: [9000],
      why: 'Keycloak 26 --metrics-enabled serves /metrics on its management port 9000',
    },
    {
      from: 'monitoring/prometheus-prometheus',
      to: `${ns}/oauth2-proxy`,
      tcp: [9090],
      why: 'the ServiceMonitor port metrics (metrics_address 0.0.0.0:9090)',
    },
    {
      from: 'monitoring/prometheus-prometheus',
      to: `${ns}/fineract-redis`,
      tcp: [9121],
      why: 'the redis-exporter sidecar (containerPort 9121)',
    },
    ...jobs.map((from) => ({
      from,
      to: database,
      tcp: [5432],
      why: 'the PreSync Jobs create the databases and the schema',
    })),
  ];
}

type Connection = { from: string; to: string; protocol: string; ports: string[] };
type Report = {
  connections: Connection[];
  findings: { code: string; severity: string; message: string }[];
};

const isAddress = (end: string) => /^[0-9.]+$/.test(end);

/** Does the connection record cover this end (a pod by name, an address by its CIDR)? */
function covers(recordEnd: string, end: string): boolean {
  if (!isAddress(end)) return recordEnd === end;
  return /\//.test(recordEnd) && rangeContains(parseRange(recordEnd), parseRange(`${end}/32`));
}

function inPorts(ports: string[], port: number): boolean {
  return ports.some((p) => {
    const [a = '', b = a] = p.split('-');
    return Number(a) <= port && port <= Number(b);
  });
}

function allows(report: Report, from: string, to: string, port: number, protocol = 'TCP'): boolean {
  return report.connections.some(
    (c) => c.protocol === protocol && covers(c.from, from) && covers(c.to, to) && inPorts(c.ports, port),
  );
}

type Environment = { name: string; namespace: string; database: string; inventories: string[]; values: string[] };

const ENVIRONMENTS: Environment[] = [
  {
    name: 'uat',
    namespace: 'fineract-uat',
    database: '10.20.33.10', // in the example database subnets of values/uat.yaml
    inventories: ['uat-intended.yaml', 'jobs-uat.yaml'],
    values: ['values/uat.yaml'],
  },
  {
    name: 'production',
    namespace: 'fineract-production',
    database: '10.30.33.10',
    inventories: ['production-intended.yaml', 'jobs-production-intended.yaml'],
    values: ['values/production.yaml'],
  },
];

/** The environment's files rendered by Helm 4 and verified against its inventories. */
function verifyEnvironment(env: Environment, extraValues: string[] = []): { status: number; report: Report } {
  const render = helmTemplate({ helm: 4, namespace: env.namespace, valuesFiles: [...env.values, ...extraValues] });
  if (render.status !== 0) throw new Error(render.stderr);
  const manifests = join(scratch, `${env.name}-${extraValues.length}.yaml`);
  writeFileSync(manifests, render.stdout);
  const run = runCli([
    'verify',
    '--manifests',
    manifests,
    ...env.inventories.flatMap((f) => ['--workloads', join(FIXTURES, f)]),
    ...[...env.values, ...extraValues].flatMap((f) => ['--values', f]),
    '-o',
    'json',
  ]);
  if (run.status === 2) throw new Error(run.stderr);
  return { status: run.status, report: JSON.parse(run.stdout) as Report };
}

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('fineract-gitops %s', (_name, env) => {
  let report: Report;
  let status: number;
  beforeAll(() => {
    ({ status, report } = verifyEnvironment(env));
  }, 120_000);

  it('verifies clean: no error, no warning', () => {
    expect(status).toBe(0);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it.each(needs(env.namespace, env.database).map((n) => [`${n.from} → ${n.to} TCP ${n.tcp.join(',')}`, n] as const))(
    'allows %s',
    (_flow, need) => {
      for (const port of need.tcp) expect(allows(report, need.from, need.to, port), need.why).toBe(true);
    },
  );

  it('allows nothing else of the release namespace but DNS', () => {
    const all = needs(env.namespace, env.database);
    const release = `${env.namespace}/`;
    const extra = report.connections.filter((c) => {
      if (!c.from.startsWith(release) && !c.to.startsWith(release)) return false;
      if (c.to === 'kube-system/coredns' && c.ports.every((p) => p === '53')) return false;
      // Each port of the record must be one a need names between ends it covers.
      return c.ports.some((range) => {
        const [a = '', b = a] = range.split('-');
        for (let port = Number(a); port <= Number(b); port += 1) {
          const needed = all.some(
            (n) =>
              c.protocol === 'TCP' &&
              n.tcp.includes(port) &&
              covers(c.from, n.from) &&
              (isAddress(n.to) ? /\//.test(c.to) : c.to === n.to),
          );
          if (!needed) return true;
          if (Number(b) - Number(a) > 16) break; // a range is judged by its first ports
        }
        return false;
      });
    });
    expect(extra).toEqual([]);
  });
});

describe('fineract-gitops production without its Jobs modelled', () => {
  it('verify warns that the deny-all policy alone cuts the PreSync Jobs off (isolated-workload)', () => {
    const env = ENVIRONMENTS[1] as Environment;
    const off = join(scratch, 'jobs-off.yaml');
    writeFileSync(
      off,
      'components:\n  fineract-database-init: {enabled: false}\n  keycloak-database-setup: {enabled: false}\n' +
        'connections:\n  fineract-database-init-to-rds: {enabled: false}\n  keycloak-database-setup-to-rds: {enabled: false}\n',
    );
    const { status, report } = verifyEnvironment(env, [off]);
    expect(status).toBe(0); // warnings only
    const isolated = report.findings.filter((f) => f.code === 'isolated-workload').map((f) => f.message.split(' ')[0]);
    expect(isolated.sort()).toEqual([
      'fineract-production/create-fineract-databases',
      'fineract-production/create-keycloak-db',
      'fineract-production/fineract-schema-migration',
    ]);
  });
});
