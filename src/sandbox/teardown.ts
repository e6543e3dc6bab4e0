// Tearing a sandbox down: every step that creates something registers how to remove it, and
// `teardown` undoes them in reverse order, on success, failure and interrupt. What was created is
// also written to a state file (`<state dir>/<run id>.json`), so that a run killed with SIGKILL is
// cleaned up by the next run (`sweepStaleRuns`): processes by their recorded PID, namespaces by
// their recorded names, never anything matched by a broad name.
//
// Usage: const ledger = new Ledger(runId);
//        ledger.namespace(name);                   // `ip netns del name` at teardown
//        ledger.process(child.pid, 'etcd');        // stop by PID at teardown
//        ledger.directory(tmp);                    // rm -rf at teardown
//        const problems = await ledger.teardown(); // [] when everything is gone
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execResult, isAlive, processStart, stopPid } from './exec.ts';

/** Where runs record what they created: one JSON file per live run. */
export const STATE_DIR = join(tmpdir(), 'fineract-netpol-sandbox');

type Entry =
  /** `start`: when it started (processStart), so that a later process given the same PID is never touched. */
  | { kind: 'process'; pid: number; name: string; start?: string }
  | { kind: 'namespace'; name: string }
  | { kind: 'directory'; path: string };

type State = { runId: string; ownerPid: number; ownerStart?: string; entries: Entry[] };

export class Ledger {
  readonly runId: string;
  private readonly entries: Entry[] = [];
  private readonly file: string;
  private tornDown = false;

  constructor(runId: string) {
    this.runId = runId;
    mkdirSync(STATE_DIR, { recursive: true });
    this.file = join(STATE_DIR, `${runId}.json`);
    this.save();
  }

  /** A process to stop by PID (SIGTERM, then SIGKILL). */
  process(pid: number | undefined, name: string): void {
    if (pid === undefined) return;
    this.entries.push({ kind: 'process', pid, name, start: processStart(pid) });
    this.save();
  }

  /** A network namespace to delete (with it go its interfaces, iptables rules and ipsets). */
  namespace(name: string): void {
    this.entries.push({ kind: 'namespace', name });
    this.save();
  }

  /** A directory to remove. */
  directory(path: string): void {
    this.entries.push({ kind: 'directory', path });
    this.save();
  }

  /** Process ids recorded and not yet stopped. */
  pids(): number[] {
    return this.entries.flatMap((e) => (e.kind === 'process' ? [e.pid] : []));
  }

  /** Namespaces recorded. */
  namespaces(): string[] {
    return this.entries.flatMap((e) => (e.kind === 'namespace' ? [e.name] : []));
  }

  /** Undoes everything, newest first; returns what could not be removed (empty on success). */
  async teardown(): Promise<string[]> {
    if (this.tornDown) return [];
    this.tornDown = true;
    const problems = await undo([...this.entries].reverse());
    if (problems.length === 0) rmSync(this.file, { force: true });
    return problems;
  }

  private save(): void {
    const state: State = {
      runId: this.runId,
      ownerPid: process.pid,
      ownerStart: processStart(process.pid),
      entries: this.entries,
    };
    const partial = `${this.file}.partial`;
    writeFileSync(partial, JSON.stringify(state, null, 2));
    renameSync(partial, this.file);
  }
}

async function undo(entries: Entry[]): Promise<string[]> {
  const problems: string[] = [];
  // Processes first (all at once), then namespaces, then directories.
  await Promise.all(
    entries.flatMap((e) => (e.kind === 'process' ? [stopPid(e.pid, 3000, e.start).catch(() => undefined)] : [])),
  );
  for (const entry of entries) {
    if (entry.kind === 'process' && isAlive(entry.pid, entry.start))
      problems.push(`process ${entry.pid} (${entry.name}) is still running`);
  }
  for (const entry of entries) {
    if (entry.kind !== 'namespace') continue;
    if (!(await namespaceExists(entry.name))) continue;
    const result = await execResult(['ip', 'netns', 'del', entry.name], { allowFailure: true });
    if (result.code !== 0 && (await namespaceExists(entry.name))) {
      problems.push(`network namespace ${entry.name}: ${result.stderr.trim()}`);
    }
  }
  for (const entry of entries) {
    if (entry.kind !== 'directory') continue;
    try {
      rmSync(entry.path, { recursive: true, force: true });
    } catch (error) {
      problems.push(`directory ${entry.path}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** The network namespaces that exist (`ip netns list`), by name. */
export async function listNamespaces(): Promise<Set<string>> {
  const result = await execResult(['ip', 'netns', 'list'], { allowFailure: true });
  return new Set(
    result.stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name !== ''),
  );
}

async function namespaceExists(name: string): Promise<boolean> {
  return existsSync(join('/run/netns', name)) || (await listNamespaces()).has(name);
}

/**
 * Cleans up after runs whose owner process is gone (killed before it could tear down): stops their
 * recorded processes and deletes their recorded namespaces and folders. Returns the run ids swept.
 */
export async function sweepStaleRuns(): Promise<string[]> {
  if (!existsSync(STATE_DIR)) return [];
  const swept: string[] = [];
  for (const name of readdirSync(STATE_DIR)) {
    if (!name.endsWith('.json')) continue;
    const file = join(STATE_DIR, name);
    let state: State;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as State;
    } catch {
      continue;
    }
    if (state.ownerPid === process.pid || isAlive(state.ownerPid, state.ownerStart)) continue;
    const problems = await undo([...state.entries].reverse());
    if (problems.length === 0) {
      rmSync(file, { force: true });
      swept.push(state.runId);
    }
  }
  return swept;
}
