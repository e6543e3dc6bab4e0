// `npm test`: every check CI runs, in order, each as a real process; prints one line per step
// and a closing "N passed, N failed" line. Run it through `scripts/run npm test` so that Node 24,
// Helm 3, Helm 4 and helm-unittest are installed first.
import { spawnSync } from 'node:child_process';
import { sandboxUnavailable } from '../src/sandbox/tools.ts';

/** A step may say why it cannot run here (then it is skipped, or failed when CI=true). */
type Step = { name: string; command: string[]; unavailable?: () => string | undefined };

const STEPS: Step[] = [
  { name: 'generated files are fresh', command: ['node', 'src/build/main.ts', '--check'] },
  { name: 'typecheck', command: ['npx', 'tsc', '--noEmit'] },
  { name: 'lint', command: ['npx', 'eslint', '.', '--max-warnings', '0'] },
  { name: 'format', command: ['npx', 'prettier', '--check', '.'] },
  { name: 'vitest', command: ['npx', 'vitest', 'run'] },
  { name: 'helm-unittest', command: ['node', 'scripts/helm-unittest.ts'] },
  {
    name: 'real-cluster',
    command: ['npx', 'vitest', 'run', '--config', 'vitest.real-cluster.config.ts'],
    unavailable: sandboxUnavailable,
  },
];

const only = process.argv.slice(2);
let passed = 0;
const failed: string[] = [];
const skipped: string[] = [];
for (const step of STEPS.filter((s) => only.length === 0 || only.includes(s.name))) {
  const reason = step.unavailable?.();
  if (reason !== undefined) {
    if (process.env.CI === 'true') {
      // CI must run every step: a CI where the real cluster cannot run is a failure, not a skip.
      failed.push(step.name);
      console.log(`\n=== ${step.name}: FAILED (cannot run with CI=true: ${reason})`);
    } else {
      skipped.push(step.name);
      console.log(`\n${step.name} suite SKIPPED: ${reason}`);
    }
    continue;
  }
  console.log(`\n=== ${step.name}: ${step.command.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(step.command[0] ?? '', step.command.slice(1), { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    passed += 1;
    console.log(`=== ${step.name}: ok (${seconds}s)`);
  } else {
    failed.push(step.name);
    console.log(`=== ${step.name}: FAILED (${seconds}s)`);
  }
}
const skippedNote = skipped.length > 0 ? ` (SKIPPED: ${skipped.join(', ')})` : '';
console.log(`\nnpm test: ${failed.length === 0 ? 'every step passed' : `failed: ${failed.join(', ')}`}${skippedNote}`);
console.log(`${passed} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
process.exitCode = failed.length === 0 ? 0 : 1;
