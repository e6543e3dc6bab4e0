// Values that say what users mean, through the real processes: `fineract-netpol
// validate` (node src/cli/main.ts), `helm template` and `helm lint` with Helm 3 and Helm 4, each
// judged by its exit code and its two streams.
//   - a peer sharing pods with a component: validate and the chart refuse it alike (a table of
//     selector pairs holds the two implementations of "one selector implies the other" together);
//   - a disabled component: validate's warnings carry the override that silences them, which does;
//     `helm template` lists the skipped connections in a comment only when there are some;
//   - `monitoring: false` and `port: "587"`: one error each, saying what was meant;
//   - `helm lint` fails (with an [ERROR] naming the problem) on every corpus case the chart's own
//     checks refuse, where Helm's lint mode turns `fail` into an INFO log.
//
// Run: scripts/run npx vitest run test/values-meaning.test.ts
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHART_DIR, VALUES_DIR } from '../src/paths.ts';
import { runCli } from './helpers/cli.ts';
import { CORPUS_DIR, readCorpus } from './helpers/corpus.ts';
import { helm, helmAsync, helmTemplate, parseManifests, pool, type HelmVersion } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-values-meaning-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const VERSIONS: HelmVersion[] = [3, 4];
const corpus = (name: string) => join(CORPUS_DIR, `${name}.yaml`);

/** Writes a values file into the scratch folder and returns its path. */
function valuesFile(name: string, values: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, typeof values === 'string' ? values : stringify(values));
  return file;
}

/**
 * `fineract-netpol validate ARGS` as a process, its two streams read in order (the problems on
 * stderr, then the verdict on stdout) as `stdout`; `stderr` is what is left after that.
 */
function validateCli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const run = runCli(['validate', ...args]);
  return { status: run.status, stdout: run.stderr + run.stdout, stderr: '' };
}

/** The problem lines of validate's text output (`file:line:column  path  message  (fix)`). */
const problemLines = (stdout: string) => stdout.split('\n').filter((l) => /^\S+:\d+:\d+ {2}/.test(l));

// ---- a peer sharing pods with a component ---------------------------------------------------------

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
const expr = (key: string, operator: string, values?: string[]) => ({ key, operator, ...(values ? { values } : {}) });

/** [case, peer podSelector, component podSelector, does one imply the other]. Keys tier/team are
 * used by no default component, so only the component `web` can be involved. */
const OVERLAPS: [string, Selector, Selector, boolean][] = [
  ['same labels', { matchLabels: { tier: 'web' } }, { matchLabels: { tier: 'web' } }, true],
  ['peer narrower (more labels)', { matchLabels: { tier: 'web', team: 'a' } }, { matchLabels: { tier: 'web' } }, true],
  ['peer wider (fewer labels)', { matchLabels: { tier: 'web' } }, { matchLabels: { tier: 'web', team: 'a' } }, true],
  [
    'In inside In',
    { matchExpressions: [expr('tier', 'In', ['web'])] },
    { matchExpressions: [expr('tier', 'In', ['web', 'api'])] },
    true,
  ],
  [
    'In crossing In',
    { matchExpressions: [expr('tier', 'In', ['web', 'db'])] },
    { matchExpressions: [expr('tier', 'In', ['web', 'api'])] },
    false,
  ],
  ['label under Exists', { matchLabels: { tier: 'web' } }, { matchExpressions: [expr('tier', 'Exists')] }, true],
  ['label under NotIn', { matchLabels: { tier: 'web' } }, { matchExpressions: [expr('tier', 'NotIn', ['db'])] }, true],
  [
    'label excluded by NotIn',
    { matchLabels: { tier: 'db', team: 'a' } },
    { matchExpressions: [expr('tier', 'NotIn', ['db'])] },
    false,
  ],
  [
    'DoesNotExist under NotIn',
    { matchExpressions: [expr('tier', 'DoesNotExist'), expr('team', 'In', ['a'])] },
    { matchExpressions: [expr('tier', 'NotIn', ['db'])] },
    true,
  ],
  [
    'NotIn under wider NotIn',
    { matchExpressions: [expr('tier', 'NotIn', ['db', 'cache'])] },
    { matchExpressions: [expr('tier', 'NotIn', ['db'])] },
    true,
  ],
  [
    'Exists vs DoesNotExist',
    { matchExpressions: [expr('tier', 'Exists')] },
    { matchExpressions: [expr('tier', 'DoesNotExist'), expr('team', 'In', ['a'])] },
    false,
  ],
  ['other key', { matchLabels: { team: 'a' } }, { matchLabels: { tier: 'web' } }, false],
  ['other value', { matchLabels: { tier: 'api' } }, { matchLabels: { tier: 'web' } }, false],
];

describe('a peer sharing pods with a component', () => {
  it('validate exits 1 naming the peer, the component and the fix; Helm 3 and 4 refuse it too', () => {
    const file = corpus('peer-overlaps-component');
    const run = validateCli('-f', file);
    expect(run.status, run.stdout).toBe(1);
    expect(run.stderr).toBe('');
    expect(problemLines(run.stdout)).toEqual([
      expect.stringMatching(
        /:9:5 {2}peers\.fineract-read\.podSelector {2}selects pods of component "fineract" .*\(connect to \{component: fineract\} instead of \{peer: fineract-read\}; to reach only these pods, make them a component of their own/,
      ),
    ]);
    for (const version of VERSIONS) {
      const out = helmTemplate({ helm: version, valuesFiles: [file], args: ['--skip-schema-validation'] });
      expect(out.status).not.toBe(0);
      expect(out.stdout).not.toContain('kind: NetworkPolicy');
      expect(out.stderr).toContain('  - peers.fineract-read.podSelector: selects pods of component "fineract"');
    }
  });

  it("the way to reach some of a component's pods (a narrower component) passes every layer and renders its policy", () => {
    const file = corpus('component-subset');
    const run = validateCli('-f', file);
    expect([run.status, run.stdout.trim(), run.stderr]).toEqual([
      0,
      `${file}: valid (5 components, 14 connections, 6 networks)`,
      '',
    ]);
    for (const version of VERSIONS) {
      const out = helmTemplate({ helm: version, valuesFiles: [file] });
      expect(out.status, out.stderr).toBe(0);
      const batch = parseManifests(out.stdout).find(
        (o) => (o.metadata as { name: string }).name === 'fineract-batch-network-policy',
      );
      expect(JSON.stringify(batch)).toContain('{"ipBlock":{"cidr":"203.0.113.10/32"}}');
    }
  });

  it.each(OVERLAPS)('%s: validate and the chart agree (overlap: %s)', async (name, peer, component, overlaps) => {
    const file = valuesFile(`overlap-${name.replace(/\W+/g, '-')}.yaml`, {
      components: { web: { podSelector: component } },
      peers: { p: { podSelector: peer } },
    });
    const run = validateCli('-f', file);
    const [helm3, helm4] = await Promise.all(
      VERSIONS.map((v) => helmAsync(v, ['template', 'x', CHART_DIR, '-n', 'fineract-uat', '-f', file])),
    );
    const refusedBy = {
      validate: run.status === 1 && run.stdout.includes('peers.p.podSelector  selects pods of component "web"'),
      helm3:
        helm3?.status !== 0 && Boolean(helm3?.stderr.includes('peers.p.podSelector: selects pods of component "web"')),
      helm4:
        helm4?.status !== 0 && Boolean(helm4?.stderr.includes('peers.p.podSelector: selects pods of component "web"')),
    };
    expect(refusedBy, `${run.stdout}\n${helm3?.stderr}\n${helm4?.stderr}`).toEqual({
      validate: overlaps,
      helm3: overlaps,
      helm4: overlaps,
    });
    if (!overlaps) expect([run.status, helm3?.status, helm4?.status]).toEqual([0, 0, 0]);
  });

  it('leaves a peer with a namespace alone (validate does not know the release namespace)', () => {
    const file = valuesFile('overlap-namespaced.yaml', {
      components: { web: { podSelector: { matchLabels: { tier: 'web' } } } },
      peers: { p: { namespace: 'other', podSelector: { matchLabels: { tier: 'web' } } } },
    });
    expect(validateCli('-f', file).status).toBe(0);
    for (const version of VERSIONS) expect(helmTemplate({ helm: version, valuesFiles: [file] }).status).toBe(0);
  });
});

// ---- a disabled component -----------------------------------------------------------------------

describe('a disabled component', () => {
  const disabled = corpus('disabled-component');
  const SKIPPED = ['fineract-to-redis', 'oauth2-proxy-to-redis'];

  it('validate warns once per skipped connection, each with the one-line override, which silences them', () => {
    const run = validateCli('-f', disabled);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const warnings = problemLines(run.stdout);
    expect(warnings).toHaveLength(2);
    const set = `--set ${SKIPPED.map((c) => `connections.${c}.enabled=false`).join(',')}`;
    for (const line of warnings) expect(line).toContain(set);
    // The values-file form of the same override, taken from the output, as a user would paste it.
    const snippet = /\(in a values file: (connections: \{.*\})\)\) {2}\[connection-skipped\]$/.exec(
      warnings[0] ?? '',
    )?.[1];
    expect(snippet).toBeDefined();
    const override = valuesFile('disable-skipped.yaml', `${snippet}\n`);
    const quiet = validateCli('-f', disabled, '-f', override);
    expect([quiet.status, quiet.stdout.trim(), quiet.stderr]).toEqual([
      0,
      `${disabled}, ${override}: valid (3 components, 10 connections, 5 networks)`,
      '',
    ]);
  });

  it('many skipped connections: each warning its own override, the first also the one for all (output linear in their number)', () => {
    const extra = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((n) => [
        `keycloak-to-redis-${n}`,
        {
          from: { component: 'keycloak' },
          to: { component: 'fineract-redis' },
          ports: [{ port: 7000 + n.charCodeAt(0) }],
        },
      ]),
    );
    const many = valuesFile('many-skipped.yaml', {
      components: { 'fineract-redis': { enabled: false } },
      connections: extra,
    });
    const run = validateCli('-f', many);
    expect([run.status, run.stderr]).toEqual([0, '']);
    const warnings = problemLines(run.stdout);
    const names = [...SKIPPED, ...Object.keys(extra)].sort();
    expect(warnings).toHaveLength(names.length);
    warnings.forEach((line, i) => {
      const named = names.filter((n) => line.includes(`connections.${n}.enabled=false`));
      expect(named, line).toEqual(i === 0 ? names : [/connections\.(\S+?)\.to\.component/.exec(line)?.[1]]);
    });
    const snippet =
      /all 7 skipped connections at once: .*\(in a values file: (connections: \{.*\})\)\) {2}\[connection-skipped\]$/.exec(
        warnings[0] ?? '',
      )?.[1];
    expect(snippet).toBeDefined();
    const quiet = validateCli('-f', many, '-f', valuesFile('many-silenced.yaml', `${snippet}\n`));
    expect([quiet.status, problemLines(quiet.stdout)]).toEqual([0, []]);
  });

  it.each(VERSIONS)(
    'helm %s template lists the skipped connections in a comment, and the override removes it',
    (version) => {
      const loud = helmTemplate({ helm: version, valuesFiles: [disabled] });
      expect(loud.status, loud.stderr).toBe(0);
      expect(loud.stdout).toContain(
        [
          '# Skipped connections (they name a disabled component):',
          '#   - fineract-to-redis (component "fineract-redis" is disabled)',
          '#   - oauth2-proxy-to-redis (component "fineract-redis" is disabled)',
          '# To say so in the values: --set connections.fineract-to-redis.enabled=false,connections.oauth2-proxy-to-redis.enabled=false',
          '# Component fineract: ',
        ].join('\n'),
      );
      expect(loud.stdout.match(/# Skipped connections/g)).toHaveLength(1);
      // Every document is still one NetworkPolicy: the comment sits inside the first.
      const objects = parseManifests(loud.stdout);
      expect(objects.map((o) => o.kind)).toEqual(['NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy']);
      const set = /^# To say so in the values: --set (\S+)$/m.exec(loud.stdout)?.[1] ?? '';
      const quiet = helmTemplate({ helm: version, valuesFiles: [disabled], args: ['--set', set] });
      expect(quiet.status, quiet.stderr).toBe(0);
      expect(quiet.stdout).not.toContain('Skipped');
      expect(parseManifests(quiet.stdout)).toEqual(objects);
    },
  );

  it.each(VERSIONS)('helm %s template writes no such comment when nothing is skipped', (version) => {
    for (const valuesFiles of [[], ...readdirSync(VALUES_DIR).map((f) => [join(VALUES_DIR, f)])]) {
      const out = helmTemplate({ helm: version, valuesFiles });
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).not.toContain('Skipped');
    }
  });
});

// ---- scalars and quoted numbers -----------------------------------------------------------------

describe('what was meant', () => {
  it.each([
    ['monitoring: false\n', 'monitoring', 'write monitoring: {enabled: false} instead of monitoring: false'],
    ['dns: off\n', 'dns', 'write dns: {enabled: false} instead of dns: off'],
    ['defaultDeny: true\n', 'defaultDeny', 'write defaultDeny: {enabled: true} instead of defaultDeny: true'],
    [
      'connections:\n  fineract-to-redis: false\n',
      'connections.fineract-to-redis',
      'write fineract-to-redis: {enabled: false}',
    ],
  ])('%j: one error with the mapping form', (text, path, fix) => {
    const file = valuesFile(`scalar-${path}.yaml`, text);
    const run = validateCli('-f', file);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    const lines = problemLines(run.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`  ${path}  expected a mapping (key: value), got the boolean`);
    expect(lines[0]).toContain(`(${fix}`);
  });

  it('port: "587" towards a network: validate and the chart give one error, to drop the quotes', () => {
    const file = corpus('port-number-quoted');
    const run = validateCli('-f', file);
    expect(run.status).toBe(1);
    expect(problemLines(run.stdout)).toEqual([
      expect.stringMatching(
        / {2}connections\.fineract-to-smtp\.ports\[0\]\.port {2}"587" is a port number in quotes, which reads as a port name {2}\(write 587 without quotes\)$/,
      ),
    ]);
    for (const version of VERSIONS) {
      const out = helmTemplate({ helm: version, valuesFiles: [file], args: ['--skip-schema-validation'] });
      expect(out.status).not.toBe(0);
      expect(out.stderr).toContain(
        'the values have 1 problem(s):\n  - connections.fineract-to-smtp.ports[0].port: "587" is a port number in quotes, which reads as a port name; write 587 without quotes',
      );
    }
  });
});

// ---- helm lint ------------------------------------------------------------------------------------

describe('helm lint', () => {
  const refusedByChart = readCorpus().filter(
    (c) => c.layers['chart-helper'].kind === 'refuses' && c.layers['helm4-schema'].kind === 'passes',
  );

  it("has corpus cases only the chart's own checks refuse", () => {
    expect(refusedByChart.length).toBeGreaterThanOrEqual(20);
  });

  // Helm's lint loses a null that deletes a chart default below the top level: its values rule
  // (ValuesWithOverrides → CoalesceTables) deletes such keys from the override maps in place, and
  // the template rule then coalesces the chart defaults back in (Helm 3.17 and 4.1 alike). Lint then
  // renders other values than install does, and passes these cases.
  const nestedNull = (file: string) => /^\s+[^#\s][^:]*:\s*null\s*$/m.test(readFileSync(file, 'utf8'));

  it('fails with an [ERROR] naming every problem on each of them, but those deleting a default with null (Helm 3 and 4, --strict or not)', async () => {
    const jobs = refusedByChart.flatMap((c) =>
      VERSIONS.flatMap((version) => [[], ['--strict']].map((extra) => ({ c, version, extra }))),
    );
    const runs = await pool(
      jobs.map(
        ({ c, version, extra }) =>
          () =>
            helmAsync(version, ['lint', CHART_DIR, '-f', c.file, ...extra]),
      ),
      3,
    );
    const failures = jobs.flatMap(({ c, version, extra }, i) => {
      const run = runs[i];
      const outcome = c.layers['chart-helper'];
      if (!run || outcome.kind !== 'refuses') return [`${c.name}: no run`];
      const problems: string[] = [];
      if (nestedNull(c.file)) {
        if (run.status !== 0 || run.stdout.includes('[ERROR]'))
          problems.push('refused: has Helm stopped losing nested nulls?');
      } else {
        if (run.status !== 1) problems.push(`exit ${run.status}`);
        if (!run.stdout.includes('[ERROR] templates/')) problems.push('no [ERROR]');
        if (!run.stdout.includes('fineract-netpol refuses these values')) problems.push('not our refusal');
        // The chart writes a key with dots as a dotted segment (matchLabels.k8s.io/x), validate as ["k8s.io/x"].
        const dotted = outcome.path.replace(/\["([^"]*)"\]/g, '.$1');
        if (!run.stdout.includes(dotted)) problems.push(`no ${dotted}`);
        if (!run.stderr.includes('1 chart(s) linted, 1 chart(s) failed')) problems.push('no failed chart');
      }
      return problems.length > 0 ? [`${c.name} (helm ${version} lint ${extra.join(' ')}): ${problems.join(', ')}`] : [];
    });
    expect(failures).toEqual([]);
    expect(refusedByChart.filter((c) => nestedNull(c.file)).map((c) => c.name)).toEqual([
      'deleted-component-reference.yaml',
      'empty-dns-selector.yaml',
      'empty-monitoring-selector.yaml',
    ]);
  });

  it.each(VERSIONS)('helm %s lint --strict still passes the defaults and every environment', (version) => {
    for (const args of [[], ...readdirSync(VALUES_DIR).map((f) => ['-f', join(VALUES_DIR, f)])]) {
      const run = helm(version, ['lint', '--strict', CHART_DIR, ...args]);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).not.toContain('[ERROR]');
    }
  });
});
