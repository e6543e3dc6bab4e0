// `npm run test:chart` (the "helm-unittest" step of `npm test`): runs the real helm-unittest CLI on
// the suites in test/helm-unittest/ against the committed chart/, streams its output and exits with
// its status.
//
// Usage: scripts/run node scripts/helm-unittest.ts [extra helm-unittest flags, e.g. --failfast]
//
// The suites live outside chart/ (which is generated): helm-unittest resolves a relative `-f` glob
// against the chart directory, so `-f '../test/helm-unittest/*_test.yaml'` reaches them, and a
// suite's `values:` paths are relative to the suite file. Two passes, both with `--strict`:
//   1. test/helm-unittest/*_test.yaml: one suite per template plus validation_test.yaml, with
//      values.schema.json applied as `helm install` applies it;
//   2. test/helm-unittest/without-schema/*_test.yaml with `--skip-schema-validation`: the chart's
//      validation helper alone, for problems the schema reports first when it is on.
// Both passes always run; the exit status is the first non-zero one.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CHART_DIR, REPO_ROOT } from '../src/paths.ts';
import { helmUnittestBinary } from '../test/helpers/tools.ts';

const SUITES_DIR = join(REPO_ROOT, 'test', 'helm-unittest');
const SUITE_SUFFIX = '_test.yaml';

type Pass = { name: string; dir: string; flags: string[] };

const PASSES: Pass[] = [
  { name: 'suites with values.schema.json', dir: SUITES_DIR, flags: [] },
  {
    name: 'validation helper without values.schema.json',
    dir: join(SUITES_DIR, 'without-schema'),
    flags: ['--skip-schema-validation'],
  },
];

function main(extraArgs: string[]): number {
  let binary: string;
  try {
    binary = helmUnittestBinary();
  } catch (error) {
    console.error(
      `scripts/helm-unittest.ts: ${error instanceof Error ? error.message : String(error)}.\n` +
        'Run this script through scripts/run, which builds helm-unittest and exports HELM_UNITTEST:\n' +
        '  scripts/run node scripts/helm-unittest.ts',
    );
    return 1;
  }

  const chart = relative(REPO_ROOT, CHART_DIR);
  let status = 0;
  for (const pass of PASSES) {
    // A glob that matches nothing makes helm-unittest report success with 0 tests: refuse that.
    const suites = readdirSync(pass.dir).filter((file) => file.endsWith(SUITE_SUFFIX));
    if (suites.length === 0) {
      console.error(`scripts/helm-unittest.ts: no *${SUITE_SUFFIX} suite in ${relative(REPO_ROOT, pass.dir)}`);
      status ||= 1;
      continue;
    }
    // Relative to the chart directory: helm-unittest joins it to the chart path and globs
    // (an absolute pattern would be taken literally, without globbing).
    const glob = join(relative(CHART_DIR, pass.dir), `*${SUITE_SUFFIX}`);
    const args = ['--strict', ...pass.flags, '-f', glob, ...extraArgs, chart];
    console.log(
      `\n--- helm-unittest: ${pass.name} (${suites.length} suite${suites.length === 1 ? '' : 's'})\n$ helm-unittest ${args.join(' ')}`,
    );
    const result = spawnSync(binary, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.error) {
      console.error(`scripts/helm-unittest.ts: could not run ${binary}: ${result.error.message}`);
      status ||= 1;
    } else {
      status ||= result.status ?? 1;
    }
    removeEmptySnapshotDir(pass.dir);
  }
  return status;
}

/** helm-unittest creates a __snapshot__ folder next to every suite; these suites keep no snapshots. */
function removeEmptySnapshotDir(dir: string): void {
  try {
    rmdirSync(join(dir, '__snapshot__')); // fails, and keeps it, when it holds a snapshot
  } catch {
    // missing or not empty
  }
}

process.exitCode = main(process.argv.slice(2));
