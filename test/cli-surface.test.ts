// The command-line surface a new user meets first, as real processes: --version, standard input
// for values (`-f -`), errors in words (never EISDIR/ENOENT), `npm run render` with any values
// files and a namespace (and --help), and `scripts/run helm …`.
//
// Usage: scripts/run npx vitest run test/cli-surface.test.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { runCli } from './helpers/cli.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-surface-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const UAT = join(VALUES_DIR, 'uat.yaml');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

type Run = { status: number; stdout: string; stderr: string };

/** A process in the repository root, npm's own variables not passed on. */
function run(command: string, args: string[], input = ''): Run {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env, input, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

describe('fineract-netpol', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', (flag) => {
    const result = runCli([flag]);
    expect(result).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('validate -f - reads the values from standard input, named <stdin> in messages', () => {
    const valid = runCli(['validate', '-f', '-'], { input: readFileSync(UAT, 'utf8') });
    expect(valid.status).toBe(0);
    expect(valid.stdout).toBe('<stdin>: valid (7 components, 18 connections, 5 networks)\n');
    const invalid = runCli(['validate', '-f', UAT, '-f', '-', '-o', 'json'], {
      input: 'networks: {rds: {cidrs: [x]}}\n',
    });
    expect(invalid.status).toBe(1);
    const report = JSON.parse(invalid.stdout) as { files: string[]; problems: { file: string }[] };
    expect(report.files).toEqual([UAT, '<stdin>']);
    expect(report.problems.map((p) => p.file)).toContain('<stdin>');
  });

  it('verify -f - reads the values from standard input, like the file', () => {
    const render = helmTemplate({ helm: 4, namespace: 'fineract-uat', valuesFiles: [UAT] });
    const manifests = join(tmp, 'uat.yaml');
    writeFileSync(manifests, render.stdout);
    const fromFile = runCli(['verify', '-m', manifests, '-f', UAT, '-o', 'json']);
    const fromStdin = runCli(['verify', '-m', manifests, '-f', '-', '-o', 'json'], {
      input: readFileSync(UAT, 'utf8'),
    });
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const twice = runCli(['verify', '-m', '-', '-f', '-'], { input: render.stdout });
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/--manifests - and --values - both ask for it/);
  });

  it.each([
    ['validate', ['validate', '-f', VALUES_DIR], 'cannot read the values file (is a folder, not a file)'],
    ['validate', ['validate', '-f', join(tmp, 'none.yaml')], 'cannot read the values file (no such file or folder)'],
    ['verify', ['verify', '-m', join(tmp, 'none.yaml')], 'cannot read: no such file or folder'],
    [
      'verify --values',
      ['verify', '-m', '-', '-f', VALUES_DIR],
      'cannot read the values file (is a folder, not a file)',
    ],
  ])('%s: file errors in words, exit 2', (_name, args, message) => {
    const result = runCli(args, {
      input: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\bE[A-Z]{3,}\b|node:internal|^\s+at /m);
  });
});

describe('npm run render', () => {
  const render = (args: string[], input = '') => run('node', ['scripts/render.ts', ...args], input);

  it('--help prints the usage and exits 0', () => {
    const result = render(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run render -- \[ENV…\]/);
    expect(result.stdout).toContain('-f, --values FILE');
  });

  it('an unknown option or environment: exit 2 with the reason and the usage, no stack trace', () => {
    for (const [args, reason] of [
      [['--bogus'], "render: Unknown option '--bogus'"],
      [['staging'], 'render: no values file for staging: choose from defaults, dev, production, uat or all'],
      [['--helm', '5'], 'render: --helm must be 3 or 4, not "5"'],
      [['uat', '-f', UAT], 'render: give environments (uat) or -f files, not both'],
    ] as const) {
      const result = render([...args]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toContain('Usage: npm run render');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('-f FILE -f FILE -n NS -o FILE: any values files, merged like helm -f, in the namespace given', () => {
    const local = join(tmp, 'local.yaml');
    writeFileSync(local, 'networks:\n  rds: {cidrs: [10.99.0.0/24]}\n');
    const target = join(tmp, 'out', 'local.yaml');
    const result = render(['-f', UAT, '-f', local, '-n', 'fineract-uat', '-o', target]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^render: local → .*local\.yaml \(7 NetworkPolicies in fineract-uat: /);
    const helm = helmTemplate({ helm: 4, namespace: 'fineract-uat', valuesFiles: [UAT, local] });
    expect(readFileSync(target, 'utf8')).toBe(helm.stdout);
    expect(helm.stdout).not.toBe(helmTemplate({ helm: 4, namespace: 'fineract-uat', valuesFiles: [UAT] }).stdout);
  });

  it('-o - writes the render to stdout and the summary to stderr', () => {
    const result = render(['-f', UAT, '-n', 'bank-uat', '-o', '-']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(helmTemplate({ helm: 4, namespace: 'bank-uat', valuesFiles: [UAT] }).stdout);
    expect(result.stderr).toMatch(/^render: uat \(7 NetworkPolicies in bank-uat: /);
  });

  it('values Helm refuses: exit 1 with its message, nothing written', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'networks: {rds: {cidrs: [not-a-cidr]}}\n');
    const target = join(tmp, 'out', 'bad.yaml');
    const result = render(['-f', bad, '-o', target]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/render: bad: helm template failed:\n/);
    expect(() => readFileSync(target)).toThrow();
  });
});

describe('scripts/run helm', () => {
  it.each([
    ['helm', /^v4\./],
    ['helm4', /^v4\./],
    ['helm3', /^v3\./],
  ])('scripts/run %s runs that Helm', (name, version) => {
    const result = run(join(REPO_ROOT, 'scripts', 'run'), [name, 'version', '--short']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(version);
  });
});
