// `npm test`: every check CI runs, each as a real process; prints one line per step and a closing
// "N passed, N failed" line. Run it through `scripts/run npm test` so that Node 24, Helm 3, Helm 4
// and helm-unittest are installed first.
//
// Usage: node scripts/test.ts [--serial] [STEP…]   (STEP: a step's name, e.g. vitest or real-cluster)
//
// The steps run in two lanes at once (2 cores are the machine this is tuned for): the real-cluster
// suite, which mostly waits (API server start-up, kube-router syncs, probes on real packets), starts
// first, on its own; the other steps run one after another next to it, their output streamed. The
// real-cluster output is kept and printed when that lane is done. `--serial` runs every step one
// after another, with its output streamed, as before (to time one step alone).
//
// Each step's line gives its wall time and the CPU time of its processes (user + system, of every
// process it waited for; Linux only). The static checks keep caches under node_modules/.cache/
// (git-ignored), each keyed so that a cached result is one the full check would give: tsc's
// incremental build info, Prettier's per-file cache (formatting is per file), ESLint's cache in a
// folder named after a hash of the whole tree (type-aware rules read other files, so any change of
// any file is a fresh lint).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/paths.ts';
import { sandboxUnavailable } from '../src/sandbox/tools.ts';

/** A step may say why it cannot run here (then it is skipped, or failed when CI=true). */
type Step = { name: string; command: () => string[]; lane: 'main' | 'cluster'; unavailable?: () => string | undefined };

const CACHE = join(REPO_ROOT, 'node_modules', '.cache');

const STEPS: Step[] = [
  { name: 'generated files are fresh', command: () => ['node', 'src/generate/main.ts', '--check'], lane: 'main' },
  {
    name: 'typecheck',
    command: () => ['npx', 'tsc', '--noEmit', '--incremental', '--tsBuildInfoFile', join(CACHE, 'tsc', 'tsbuildinfo')],
    lane: 'main',
  },
  {
    name: 'lint',
    command: () => [
      'npx',
      'eslint',
      '.',
      '--max-warnings',
      '0',
      '--cache',
      '--cache-strategy',
      'content',
      '--cache-location',
      join(CACHE, 'eslint', treeHash(), ''),
    ],
    lane: 'main',
  },
  {
    name: 'format',
    command: () => ['npx', 'prettier', '--check', '.', '--cache', '--cache-strategy', 'content'],
    lane: 'main',
  },
  { name: 'vitest', command: () => ['npx', 'vitest', 'run'], lane: 'main' },
  { name: 'helm-unittest', command: () => ['node', 'scripts/helm-unittest.ts'], lane: 'main' },
  {
    name: 'real-cluster',
    command: () => ['npx', 'vitest', 'run', '--config', 'vitest.real-cluster.config.ts'],
    lane: 'cluster',
    unavailable: sandboxUnavailable,
  },
];

type Outcome = { name: string; status: 'passed' | 'failed' | 'skipped'; line: string };

/**
 * A hash of every file of the working tree that git sees (tracked, and untracked not ignored), by
 * content: HEAD's index entries plus the contents of what differs from them.
 */
function treeHash(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  const hash = createHash('sha256');
  const index = git(['ls-files', '-s']);
  const changed = git(['ls-files', '-m', '-o', '--exclude-standard', '-z']);
  if (index.status !== 0 || changed.status !== 0) return `no-git-${Date.now()}`; // no cache to trust
  hash.update(index.stdout);
  for (const file of changed.stdout
    .split('\0')
    .filter((f) => f !== '')
    .sort()) {
    hash.update(`\0${file}\0`);
    try {
      hash.update(readFileSync(join(REPO_ROOT, file)));
    } catch {
      hash.update('(deleted)');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** CPU seconds (user + system) of the children this process has waited for (Linux: /proc). */
function childrenCpu(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ": state is field 0, cutime 13, cstime 14 (stat(5) fields 16 and 17).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Runs one step's command and reports its CPU time: `node scripts/test.ts --run-step FILE -- cmd…`
 * runs `cmd` to completion (output inherited), writes the CPU seconds of its process tree to FILE
 * and exits with its status. One wrapper per step, so that steps running at once are told apart.
 */
function runStepAndReport(file: string, command: string[]): void {
  const result = spawnSync(command[0] ?? '', command.slice(1), { stdio: 'inherit' });
  const cpu = childrenCpu();
  try {
    if (cpu !== undefined) writeFileSync(file, cpu.toFixed(1));
  } catch {
    // no CPU figure: the step's status is what counts
  }
  process.exitCode = result.status ?? 1;
}

async function runStep(step: Step, buffered: boolean): Promise<Outcome> {
  const reason = step.unavailable?.();
  if (reason !== undefined) {
    // CI must run every step: a CI where the real cluster cannot run is a failure, not a skip.
    const outcome: Outcome =
      process.env.CI === 'true'
        ? { name: step.name, status: 'failed', line: `=== ${step.name}: FAILED (cannot run with CI=true: ${reason})` }
        : { name: step.name, status: 'skipped', line: `${step.name} suite SKIPPED: ${reason}` };
    console.log(`\n${outcome.line}`);
    return outcome;
  }
  const command = step.command();
  const header = `\n=== ${step.name}: ${command.join(' ')}`;
  if (buffered) console.log(`\n=== ${step.name}: started (its output follows when it is done)`);
  else console.log(header);
  const cpuFile = join(tmpdir(), `fineract-netpol-npm-test-${process.pid}-${step.name.replace(/\W+/g, '-')}.cpu`);
  const started = Date.now();
  const child = spawn(process.execPath, [process.argv[1] ?? '', '--run-step', cpuFile, '--', ...command], {
    stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const status = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let cpu = '';
  try {
    cpu = `, CPU ${readFileSync(cpuFile, 'utf8')}s`;
    rmSync(cpuFile, { force: true });
  } catch {
    // no CPU figure on this system
  }
  const ok = status === 0;
  const line = `=== ${step.name}: ${ok ? 'ok' : 'FAILED'} (${seconds}s${cpu})`;
  if (buffered) {
    process.stdout.write(`${header}\n`);
    process.stdout.write(Buffer.concat(output));
  }
  console.log(line);
  return { name: step.name, status: ok ? 'passed' : 'failed', line };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--run-step') {
    runStepAndReport(args[1] ?? '', args.slice(3));
    return;
  }
  for (const dir of ['tsc', 'eslint']) mkdirSync(join(CACHE, dir), { recursive: true });
  const serial = args.includes('--serial');
  const only = args.filter((a) => a !== '--serial');
  const steps = STEPS.filter((s) => only.length === 0 || only.includes(s.name));
  const started = Date.now();
  let outcomes: Outcome[];
  if (serial) {
    outcomes = [];
    for (const step of steps) outcomes.push(await runStep(step, false));
  } else {
    const lane = async (name: Step['lane']) => {
      const done: Outcome[] = [];
      for (const step of steps.filter((s) => s.lane === name)) done.push(await runStep(step, name === 'cluster'));
      return done;
    };
    const [main, cluster] = await Promise.all([lane('main'), lane('cluster')]);
    outcomes = [...main, ...cluster];
  }
  const failed = outcomes.filter((o) => o.status === 'failed').map((o) => o.name);
  const skipped = outcomes.filter((o) => o.status === 'skipped').map((o) => o.name);
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  // Every step's line again, together: the run's summary.
  console.log(`\n${outcomes.map((o) => o.line.replace(/^=== /, '  ')).join('\n')}`);
  const skippedNote = skipped.length > 0 ? ` (SKIPPED: ${skipped.join(', ')})` : '';
  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\nnpm test: ${failed.length === 0 ? 'every step passed' : `failed: ${failed.join(', ')}`}${skippedNote} in ${total}s`,
  );
  console.log(`${passed} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
