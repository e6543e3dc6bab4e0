// The bad-values corpus: every case of test/fixtures/bad-values (plus a few
// generated here because they are huge or deep) states what each layer of checks does with it —
// the JSON Schema as Helm 3 and as Helm 4 check it, the chart's own checks with the schema skipped
// (on both Helm versions), and `fineract-netpol validate` — and this suite runs every layer for
// real and holds it to that statement: a refusal must name the offending path, a pass must pass.
// Header grammar: test/helpers/corpus.ts. What each layer checks, and why: docs/values-checks.md.
//
// Run: scripts/run npx vitest run test/bad-values.test.ts
//
// Across layers it also asserts that validate is never weaker than Helm (every file a layer
// refuses, validate refuses, naming the same paths), that what validate accepts every layer
// accepts, that nothing crashes a template, and that the cases name every field of the model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR } from '../src/paths.ts';
import { parseDocument } from 'yaml';
import { enforcedByChart, RULES, ruleById } from '../src/model/rules/index.ts';
import { formatPath } from '../src/values/paths.ts';
import { checkValues, type ValuesIssue } from '../src/values/check.ts';
import { HELM_YAML, helmData } from '../src/values/yaml.ts';
import { validateValuesFiles, type ValidationResult } from '../src/values/report/index.ts';
import {
  HELM_LAYERS,
  parseCase,
  readCorpus,
  validateRefuses,
  type CorpusCase,
  type HelmLayer,
} from './helpers/corpus.ts';
import { helmAsync, pool } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const scratch = mkdtempSync(join(tmpdir(), 'fineract-netpol-bad-values-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// --- generated cases: too big to commit, written to a temporary folder ---------------------------

const ONE_MB = 1024 * 1024;
const DEEP = 2000;

/** [name, header + body]: the header follows the corpus grammar; line numbers count the header. */
const GENERATED: [string, string][] = [
  [
    'huge-annotation.yaml',
    [
      '# A 1.1 MB annotation: above the schema limit for one value and the API server limit for all.',
      '# expect: 8:1 commonAnnotations  above the 262144 (256 KiB) the API server allows',
      '# expect: 9:3 commonAnnotations["example.com/runbook"]  characters long; at most 4096 are allowed',
      '# rules: annotations-size',
      '# helm3-schema: refuses commonAnnotations["example.com/runbook"]  String length must be less than or equal to 4096',
      '# helm4-schema: refuses commonAnnotations["example.com/runbook"]  want 4,096',
      '# chart-helper: refuses commonAnnotations  above the 262144 (256 KiB)',
      'commonAnnotations:',
      `  example.com/runbook: ${'x'.repeat(1.1 * ONE_MB)}`,
    ].join('\n'),
  ],
  [
    'huge-description.yaml',
    [
      '# A 1.1 MB description: the schema and validate refuse it; the chart would cut the comment.',
      '# expect: 9:5 components.fineract.description  characters long; at most 500 are allowed',
      '# rules: none',
      '# helm3-schema: refuses components.fineract.description  String length must be less than or equal to 500',
      '# helm4-schema: refuses components.fineract.description  want 500',
      '# chart-helper: passes',
      'components:',
      '  fineract:',
      `    description: ${'a'.repeat(1.1 * ONE_MB)}`,
    ].join('\n'),
  ],
  [
    'huge-many-peers.yaml',
    [
      '# 1 MB of peers (4,500 of them), the last one selecting every pod.',
      '# expect: 4508:5 peers.peer-4499.podSelector  selects every pod',
      '# rules: pods-select-all',
      '# helm3-schema: passes',
      '# helm4-schema: passes',
      '# chart-helper: refuses peers.peer-4499.podSelector  selects every pod of its namespace(s)',
      'peers:',
      ...Array.from(
        { length: 4499 },
        (_, i) =>
          `  peer-${i}: {namespace: ns-${i}, description: ${'d'.repeat(80)}, podSelector: {matchLabels: {app.kubernetes.io/name: peer-${i}, team: team-${i % 17}, tier: ${'t'.repeat(60)}}}}`,
      ),
      '  peer-4499:',
      '    podSelector: {}',
    ].join('\n'),
  ],
  [
    'deep-nesting.yaml',
    [
      `# A label value nested ${DEEP} mappings deep: the YAML reader of validate gives up, the rest refuse the type.`,
      '# unreadable: not valid YAML: nested too deeply to read',
      '# helm3-schema: refuses commonLabels.team  Invalid type. Expected: string, given: object',
      '# helm4-schema: refuses commonLabels.team  got object, want string',
      '# chart-helper: refuses commonLabels.team  expected a string, got a mapping',
      'commonLabels:',
      `  team: ${'{a: '.repeat(DEEP)}x${'}'.repeat(DEEP)}`,
    ].join('\n'),
  ],
  [
    'deep-nesting-readable.yaml',
    [
      '# A label value nested 300 mappings deep: deep, but within what every reader follows.',
      '# expect: 8:3 commonLabels.team  expected a string, got a mapping',
      '# rules: none',
      '# helm3-schema: refuses commonLabels.team  Invalid type. Expected: string, given: object',
      '# helm4-schema: refuses commonLabels.team  got object, want string',
      '# chart-helper: refuses commonLabels.team  expected a string, got a mapping',
      'commonLabels:',
      `  team: ${'{a: '.repeat(300)}x${'}'.repeat(300)}`,
    ].join('\n'),
  ],
];

const generated = GENERATED.map(([name, text]) => {
  const file = join(scratch, name);
  writeFileSync(file, `${text}\n`);
  return parseCase(text, file, `${name} (generated)`);
});

const cases: CorpusCase[] = [...readCorpus(), ...generated];

// --- running the layers -------------------------------------------------------------------------

type Run = { status: number; stdout: string; stderr: string };
type Runs = {
  schema3: Run;
  schema4: Run;
  helper3: Run;
  helper4: Run;
  validate: ValidationResult | Error;
  /** The SDK (checkValues) on the file's data, read as Helm reads it; undefined when unreadable. */
  sdk: ValuesIssue[] | undefined;
};

/** `helm template` of one values file, asynchronously (several run at once). */
function helmTemplate(version: 3 | 4, file: string, skipSchema: boolean): Promise<Run> {
  const args = ['template', 'fineract-netpol', CHART_DIR, '--namespace', 'fineract-uat', '--values', file];
  if (skipSchema) args.push('--skip-schema-validation');
  return helmAsync(version, args);
}

/** The SDK's verdict on a values file: checkValues on its data, read as Helm reads it. */
function sdkIssues(file: string): ValuesIssue[] | undefined {
  const doc = parseDocument(readFileSync(file, 'utf8'), { ...HELM_YAML, uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  let data: unknown;
  try {
    data = helmData(doc);
  } catch {
    return undefined;
  }
  return checkValues([data]);
}

const runs = new Map<string, Runs>();
const runsOf = (c: CorpusCase) => runs.get(c.name) as Runs;

beforeAll(async () => {
  const jobs = cases.flatMap((c) =>
    ([3, 4] as const).flatMap((version) => [false, true].map((skip) => ({ c, version, skip }))),
  );
  const results = await pool(
    jobs.map((job) => () => helmTemplate(job.version, job.c.file, job.skip)),
    3,
  );
  for (const c of cases) {
    const of = (version: 3 | 4, skip: boolean) =>
      results[jobs.findIndex((j) => j.c === c && j.version === version && j.skip === skip)] as Run;
    let validate: ValidationResult | Error;
    try {
      validate = validateValuesFiles([c.file]);
    } catch (error) {
      validate = error as Error;
    }
    runs.set(c.name, {
      sdk: sdkIssues(c.file),
      schema3: of(3, false),
      schema4: of(4, false),
      helper3: of(3, true),
      helper4: of(4, true),
      validate,
    });
  }
}, 600_000);

// --- how each layer names a path ----------------------------------------------------------------

/** The keys and indices of a path written as validate writes it (a.b[0]["x.y"]; (root) is none). */
function segments(path: string): (string | number)[] {
  if (path === '(root)') return [];
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3] as string);
  }
  return out;
}

/** The line prefix each layer writes before the message of a problem at `path`. */
function pathMarker(layer: 'schema3' | 'schema4' | 'helper', path: string): string {
  const keys = segments(path);
  if (layer === 'schema3') return `- ${keys.length === 0 ? '(root)' : keys.join('.')}: `;
  if (layer === 'schema4') {
    return `at '${keys.map((k) => `/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}'`;
  }
  return `  - ${keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('')}: `;
}

const SCHEMA_REFUSED = "values don't meet the specifications of the schema";
const HELPER_REFUSED = 'fineract-netpol: the values have';
const PARSE_FAILED = 'failed to parse';
/** A Go template that broke instead of refusing: never acceptable, whatever the input. */
const CRASHED = /error calling|runtime error|nil pointer|wrong type for value|can't evaluate field/;

/** Checks a Helm run against a layer's stated outcome; returns the mismatches (empty: it agrees). */
function judge(run: Run, outcome: CorpusCase['layers'][HelmLayer], layer: 'schema3' | 'schema4' | 'helper'): string[] {
  const problems: string[] = [];
  const refused = layer === 'helper' ? HELPER_REFUSED : SCHEMA_REFUSED;
  if (CRASHED.test(run.stderr)) problems.push('a template crashed instead of refusing');
  if (outcome.kind === 'passes') {
    if (run.stderr.includes(refused) || run.stderr.includes(PARSE_FAILED)) problems.push('refused, expected to pass');
    if (layer === 'helper' && run.status !== 0) problems.push(`exit ${run.status}, expected the render to pass`);
    return problems;
  }
  if (run.status === 0) problems.push('rendered, expected a refusal');
  if (run.stdout.includes('kind: NetworkPolicy')) problems.push('printed policies although it failed');
  if (outcome.kind === 'unreached') {
    if (!run.stderr.includes(PARSE_FAILED)) problems.push(`no "${PARSE_FAILED}" from Helm's YAML reader`);
    if (!run.stderr.includes(outcome.text)) problems.push(`no "${outcome.text}" in the message`);
    return problems;
  }
  if (!run.stderr.includes(refused)) problems.push(`not refused by this layer (no "${refused}")`);
  const marker = pathMarker(layer, outcome.path);
  if (!run.stderr.includes(marker)) problems.push(`the path is not named (no "${marker}")`);
  if (outcome.text !== undefined && !run.stderr.includes(outcome.text)) problems.push(`no "${outcome.text}"`);
  return problems;
}

// --- the suite ----------------------------------------------------------------------------------

describe('bad-values corpus: size and coverage', () => {
  it('has at least 60 cases that some layer refuses', () => {
    const bad = cases.filter((c) => validateRefuses(c) || HELM_LAYERS.some((l) => c.layers[l].kind !== 'passes'));
    expect(bad.length).toBeGreaterThanOrEqual(60);
  });

  it('has a YAML syntax error, a duplicate key, a 1 MB file and deep nesting', () => {
    const names = cases.map((c) => c.name).join(' ');
    for (const kind of ['yaml-syntax-error', 'duplicate-key', 'huge-', 'deep-nesting']) expect(names).toContain(kind);
    const sizes = generated.map((c) => readFileSync(c.file).length);
    expect(Math.max(...sizes)).toBeGreaterThan(ONE_MB);
  });

  it('names every field of the model in some case', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as JsonSchema;
    const fields = schemaFields(schema);
    const named = new Set(
      cases.flatMap((c) =>
        [
          ...c.expected.map((e) => e.path),
          ...HELM_LAYERS.map((l) => c.layers[l]).flatMap((o) => (o.kind === 'refuses' ? [o.path] : [])),
        ].flatMap((p) => fieldsOf(segments(p), schema)),
      ),
    );
    const missing = fields.filter((f) => !named.has(f));
    expect(missing, 'fields of chart/values.schema.json no case names').toEqual([]);
  });
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it.each([
    ['helm3-schema', 'schema3', 'schema3'],
    ['helm4-schema', 'schema4', 'schema4'],
    ['chart-helper (Helm 3)', 'helper3', 'helper'],
    ['chart-helper (Helm 4)', 'helper4', 'helper'],
  ] as const)('%s', (_label, key, layer) => {
    const run = runsOf(c)[key];
    const outcome =
      c.layers[layer === 'helper' ? 'chart-helper' : layer === 'schema3' ? 'helm3-schema' : 'helm4-schema'];
    expect(judge(run, outcome, layer), run.stderr.slice(0, 3000)).toEqual([]);
  });

  it('validate', () => {
    const result = runsOf(c).validate;
    if (c.unreadable !== undefined) {
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toContain(c.unreadable);
      return;
    }
    if (result instanceof Error) throw result;
    const errors = result.problems.filter((p) => p.severity === 'error');
    expect(result.valid).toBe(!validateRefuses(c));
    for (const e of c.expected) {
      expect(result.problems.some((p) => p.path === e.path && p.severity === e.severity && p.line === e.line)).toBe(
        true,
      );
    }
    // Never weaker than Helm: every path a layer refuses is among validate's errors (or under one).
    for (const layer of HELM_LAYERS) {
      const outcome = c.layers[layer];
      if (outcome.kind !== 'refuses') continue;
      const covered = errors.some(
        (p) =>
          outcome.path === '(root)' ||
          p.path === outcome.path ||
          p.path.startsWith(`${outcome.path}.`) ||
          p.path.startsWith(`${outcome.path}[`) ||
          outcome.path.startsWith(`${p.path}.`) ||
          outcome.path.startsWith(`${p.path}[`),
      );
      expect(
        covered,
        `${layer} refuses ${outcome.path}; validate reports ${errors.map((p) => p.path).join(', ')}`,
      ).toBe(true);
    }
  });

  it('is consistent across layers', () => {
    const refusedSomewhere = HELM_LAYERS.some((l) => c.layers[l].kind !== 'passes');
    // What validate accepts, every layer accepts (validate is at least as strict as the chart).
    if (refusedSomewhere) expect(validateRefuses(c)).toBe(true);
    // Helm's YAML reader stops the file before either layer, on both versions alike.
    const unreached = HELM_LAYERS.filter((l) => c.layers[l].kind === 'unreached');
    expect([0, HELM_LAYERS.length]).toContain(unreached.length);
  });
});

// --- agreement by rule id: the SDK, validate, Helm 3 and Helm 4 -----------------------------------

/** The rule lines of a Helm refusal (`  - path: message; fix [id]`), as `path: message; fix [id]`. */
function ruleLines(run: Run): string[] {
  return run.stderr
    .split('\n')
    .filter((line) => /^ {2}- .* \[[a-z0-9-]+\]$/.test(line))
    .map((line) => line.slice(4));
}

const idOf = (line: string) => /\[([a-z0-9-]+)\]$/.exec(line)?.[1] ?? '';

/** The SDK's errors as the chart words them (its rules' lines), for the rules the chart enforces. */
function sdkChartLines(issues: ValuesIssue[]): string[] {
  return issues.filter((i) => i.rule && enforcedByChart(i.rule)).map((i) => `${i.path}: ${i.message}`);
}

/** The YAML text's own problems (a duplicate key, a boolean-like key): validate reads the text, the others its data. */
const TEXT_PROBLEM = /^(duplicate key|key `.+` is the boolean)/;

describe('agreement by rule id', () => {
  describe.each(cases.filter((c) => c.unreadable === undefined).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('the SDK and validate find the rules the case states', () => {
      const { sdk, validate } = runsOf(c);
      if (validate instanceof Error) throw validate;
      if (!sdk) throw new Error('the SDK could not read the file');
      const errorRules = new Set(validate.problems.filter((p) => p.severity === 'error' && p.rule).map((p) => p.rule));
      expect([...new Set(sdk.flatMap((i) => (i.rule ? [i.rule] : [])))].sort()).toEqual([...errorRules].sort());
      for (const id of c.rules) expect(RULES.map((r) => r.id)).toContain(id);
    });

    it('the SDK refuses exactly what validate refuses (but for the YAML text itself)', () => {
      const { sdk, validate } = runsOf(c);
      if (validate instanceof Error || !sdk) throw new Error('unreadable');
      const validateRefusesData = validate.problems.some(
        (p) => p.severity === 'error' && !TEXT_PROBLEM.test(p.message),
      );
      expect(sdk.length > 0).toBe(validateRefusesData);
    });

    it.each([
      ['Helm 3', 'schema3'],
      ['Helm 4', 'schema4'],
      ['Helm 3, schema skipped', 'helper3'],
      ['Helm 4, schema skipped', 'helper4'],
    ] as const)(
      "%s refuses by a rule only with the SDK's line, and with all of them once the rules run",
      (_label, key) => {
        const run = runsOf(c)[key];
        const sdk = sdkChartLines(runsOf(c).sdk ?? []);
        const helm = ruleLines(run);
        for (const line of helm) expect(sdk, `Helm's line is not the SDK's`).toContain(line);
        // The rules ran (one refused): every rule the chart enforces refused.
        if (helm.length > 0) expect([...new Set(helm)].sort()).toEqual([...new Set(sdk)].sort());
      },
    );

    it('Helm refuses exactly what the SDK refuses but its rules only TypeScript enforces', () => {
      const { sdk = [], schema3, schema4 } = runsOf(c);
      const chartRefuses = sdk.some((i) => !i.rule || enforcedByChart(i.rule));
      expect(schema3.status !== 0).toBe(chartRefuses);
      expect(schema4.status !== 0).toBe(chartRefuses);
    });
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s: a case shows it on every layer that enforces it', (id) => {
    const rule = ruleById(id);
    const showing = cases.filter((c) => c.rules.includes(id));
    expect(showing.length, 'no case of the corpus states this rule').toBeGreaterThan(0);
    if (rule.severity === 'error') {
      // The SDK and validate refuse each case with it.
      for (const c of showing) {
        expect(
          runsOf(c).sdk?.some((i) => i.rule === id),
          c.name,
        ).toBe(true);
        expect(validateRefuses(c), c.name).toBe(true);
      }
      if (rule.chart === true) {
        // Helm 3 and Helm 4 print its line in some case: with the schema, or (for a rule the schema
        // already covers, such as an empty list) with the schema skipped, as Argo CD may render.
        for (const [full, skipped] of [
          ['schema3', 'helper3'],
          ['schema4', 'helper4'],
        ] as const) {
          const prints = (c: CorpusCase) =>
            [runsOf(c)[full], runsOf(c)[skipped]].some((run) => ruleLines(run).some((l) => idOf(l) === id));
          expect(showing.some(prints), full).toBe(true);
        }
      } else {
        // Only TypeScript enforces it: a case where it is the only problem, which both Helms render.
        const alone = showing.filter((c) => (runsOf(c).sdk ?? []).every((i) => i.rule === id));
        expect(alone.some((c) => runsOf(c).schema3.status === 0 && runsOf(c).schema4.status === 0)).toBe(true);
      }
    }
  });
});

// --- the fields of the model, from the chart's JSON Schema --------------------------------------

type JsonSchema = {
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
};

/** A schema node and the branches it stands for, each with the field prefix it is seen under:
 * following a $ref restarts the prefix at the definition's name (its fields are named once,
 * Definition.field, wherever it is used). */
function expand(node: JsonSchema, prefix: string, root: JsonSchema): [JsonSchema, string][] {
  if (node.$ref) {
    const name = node.$ref.replace(/^#\/(definitions|\$defs)\//, '');
    return expand((root.definitions ?? root.$defs ?? {})[name] ?? {}, name, root);
  }
  return [
    [node, prefix],
    ...[...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])].flatMap((b) => expand(b, prefix, root)),
  ];
}

const join2 = (prefix: string, key: string) => (prefix === '' ? key : `${prefix}.${key}`);

/** Every field of the schema: map entries as `*`, list items as `[]`, fields of a definition as
 * Definition.field (global, which belongs to parent charts, excluded). */
function schemaFields(root: JsonSchema): string[] {
  const out = new Set<string>();
  const seen = new Set<JsonSchema>();
  const visit = (node: JsonSchema, prefix: string) => {
    for (const [n, p] of expand(node, prefix, root)) {
      // A definition is one object wherever it is used: its fields are listed once.
      if (seen.has(n)) continue;
      seen.add(n);
      for (const [key, child] of Object.entries(n.properties ?? {})) {
        if (p === '' && key === 'global') continue;
        out.add(join2(p, key));
        visit(child, join2(p, key));
      }
      if (typeof n.additionalProperties === 'object') {
        out.add(`${p}.*`);
        visit(n.additionalProperties, `${p}.*`);
      }
      if (n.items) visit(n.items, `${p}[]`);
    }
  };
  visit(root, '');
  return [...out];
}

/** The fields a concrete path names, generic as schemaFields writes them (map entries → `*`). */
function fieldsOf(keys: (string | number)[], root: JsonSchema): string[] {
  const out: string[] = [];
  let pairs = expand(root, '', root);
  for (const key of keys) {
    let next: [JsonSchema, string] | undefined;
    if (typeof key === 'number') {
      const pair = pairs.find(([n]) => n.items);
      if (pair?.[0].items) next = [pair[0].items, `${pair[1]}[]`];
    } else {
      const named = pairs.find(([n]) => n.properties?.[key]);
      const extra = pairs.find(([n]) => typeof n.additionalProperties === 'object');
      if (named?.[0].properties?.[key]) next = [named[0].properties[key], join2(named[1], key)];
      else if (extra && typeof extra[0].additionalProperties === 'object') {
        next = [extra[0].additionalProperties, `${extra[1]}.*`];
      }
    }
    if (!next) break;
    out.push(next[1]);
    pairs = expand(next[0], next[1], root);
  }
  return out;
}

// A guard on the path helpers above: the three ways layers write one path.
describe('bad-values corpus: path markers', () => {
  it.each([
    ['networks.rds.cidrs[0]', '- networks.rds.cidrs.0: ', "at '/networks/rds/cidrs/0'", '  - networks.rds.cidrs[0]: '],
    [
      'commonAnnotations["example.com/ticket"]',
      '- commonAnnotations.example.com/ticket: ',
      "at '/commonAnnotations/example.com~1ticket'",
      '  - commonAnnotations.example.com/ticket: ',
    ],
    ['(root)', '- (root): ', "at ''", '  - : '],
  ])('%s', (path, schema3, schema4, helper) => {
    expect(pathMarker('schema3', path)).toBe(schema3);
    expect(pathMarker('schema4', path)).toBe(schema4);
    expect(pathMarker('helper', path)).toBe(helper);
    expect(formatPath(segments(path))).toBe(path);
  });
});
