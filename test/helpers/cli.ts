// Runs the fineract-netpol command line as a real process (`node src/cli/main.ts …`), the way a
// user or CI runs it: argument parsing, output, stderr and the exit code included.
//
// Usage:
//   const result = runCli(['verify', '--manifests', 'out/uat.yaml', '--output', 'json']);
//   expect(result.status).toBe(0);
//   const report = JSON.parse(result.stdout) as unknown;
//   runCli(['verify', '--manifests', '-'], { input: rendered });   // the manifests on standard input
//
// Relative paths are resolved from the repository root (the cwd of the process), like the
// README's commands; the node running the tests (Node 24 under scripts/run) runs the CLI.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.ts';

/** The entry point of the command line. */
export const CLI = join(REPO_ROOT, 'src', 'cli', 'main.ts');

export type CliOptions = {
  /** Written to the process' standard input (for `--manifests -`). */
  input?: string;
  /** Working directory. @default the repository root */
  cwd?: string;
  /**
   * The terminal width the CLI wraps its problems at (COLUMNS). @default unset, whatever the
   * environment of the tests says: a pipe, where every problem stays on one line.
   */
  columns?: number;
};

export type CliResult = { status: number; stdout: string; stderr: string };

/** Runs `fineract-netpol <args>` and waits for it; never throws on a non-zero exit. */
export function runCli(args: string[], options: CliOptions = {}): CliResult {
  const { COLUMNS: _columns, ...env } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.columns === undefined ? env : { ...env, COLUMNS: String(options.columns) },
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  if (result.status === null) throw new Error(`fineract-netpol ${args.join(' ')} was killed by ${result.signal}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
