// Zod issues of the values model turned into `path: message` problems a person can act on: the
// field's title and description instead of a regular expression, "did you mean" for a typo'd key.
// Also the model's shape walked by key path, which gives values files the key order of the
// chart's values.yaml (see file.ts).
//
// Usage: const problems = result.error.issues.flatMap((issue) => describeIssue(Values, issue));
//        // → [{ path: 'networks.rds.cidrs[0]', message: '"10.0.0.1" is not a valid CIDR: An IPv4 …' }]
import { z } from 'zod';
import { chartPath } from '../model/rules/rule.ts';
import { closestName } from './suggest.ts';

/** One problem of a values document: where (a key path such as `networks.rds.cidrs[0]`) and what. */
export type ValuesIssue = {
  path: string;
  message: string;
  /** The id of the registry's rule that found it (src/model/rules/); none for a problem of the model's types. */
  rule?: string;
};

/** A node of the zod model (any zod type), read through its definition. */
export type ModelNode = z.core.$ZodType;
type Node = ModelNode;

/** The definition of a node, with the fields this file reads (each present on some node types). */
type Def = {
  type: string;
  innerType?: Node;
  in?: Node;
  shape?: Record<string, Node>;
  keyType?: Node;
  valueType?: Node;
  element?: Node;
  options?: Node[];
};

const defOf = (node: Node): Def => node._zod.def;

/** The node without its wrappers (optional, default, nullable, …). */
export function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
}

/** The keys of an object node in declaration order (undefined for anything but an object). */
export function objectKeys(node: Node): string[] | undefined {
  const def = defOf(unwrap(node));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/**
 * The node of a child: an object's property, a record's entry, an array's element. For a union of
 * objects (an endpoint), the option that declares the key.
 */
export function childNode(node: Node, key: PropertyKey): Node | undefined {
  const def = defOf(unwrap(node));
  switch (def.type) {
    case 'object':
      return typeof key === 'string' ? def.shape?.[key] : undefined;
    case 'record':
      return def.valueType;
    case 'array':
      return def.element;
    case 'union':
      for (const option of def.options ?? []) {
        const child = typeof key === 'string' ? defOf(unwrap(option)).shape?.[key] : undefined;
        if (child) return child;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The union option of a node whose kind matches the value (for a union, such as a port number or name). */
export function nodeForValue(node: Node, value: unknown): Node {
  const def = defOf(unwrap(node));
  if (def.type !== 'union') return node;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'object' && value !== null ? 'object' : typeof value;
  const keys = kind === 'object' ? Object.keys(value as object) : [];
  const matches = (option: Node): boolean => {
    const optionDef = defOf(unwrap(option));
    if (optionDef.type !== kind) return false;
    return kind !== 'object' || keys.every((key) => optionDef.shape?.[key] !== undefined);
  };
  return def.options?.find(matches) ?? node;
}

export function nodeAt(root: Node, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    node = childNode(node, key);
  }
  return node;
}

/** Title and description of a node (zod keeps the metadata of the node a `.meta()` call refined). */
function metaOf(node: Node): { title?: string; description?: string } {
  for (const candidate of [node, unwrap(node)]) {
    const meta = z.globalRegistry.get(candidate);
    if (meta?.title !== undefined || meta?.description !== undefined) return meta;
  }
  return {};
}

/** The description of the node a chain of `.meta()` refinements started from. */
function originalDescription(node: Node): string | undefined {
  let description: string | undefined;
  for (let current: Node | undefined = unwrap(node); current; current = current._zod.parent) {
    description = z.globalRegistry.get(current)?.description ?? description;
  }
  return description;
}

/** `networks.rds.cidrs[0]`; `(root)` for the document itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return chartPath(path.map((key) => (typeof key === 'number' ? key : String(key))));
}

/** The problems one zod issue stands for (an issue naming several unknown keys is one per key). */
export function describeIssue(root: Node, issue: z.core.$ZodIssue): ValuesIssue[] {
  const path = formatPath(issue.path);
  const node = nodeAt(root, issue.path);
  const input = issue.input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = node ? (objectKeys(nodeForValue(node, input)) ?? []) : [];
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: `unknown key "${key}"${suggest(key, known)}`,
      }));
    }
    case 'invalid_key': {
      // A record key (the name of a component, peer, network, connection, or a label key).
      const record = nodeAt(root, issue.path.slice(0, -1));
      const keyType = record ? defOf(unwrap(record)).keyType : undefined;
      const { title, description } = keyType ? metaOf(keyType) : {};
      const reason = description ?? issue.issues.map((inner) => inner.message).join('; ');
      return [{ path, message: `${show(input)} is not a valid ${title?.toLowerCase() ?? 'key'}: ${reason}` }];
    }
    case 'invalid_format': {
      const { title, description } = node ? metaOf(nodeForValue(node, input)) : {};
      if (!description) return [{ path, message: issue.message }];
      return [{ path, message: `${show(input)} is not a valid ${title ?? 'value'}: ${description}` }];
    }
    case 'invalid_union': {
      // The model's own description of the union (an endpoint: "Exactly one of …"), not the
      // description of the field that uses it ("Source of the flow.").
      const description = node ? originalDescription(node) : undefined;
      const keys = isPlainObject(input) ? Object.keys(input).filter((key) => input[key] !== null) : [];
      // Helm merges an override's endpoint with the default's: {component: x} over {peer: y}.
      const hint =
        keys.length > 1
          ? ` If this overrides an endpoint of the chart's defaults, set the default's key to null (Helm merges maps): {${keys[keys.length - 1]}: …, ${keys[0]}: null}.`
          : '';
      return [{ path, message: `${show(input)} is not valid: ${description ?? issue.message}${hint}` }];
    }
    case 'invalid_type':
      if (input === undefined) return [{ path, message: `is required (${issue.expected})` }];
      return [{ path, message: `expected ${issue.expected}, got ${show(input)}` }];
    case 'invalid_value':
      return [{ path, message: `${show(input)} is not one of ${issue.values.map((v) => show(v)).join(', ')}` }];
    case 'too_small':
      return [{ path, message: bound(issue.origin, 'at least', issue.minimum, input) }];
    case 'too_big':
      return [{ path, message: bound(issue.origin, 'at most', issue.maximum, input) }];
    default:
      return [{ path, message: issue.message }];
  }
}

function bound(origin: string, relation: string, limit: number | bigint, input: unknown): string {
  switch (origin) {
    case 'array':
      return `must list ${relation} ${limit} item(s)${Array.isArray(input) && input.length === 0 ? ', not none' : ''}`;
    case 'string':
      return `must be ${relation} ${limit} characters long, got ${show(input)}`;
    default:
      return `must be ${relation} ${limit}, got ${show(input)}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value quoted for a message, shortened. */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `; did you mean "enabled"?` for a near miss, else the known keys. */
function suggest(key: string, known: string[]): string {
  if (known.length === 0) return '';
  const close = closestName(key, known);
  return close ? `; did you mean "${close}"?` : `; known keys: ${known.join(', ')}`;
}
