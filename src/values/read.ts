// Stage 1 of validate: read each values file as Helm reads it (YAML 1.1, so `yes`/`on`/`y` are
// booleans; JSON is YAML too), keeping where every key was written.
//
// Usage: const sources = readSources(['values/uat.yaml', 'local.yaml']);
//        sources[0].data      // plain data, as `helm -f` sees it (null for an empty file)
//        sources[0].tree      // where each key and list item is written (see LocationNode)
//        sources[0].findings  // problems of the text itself: duplicate keys, boolean-like keys
//
// Throws InputError (exit 2) when a file cannot be read, is not YAML (with the line and column
// of the first syntax error and the offending line), or is not a mapping.
import { codeFrameColumns } from '@babel/code-frame';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type ParseOptions,
} from 'yaml';
import { InputError } from '../errors.ts';
import { readInput } from '../files.ts';
import { HELM_YAML, helmData, helmKey, HelmYamlError } from './yaml.ts';
import { formatPath } from './paths.ts';
import type { Finding, Path, Position } from './report/types.ts';

/** Where a key (or list item) and what is under it were written in one file. */
export type LocationNode = {
  /** The key of a map entry, the item of a list, or the start of the document for the root. */
  at: Position;
  /** The value as written, when it is a scalar (`yes`, `"10.0.0.1"`). */
  scalar?: { source: string; plain: boolean };
  /** The entries of a map value, by key as Helm names them (`y:` → `true`). */
  keys?: Map<string, LocationNode>;
  /** The items of a list value. */
  items?: LocationNode[];
  /** The value is null (`key:`, `key: null`, `key: ~`): Helm deletes the key and its default. */
  isNull?: boolean;
};

export type SourceFile = {
  file: string;
  text: string;
  /** The document as plain data (null for an empty file). */
  data: unknown;
  /** Where each key is written; undefined for an empty file. */
  tree: LocationNode | undefined;
  /** Problems of the YAML text itself (duplicate keys, boolean-like keys). */
  findings: Finding[];
};

/**
 * YAML as Helm reads values files (src/values/yaml.ts), and a duplicate key kept (the last one
 * wins, as in Helm) so that validate can report it instead of stopping.
 */
const READ_OPTIONS = { ...HELM_YAML, uniqueKeys: false, prettyErrors: false } satisfies ParseOptions;

/** Keys YAML 1.1 reads as booleans (go-yaml v2, which Helm uses, reads them all). */
const BOOLEAN_LIKE = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** Reads every file; all syntax errors of all files are reported together (one InputError). */
export function readSources(files: string[]): SourceFile[] {
  const sources: SourceFile[] = [];
  const failures: string[] = [];
  for (const file of files) {
    const result = readSource(file);
    if (typeof result === 'string') failures.push(result);
    else sources.push(result);
  }
  if (failures.length > 0) {
    throw new InputError(failures.join('\n'));
  }
  return sources;
}

/** One file read and parsed, or the message saying why it cannot be. */
function readSource(path: string): SourceFile | string {
  let file: string;
  let text: string;
  try {
    ({ text, name: file } = readInput(path, 'values file'));
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...READ_OPTIONS, lineCounter });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const frame = codeFrameColumns(text, { start: { line, column: col - 1 } }, { linesAbove: 1, linesBelow: 0 });
    // The yaml package gives up on nesting deeper than its recursion allows (about 800 levels);
    // this chart's values are never more than 7 levels deep.
    const reason = /Maximum call stack size exceeded/.test(error.message)
      ? "nested too deeply to read (this chart's values are at most 7 levels deep); remove the extra nesting"
      : firstLine(error.message);
    return `${file}:${line}:${col}: not valid YAML: ${reason}\n${indent(frame)}`;
  }
  let data: unknown;
  try {
    data = helmData(doc);
  } catch (error) {
    if (error instanceof HelmYamlError) {
      const { line, col } = lineCounter.linePos(error.offset);
      return `${file}:${line}:${col}: not valid for Helm: ${error.message}`;
    }
    // The yaml package refuses alias expansions that grow without bound ("billion laughs"), as
    // Helm's parser does ("document contains excessive aliasing").
    if (!(error instanceof ReferenceError)) throw error;
    return `${file}: not valid YAML: its aliases (*name) expand to too many nodes (${error.message}); write the values out instead of nesting aliases`;
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    const { line, col } = lineCounter.linePos(doc.contents?.range[0] ?? 0);
    return `${file}:${line}:${col}: a values file must be a YAML mapping (key: value), not ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`;
  }
  const findings: Finding[] = [];
  const root = doc.contents;
  const tree =
    root && isMap(root)
      ? walk(root, { file, line: 1, column: 1, endColumn: 1 }, [], { doc, file, lineCounter, findings })
      : undefined;
  return { file, text, data: data ?? null, tree, findings };
}

type WalkContext = { doc: Document; file: string; lineCounter: LineCounter; findings: Finding[] };

/** The location node of a YAML node written at `at`, recording the text's problems on the way. */
function walk(node: Node | null, at: Position, path: Path, ctx: WalkContext): LocationNode {
  const target = node && isAlias(node) ? (node.resolve(ctx.doc) ?? null) : node;
  if (target === null || (isScalar(target) && target.value === null)) return { at, isNull: true };
  if (isScalar(target)) {
    const source = target.source ?? String(target.value);
    return { at, scalar: { source, plain: target.type === 'PLAIN' } };
  }
  if (isSeq(target)) {
    const items = target.items.map((item, i) => walk(item as Node, positionOf(item as Node, ctx), [...path, i], ctx));
    return { at, items };
  }
  if (!isMap(target)) return { at };
  const keys = new Map<string, LocationNode>();
  const firstSeen = new Map<string, { source: string; line: number }>();
  for (const pair of target.items) {
    const key = pair.key as Node | null;
    if (isScalar(key) && key.value === '<<' && key.type === 'PLAIN') {
      mergeKeyInto(keys, pair.value as Node | null, path, ctx);
      continue;
    }
    if (key !== null && !isScalar(key)) continue; // a complex key: Helm and the schema reject it anyway
    const name = key === null ? '' : helmKey(key);
    const source = key?.source ?? name;
    const keyAt = positionOf(key, ctx);
    const keyPath = [...path, name];
    if (key && key.type === 'PLAIN' && BOOLEAN_LIKE.test(source)) {
      ctx.findings.push({
        path: keyPath,
        message: `key \`${source}\` is the boolean ${name} in YAML 1.1, as Helm reads it: this entry is named "${name}", not "${source}"`,
        fix: `quote the key: "${source}":`,
        severity: 'error',
        at: keyAt,
      });
    }
    const earlier = firstSeen.get(name);
    if (earlier) {
      const alias = earlier.source === source ? '' : ` (read as "${name}", like \`${earlier.source}\`)`;
      ctx.findings.push({
        path: keyPath,
        message: `duplicate key \`${source}\`${alias} in this mapping: already set at line ${earlier.line}; Helm silently keeps only the last one`,
        fix: `remove one of the two \`${formatPath(keyPath)}\` entries (or merge them into one)`,
        severity: 'error',
        at: keyAt,
      });
    } else {
      firstSeen.set(name, { source, line: keyAt.line });
    }
    keys.set(name, walk(pair.value as Node | null, keyAt, keyPath, ctx));
  }
  return { at, keys };
}

/** YAML 1.1 merge keys (`<<: *base`): the merged entries keep the anchor's positions. */
function mergeKeyInto(keys: Map<string, LocationNode>, value: Node | null, path: Path, ctx: WalkContext): void {
  const sources = value && isSeq(value) ? value.items : [value];
  for (const source of sources) {
    const merged = walk(source as Node | null, positionOf(source as Node | null, ctx), path, ctx);
    for (const [name, node] of merged.keys ?? []) if (!keys.has(name)) keys.set(name, node);
  }
}

/** Where a node starts, and where it ends when on the same line (for the caret under it). */
function positionOf(node: Node | null, ctx: WalkContext): Position {
  const [start, end] = node?.range ?? [0, 0];
  const from = ctx.lineCounter.linePos(start);
  const to = ctx.lineCounter.linePos(Math.max(end, start));
  const endColumn = to.line === from.line && to.col > from.col ? to.col : from.col + 1;
  return { file: ctx.file, line: from.line, column: from.col, endColumn };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
