// Running the sandbox's commands: `ip`, `iptables`, kubectl and Helm, each as a real process,
// optionally inside a network namespace (`ip netns exec NS …`). A command that fails throws a
// SandboxError with its command line and what it printed; nothing here kills by name.
//
// Usage: await exec(['ip', 'netns', 'add', name]);
//        const yaml = await exec(['kubectl', 'get', 'pods', '-A', '-o', 'yaml'], { netns: node, env });
//        const child = spawnIn(node, ['etcd', '--data-dir', dir], { log: 'etcd.log' });
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { SandboxError } from '../errors.ts';

export { SandboxError };

export type ExecOptions = {
  /** Run inside this network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Extra environment variables (added to this process's). */
  env?: Record<string, string>;
  /** Written to the command's standard input. */
  input?: string;
  /** Fail after this long (the process is killed by its PID). @default 120000 */
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
};

export type ExecResult = { code: number; stdout: string; stderr: string };

/** The argv that runs `command` inside a network namespace, or as is. */
export function inNamespace(netns: string | undefined, command: readonly string[]): string[] {
  return netns === undefined ? [...command] : ['ip', 'netns', 'exec', netns, ...command];
}

/** Runs a command to completion; throws SandboxError on a non-zero exit unless allowFailure. */
export async function exec(command: readonly string[], options: ExecOptions = {}): Promise<string> {
  const result = await execResult(command, options);
  return result.stdout;
}

/** Runs a command to completion and returns its exit code and output. */
export function execResult(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const argv = inNamespace(options.netns, command);
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SandboxError(`cannot run ${file}: ${error.message}`, `install ${file} or run through scripts/run`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (result.code === 0 || options.allowFailure) resolve(result);
      else {
        const how = signal ? `was killed by ${signal}` : `exited with ${result.code}`;
        const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-12).join('\n  ');
        reject(new SandboxError(`\`${argv.join(' ')}\` ${how}${said ? `:\n  ${said}` : ''}`));
      }
    });
    // A command that exits without reading its input must not fail us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Starts a long-running process (detached into its own process group, so that a Ctrl-C of the
 * terminal reaches our handler first and we stop it by PID), its output appended to `log`.
 */
export function spawnIn(
  netns: string | undefined,
  command: readonly string[],
  options: { log: string; env?: Record<string, string> },
): ChildProcess {
  const argv = inNamespace(netns, command);
  const fd = openSync(options.log, 'a');
  try {
    const child = spawn(argv[0] as string, argv.slice(1), {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined
 * when there is no such process. With the PID it names one process: PIDs are reused (pid_max is
 * 32768 on many machines, and a test run spawns thousands of processes).
 */
export function processStart(pid: number): string | undefined {
  try {
    // After "pid (comm) " the fields start at field 3 (state): starttime is the 20th of them.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * True while a process with this PID exists — and, when `start` is given (processStart at the
 * time it was recorded), only while it is that same process and not a later one given its PID.
 */
export function isAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  return now === undefined ? !existsSync('/proc/self/stat') : now === start;
}

/**
 * Stops a process by PID: SIGTERM, then SIGKILL after `graceMs`. Resolves when it is gone. With
 * `start` (see isAlive), a PID that now belongs to another process is left alone.
 */
export async function stopPid(pid: number, graceMs = 3000, start?: string): Promise<void> {
  if (!isAlive(pid, start)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid, start) && Date.now() < deadline) await sleep(25);
  if (isAlive(pid, start)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    const hardDeadline = Date.now() + 5000;
    while (isAlive(pid, start) && Date.now() < hardDeadline) await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; hint?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      const hint = options.hint ? `\n${options.hint()}` : '';
      throw new SandboxError(`timed out after ${options.timeoutMs} ms waiting for ${what}${cause}${hint}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
