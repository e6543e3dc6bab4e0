// The hand-written legacy policies (test/fixtures/legacy/) on real packets, and the migration the
// README tells: `kubectl apply` of the legacy set, then the README's adopt commands and
// `helm upgrade --install`, with probes running continuously through the switch. No flow that
// both the old and the new policies allow may be blocked, and no flow that neither allows may be
// open, at any moment (probed every 100 ms).
import { describe, expect, it } from 'vitest';
import { expectation } from '../../src/sandbox/expect.ts';
import { sleep } from '../../src/sandbox/exec.ts';
import type { Probe } from '../../src/sandbox/probe.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import { loadManifests } from '../../src/verify/readers/load.ts';
import type { NetworkPolicy } from '../../src/verify/model/types.ts';
import {
  ENVIRONMENTS,
  LEGACY_DIR,
  differencesFromVerify,
  expectNoDifferences,
  find,
  fineractInventory,
  readmeMigration,
  serverPolicies,
  renderPolicies,
  withSandbox,
} from './helpers.ts';

const NS = 'fineract-uat';
const uat = ENVIRONMENTS.find((e) => e.name === 'uat')?.values ?? [];
const ROUND_INTERVAL_MS = 100;
const WATCHED_PER_KIND = 150;

describe.skipIf(sandboxUnavailable() !== undefined)('real cluster: the legacy policies and the migration', () => {
  it.each([3, 4] as const)(
    'Helm %i: legacy defects show on real packets; the migration keeps every stable flow stable',
    async (helm) => {
      const inventory = await fineractInventory(NS);
      const legacy = (await loadManifests([LEGACY_DIR])).policies;
      const chart = await renderPolicies(helm, NS, uat);
      await withSandbox({ inventory, policies: [...legacy, ...chart] }, async (box) => {
        await box.change(() => box.kubectl(['apply', '-f', LEGACY_DIR]));
        const legacyMatrix = await box.probe();
        expectNoDifferences(differencesFromVerify(legacyMatrix, legacy, inventory, box), 'legacy policies');

        // The defects verify reports, on the wire.
        const internet = box.externals.find((e) => e.address.startsWith('203.0.113.'))?.address as string;
        const fineractToInternet = legacyMatrix.filter((o) => o.from === `${NS}/fineract-write` && o.to === internet);
        expect(fineractToInternet.length).toBe(box.ports.length);
        expect(
          fineractToInternet.filter((o) => o.result !== 'open'),
          'no policy selects the Fineract pods (app: fineract): every port to the internet is open',
        ).toEqual([]);
        expect(
          find(legacyMatrix, `${NS}/fineract-write`, `${NS}/fineract-redis`, 'TCP', 6379).result,
          'Fineract → Redis',
        ).toBe('blocked');
        expect(
          find(legacyMatrix, 'monitoring/grafana', `${NS}/fineract-redis`, 'TCP', 9121).result,
          'Grafana → Redis metrics',
        ).toBe('open');
        expect(
          find(legacyMatrix, `${NS}/oauth2-proxy`, `${NS}/fineract-redis`, 'TCP', 6379).result,
          'the half-open flow',
        ).toBe('blocked');

        // The migration, probed continuously.
        const before = expectation({ policies: legacy, ...inventory }, box.hosts);
        const after = expectation({ policies: chart, ...inventory }, box.hosts);
        const all = box.probes();
        // A round must fit in the 100 ms interval: an even sample of each kind, every pair of
        // hosts that has such a flow represented.
        const both = sample(
          all.filter((p) => before.verdict(p) === 'open' && after.verdict(p) === 'open'),
          WATCHED_PER_KIND,
        );
        const neither = sample(
          all.filter((p) => before.verdict(p) === 'blocked' && after.verdict(p) === 'blocked'),
          WATCHED_PER_KIND,
        );
        expect(both.length, 'flows both policy sets allow').toBeGreaterThan(20);
        // The README's own commands: the adoption loop, then its Helm 3 or Helm 4 upgrade line.
        const migration = readmeMigration();
        // It adopts the policies that exist; the chart's others (uat's batch and Jobs) are new objects.
        const existing = new Set(legacy.map((p) => p.name));
        expect(migration.names.sort()).toEqual(
          chart
            .map((p) => p.name)
            .filter((name) => existing.has(name))
            .sort(),
        );
        const watch = await watchDuring(box, [...both, ...neither], async () => {
          await box.change(async () => {
            for (const command of migration.kubectl) await box.kubectl(command);
            await box.helm(helm, helm === 3 ? migration.helm3 : migration.helm4);
          });
        });
        const expected = (p: Probe) => (both.includes(p) ? 'open' : 'blocked');
        const windows = violationWindows(watch, expected);
        console.log(
          `[real-cluster] migration, Helm ${helm}: ${watch.rounds.length} rounds of ${both.length + neither.length} probes ` +
            `(${both.length} allowed by both, ${neither.length} by neither) every ≥ ${ROUND_INTERVAL_MS} ms over ` +
            `${watch.seconds.toFixed(1)} s; longest wrong window: ${windows.longestMs} ms`,
        );
        expect(windows.violations, 'flows wrong during the switch').toEqual([]);

        // The objects are the chart's, field for field (a merge into the adopted objects could
        // keep legacy selector labels that no probe of this inventory would notice).
        const stored = await serverPolicies(box);
        for (const policy of chart) {
          const live = stored.find((p) => p.namespace === policy.namespace && p.name === policy.name);
          expect(live && specOf(live), `${policy.name} after the migration`).toEqual(specOf(policy));
        }
        const chartMatrix = await box.probe();
        expectNoDifferences(differencesFromVerify(chartMatrix, chart, inventory, box), 'after the migration');
        expect(find(chartMatrix, `${NS}/fineract-write`, `${NS}/fineract-redis`, 'TCP', 6379).result).toBe('open');
        expect(find(chartMatrix, 'monitoring/grafana', `${NS}/fineract-redis`, 'TCP', 9121).result).toBe('blocked');
      });
    },
  );
});

type Round = { at: number; results: Map<Probe, 'open' | 'blocked'> };
type Watch = { rounds: Round[]; seconds: number };

/** Probes `probes` in rounds (one every ROUND_INTERVAL_MS at most) while `action` runs, and for 1 s after. */
async function watchDuring(box: Sandbox, probes: Probe[], action: () => Promise<void>): Promise<Watch> {
  const rounds: Round[] = [];
  const started = Date.now();
  let done = false;
  let doneAt = 0;
  const loop = (async () => {
    while (!done || Date.now() - doneAt < 1000) {
      const at = Date.now();
      const observed = await box.probe(probes);
      rounds.push({ at, results: new Map(observed.map((o, i) => [probes[i] as Probe, o.result])) });
      const wait = ROUND_INTERVAL_MS - (Date.now() - at);
      if (wait > 0) await sleep(wait);
    }
  })();
  try {
    await action();
  } finally {
    done = true;
    doneAt = Date.now();
    await loop;
  }
  return { rounds, seconds: (Date.now() - started) / 1000 };
}

/** Probes that were ever wrong, and the longest run of consecutive wrong rounds, in ms. */
function violationWindows(
  watch: Watch,
  expected: (p: Probe) => 'open' | 'blocked',
): { violations: string[]; longestMs: number } {
  const violations = new Set<string>();
  let longestMs = 0;
  const runStart = new Map<Probe, number>();
  watch.rounds.forEach((round, i) => {
    const next = watch.rounds[i + 1]?.at ?? round.at + ROUND_INTERVAL_MS;
    for (const [probe, result] of round.results) {
      if (result !== expected(probe)) {
        violations.add(
          `${probe.from} → ${probe.to} ${probe.protocol} ${probe.port}: ${result} at +${round.at - (watch.rounds[0]?.at ?? 0)} ms`,
        );
        const start = runStart.get(probe) ?? round.at;
        runStart.set(probe, start);
        longestMs = Math.max(longestMs, next - start);
      } else {
        runStart.delete(probe);
      }
    }
  });
  return { violations: [...violations], longestMs };
}

/** Every k-th item, about `size` of them, in a fixed order (no randomness). */
function sample<T>(items: T[], size: number): T[] {
  if (items.length <= size) return items;
  const step = items.length / size;
  return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)] as T);
}

/** The parts of a policy that decide what it allows. */
function specOf(policy: NetworkPolicy): unknown {
  return {
    podSelector: policy.podSelector,
    policyTypes: policy.policyTypes,
    ingress: policy.ingress ?? [],
    egress: policy.egress ?? [],
  };
}
