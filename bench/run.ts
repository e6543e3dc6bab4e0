// The benchmark of verify: `fineract-netpol verify` against np-guard netpol-analyzer (`netpolicy list`)
// on the generated inventories of bench/generate.ts. Not a test: nothing in `npm test` runs it.
//
// For each case it (re)generates bench/out/<case>/, then runs, alternately, N times each:
//   ours:            node src/cli/main.ts verify --manifests <case>/policies.yaml --workloads <case>/workloads.yaml --output json > /dev/null
//   netpol-analyzer: $NETPOL_ANALYZER list --dirpath <case> -o json -q > /dev/null
// under GNU time (`/usr/bin/time -f %M`: the peak resident set size of the process) and coreutils
// `timeout`, timing the wall clock around it. Before timing, for cases of at most --check-max
// workloads, it runs both once more with their output kept and checks that they agree on
// pod-to-pod connectivity (the same workload pairs with the same ports), so that both do the same
// work; a disagreement stops the benchmark. A run that exceeds --timeout is stopped and reported
// as "> timeout"; a run that fails (out of memory, say) is reported with its last message.
//
// Each case's result is saved to bench/out/results/<case>.json; the Markdown table printed at the
// end covers the cases of this invocation, or, with --report, every saved case (so the slowest
// case can be run on its own and tabulated with the others).
//
// Usage: scripts/run node bench/run.ts                  # 100/20, 1000/200, 5000/1000, 3 runs each
//        scripts/run node bench/run.ts --all            # also the 6 cross combinations
//        scripts/run node bench/run.ts --cases w1000-p200 --runs 5
//        scripts/run node bench/run.ts --cases w5000-p1000 --timeout 3600
//        scripts/run node bench/run.ts --cases w5000-p200 --tools ours
//        scripts/run node bench/run.ts --report         # the table of every saved result
// A tool whose first run of a case takes more than --slow seconds (default 120) is run once there.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PortSet } from '../src/verify/model/ports.ts';
import { PROTOCOLS, type Protocol } from '../src/verify/model/types.ts';
import { addConnection, parsePorts, toLines, type Connectivity } from '../test/helpers/conformance.ts';
import { ALL_CASES, caseName, MAIN_CASES, OUT_DIR, writeCase, type BenchCase, type CaseStats } from './generate.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const RESULTS_DIR = join(OUT_DIR, 'results');
const TIME = '/usr/bin/time';
const TIMEOUT = 'timeout';

type Tool = 'ours' | 'netpol-analyzer';
const TOOLS: Tool[] = ['ours', 'netpol-analyzer'];

type Status = 'ok' | 'timeout' | 'failed';
type Sample = { status: Status; wallSeconds: number; peakKb: number; note?: string };
type ToolResult = {
  tool: Tool;
  samples: Sample[];
  status: Status;
  medianSeconds: number;
  peakMb: number;
  note?: string;
};
type CaseResult = {
  name: string;
  stats: CaseStats;
  /** Pod-to-pod pairs both tools allow, when checked. */
  agreedPairs?: number;
  date: string;
  machine: { cpus: number; memoryGiB: number; node: string; netpolAnalyzer: string };
  loadBefore: number;
  loadAfter: number;
  tools: ToolResult[];
};

function main(): void {
  const { values } = parseArgs({
    options: {
      all: { type: 'boolean', default: false },
      cases: { type: 'string' },
      runs: { type: 'string', default: '3' },
      slow: { type: 'string', default: '120' },
      timeout: { type: 'string', default: '1800' },
      'check-max': { type: 'string', default: '100' },
      report: { type: 'boolean', default: false },
      tools: { type: 'string', default: TOOLS.join(',') },
    },
  });
  if (values.report) {
    process.stdout.write(markdownTable(savedResults()));
    return;
  }
  const runs = Number(values.runs);
  const slowSeconds = Number(values.slow);
  const timeoutSeconds = Number(values.timeout);
  const checkMax = Number(values['check-max']);
  const pool = values.all ? ALL_CASES : MAIN_CASES;
  const cases = values.cases ? values.cases.split(',').map((name) => findCase(name)) : pool;
  const tools = values.tools.split(',').map((name) => {
    if (!TOOLS.includes(name as Tool)) fail(`unknown tool "${name}": use ${TOOLS.join(', ')}`);
    return name as Tool;
  });
  const analyzer = process.env['NETPOL_ANALYZER'];
  if (!analyzer)
    fail('NETPOL_ANALYZER is not set: run the benchmark through scripts/run (scripts/run node bench/run.ts)');
  checkTools();
  const machine = {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    netpolAnalyzer: analyzerVersion(analyzer),
  };
  process.stderr.write(
    `machine: ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.netpolAnalyzer}; load ${loadText()}\n`,
  );

  const results: CaseResult[] = [];
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const c of cases) {
    const dir = writeCase(c);
    const stats = JSON.parse(readFileSync(`${dir}.json`, 'utf8')) as CaseStats;
    const name = caseName(c);
    const result: CaseResult = {
      name,
      stats,
      date: new Date().toISOString(),
      machine,
      loadBefore: loadavg()[0] ?? 0,
      loadAfter: 0,
      tools: [],
    };
    if (c.workloads <= checkMax && tools.length === TOOLS.length) {
      result.agreedPairs = checkAgreement(dir, analyzer);
      process.stderr.write(`${name}: both tools allow the same ${result.agreedPairs} pod-to-pod pairs\n`);
    }
    const samples: Record<Tool, Sample[]> = { ours: [], 'netpol-analyzer': [] };
    for (let run = 0; run < runs; run += 1) {
      for (const tool of tools) {
        const done = samples[tool];
        const first = done[0];
        if (first && (first.status !== 'ok' || first.wallSeconds > slowSeconds)) continue;
        const sample = measure(command(tool, dir, analyzer), timeoutSeconds);
        done.push(sample);
        process.stderr.write(
          `${name} ${tool} run ${run + 1}: ${sample.status} ${sample.wallSeconds.toFixed(2)} s, ` +
            `${(sample.peakKb / 1024).toFixed(0)} MB${sample.note ? ` (${sample.note})` : ''} (load ${loadText()})\n`,
        );
      }
    }
    result.tools = tools.map((tool) => summarize(tool, samples[tool]));
    result.loadAfter = loadavg()[0] ?? 0;
    // With --tools, keep the other tool's saved result of the case (and its agreement check).
    const file = join(RESULTS_DIR, `${name}.json`);
    if (tools.length < TOOLS.length && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as CaseResult;
      const kept = saved.tools.filter((t) => !tools.includes(t.tool));
      result.tools = TOOLS.flatMap((tool) => [...result.tools, ...kept].filter((t) => t.tool === tool));
      if (saved.agreedPairs !== undefined) result.agreedPairs = saved.agreedPairs;
    }
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    results.push(result);
  }
  process.stdout.write(markdownTable(results));
}

function findCase(name: string): BenchCase {
  const match = /^w(\d+)-p(\d+)$/.exec(name.trim());
  if (!match) fail(`unknown case "${name}": write w<workloads>-p<policies>, e.g. w1000-p200`);
  return { workloads: Number(match[1]), policies: Number(match[2]) };
}

/** Every saved result, in the order of ALL_CASES (then by name). */
function savedResults(): CaseResult[] {
  if (!existsSync(RESULTS_DIR)) fail(`no saved results in ${RESULTS_DIR}: run the benchmark first`);
  const order = ALL_CASES.map(caseName);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return readdirSync(RESULTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')) as CaseResult)
    .sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1));
}

// ---- Running and measuring -------------------------------------------------------------------

function command(tool: Tool, dir: string, analyzer: string): string[] {
  return tool === 'ours'
    ? [
        process.execPath,
        CLI,
        'verify',
        '--manifests',
        join(dir, 'policies.yaml'),
        '--workloads',
        join(dir, 'workloads.yaml'),
        '--output',
        'json',
      ]
    : [analyzer, 'list', '--dirpath', dir, '-o', 'json', '-q'];
}

/** verify exits 1 when it has error findings: that is a result, not a failure. */
function succeeded(argv: string[], status: number | null): boolean {
  return status === 0 || (argv[0] === process.execPath && status === 1);
}

/** GNU time (for the peak RSS) and coreutils timeout must be there. */
function checkTools(): void {
  const probe = spawnSync(TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0 || !/^\d+$/.test(probe.stderr.trim().split('\n').at(-1) ?? '')) {
    fail(
      `${TIME} (GNU time) is needed to measure peak memory, and it is ${probe.error ? 'missing' : 'not GNU time'}. ` +
        'Install it: `apt-get install -y time` (Debian/Ubuntu), `dnf install -y time` (Fedora/RHEL), `apk add time` (Alpine).',
    );
  }
  const timeout = spawnSync(TIMEOUT, ['1', 'true']);
  if (timeout.error || timeout.status !== 0) {
    fail('`timeout` (GNU coreutils) is needed to stop runs that take too long; install coreutils.');
  }
}

function analyzerVersion(binary: string): string {
  // scripts/run records the module version it built next to the binary.
  const stamp = join(dirname(binary), '.netpolicy.stamp');
  return existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : `netpol-analyzer (${binary})`;
}

/**
 * Runs the command under GNU time and timeout, stdout to /dev/null; wall clock from here, peak RSS
 * from time (which covers the command: timeout waits for it).
 */
function measure(argv: string[], timeoutSeconds: number): Sample {
  const report = join(OUT_DIR, '.time');
  const devNull = openSync('/dev/null', 'w');
  try {
    const start = process.hrtime.bigint();
    const result = spawnSync(TIME, ['-f', '%M', '-o', report, TIMEOUT, String(timeoutSeconds), ...argv], {
      stdio: ['ignore', devNull, 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.error) throw result.error;
    const peakKb = Number(readFileSync(report, 'utf8').trim().split('\n').at(-1));
    if (!Number.isFinite(peakKb)) fail(`cannot read the peak RSS that ${TIME} wrote to ${report}`);
    if (result.status === 124)
      return { status: 'timeout', wallSeconds, peakKb, note: `stopped after ${timeoutSeconds} s` };
    if (!succeeded(argv, result.status)) {
      return { status: 'failed', wallSeconds, peakKb, note: `exit ${result.status}: ${lastMessage(result.stderr)}` };
    }
    // Neither tool writes to stderr when it works (netpol-analyzer runs with -q); a module that
    // does not load (a file being edited) also exits 1, so anything there is a failed run.
    if (result.stderr.trim() !== '') fail(`${argv.join(' ')} wrote to stderr:\n${result.stderr.slice(0, 4000)}`);
    return { status: 'ok', wallSeconds, peakKb };
  } finally {
    closeSync(devNull);
  }
}

/** The message of a failure: the first line that names an error, else the last line. */
function lastMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => /error|fatal|panic|out of memory/i.test(l));
  return (error ?? lines.at(-1) ?? 'no message').slice(0, 160);
}

function summarize(tool: Tool, samples: Sample[]): ToolResult {
  const bad = samples.find((s) => s.status !== 'ok');
  const ok = samples.filter((s) => s.status === 'ok').map((s) => s.wallSeconds);
  const times = (ok.length > 0 ? ok : samples.map((s) => s.wallSeconds)).sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const medianSeconds = times.length % 2 === 1 ? (times[mid] ?? 0) : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
  const peakMb = Math.max(...samples.map((s) => s.peakKb)) / 1024;
  const result: ToolResult = { tool, samples, status: bad?.status ?? 'ok', medianSeconds, peakMb };
  if (bad?.note) result.note = bad.note;
  return result;
}

// ---- Agreement -------------------------------------------------------------------------------

/** Runs both tools once, output kept, and compares pod-to-pod connectivity; returns the pair count. */
function checkAgreement(dir: string, analyzer: string): number {
  const ours = ourPairs(run(command('ours', dir, analyzer)));
  const theirs = analyzerPairs(run(command('netpol-analyzer', dir, analyzer)));
  const a = new Set(ours);
  const b = new Set(theirs);
  const onlyOurs = ours.filter((line) => !b.has(line));
  const onlyTheirs = theirs.filter((line) => !a.has(line));
  if (onlyOurs.length > 0 || onlyTheirs.length > 0) {
    const show = (lines: string[]) =>
      lines
        .slice(0, 10)
        .map((l) => `    ${l}`)
        .join('\n');
    fail(
      `the tools disagree on ${dir}: ${onlyOurs.length} line(s) only in ours, ${onlyTheirs.length} only in netpol-analyzer's\n` +
        `  only ours:\n${show(onlyOurs)}\n  only netpol-analyzer:\n${show(onlyTheirs)}`,
    );
  }
  return ours.length;
}

function run(argv: string[]): string {
  const [file, ...args] = argv as [string, ...string[]];
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 2 * 1024 ** 3 });
  if (result.error) throw result.error;
  if (!succeeded(argv, result.status)) fail(`${argv.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  if (result.stderr.trim() !== '') fail(`${argv.join(' ')} wrote to stderr:\n${result.stderr.slice(0, 4000)}`);
  return result.stdout;
}

/** Our JSON: {connections: [{from, to, protocol, ports}]}, `ns/name` or a CIDR at each end. */
function ourPairs(stdout: string): string[] {
  const { connections } = JSON.parse(stdout) as {
    connections: { from: string; to: string; protocol: Protocol; ports: string[] }[];
  };
  const connectivity: Connectivity = new Map();
  for (const c of connections) {
    if (isCidr(c.from) || isCidr(c.to)) continue;
    if (!PROTOCOLS.includes(c.protocol)) fail(`unknown protocol in our output: ${JSON.stringify(c)}`);
    let ports = PortSet.none();
    for (const range of c.ports) {
      const [first = '', last = first] = range.split('-');
      ports = ports.union(PortSet.of(c.protocol, Number(first), Number(last)));
    }
    addConnection(connectivity, c.from, c.to, ports);
  }
  return toLines(connectivity);
}

/** netpol-analyzer's JSON: [{src, dst, conn}], `ns/name[Kind]` for a workload, `a-b` for addresses. */
function analyzerPairs(stdout: string): string[] {
  const text = stdout.trim();
  const lines = text === '' ? [] : (JSON.parse(text) as { src: string; dst: string; conn: string }[]);
  const connectivity: Connectivity = new Map();
  for (const { src, dst, conn } of lines) {
    const from = analyzerWorkload(src);
    const to = analyzerWorkload(dst);
    if (from === undefined || to === undefined) continue;
    addConnection(connectivity, from, to, parsePorts(conn));
  }
  return toLines(connectivity);
}

function analyzerWorkload(peer: string): string | undefined {
  const match = /^([^/\s]+)\/([^[\s]+)\[[A-Za-z]+\]$/.exec(peer.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function isCidr(end: string): boolean {
  const slash = end.lastIndexOf('/');
  return slash > 0 && isIP(end.slice(0, slash)) !== 0;
}

// ---- Output ----------------------------------------------------------------------------------

function markdownTable(results: CaseResult[]): string {
  const lines = [
    '| case (workloads / policies) | label classes | pod pairs allowed | tool | runs | median wall (s) | peak RSS (MB) | netpol-analyzer / ours: time | memory |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const ours = r.tools.find((t) => t.tool === 'ours');
    const theirs = r.tools.find((t) => t.tool === 'netpol-analyzer');
    for (const t of r.tools) {
      const ratios = t.tool === 'netpol-analyzer' && ours && theirs ? ratioCells(theirs, ours) : ['', ''];
      lines.push(
        `| ${count(r.stats.workloads)} / ${count(r.stats.policies)} | ${count(r.stats.labelClasses)} | ` +
          `${r.agreedPairs === undefined ? '–' : count(r.agreedPairs)} | ${t.tool} | ${t.samples.length} | ` +
          `${wallCell(t)} | ${t.status === 'ok' ? '' : '≥ '}${t.peakMb.toFixed(0)} | ${ratios.join(' | ')} |`,
      );
    }
  }
  const loads = results.map((r) => `${r.name} ${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`).join(', ');
  lines.push('', `1-minute load average before→after each case: ${loads}`);
  return `${lines.join('\n')}\n`;
}

function wallCell(t: ToolResult): string {
  if (t.status === 'timeout') return `> ${t.medianSeconds.toFixed(0)} (stopped)`;
  if (t.status === 'failed') return `failed after ${t.medianSeconds.toFixed(1)}: ${t.note ?? ''}`;
  return t.medianSeconds.toFixed(2);
}

function ratioCells(theirs: ToolResult, ours: ToolResult): [string, string] {
  if (ours.status !== 'ok') return ['–', '–'];
  const time = theirs.medianSeconds / ours.medianSeconds;
  const memory = theirs.peakMb / ours.peakMb;
  const bound = theirs.status === 'timeout' ? '> ' : theirs.status === 'failed' ? '? ' : '';
  return [`${bound}${time.toFixed(time < 10 ? 2 : 0)}×`, `${bound}${memory.toFixed(2)}×`];
}

function count(n: number): string {
  return n.toLocaleString('en');
}

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function fail(message: string): never {
  process.stderr.write(`bench/run.ts: ${message}\n`);
  process.exit(1);
}

main();
