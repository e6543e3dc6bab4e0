// `fineract-netpol verify`: what the policies really allow, and what is wrong with them.
//
// Usage: const { output, exitCode } = await verify({ manifests: ['out/uat.yaml'], workloads: ['inventory.yaml'],
//                                                    values: ['values/uat.yaml'], output: 'text' });
import { UsageError } from '../../errors.ts';
import { analyze } from '../../verify/analyze.ts';
import { findings } from '../../verify/findings.ts';
import { declaredCidrs, intentFindings, readValuesFiles } from '../../verify/intent.ts';
import { loadManifests, type LoadedManifests } from '../../verify/load.ts';
import { buildReport, formatReport, type OutputFormat, type Report } from '../../verify/report.ts';
import { synthesizeFromPolicies, synthesizeFromValues, type Inventory } from '../../verify/synthesize.ts';

export type VerifyOptions = {
  /** Files, folders or `-` with the NetworkPolicies (other objects are ignored and counted). */
  manifests: string[];
  /** Files or folders with Namespaces and workloads; without them, representative pods are synthesized. */
  workloads?: string[];
  /** Values files of the chart (merged like `helm -f a -f b`): their connections are the intent. */
  values?: string[];
  /** The release namespace; by default the namespace of the policies. */
  namespace?: string;
  output: OutputFormat;
};

export type VerifyResult = { report: Report; output: string; exitCode: 0 | 1 };

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const manifests = await loadManifests(options.manifests, { defaultNamespace: options.namespace });
  const values = options.values && options.values.length > 0 ? readValuesFiles(options.values) : undefined;
  const inventory = await readInventory(options, manifests, values);
  // With values, split external addresses where the values' networks do too, so that a declared
  // network is compared atom by atom.
  const analysis = analyze({ policies: manifests.policies, ...inventory, cidrs: values ? declaredCidrs(values) : [] });
  const found = [
    ...findings(analysis, { namespaces: inventory.namespaces }),
    ...(values ? intentFindings(analysis, values, { namespace: options.namespace }) : []),
  ];
  const ignoredObjects = manifests.ignored.reduce((n, k) => n + k.count, 0);
  const report = buildReport(analysis, found, { ignoredObjects });
  return {
    report,
    output: formatReport(report, options.output),
    exitCode: found.some((f) => f.severity === 'error') ? 1 : 0,
  };
}

/** The workloads to evaluate: the inventory given, or representative pods synthesized. */
export async function readInventory(
  options: Pick<VerifyOptions, 'workloads' | 'namespace'>,
  manifests: LoadedManifests,
  values: ReturnType<typeof readValuesFiles> | undefined,
): Promise<Inventory> {
  if (options.workloads && options.workloads.length > 0) {
    const loaded = await loadManifests(options.workloads, { defaultNamespace: options.namespace });
    return { namespaces: loaded.namespaces, workloads: loaded.workloads };
  }
  if (values) return synthesizeFromValues(values, { namespace: options.namespace ?? onlyNamespace(manifests) });
  return synthesizeFromPolicies(manifests.policies);
}

function onlyNamespace(manifests: LoadedManifests): string {
  const namespaces = [...new Set(manifests.policies.map((p) => p.namespace))].sort();
  if (namespaces.length === 1) return namespaces[0] as string;
  throw new UsageError(
    `the policies are in ${namespaces.length === 0 ? 'no namespace' : `several namespaces (${namespaces.join(', ')})`}; pass --namespace <release namespace> to place the synthesized pods`,
  );
}
