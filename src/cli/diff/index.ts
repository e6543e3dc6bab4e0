// `fineract-netpol diff`: how connectivity changes from one policy set to another, over the same
// workloads (hand-written manifests → the chart's render, or uat → production).
//
// - `namespaceMap` ("fineract-uat=fineract-production") moves the before side (policies and the
//   inventory's workloads) into the after side's namespaces, so that two environments rendered
//   into different namespaces differ only where their connectivity does.
// - With both `valuesBefore` and `valuesAfter`, each change names the values keys that cause it.
// - Neither side holding a NetworkPolicy is an input error (exit 2): there is nothing to compare.
//
// Usage: const { output, messages, exitCode } = await diff({ before: ['out/uat.yaml'],
//          after: ['out/production.yaml'], namespaceMap: ['fineract-uat=fineract-production'],
//          valuesBefore: ['values/uat.yaml'], valuesAfter: ['values/production.yaml'], output: 'text' });
import { InputError, UsageError } from '../../errors.ts';
import { analyze, blockCidrs } from '../../verify/analysis/analyze.ts';
import {
  diffConnectivity,
  formatDiff,
  renameInventoryNamespaces,
  renamePolicyNamespaces,
  type ConnectivityChange,
  type DiffFormat,
} from '../../verify/analysis/diff.ts';
import { explainChanges } from '../../verify/analysis/explain.ts';
import { declaredCidrs, declaredSymbols, readValuesFiles, releaseNamespaceOf } from '../../verify/checks/intent.ts';
import { loadManifests, type LoadedManifests } from '../../verify/readers/load.ts';
import { synthesizeFromPolicies } from '../../verify/analysis/synthesize.ts';
import { describeObjects, loadWarnings, refuseStdinTwice, requireInventoryMatch } from '../inputs.ts';

export type DiffOptions = {
  before: string[];
  after: string[];
  /** Namespaces and workloads; without them, one pod per selector of either policy set. */
  workloads?: string[];
  /** Namespace of objects that have none. */
  namespace?: string;
  /** `before=after` namespace renames applied to the before side. */
  namespaceMap?: string[];
  /** Values files of each side (merged like helm -f): each change then names its cause. */
  valuesBefore?: string[];
  valuesAfter?: string[];
  /** Policies of other APIs (AdminNetworkPolicy, Calico, Antrea …) in the input are an error. */
  strict?: boolean;
  output: DiffFormat;
};

/** exitCode: 0 when connectivity is the same, 1 when it differs (like diff(1)). */
export type DiffResult = { changes: ConnectivityChange[]; output: string; messages: string; exitCode: 0 | 1 };

export async function diff(options: DiffOptions): Promise<DiffResult> {
  refuseStdinTwice({
    '--before': options.before,
    '--after': options.after,
    '--workloads': options.workloads,
    '--values-before': options.valuesBefore,
    '--values-after': options.valuesAfter,
  });
  const hasBefore = (options.valuesBefore ?? []).length > 0;
  const hasAfter = (options.valuesAfter ?? []).length > 0;
  if (hasBefore !== hasAfter) {
    throw new UsageError(
      `--values-before and --values-after go together (only ${hasBefore ? '--values-before' : '--values-after'} was given)`,
    );
  }
  const map = parseNamespaceMap(options.namespaceMap ?? []);
  const load = { defaultNamespace: options.namespace };
  const before = await loadManifests(options.before, load);
  const after = await loadManifests(options.after, load);
  let messages = loadWarnings(before, options) + loadWarnings(after, options);
  if (before.policies.length === 0 && after.policies.length === 0) {
    throw new InputError(
      `no NetworkPolicy on either side: --before ${options.before.join(' ')} read ${describeObjects(before)}, ` +
        `--after ${options.after.join(' ')} read ${describeObjects(after)}`,
      'pass the policies to compare: a rendered chart (helm template … > out/uat.yaml) or a folder of NetworkPolicies',
    );
  }
  messages += emptySide('before', before, options.before) + emptySide('after', after, options.after);
  const beforePolicies = renamePolicyNamespaces(before.policies, map);
  let inventory: { namespaces: LoadedManifests['namespaces']; workloads: LoadedManifests['workloads'] };
  if (options.workloads && options.workloads.length > 0) {
    const loaded = await loadManifests(options.workloads, load);
    messages += loadWarnings(loaded, options);
    inventory = renameInventoryNamespaces(loaded, map);
    requireInventoryMatch({
      inventory,
      paths: options.workloads,
      policies: [...beforePolicies, ...after.policies],
    });
  } else {
    inventory = synthesizeFromPolicies([...beforePolicies, ...after.policies]);
  }
  const changes = diffConnectivity({ before: beforePolicies, after: after.policies, ...inventory });
  if (hasBefore && hasAfter && changes.length > 0) {
    const valuesBefore = readValuesFiles(options.valuesBefore ?? []);
    const valuesAfter = readValuesFiles(options.valuesAfter ?? []);
    const cidrs = [
      ...blockCidrs(beforePolicies),
      ...blockCidrs(after.policies),
      ...declaredCidrs(valuesBefore),
      ...declaredCidrs(valuesAfter),
    ];
    const symbols = [...declaredSymbols(valuesBefore), ...declaredSymbols(valuesAfter)];
    const side = (policies: typeof beforePolicies, values: typeof valuesBefore) => {
      const analysis = analyze({ ...inventory, policies, cidrs, symbols });
      return { analysis, values, namespace: options.namespace ?? releaseNamespaceOf(analysis, values) };
    };
    const because = explainChanges(changes, {
      before: side(beforePolicies, valuesBefore),
      after: side(after.policies, valuesAfter),
    });
    changes.forEach((change, i) => (change.because = because[i] ?? []));
  }
  return { changes, output: formatDiff(changes, options.output), messages, exitCode: changes.length === 0 ? 0 : 1 };
}

/** `["a=b", …]` → Map; refuses anything else, and a namespace mapped twice. */
export function parseNamespaceMap(entries: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(entry);
    if (!match) {
      throw new UsageError(
        `--namespace-map ${JSON.stringify(entry)}: write before=after with two namespace names, e.g. fineract-uat=fineract-production`,
      );
    }
    const [, from = '', , to = ''] = match;
    if (map.has(from) && map.get(from) !== to) {
      throw new UsageError(`--namespace-map maps ${from} twice (to ${map.get(from)} and to ${to}): keep one`);
    }
    map.set(from, to);
  }
  return map;
}

function emptySide(side: 'before' | 'after', loaded: LoadedManifests, paths: string[]): string {
  if (loaded.policies.length > 0) return '';
  return (
    `fineract-netpol: note: --${side} ${paths.join(' ')} holds no NetworkPolicy (read ${describeObjects(loaded)}): ` +
    `every flow is allowed ${side === 'before' ? 'before' : 'after'}\n`
  );
}
