// The start-up benchmark: how long the command line takes for the commands a user
// runs most, held against a bare `node -e 0` measured in the same run. Not a test: nothing in
// `npm test` runs it.
//
// Each command runs from the sources (`node src/cli/main.ts`, Node strips the types) and from the
// compiled package (`node dist/src/cli/main.js`, what `npx fineract-netpol` runs; `npm run
// build:dist` first, timed from a copy in a temporary folder). With `--before REF`, also from the
// compiled package of that commit (a `git worktree` in a temporary folder, built with its own
// build:dist): a before/after table from one run. The runs alternate — floor, then every command of every build, --runs times — so that
// a machine growing busier slows all of them alike; the table gives each command's median wall
// time and its ratio to the floor's median. Every run's exit code is checked (0, or 1 where the
// command reports problems by design), so that a broken command is not timed as a fast one.
//
// Then `validate` of the 200 components / 2,000 connections values of bench/chart-cases.ts, on
// each compiled build: median wall time of fewer runs, and the peak RSS of one more.
//
// Usage: scripts/run node bench/startup.ts                     # 15 runs of each
//        scripts/run node bench/startup.ts --runs 31 --before 2a1bc22
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmTemplate } from '../test/helpers/helm.ts';
import { writeChartCase } from './chart-cases.ts';
import { OUT_DIR } from './generate.ts';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, before: { type: 'string' } },
});
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 3) {
  console.error('startup: --runs must be an integer of at least 3');
  process.exit(2);
}
/** Runs of the 200 / 2,000 case (about a second each, several before). */
const LARGE_RUNS = Math.min(RUNS, 5);

// ---- inputs: the uat render, the large values, a values module for emit per build ----------------

const work = join(OUT_DIR, 'startup');
mkdirSync(work, { recursive: true });
const UAT = join(VALUES_DIR, 'uat.yaml');
const WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const render = helmTemplate({ helm: 4, namespace: 'fineract-uat', valuesFiles: [UAT] });
if (render.status !== 0) throw new Error(`helm template failed: ${render.stderr}`);
const RENDER = join(work, 'uat.yaml');
writeFileSync(RENDER, render.stdout);
const LARGE = writeChartCase({ components: 200, connections: 2000 });

// Outside the repository: tsc checks every .mts under it, and these import by absolute path.
const TEMP = mkdtempSync(join(tmpdir(), 'fineract-netpol-startup-'));
const cleanups: (() => void)[] = [() => rmSync(TEMP, { recursive: true, force: true })];
process.on('exit', () => {
  for (const cleanup of cleanups.reverse()) cleanup();
});

type Build = { name: string; entry: string; module: string };

/** A values module importing defineValues from `sdk` (the build's own, as a user's would). */
function valuesModule(name: string, sdk: string): string {
  const file = join(TEMP, `${name}.mts`);
  writeFileSync(
    file,
    `import { defineValues } from ${JSON.stringify(sdk)};\n` +
      `export default defineValues({ networks: { rds: { cidrs: ['10.20.32.0/24'], excludePrivate: false } } });\n`,
  );
  return file;
}

function buildDist(root: string): void {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-dist.ts')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build:dist failed in ${root}: ${build.stderr}`);
}

/** The compiled package of a commit: a worktree in TEMP with this checkout's node_modules. */
function beforeBuild(ref: string): Build {
  const root = join(TEMP, 'before');
  const git = (...argv: string[]) => {
    const result = spawnSync('git', argv, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${argv.join(' ')} failed: ${result.stderr}`);
  };
  git('worktree', 'add', '--detach', root, ref);
  cleanups.push(() => git('worktree', 'remove', '--force', root));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  buildDist(root);
  return {
    name: `before (${ref}, dist)`,
    entry: join(root, 'dist', 'src', 'cli', 'main.js'),
    module: valuesModule('before', join(root, 'dist', 'src', 'index.js')),
  };
}

/**
 * This checkout's compiled package, copied with what it reads (package.json, schema/) into TEMP:
 * another build:dist in the checkout (a test packing the package) cannot remove it mid-run.
 */
function currentBuild(): string {
  buildDist(REPO_ROOT);
  const root = join(TEMP, 'current');
  cpSync(join(REPO_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  for (const entry of ['package.json', 'schema', 'node_modules'])
    symlinkSync(join(REPO_ROOT, entry), join(root, entry));
  return root;
}

const CURRENT = currentBuild();
const BUILDS: Build[] = [
  ...(args.before ? [beforeBuild(args.before)] : []),
  {
    name: 'from source',
    entry: join(REPO_ROOT, 'src', 'cli', 'main.ts'),
    module: valuesModule('source', join(REPO_ROOT, 'src', 'index.ts')),
  },
  {
    name: 'compiled (dist, npx)',
    entry: join(CURRENT, 'dist', 'src', 'cli', 'main.js'),
    module: valuesModule('dist', join(CURRENT, 'dist', 'src', 'index.js')),
  },
];
const DIST_BUILDS = BUILDS.filter((b) => b.name !== 'from source');

type Command = { name: string; args: (build: Build) => string[] };
const COMMANDS: Command[] = [
  { name: '--version', args: () => ['--version'] },
  { name: '--help', args: () => ['--help'] },
  { name: 'validate -f values/uat.yaml', args: () => ['validate', '-f', UAT] },
  { name: 'emit uat.mts', args: (b) => ['emit', b.module] },
  { name: 'verify uat render + inventory + values', args: () => ['verify', '-m', RENDER, '-w', WORKLOADS, '-f', UAT] },
];
const LARGE_COMMAND: Command = {
  name: 'validate 200 components / 2,000 connections',
  args: () => ['validate', '-f', LARGE],
};

// ---- timing --------------------------------------------------------------------------------------

/** Wall seconds of one run; throws when it exits otherwise than 0. */
function time(argv: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

/** Peak resident set of one run, in MB (the process reports its own at exit). */
function peakRss(argv: string[]): number {
  const out = join(TEMP, 'rss');
  const hook = join(TEMP, 'rss.mjs');
  writeFileSync(
    hook,
    `import { writeFileSync } from 'node:fs';\n` +
      `process.on('exit', () => writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const result = spawnSync(process.execPath, ['--import', hook, ...argv], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${result.status}`);
  return Number(readFileSync(out, 'utf8')) / 1024;
}

const samples = new Map<string, number[]>();
const record = (key: string, seconds: number) => samples.set(key, [...(samples.get(key) ?? []), seconds]);
for (let run = 0; run < RUNS; run += 1) {
  record('floor', time(['-e', '0']));
  for (const command of COMMANDS) {
    for (const b of BUILDS) record(`${b.name} ${command.name}`, time([b.entry, ...command.args(b)]));
  }
}
for (let run = 0; run < LARGE_RUNS; run += 1) {
  for (const b of DIST_BUILDS) record(`${b.name} ${LARGE_COMMAND.name}`, time([b.entry, ...LARGE_COMMAND.args(b)]));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const floor = median(samples.get('floor') ?? []);
const cell = (key: string) => {
  const m = median(samples.get(key) ?? []);
  return `${m.toFixed(3)} s (${(m / floor).toFixed(1)}×)`;
};
const lines = [
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load ${loadavg()[0]?.toFixed(2)}; ` +
    `${RUNS} alternating runs, medians; floor \`node -e 0\`: ${floor.toFixed(3)} s`,
  '',
  `| command | ${BUILDS.map((b) => b.name).join(' | ')} |`,
  `| --- | ${BUILDS.map(() => '---').join(' | ')} |`,
  ...COMMANDS.map((c) => `| \`${c.name}\` | ${BUILDS.map((b) => cell(`${b.name} ${c.name}`)).join(' | ')} |`),
  '',
  `\`${LARGE_COMMAND.name}\` (bench/chart-cases.ts; ${LARGE_RUNS} runs, median; peak RSS of one more run):`,
  '',
  ...DIST_BUILDS.map((b) => {
    const seconds = median(samples.get(`${b.name} ${LARGE_COMMAND.name}`) ?? []);
    const rss = peakRss([b.entry, ...LARGE_COMMAND.args(b)]);
    return `- ${b.name}: ${seconds.toFixed(2)} s, ${rss.toFixed(0)} MB`;
  }),
];
console.log(lines.join('\n'));
