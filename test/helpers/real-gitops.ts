// The fineract-gitops deployment (test/fixtures/real-gitops/): the flows it needs, read from its
// manifests, and checks of verify's JSON report against them — shared by the environment tests
// (test/real-gitops.test.ts) and fit's (test/fit.test.ts).
//
// Usage: const needs = gitopsNeeds('fineract-uat', '10.20.33.10');
//        allows(report, 'fineract-uat/keycloak', '10.20.33.10', 5432)   // true when verify's flows allow it
//        extraFlows(report, needs, 'fineract-uat')                       // flows of the namespace no need names
import { join } from 'node:path';
import { parseRange, rangeContains } from '../../src/model/cidr.ts';
import { REPO_ROOT } from '../../src/paths.ts';

export const REAL_GITOPS = join(REPO_ROOT, 'test', 'fixtures', 'real-gitops');

/** A flow the deployment needs: pods as `ns/workload`, an external end as one of its addresses. */
export type Need = { from: string; to: string; tcp: number[]; why: string };

/** The needs of the fineract-gitops deployment in namespace `ns`, read from its manifests. */
export function gitopsNeeds(ns: string, database: string): Need[] {
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

export type Connection = { from: string; to: string; protocol: string; ports: string[] };
export type Report = {
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

export function allows(report: Report, from: string, to: string, port: number, protocol = 'TCP'): boolean {
  return report.connections.some(
    (c) => c.protocol === protocol && covers(c.from, from) && covers(c.to, to) && inPorts(c.ports, port),
  );
}

/** The flows of verify's report touching namespace `ns` that no need names (DNS to CoreDNS aside). */
export function extraFlows(report: Report, all: Need[], ns: string): Connection[] {
  const release = `${ns}/`;
  return report.connections.filter((c) => {
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
}
