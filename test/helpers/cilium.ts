// The real checks of the chart's CiliumNetworkPolicies: what they check and with what.
//
// Usage: const file = ciliumCrdFile();                         // the CRD scripts/run copied from the module
//        for (const r of ciliumRenders()) …                    // every environment × Helm 3 and 4, policyEngine=cilium
//        const verdicts = ciliumCheck(yamlText);               // cilium-check's line per object
//        for (const c of ciliumCases()) c.refusedBy.has('schema')
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ciliumCrdFile as crdPath } from '../../scripts/vendor-cilium-crd.ts';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../../src/paths.ts';
import { helmTemplate, parseManifests, type HelmVersion } from './helm.ts';
import { ciliumCheckBinary } from './tools.ts';

export const CILIUM_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'cilium');

/** The CiliumNetworkPolicy CRD that scripts/run copied from the Cilium module; throws when missing. */
export function ciliumCrdFile(): string {
  const file = crdPath();
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new Error(
      `the Cilium CRD is not at ${file}: run the tests through \`scripts/run npm test\`, which copies it from the github.com/cilium/cilium module`,
    );
  }
  return file;
}

/**
 * Whether the chart has the cilium engine yet (`policyEngine` in chart/values.schema.json). Until
 * it has, the tests check the hand-written renders of test/fixtures/cilium/ only.
 */
export function chartHasCiliumEngine(): boolean {
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
    properties?: Record<string, unknown>;
  };
  return schema.properties?.['policyEngine'] !== undefined;
}

/** Every environment: the chart's defaults and each values/*.yaml, with its release namespace. */
export function environments(): { name: string; namespace: string; values: string[] }[] {
  const files = readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return [
    { name: 'defaults', namespace: 'fineract', values: [] },
    ...files.map((f) => {
      const name = f.replace(/\.yaml$/, '');
      return { name, namespace: `fineract-${name}`, values: [join(VALUES_DIR, f)] };
    }),
  ];
}

export type CiliumRender = { label: string; namespace: string; text: string; objects: Record<string, unknown>[] };

/**
 * A values overlay that switches on what only the cilium engine renders (toFQDNs with the DNS
 * rule's rules.dns, entities, a port range, the default-deny policy).
 */
export const CILIUM_FEATURES_VALUES = join(CILIUM_FIXTURES, 'features.values.yaml');

/**
 * `helm template … --set policyEngine=cilium` of every environment, as it is and with
 * CILIUM_FEATURES_VALUES on top, with Helm 3 and 4; throws on a failed render.
 */
export function ciliumRenders(helms: readonly HelmVersion[] = [3, 4]): CiliumRender[] {
  const variants = environments().flatMap((env) => [
    { ...env },
    { ...env, name: `${env.name} + cilium features`, values: [...env.values, CILIUM_FEATURES_VALUES] },
  ]);
  return variants.flatMap((env) =>
    helms.map((helm) => {
      const out = helmTemplate({
        helm,
        namespace: env.namespace,
        valuesFiles: env.values,
        set: { policyEngine: 'cilium' },
      });
      const label = `${env.name} (Helm ${helm})`;
      if (out.status !== 0) throw new Error(`${label}: helm template failed: ${out.stderr}`);
      return { label, namespace: env.namespace, text: out.stdout, objects: parseManifests(out.stdout) };
    }),
  );
}

export type CiliumCase = { name: string; object: Record<string, unknown>; refusedBy: Set<string>; why: string };

/** The objects of a fixture file, with the layers that must refuse each (none for spec-shape.yaml). */
export function ciliumCases(file: 'spec-shape.yaml' | 'refused.yaml'): CiliumCase[] {
  const text = readFileSync(join(CILIUM_FIXTURES, file), 'utf8');
  return parseAllDocuments(text).map((doc) => {
    const object = doc.toJS() as Record<string, unknown>;
    const metadata = object['metadata'] as { name: string; annotations?: Record<string, string> };
    const annotations = metadata.annotations ?? {};
    return {
      name: metadata.name,
      object,
      refusedBy: new Set((annotations['fineract-netpol.test/refused-by'] ?? '').split(/\s+/).filter((s) => s !== '')),
      why: annotations['fineract-netpol.test/why'] ?? '',
    };
  });
}

export type CiliumVerdict = { verdict: 'ok' | 'error' | 'skip'; id: string; detail: string };

/** Runs cilium-check on YAML/JSON documents; its verdict per object and its exit status. */
export function ciliumCheck(
  input: string,
  args: string[] = [],
): { status: number; verdicts: CiliumVerdict[]; stderr: string } {
  const result = spawnSync(ciliumCheckBinary(), [...args, '-'], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  const verdicts = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [verdict, id, ...rest] = line.split('\t');
      return { verdict: verdict as CiliumVerdict['verdict'], id: id ?? '', detail: rest.join('\t') };
    });
  return { status: result.status ?? 1, verdicts, stderr: result.stderr };
}
