// Stage: write the chart's default values as YAML, every key commented with its description
// from the schema.
//
// Usage: const text = generateValuesYaml(schema, defaults);
import { Document, isMap, isPair, isScalar, isSeq, visit, type Pair } from 'yaml';
import { resolve, schemaAt, type JsonSchema } from './schema.ts';

const WIDTH = 98;

/** Collections whose JSON is at most this long are written in flow style: `{matchLabels: {app: x}}`. */
const FLOW_MAX = 72;

export function generateValuesYaml(schema: JsonSchema, defaults: unknown): string {
  const doc = new Document(defaults);
  const documented = new Set<string>();
  visit(doc, {
    Pair(_, pair, path) {
      const keyPath = pathOf(path, pair);
      const node = schemaAt(schema, keyPath);
      if (!node) throw new Error(`No schema for values key ${keyPath.join('.')}`);
      if ((isMap(pair.value) || isSeq(pair.value)) && keyPath.length > 1) {
        const json = JSON.stringify(pair.value.toJSON());
        if (json.length <= FLOW_MAX) pair.value.flow = true;
      }
      // Describe a field once, where it first appears (fineract's `enabled` speaks for all components).
      const generic = genericPath(schema, keyPath);
      if (!documented.has(generic)) {
        documented.add(generic);
        const comment = commentFor(schema, node, keyPath, pair);
        if (comment && isScalar(pair.key)) pair.key.commentBefore = comment;
      }
      // Inside a flow collection there is no room for comments: skip its children.
      const flow = (isMap(pair.value) || isSeq(pair.value)) && pair.value.flow;
      return flow ? visit.SKIP : undefined;
    },
  });
  // A blank line between top-level sections.
  const root = doc.contents;
  if (isMap(root)) {
    root.items.forEach((item, i) => {
      if (i > 0 && isScalar(item.key)) item.key.spaceBefore = true;
    });
  }
  return doc.toString({ indent: 2, lineWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

/** The key path with the names of map entries replaced by `*`: components.*.enabled. */
function genericPath(root: JsonSchema, keyPath: string[]): string {
  return keyPath
    .map((key, i) => {
      const parent = schemaAt(root, keyPath.slice(0, i));
      return parent && isRecord(root, parent) ? '*' : key;
    })
    .join('.');
}

function isRecord(root: JsonSchema, node: JsonSchema): boolean {
  const resolved = resolve(root, node);
  return !resolved.properties && typeof resolved.additionalProperties === 'object';
}

function pathOf(ancestors: readonly unknown[], pair: Pair): string[] {
  const keys: string[] = [];
  for (const node of ancestors) {
    if (isPair(node) && isScalar(node.key)) keys.push(String(node.key.value));
    else if (isSeq(node)) keys.push('[]');
  }
  if (isScalar(pair.key)) keys.push(String(pair.key.value));
  return keys;
}

function commentFor(root: JsonSchema, node: JsonSchema, keyPath: string[], pair: Pair): string | undefined {
  const resolved = resolve(root, node);
  const parent = schemaAt(root, keyPath.slice(0, -1));
  if (parent && isRecord(root, parent)) {
    // An entry of a map keyed by name (a component, peer, network, connection, label): name its
    // kind, and let the entry's own `description` field speak for it.
    if (!isMap(pair.value)) return undefined;
    return wrap(`${resolved.title ?? 'Entry'} "${keyPath.at(-1)}".`);
  }
  const text = resolved.description;
  return text ? wrap(text) : undefined;
}

/** Wraps text into comment lines (each starting with a space after the `#`). */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => ` ${l}`).join('\n');
}
