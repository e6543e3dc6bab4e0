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
import { TEXT_WIDTH, wrapLine } from '../../text.ts';
import { analyze } from '../../verify/analysis/analyze.ts';
import { findings } from '../../verify/checks/findings.ts';
import {
  declaredCidrs,
  declaredSymbols,
  intentFindings,
  readValuesFiles,
  releaseNamespaceOf,
  withoutSuperseded,
} from '../../verify/checks/intent.ts';
import { loadManifests, type LoadedManifests } from '../../verify/readers/load.ts';
import {
  buildReport,
  formatReport,
  viewReport,
  type OutputFormat,
  type Report,
  type ReportView,
} from '../../verify/present/report.ts';
import { synthesizeFromPolicies, synthesizeFromValues, type Inventory } from '../../verify/analysis/synthesize.ts';
import { loadWarnings, refuseStdinTwice, requireInventoryMatch, requirePolicies } from '../inputs.ts';

export type VerifyOptions = {
  /** Files, folders or `-` with the NetworkPolicies and CiliumNetworkPolicies (other objects are ignored and counted). */
  manifests: string[];
  /** Files or folders with Namespaces and workloads; without them, representative pods are synthesized. */
  workloads?: string[];
  /** Values files of the chart (merged like `helm -f a -f b`): their connections are the intent. */
  values?: string[];
  /**
   * The namespace of objects without one (`kubectl apply -n`), and the release namespace when the
   * policies span several namespaces; by default the namespace of the components' policies.
   */
  namespace?: string;
  /** Policies of other APIs (AdminNetworkPolicy, Calico, Antrea …) in the input are an error. */
  strict?: boolean;
  /** What to show (namespaces touched, one part); the exit code follows the findings shown. */
  view?: ReportView;
  output: OutputFormat;
};

export type VerifyResult = { report: Report; output: string; messages: string; exitCode: 0 | 1 };

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  refuseStdinTwice({ '--manifests': options.manifests, '--workloads': options.workloads, '--values': options.values });
  const manifests = await loadManifests(options.manifests, { defaultNamespace: options.namespace });
  let messages = loadWarnings(manifests, options);
  requirePolicies(manifests, options.manifests, '--manifests');
  const values = options.values && options.values.length > 0 ? readValuesFiles(options.values) : undefined;
  const release = values ? releaseNamespace(manifests, values, options) : undefined;
  const inventory = await readInventory({ ...options, namespace: release ?? options.namespace }, manifests, values);
  messages += inventory.messages;
  // With values, split external addresses where the values' networks do too, so that a declared
  // network is compared atom by atom, and evaluate its DNS names and entities (policyEngine cilium).
  const analysis = analyze({
    policies: manifests.policies,
    ...inventory,
    cidrs: values ? declaredCidrs(values) : [],
    symbols: values ? declaredSymbols(values) : [],
  });
  const found = withoutSuperseded([
    ...findings(analysis, { namespaces: inventory.namespaces }),
    ...(values ? intentFindings(analysis, values, { namespace: release }) : []),
  ]);
  const ignoredObjects = manifests.ignored.reduce((n, k) => n + k.count, 0);
  const full = buildReport(analysis, found, { ignoredObjects });
  const report = viewReport(full, options.view ?? {});
  // The exit code follows the findings about the namespaces shown; --only changes what is
  // printed, not whether verify fails.
  const shownErrors = viewReport(full, { ...options.view, only: 'errors' }).findings;
  // Mermaid shows where the errors are, not what they say: say it on stderr.
  if (options.output === 'mermaid') {
    for (const f of shownErrors) {
      const where = f.policy ? ` (${f.policy}${f.rule ? ` ${f.rule}` : ''})` : '';
      messages += `${wrapLine(`fineract-netpol: error: ${f.code}${where}: ${f.message}`, TEXT_WIDTH, 2)}\n`;
    }
  }
  return {
    report,
    output: formatReport(report, options.output),
    messages,
    exitCode: shownErrors.length > 0 ? 1 : 0,
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

/**
 * The values' release namespace: the namespace of the components' policies; when the policies
 * span several, the first `--namespace` that holds some (then the first given at all).
 */
function releaseNamespace(
  manifests: LoadedManifests,
  values: ReturnType<typeof readValuesFiles>,
  options: Pick<VerifyOptions, 'namespace' | 'view'>,
): string {
  const given = [...(options.namespace ? [options.namespace] : []), ...(options.view?.namespaces ?? [])];
  const holding = new Set(manifests.policies.map((p) => p.namespace));
  const chosen = given.find((ns) => holding.has(ns));
  if (chosen !== undefined && holding.size > 1) return chosen;
  try {
    return releaseNamespaceOf(manifests, values);
  } catch (error) {
    if (error instanceof UsageError && given[0] !== undefined) return given[0];
    throw error;
  }
}

function onlyNamespace(manifests: LoadedManifests): string {
  const namespaces = [...new Set(manifests.policies.map((p) => p.namespace))].sort();
  if (namespaces.length === 1) return namespaces[0] as string;
  throw new UsageError(
    `the policies are in ${namespaces.length === 0 ? 'no namespace' : `several namespaces (${namespaces.join(', ')})`}; pass --namespace <release namespace> to place the synthesized pods`,
  );
}
