// Runs the real Helm binaries (installed by scripts/run) for tests and scripts.
//
// Usage:
//   const out = helmTemplate({ helm: 4, valuesFiles: ['values/uat.yaml'], namespace: 'fineract-uat' });
//   if (out.status !== 0) throw new Error(out.stderr);
//   const policies = parseManifests(out.stdout);
//   const results = await pool(files.map((f) => () => helmAsync(4, ['template', 'x', chart, '-f', f])), 3);
import { spawn, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from '../../src/paths.ts';
import { helmBinary } from './tools.ts';

export type HelmVersion = 3 | 4;

export type TemplateOptions = {
  helm: HelmVersion;
  chart?: string;
  releaseName?: string;
  namespace?: string;
  valuesFiles?: string[];
  /** --set key=value pairs, in order. */
  set?: Record<string, string>;
  kubeVersion?: string;
  /** Extra arguments appended as-is. */
  args?: string[];
};

export type HelmResult = { status: number; stdout: string; stderr: string };

/** `helm template` with the given options; never throws on a failing render. */
export function helmTemplate(options: TemplateOptions): HelmResult {
  const args = [
    'template',
    options.releaseName ?? 'fineract-netpol',
    options.chart ?? CHART_DIR,
    '--namespace',
    options.namespace ?? 'fineract-uat',
  ];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${value}`);
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  args.push(...(options.args ?? []));
  return helm(options.helm, args);
}

/** Runs `helm <args>` with the chosen major version. */
export function helm(version: HelmVersion, args: string[], input?: string): HelmResult {
  const result = spawnSync(helmBinary(version), args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `helm <args>` without blocking and keeps its output as bytes (for callers that split it by offset). */
export function spawnHelm(
  version: HelmVersion,
  args: string[],
): Promise<{ status: number; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(helmBinary(version), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

/** Runs `helm <args>` without blocking (several can run at once); never rejects on a failing render. */
export async function helmAsync(version: HelmVersion, args: string[]): Promise<HelmResult> {
  const { status, stdout, stderr } = await spawnHelm(version, args);
  return { status, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
}

/**
 * A pattern for a values path as Helm prints it: `dns.enabled`, `a.b.0` (Helm 3), `/dns/enabled`
 * with "/" in a key as "~1" (Helm 4), `networks.rds.cidrs[0]` (the chart's validation helper),
 * not preceded or followed by more of a name.
 * Usage: expect(stderr).toMatch(helmPathPattern(['networks', 'rds', 'cidrs', '0']));
 */
export function helmPathPattern(segments: readonly string[]): RegExp {
  const escaped = segments.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '(?:/|~1)'));
  return new RegExp(`(?<![\\w-])${escaped.join('[./\\[\\]]+')}(?![\\w-])`);
}

/** Runs the tasks, `width` at a time; resolves with their results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i] as () => Promise<T>;
      results[i] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

/** Every non-empty YAML document of a multi-document stream, as plain objects. */
export function parseManifests(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`Invalid YAML in rendered output: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((obj): obj is Record<string, unknown> => obj !== null && typeof obj === 'object');
}
