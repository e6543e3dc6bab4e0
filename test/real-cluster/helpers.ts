// Helpers of the real-cluster suite: the Fineract inventory placed in any release namespace,
// renders loaded as verify reads them, and sandbox runs that always tear down.
//
// Usage: const inventory = await fineractInventory('fineract-dev');   // + an unlabelled pod
//        const policies = await renderPolicies(4, 'fineract-dev', ['values/dev.yaml']);
//        await withSandbox({ inventory, policies }, async (box) => { … });   // torn down even on failure
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../../src/paths.ts';
import { compare, expectation, formatDifferences, type Difference } from '../../src/sandbox/expect.ts';
import type { Observation } from '../../src/sandbox/probe.ts';
import { startSandbox, type Layout, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.ts';
import { loadManifests } from '../../src/verify/readers/load.ts';
import type { Namespace, NetworkPolicy, Workload } from '../../src/verify/model/types.ts';
import { helmTemplate, type HelmVersion } from '../helpers/helm.ts';

export const INVENTORY_FILE = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
export const LEGACY_DIR = join(REPO_ROOT, 'test', 'fixtures', 'legacy');
/** The namespace the inventory file is written for. */
const INVENTORY_NAMESPACE = 'fineract-uat';
/** The pod with no labels that the seed's "Testing" section probes from. */
export const UNLABELLED = 'unlabelled';

export type Inventory = { namespaces: Namespace[]; workloads: Workload[] };

/** The environments: values file (none for the chart's defaults) and release namespace. */
export const ENVIRONMENTS = [
  { name: 'defaults', namespace: 'fineract', values: [] as string[] },
  { name: 'dev', namespace: 'fineract-dev', values: [join(VALUES_DIR, 'dev.yaml')] },
  { name: 'uat', namespace: 'fineract-uat', values: [join(VALUES_DIR, 'uat.yaml')] },
  { name: 'production', namespace: 'fineract-production', values: [join(VALUES_DIR, 'production.yaml')] },
] as const;

/** The Fineract inventory with its release namespace renamed, plus an unlabelled pod there. */
export async function fineractInventory(namespace: string): Promise<Inventory> {
  const loaded = await loadManifests([INVENTORY_FILE]);
  const rename = (name: string) => (name === INVENTORY_NAMESPACE ? namespace : name);
  const namespaces = loaded.namespaces.map((ns) => ({
    name: rename(ns.name),
    labels: Object.fromEntries(
      Object.entries(ns.labels).map(([k, v]) => [k, v === INVENTORY_NAMESPACE ? namespace : v]),
    ),
  }));
  const workloads: Workload[] = loaded.workloads.map((w) => ({
    ...w,
    namespace: rename(w.namespace),
    source: undefined,
  }));
  workloads.push({ namespace, name: UNLABELLED, kind: 'Pod', labels: {}, ports: [] });
  return { namespaces, workloads };
}

/** `helm template` of the chart, loaded as verify reads it (throws on a failed render). */
export async function renderPolicies(
  helm: HelmVersion,
  namespace: string,
  values: readonly string[],
): Promise<NetworkPolicy[]> {
  const result = helmTemplate({ helm, namespace, valuesFiles: [...values] });
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return (await loadManifests(['-'], { readStdin: () => Promise.resolve(result.stdout) })).policies;
}

/** What a Helm release holds, loaded as verify reads it. */
export async function installedPolicies(box: Sandbox, helm: HelmVersion, namespace: string): Promise<NetworkPolicy[]> {
  const manifest = await box.helm(helm, ['get', 'manifest', 'fineract-netpol', '-n', namespace]);
  return (await loadManifests(['-'], { readStdin: () => Promise.resolve(manifest) })).policies;
}

/** Every NetworkPolicy the API server holds, loaded as verify reads it. */
export async function serverPolicies(box: Sandbox): Promise<NetworkPolicy[]> {
  const text = await box.kubectl(['get', 'networkpolicies', '-A', '-o', 'yaml']);
  return (await loadManifests(['-'], { readStdin: () => Promise.resolve(text) })).policies;
}

/** Starts a sandbox, runs `body`, and tears it down whatever happens; asserts nothing is left. */
export async function withSandbox<T>(options: SandboxOptions, body: (box: Sandbox) => Promise<T>): Promise<T> {
  const box = await startSandbox(options);
  let result: T;
  try {
    result = await body(box);
  } finally {
    const problems = await box.stop();
    expect(problems, 'the sandbox teardown left something behind').toEqual([]);
  }
  return result;
}

/**
 * One sandbox for the tests of a file, in turn (a file's tests run one after another): the first
 * test starts it, each next one lays out its own inventory on the same API server and enforcer
 * (`relayOut`: every policy, pod and host of the test before removed first), and afterAll tears it
 * down and asserts nothing is left. A test that fails takes the sandbox down with it: the next one
 * starts a fresh one. Saves an API server start per test.
 *
 * Usage: const inSandbox = sharedSandbox(async () => everyPolicyTheFileInstalls);
 *        it('…', () => inSandbox({ inventory, policies }, async (box) => { … }));
 */
export function sharedSandbox(
  reserve: () => Promise<NetworkPolicy[]>,
): <T>(layout: Layout, body: (box: Sandbox) => Promise<T>) => Promise<T> {
  let shared: Sandbox | undefined;
  const stop = async () => {
    const box = shared;
    shared = undefined;
    if (box) expect(await box.stop(), 'the sandbox teardown left something behind').toEqual([]);
  };
  afterAll(stop);
  return async (layout, body) => {
    try {
      if (shared) await shared.relayOut(layout);
      else shared = await startSandbox({ ...layout, reserve: await reserve() });
      return await body(shared);
    } catch (error) {
      await stop().catch((teardown: Error) => {
        if (error instanceof Error) error.message += `\n(and ${teardown.message})`;
      });
      throw error;
    }
  };
}

/** `helm <install|upgrade …>` of the chart, waiting until the enforcer has applied the change. */
export function helmChange(
  box: Sandbox,
  helm: HelmVersion,
  verb: string[],
  namespace: string,
  values: readonly string[],
): Promise<string> {
  return box.change(() =>
    box.helm(helm, [...verb, 'fineract-netpol', CHART_DIR, '-n', namespace, ...values.flatMap((v) => ['-f', v])]),
  );
}

/** The observed matrix compared with verify's verdicts over the same policies and inventory. */
export function differencesFromVerify(
  observed: readonly Observation[],
  policies: NetworkPolicy[],
  inventory: Inventory,
  box: Sandbox,
): Difference[] {
  return compare(observed, expectation({ policies, ...inventory }, box.hosts));
}

/** Fails with the differences listed (probe, policies, both verdicts). */
export function expectNoDifferences(differences: readonly Difference[], what: string): void {
  expect(
    differences.length,
    `${what}: observed ≠ verify on ${differences.length} probes:\n${formatDifferences(differences)}`,
  ).toBe(0);
}

/** The observation of one probe, by its ends and port. */
export function find(
  observed: readonly Observation[],
  from: string,
  to: string,
  protocol: 'TCP' | 'UDP',
  port: number,
): Observation {
  const found = observed.find((o) => o.from === from && o.to === to && o.protocol === protocol && o.port === port);
  if (!found) throw new Error(`no probe ${from} → ${to} ${protocol} ${port}`);
  return found;
}

/** A map from "from|to|protocol|port" to result, for comparing two matrices. */
export function resultsByProbe(observed: readonly Observation[]): Map<string, 'open' | 'blocked'> {
  return new Map(observed.map((o) => [`${o.from}|${o.to}|${o.protocol}|${o.port}`, o.result]));
}

export type Migration = {
  /** The policies the adoption loop names. */
  names: string[];
  /** The loop's kubectl commands, one per policy and verb (arguments after `kubectl`). */
  kubectl: string[][];
  /** The `helm upgrade --install` line for Helm 3, and the one for Helm 4 (arguments after `helm`). */
  helm3: string[];
  helm4: string[];
};

/**
 * The README's migration commands ("Migrating from the hand-written manifests"), read from the
 * README itself, with `./chart` and `values/…` made absolute: the suite runs what users are told.
 */
export function readmeMigration(): Migration {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = readme.split('```').find((b) => /^console\n[\s\S]*for p in /.test(b));
  if (!block) throw new Error('README.md has no console block with the `for p in …` adoption loop');
  const lines = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && l !== 'console');
  const loopLine = lines.find((l) => l.startsWith('for p in ')) ?? '';
  const names = (/^for p in (.*); do$/.exec(loopLine)?.[1] ?? '').split(/\s+/);
  const words = (line: string) =>
    line
      .split(/\s+/)
      .map((w) => w.replace(/^"|"$/g, ''))
      .map((w) => (w === './chart' ? CHART_DIR : w.startsWith('values/') ? join(REPO_ROOT, w) : w));
  const loop = lines.filter((l) => l.startsWith('kubectl '));
  const kubectl = names.flatMap((name) => loop.map((l) => words(l.replaceAll('"$p"', name)).slice(1)));
  const helm = lines.filter((l) => l.startsWith('helm upgrade --install '));
  const helm3 = helm.find((l) => / --force( |$)/.test(l));
  const helm4 = helm.find((l) => l.includes(' --force-conflicts'));
  if (!helm3 || !helm4 || kubectl.length === 0) {
    throw new Error('README.md: the migration block must hold the kubectl loop and a Helm 3 and a Helm 4 upgrade line');
  }
  return { names, kubectl, helm3: words(helm3).slice(1), helm4: words(helm4).slice(1) };
}
