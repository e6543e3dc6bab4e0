// Property tests: random VALID values of the chart, rendered by the real Helm 4 and Helm 3, then
// read back and verified.
//
// Run:        scripts/run npx vitest run test/property.test.ts
// Vary:       FNP_PROPERTY_SEED=<n> FNP_PROPERTY_RUNS=<n> scripts/run npx vitest run test/property.test.ts
// Reproduce:  a failure names the property, the run index, the problem and the values (as the
//             `helm -f` file: `helm template fineract-netpol chart -n fineract-prop -f values.yaml`).
//             The sequence of a seed does not depend on the run count, so
//             FNP_PROPERTY_SEED=<seed> FNP_PROPERTY_RUNS=<index + 1> ends with the failing run;
//             FNP_PROPERTY_PATH=<path fast-check prints> replays it alone. FNP_PROPERTY_SHRINK=<n>
//             lets fast-check shrink a failure with up to n on-demand renders per property.
// Mutants:    FNP_PROPERTY_CHART_DIR=<a modified copy of chart/> renders that chart instead, to see
//             the properties catch a bug planted in it.
//
// Properties, for every generated values (test/helpers/arbitraries.ts):
//   valid  it passes Values.parse, and Helm 4 and Helm 3 render it (the chart's validation accepts it);
//   (a)    every rendered rule has a non-empty from/to of non-empty peer items and non-empty ports;
//          policyTypes [Ingress, Egress], the release namespace, one policy per enabled component;
//          a peer is never a namespaceSelector alone; the output is UTF-8;
//   (b)    every enabled connection between two enabled components is on both sides: an egress rule
//          on the source's policy and an ingress rule on the destination's, found by the rule's
//          `# <connection>` comment and checked peer by peer and port by port;
//   (c)    render → load (src/verify/readers/load.ts) → synthesize one pod per component/peer/DNS/monitoring
//          (src/verify/analysis/synthesize.ts, plus container ports for the named ports) → analyze →
//          intentFindings gives zero undeclared-flow and zero missing-flow, for the values and for
//          the variant of (e);
//   (d)    Helm 3 and Helm 4 output are byte-identical;
//   (e)    turning one enabled, rendered connection off (chosen at random) changes the connectivity
//          exactly by what that connection alone allowed: for every pair of endpoints (pod classes
//          and external address atoms), allowed(before) − allowed(after) = declared(before) −
//          declared(after), and nothing new is allowed;
//   (f)    every object of every render (Helm 4 and Helm 3, the values and the variant of (e)) is a
//          valid Kubernetes object: validateKubernetesObject (src/verify/readers/kubernetes.ts) finds zero
//          issues — the OpenAPI schema of networking.k8s.io/v1 NetworkPolicy, no unknown field, and
//          the API server's own rules (metadata, selectors, peers, ipBlocks, ports; strict CIDRs).
//          The objects are those load.ts parses for (c) (its onObject hook: no second YAML parse);
//          Helm 3's render is parsed on its own only when its text differs from Helm 4's.
//   (g)    (the first CILIUM_RUNS runs, 1,050 by default: FNP_PROPERTY_CILIUM_RUNS)
//          the same values with `policyEngine: cilium` (Helm 4) render CiliumNetworkPolicies with
//          the same connectivity: for every pair of pod classes and external address atoms,
//          allowed(kubernetes render) = allowed(cilium render); and the cilium render's symbolic
//          flows (`fqdn:…`, `entity:…`, src/verify/readers/cilium/) are exactly those the values declare
//          through networks' fqdns and entities (expand.ts), with their ports;
//   (h)    every object of the cilium render is accepted by Cilium v1.20.2's CRD schema
//          (src/verify/readers/cilium-crd.ts; the real API server and Cilium's own sanitizer check the
//          environments' renders in test/real-cluster and test/cilium-check.test.ts).
//
// How (≥ 1,000 checked runs per property): one chart render costs ~0.1 s of Helm CPU (mostly the chart's templates, not
// process start-up), so many values are rendered per Helm process (test/helpers/batch-render.ts):
//   1. a property that only collects the RUNS cases fast-check generates for the seed;
//   2. batches of BATCH_RUNS runs, four Helm processes at once (Helm 4: the values; Helm 4: the
//      "one connection off" variants; Helm 3: the values; Helm 4: the values with policyEngine
//      cilium); a batch is checked while the next renders;
//   3. one fc.assert per property, with the same seed and run count, so the same cases in the same
//      order: each looks its case's outcome up (a case fast-check shrinks to is rendered on demand).
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expandConnections, type ExpandedConnection, type ResolvedEndpoint } from '../src/model/expand.ts';
import { mergeHelmValues } from '../src/values/merge.ts';
import { Values, type ValuesInput, type ValuesOutput } from '../src/model/values.ts';
import { CHART_DIR } from '../src/paths.ts';
import { rangeToCidrs } from '../src/model/cidr.ts';
import { inBlock } from '../src/verify/model/addresses.ts';
import { analyze, blockCidrs, portsOf, type Analysis, type Endpoint } from '../src/verify/analysis/analyze.ts';
import { intentFindings } from '../src/verify/checks/intent.ts';
import { formatIssue, validateKubernetesObject } from '../src/verify/readers/kubernetes.ts';
import { validateCiliumNetworkPolicy } from '../src/verify/readers/cilium-crd.ts';
import { entitySymbol, fqdnSymbol } from '../src/verify/model/cilium-symbols.ts';
import { loadManifestText, readManifestObjects } from '../src/verify/readers/load.ts';
import { PortSet } from '../src/verify/model/ports.ts';
import { matchesSelector } from '../src/verify/model/selectors.ts';
import { synthesizeFromValues } from '../src/verify/analysis/synthesize.ts';
import type { EgressRule, IngressRule, LabelSelector, NetworkPolicy, Workload } from '../src/verify/model/types.ts';
import {
  helmOverride,
  runCaseArbitrary,
  valuesYaml,
  withConnectionOff,
  workloadsWithNamedPorts,
  type RunCase,
} from './helpers/arbitraries.ts';
import { BatchRenderer, helmJson, type AliasOutput } from './helpers/batch-render.ts';
import { helmTemplate } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

function intFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}=${text} is not an integer`);
  return value;
}

const SEED = intFromEnv('FNP_PROPERTY_SEED', 20_251_128);
// 1,600 runs: (b) and (e) apply only to values with a connection between two components (about
// 68 %) or with one to turn off (about 83 %), so each property is checked on at least 1,000 runs.
const RUNS = intFromEnv('FNP_PROPERTY_RUNS', 1600);
/** (g) and (h) render the first CILIUM_RUNS runs a second time, with policyEngine cilium (≥ 1,000 checked). */
const CILIUM_RUNS = Math.min(RUNS, intFromEnv('FNP_PROPERTY_CILIUM_RUNS', 1050));
/** The share of runs (b) and (e) must apply to; with the default RUNS, 1,000 runs. */
const MIN_SHARE_B_E = 0.625;
const REPLAY_PATH = process.env['FNP_PROPERTY_PATH'] || undefined;
/** Runs per batch: each Helm process of a batch renders up to this many values. */
const BATCH_RUNS = 100;
/**
 * On-demand renders per property while fast-check shrinks a failure (each renders one case with
 * both Helms, a few seconds on a busy machine). 0, the default: no shrinking, the failure reports
 * the original run, whose index and values are known.
 */
const SHRINK_RENDERS = intFromEnv('FNP_PROPERTY_SHRINK', 0);
const NAMESPACE = 'fineract-prop';
/** The chart to render: the repository's, or (to check that the properties catch a bug) a modified copy. */
const CHART = process.env['FNP_PROPERTY_CHART_DIR'] || CHART_DIR;
const CHART_DEFAULTS: unknown = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
const ARBITRARY = runCaseArbitrary({ releaseNamespace: NAMESPACE });
const FC_PARAMS: fc.Parameters<[RunCase]> = {
  seed: SEED,
  numRuns: RUNS,
  ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
  ...(SHRINK_RENDERS === 0 ? { endOnFailure: true } : {}),
};

const PROPERTIES = {
  valid: 'valid values render with Helm 4 and Helm 3',
  a: '(a) every rule has a non-empty from/to and ports',
  b: '(b) connections between components render on both sides',
  c: '(c) verify finds zero undeclared and zero missing flows',
  d: '(d) Helm 3 and Helm 4 render byte-identical output',
  e: '(e) turning one connection off removes exactly its flows',
  f: '(f) every rendered object is valid Kubernetes (OpenAPI schema, API server rules)',
  g: '(g) the cilium render allows the same flows, plus exactly the declared DNS-name and entity flows',
  h: "(h) every object of the cilium render passes Cilium v1.20.2's CRD schema",
} as const;
type PropertyId = keyof typeof PROPERTIES;

/** One generated case, its renders and what the checks found. */
type Run = {
  /** Position in the seeded sequence (undefined: a case fast-check built while shrinking). */
  index: number | undefined;
  case: RunCase;
  values: ValuesOutput | undefined;
  /** The connection turned off for (e), when some enabled connection renders. */
  offName: string | undefined;
  offValues: ValuesInput | undefined;
  main4?: AliasOutput;
  off4?: AliasOutput;
  main3?: AliasOutput;
  /** The values with policyEngine cilium, Helm 4. */
  cilium4?: AliasOutput;
  /** Problems per property (no entry: the property passed). */
  problems: Partial<Record<PropertyId, string[]>>;
  /** Properties this run exercised (e.g. no (e) without a connection to turn off). */
  checked: Set<PropertyId>;
};

const runs = new Map<string, Run>();
const keyOf = (c: RunCase): string => JSON.stringify(c);
const timings: Record<string, number> = {};

/** Runs `fn`, adding its wall time to timings[name]. */
function timed<T>(name: string, fn: () => T): T {
  const started = performance.now();
  try {
    return fn();
  } finally {
    timings[name] = (timings[name] ?? 0) + performance.now() - started;
  }
}
const stats = {
  renders4: 0,
  renders3: 0,
  helmMillis: 0,
  shrinkRenders: 0,
  /** (e): runs where turning the connection off removed some connectivity (not shadowed by others). */
  offRemoved: 0,
  /** (f): objects validated (of the seeded runs), and renders whose objects were validated. */
  objectsValidated: 0,
  rendersValidated: 0,
};
let renderer: BatchRenderer;

// ---- generating and rendering ------------------------------------------------------------------

function newRun(c: RunCase, index: number | undefined): Run {
  const run: Run = {
    index,
    case: c,
    values: undefined,
    offName: undefined,
    offValues: undefined,
    problems: {},
    checked: new Set(['valid']),
  };
  const parsed = Values.safeParse(c.values);
  if (!parsed.success) {
    problem(
      run,
      'valid',
      `Values.parse refuses the generated values (the arbitrary is wrong): ${parsed.error.message}`,
    );
    return run;
  }
  run.values = parsed.data;
  // What Helm sees: the -f file merged over chart/values.yaml (maps merged, null deleting).
  const merged = Values.safeParse(mergeHelmValues(CHART_DEFAULTS, overrideOf(c.values)));
  if (!merged.success || !isDeepStrictEqual(merged.data, parsed.data)) {
    problem(run, 'valid', 'the -f file (helmOverride) merged over the chart defaults is not the generated values');
  }
  // The connection (e) turns off: one of those the chart renders (enabled, both components enabled).
  let rendered: string[] = [];
  try {
    const names = new Set(Object.keys(parsed.data.connections));
    rendered = [...new Set(expandConnections(parsed.data).map((x) => x.name))].filter((n) => names.has(n));
  } catch (error) {
    problem(run, 'valid', `src/model/expand.ts refuses the values: ${(error as Error).message}`);
  }
  if (rendered.length > 0) {
    run.offName = rendered[c.offPick % rendered.length];
    run.offValues = run.offName === undefined ? undefined : withConnectionOff(c.values, run.offName);
  }
  return run;
}

function overrideOf(values: unknown): Record<string, unknown> {
  return helmOverride(values, CHART_DEFAULTS);
}

function problem(run: Run, property: PropertyId, text: string): void {
  (run.problems[property] ??= []).push(text);
}

/**
 * Renders the runs: Helm 4 their values, Helm 4 their "off" variants, Helm 3 their values, in three
 * processes at once. A run whose values Helm refuses gets a `valid` problem; the others are
 * rendered again without it.
 */
async function render(batch: Run[]): Promise<void> {
  let pending = batch.filter((r) => r.values !== undefined);
  while (pending.length > 0) {
    const withOff = pending.filter((r) => r.offValues !== undefined);
    const withCilium = pending.filter((r) => r.index === undefined || r.index < CILIUM_RUNS);
    // Four processes of about the same size, so that both cores stay busy.
    const jobs = [
      { version: 4, batch: renderer.prepare(pending.map((r) => overrideOf(r.case.values))), runs: pending, off: false },
      { version: 4, batch: renderer.prepare(withOff.map((r) => overrideOf(r.offValues))), runs: withOff, off: true },
      { version: 3, batch: renderer.prepare(pending.map((r) => overrideOf(r.case.values))), runs: pending, off: false },
      {
        version: 4,
        batch: renderer.prepare(withCilium.map((r) => ({ ...overrideOf(r.case.values), policyEngine: 'cilium' }))),
        runs: withCilium,
        off: false,
        cilium: true,
      },
    ] as const;
    const started = performance.now();
    const outs = await Promise.all(jobs.map((job) => job.batch.template(job.version)));
    stats.helmMillis += performance.now() - started;
    const refused = new Set<Run>();
    jobs.forEach((job, j) => {
      const out = outs[j];
      if (!out || out.status === 0) return;
      if (out.failedAliases.length === 0) throw new Error(`helm ${job.version} template failed:\n${out.stderr}`);
      for (const alias of out.failedAliases) {
        const run = job.runs[job.batch.aliases.indexOf(alias)];
        if (!run) continue;
        const which = job.off
          ? `the values with connection ${run.offName} off`
          : 'cilium' in job
            ? 'the values with policyEngine cilium'
            : 'the values';
        problem(run, 'valid', `Helm ${job.version} refuses ${which}:\n${excerpt(out.stderr, alias)}`);
        refused.add(run);
      }
    });
    if (refused.size === 0) {
      const [main4, off4, main3, cilium4] = outs;
      stats.renders4 += pending.length + withOff.length + withCilium.length;
      stats.renders3 += pending.length;
      pending.forEach((run, i) => {
        run.main4 = main4?.outputs[i];
        run.main3 = main3?.outputs[i];
      });
      withCilium.forEach((run, i) => {
        run.cilium4 = cilium4?.outputs[i];
      });
      withOff.forEach((run, i) => {
        run.off4 = off4?.outputs[i];
      });
      return;
    }
    pending = pending.filter((r) => !refused.has(r));
  }
}

function excerpt(stderr: string, alias: string): string {
  const lines = stderr.split('\n').filter((line) => !line.includes('coalesce.go'));
  const at = lines.findIndex((line) => line.includes(alias));
  return lines
    .slice(Math.max(0, at - 1), at + 12)
    .map((line) => `    ${line}`)
    .join('\n');
}

// ---- the checks ----------------------------------------------------------------------------------
//
// (a) and (b) look at the policies as src/verify/readers/load.ts reads them (faithfully: a missing from/to
// stays missing, an empty list stays empty) and at the text for what the loader does not keep
// (apiVersion, kind, metadata.namespace, the rule comments): parsing each render a second time with
// the yaml library would double the cost of the checks.

/** The documents of a render, as text (the chart writes one NetworkPolicy per document). */
function documentTexts(output: AliasOutput): string[] {
  return output.text.split(/^---\n/m).filter((part) => part.trim() !== '');
}

const nonEmptySelector = (s: LabelSelector | undefined): boolean =>
  s !== undefined && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0);

/** (a): the structure of every rendered policy. */
function checkStructure(
  run: Run,
  output: AliasOutput,
  policies: NetworkPolicy[] | undefined,
  values: ValuesOutput,
  label: string,
): void {
  const say = (text: string): void => problem(run, 'a', `${label}: ${text}`);
  if (!output.utf8) say('Helm printed bytes that are not UTF-8');
  const texts = documentTexts(output);
  const enabled = Object.values(values.components).filter((c) => c.enabled !== false).length;
  const expected = enabled + (values.defaultDeny.enabled ? 1 : 0);
  if (texts.length !== expected) say(`${texts.length} documents, expected ${expected} (enabled components + deny-all)`);
  texts.forEach((text, i) => {
    if (!/^apiVersion: networking\.k8s\.io\/v1$/m.test(text) || !/^kind: NetworkPolicy$/m.test(text))
      say(`document ${i} is not a networking.k8s.io/v1 NetworkPolicy`);
    if (!new RegExp(`^metadata:\n(?:  .*\n)*?  namespace: "?${NAMESPACE}"?$`, 'm').test(text))
      say(`document ${i} has no metadata.namespace: ${NAMESPACE}`);
  });
  if (!policies) {
    say('cannot check the rules: src/verify/readers/load.ts refuses the render (see (c))');
    return;
  }
  if (policies.length !== texts.length) say(`load.ts read ${policies.length} policies from ${texts.length} documents`);
  for (const policy of policies) {
    const name = policy.name;
    if (!isDeepStrictEqual(policy.policyTypes, ['Ingress', 'Egress']))
      say(`${name}: policyTypes is ${JSON.stringify(policy.policyTypes)}`);
    const denyAll = values.defaultDeny.enabled && name === values.defaultDeny.policyName;
    if (!denyAll && !nonEmptySelector(policy.podSelector)) say(`${name}: spec.podSelector selects every pod`);
    for (const direction of ['ingress', 'egress'] as const) {
      const rules: (IngressRule & EgressRule)[] | undefined = policy[direction];
      if (rules === undefined) continue;
      if (denyAll) say(`${name}: the deny-all policy has ${direction} rules`);
      if (rules.length === 0) say(`${name}: spec.${direction} is present but empty`);
      rules.forEach((rule, i) => {
        const where = `${name}: ${direction}[${i}]`;
        const field = direction === 'ingress' ? 'from' : 'to';
        const peers = rule[field];
        if (!peers || peers.length === 0) say(`${where}.${field} is missing or empty (allows every peer)`);
        else
          peers.forEach((peer, j) => {
            if (Object.keys(peer).length === 0) say(`${where}.${field}[${j}] is empty`);
            else if (peer.ipBlock) {
              if (Object.keys(peer).length !== 1) say(`${where}.${field}[${j}]: an ipBlock must be alone in its peer`);
            } else if (!nonEmptySelector(peer.podSelector))
              say(
                `${where}.${field}[${j}] has no non-empty podSelector (a namespaceSelector alone admits whole namespaces)`,
              );
            else if (peer.namespaceSelector && !nonEmptySelector(peer.namespaceSelector))
              say(`${where}.${field}[${j}].namespaceSelector selects every namespace`);
          });
        if (!rule.ports || rule.ports.length === 0) say(`${where}.ports is missing or empty (all ports)`);
        else
          rule.ports.forEach((port, j) => {
            if (port.port === undefined) say(`${where}.ports[${j}] has no port (all ports of its protocol)`);
          });
      });
    }
  }
}

/** The rule comments (`# <name>: <description>`) of each direction of a policy document, in order. */
function ruleNames(text: string): { ingress: string[]; egress: string[] } {
  const names = { ingress: [] as string[], egress: [] as string[] };
  let section: 'ingress' | 'egress' | undefined;
  for (const line of text.split('\n')) {
    if (line === '  ingress:' || line === '  egress:') section = line.trim().slice(0, -1) as 'ingress' | 'egress';
    else if (/^ {0,2}\S/.test(line)) section = undefined;
    else if (section) {
      const comment = /^ {4}# (.*)$/.exec(line);
      if (comment) names[section].push((comment[1] ?? '').split(':')[0] ?? '');
    }
  }
  return names;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Canonical JSON (object keys sorted), for comparing rendered YAML with the values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** (b): both sides of every connection between two enabled components. */
function checkBothSides(run: Run, output: AliasOutput, policies: NetworkPolicy[], values: ValuesOutput): void {
  const texts = documentTexts(output);
  const byName = new Map(policies.map((policy, i) => [policy.name, { policy, text: texts[i] ?? '' }]));
  const policyName = (component: string): string =>
    values.components[component]?.policyName ?? `${component}-network-policy`;
  const sideHas = (
    component: string,
    direction: 'ingress' | 'egress',
    connection: ExpandedConnection,
    peer: ResolvedEndpoint,
  ): string | undefined => {
    const name = policyName(component);
    const found = byName.get(name);
    if (!found) return `no policy ${name} for component ${component}`;
    const rules: (IngressRule & EgressRule)[] = found.policy[direction] ?? [];
    const names = ruleNames(found.text)[direction];
    if (names.length !== rules.length)
      return `${name}: ${names.length} rule comments for ${rules.length} ${direction} rules`;
    const wantPeers = canonical([{ podSelector: peer.kind === 'component' ? peer.podSelector : undefined }]);
    const wantPorts = canonical(connection.ports);
    const field = direction === 'ingress' ? 'from' : 'to';
    const candidates = rules.filter((_, i) => names[i] === connection.name);
    if (candidates.length === 0) return `${name} has no ${direction} rule commented "# ${connection.name}"`;
    const match = candidates.some(
      (rule) => canonical(rule[field]) === wantPeers && canonical(rule.ports) === wantPorts,
    );
    return match
      ? undefined
      : `${name}: the ${direction} rule "# ${connection.name}" is ${canonical(candidates[0])}, expected ${field} ${wantPeers} ports ${wantPorts}`;
  };
  for (const connection of expandConnections(values, { namespace: NAMESPACE })) {
    if (connection.from.kind !== 'component' || connection.to.kind !== 'component') continue;
    if (!Object.hasOwn(values.connections, connection.name)) continue;
    run.checked.add('b');
    for (const missing of [
      sideHas(connection.from.name, 'egress', connection, connection.to),
      sideHas(connection.to.name, 'ingress', connection, connection.from),
    ]) {
      if (missing) problem(run, 'b', `connection ${connection.name}: ${missing}`);
    }
  }
}

type Verified = { analysis: Analysis; policies: NetworkPolicy[] };

/** The workloads verify would synthesize, with container ports for the named ports. */
function inventoryOf(values: ValuesOutput): {
  namespaces: ReturnType<typeof synthesizeFromValues>['namespaces'];
  workloads: Workload[];
} {
  const inventory = synthesizeFromValues(values, { namespace: NAMESPACE });
  return { namespaces: inventory.namespaces, workloads: workloadsWithNamedPorts(inventory.workloads, values) };
}

/**
 * The policies of a render as verify reads them; `objects` receives every object as parsed (for
 * (f)), even when the loader then refuses the render.
 */
function loadPolicies(
  run: Run,
  output: AliasOutput,
  label: string,
  objects: Record<string, unknown>[],
  property: PropertyId = 'c',
): NetworkPolicy[] | undefined {
  try {
    return loadManifestText(output.text, `${label}.yaml`, {
      defaultNamespace: NAMESPACE,
      onObject: (object) => objects.push(object),
    }).policies;
  } catch (error) {
    problem(
      run,
      property,
      `${label}: src/verify/readers/load.ts refuses the chart's output: ${(error as Error).message}`,
    );
    return undefined;
  }
}

/** (c): zero undeclared-flow and zero missing-flow findings. */
function checkIntent(
  run: Run,
  policies: NetworkPolicy[],
  values: ValuesOutput,
  cidrs: string[],
  label: string,
): Verified {
  const analysis = analyze({ policies, ...inventoryOf(values), cidrs });
  const findings = intentFindings(analysis, values, { namespace: NAMESPACE }).filter(
    (f) => f.code === 'undeclared-flow' || f.code === 'missing-flow',
  );
  for (const f of findings.slice(0, 6)) problem(run, 'c', `${label}: ${f.code}: ${f.message}`);
  if (findings.length > 6) problem(run, 'c', `${label}: … and ${findings.length - 6} more findings`);
  return { analysis, policies };
}

const endpointKey = (e: Endpoint): string =>
  e.kind === 'pod' ? `p${e.cls.id}` : e.kind === 'ip' ? `i${e.index}` : `s${e.name}`;

function describeEndpoint(e: Endpoint): string {
  if (e.kind === 'pod') return e.cls.workloads.map((w) => `${w.namespace}/${w.name}`).join('+');
  if (e.kind === 'symbol') return e.name;
  return rangeToCidrs(e.atom).slice(0, 3).join(', ') + (rangeToCidrs(e.atom).length > 3 ? ', …' : '');
}

/** Is the analyzer's endpoint one that a connection's end names (a network: its ipBlocks only)? */
function matchesEnd(end: ResolvedEndpoint, e: Endpoint): boolean {
  if (end.kind === 'network') return e.kind === 'ip' && end.ipBlocks.some((block) => inBlock(block, e.atom));
  if (e.kind !== 'pod') return false;
  const inNamespace =
    end.kind === 'component' || !end.namespaceSelector
      ? e.cls.namespace === NAMESPACE
      : matchesSelector(end.namespaceSelector, e.cls.namespaceLabels);
  return inNamespace && matchesSelector(end.podSelector, e.cls.labels);
}

/**
 * The pairs of endpoints two analyses of the same inventory and address atoms compare, by
 * position (`from` and `to` of the first, and their counterparts in the second); never two
 * address atoms, between which no policy decides anything.
 */
function* endpointPairs(a: Endpoint[], b: Endpoint[]): Generator<[Endpoint, Endpoint, Endpoint, Endpoint]> {
  for (let i = 0; i < a.length; i += 1) {
    for (let j = 0; j < a.length; j += 1) {
      const [fa, ta, fb, tb] = [a[i], a[j], b[i], b[j]];
      if (!fa || !ta || !fb || !tb || (fa.kind === 'ip' && ta.kind === 'ip')) continue;
      yield [fa, ta, fb, tb];
    }
  }
}

/** What the expanded connections declare between the analysis's endpoints (the reference of (e)). */
function declared(analysis: Analysis, values: ValuesOutput): Map<string, PortSet> {
  const endpoints = analysis.endpoints();
  const result = new Map<string, PortSet>();
  for (const c of expandConnections(values, { namespace: NAMESPACE })) {
    const froms = endpoints.filter((e) => matchesEnd(c.from, e));
    const tos = endpoints.filter((e) => matchesEnd(c.to, e));
    for (const to of tos) {
      const ports = portsOf(c.ports, to);
      if (ports.isEmpty()) continue;
      for (const from of froms) {
        const key = `${endpointKey(from)}>${endpointKey(to)}`;
        result.set(key, (result.get(key) ?? PortSet.none()).union(ports));
      }
    }
  }
  return result;
}

/** (e): the connectivity with one connection off differs by exactly what it alone allowed. */
function checkOneOff(
  run: Run,
  before: Analysis,
  after: Analysis,
  valuesBefore: ValuesOutput,
  valuesAfter: ValuesOutput,
): void {
  run.checked.add('e');
  const refBefore = declared(before, valuesBefore);
  const refAfter = declared(after, valuesAfter);
  const a = before.endpoints();
  const b = after.endpoints();
  if (a.length !== b.length) {
    problem(run, 'e', `the two analyses have ${a.length} and ${b.length} endpoints`);
    return;
  }
  let reported = 0;
  let removedSome = false;
  for (const [fa, ta, fb, tb] of endpointPairs(a, b)) {
    const allowedBefore = before.allowed(fa, ta);
    const allowedAfter = after.allowed(fb, tb);
    const key = `${endpointKey(fa)}>${endpointKey(ta)}`;
    const removed = allowedBefore.subtract(allowedAfter);
    const expected = (refBefore.get(key) ?? PortSet.none()).subtract(refAfter.get(key) ?? PortSet.none());
    const added = allowedAfter.subtract(allowedBefore);
    removedSome ||= !removed.isEmpty();
    if ((added.isEmpty() && removed.equals(expected)) || reported >= 4) continue;
    reported += 1;
    problem(
      run,
      'e',
      `${describeEndpoint(fa)} → ${describeEndpoint(ta)} with ${run.offName} off: removed [${removed.toString()}], expected [${expected.toString()}]` +
        (added.isEmpty() ? '' : `, and newly allowed [${added.toString()}]`),
    );
  }
  if (removedSome && run.index !== undefined) stats.offRemoved += 1;
}

/**
 * (f): every object of one render validates with zero issues, and there is one object per document
 * (none skipped). `objects` are the render's objects as parsed (by load.ts for (c), or here).
 */
function checkValidity(run: Run, output: AliasOutput, objects: Record<string, unknown>[], label: string): void {
  run.checked.add('f');
  const documents = documentTexts(output).length;
  if (objects.length !== documents) {
    problem(run, 'f', `${label}: ${objects.length} objects parsed from ${documents} documents`);
  }
  let reported = 0;
  objects.forEach((object, i) => {
    const issues = validateKubernetesObject(object);
    const name = (object['metadata'] as { name?: unknown } | undefined)?.name;
    for (const issue of issues) {
      if (reported++ < 8) problem(run, 'f', `${label}: object ${i} (${String(name)}): ${formatIssue(issue)}`);
    }
  });
  if (reported > 8) problem(run, 'f', `${label}: … and ${reported - 8} more issues`);
  if (run.index !== undefined) {
    stats.objectsValidated += objects.length;
    stats.rendersValidated += 1;
  }
}

/** The symbolic flows the values declare (networks' fqdns and entities): `from>to` → ports. */
function declaredSymbolFlows(analysis: Analysis, values: ValuesOutput): Map<string, PortSet> {
  const pods = analysis.podEndpoints();
  const podsOf = (end: ResolvedEndpoint): Endpoint[] => pods.filter((e) => matchesEnd(end, e));
  // Symbol names as verify writes them (src/verify/readers/cilium/); which flows they carry is this test's.
  const symbolsOf = (end: ResolvedEndpoint, side: 'from' | 'to'): string[] =>
    end.kind !== 'network'
      ? []
      : [...(side === 'to' ? end.fqdns.map(fqdnSymbol) : []), ...end.entities.map(entitySymbol)];
  const result = new Map<string, PortSet>();
  const add = (from: string, to: string, ports: PortSet): void => {
    const key = `${from}>${to}`;
    result.set(key, (result.get(key) ?? PortSet.none()).union(ports));
  };
  for (const c of expandConnections({ ...values, policyEngine: 'cilium' }, { namespace: NAMESPACE })) {
    for (const symbol of symbolsOf(c.to, 'to')) {
      for (const from of podsOf(c.from)) add(endpointKey(from), `s${symbol}`, portsOf(c.ports, undefined));
    }
    for (const symbol of symbolsOf(c.from, 'from')) {
      for (const to of podsOf(c.to)) add(`s${symbol}`, endpointKey(to), portsOf(c.ports, to));
    }
  }
  return result;
}

/**
 * (g): the cilium render's analysis against the kubernetes render's: the same ports between every
 * pair of pod classes and address atoms, and between pods and symbolic endpoints exactly what the
 * values declare.
 */
function checkEngines(run: Run, kubernetes: Analysis, cilium: Analysis, values: ValuesOutput): void {
  run.checked.add('g');
  const a = [...kubernetes.podEndpoints(), ...kubernetes.addressEndpoints()];
  const b = [...cilium.podEndpoints(), ...cilium.addressEndpoints()];
  if (a.length !== b.length) {
    problem(run, 'g', `the two analyses have ${a.length} and ${b.length} endpoints (pod classes and atoms)`);
    return;
  }
  let reported = 0;
  const say = (text: string): void => {
    if (reported++ < 6) problem(run, 'g', text);
  };
  for (const [fa, ta, fb, tb] of endpointPairs(a, b)) {
    const k = kubernetes.allowed(fa, ta);
    const c = cilium.allowed(fb, tb);
    if (!k.equals(c))
      say(
        `${describeEndpoint(fa)} → ${describeEndpoint(ta)}: kubernetes allows [${k.toString()}], cilium [${c.toString()}]`,
      );
  }
  const expected = declaredSymbolFlows(cilium, values);
  const seen = new Set<string>();
  const pods = cilium.podEndpoints();
  for (const symbol of cilium.symbolEndpoints()) {
    for (const pod of pods) {
      for (const [from, to] of [
        [pod, symbol],
        [symbol, pod],
      ] as const) {
        const key = `${endpointKey(from)}>${endpointKey(to)}`;
        seen.add(key);
        const got = cilium.allowed(from, to);
        // A pod no policy isolates in that direction (a peer, the DNS pods…) may reach (be reached by) anything.
        const open =
          pod === from
            ? !cilium.isolated(pod.cls, 'egress')
            : !cilium.isolated(pod.cls, 'ingress') && !symbol.name.startsWith('fqdn:');
        const want = open ? PortSet.all() : (expected.get(key) ?? PortSet.none());
        if (!got.equals(want))
          say(
            `${describeEndpoint(from)} → ${describeEndpoint(to)}: cilium allows [${got.toString()}], the values declare [${want.toString()}]`,
          );
      }
    }
  }
  for (const [key, ports] of expected) {
    if (!seen.has(key) && !ports.isEmpty())
      say(`${key}: declared [${ports.toString()}], but the cilium render names no such endpoint`);
  }
  if (reported > 6) problem(run, 'g', `… and ${reported - 6} more differences`);
}

/** (h): every object of the cilium render passes the CRD schema of Cilium v1.20.2. */
function checkCiliumSchema(run: Run, output: AliasOutput, objects: Record<string, unknown>[]): void {
  run.checked.add('h');
  const documents = documentTexts(output).length;
  if (objects.length !== documents) problem(run, 'h', `${objects.length} objects parsed from ${documents} documents`);
  let reported = 0;
  objects.forEach((object, i) => {
    const name = (object['metadata'] as { name?: unknown } | undefined)?.name;
    if (object['kind'] !== 'CiliumNetworkPolicy' || object['apiVersion'] !== 'cilium.io/v2')
      problem(run, 'h', `object ${i} (${String(name)}) is a ${String(object['apiVersion'])} ${String(object['kind'])}`);
    for (const issue of validateCiliumNetworkPolicy(object)) {
      if (reported++ < 8) problem(run, 'h', `object ${i} (${String(name)}): ${formatIssue(issue)}`);
    }
  });
  if (reported > 8) problem(run, 'h', `… and ${reported - 8} more issues`);
}

/** The objects of a render parsed on their own (when no load.ts parse of the same text exists). */
function parseObjects(run: Run, output: AliasOutput, label: string): Record<string, unknown>[] {
  try {
    return readManifestObjects(output.text, `${label}.yaml`);
  } catch (error) {
    problem(run, 'f', `${label}: the render is not YAML objects: ${(error as Error).message}`);
    return [];
  }
}

/** Every check of a rendered run. */
function check(run: Run): void {
  const { values, main4, main3, off4 } = run;
  if (!values || !main4 || !main3) return;
  run.checked.add('a').add('c').add('d').add('f');
  if (run.cilium4) run.checked.add('g').add('h');
  if (main4.raw !== main3.raw) {
    const lines4 = main4.raw.split('\n');
    const lines3 = main3.raw.split('\n');
    const at = lines4.findIndex((line, i) => line !== lines3[i]);
    problem(run, 'd', `first difference at line ${at + 1}:\n    helm 4: ${lines4[at]}\n    helm 3: ${lines3[at]}`);
  }
  const offValues = run.offValues ? Values.parse(run.offValues) : undefined;
  const objects: Record<string, unknown>[] = [];
  const offObjects: Record<string, unknown>[] = [];
  const policies = timed('load', () => loadPolicies(run, main4, 'values', objects));
  const offPolicies = timed('load', () =>
    off4 ? loadPolicies(run, off4, `${run.offName}-off`, offObjects) : undefined,
  );
  timed('f', () => {
    checkValidity(run, main4, objects, 'values (Helm 4)');
    // Helm 3's render: the same objects when its text is Helm 4's ((d) checks that it is).
    const objects3 = main3.text === main4.text ? objects : parseObjects(run, main3, 'values (Helm 3)');
    checkValidity(run, main3, objects3, 'values (Helm 3)');
    if (off4) checkValidity(run, off4, offObjects, `${run.offName}-off (Helm 4)`);
  });
  timed('a+b', () => {
    checkStructure(run, main4, policies, values, 'values');
    if (off4 && offValues) checkStructure(run, off4, offPolicies, offValues, `${run.offName}-off`);
    if (policies) checkBothSides(run, main4, policies, values);
  });
  if (!policies) return;
  const cidrs = blockCidrs(policies);
  const before = timed('c', () => checkIntent(run, policies, values, cidrs, 'values'));
  if (run.cilium4) {
    const ciliumObjects: Record<string, unknown>[] = [];
    const ciliumPolicies = timed('load', () =>
      loadPolicies(run, run.cilium4 as AliasOutput, 'cilium', ciliumObjects, 'g'),
    );
    timed('h', () => checkCiliumSchema(run, run.cilium4 as AliasOutput, ciliumObjects));
    if (ciliumPolicies) {
      timed('g', () => {
        const shared = [...cidrs, ...blockCidrs(ciliumPolicies)];
        const kubernetes = analyze({ policies, ...inventoryOf(values), cidrs: shared });
        const cilium = analyze({ policies: ciliumPolicies, ...inventoryOf(values), cidrs: shared });
        checkEngines(run, kubernetes, cilium, values);
      });
    }
  }
  if (!offPolicies || !offValues) return;
  const after = timed('c', () => checkIntent(run, offPolicies, offValues, cidrs, `values with ${run.offName} off`));
  timed('e', () => checkOneOff(run, before.analysis, after.analysis, values, offValues));
}

// ---- reporting -------------------------------------------------------------------------------------

function failureMessage(run: Run, property: PropertyId): string {
  const which =
    run.index === undefined ? 'a case fast-check shrank from a failing run' : `run #${run.index} of seed ${SEED}`;
  const lines = [
    `${PROPERTIES[property]}: FAILED for ${which}`,
    ...(run.problems[property] ?? []).map((p) => `  - ${p}`),
    ...(property === 'e' || (run.problems[property] ?? []).some((p) => p.includes('-off'))
      ? [`(e) turns off connection: ${run.offName}`]
      : []),
    `values (helm template fineract-netpol chart -n ${NAMESPACE} -f <this file>):`,
    valuesYaml(overrideOf(run.case.values)),
    `reproduce: FNP_PROPERTY_SEED=${SEED}${run.index === undefined ? '' : ` FNP_PROPERTY_RUNS=${run.index + 1}`} scripts/run npx vitest run test/property.test.ts` +
      ' (or FNP_PROPERTY_PATH=<the path fast-check prints below>)',
  ];
  return lines.join('\n');
}

/** The run of a case: precomputed, or rendered and checked now (shrinking), within the budget. */
async function runOf(c: RunCase, budget: { left: number }): Promise<Run | undefined> {
  const known = runs.get(keyOf(c));
  if (known) return known;
  if (budget.left <= 0) return undefined;
  budget.left -= 1;
  stats.shrinkRenders += 1;
  const run = newRun(c, undefined);
  await render([run]);
  check(run);
  runs.set(keyOf(c), run);
  return run;
}

async function assertProperty(property: PropertyId): Promise<void> {
  const budget = { left: SHRINK_RENDERS };
  await fc.assert(
    fc.asyncProperty(ARBITRARY, async (c) => {
      const run = await runOf(c, budget);
      if (!run) return; // shrink budget spent: treated as passing, so shrinking stops here
      if (run.problems[property]) throw new Error(failureMessage(run, property));
    }),
    FC_PARAMS,
  );
}

function count(property: PropertyId): number {
  return [...runs.values()].filter((r) => r.index !== undefined && r.checked.has(property)).length;
}

// ---- the tests -------------------------------------------------------------------------------------

describe(`property: ${RUNS} random valid values, rendered by Helm 4 and Helm 3, verified (seed ${SEED})`, () => {
  beforeAll(async () => {
    console.log(
      `[property] seed ${SEED}, ${RUNS} runs${REPLAY_PATH ? `, replaying path ${REPLAY_PATH}` : ''} — reproduce with FNP_PROPERTY_SEED=${SEED} FNP_PROPERTY_RUNS=${RUNS} scripts/run npx vitest run test/property.test.ts`,
    );
    renderer = new BatchRenderer({ namespace: NAMESPACE, chartDir: CHART });
    let started = performance.now();
    // 1. The cases fast-check generates for this seed (the same sequence every fc.assert below sees).
    const cases: RunCase[] = [];
    fc.assert(
      fc.property(ARBITRARY, (c) => {
        cases.push(c);
      }),
      FC_PARAMS,
    );
    const all = cases.map((c, index) => newRun(c, index));
    for (const run of all) if (!runs.has(keyOf(run.case))) runs.set(keyOf(run.case), run);
    timings['generate'] = performance.now() - started;

    // 2. Render in batches (Helm 4 and Helm 3 at once); check batch k while batch k+1 renders.
    started = performance.now();
    let checking = 0;
    const batches: Run[][] = [];
    for (let i = 0; i < all.length; i += BATCH_RUNS) batches.push(all.slice(i, i + BATCH_RUNS));
    let next = batches[0] ? render(batches[0]) : Promise.resolve();
    for (let k = 0; k < batches.length; k += 1) {
      await next;
      next = batches[k + 1] ? render(batches[k + 1] as Run[]) : Promise.resolve();
      const t = performance.now();
      for (const run of batches[k] ?? []) check(run);
      checking += performance.now() - t;
    }
    await next;
    timings['render+check'] = performance.now() - started;
    timings['check'] = checking;
  }, 1_800_000);

  afterAll(() => {
    renderer?.dispose();
    const seconds = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
    const lines = [
      `[property] seed ${SEED}: ${RUNS} runs; Helm 4 rendered ${stats.renders4} values, Helm 3 ${stats.renders3} (${stats.shrinkRenders} while shrinking)`,
      `[property] time: generate ${seconds(timings['generate'])}, render+check ${seconds(timings['render+check'])} (Helm wall ${seconds(stats.helmMillis)}; checks ${seconds(timings['check'])}: (a)+(b) ${seconds(timings['a+b'])}, load ${seconds(timings['load'])}, analyze+intent ${seconds(timings['c'])}, (e) ${seconds(timings['e'])}, (f) ${seconds(timings['f'])}, (g) ${seconds(timings['g'])}, (h) ${seconds(timings['h'])})`,
      `[property] (f) validated ${stats.objectsValidated} objects of ${stats.rendersValidated} renders (Helm 4: values and one-connection-off variants; Helm 3: values)`,
      ...(Object.keys(PROPERTIES) as PropertyId[]).map(
        (p) =>
          `[property]   ${PROPERTIES[p]}: ${count(p)} runs checked, ${[...runs.values()].filter((r) => r.index !== undefined && r.problems[p]).length} failed` +
          (p === 'e' ? ` (in ${stats.offRemoved} the connection off removed some connectivity)` : ''),
      ),
    ];
    console.log(lines.join('\n'));
  });

  for (const property of Object.keys(PROPERTIES) as PropertyId[]) {
    it(
      PROPERTIES[property],
      async () => {
        await assertProperty(property);
        // Each property must really be exercised, not vacuously true: with the default run count,
        // every property is checked on at least 1,000 runs.
        if (!REPLAY_PATH) {
          const needed =
            property === 'b' || property === 'e'
              ? Math.ceil(RUNS * MIN_SHARE_B_E)
              : property === 'g' || property === 'h'
                ? CILIUM_RUNS
                : RUNS;
          expect(count(property)).toBeGreaterThanOrEqual(needed);
        }
      },
      600_000,
    );
  }
});

describe('batch rendering (test/helpers/batch-render.ts) equals standalone helm template', () => {
  it('renders each alias byte-identical to a standalone render, with Helm 4 and Helm 3', async () => {
    const cases = fc.sample(ARBITRARY, { seed: SEED + 1, numRuns: 5 }).map((c) => overrideOf(c.values));
    // …plus the chart's defaults, and an override deleting defaults with null.
    cases.push(
      {},
      {
        components: { keycloak: null },
        connections: {
          'fineract-to-keycloak': null,
          'keycloak-to-rds': null,
          'keycloak-admin-from-ingress': null,
          'keycloak-to-oidc-federation': null,
          'oauth2-proxy-to-keycloak': null,
        },
        dns: { namespace: null, namespaceSelector: { matchLabels: { team: 'dns' } } },
      },
    );
    const local = new BatchRenderer({ namespace: NAMESPACE });
    const dir = mkdtempSync(join(tmpdir(), 'fineract-netpol-standalone-'));
    try {
      const batch = local.prepare(cases);
      for (const version of [4, 3] as const) {
        const out = await batch.template(version);
        expect(out.stderr.split('\n').filter((l) => l && !l.includes('coalesce.go'))).toEqual([]);
        expect(out.status).toBe(0);
        cases.forEach((values, i) => {
          const file = join(dir, `values-${i}.json`);
          writeFileSync(file, helmJson(values));
          const standalone = helmTemplate({ helm: version, namespace: NAMESPACE, valuesFiles: [file] });
          expect(standalone.status, standalone.stderr).toBe(0);
          expect(out.outputs[i]?.text, `alias ${out.outputs[i]?.alias}, Helm ${version}`).toBe(standalone.stdout);
          if (standalone.stdout !== '')
            expect(out.outputs[i]?.raw).toContain(`helm.sh/chart: ${out.outputs[i]?.alias}-`);
        });
      }
    } finally {
      local.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('minimal values of the bugs the property test found', () => {
  /** Renders with Helm 4 and Helm 3 (standalone), then verifies as property (c) does. */
  function renderAndVerify(values: ValuesInput): NetworkPolicy[] {
    const dir = mkdtempSync(join(tmpdir(), 'fineract-netpol-minimal-'));
    try {
      const file = join(dir, 'values.json');
      writeFileSync(file, helmJson(overrideOf(values)));
      const [four, three] = ([4, 3] as const).map((helm) =>
        helmTemplate({ helm, namespace: NAMESPACE, valuesFiles: [file] }),
      );
      expect(four?.status, four?.stderr).toBe(0);
      expect(three?.stdout).toBe(four?.stdout);
      const parsed = Values.parse(values);
      const { policies } = loadManifestText(four?.stdout ?? '', 'minimal.yaml', { defaultNamespace: NAMESPACE });
      const analysis = analyze({ policies, ...inventoryOf(parsed) });
      const findings = intentFindings(analysis, parsed, { namespace: NAMESPACE });
      expect(findings.filter((f) => f.code === 'undeclared-flow' || f.code === 'missing-flow')).toEqual([]);
      return policies;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const api = (podSelector: object, description?: string): ValuesInput => ({
    components: { api: { podSelector } },
    peers: {},
    networks: {},
    connections: {
      self: { from: { component: 'api' }, to: { component: 'api' }, ports: [{ port: 8080 }], description },
    },
  });

  it('a description with a multi-byte character at the 200th position renders (chart: `trunc 200` cut bytes)', () => {
    renderAndVerify(api({ matchLabels: { app: 'api' } }, `${'a'.repeat(199)}é and more`));
  });

  it('verify reads the policy of a 63-character component (load.ts: 63-character limit per name part)', () => {
    const name = `c${'0'.repeat(62)}`;
    const values = api({ matchLabels: { app: 'api' } });
    values.components = { [name]: { podSelector: { matchLabels: { app: 'api' } } } };
    values.connections = { self: { from: { component: name }, to: { component: name }, ports: [{ port: 8080 }] } };
    const policies = renderAndVerify(values);
    expect(policies.map((p) => p.name)).toEqual([`${name}-network-policy`]);
  });

  it('verify reads label values like e5 and E-2 as strings (load.ts: YAML 1.1 floats without digits)', () => {
    const policies = renderAndVerify(api({ matchLabels: { app: 'e5', tier: 'E-2' } }));
    expect(policies[0]?.podSelector).toEqual({ matchLabels: { app: 'e5', tier: 'E-2' } });
  });
});
