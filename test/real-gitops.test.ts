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
import { runCli } from './helpers/cli.ts';
import { allows, extraFlows, gitopsNeeds, REAL_GITOPS, type Report } from './helpers/real-gitops.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const FIXTURES = REAL_GITOPS;
const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-real-gitops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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

  it.each(
    gitopsNeeds(env.namespace, env.database).map((n) => [`${n.from} → ${n.to} TCP ${n.tcp.join(',')}`, n] as const),
  )('allows %s', (_flow, need) => {
    for (const port of need.tcp) expect(allows(report, need.from, need.to, port), need.why).toBe(true);
  });

  it('allows nothing else of the release namespace but DNS', () => {
    const extra = extraFlows(report, gitopsNeeds(env.namespace, env.database), env.namespace);
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
