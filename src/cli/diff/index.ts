// `fineract-netpol diff`: how connectivity changes from one policy set to another, over the same
// workloads (hand-written manifests → the chart's render, or uat → production).
//
// Usage: const { output, exitCode } = await diff({ before: ['legacy/'], after: ['out/uat.yaml'],
//                                                  workloads: ['inventory.yaml'], output: 'text' });
import { diffConnectivity, formatDiff, type ConnectivityChange, type DiffFormat } from '../../verify/diff.ts';
import { loadManifests } from '../../verify/load.ts';
import { synthesizeFromPolicies } from '../../verify/synthesize.ts';

export type DiffOptions = {
  before: string[];
  after: string[];
  /** Namespaces and workloads; without them, one pod per selector of either policy set. */
  workloads?: string[];
  /** Namespace of objects that have none. */
  namespace?: string;
  output: DiffFormat;
};

/** exitCode: 0 when connectivity is the same, 1 when it differs (like diff(1)). */
export type DiffResult = { changes: ConnectivityChange[]; output: string; exitCode: 0 | 1 };

export async function diff(options: DiffOptions): Promise<DiffResult> {
  const load = { defaultNamespace: options.namespace };
  const before = await loadManifests(options.before, load);
  const after = await loadManifests(options.after, load);
  const inventory =
    options.workloads && options.workloads.length > 0
      ? await loadManifests(options.workloads, load)
      : synthesizeFromPolicies([...before.policies, ...after.policies]);
  const changes = diffConnectivity({
    before: before.policies,
    after: after.policies,
    namespaces: inventory.namespaces,
    workloads: inventory.workloads,
  });
  return { changes, output: formatDiff(changes, options.output), exitCode: changes.length === 0 ? 0 : 1 };
}
