// `fineract-netpol sandbox` as a user runs it (a real process, through the npm script's entry
// point), and the teardown guarantee: nothing is left after a run that passed, failed, was
// interrupted with Ctrl-C, or was killed outright (the next run sweeps what a killed run left).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, VALUES_DIR } from '../../src/paths.ts';
import { isAlive } from '../../src/sandbox/exec.ts';
import { listNamespaces, STATE_DIR, sweepStaleRuns } from '../../src/sandbox/teardown.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import type { SandboxReport } from '../../src/cli/sandbox/index.ts';

const CLI = join(REPO_ROOT, 'src', 'cli', 'main.ts');
const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-sandbox-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Run = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  runId: string | undefined;
};

/** Runs the CLI; `interrupt` sends a signal once stderr shows `when`. */
function runCli(args: string[], interrupt?: { when: string; signal: NodeJS.Signals }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (interrupt && !sent && stderr.includes(interrupt.when)) {
        sent = true;
        child.kill(interrupt.signal);
      }
    });
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, runId: /\[sandbox\] sandbox ([0-9a-f]+):/.exec(stderr)?.[1] }),
    );
  });
}

/** What a run left behind: its namespaces, its state file, its temporary folder, its processes. */
async function leftovers(runId: string, pids: Recorded[] = []): Promise<string[]> {
  const left: string[] = [];
  for (const name of await listNamespaces())
    if (name.startsWith(`fnp-${runId}-`)) left.push(`network namespace ${name}`);
  if (existsSync(join(STATE_DIR, `${runId}.json`))) left.push(`state file ${runId}.json`);
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith(`fineract-netpol-sandbox-${runId}-`)) left.push(`folder ${name}`);
  for (const { pid, start } of pids) if (isAlive(pid, start)) left.push(`process ${pid}`);
  return left;
}

/** A process a run recorded: its PID and when it started (a later process may get the PID). */
type Recorded = { pid: number; start?: string };

function recordedPids(runId: string): Recorded[] {
  const file = join(STATE_DIR, `${runId}.json`);
  if (!existsSync(file)) return [];
  const state = JSON.parse(readFileSync(file, 'utf8')) as { entries: { kind: string; pid?: number; start?: string }[] };
  return state.entries.flatMap((e) => (e.kind === 'process' && e.pid ? [{ pid: e.pid, start: e.start }] : []));
}

describe.skipIf(sandboxUnavailable() !== undefined)('fineract-netpol sandbox (the command)', () => {
  it('uat: observed = declared = verify, JSON written, exit 0, nothing left', async () => {
    const out = join(scratch, 'uat');
    const run = await runCli(['sandbox', '-f', join(VALUES_DIR, 'uat.yaml'), '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Declared but blocked on the wire: none');
    expect(run.stdout).toContain('Open on the wire but not declared: none');
    expect(run.stdout).toContain("verify's verdict differs from the packets on: no probe");
    const report = JSON.parse(readFileSync(join(out, 'observed.json'), 'utf8')) as SandboxReport;
    expect(report.engine.version).toContain('kube-router');
    expect(report.tools['kube-apiserver']).toContain('v1.34');
    expect(report.observed.length).toBe(report.probes);
    for (const record of report.observed) {
      expect(record.result === 'open' || record.result === 'blocked').toBe(true);
      expect(['TCP', 'UDP']).toContain(record.protocol);
    }
    const redis = report.observed.find(
      (r) => r.from === 'fineract-uat/fineract-write' && r.to === 'fineract-uat/fineract-redis' && r.port === 6379,
    );
    expect(redis).toMatchObject({ result: 'open', declared: 'open', declaredBy: ['connections.fineract-to-redis'] });
    expect(await leftovers(run.runId as string)).toEqual([]);
  });

  it('policyEngine cilium: exit 2 before any namespace is made, naming why (kube-router enforces NetworkPolicies)', async () => {
    const cilium = join(REPO_ROOT, 'examples', 'cilium', 'uat-cilium.yaml');
    const run = await runCli(['sandbox', '-f', join(VALUES_DIR, 'uat.yaml'), '-f', cilium]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('policyEngine: cilium');
    expect(run.stderr).toContain('kube-router');
    expect(run.runId).toBeUndefined();
  });

  it('exits 1 when the packets show a flow the values do not declare (a hand-written policy left behind)', async () => {
    const legacy = join(scratch, 'stray');
    writeFileSync(
      join(scratch, 'stray.yaml'),
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: NetworkPolicy',
        'metadata: {name: allow-monitoring-to-redis, namespace: fineract-uat}',
        'spec:',
        '  podSelector: {matchLabels: {app: fineract-redis}}',
        '  policyTypes: [Ingress]',
        '  ingress:',
        '    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]',
        '      ports: [{port: 6379}]',
        '',
      ].join('\n'),
    );
    const run = await runCli([
      'sandbox',
      '-f',
      join(VALUES_DIR, 'uat.yaml'),
      '--legacy',
      join(scratch, 'stray.yaml'),
      '--out',
      legacy,
      '--output',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as SandboxReport;
    expect(report.undeclaredOpen.map((r) => `${r.from} → ${r.to} ${r.port}`)).toEqual(
      expect.arrayContaining(['monitoring/grafana → fineract-uat/fineract-redis 6379']),
    );
    expect(report.verifyDifferences).toEqual([]);
    expect(await leftovers(run.runId as string)).toEqual([]);
  });

  it('Ctrl-C (SIGINT) in the middle of a run tears everything down', async () => {
    const run = await runCli(['sandbox', '-f', join(VALUES_DIR, 'uat.yaml'), '--out', join(scratch, 'int')], {
      when: 'starting kube-router',
      signal: 'SIGINT',
    });
    expect(run.runId).toBeDefined();
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('was torn down');
    expect(await leftovers(run.runId as string)).toEqual([]);
  });

  it('a run killed outright (SIGKILL) is swept by the next one', async () => {
    const run = await runCli(['sandbox', '-f', join(VALUES_DIR, 'uat.yaml'), '--out', join(scratch, 'kill')], {
      when: 'starting kube-router',
      signal: 'SIGKILL',
    });
    const runId = run.runId as string;
    expect(run.signal).toBe('SIGKILL');
    const pids = recordedPids(runId);
    expect(pids.length, 'the killed run recorded its processes').toBeGreaterThan(0);
    expect((await leftovers(runId, pids)).length, 'a killed run leaves its sandbox').toBeGreaterThan(0);
    expect(await sweepStaleRuns()).toContain(runId);
    expect(await leftovers(runId, pids)).toEqual([]);
  });
});
