// The README's commands, run for real (the README cannot drift from the code).
//
// Every command of the README's code blocks (console and sh blocks, and the `scripts/run …` steps
// of its CI examples) is taken from README.md itself, matched to one entry of COMMANDS below and
// checked — a command this test does not know fails it, so a new or changed command is either
// checked here or the test says which one to add:
//   - `scripts/run npm run render -- uat` / `-- all`: run; exit 0; the out/<env>.yaml files it
//     writes hold the NetworkPolicies its summary line names, each valid Kubernetes
//     (validateKubernetesObject), and for uat the four policies the README's migration steps name;
//   - `scripts/run npm test`: not run from inside a test (it runs this test); it must be what
//     `.ci/run` executes, and `npm test` must be a script of package.json;
//   - `scripts/run fineract-netpol validate -f FILE`: run; exit 0, "FILE: valid";
//   - `scripts/run fineract-netpol fit …`: run; exit 0, every line of the report the README shows
//     (on stderr), and the --out overlay with the database subnets left TODO;
//   - `scripts/run fineract-netpol verify …` and `… diff …` (after the render line of their block):
//     run; the exit code the README states, and every line of the output the README shows (its `…`
//     marking left-out rows) in the real output, in order; the README's "same command with
//     --manifests <legacy>" variant too;
//   - the "customise a connection" sh block (an override file, validate, render -f … -n, verify):
//     run as written; exit 0, the valid and render lines, and the output lines the README shows;
//   - the CI loop (sh block): run as written, with inventory/<env>.yaml stand-ins made from the
//     repository's inventory (test/fixtures/verify/fineract-uat/workloads.yaml, namespace renamed);
//   - `helm install` / `helm upgrade --install` (need a cluster): the same arguments given to
//     `helm template` with real Helm 4 and Helm 3 render the policies into that namespace;
//   - the kubectl adoption loop (needs a cluster): the policies it names are those the chart renders;
//   - the Cilium block (render with policyEngine cilium, verify): run as written; exit 0, the flows
//     the README shows; its values block is examples/cilium/uat-cilium.yaml; every object passes
//     Cilium's CRD schema; the two excerpts of Fineract's policy are in the two renders;
//   - `npx fineract-netpol emit …` (needs the packed package; test/emit.test.ts runs emit): its
//     options exist (`emit --help`);
//   - `scripts/run npm run sandbox -- -f FILE` (root and a real cluster: test/real-cluster/ runs
//     it): the script and the options the README names exist (`sandbox --help`).
// The commands run in a temporary copy of the working tree (git's tracked and untracked files,
// node_modules and .tools linked), so `npm run render` rebuilds chart/ and writes out/ there,
// never in the repository.
//
// Run: scripts/run npx vitest run test/readme.test.ts
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.ts';
import { validateCiliumNetworkPolicy } from '../src/verify/readers/cilium-crd.ts';
import { formatIssue, validateKubernetesObject } from '../src/verify/readers/kubernetes.ts';
import { readManifestObjects } from '../src/verify/readers/load.ts';
import { helmBinary } from './helpers/tools.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

// ---- reading the README ------------------------------------------------------------------------

/**
 * A fenced code block of the README: its language, its text (dedented), the line of its opening
 * fence and the offsets of the fences in the README.
 */
type Block = { lang: string; text: string; line: number; start: number; end: number };

/** Every fenced code block, in order (indented ones, inside list items, included). */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```/gm)) {
    const [, indent = '', lang = '', body = ''] = match;
    const text = body
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    const start = match.index;
    blocks.push({ lang, text, line: markdown.slice(0, start).split('\n').length, start, end: start + match[0].length });
  }
  return blocks;
}

/** One command of the README (a logical line, a `for … done` loop, or a whole sh script). */
type Unit = { text: string; comment: string; block: Block };

/**
 * The commands of a block: an sh block is one script; a console block's logical lines (a trailing
 * `\` continues a line, `  # …` is a comment), a `for … done` loop kept whole; a yaml block's CI
 * steps that run `scripts/run …` (`- run: …` or `- …` list items).
 */
function unitsOf(block: Block): Unit[] {
  if (block.lang === 'sh' || block.lang === 'bash') return [{ text: block.text.trim(), comment: '', block }];
  if (block.lang === 'yaml') {
    return [...block.text.matchAll(/^\s*-\s+(?:run:\s+)?(scripts\/run\s.*?)\s*$/gm)].map((m) => ({
      text: m[1] ?? '',
      comment: '',
      block,
    }));
  }
  if (block.lang !== 'console') return [];
  const lines = block.text.replace(/\\\n\s*/g, '').split('\n');
  const units: Unit[] = [];
  let loop: string[] | undefined;
  for (const raw of lines) {
    const [, command = '', comment = ''] = /^(.*?)(?:\s+#\s(.*))?$/.exec(raw.trim()) ?? [];
    if (command === '') continue;
    if (loop) {
      loop.push(command);
      if (command === 'done') {
        units.push({ text: loop.join('\n'), comment: '', block });
        loop = undefined;
      }
    } else if (/^for\s.*;\s*do$/.test(command)) loop = [command];
    else units.push({ text: command, comment, block });
  }
  return units;
}

const BLOCKS = codeBlocks(README);
const UNITS = BLOCKS.flatMap((block) => unitsOf(block));

/** The code block right after `block` (the output the README shows for a command), of language `lang`. */
function blockAfter(block: Block, lang: string): Block {
  const next = BLOCKS[BLOCKS.indexOf(block) + 1];
  if (!next || next.lang !== lang) throw new Error(`README:${block.line}: no ${lang} block after this one`);
  return next;
}

/** The README's prose between a block and the next one. */
function proseAfter(block: Block): string {
  return README.slice(block.end, BLOCKS[BLOCKS.indexOf(block) + 1]?.start ?? README.length);
}

/** Runs the README's other commands of the same block that come before `unit` (e.g. its render). */
function runEarlierInBlock(unit: Unit): void {
  for (const other of UNITS.filter((u) => u.block === unit.block && UNITS.indexOf(u) < UNITS.indexOf(unit))) {
    expectExit(run(other.text), 0, other.text);
  }
}

/** The policy names of the README's migration step (`for p in … ; do kubectl … label networkpolicy`). */
/**
 * Of the policies the chart renders, those the README's migration loop must adopt: the ones that
 * already exist (the legacy set's names); the others are new objects Helm creates.
 */
function adopted(rendered: string[]): string[] {
  const legacy = new Set(
    readManifestObjects(
      readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'legacy', 'policies.yaml'), 'utf8'),
      'legacy.yaml',
    ).map((o) => String((o['metadata'] as { name?: unknown }).name)),
  );
  return rendered.filter((name) => legacy.has(name)).sort();
}

function migrationPolicyNames(): string[] {
  const loop = UNITS.find((u) => /^for p in .*; do\nkubectl /.test(u.text));
  const names = /^for p in (.*); do/.exec(loop?.text ?? '')?.[1];
  if (!names) throw new Error('the README has no `for p in <policies>; do kubectl …` migration loop');
  return names.split(/\s+/).sort();
}

// ---- running commands in a copy of the working tree --------------------------------------------

let copy = '';

/** Copies the working tree (tracked and untracked, not ignored), linking node_modules and .tools. */
function copyWorkingTree(): string {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'fineract-netpol-readme-'));
  try {
    const linked = ['node_modules', '.tools'];
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      const from = join(REPO_ROOT, file);
      if (!existsSync(from) || linked.includes(file)) continue; // deleted in the working tree, or linked below
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(dir, file));
      else cpSync(from, join(dir, file));
    }
    for (const name of linked) symlinkSync(join(REPO_ROOT, name), join(dir, name));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/**
 * scripts/run in the copy must find node_modules current (its stamp matches the lock file and
 * the Node on PATH): otherwise it would run `npm ci` into the linked node_modules.
 */
function assertToolsReady(): void {
  const node = spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const lock = createHash('sha256')
    .update(readFileSync(join(REPO_ROOT, 'package-lock.json')))
    .digest('hex');
  const stamp = join(REPO_ROOT, 'node_modules', '.fineract-netpol-lock-hash');
  const found = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '(none)';
  if (found !== `${lock} node-${node}`) {
    throw new Error(
      `node_modules was not installed by scripts/run for this lock file and Node ${node} (stamp: ${found}): ` +
        'run the tests through `scripts/run npx vitest run test/readme.test.ts`',
    );
  }
}

type Result = { status: number; stdout: string; stderr: string };
const ran = new Map<string, Result>();

/** Runs a README command with bash in the copy; the same command text runs once. */
function run(command: string): Result {
  const known = ran.get(command);
  if (known) return known;
  const result = spawnSync('bash', ['-c', command], {
    cwd: copy,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  const out = { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  ran.set(command, out);
  return out;
}

/** Fails with the command's output when it did not exit with `status`. */
function expectExit(result: Result, status: number, command: string): void {
  expect(result.status, `${command}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`).toBe(status);
}

/**
 * Every line the README shows (except `…`, marking left-out rows) is a line of the real output,
 * in the same order.
 */
function expectShownLines(shown: Block, output: string): void {
  const actual = output.split('\n').map((line) => line.trimEnd());
  let at = 0;
  for (const line of shown.text.split('\n').map((l) => l.trimEnd())) {
    if (line === '' || line.trim() === '…') continue;
    const found = actual.indexOf(line, at);
    expect(
      found,
      `README:${shown.line}: this line is not in the output (after line ${at}):\n${line}\n--- output\n${output}`,
    ).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

/** The NetworkPolicies of a rendered file of the copy, each checked as valid Kubernetes. */
function renderedPolicies(file: string): string[] {
  const objects = readManifestObjects(readFileSync(join(copy, file), 'utf8'), file);
  const issues = objects.flatMap((o) => validateKubernetesObject(o).map(formatIssue));
  expect(issues, `${file}: invalid objects`).toEqual([]);
  return objects.map((o) => String((o['metadata'] as { name?: unknown }).name));
}

// ---- what each command of the README must do ----------------------------------------------------

type Command = {
  /** What the entry covers (the test's name). */
  name: string;
  /** The README commands it covers. */
  matches: RegExp;
  check: (unit: Unit) => void;
};

/** `scripts/run npm run render -- <env…>`: exit 0 and the files its summary lines announce. */
function checkRender(unit: Unit): void {
  const result = run(unit.text);
  expectExit(result, 0, unit.text);
  const args = unit.text.split(' -- ')[1]?.split(/\s+/) ?? [];
  const environments = args.includes('all')
    ? ['defaults', ...listEnvironments()]
    : args.filter((a) => !a.startsWith('-'));
  expect(environments.length).toBeGreaterThan(0);
  for (const env of environments) {
    const summary = new RegExp(
      `^render: ${env} → out/${env}\\.yaml \\((\\d+) NetworkPolicies in [\\w-]+: (.*)\\)$`,
      'm',
    ).exec(result.stdout);
    expect(summary, `no "render: ${env} → out/${env}.yaml (…)" line in:\n${result.stdout}`).not.toBeNull();
    const names = renderedPolicies(`out/${env}.yaml`);
    expect(names.length).toBe(Number(summary?.[1]));
    expect(names.join(', ')).toBe(summary?.[2]);
    // The README's own words for uat: the policies that exist already are those its migration steps adopt.
    if (env === 'uat') expect(adopted(names)).toEqual(migrationPolicyNames());
  }
  // The comment next to a command says where it writes: `… into out/uat.yaml`.
  const into = /into (\S+)/.exec(unit.comment)?.[1];
  if (into) expect(existsSync(join(copy, into)), `${into} (the README's comment)`).toBe(true);
}

/** The environments of the copy's values/ (what `render -- all` renders besides the defaults). */
function listEnvironments(): string[] {
  return readdirSync(join(copy, 'values'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** `helm install NAME CHART -n NS -f FILE` → `helm template` with the same arguments, Helm 4 and 3. */
function checkHelmInstall(unit: Unit): void {
  const words = unit.text.split(/\s+/);
  // Flags of an install that `helm template` does not take (Helm 3's replace, Helm 4's
  // server-side apply conflicts; the real-cluster suite runs the migration with them for real).
  const installOnly = new Set(['--force', '--force-conflicts']);
  const rest = (words[1] === 'upgrade' && words[2] === '--install' ? words.slice(3) : words.slice(2)).filter(
    (w) => !installOnly.has(w),
  );
  const namespace = words[words.findIndex((w) => w === '-n' || w === '--namespace') + 1];
  expect(namespace, 'the README installs into a namespace').toBeDefined();
  for (const version of [4, 3] as const) {
    const result = spawnSync(helmBinary(version), ['template', ...rest], { cwd: copy, encoding: 'utf8' });
    expectExit(
      { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
      0,
      `helm ${version} template ${rest.join(' ')}`,
    );
    const objects = readManifestObjects(result.stdout, 'install.yaml');
    expect(adopted(objects.map((o) => String((o['metadata'] as { name?: unknown }).name)))).toEqual(
      migrationPolicyNames(),
    );
    for (const object of objects) {
      expect((object['metadata'] as { namespace?: unknown }).namespace).toBe(namespace);
      expect(validateKubernetesObject(object).map(formatIssue)).toEqual([]);
    }
  }
}

const VERIFY_MANIFESTS = /--manifests (\S+)/;

const COMMANDS: Command[] = [
  {
    name: 'try values on real packets (npm run sandbox: root and a real cluster, run by test/real-cluster/)',
    matches: /^scripts\/run npm run sandbox -- -f \S+$/,
    check: (unit) => {
      // The command itself runs in the real-cluster suite (test/real-cluster/command.test.ts),
      // which needs root; here: the script exists and the options the README names are real.
      const file = unit.text.split(' -f ')[1] ?? '';
      expect(existsSync(join(copy, file)), file).toBe(true);
      const scripts = (
        JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
      ).scripts;
      expect(scripts['sandbox']).toContain('src/cli/main.ts sandbox');
      const help = run('node src/cli/main.ts sandbox --help');
      expectExit(help, 0, 'sandbox --help');
      for (const option of ['--workloads', '--legacy', '--namespace', '--helm', '--output']) {
        expect(help.stdout).toContain(option);
      }
    },
  },
  {
    name: 'render an environment (npm run render)',
    matches: /^scripts\/run npm run render -- \w+( \w+)*$/,
    check: checkRender,
  },
  {
    name: 'the full test run is what CI runs (npm test)',
    matches: /^scripts\/run npm test$/,
    check: (unit) => {
      // Not run here: it runs this very test. CI's entry point must run exactly this command.
      const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
      expect(ci.split('\n').filter((line) => line.startsWith('exec '))).toEqual([`exec ${unit.text}`]);
      const scripts = (
        JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
      ).scripts;
      expect(scripts['test']).toBe('node scripts/test.ts');
      expect(existsSync(join(REPO_ROOT, 'scripts', 'test.ts'))).toBe(true);
    },
  },
  {
    name: 'validate a values file (CI examples)',
    matches: /^scripts\/run fineract-netpol validate -f \S+$/,
    check: (unit) => {
      const file = unit.text.split(' -f ')[1] ?? '';
      const result = run(unit.text);
      expectExit(result, 0, unit.text);
      expect(result.stdout).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}: valid \\(`, 'm'));
    },
  },
  {
    name: 'verify the rendered policies, and the legacy set',
    matches: /^scripts\/run fineract-netpol verify --manifests out\/uat\.yaml /,
    check: (unit) => {
      runEarlierInBlock(unit); // `scripts/run npm run render -- uat`, the block's first line
      const result = run(unit.text);
      // "No error: every flow … is declared", and "exit 0 means no error finding".
      expectExit(result, 0, unit.text);
      const shown = blockAfter(unit.block, 'text');
      expectShownLines(shown, result.stdout);
      // "The same command with `--manifests <legacy>`, … exits 1 (trimmed):", then its output.
      const variant = /The same command with `--manifests ([^`]+)`[^:]*?exits (\d)/.exec(proseAfter(shown));
      expect(variant, 'the README\'s "The same command with `--manifests …`, … exits N" sentence').not.toBeNull();
      const legacy = unit.text.replace(VERIFY_MANIFESTS, `--manifests ${variant?.[1] ?? ''}`);
      const legacyResult = run(legacy);
      expectExit(legacyResult, Number(variant?.[2]), legacy);
      expectShownLines(blockAfter(shown, 'text'), legacyResult.stdout);
    },
  },
  {
    name: 'fit the values to a deployment (the real fineract-gitops uat manifests)',
    matches: /^scripts\/run fineract-netpol fit /,
    check: (unit) => {
      const result = run(unit.text);
      expectExit(result, 0, unit.text);
      // The report is on stderr; the overlay in the --out file, its database subnets left TODO.
      expectShownLines(blockAfter(unit.block, 'text'), result.stderr);
      const out = /--out (\S+)/.exec(unit.text)?.[1] ?? '';
      expect(readFileSync(join(copy, out), 'utf8')).toContain('rds: {cidrs: [TODO], excludePrivate: false}');
      expect(README).toContain('which `validate` and Helm refuse until you write your database subnets');
    },
  },
  {
    name: 'diff: the legacy set and the render; two environments with --namespace-map and their values',
    matches: /^scripts\/run fineract-netpol diff /,
    check: (unit) => {
      // The renders it compares: the block's `scripts/run npm run render -- …` line.
      runEarlierInBlock(unit);
      const result = run(unit.text);
      // "1 error findings (for `diff`: the connectivity differs)".
      expect(README).toMatch(/1 error findings \(for\s+`diff`: the connectivity differs\)/);
      expectExit(result, 1, unit.text);
      expectShownLines(blockAfter(unit.block, 'text'), result.stdout);
    },
  },
  {
    name: 'verify every environment in CI (the sh loop)',
    matches: /^scripts\/run npm run render -- all\n[\s\S]*for env in [\s\S]*verify[\s\S]*exit "\$status"$/,
    check: (unit) => {
      // inventory/<env>.yaml "standing for the exported workloads of each environment": the
      // repository's inventory, moved into each environment's namespace.
      const environments = /for env in (.*); do/.exec(unit.text)?.[1]?.split(/\s+/) ?? [];
      expect(environments.length).toBeGreaterThan(0);
      const inventory = readFileSync(join(copy, 'test', 'fixtures', 'fineract-workloads.yaml'), 'utf8');
      mkdirSync(join(copy, 'inventory'), { recursive: true });
      for (const env of environments) {
        writeFileSync(join(copy, 'inventory', `${env}.yaml`), inventory.replaceAll('fineract-uat', `fineract-${env}`));
      }
      const result = run(unit.text);
      expectExit(result, 0, unit.text);
      const summaries = result.stdout.split('\n').filter((line) => /^\d+ policies, /.test(line));
      expect(summaries).toHaveLength(environments.length);
      for (const summary of summaries) expect(summary).toMatch(/findings: 0 error\(s\)/);
      for (const env of ['defaults', ...listEnvironments()])
        expect(existsSync(join(copy, 'out', `${env}.yaml`))).toBe(true);
    },
  },
  {
    name: 'helm install / upgrade --install (as helm template)',
    matches: /^helm (install|upgrade --install) \S+ \.\/chart /,
    check: checkHelmInstall,
  },
  {
    name: 'the migration loop names the policies the chart renders (kubectl: needs a cluster)',
    matches: /^for p in .*; do\nkubectl /,
    check: (unit) => {
      const release = /meta\.helm\.sh\/release-name=(\S+)/.exec(unit.text)?.[1];
      const namespace = /meta\.helm\.sh\/release-namespace=(\S+)/.exec(unit.text)?.[1];
      const install = UNITS.find((u) => u.block === unit.block && u.text.startsWith('helm '));
      expect(install?.text).toContain(`helm upgrade --install ${release} ./chart -n ${namespace} `);
      const result = spawnSync(
        helmBinary(4),
        ['template', release ?? '', './chart', '-n', namespace ?? '', '-f', 'values/uat.yaml'],
        {
          cwd: copy,
          encoding: 'utf8',
        },
      );
      expect(result.status, result.stderr).toBe(0);
      const names = readManifestObjects(result.stdout, 'uat.yaml').map((o) =>
        String((o['metadata'] as { name?: unknown }).name),
      );
      expect(adopted(names)).toEqual(migrationPolicyNames());
    },
  },
  {
    name: 'Cilium: the uat override (as examples/cilium/uat-cilium.yaml), rendered both ways, verified',
    matches:
      /^scripts\/run helm template fineract-netpol \.\/chart -n fineract-uat \\\n[\s\S]*uat-cilium\.yaml[\s\S]*fineract-netpol verify [\s\S]*$/,
    check: (unit) => {
      // The values the README shows are the example file's (its comments aside).
      const shownValues = BLOCKS[BLOCKS.indexOf(unit.block) - 1];
      expect(shownValues?.lang).toBe('yaml');
      const example = readFileSync(join(copy, 'examples', 'cilium', 'uat-cilium.yaml'), 'utf8');
      const body = example
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n')
        .trim();
      expect(shownValues?.text.trim()).toBe(body);
      const result = run(unit.text);
      expectExit(result, 0, unit.text);
      const flows = blockAfter(unit.block, 'text');
      expectShownLines(flows, result.stdout);
      // Every object of the render: a CiliumNetworkPolicy Cilium v1.20.2's CRD schema accepts.
      const objects = readManifestObjects(
        readFileSync(join(copy, 'out', 'uat-cilium.yaml'), 'utf8'),
        'uat-cilium.yaml',
      );
      expect(adopted(objects.map((o) => String((o['metadata'] as { name?: unknown }).name)))).toEqual(
        migrationPolicyNames(),
      );
      for (const object of objects) expect(validateCiliumNetworkPolicy(object).map(formatIssue)).toEqual([]);
      // Fineract's policy "rendered both ways": each line of the two excerpts, in order, in the
      // fineract-network-policy document of each render (a line ending in "…" or "(…)" as a prefix).
      const kubernetes = spawnSync(
        helmBinary(4),
        ['template', 'fineract-netpol', './chart', '-n', 'fineract-uat', '-f', 'values/uat.yaml'],
        { cwd: copy, encoding: 'utf8' },
      );
      expect(kubernetes.status, kubernetes.stderr).toBe(0);
      const cilium = readFileSync(join(copy, 'out', 'uat-cilium.yaml'), 'utf8');
      const [first, second] = [BLOCKS[BLOCKS.indexOf(flows) + 1], BLOCKS[BLOCKS.indexOf(flows) + 2]];
      for (const [excerpt, render] of [
        [first, kubernetes.stdout],
        [second, cilium],
      ] as const) {
        expect(excerpt?.lang).toBe('yaml');
        const document = render.split(/^---\n/m).find((d) => /^ {2}name: "?fineract-network-policy"?$/m.test(d)) ?? '';
        const actual = document.split('\n').map((line) => line.trimEnd());
        let at = 0;
        for (const line of (excerpt?.text ?? '').split('\n').map((l) => l.trimEnd())) {
          if (line === '') continue;
          const prefix = /…\)?$/.test(line) ? line.replace(/ ?\(?…\)?$/, '') : undefined;
          const found = actual.findIndex(
            (a, i) => i >= at && (prefix === undefined ? a === line : a.startsWith(prefix)),
          );
          expect(
            found,
            `README:${excerpt?.line}: not in the render (after line ${at}):\n${line}\n---\n${document}`,
          ).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
      }
    },
  },
  {
    name: 'customise a connection: the override file, validate, render -f … -n, verify --only',
    matches: /^cat > values\/uat-webhook\.yaml <<'YAML'\n[\s\S]*\nscripts\/run fineract-netpol verify [\s\S]*$/,
    check: (unit) => {
      const result = run(unit.text);
      expectExit(result, 0, unit.text);
      expect(result.stdout).toMatch(/^values\/uat\.yaml, values\/uat-webhook\.yaml: valid \(/m);
      expect(result.stdout).toMatch(
        /^render: uat-webhook → out\/uat-webhook\.yaml \(7 NetworkPolicies in fineract-uat: /m,
      );
      expectShownLines(blockAfter(unit.block, 'text'), result.stdout);
    },
  },
  {
    name: 'emit (needs the packed package: its options exist)',
    matches: /^npx fineract-netpol emit \S+ -o \S+$/,
    check: () => {
      const help = run('scripts/run fineract-netpol emit --help');
      expectExit(help, 0, 'emit --help');
      expect(help.stdout).toMatch(/-o, --output <file>/);
    },
  },
];

function commandOf(unit: Unit): Command[] {
  return COMMANDS.filter((c) => c.matches.test(unit.text));
}

// ---- the tests ---------------------------------------------------------------------------------

describe('README.md: every command of its code blocks works as the README says', () => {
  beforeAll(() => {
    assertToolsReady();
    copy = copyWorkingTree();
  }, 120_000);
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('every command is one this test checks (a new one must be added to COMMANDS)', () => {
    expect(UNITS.length).toBeGreaterThanOrEqual(10);
    const unknown = UNITS.filter((u) => commandOf(u).length !== 1).map(
      (u) => `README:${u.block.line} (${commandOf(u).length} matches): ${u.text}`,
    );
    expect(unknown).toEqual([]);
    // Each entry covers some command: an entry for a command the README dropped is stale.
    expect(COMMANDS.filter((c) => !UNITS.some((u) => c.matches.test(u.text))).map((c) => c.name)).toEqual([]);
  });

  it('the Quick start block sets up, renders and tests (each of its commands is checked below)', () => {
    const heading = README.indexOf('\n## Quick start\n');
    expect(heading).toBeGreaterThan(0);
    const block = BLOCKS.find((b) => b.start > heading && b.lang === 'console');
    const quick = UNITS.filter((u) => u.block === block).map((u) => u.text);
    expect(quick.some((text) => /^scripts\/run npm run render -- /.test(text))).toBe(true);
    expect(quick).toContain('scripts/run npm test');
  });

  for (const unit of UNITS) {
    const [command] = commandOf(unit);
    it(`README:${unit.block.line}: ${unit.text.split('\n')[0]}${unit.text.includes('\n') ? ' …' : ''}`, () => {
      if (!command) throw new Error(`no entry of COMMANDS for: ${unit.text}`);
      command.check(unit);
    }, 300_000);
  }
});
