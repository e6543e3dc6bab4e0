// examples/argocd/application-uat.yaml, rendered the way Argo CD's repo-server renders a Helm
// source: deterministic, and the same bytes as a plain `helm template` of the same environment.
//
// Argo CD (util/helm/cmd.go, reposerver) runs, in the checked-out source `path`:
//   helm template . --name-template <helm.releaseName or the Application's name>
//     --namespace <destination.namespace> --kube-version <cluster version>
//     --values <each valueFile, resolved relative to the source path; must stay in the repository>
//     --api-versions <every API of the cluster> … --include-crds
// with Helm 4 in Argo CD >= 3.5.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmTemplate, parseManifests, type HelmResult } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';
import { helmBinary } from './helpers/tools.ts';

isolateHelmHome();

const APPLICATION_FILE = join(REPO_ROOT, 'examples', 'argocd', 'application-uat.yaml');
/** The cluster Argo CD renders for: its version and (part of) its API list. */
const KUBE_VERSION = '1.31.4';
const API_VERSIONS = ['v1', 'apps/v1', 'networking.k8s.io/v1', 'networking.k8s.io/v1/NetworkPolicy'];

type Application = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    project: string;
    source: {
      repoURL: string;
      targetRevision: string;
      path: string;
      chart?: string;
      helm?: { releaseName?: string; valueFiles?: string[] };
    };
    destination: { server?: string; name?: string; namespace: string };
    syncPolicy?: {
      automated?: { prune?: boolean; selfHeal?: boolean };
      syncOptions?: string[];
    };
  };
};

const application = parse(readFileSync(APPLICATION_FILE, 'utf8')) as Application;

/** Whether `path` is `root` or inside it. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The `helm template` command Argo CD's repo-server runs for a Helm source checked out at
 * `repoRoot`, and the directory it runs it in.
 */
function argoRenderCommand(app: Application, repoRoot: string): { cwd: string; args: string[] } {
  const source = app.spec.source;
  const appPath = resolve(repoRoot, source.path);
  if (!isInside(repoRoot, appPath)) throw new Error(`source.path ${source.path} leaves the repository`);
  const values = (source.helm?.valueFiles ?? []).map((file) => {
    // Relative to the source path; a leading slash means relative to the repository root.
    const resolved = file.startsWith('/') ? join(repoRoot, file) : resolve(appPath, file);
    if (!isInside(repoRoot, resolved)) throw new Error(`valueFile ${file} leaves the repository`);
    return resolved;
  });
  const args = ['template', '.', '--name-template', source.helm?.releaseName || app.metadata.name];
  args.push('--namespace', app.spec.destination.namespace, '--kube-version', KUBE_VERSION);
  for (const file of values) args.push('--values', file);
  for (const api of API_VERSIONS) args.push('--api-versions', api);
  args.push('--include-crds');
  return { cwd: appPath, args };
}

function run(cwd: string, args: string[]): HelmResult {
  const result = spawnSync(helmBinary(4), args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function ok(result: HelmResult): string {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('examples/argocd/application-uat.yaml', () => {
  it('is an Argo CD Application with this repository as a Helm source', () => {
    expect(application.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(application.kind).toBe('Application');
    const source = application.spec.source;
    expect(source.repoURL).toMatch(/^https:\/\/.+\.git$/);
    expect(source.targetRevision).toBeTruthy();
    expect(source.path).toBe('chart');
    expect(source.chart).toBeUndefined(); // a Git source with a path, not a Helm repository chart
    expect(source.helm?.releaseName).toBe('fineract-netpol');
    expect(source.helm?.valueFiles).toEqual(['../values/uat.yaml']);
  });

  it('deploys into fineract-uat without creating it, pruning and self-healing', () => {
    expect(application.spec.destination.namespace).toBe('fineract-uat');
    expect(application.spec.syncPolicy?.syncOptions).toContain('CreateNamespace=false');
    expect(application.spec.syncPolicy?.automated).toMatchObject({ prune: true, selfHeal: true });
  });

  it('names value files that resolve, relative to the chart path, to files of the repository', () => {
    const { args } = argoRenderCommand(application, REPO_ROOT);
    const files = args.filter((_arg, i) => args[i - 1] === '--values');
    expect(files).toEqual([join(VALUES_DIR, 'uat.yaml')]);
    for (const file of files) expect(existsSync(file)).toBe(true);
  });

  it('refuses a value file outside the repository, as Argo CD does', () => {
    const escaping = structuredClone(application);
    escaping.spec.source.helm!.valueFiles = ['../../etc/values.yaml'];
    expect(() => argoRenderCommand(escaping, REPO_ROOT)).toThrow(/leaves the repository/);
  });
});

describe('rendering as Argo CD does (Helm 4)', () => {
  let checkout: string;
  let first: string;

  beforeAll(() => {
    const { cwd, args } = argoRenderCommand(application, REPO_ROOT);
    first = ok(run(cwd, args));
    // A second checkout of the repository at another path, as the repo-server makes one per request.
    checkout = mkdtempSync(join(tmpdir(), 'fineract-netpol-argocd-checkout-'));
    cpSync(CHART_DIR, join(checkout, 'chart'), { recursive: true });
    cpSync(VALUES_DIR, join(checkout, 'values'), { recursive: true });
  });
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it('renders the uat policies', () => {
    expect(first.length).toBeGreaterThan(0);
    const objects = parseManifests(first);
    expect(objects.length).toBeGreaterThanOrEqual(4);
    for (const object of objects) {
      expect(object).toMatchObject({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: {
          namespace: 'fineract-uat',
          labels: { 'app.kubernetes.io/instance': 'fineract-netpol', environment: 'uat' },
        },
      });
    }
    // values/uat.yaml was applied: its database subnets, not the chart's 0.0.0.0/0.
    expect(first).toContain('cidr: 10.20.32.0/24');
  });

  it('renders the same bytes twice', () => {
    const { cwd, args } = argoRenderCommand(application, REPO_ROOT);
    expect(ok(run(cwd, args))).toBe(first);
  });

  it('renders the same bytes from another checkout directory', () => {
    const { cwd, args } = argoRenderCommand(application, checkout);
    expect(cwd).not.toBe(CHART_DIR);
    expect(ok(run(cwd, args))).toBe(first);
  });

  it('renders the same bytes as the plain helm template command of the environment', () => {
    const plain = helmTemplate({
      helm: 4,
      releaseName: 'fineract-netpol',
      namespace: 'fineract-uat',
      valuesFiles: [join(VALUES_DIR, 'uat.yaml')],
    });
    expect(ok(plain)).toBe(first);
    // …also when run from an unrelated working directory.
    const elsewhere = run(tmpdir(), [
      'template',
      'fineract-netpol',
      CHART_DIR,
      '-n',
      'fineract-uat',
      '-f',
      join(VALUES_DIR, 'uat.yaml'),
    ]);
    expect(ok(elsewhere)).toBe(first);
  });

  it('contains no timestamp or random identifier', () => {
    expect(first).not.toMatch(/\b\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2})?/);
    expect(first).not.toMatch(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i);
    expect(first).not.toContain(tmpdir());
    expect(first).not.toContain(REPO_ROOT);
  });
});
