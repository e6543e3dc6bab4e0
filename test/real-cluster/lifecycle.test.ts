// The release's life on a real cluster, with the uat values in fineract-uat: the seed's own
// "Testing" probes; `helm upgrade` to the production values changes exactly the probes that
// `fineract-netpol diff` of the two renders says it changes; `helm rollback` restores the uat
// matrix; `helm uninstall` removes every object and opens everything again.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/sandbox/probe.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import { diffConnectivity, type ConnectivityChange } from '../../src/verify/analysis/diff.ts';
import { parseRange } from '../../src/model/cidr.ts';
import type { FlowEnd } from '../../src/verify/present/report.ts';
import {
  ENVIRONMENTS,
  UNLABELLED,
  differencesFromVerify,
  expectNoDifferences,
  find,
  fineractInventory,
  helmChange,
  installedPolicies,
  renderPolicies,
  resultsByProbe,
  serverPolicies,
  sharedSandbox,
} from './helpers.ts';

const NS = 'fineract-uat';
const uat = ENVIRONMENTS.find((e) => e.name === 'uat')?.values ?? [];
const production = ENVIRONMENTS.find((e) => e.name === 'production')?.values ?? [];

// The Helm 4 and Helm 3 runs share one API server and enforcer (helpers.ts, sharedSandbox).
const inSandbox = sharedSandbox(async () => [
  ...(await renderPolicies(4, NS, uat)),
  ...(await renderPolicies(4, NS, production)),
]);

describe.skipIf(sandboxUnavailable() !== undefined)('real cluster: the release lifecycle (Helm 4 and Helm 3)', () => {
  for (const helm of [4, 3] as const) {
    it(`Helm ${helm}: seed Testing probes, upgrade uat → production = diff, rollback, uninstall`, async () => {
      const inventory = await fineractInventory(NS);
      const uatRender = await renderPolicies(helm, NS, uat);
      const productionRender = await renderPolicies(helm, NS, production);
      await inSandbox({ inventory, policies: [...uatRender, ...productionRender] }, async (box) => {
        const rds = box.externals.find((e) => e.address.startsWith('10.20.32.'))?.address;
        const internet = box.externals.find((e) => e.address.startsWith('203.0.113.'))?.address;
        expect(rds, 'an external host in the uat RDS subnet').toBeDefined();
        expect(internet, 'an external host on "the internet"').toBeDefined();

        let started = Date.now();
        await helmChange(box, helm, ['install'], NS, uat);
        const installSeconds = (Date.now() - started) / 1000;
        const uatMatrix = await box.probe();
        expectNoDifferences(
          differencesFromVerify(uatMatrix, await installedPolicies(box, helm, NS), inventory, box),
          'uat',
        );

        // The seed's "Testing" section, literally.
        const result = (from: string, to: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
          find(uatMatrix, from, to, protocol, port).result;
        expect(result(`${NS}/fineract-write`, `${NS}/fineract-redis`, 6379), 'Fineract → Redis 6379').toBe('open');
        expect(result(`${NS}/fineract-write`, `${NS}/keycloak`, 8080), 'Fineract → Keycloak 8080').toBe('open');
        expect(result(`${NS}/fineract-write`, rds as string, 5432), 'Fineract → RDS 5432').toBe('open');
        expect(result(`${NS}/fineract-redis`, internet as string, 443), 'Redis → internet 443').toBe('blocked');
        expect(result(`${NS}/${UNLABELLED}`, `${NS}/fineract-write`, 8080), 'unlabelled pod → Fineract 8080').toBe(
          'blocked',
        );

        // Installing the same release again (`helm upgrade --install`) changes nothing on the wire.
        await helmChange(box, helm, ['upgrade', '--install'], NS, uat);
        expect(resultsByProbe(await box.probe()), 'upgrade --install twice changes nothing').toEqual(
          resultsByProbe(uatMatrix),
        );

        // Upgrade to the production values: exactly the probes `diff` says change, change.
        started = Date.now();
        await helmChange(box, helm, ['upgrade'], NS, production);
        const upgradeSeconds = (Date.now() - started) / 1000;
        const productionMatrix = await box.probe();
        const productionInstalled = await installedPolicies(box, helm, NS);
        expectNoDifferences(differencesFromVerify(productionMatrix, productionInstalled, inventory, box), 'production');
        const changes = diffConnectivity({ before: uatRender, after: productionRender, ...inventory });
        const expectedChanged = uatMatrix
          .filter((o) => diffChanges(changes, o))
          .map(key)
          .sort();
        const before = resultsByProbe(uatMatrix);
        const observedChanged = productionMatrix
          .filter((o) => before.get(key(o)) !== o.result)
          .map(key)
          .sort();
        expect(observedChanged).toEqual(expectedChanged);
        expect(observedChanged.length, 'the production values change something').toBeGreaterThan(0);

        // Rollback restores the uat matrix.
        started = Date.now();
        await box.change(() => box.helm(helm, ['rollback', 'fineract-netpol', '2', '-n', NS]));
        const rollbackSeconds = (Date.now() - started) / 1000;
        expect(resultsByProbe(await box.probe())).toEqual(before);

        // Uninstall removes every object; everything is open again.
        started = Date.now();
        await box.change(() => box.helm(helm, ['uninstall', 'fineract-netpol', '-n', NS]));
        const uninstallSeconds = (Date.now() - started) / 1000;
        expect(await serverPolicies(box)).toEqual([]);
        const releaseObjects = await box.kubectl(['get', 'networkpolicies,secrets,configmaps', '-n', NS, '-o', 'name']);
        expect(releaseObjects.trim(), 'no release object is left').toBe('');
        expect((await box.probe()).filter((o) => o.result === 'blocked')).toEqual([]);
        console.log(
          `[real-cluster] lifecycle, Helm ${helm}: ${uatMatrix.length} probes per matrix; upgrade changed ${observedChanged.length} (= diff); ` +
            `install ${installSeconds.toFixed(1)} s, upgrade ${upgradeSeconds.toFixed(1)} s, rollback ${rollbackSeconds.toFixed(1)} s, ` +
            `uninstall ${uninstallSeconds.toFixed(1)} s (each until kube-router applied it)`,
        );
      });
    });
  }
});

function key(o: Observation): string {
  return `${o.from}|${o.to}|${o.protocol}|${o.port}`;
}

/** Does `diff` say this probe's verdict changes? */
function diffChanges(changes: readonly ConnectivityChange[], o: Observation): boolean {
  return changes.some(
    (c) =>
      holds(c.from, o.from, o.address, false) &&
      holds(c.to, o.to, o.address, true) &&
      c.before.has(o.protocol, o.port) !== c.after.has(o.protocol, o.port),
  );
}

/** Is the probe's end (a workload key, or an external address) this diff end? */
function holds(end: FlowEnd, key: string, address: string, isDestination: boolean): boolean {
  if (!end.cidrs) return end.name === key;
  if (key.includes('/')) return false;
  const target = parseRange(`${isDestination ? address : key}/32`);
  return end.cidrs.some((cidr) => {
    const range = parseRange(cidr);
    return range.family === 4 && range.start <= target.start && target.end <= range.end;
  });
}
