// The bad-values corpus (test/fixtures/bad-values/<case>.yaml): each case is a values file whose
// first comment lines state what every layer of checks does with it. Read by
// test/bad-values.test.ts (every layer, for real) and test/validate.test.ts (validate's exact
// problems).
//
// A case's header (comment lines at the top; free text lines describe the case):
//   # expect: LINE:COLUMN PATH  MESSAGE       validate reports this error (MESSAGE is a part of
//                                             `message  (fix)`)
//   # warn: LINE:COLUMN PATH  MESSAGE         validate reports this warning
//   # unreadable: TEXT                        validate refuses the whole file (not YAML, not a
//                                             mapping), its message containing TEXT
//   # rules: ID… | none                       the ids of the registry's rules (src/model/rules/)
//                                             whose problems validate reports, sorted (required
//                                             unless unreadable)
//   # helm3-schema: OUTCOME                   the JSON Schema, as Helm 3 checks it
//   # helm4-schema: OUTCOME                   the JSON Schema, as Helm 4 checks it
//   # chart-helper: OUTCOME                   the chart's own checks (_shape.tpl, _validate.tpl),
//                                             with the schema skipped, on Helm 3 and Helm 4
// where OUTCOME is one of
//   refuses PATH                              the layer refuses the file, naming PATH (written as
//                                             validate writes paths: a.b[0].c; (root) for none)
//   refuses PATH  TEXT                        … and its message also contains TEXT
//   passes                                    the layer lets the file through
//   unreached  TEXT                           Helm's YAML reader refuses the file before the
//                                             layer runs, its message containing TEXT
//
// Usage:
//   const cases = readCorpus();             // every case, sorted by name
//   cases[0].layers['helm4-schema']        // {kind: 'refuses', path: 'dns.enabled', text: undefined}
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.ts';

export const CORPUS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'bad-values');

export const HELM_LAYERS = ['helm3-schema', 'helm4-schema', 'chart-helper'] as const;
export type HelmLayer = (typeof HELM_LAYERS)[number];

export type Outcome =
  { kind: 'refuses'; path: string; text?: string } | { kind: 'passes' } | { kind: 'unreached'; text: string };

export type Expected = { severity: 'error' | 'warning'; line: number; column: number; path: string; text: string };

export type CorpusCase = {
  name: string;
  file: string;
  /** The free-text lines of the header. */
  description: string;
  /** validate's problems. */
  expected: Expected[];
  /** validate refuses the whole file with a message containing this. */
  unreadable?: string;
  /** The ids of the rules whose problems validate reports (empty for an unreadable case). */
  rules: string[];
  layers: Record<HelmLayer, Outcome>;
};

/** Every case of the corpus (or of another folder laid out the same way), sorted by name. */
export function readCorpus(dir = CORPUS_DIR): CorpusCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readCase(join(dir, f), f));
}

/** One case file's header, checked: a malformed or missing statement throws, naming the file. */
export function readCase(file: string, name = file): CorpusCase {
  return parseCase(readFileSync(file, 'utf8'), file, name);
}

/** parseCase(text, file, name): the header of a case given as text (for generated cases). */
export function parseCase(text: string, file: string, name: string): CorpusCase {
  const expected: Expected[] = [];
  const layers: Partial<Record<HelmLayer, Outcome>> = {};
  const description: string[] = [];
  let unreadable: string | undefined;
  let rules: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const problem = /^# (expect|warn): (\d+):(\d+) (\S+) {2}(.+)$/.exec(line);
    if (problem) {
      const [, kind, l, c, path, message] = problem as unknown as [string, string, string, string, string, string];
      expected.push({ severity: kind === 'warn' ? 'warning' : 'error', line: +l, column: +c, path, text: message });
      continue;
    }
    const whole = /^# unreadable: (.+)$/.exec(line);
    if (whole) {
      unreadable = whole[1];
      continue;
    }
    const ids = /^# rules: (.+)$/.exec(line);
    if (ids?.[1]) {
      rules = ids[1] === 'none' ? [] : ids[1].split(' ');
      if (rules.some((id) => !/^[a-z0-9-]+$/.test(id)) || rules.join(' ') !== [...rules].sort().join(' ')) {
        throw new Error(`${name}: "# rules:" lists rule ids, sorted and separated by one space: ${line}`);
      }
      continue;
    }
    const layer = /^# (helm3-schema|helm4-schema|chart-helper): (.+)$/.exec(line);
    if (layer) {
      layers[layer[1] as HelmLayer] = parseOutcome(layer[2] ?? '', name);
      continue;
    }
    if (/^# (expect|warn|unreadable|rules|helm\d?-schema|chart-helper|helm):/.test(line))
      throw new Error(`${name}: malformed header line: ${line}`);
    description.push(line.replace(/^# ?/, ''));
  }
  for (const layer of HELM_LAYERS) {
    if (!layers[layer]) throw new Error(`${name}: the header must say what ${layer} does ("# ${layer}: passes", …)`);
  }
  if (unreadable !== undefined && (expected.length > 0 || rules !== undefined)) {
    throw new Error(`${name}: an unreadable file has no expect/warn or rules lines`);
  }
  if (unreadable === undefined && rules === undefined) {
    throw new Error(`${name}: the header must list the rules validate reports ("# rules: id …" or "# rules: none")`);
  }
  return {
    name,
    file,
    description: description.join(' '),
    expected,
    ...(unreadable === undefined ? {} : { unreadable }),
    rules: rules ?? [],
    layers: layers as Record<HelmLayer, Outcome>,
  };
}

function parseOutcome(text: string, name: string): Outcome {
  if (text === 'passes') return { kind: 'passes' };
  const unreached = /^unreached {2}(.+)$/.exec(text);
  if (unreached?.[1]) return { kind: 'unreached', text: unreached[1] };
  const refuses = /^refuses (\S+)(?: {2}(.+))?$/.exec(text);
  if (refuses?.[1]) return { kind: 'refuses', path: refuses[1], ...(refuses[2] ? { text: refuses[2] } : {}) };
  throw new Error(`${name}: "${text}" is not an outcome (refuses PATH[  TEXT] | passes | unreached  TEXT)`);
}

/** Does validate refuse the case (an error, or the whole file)? */
export function validateRefuses(c: CorpusCase): boolean {
  return c.unreadable !== undefined || c.expected.some((e) => e.severity === 'error');
}
