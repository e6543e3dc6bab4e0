// A real Fineract deployment on real packets: values/uat.yaml and values/production.yaml installed
// with Helm 3 and Helm 4 into a real API server, kube-router enforcing, over the workloads of the
// fineract-gitops overlays as they intend them (test/fixtures/real-gitops/, the PreSync Jobs
// included), every pod and external host probed on every port. The observed matrix equals
// verify's, probe for probe; and what the deployment must not lose is open on the wire: users log
// in (Ingress NGINX → Keycloak 8080), the Jobs reach their database, Prometheus scrapes Keycloak's
// management port and OAuth2 Proxy's metrics — while the Jobs reach nothing else. And the overlay
// `fit` proposes for the uat deployment from the chart's defaults alone (its TODO CIDRs filled
// with the same database subnets), installed with Helm 4, does the same on the wire.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fit } from '../../src/cli/fit/index.ts';
import { parseRange, rangeContains } from '../../src/model/cidr.ts';
import { REPO_ROOT, VALUES_DIR } from '../../src/paths.ts';
import type { Observation } from '../../src/sandbox/probe.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import { loadManifests } from '../../src/verify/readers/load.ts';
import {
  differencesFromVerify,
  expectNoDifferences,
  helmChange,
  installedPolicies,
  renderPolicies,
  serverPolicies,
  sharedSandbox,
} from './helpers.ts';

const unavailable = sandboxUnavailable();
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'real-gitops');

const UAT_DATABASE = ['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24']; // values/uat.yaml's example subnets

// The overlay fit proposes for uat from the chart's defaults, with its TODO CIDRs filled in.
const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-real-gitops-fit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const FITTED = join(scratch, 'uat-fitted.yaml');
let fitted: Promise<void> | undefined;
function writeFitted(): Promise<void> {
  fitted ??= (async () => {
    const inputs = ['uat-intended.yaml', 'jobs-uat.yaml', 'uat-intended-config.yaml'].map((f) => join(FIXTURES, f));
    const { output } = await fit({ workloads: inputs, namespace: 'fineract-uat' });
    if (!output.includes('[TODO]')) throw new Error('fit left no TODO for the database subnets');
    writeFileSync(FITTED, output.replace('[TODO]', `[${UAT_DATABASE.join(', ')}]`));
  })();
  return fitted;
}

type Environment = {
  name: string;
  namespace: string;
  values: string[];
  inventory: string[];
  database: string[];
  helms: readonly (3 | 4)[];
  prepare?: () => Promise<void>;
};

const ENVIRONMENTS: Environment[] = [
  {
    name: 'values/uat.yaml',
    namespace: 'fineract-uat',
    values: [join(VALUES_DIR, 'uat.yaml')],
    inventory: ['uat-intended.yaml', 'jobs-uat.yaml'],
    database: UAT_DATABASE,
    helms: [3, 4],
  },
  {
    name: 'values/production.yaml',
    namespace: 'fineract-production',
    values: [join(VALUES_DIR, 'production.yaml')],
    inventory: ['production-intended.yaml', 'jobs-production-intended.yaml'],
    database: ['10.30.32.0/24', '10.30.33.0/24', '10.30.34.0/24'],
    helms: [3, 4],
  },
  {
    name: "fit's overlay for uat",
    namespace: 'fineract-uat',
    values: [FITTED],
    inventory: ['uat-intended.yaml', 'jobs-uat.yaml'],
    database: UAT_DATABASE,
    helms: [4],
    prepare: writeFitted,
  },
];

// One API server for all, each laid out in turn (its pod subnet outside every policy's ipBlocks).
const inSandbox = sharedSandbox(async () => {
  await writeFitted();
  return (await Promise.all(ENVIRONMENTS.map((env) => renderPolicies(4, env.namespace, env.values)))).flat();
});

describe.skipIf(unavailable !== undefined).each(ENVIRONMENTS)(
  'real cluster: the fineract-gitops deployment with $name',
  (env) => {
    it(`Helm ${env.helms.join(' and ')}: observed = verify; login, Jobs and metrics work on the wire`, async () => {
      await env.prepare?.();
      const loaded = await loadManifests(env.inventory.map((f) => join(FIXTURES, f)));
      const inventory = {
        namespaces: loaded.namespaces,
        workloads: loaded.workloads.map((w) => ({ ...w, source: undefined })),
      };
      const database = env.database.map(parseRange);
      const rendered = await renderPolicies(4, env.namespace, env.values);
      await inSandbox({ inventory, policies: rendered }, async (box) => {
        for (const helm of env.helms) {
          await helmChange(box, helm, ['install'], env.namespace, env.values);
          const installed = await installedPolicies(box, helm, env.namespace);
          const observed = await box.probe();
          expectNoDifferences(differencesFromVerify(observed, installed, inventory, box), `Helm ${helm}, ${env.name}`);
          const results = (match: (o: Observation) => boolean) => [
            ...new Set(observed.filter(match).map((o) => o.result)),
          ];
          const pod = (name: string) => `${env.namespace}/${name}`;
          const toDatabase = (o: Observation) => database.some((r) => rangeContains(r, parseRange(`${o.address}/32`)));
          const from = (source: string, to: string, port: number) => (o: Observation) =>
            o.from === source && o.to === to && o.port === port;
          // Users log in: the login host routes to Keycloak.
          expect(results(from('ingress-nginx/ingress-nginx-controller', pod('keycloak'), 8080)), 'login').toEqual([
            'open',
          ]);
          // The PreSync Jobs reach their database, and nothing but it and DNS.
          for (const job of ['create-fineract-databases', 'fineract-schema-migration', 'create-keycloak-db']) {
            expect(
              results((o) => o.from === pod(job) && o.port === 5432 && toDatabase(o)),
              job,
            ).toEqual(['open']);
            expect(
              results((o) => o.from === pod(job) && !toDatabase(o) && o.to !== 'kube-system/coredns'),
              `${job} reaches nothing else`,
            ).toEqual(['blocked']);
          }
          // Prometheus scrapes Keycloak on its management port, OAuth2 Proxy on its metrics address.
          const prometheus = 'monitoring/prometheus-prometheus';
          expect(results(from(prometheus, pod('keycloak'), 9000)), 'Keycloak metrics').toEqual(['open']);
          expect(results(from(prometheus, pod('oauth2-proxy'), 9090)), 'OAuth2 Proxy metrics').toEqual(['open']);
          const open = observed.filter((o) => o.result === 'open').length;
          console.log(
            `[real-cluster] fineract-gitops ${env.name}, Helm ${helm}: ${observed.length} probes (${open} open, ${observed.length - open} blocked), 0 differences from verify`,
          );
          await box.change(() => box.helm(helm, ['uninstall', 'fineract-netpol', '-n', env.namespace]));
          expect(await serverPolicies(box), 'helm uninstall removes every policy').toEqual([]);
        }
      });
    });
  },
);
