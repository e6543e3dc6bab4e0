// `fineract-netpol sandbox`: try values on real packets before enforcing them. Renders the chart
// with the values, installs it with Helm into a fresh real-cluster sandbox (kube-apiserver, etcd,
// kube-router enforcing, one network namespace per pod; see docs/real-cluster.md), probes every
// pod and external host on every port, and compares what the packets show with the connections
// the values declare and with what `verify` computes. Linux and root only.
//
// Usage: const { output, exitCode } = await sandbox({ values: ['values/uat.yaml'], output: 'text' });
//        // exitCode 1 when an in-scope flow is open but undeclared, declared but blocked, or when
//        // verify's verdict differs from the packets; the JSON goes to out/sandbox/<name>/observed.json
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { CHART_DIR, REPO_ROOT } from '../../paths.ts';
import { compare, expectation, type Difference } from '../../sandbox/expect.ts';
import { exec, SandboxError } from '../../sandbox/exec.ts';
import { declaredOf } from '../../sandbox/intent.ts';
import type { Observation } from '../../sandbox/probe.ts';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { findTools, sandboxUnavailable, toolVersions } from '../../sandbox/tools.ts';
import { ENFORCER } from '../../sandbox/enforcer.ts';
import { declaredCidrs, readValuesFiles } from '../../verify/checks/intent.ts';
import { loadManifests, type LoadedManifests } from '../../verify/readers/load.ts';
import type { Workload } from '../../verify/model/types.ts';

export const SANDBOX_FORMATS = ['text', 'json'] as const;
export type SandboxFormat = (typeof SANDBOX_FORMATS)[number];

/** The inventory used without --workloads: the Fineract workloads, labelled like the real manifests. */
export const DEFAULT_WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
/** A pod with no labels, added to the release namespace: what an intruder's pod would reach. */
export const UNLABELLED_POD = 'sandbox-unlabelled';

export type SandboxCommandOptions = {
  values: string[];
  workloads?: string[];
  /** Hand-written policies applied first; then the README's adoption and `helm upgrade --install`. */
  legacy?: string[];
  namespace?: string;
  release?: string;
  helm?: 3 | 4;
  output: SandboxFormat;
  /** Folder for observed.json. @default out/sandbox/<values file names> */
  out?: string;
  log?: (message: string) => void;
};

export type ObservedRecord = {
  from: string;
  to: string;
  protocol: 'TCP' | 'UDP';
  port: number;
  result: 'open' | 'blocked';
  /** In the chart's scope only: what the values declare, and which of their keys declare it. */
  declared?: 'open' | 'blocked';
  declaredBy?: string[];
  verify: 'open' | 'blocked';
};

export type SandboxReport = {
  values: string[];
  release: string;
  namespace: string;
  engine: { name: string; version: string; mode: string };
  tools: Record<string, string>;
  hosts: { pods: number; external: string[]; unprobed: string[] };
  probes: number;
  seconds: { start: number; install: number; probe: number };
  /** In-scope probes whose packets differ from the values' declared connections. */
  undeclaredOpen: ObservedRecord[];
  declaredBlocked: ObservedRecord[];
  /** Probes whose packets differ from verify's verdict. */
  verifyDifferences: (ObservedRecord & { policies: string[] })[];
  legacy?: { probes: number; verifyDifferences: number; changed: ObservedRecord[] };
  observed: ObservedRecord[];
};

export async function sandbox(
  options: SandboxCommandOptions,
): Promise<{ output: string; exitCode: 0 | 1; report: SandboxReport }> {
  const unavailable = sandboxUnavailable();
  if (unavailable) throw new UsageError(`the sandbox ${unavailable}; it runs real network namespaces and iptables`);
  if (options.values.length === 0) throw new UsageError('give at least one values file: -f values/uat.yaml');
  const log = options.log ?? (() => undefined);
  const release = options.release ?? 'fineract-netpol';
  const helmVersion = options.helm ?? 4;
  const values = readValuesFiles(options.values);
  const inventoryFiles = options.workloads && options.workloads.length > 0 ? options.workloads : [DEFAULT_WORKLOADS];
  const loaded = await loadManifests(inventoryFiles);
  const namespace = options.namespace ?? busiestNamespace(loaded, inventoryFiles);
  const workloads: Workload[] = [...loaded.workloads];
  if (!workloads.some((w) => w.namespace === namespace && w.name === UNLABELLED_POD)) {
    workloads.push({ namespace, name: UNLABELLED_POD, kind: 'Pod', labels: {}, ports: [] });
  }
  const namespaces = loaded.namespaces.some((n) => n.name === namespace)
    ? loaded.namespaces
    : [...loaded.namespaces, { name: namespace, labels: {} }];

  const tools = findTools();
  const helmBinary = helmVersion === 3 ? tools.helm3 : tools.helm4;
  const valueArgs = options.values.flatMap((file) => ['-f', resolve(file)]);
  const rendered = await exec([helmBinary, 'template', release, CHART_DIR, '-n', namespace, ...valueArgs]);
  const renderedPolicies = (await loadManifests(['-'], { readStdin: () => Promise.resolve(rendered) })).policies;
  if (renderedPolicies.some((policy) => policy.cilium)) {
    throw new UsageError(
      'the values set policyEngine: cilium, and the sandbox enforces NetworkPolicies with kube-router, not Cilium: ' +
        "try the environment's NetworkPolicies on real packets (its values without policyEngine: cilium), and check " +
        'the cilium render with `fineract-netpol verify` (the property test shows both engines allow the same flows)',
    );
  }
  const legacy =
    options.legacy && options.legacy.length > 0
      ? await loadManifests(options.legacy, { defaultNamespace: namespace })
      : undefined;

  const started = Date.now();
  const box = await startSandbox({
    inventory: { namespaces, workloads },
    policies: [...renderedPolicies, ...(legacy?.policies ?? [])],
    cidrs: declaredCidrs(values),
    log,
  });
  let report: SandboxReport;
  try {
    const startSeconds = (Date.now() - started) / 1000;
    const expectedOf = (policies: LoadedManifests['policies']) =>
      expectation({ policies, namespaces, workloads }, box.hosts);
    let legacyReport: SandboxReport['legacy'];
    let legacyObserved: Observation[] | undefined;
    if (legacy && options.legacy) {
      log(`applying the legacy policies (${options.legacy.join(', ')})`);
      for (const path of options.legacy) {
        await box.change(() => box.kubectl(['apply', '-n', namespace, '-f', path], { input: '' }));
      }
      legacyObserved = await box.probe();
      const differences = compare(legacyObserved, expectedOf(legacy.policies));
      legacyReport = { probes: legacyObserved.length, verifyDifferences: differences.length, changed: [] };
      log(`adopting the legacy objects of the chart's names into the release (README: Migrating)`);
      await box.change(() =>
        adopt(
          box,
          release,
          namespace,
          renderedPolicies.map((p) => p.name),
        ),
      );
    }
    const installStarted = Date.now();
    log(`helm ${legacy ? 'upgrade --install' : 'install'} ${release} -n ${namespace} (Helm ${helmVersion})`);
    await box.change(() =>
      box.helm(helmVersion, [
        ...(legacy ? ['upgrade', '--install'] : ['install']),
        release,
        CHART_DIR,
        '-n',
        namespace,
        ...valueArgs,
        // As the README's migration: Helm 3 replaces the adopted objects (a merge would keep legacy
        // selector labels), Helm 4 takes over the fields `kubectl apply` owned.
        ...(legacy ? [helmVersion === 4 ? '--force-conflicts' : '--force'] : []),
      ]),
    );
    const installSeconds = (Date.now() - installStarted) / 1000;
    // verify's view: every policy the API server holds (the release's and any left beside it).
    const stored = await box.kubectl(['get', 'networkpolicies', '-A', '-o', 'yaml']);
    const installed = (await loadManifests(['-'], { readStdin: () => Promise.resolve(stored) })).policies;
    log(`probing ${box.probes().length} flows`);
    const probeStarted = Date.now();
    const observed = await box.probe();
    const probeSeconds = (Date.now() - probeStarted) / 1000;
    const expected = expectedOf(installed);
    const declared = declaredOf(expected.analysis, values, namespace, box.hosts);
    const records: ObservedRecord[] = observed.map((o) => {
      const inScope = declared.inScope(o);
      const by = inScope ? declared.by(o) : [];
      return {
        from: o.from,
        to: o.to,
        protocol: o.protocol,
        port: o.port,
        result: o.result,
        ...(inScope ? { declared: declared.verdict(o) } : {}),
        ...(by.length > 0 ? { declaredBy: by } : {}),
        verify: expected.verdict(o),
      };
    });
    const differences: Difference[] = compare(observed, expected);
    if (legacyReport && legacyObserved) {
      legacyReport.changed = records.filter((r, i) => legacyObserved[i]?.result !== r.result);
    }
    const versions = toolVersions();
    report = {
      values: options.values,
      release,
      namespace,
      engine: {
        name: ENFORCER,
        version: versions['kube-router'] ?? 'unknown',
        mode: 'iptables + ipset (firewall controller)',
      },
      tools: versions,
      hosts: { pods: box.pods.length, external: box.externals.map((e) => e.address), unprobed: box.unprobed },
      probes: observed.length,
      seconds: { start: startSeconds, install: installSeconds, probe: probeSeconds },
      undeclaredOpen: records.filter((r) => r.declared === 'blocked' && r.result === 'open'),
      declaredBlocked: records.filter((r) => r.declared === 'open' && r.result === 'blocked'),
      verifyDifferences: differences.map((d) => ({
        from: d.from,
        to: d.to,
        protocol: d.protocol,
        port: d.port,
        result: d.result,
        verify: d.expected,
        policies: d.policies,
      })),
      ...(legacyReport ? { legacy: legacyReport } : {}),
      observed: records,
    };
  } catch (error) {
    await box.stop();
    throw error;
  }
  const problems = await box.stop();
  if (problems.length > 0) throw new SandboxError(`the sandbox could not be fully removed: ${problems.join('; ')}`);
  const outDir = options.out ?? join('out', 'sandbox', options.values.map((f) => basename(f, extname(f))).join('+'));
  writeAtomically(join(outDir, 'observed.json'), `${JSON.stringify(report, null, 2)}\n`);
  const failed = report.undeclaredOpen.length + report.declaredBlocked.length + report.verifyDifferences.length > 0;
  return {
    output:
      options.output === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatText(report, join(outDir, 'observed.json')),
    exitCode: failed ? 1 : 0,
    report,
  };
}

/** The README's adoption commands: label and annotate existing policies so Helm takes them over. */
async function adopt(box: Sandbox, release: string, namespace: string, names: string[]): Promise<void> {
  const existing = new Set(
    (await box.kubectl(['get', 'networkpolicies', '-n', namespace, '-o', 'jsonpath={.items[*].metadata.name}']))
      .split(/\s+/)
      .filter((n) => n !== ''),
  );
  for (const name of names.filter((n) => existing.has(n))) {
    await box.kubectl([
      '-n',
      namespace,
      'label',
      'networkpolicy',
      name,
      'app.kubernetes.io/managed-by=Helm',
      '--overwrite',
    ]);
    await box.kubectl([
      '-n',
      namespace,
      'annotate',
      'networkpolicy',
      name,
      `meta.helm.sh/release-name=${release}`,
      `meta.helm.sh/release-namespace=${namespace}`,
      '--overwrite',
    ]);
  }
}

function busiestNamespace(loaded: LoadedManifests, files: string[]): string {
  const counts = new Map<string, number>();
  for (const w of loaded.workloads) counts.set(w.namespace, (counts.get(w.namespace) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best)
    throw new InputError(`${files.join(', ')}: no workload to lay out`, 'give an inventory with Pods, Deployments, …');
  return best[0];
}

function formatText(report: SandboxReport, jsonPath: string): string {
  const lines: string[] = [];
  const pods = report.hosts.pods;
  lines.push(
    `fineract-netpol sandbox: ${report.values.join(' + ')} as release ${report.release} in ${report.namespace}`,
    `enforcer: ${report.engine.version} (${report.engine.mode}); ${report.tools['kube-apiserver'] ?? 'kube-apiserver'}`,
    `hosts: ${pods} pods, ${report.hosts.external.length} external (${report.hosts.external.join(', ')})`,
    `${report.probes} probes in ${report.seconds.probe.toFixed(1)} s (sandbox up in ${report.seconds.start.toFixed(1)} s, install applied in ${report.seconds.install.toFixed(1)} s)`,
    '',
  );
  if (report.legacy) {
    lines.push(
      `legacy policies: ${report.legacy.probes} probes, verify differs on ${report.legacy.verifyDifferences}; the switch changed ${report.legacy.changed.length} probe results`,
    );
    for (const r of report.legacy.changed.slice(0, 40))
      lines.push(`  ${describe(r)}: ${r.result === 'open' ? 'blocked → open' : 'open → blocked'}`);
    lines.push('');
  }
  lines.push("Open flows observed (in the chart's scope), with the values that declare them:");
  const grouped = new Map<string, { ports: string[]; by: Set<string>; undeclared: boolean }>();
  for (const r of report.observed) {
    if (r.result !== 'open' || r.declared === undefined) continue;
    const key = `${r.from} → ${r.to}`;
    const entry = grouped.get(key) ?? { ports: [], by: new Set<string>(), undeclared: false };
    entry.ports.push(`${r.protocol} ${r.port}`);
    for (const b of r.declaredBy ?? []) entry.by.add(b);
    if (r.declared === 'blocked') entry.undeclared = true;
    grouped.set(key, entry);
  }
  for (const [key, entry] of grouped) {
    lines.push(`  ${key}  ${entry.ports.join(', ')}  ${entry.undeclared ? 'UNDECLARED' : [...entry.by].join(', ')}`);
  }
  lines.push('');
  const section = (title: string, records: ObservedRecord[]) => {
    lines.push(`${title}: ${records.length === 0 ? 'none' : records.length}`);
    for (const r of records.slice(0, 40)) lines.push(`  ${describe(r)}`);
    if (records.length > 40) lines.push(`  … and ${records.length - 40} more (see ${jsonPath})`);
  };
  section('Declared but blocked on the wire', report.declaredBlocked);
  section('Open on the wire but not declared', report.undeclaredOpen);
  lines.push(
    `verify's verdict differs from the packets on: ${report.verifyDifferences.length === 0 ? 'no probe' : `${report.verifyDifferences.length} probes`}`,
  );
  for (const d of report.verifyDifferences.slice(0, 40)) {
    lines.push(`  ${describe(d)}: observed ${d.result}, verify says ${d.verify} (${d.policies.join(', ')})`);
  }
  if (report.hosts.unprobed.length > 0) {
    lines.push(`not probed (no address we may use): ${report.hosts.unprobed.join(', ')}`);
  }
  lines.push(`observed matrix: ${jsonPath}`);
  return `${lines.join('\n')}\n`;
}

function describe(r: ObservedRecord): string {
  return `${r.from} → ${r.to} ${r.protocol} ${r.port}`;
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const partial = `${file}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}
