// YAML as Helm reads it (src/values/yaml.ts), held to real Helm 3 and Helm 4: a table of scalars
// a YAML 1.2 reader (or the yaml package's own YAML 1.1) reads otherwise, each written as a value
// and as a key, rendered by a chart that prints its values as JSON (test/fixtures/helm-echo), and
// read by our reader. Both Helms must agree with it on every row, and on the files they refuse.
//
// Run: scripts/run npx vitest run test/yaml.test.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO_ROOT } from '../src/paths.ts';
import { HELM_YAML, helmData, HelmYamlError } from '../src/values/yaml.ts';
import { helmAsync } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const CHART = join(REPO_ROOT, 'test', 'fixtures', 'helm-echo');
const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-yaml-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Plain scalars, with what they are to Helm (the comment; the test reads Helm's answer itself). */
const SCALARS = [
  'e5', // string (a YAML 1.1 float to the yaml package)
  'E-2', // string
  '1e5', // float
  '6.02E+23', // float
  '.5', // float
  '-.5', // float
  '1.', // float
  '.', // string
  '1e', // string
  '0.1e400', // string: beyond float64
  '1e-400', // 0
  '0x1F', // 31
  '0x_1F', // 31
  '-0x10', // -16
  '0xFFFFFFFFFFFFFFFFFF', // string: beyond 64 bits
  '0o17', // 15
  '012', // 10 (octal)
  '0755', // 493
  '08', // 8
  '019', // 19
  '00', // 0
  '0b101', // 5
  '-0b11', // -3
  '1_000', // 1000
  '1__0', // 10
  '-_1', // -1
  '1_0.5', // 10.5
  '+12', // 12
  '-0', // 0
  '12345678901234567890', // a float: 12345678901234567000
  '123456789012345678', // 123456789012345680
  '9007199254740993', // 9007199254740992
  '1:20', // string (no sexagesimal)
  '190:20:30', // string
  '~', // null
  'null', // null
  'yes', // true
  'no', // false
  'on', // true
  'Off', // false
  'y', // true
  'N', // false
  'True', // true
  '2026-12-07', // string (no timestamp)
  '2026-12-07T10:00:00Z', // string
  '+', // string
];

/** Keys (the values are "x"). */
const KEYS = [
  '1',
  '012',
  '0x1F',
  'yes',
  'e5',
  '1.5',
  '1e3',
  '1e6',
  '1.5e-5',
  '123456789.0',
  '-2.5',
  '-0',
  '9007199254740993',
  '9223372036854775807',
  '2026-12-07',
  '.inf',
  '1e400',
];

/** Files both Helms refuse, and so must our reader. */
const REFUSED: [string, string][] = [
  ['an infinite value', 'v: .inf\n'],
  ['a negative infinite value', 'v: -.Inf\n'],
  ['a NaN value', 'v: .nan\n'],
  ['a null key', 'm:\n  ~: x\n'],
  ['a key beyond int64', 'm:\n  12345678901234567890: x\n'],
];

type Run = { status: number; stdout: string; stderr: string };
const runs = new Map<string, Run>();

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const valuesText = `${SCALARS.map((s, i) => `v${i}: ${s}`).join('\n')}\n`;
const keysText = `m:\n${KEYS.map((k) => `  ${k}: x`).join('\n')}\n`;

/** The values as Helm printed them (the chart's one line), parsed. */
function printed(run: Run): unknown {
  const line = run.stdout.split('\n').find((l) => l.startsWith('values: '));
  if (run.status !== 0 || line === undefined) throw new Error(`helm failed: ${run.stderr}`);
  return JSON.parse(line.slice('values: '.length)) as unknown;
}

function ours(text: string): unknown {
  return helmData(parseDocument(text, { ...HELM_YAML, uniqueKeys: false }));
}

beforeAll(async () => {
  const inputs: [string, string][] = [
    ['values', valuesText],
    ['keys', keysText],
    ...REFUSED.map(([name, text]): [string, string] => [name, text]),
  ];
  await Promise.all(
    inputs.flatMap(([name, text]) => {
      const path = file(`${name.replace(/\W+/g, '-')}.yaml`, text);
      return ([3, 4] as const).map(async (version) => {
        runs.set(`${name} ${version}`, await helmAsync(version, ['template', 'echo', CHART, '-f', path]));
      });
    }),
  );
}, 120_000);

describe.each([3, 4] as const)('Helm %i', (version) => {
  it('reads every scalar value as our reader does', () => {
    const helm = printed(runs.get(`values ${version}`) as Run) as Record<string, unknown>;
    const mine = ours(valuesText) as Record<string, unknown>;
    const rows = SCALARS.map((s, i) => [s, helm[`v${i}`], mine[`v${i}`]]);
    expect(rows.filter(([, h, m]) => !Object.is(h, m) && JSON.stringify(h) !== JSON.stringify(m))).toEqual([]);
    // The table is not trivial: Helm reads some of these as numbers, booleans, null and strings.
    const kinds = new Set(Object.values(helm).map((v) => (v === null ? 'null' : typeof v)));
    expect([...kinds].sort()).toEqual(['boolean', 'null', 'number', 'string']);
  });

  it('names every key as our reader does', () => {
    const helm = (printed(runs.get(`keys ${version}`) as Run) as { m: Record<string, string> }).m;
    const mine = (ours(keysText) as { m: Record<string, string> }).m;
    expect(Object.keys(mine).sort()).toEqual(Object.keys(helm).sort());
  });

  it.each(REFUSED)('refuses %s, as our reader does', (name, text) => {
    const run = runs.get(`${name} ${version}`) as Run;
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('failed to parse');
    expect(() => ours(text)).toThrow(HelmYamlError);
  });
});

describe('our reader', () => {
  it('writes back what it reads: strings Helm would read otherwise are quoted', async () => {
    const { Document } = await import('yaml');
    const values = { a: '012', b: 'e5', c: 'yes', d: '1_000', e: '0o17', f: 12, g: 1.5, h: '1:20' };
    const text = new Document(values, HELM_YAML).toString();
    expect(ours(text)).toEqual(values);
    expect(text).toContain('a: "012"');
    expect(text).toContain('b: e5');
  });
});
