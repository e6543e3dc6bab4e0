// The start-up benchmark of issue 11: how long the command line takes for the commands a user
// runs most, held against a bare `node -e 0` measured in the same run. Not a test: nothing in
// `npm test` runs it.
//
// Each command runs from the sources (`node src/cli/main.ts`, Node strips the types) and from the
// compiled package (`node dist/src/cli/main.js`, what `npx fineract-netpol` runs; `npm run
// build:dist` first). The runs alternate — floor, then every command of both builds, --runs times —
// so that a machine growing busier slows all of them alike; the table gives each command's median
// wall time and its ratio to the floor's median. Every run's exit code is checked (0, or 1 where
// the command reports problems by design), so that a broken command is not timed as a fast one.
//
// Usage: scripts/run node bench/startup.ts              # 15 runs of each
//        scripts/run node bench/startup.ts --runs 31
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmTemplate } from '../test/helpers/helm.ts';
import { OUT_DIR } from './generate.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 3) {
  console.error('startup: --runs must be an integer of at least 3');
  process.exit(2);
}

// ---- inputs: the uat render, a values module for emit ------------------------------------------

const work = join(OUT_DIR, 'startup');
mkdirSync(work, { recursive: true });
const UAT = join(VALUES_DIR, 'uat.yaml');
const WORKLOADS = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
const render = helmTemplate({ helm: 4, namespace: 'fineract-uat', valuesFiles: [UAT] });
if (render.status !== 0) throw new Error(`helm template failed: ${render.stderr}`);
const RENDER = join(work, 'uat.yaml');
writeFileSync(RENDER, render.stdout);
// Outside the repository: tsc checks every .mts under it, and this one imports by absolute path.
const MODULE_DIR = mkdtempSync(join(tmpdir(), 'fineract-netpol-startup-'));
process.on('exit', () => rmSync(MODULE_DIR, { recursive: true, force: true }));
const MODULE = join(MODULE_DIR, 'uat.mts');
writeFileSync(
  MODULE,
  `import { defineValues } from ${JSON.stringify(join(REPO_ROOT, 'src', 'index.ts'))};\n` +
    `export default defineValues({ networks: { rds: { cidrs: ['10.20.32.0/24'], excludePrivate: false } } });\n`,
);

const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-dist.ts')], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`npm run build:dist failed: ${build.stderr}`);

type Command = { name: string; args: string[] };
const COMMANDS: Command[] = [
  { name: '--version', args: ['--version'] },
  { name: '--help', args: ['--help'] },
  { name: 'validate -f values/uat.yaml', args: ['validate', '-f', UAT] },
  { name: 'emit uat.mts', args: ['emit', MODULE] },
  { name: 'verify uat render + inventory + values', args: ['verify', '-m', RENDER, '-w', WORKLOADS, '-f', UAT] },
];
const BUILDS = [
  { name: 'source', entry: join(REPO_ROOT, 'src', 'cli', 'main.ts') },
  { name: 'dist', entry: join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js') },
];

// ---- timing --------------------------------------------------------------------------------------

/** Wall seconds of one run; throws when it exits otherwise than 0. */
function time(argv: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

const samples = new Map<string, number[]>();
const record = (key: string, seconds: number) => samples.set(key, [...(samples.get(key) ?? []), seconds]);
for (let run = 0; run < RUNS; run += 1) {
  record('floor', time(['-e', '0']));
  for (const command of COMMANDS) {
    for (const b of BUILDS) record(`${b.name} ${command.name}`, time([b.entry, ...command.args]));
  }
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
  '| command | from source | compiled (dist, npx) |',
  '| --- | --- | --- |',
  ...COMMANDS.map((c) => `| \`${c.name}\` | ${cell(`source ${c.name}`)} | ${cell(`dist ${c.name}`)} |`),
];
console.log(lines.join('\n'));
