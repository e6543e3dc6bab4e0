// `fineract-netpol verify`: what the policies really allow, and what is wrong with them.
//
// It never passes without checking something: no NetworkPolicy read, an inventory without the
// workloads the policies or values are about, or standard input asked for twice are input errors
// (exit 2, src/cli/inputs.ts); documents it skips and policies of other APIs it cannot analyse
// are warnings on stderr (`messages`), errors under `strict`.
//
// Usage: const { output, messages, exitCode } = await verify({ manifests: ['out/uat.yaml'],
//          workloads: ['inventory.yaml'], values: ['values/uat.yaml'], output: 'text' });
import { UsageError } from '../../errors.ts';
import { analyze } from '../../verify/analyze.ts';
import { findings } from '../../verify/findings.ts';
import { declaredCidrs, intentFindings, readValuesFiles, releaseNamespaceOf } from '../../verify/intent.ts';
import { loadManifests, type LoadedManifests } from '../../verify/load.ts';
import { buildReport, formatReport, type OutputFormat, type Report } from '../../verify/report.ts';
import { synthesizeFromPolicies, synthesizeFromValues, type Inventory } from '../../verify/synthesize.ts';
import { loadWarnings, refuseStdinTwice, requireInventoryMatch, requirePolicies } from '../inputs.ts';

export type VerifyOptions = {
  /** Files, folders or `-` with the NetworkPolicies (other objects are ignored and counted). */
  manifests: string[];
  /** Files or folders with Namespaces and workloads; without them, representative pods are synthesized. */
  workloads?: string[];
  /** Values files of the chart (merged like `helm -f a -f b`): their connections are the intent. */
  values?: string[];
  /** The release namespace; by default the namespace of the policies. */
  namespace?: string;
  /** Policies of other APIs (AdminNetworkPolicy, Cilium, Calico …) in the input are an error. */
  strict?: boolean;
  output: OutputFormat;
};

export type VerifyResult = { report: Report; output: string; messages: string; exitCode: 0 | 1 };

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  refuseStdinTwice({ '--manifests': options.manifests, '--workloads': options.workloads, '--values': options.values });
  const manifests = await loadManifests(options.manifests, { defaultNamespace: options.namespace });
  let messages = loadWarnings(manifests, options);
  requirePolicies(manifests, options.manifests, '--manifests');
  const values = options.values && options.values.length > 0 ? readValuesFiles(options.values) : undefined;
  const inventory = await readInventory(options, manifests, values);
  messages += inventory.messages;
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
    messages,
    exitCode: found.some((f) => f.severity === 'error') ? 1 : 0,
  };
}

/**
 * The workloads to evaluate: the inventory given (which must hold the policies' and the values'
 * workloads), or representative pods synthesized.
 */
export async function readInventory(
  options: Pick<VerifyOptions, 'workloads' | 'namespace' | 'strict'>,
  manifests: LoadedManifests,
  values: ReturnType<typeof readValuesFiles> | undefined,
): Promise<Inventory & { messages: string }> {
  if (options.workloads && options.workloads.length > 0) {
    const loaded = await loadManifests(options.workloads, { defaultNamespace: options.namespace });
    const messages = loadWarnings(loaded, options);
    const inventory = { namespaces: loaded.namespaces, workloads: loaded.workloads };
    requireInventoryMatch({
      inventory,
      paths: options.workloads,
      policies: manifests.policies,
      ...(values ? { values, namespace: options.namespace ?? releaseNamespaceOf(manifests, values) } : {}),
      ...(options.namespace && !values ? { namespace: options.namespace } : {}),
    });
    return { ...inventory, messages };
  }
  if (values) {
    return {
      ...synthesizeFromValues(values, { namespace: options.namespace ?? onlyNamespace(manifests) }),
      messages: '',
    };
  }
  return { ...synthesizeFromPolicies(manifests.policies), messages: '' };
}

function onlyNamespace(manifests: LoadedManifests): string {
  const namespaces = [...new Set(manifests.policies.map((p) => p.namespace))].sort();
  if (namespaces.length === 1) return namespaces[0] as string;
  throw new UsageError(
    `the policies are in ${namespaces.length === 0 ? 'no namespace' : `several namespaces (${namespaces.join(', ')})`}; pass --namespace <release namespace> to place the synthesized pods`,
  );
}
