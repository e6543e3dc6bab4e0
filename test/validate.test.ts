// `fineract-netpol validate`: the bad-values corpus (test/fixtures/bad-values/<case>.yaml, header
// grammar in test/helpers/corpus.ts) problem for problem, merged files, the environment files and
// the CLI as a real process. What the other layers (Helm 3 and Helm 4 with the schema, the chart's
// own checks) do with each case, and validate's agreement with them: test/bad-values.test.ts.
//
// Every problem validate reports must be expected (`# expect:`/`# warn:` lines), and every
// expectation met, so each case fails when its check stops working (checked below by dropping a
// problem); a case validate cannot read at all says `# unreadable: TEXT`.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHART_DIR, VALUES_DIR } from '../src/paths.ts';
import { locate } from '../src/values/locations.ts';
import { formatPath } from '../src/values/paths.ts';
import {
  CHART_DEFAULT,
  formatText,
  validateValuesFiles,
  type Problem,
  type ValidationResult,
} from '../src/values/report/index.ts';
import { runCli } from './helpers/cli.ts';
import { CORPUS_DIR, readCorpus, type CorpusCase, type Expected } from './helpers/corpus.ts';

const FIXTURES = CORPUS_DIR;

/** `MESSAGE` is a part of the message; `MESSAGE  (FIX` also needs FIX to be a part of the fix. */
function matchesText(problem: Problem, text: string): boolean {
  const [message = '', fix] = text.split('  (');
  return problem.message.includes(message) && (fix === undefined || problem.fix.includes(fix.replace(/\)$/, '')));
}

/** Every mismatch between the expectations and the problems (empty: they agree exactly). */
function compare(expected: Expected[], problems: Problem[]): string[] {
  const left = [...problems];
  const mismatches: string[] = [];
  for (const e of expected) {
    const i = left.findIndex(
      (p) =>
        p.severity === e.severity &&
        p.line === e.line &&
        p.column === e.column &&
        p.path === e.path &&
        matchesText(p, e.text),
    );
    if (i < 0) mismatches.push(`missing: ${e.line}:${e.column} ${e.path}  ${e.text}`);
    else left.splice(i, 1);
  }
  for (const p of left) mismatches.push(`unexpected: ${p.line}:${p.column} ${p.path}  ${p.message}  (${p.fix})`);
  return mismatches;
}

const corpus = readCorpus();
/** The cases validate can read (the others are checked in 'validate: files it cannot read'). */
const cases = corpus.filter((c) => c.unreadable === undefined);
const results = new Map<string, ValidationResult>(cases.map((c) => [c.name, validateValuesFiles([c.file])]));
const resultOf = (c: CorpusCase) => results.get(c.name) as ValidationResult;

describe('validate: the table of cases', () => {
  it('has at least 30 bad cases', () => {
    expect(cases.filter((c) => c.expected.length > 0).length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = resultOf(c);
    expect(compare(c.expected, result.problems)).toEqual([]);
    expect(result.valid).toBe(!c.expected.some((e) => e.severity === 'error'));
    // The rules that found them, as the case states (`# rules:`).
    expect([...new Set(result.problems.flatMap((p) => (p.rule ? [p.rule] : [])))].sort()).toEqual(c.rules);
    for (const p of result.problems) expect(p.file).toBe(c.file);
    // The case can fail: without any one of its problems, or with one more, it no longer agrees.
    result.problems.forEach((_, i) => {
      expect(compare(c.expected, result.problems.toSpliced(i, 1))).not.toEqual([]);
    });
    if (result.problems[0]) expect(compare(c.expected, [...result.problems, result.problems[0]])).not.toEqual([]);
  });

  // Each check of validate, and a case that shows it (by the problems actually reported).
  const CHECKS: [string, (p: Problem) => boolean][] = [
    ['unknown key with a suggestion', (p) => /^unknown key `.+` \(did you mean `.+`\?\)/.test(p.message)],
    ['wrong type', (p) => /^expected .+, got /.test(p.message)],
    ['YAML 1.1 boolean value', (p) => /^expected .+: `no` is the boolean false in YAML 1\.1/.test(p.message)],
    ['CIDR without mask', (p) => /^CIDR mask is missing in ".+"\. Did you mean ".+\/32"\?$/.test(p.message)],
    ['pattern explained', (p) => /is not a valid (port name|label value|description)/.test(p.message)],
    ['invalid name with a suggestion', (p) => /is not a valid/.test(p.message) && /rename it to/.test(p.fix)],
    ['required key', (p) => /is required/.test(p.message)],
    ['enum', (p) => /is not one of TCP, UDP, SCTP/.test(p.message)],
    ['port range', (p) => /above the maximum 65535/.test(p.message)],
    ['undefined component', (p) => /is not defined in components/.test(p.message)],
    ['undefined peer', (p) => /is not defined in peers/.test(p.message)],
    ['undefined network', (p) => /is not defined in networks/.test(p.message)],
    [
      'endpoint with two kinds after the merge',
      (p) => /\(found \w+, \w+\)$/.test(p.message) && /maps merge/.test(p.fix),
    ],
    ['endpoint with two kinds', (p) => /\(found \w+, \w+\)$/.test(p.message) && /keep only one/.test(p.fix)],
    [
      'endpoint with no kind',
      (p) => /must name exactly one of component, peer or network \(found none\)/.test(p.message),
    ],
    ['endpoint with a misspelt kind', (p) => /is not a kind of endpoint: did you mean `component`\?/.test(p.fix)],
    ['endpoint that is not a mapping', (p) => /write a mapping naming one endpoint, not the string/.test(p.fix)],
    ['connection with no component end', (p) => /neither end is a component/.test(p.message)],
    ['except outside its cidr', (p) => /is not strictly inside any of the cidrs/.test(p.message)],
    ['excepts covering a whole cidr', (p) => /cover all of ".+", so the network allows nothing there/.test(p.message)],
    ['cidr inside an excluded private range', (p) => /lies inside the private range/.test(p.message)],
    ['host bits (IPv4)', (p) => /^"\d+\.\d+\.\d+\.\d+\/\d+" has host bits set$/.test(p.message)],
    ['host bits (IPv6)', (p) => /^".*:.*" has host bits set$/.test(p.message)],
    ['IPv4-mapped IPv6 CIDR', (p) => /is an IPv4-mapped IPv6 address/.test(p.message)],
    [
      'IPv6 CIDR not in canonical form',
      (p) => p.severity === 'warning' && /not written in canonical form/.test(p.message),
    ],
    ['host bits in privateCidrs', (p) => p.path.startsWith('privateCidrs[') && /host bits/.test(p.message)],
    ['endPort below port', (p) => /is below port/.test(p.message)],
    ['named port with endPort', (p) => /cannot be used with the named port/.test(p.message)],
    ['named port towards a network', (p) => /cannot be resolved for a network/.test(p.message)],
    ['empty ports list', (p) => /\.ports$/.test(p.path) && /never allows all ports/.test(p.fix)],
    ['empty metricsPorts list', (p) => /\.metricsPorts$/.test(p.path) && /is empty/.test(p.message)],
    [
      'component selecting every pod',
      (p) => /^components\..+\.podSelector$/.test(p.path) && /every pod/.test(p.message),
    ],
    ['peer selecting every pod', (p) => /^peers\..+\.podSelector$/.test(p.path) && /every pod/.test(p.message)],
    ['dns selecting every pod', (p) => p.path === 'dns.podSelector' && /every pod/.test(p.message)],
    ['monitoring selecting every pod', (p) => p.path === 'monitoring.podSelector' && /every pod/.test(p.message)],
    ['empty namespaceSelector', (p) => /selects every namespace/.test(p.message)],
    ['namespace and namespaceSelector', (p) => /is set together with namespace/.test(p.message)],
    ['duplicate policy names', (p) => /is already the name of/.test(p.message)],
    ['duplicate flow', (p) => /allows the same flow as connection ".+": .+ on TCP 6379$/.test(p.message)],
    ['duplicate flow (overlapping range)', (p) => /allows the same flow .+ on TCP 8080$/.test(p.message)],
    ['boolean-like key', (p) => /^key `.+` is the boolean/.test(p.message)],
    ['duplicate key', (p) => /^duplicate key/.test(p.message)],
    [
      'peer isolated by defaultDeny in the release namespace',
      (p) => p.severity === 'warning' && /where defaultDeny isolates its pods too/.test(p.message),
    ],
    ['connection to a disabled component', (p) => p.severity === 'warning' && /is disabled/.test(p.message)],
  ];
  it.each(CHECKS)('covers the check: %s', (_check, matches) => {
    const showing = cases.filter((c) => resultOf(c).problems.some(matches)).map((c) => c.name);
    expect(showing.length, 'no case shows this check').toBeGreaterThan(0);
  });
});

describe('validate: files it cannot read', () => {
  const unreadable = corpus.filter((c) => c.unreadable !== undefined);
  it.each(unreadable.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(() => validateValuesFiles([c.file])).toThrow(c.unreadable);
  });
});

describe('validate: several files merged like helm -f a -f b', () => {
  const base = join(FIXTURES, 'merged', 'base.yaml');
  const override = join(FIXTURES, 'merged', 'override.yaml');

  it('points each problem at the file (the last one) that sets the key', () => {
    const result = validateValuesFiles([base, override]);
    const where = result.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`);
    expect(where).toEqual([
      `${base}:5:5 components.reporting.enabeld`,
      `${override}:4:13 networks.rds.cidrs[0]`,
      `${override}:7:5 connections.reporting-to-rds.to`,
    ]);
    const twoKinds = result.problems[2] as Problem;
    expect(twoKinds.message).toBe('must name exactly one of component, peer or network (found peer, network)');
    expect(twoKinds.rule).toBe('endpoint-one-kind');
    expect(twoKinds.fix).toBe(`the files merge: add peer: null next to network in ${override}`);
  });

  it('follows the order of the files: the later file wins', () => {
    const result = validateValuesFiles([override, base]);
    const where = result.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`);
    expect(where).toEqual([
      `${base}:5:5 components.reporting.enabeld`,
      `${base}:13:5 connections.reporting-to-rds.to`,
      `${base}:16:26 connections.fineract-to-rds.ports[0].endPort`,
    ]);
  });

  it('reads JSON, with lines and columns', () => {
    const file = join(FIXTURES, 'json', 'values.json');
    const result = validateValuesFiles([file]);
    expect(result.problems.map((p) => `${p.line}:${p.column} ${p.path}  ${p.message}`)).toEqual([
      '3:24 networks.rds.cidrs[0]  CIDR mask is missing in "10.20.32.10". Did you mean "10.20.32.10/32"?',
      '5:33 components.keycloak.enabled  expected true or false, got the string "no"',
    ]);
  });

  it('says (chart default) for a problem no file wrote', () => {
    const finding = { path: ['networks', 'rds', 'cidrs', 0], message: 'm', fix: 'f', severity: 'error' } as const;
    expect(locate(undefined, finding)).toBeUndefined();
    const result: ValidationResult = {
      files: ['a.yaml'],
      valid: false,
      problems: [{ ...finding, file: CHART_DEFAULT, line: 0, column: 0, endColumn: 0, path: formatPath(finding.path) }],
      summary: { components: 0, connections: 0, networks: 0 },
      sources: {},
    };
    expect(formatText(result)).toBe('(chart default)  networks.rds.cidrs[0]  m  (f)\n\na.yaml: 1 error\n');
  });
});

describe('validate: the environment files and the chart defaults are valid', () => {
  const files = [
    ...readdirSync(VALUES_DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(VALUES_DIR, f)),
    join(CHART_DIR, 'values.yaml'),
  ];
  it.each(files)('%s', (file) => {
    const result = validateValuesFiles([file]);
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('validate: the command line, as a real process', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-validate-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** `fineract-netpol validate ARGS` (test/helpers/cli.ts), in a pipe unless `columns` is given. */
  function cli(...args: string[]) {
    return cliAt(undefined, ...args);
  }

  function cliAt(columns: number | undefined, ...args: string[]) {
    const run = runCli(['validate', ...args], columns === undefined ? {} : { columns });
    // Never a stack trace, whatever the input.
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(run.stderr).not.toContain('internal error');
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('exits 0 with a one-line summary for a valid file', () => {
    const run = cli('-f', 'values/uat.yaml');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('values/uat.yaml: valid (7 components, 18 connections, 5 networks)\n');
  });

  it('exits 1 with every problem on stderr (as emit), one line each and the offending line under it', () => {
    const run = cli('-f', 'test/fixtures/bad-values/private-range-rds.yaml');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('test/fixtures/bad-values/private-range-rds.yaml: 2 errors\n');
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe(
      'test/fixtures/bad-values/private-range-rds.yaml:11:13  networks.rds.cidrs[0]  "10.20.32.0/24" lies inside the private range "10.0.0.0/8" that excludePrivate removes, so nothing in it is reachable  (set networks.rds.excludePrivate: false and list the real subnets)  [cidr-inside-private]',
    );
    expect(lines.slice(1, 4)).toEqual([
      '      10 |   rds:',
      '    > 11 |     cidrs: [10.20.32.0/24, 10.20.33.0/24]',
      '         |             ^^^^^^^^^^^^^',
    ]);
    expect(run.stderr).toContain('private-range-rds.yaml:11:28  networks.rds.cidrs[1]');
  });

  it('on a terminal (COLUMNS), problems are wrapped with continuation lines indented', () => {
    const file = 'test/fixtures/bad-values/private-range-rds.yaml';
    const run = cliAt(100, '-f', file);
    const lines = run.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(
      /^test\/fixtures\/bad-values\/private-range-rds\.yaml:11:13 {2}networks\.rds\.cidrs\[0\] {2}/,
    );
    expect(lines[1]).toMatch(/^ {4}\S/);
    // Unwrapped, the words are those of the one-line form.
    const whole = cli('-f', file).stderr;
    expect(run.stderr.replace(/\s+/g, ' ')).toBe(whole.replace(/\s+/g, ' '));
  });

  it('exits 0 for warnings alone, and prints them', () => {
    const run = cli('-f', 'test/fixtures/bad-values/disabled-component.yaml');
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('connections.fineract-to-redis.to.component  warning: component "fineract-redis"');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      'test/fixtures/bad-values/disabled-component.yaml: valid with 2 warnings (3 components, 12 connections, 5 networks)',
    );
  });

  it('writes JSON with --output json', () => {
    const run = cli(
      '-f',
      'test/fixtures/bad-values/merged/base.yaml',
      '-f',
      'test/fixtures/bad-values/merged/override.yaml',
      '--output',
      'json',
    );
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { valid: boolean; files: string[]; problems: Problem[] };
    expect(report.valid).toBe(false);
    expect(report.files).toHaveLength(2);
    expect(report.problems[0]).toEqual({
      file: 'test/fixtures/bad-values/merged/base.yaml',
      line: 5,
      column: 5,
      endColumn: 12,
      path: 'components.reporting.enabeld',
      message: 'unknown key `enabeld` (did you mean `enabled`?)',
      fix: 'rename it to `enabled`',
      severity: 'error',
    });
  });

  it('exits 2 for a file that is not YAML, with the line and column', () => {
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, 'networks:\n  rds:\n    cidrs: [10.20.0.0/16\n    excludePrivate: false\n');
    const run = cli('-f', file);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^fineract-netpol: ${file}:\\d+:\\d+: not valid YAML: `));
  });

  it('exits 2 for a file that cannot be read, or is not a mapping', () => {
    const list = join(scratch, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    const run = cli('-f', join(scratch, 'missing.yaml'), '-f', list);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('missing.yaml: cannot read the values file (no such file or folder)');
    expect(run.stderr).toContain(`${list}:1:1: a values file must be a YAML mapping (key: value), not a list`);
  });

  it('exits 2 for binary input', () => {
    const file = join(scratch, 'binary.yaml');
    writeFileSync(file, Buffer.from([0x00, 0x01, 0xff, 0x09, 0x3a, 0x0a, 0x7b]));
    expect(cli('-f', file).status).toBe(2);
  });
});

describe('validate never throws on bad values, only reports them', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-validate-fuzz-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const name = fc.constantFrom('fineract', 'keycloak', 'rds', 'ingress-nginx', 'x', 'Bad_Name', 'y');
  const cidr = fc.constantFrom(
    '10.0.0.0/8',
    '10.1.2.3/8',
    '10.20.0.0/16',
    'fd00::1/8',
    '0.0.0.0/0',
    '10.0.0.1',
    'x/33',
  );
  const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -1, max: 70000 }), name, cidr);
  const anything = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(name, scalar, { maxKeys: 3 }));
  const endpoint = fc.oneof(
    anything,
    fc.dictionary(fc.constantFrom('component', 'peer', 'network', 'compnent'), fc.oneof(name, scalar), { maxKeys: 3 }),
  );
  const port = fc.oneof(
    anything,
    fc.record(
      {
        port: fc.oneof(fc.integer({ min: 0, max: 70000 }), name),
        endPort: fc.integer({ min: 0, max: 70000 }),
        protocol: fc.constantFrom('TCP', 'udp'),
      },
      { requiredKeys: [] },
    ),
  );
  const connection = fc.record(
    {
      enabled: fc.oneof(fc.boolean(), scalar),
      from: endpoint,
      to: endpoint,
      ports: fc.oneof(fc.array(port, { maxLength: 3 }), anything),
    },
    { requiredKeys: [] },
  );
  const selector = fc.oneof(
    anything,
    fc.record({ matchLabels: anything, matchExpressions: anything }, { requiredKeys: [] }),
  );
  const pods = fc.record(
    {
      enabled: scalar,
      namespace: fc.oneof(name, scalar),
      namespaceSelector: selector,
      podSelector: selector,
      ports: fc.array(port, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
  const values = fc.record(
    {
      components: fc.dictionary(
        name,
        fc.oneof(
          anything,
          fc.record(
            { enabled: scalar, podSelector: selector, policyName: name, metricsPorts: fc.array(port) },
            { requiredKeys: [] },
          ),
        ),
        { maxKeys: 3 },
      ),
      peers: fc.dictionary(name, fc.oneof(anything, pods), { maxKeys: 2 }),
      networks: fc.dictionary(
        name,
        fc.oneof(
          anything,
          fc.record(
            {
              cidrs: fc.array(cidr, { maxLength: 3 }),
              except: fc.oneof(fc.array(cidr, { maxLength: 2 }), anything),
              excludePrivate: scalar,
            },
            { requiredKeys: [] },
          ),
        ),
        { maxKeys: 2 },
      ),
      connections: fc.dictionary(name, fc.oneof(anything, connection), { maxKeys: 3 }),
      dns: fc.oneof(anything, pods),
      monitoring: fc.oneof(anything, pods),
      privateCidrs: fc.oneof(fc.array(cidr, { maxLength: 3 }), anything),
      defaultDeny: fc.oneof(anything, fc.record({ enabled: scalar, policyName: name }, { requiredKeys: [] })),
      enabeld: scalar,
    },
    { requiredKeys: [] },
  );

  it('reports problems (with a place and a path) for any values, and never throws', () => {
    const file = join(scratch, 'values.yaml');
    fc.assert(
      fc.property(values, (v) => {
        writeFileSync(file, stringify(v));
        const result = validateValuesFiles([file]);
        for (const p of result.problems) {
          expect(p.path).not.toBe('');
          expect(p.message).not.toBe('');
          expect([file, CHART_DEFAULT]).toContain(p.file);
        }
        formatText(result);
      }),
      { numRuns: 150 },
    );
  });
});
