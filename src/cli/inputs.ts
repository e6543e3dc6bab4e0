// Checks on the inputs of verify and diff that make them refuse to pass without checking
// anything: standard input asked for twice, no NetworkPolicy read, an inventory that does not
// hold the workloads the policies or values are about, policies of other APIs under --strict.
// Each throws UsageError or InputError (exit 2) with what was read and the fix.
//
// Usage: refuseStdinTwice({ '--manifests': opts.manifests, '--workloads': opts.workloads });
//        requirePolicies(loaded, opts.manifests, '--manifests');
//        requireInventoryMatch({ inventory, paths: opts.workloads, policies, values, namespace });
//        const messages = loadWarnings(loaded, { strict: opts.strict });
import { InputError, UsageError } from '../errors.ts';
import type { ValuesOutput } from '../model/values.ts';
import type { IgnoredKind, LoadedManifests } from '../verify/readers/load.ts';
import { formatSelector, matchesSelector } from '../verify/model/selectors.ts';
import type { NetworkPolicy } from '../verify/model/types.ts';
import type { Inventory } from '../verify/analysis/synthesize.ts';

/** Refuses `-` (standard input) in more than one option: the second read would get nothing. */
export function refuseStdinTwice(options: Record<string, string[] | undefined>): void {
  const asking = Object.entries(options)
    .filter(([, paths]) => (paths ?? []).includes('-'))
    .map(([option]) => option);
  if (asking.length > 1) {
    throw new UsageError(
      `standard input can be read only once, but ${asking.map((o) => `${o} -`).join(' and ')} both ask for it: ` +
        'give all but one of them as a file',
    );
  }
}

/** "3 objects (2 Deployment, 1 Service)" or "no object". */
export function describeObjects(loaded: LoadedManifests): string {
  if (loaded.objects === 0) return 'no Kubernetes object';
  const kinds: IgnoredKind[] = [
    ...(loaded.namespaces.length > 0 ? [{ kind: 'Namespace', count: loaded.namespaces.length }] : []),
    ...countBy(loaded.workloads.map((w) => w.kind)),
    ...loaded.ignored,
    ...loaded.unanalysed,
  ];
  return `${loaded.objects} object${loaded.objects === 1 ? '' : 's'} (${kinds.map((k) => `${k.count} ${k.kind}`).join(', ')})`;
}

/** Throws when the paths held no NetworkPolicy: an empty input must not verify as "no findings". */
export function requirePolicies(loaded: LoadedManifests, paths: string[], option: string): void {
  if (loaded.policies.length > 0) return;
  const skipped = loaded.warnings.length > 0 ? `; ${loaded.warnings.length} document(s) skipped (above)` : '';
  throw new InputError(
    `no NetworkPolicy in ${option} ${paths.join(' ')}: read ${describeObjects(loaded)}${skipped}`,
    'pass the rendered chart (helm template … > out/uat.yaml) or the folder of your ' +
      'NetworkPolicies; workloads go to --workloads',
  );
}

/**
 * The loader's warnings, and its notes (what the analysis of CiliumNetworkPolicies assumes), for
 * stderr; under `strict`, policies of other APIs (AdminNetworkPolicy …) are an error instead, since
 * the analysis is wrong wherever they apply.
 */
export function loadWarnings(loaded: LoadedManifests, options: { strict?: boolean } = {}): string {
  if (options.strict && loaded.unanalysed.length > 0) {
    throw new InputError(
      `--strict: the input holds policies verify cannot analyse (${loaded.unanalysed.map((k) => `${k.count} ${k.kind}`).join(', ')}), ` +
        `so its result would be wrong where they apply:\n${loaded.warnings.map((w) => `  ${w}`).join('\n')}`,
      'remove them from the input to analyse the NetworkPolicies alone (and know that the cluster enforces more), ' +
        'or drop --strict',
    );
  }
  return [
    ...loaded.warnings.map((warning) => `fineract-netpol: warning: ${warning}\n`),
    ...loaded.notes.map((note) => `fineract-netpol: note: ${note}\n`),
  ].join('');
}

export type InventoryMatch = {
  inventory: Inventory;
  /** The --workloads paths, for messages. */
  paths: string[];
  policies: NetworkPolicy[];
  /** With values: each enabled component must select a workload of the release namespace. */
  values?: ValuesOutput;
  /** The release namespace (the values' policies live there); default: every namespace of the policies. */
  namespace?: string;
};

/**
 * Throws when the inventory does not hold what the policies (and values) are about: a namespace
 * of the policies without any workload, or values none of whose components selects a workload.
 * Findings on such an input would be about the wrong cluster (advice to add namespaceSelectors
 * for pods that only live elsewhere), so this is an input error, without selector advice. Some
 * components selecting nothing (they do not run in this environment, or their selector is
 * wrong) is a finding of verify, component-selects-nothing.
 */
export function requireInventoryMatch(match: InventoryMatch): void {
  const { inventory, paths } = match;
  const byNamespace = new Map<string, number>();
  for (const w of inventory.workloads) byNamespace.set(w.namespace, (byNamespace.get(w.namespace) ?? 0) + 1);
  const listed =
    byNamespace.size === 0
      ? 'it holds no workload at all'
      : `its namespaces are ${[...byNamespace]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([ns, n]) => `${ns} (${n})`)
          .join(', ')}`;
  const namespaces = match.namespace ? [match.namespace] : [...new Set(match.policies.map((p) => p.namespace))].sort();
  const empty = namespaces.filter((ns) => !byNamespace.has(ns));
  if (empty.length > 0) {
    throw new InputError(
      `the inventory (--workloads ${paths.join(' ')}) does not match the ${match.values ? 'values' : 'policies'}: ` +
        `namespace ${empty.join(', ')} has no workload in it; ${listed}`,
      `pass the workloads of ${empty.join(', ')} (kubectl get deploy,sts,ds,pods -n ${empty[0]} -o yaml), or render ` +
        `the chart into the inventory's namespace (helm template … -n <namespace>)`,
    );
  }
  if (!match.values || !match.namespace) return;
  const namespace = match.namespace;
  const pods = inventory.workloads.filter((w) => w.namespace === namespace);
  const unmatched = Object.entries(match.values.components ?? {})
    .filter(([, component]) => component.enabled !== false)
    .filter(([, component]) => !pods.some((w) => matchesSelector(component.podSelector, w.labels)));
  const enabled = Object.values(match.values.components ?? {}).filter((c) => c.enabled !== false);
  if (unmatched.length === 0 || unmatched.length < enabled.length) return;
  const lines = unmatched.map(
    ([name, component]) => `  components.${name} (podSelector ${formatSelector(component.podSelector)})`,
  );
  const labels = pods.slice(0, 8).map(
    (w) =>
      `  ${w.name}: ${
        Object.entries(w.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || '(no labels)'
      }`,
  );
  throw new InputError(
    `the inventory (--workloads ${paths.join(' ')}) does not match the values: in namespace ${namespace}, ` +
      `${unmatched.length === 1 ? 'its only component selects no' : 'none of its components selects a'} workload:\n${lines.join('\n')}\n` +
      `the workloads of ${namespace} are labelled:\n${labels.join('\n')}${pods.length > 8 ? `\n  … ${pods.length - 8} more` : ''}`,
    "set each component's podSelector to its pods' labels (kubectl get pods -n " +
      `${namespace} --show-labels), disable the component (components.<name>.enabled: false), or pass the ` +
      'workloads it is for',
  );
}

function countBy(values: string[]): IgnoredKind[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([kind, count]) => ({ kind, count }));
}
