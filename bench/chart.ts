// The chart benchmark: how long `helm template` takes with this chart, held against a
// STATIC chart that prints the very same bytes (no logic: the rendered documents as its templates),
// for the environments of values/ and the seeded cases of bench/chart-cases.ts. Not a test:
// nothing in `npm test` runs it.
//
// For each case it renders the chart once (Helm 4) and builds the static chart from that output:
// the same Chart.yaml and values.yaml, one template per `# Source:` file holding exactly what this
// chart printed there, so that `helm template` of the static chart prints byte-identical output
// (checked). With `--before <git ref>`, the chart of that commit (`git archive <ref> chart/`) is
// rendered too and its output must be byte-identical to the current chart's, for every case and with
// Helm 3 as well: a speed-up must not change a byte. Then the runs alternate — static, current,
// before — --runs times, each under GNU time (`/usr/bin/time`: wall, user + system CPU, peak RSS),
// output to /dev/null, and the table gives medians and each chart's ratio to the static chart.
// Linearity: the current chart's CPU at the largest case over the case with ×10 fewer connections.
//
// Usage: scripts/run node bench/chart.ts                       # every case, 7 runs, current chart only
//        scripts/run node bench/chart.ts --before 2a1bc22      # and the chart of that commit, same run
//        scripts/run node bench/chart.ts --cases uat,c200-n2000 --runs 11
//        scripts/run node bench/chart.ts --engine cilium                # CiliumNetworkPolicies
// --engine cilium adds `policyEngine: cilium` to every case (uat also gets the S3 and identity
// provider switch of examples/cilium/uat-cilium.yaml, so that toFQDNs and rules.dns are rendered);
// it does not go with --before (an older chart may not know policyEngine).
// Cases and static charts go to bench/out/chart/ (git-ignored).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmBinary } from '../test/helpers/tools.ts';
import { CHART_CASES, CHART_OUT_DIR, chartCaseName, writeChartCase } from './chart-cases.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    before: { type: 'string' },
    cases: { type: 'string' },
    engine: { type: 'string', default: 'kubernetes' },
  },
});
if (args.engine !== 'kubernetes' && args.engine !== 'cilium') fail('--engine is kubernetes or cilium');
if (args.engine === 'cilium' && args.before)
  fail('--engine cilium does not go with --before (an older chart may not know policyEngine)');
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) fail('--runs must be a positive integer');

type Case = { name: string; namespace: string; valuesFiles: string[]; what: string };
const ENVIRONMENTS: Case[] = ['dev', 'uat', 'production'].map((env) => ({
  name: env,
  namespace: `fineract-${env}`,
  valuesFiles: [join(VALUES_DIR, `${env}.yaml`)],
  what: `values/${env}.yaml`,
}));
const ALL_CASES: Case[] = [
  { name: 'defaults', namespace: 'fineract', valuesFiles: [], what: "the chart's defaults" },
  ...ENVIRONMENTS,
  ...CHART_CASES.map((c) => ({
    name: chartCaseName(c),
    namespace: 'fineract-bench',
    valuesFiles: [writeChartCase(c)],
    what: `${c.components} + 4 components, ${c.connections} + 12 connections (bench/chart-cases.ts)`,
  })),
];
if (args.engine === 'cilium') {
  mkdirSync(CHART_OUT_DIR, { recursive: true });
  const engine = join(CHART_OUT_DIR, 'engine-cilium.yaml');
  writeFileSync(engine, 'policyEngine: cilium\n');
  for (const c of ALL_CASES) {
    c.valuesFiles.push(engine);
    if (c.name === 'uat') c.valuesFiles.push(join(REPO_ROOT, 'examples', 'cilium', 'uat-cilium.yaml'));
    c.what += c.name === 'uat' ? ', cilium (+ examples/cilium/uat-cilium.yaml)' : ', cilium';
  }
}
const wanted = args.cases?.split(',');
const CASES = wanted ? ALL_CASES.filter((c) => wanted.includes(c.name)) : ALL_CASES;
if (wanted && CASES.length !== wanted.length) {
  fail(`unknown case in --cases ${args.cases}; the cases are ${ALL_CASES.map((c) => c.name).join(', ')}`);
}

// ---- the charts: current, before (a commit's chart/), static (per case) --------------------------

const WORK = join(CHART_OUT_DIR, 'work');
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const charts: { name: string; dir: (c: Case) => string }[] = [{ name: 'current', dir: () => CHART_DIR }];
if (args.before) {
  const dir = join(WORK, 'before');
  mkdirSync(dir);
  const archive = spawnSync('sh', [
    '-c',
    `git -C "$1" archive "$2" chart | tar -x -C "$3"`,
    'sh',
    REPO_ROOT,
    args.before,
    dir,
  ]);
  if (archive.status !== 0) fail(`cannot extract chart/ of ${args.before}: ${archive.stderr.toString()}`);
  charts.push({ name: 'before', dir: () => join(dir, 'chart') });
}

function template(helm: 3 | 4, chart: string, c: Case): string {
  const argv = ['template', 'fineract-netpol', chart, '-n', c.namespace, ...c.valuesFiles.flatMap((f) => ['-f', f])];
  const result = spawnSync(helmBinary(helm), argv, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) fail(`helm${helm} template ${chart} (${c.name}) failed: ${result.stderr}`);
  return result.stdout;
}

/** A chart whose templates are the rendered documents: one file per `# Source:` of the output. */
function writeStaticChart(c: Case, output: string): string {
  const dir = join(WORK, `static-${c.name}`);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  copyFileSync(join(CHART_DIR, 'Chart.yaml'), join(dir, 'Chart.yaml'));
  copyFileSync(join(CHART_DIR, 'values.yaml'), join(dir, 'values.yaml'));
  if (output.includes('{{')) fail(`the ${c.name} render holds "{{", which a static template cannot print as-is`);
  const files = new Map<string, string>();
  for (const doc of output.split(/^---\n/m).filter((d) => d.length > 0)) {
    const source = /^# Source: fineract-netpol\/(templates\/[^\n]+)\n/.exec(doc);
    if (!source?.[1]) fail(`a document of the ${c.name} render has no "# Source:" line`);
    const body = doc.slice(source[0].length);
    files.set(source[1], (files.has(source[1]) ? `${files.get(source[1])}---\n` : '') + body);
  }
  for (const [file, body] of files) writeFileSync(join(dir, file), body);
  return dir;
}

const staticDirs = new Map<string, string>();
for (const c of CASES) {
  const current = template(4, CHART_DIR, c);
  if (template(3, CHART_DIR, c) !== current) fail(`${c.name}: Helm 3 and Helm 4 render differently`);
  for (const chart of charts.slice(1)) {
    for (const helm of [4, 3] as const) {
      if (template(helm, chart.dir(c), c) !== current) {
        fail(`${c.name}: the ${chart.name} chart (${args.before}) renders different bytes with Helm ${helm}`);
      }
    }
  }
  const staticDir = writeStaticChart(c, current);
  if (template(4, staticDir, c) !== current) fail(`${c.name}: the static chart does not print the same bytes`);
  staticDirs.set(c.name, staticDir);
  const objects = (current.match(/^kind: /gm) ?? []).length;
  console.error(
    `${c.name}: ${c.what}; ${objects} objects, ${current.length} bytes — identical across charts and Helm 3/4`,
  );
}
charts.unshift({ name: 'static', dir: (c) => staticDirs.get(c.name) ?? '' });

// ---- timing ----------------------------------------------------------------------------------------

type Sample = { wall: number; cpu: number; rssMb: number };
function time(chart: string, c: Case): Sample {
  const argv = ['-f', '%e %U %S %M', helmBinary(4), 'template', 'fineract-netpol', chart, '-n', c.namespace];
  for (const f of c.valuesFiles) argv.push('-f', f);
  const result = spawnSync('/usr/bin/time', argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const figures = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(result.stderr);
  if (result.status !== 0 || !figures) fail(`helm template ${chart} (${c.name}) failed: ${result.stderr}`);
  const [, wall, user, sys, rss] = figures.map(Number) as [number, number, number, number, number];
  return { wall, cpu: user + sys, rssMb: rss / 1024 };
}

const samples = new Map<string, Sample[]>();
const loadBefore = loadavg()[0] ?? 0;
for (let run = 0; run < RUNS; run += 1) {
  for (const c of CASES) {
    for (const chart of charts) {
      const key = `${c.name} ${chart.name}`;
      samples.set(key, [...(samples.get(key) ?? []), time(chart.dir(c), c)]);
    }
  }
}
const loadAfter = loadavg()[0] ?? 0;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const stat = (c: Case, chart: string, field: keyof Sample) =>
  median((samples.get(`${c.name} ${chart}`) ?? []).map((s) => s[field]));
const cell = (c: Case, chart: string) => {
  const wall = stat(c, chart, 'wall');
  const cpu = stat(c, chart, 'cpu');
  if (chart === 'static') return `${wall.toFixed(2)} s / ${cpu.toFixed(2)} s`;
  const ratio = (x: number, floor: number) => `${(x / floor).toFixed(1)}×`;
  return (
    `${wall.toFixed(2)} s / ${cpu.toFixed(2)} s (**${ratio(wall, stat(c, 'static', 'wall'))}** / ` +
    `${ratio(cpu, stat(c, 'static', 'cpu'))}), ${stat(c, chart, 'rssMb').toFixed(0)} MB`
  );
};
const shown = charts.map((chart) => chart.name);
const header = shown.map((name) =>
  name === 'static' ? 'static chart: wall / CPU' : name === 'before' ? `before (${args.before})` : 'this chart',
);
const lines = [
  `Helm ${spawnSync(helmBinary(4), ['version', '--short'], { encoding: 'utf8' }).stdout.trim()}, ` +
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}; ` +
    `${RUNS} alternating runs, medians of wall / CPU (user + system), ratio to the static chart, peak RSS`,
  '',
  `| case | ${header.join(' | ')} |`,
  `| --- | ${shown.map(() => '---').join(' | ')} |`,
  ...CASES.map((c) => `| ${c.name} | ${shown.map((name) => cell(c, name)).join(' | ')} |`),
];
const small = CASES.find((c) => c.name === 'c20-n200');
const large = CASES.find((c) => c.name === 'c200-n2000');
if (small && large) {
  lines.push('');
  for (const chart of shown.filter((name) => name !== 'static')) {
    const cpu = stat(large, chart, 'cpu') / stat(small, chart, 'cpu');
    const wall = stat(large, chart, 'wall') / stat(small, chart, 'wall');
    lines.push(
      `Linearity (${chart}): ×10 connections (c20-n200 → c200-n2000) costs ×${cpu.toFixed(1)} CPU, ×${wall.toFixed(1)} wall.`,
    );
  }
}
console.log(lines.join('\n'));
rmSync(join(WORK, 'before'), { recursive: true, force: true });

function fail(message: string): never {
  console.error(`bench/chart: ${message}`);
  process.exit(1);
}
