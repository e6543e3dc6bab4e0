// The benchmarks in one command: the chart's render against a static chart
// (bench/chart.ts) and the command line's start against `node -e 0` (bench/startup.ts), each with
// the same --before commit so that both tables hold before/after figures from one run. Not a test.
//
// Usage: scripts/run node bench/all.ts --before 2a1bc22     # a commit to compare with
//        scripts/run node bench/all.ts --runs 5             # this tree only, fewer runs
// (bench/run.ts, verify against netpol-analyzer, takes about an hour and runs on its own.)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { before: { type: 'string' }, runs: { type: 'string' } },
});
const passed = [...(args.before ? ['--before', args.before] : []), ...(args.runs ? ['--runs', args.runs] : [])];
let status = 0;
for (const script of ['chart.ts', 'startup.ts']) {
  console.log(`\n## bench/${script} ${passed.join(' ')}\n`);
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...passed], {
    stdio: 'inherit',
  });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exitCode = status;
