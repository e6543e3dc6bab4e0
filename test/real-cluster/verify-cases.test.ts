// The 40 conformance cases of verify (test/fixtures/verify/) on real packets: each case's workloads
// laid out, its policies applied with kubectl, every pod and external host × every port probed,
// and kube-router's verdicts compared with verify's, probe for probe. Two sandboxes serve the
// cases (one control plane each, re-laid out between cases), one per half, side by side.
//
// A difference is either fixed or documented in KNOWN_DIFFERENCES with the spec's reading; an
// undocumented difference fails the test, and so does a documented one that no longer occurs.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.ts';
import { compare, expectation, formatDifferences, ipBlockHoldingPod } from '../../src/sandbox/expect.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import { loadManifests } from '../../src/verify/readers/load.ts';
import { withSandbox } from './helpers.ts';

const CASES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'verify');
const CASES = readdirSync(CASES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/**
 * Cases where kube-router v2.1.0 and verify disagree, with the probes' count and why (the spec's
 * reading). Empty: they agree on every probe of every case.
 */
const KNOWN_DIFFERENCES: Record<string, { probes: number; why: string }> = {};

type CaseResult = {
  name: string;
  probes: number;
  differences: number;
  /** Differences explained by an ipBlock holding a pod IP (kube-router matches them; verify never). */
  explained: number;
  example: string | undefined;
  text: string;
};

async function runCases(names: string[]): Promise<CaseResult[]> {
  const load = async (name: string) => {
    const dir = join(CASES_DIR, name);
    const policies = (await loadManifests([join(dir, 'policies.yaml')])).policies;
    const workloads = await loadManifests([join(dir, 'workloads.yaml')]);
    return { name, dir, policies, inventory: { namespaces: workloads.namespaces, workloads: workloads.workloads } };
  };
  const cases = await Promise.all(names.map(load));
  const first = cases[0] as (typeof cases)[number];
  const results: CaseResult[] = [];
  // The pod subnet is chosen outside every ipBlock of every case, where one exists.
  await withSandbox({ inventory: first.inventory, policies: cases.flatMap((c) => c.policies) }, async (box) => {
    for (const [index, c] of cases.entries()) {
      const name = c.name;
      if (index > 0) await box.relayOut({ inventory: c.inventory, policies: c.policies });
      if (c.policies.length > 0) await box.change(() => box.kubectl(['apply', '-f', join(c.dir, 'policies.yaml')]));
      const observed = await box.probe();
      const expected = expectation({ policies: c.policies, ...c.inventory }, box.hosts);
      const all = compare(observed, expected);
      // ipBlocks that hold pod IPs: the spec leaves it to the plugin (see ipBlockHoldingPod). Only
      // where no pod subnet lies outside every ipBlock, and only the differences it explains.
      const explained = all.filter((d) => ipBlockHoldingPod(d, expected, box.hosts));
      const differences = all.filter((d) => !explained.includes(d));
      results.push({
        name,
        probes: observed.length,
        differences: differences.length,
        explained: explained.length,
        example: explained[0] ? ipBlockHoldingPod(explained[0], expected, box.hosts) : undefined,
        text: formatDifferences(differences, 10),
      });
    }
  });
  return results;
}

describe.skipIf(sandboxUnavailable() !== undefined)('real cluster: the conformance cases of verify', () => {
  it(`${CASES.length} cases: kube-router's verdicts = verify's, probe for probe`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const half = Math.ceil(CASES.length / 2);
    const results = (await Promise.all([runCases(CASES.slice(0, half)), runCases(CASES.slice(half))])).flat();
    const unexpected = results.filter((r) => r.differences !== (KNOWN_DIFFERENCES[r.name]?.probes ?? 0));
    const probes = results.reduce((n, r) => n + r.probes, 0);
    console.log(
      `[real-cluster] verify cases: ${results.length} cases, ${probes} probes, ` +
        `${results.reduce((n, r) => n + r.differences, 0)} unexplained differences, ` +
        `${results.reduce((n, r) => n + r.explained, 0)} where an ipBlock holds a pod IP:\n` +
        results
          .filter((r) => r.explained > 0)
          .map((r) => `  ${r.name}: ${r.explained} probes, e.g. ${r.example ?? ''}`)
          .join('\n'),
    );
    expect(
      unexpected.map((r) => `${r.name}: ${r.differences} differences\n${r.text}`),
      'cases where kube-router and verify disagree (fix, or document in KNOWN_DIFFERENCES)',
    ).toEqual([]);
    // (About 9 minutes next to the other lane of npm test on 2 cores: more than the suite's 10-minute default allows for.)
  }, 900_000);
});
