// Where `fineract-netpol verify` spends its time on one benchmark case: the phases of
// src/cli/verify/index.ts run in-process, each timed (wall clock and CPU) with the heap after it,
// the first run (cold, as in one CLI run) apart from the median of the following ones (warm, the
// JIT done). The import of the verify modules (type stripping, loading) is timed separately; the
// CLI's own start-up (`node src/cli/main.ts --help`) costs somewhat more, as it loads every command.
//
// Usage: scripts/run node bench/generate.ts 1000 200 && scripts/run node bench/phases.ts bench/out/w1000-p200
//        scripts/run node bench/phases.ts bench/out/w5000-p1000 --runs 1
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const started = performance.now();
const startedCpu = process.cpuUsage();
const { analyze } = await import('../src/verify/analysis/analyze.ts');
const { findings } = await import('../src/verify/checks/findings.ts');
const { loadManifests } = await import('../src/verify/readers/load.ts');
const { buildReport, formatReport } = await import('../src/verify/present/report.ts');
const importMs = performance.now() - started;
const importCpuMs = cpuMs(process.cpuUsage(startedCpu));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' } },
});
const dir = positionals[0];
if (!dir) {
  process.stderr.write('usage: node bench/phases.ts <case folder> [--runs N]\n');
  process.exit(2);
}
const runs = Number(values.runs);

type Timing = { wall: number[]; cpu: number[]; heapMb: number };
const timings = new Map<string, Timing>();

async function phase<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await run();
  const wall = performance.now() - start;
  const timing = timings.get(name) ?? { wall: [], cpu: [], heapMb: 0 };
  timing.wall.push(wall);
  timing.cpu.push(cpuMs(process.cpuUsage(cpu)));
  timing.heapMb = Math.max(timing.heapMb, process.memoryUsage().heapUsed / 2 ** 20);
  timings.set(name, timing);
  return result;
}

for (let run = 0; run < runs; run += 1) {
  const manifests = await phase('load policies', () => loadManifests([join(dir, 'policies.yaml')]));
  const inventory = await phase('load workloads', () => loadManifests([join(dir, 'workloads.yaml')]));
  const analysis = await phase('analyze (classes, rule matches)', () =>
    analyze({ policies: manifests.policies, namespaces: inventory.namespaces, workloads: inventory.workloads }),
  );
  const found = await phase('findings', () => findings(analysis, { namespaces: inventory.namespaces }));
  const report = await phase('buildReport (flows)', () => buildReport(analysis, found));
  await phase('formatReport json', () => formatReport(report, 'json').length);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
};
// The first run is what one CLI run pays (cold: the JIT has not compiled the hot code yet); the
// median of the others shows the steady state.
const rows = [...timings].map(([name, t]) => ({
  name,
  cold: t.wall[0] ?? 0,
  coldCpu: t.cpu[0] ?? 0,
  warm: t.wall.length > 1 ? median(t.wall.slice(1)) : undefined,
  heapMb: t.heapMb,
}));
const cold = rows.reduce((n, r) => n + r.cold, 0);
const warm = rows.reduce((n, r) => n + (r.warm ?? 0), 0);
const warmCell = (ms: number | undefined) => (ms === undefined ? '–' : ms.toFixed(0));
const lines = [
  `| phase (${dir}) | 1st run: wall (ms) | CPU (ms) | share | runs 2–${runs}: median wall (ms) | heap used after (MB) |`,
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  `| start-up: import the verify modules | ${importMs.toFixed(0)} | ${importCpuMs.toFixed(0)} | | | |`,
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.cold.toFixed(0)} | ${r.coldCpu.toFixed(0)} | ${((100 * r.cold) / cold).toFixed(0)}% | ` +
      `${warmCell(r.warm)} | ${r.heapMb.toFixed(0)} |`,
  ),
  `| total of the phases | ${cold.toFixed(0)} | | | ${runs > 1 ? warm.toFixed(0) : '–'} | |`,
];
process.stdout.write(`${lines.join('\n')}\n`);

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}
