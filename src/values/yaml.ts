// YAML as Helm reads it — the one configuration of the `yaml` package every reader of this project
// uses (values files, manifests, inventories): Helm 3, Helm 4 and kubectl read YAML with
// sigs.k8s.io/yaml, which resolves plain scalars with its go-yaml v2 fork and then goes through
// JSON. So:
//   - YAML 1.1 booleans (yes/no/on/off/y/n, any case as go-yaml lists them) and nulls (~, null);
//   - integers as Go's strconv.ParseInt with base 0 after removing every `_`: 012 and 0o12 are
//     octal, 0x1F hex, 0b101 binary, 1_000 is 1000; beyond 64 bits a decimal is a float, a
//     hexadecimal, octal or binary one a string;
//   - floats only with a digit in the mantissa (`e5`, `E-2` and `.` are strings, as are `1:20` —
//     no sexagesimal numbers — and a float beyond float64 such as 1e400);
//   - no timestamps: 2026-12-07 stays a string;
//   - every number a float64 in the end (JSON), as JavaScript numbers are;
//   - .inf and .nan values are refused (JSON has no infinity: "json: unsupported value: +Inf");
//   - map keys are strings: an integer key in decimal (`0x1F:` is "31"), a float key as Go writes
//     a float32 (`1e6:` is "1e+06"), a boolean key "true"/"false"; a null key is refused.
// Checked against real Helm 3 and Helm 4: test/yaml.test.ts.
//
// Usage:
//   const doc = parseDocument(text, { ...HELM_YAML, lineCounter });
//   const data = helmData(doc);          // plain data as Helm sees it; throws HelmYamlError
//   helmKey(keyScalarNode)               // a key as Helm names it ('true', '31', '1e+06')
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  visit,
  type Document,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  type Scalar,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
} from 'yaml';

/** How go-yaml v2 resolves a plain scalar: its kind and the value Helm ends up with. */
export type GoScalar =
  | { kind: 'null'; value: null }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: number; text: string }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const INFINITIES: Record<string, number> = {
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
};
/** strconv.ParseInt(s, 0, 64) syntax (after `_` are removed): sign, then a prefixed or decimal integer. */
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml's yamlStyleFloat: at least one digit in the mantissa. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** What go-yaml v2 (through sigs.k8s.io/yaml) makes of a plain scalar. */
export function resolveGoScalar(source: string): GoScalar {
  if (NULLS.has(source)) return { kind: 'null', value: null };
  if (TRUE.has(source)) return { kind: 'bool', value: true };
  if (FALSE.has(source)) return { kind: 'bool', value: false };
  if (Object.hasOwn(INFINITIES, source)) return { kind: 'float', value: INFINITIES[source] as number };
  const first = source[0] ?? '';
  // Only a scalar starting with a digit, a sign or a dot is tried as a number.
  if (!/[-+.0-9]/.test(first)) return { kind: 'string', value: source };
  const plain = source.replace(/_/g, '');
  if (first !== '.' && GO_INT.test(plain)) {
    const big = parseGoInt(plain);
    if (big >= INT64_MIN && big <= UINT64_MAX) {
      return { kind: 'int', value: Number(big) || 0, text: big.toString() };
    }
    // Out of range: a decimal is still a float below; a prefixed one is nothing else.
    if (!/^[-+]?[1-9]/.test(plain)) return { kind: 'string', value: source };
  }
  if (GO_FLOAT.test(plain)) {
    const value = Number(plain);
    // strconv.ParseFloat fails beyond float64 (the scalar stays a string); an underflow is 0.
    if (Number.isFinite(value)) return { kind: 'float', value: value || 0 };
  }
  if (/^-?0[bB][01]+$/.test(plain)) return { kind: 'int', value: Number(parseGoInt(plain)), text: parseGoInt(plain).toString() };
  return { kind: 'string', value: source };
}

function parseGoInt(plain: string): bigint {
  const negative = plain.startsWith('-');
  const digits = plain.replace(/^[-+]/, '');
  let value: bigint;
  if (/^0[oO]/.test(digits)) value = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]+$/.test(digits)) value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits); // decimal, 0x… and 0b… as BigInt reads them
  return negative ? -value : value;
}

/** A scalar tag resolving with go-yaml's rules for one kind (the yaml package asks `test.test(source)`). */
function goTag(tag: string, kind: 'int' | 'float'): ScalarTag {
  const test = Object.assign(new RegExp(''), { test: (source: string) => resolveGoScalar(source).kind === kind });
  return {
    tag,
    default: true,
    // Never chosen to write a value: YAML 1.1's own tags (kept below) write numbers.
    identify: () => false,
    test,
    resolve: (source: string) => resolveGoScalar(source).value,
  };
}

const NUMBERS = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);
const NEVER = /(?!)/;

/**
 * YAML 1.1's tags, with go-yaml's integers and floats and no timestamp. The 1.1 number tags stay
 * for writing numbers, their tests disabled: go-yaml's decide what a scalar is.
 */
function helmTags(tags: Tags): Tags {
  const kept = tags.flatMap((tag): Tags => {
    const name = typeof tag === 'string' ? tag : tag.tag;
    if (name === 'tag:yaml.org,2002:timestamp') return [];
    if (typeof tag !== 'string' && NUMBERS.has(name) && 'test' in tag) return [{ ...(tag as ScalarTag), test: NEVER }];
    return [tag];
  });
  return [...kept, goTag('tag:yaml.org,2002:int', 'int'), goTag('tag:yaml.org,2002:float', 'float')];
}

/**
 * Options of the `yaml` package for reading (and writing) as Helm does. Readers add their own
 * (lineCounter, uniqueKeys, logLevel); writing with them quotes every string Helm would not read
 * back as a string (`"012"`, `"yes"`).
 */
export const HELM_YAML = {
  version: '1.1',
  customTags: helmTags,
} satisfies ParseOptions & DocumentOptions & SchemaOptions;

/** A document Helm cannot read, for a reason the YAML syntax does not show. */
export class HelmYamlError extends Error {
  /** Where in the text (an offset), for the line and column of the message. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'HelmYamlError';
    this.offset = offset;
  }
}

/**
 * A map key as Helm names it: a string as written; an integer in decimal; a float as Go writes a
 * float32 (strconv.FormatFloat(f, 'g', -1, 32)); a boolean as true/false. Throws HelmYamlError for
 * the keys Helm refuses (null, an integer beyond int64, a list or mapping).
 */
export function helmKey(key: unknown): string {
  if (key === null || key === undefined) throw new HelmYamlError('a null key, which Helm cannot read (quote it: "~":)', 0);
  if (!isScalar(key)) {
    const offset = isAlias(key) || isMap(key) || isSeq(key) ? (key.range?.[0] ?? 0) : 0;
    throw new HelmYamlError('a list or mapping used as a key, which Helm cannot read', offset);
  }
  const offset = key.range?.[0] ?? 0;
  const { value } = key;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value === null) throw new HelmYamlError('a null key, which Helm cannot read (quote it: "~":)', offset);
  if (typeof value === 'number') {
    const resolved = key.source !== undefined && key.type === 'PLAIN' ? resolveGoScalar(key.source) : undefined;
    if (resolved?.kind === 'int') {
      if (BigInt(resolved.text) > 2n ** 63n - 1n) {
        throw new HelmYamlError(`the key ${key.source ?? ''} is an integer beyond int64, which Helm cannot read as a key; quote it`, offset);
      }
      return resolved.text;
    }
    if (Number.isInteger(value) && resolved === undefined) return String(value);
    return goFloat32(value);
  }
  throw new HelmYamlError(`a key of type ${typeof value}, which Helm cannot read; quote it`, offset);
}

/** strconv.FormatFloat(f, 'g', -1, 32), with sigs.k8s.io/yaml's .inf and .nan. */
export function goFloat32(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  const f = Math.fround(value);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let digits = '';
  for (let precision = 1; precision <= 9; precision += 1) {
    const candidate = Math.abs(f).toExponential(precision - 1);
    if (Math.fround(Number(candidate)) === Math.abs(f)) {
      digits = candidate;
      break;
    }
  }
  const [mantissa = '', exponentText = '0'] = digits.split('e');
  const decimals = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = f < 0 ? '-' : '';
  // %e when the exponent is below -4 or at least 6 (shortest formatting), else %f.
  if (exponent < -4 || exponent >= 6) {
    const e = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${decimals[0] ?? ''}${decimals.length > 1 ? `.${decimals.slice(1)}` : ''}e${exponent < 0 ? '-' : '+'}${e}`;
  }
  const point = exponent + 1;
  const text =
    point <= 0
      ? `0.${'0'.repeat(-point)}${decimals}`
      : decimals.length <= point
        ? `${decimals}${'0'.repeat(point - decimals.length)}`
        : `${decimals.slice(0, point)}.${decimals.slice(point)}`;
  return `${sign}${text}`;
}

/**
 * The document as plain data, as Helm sees it: keys named by helmKey, and the values Helm refuses
 * (infinities and NaN) refused. Throws HelmYamlError with the offset of the offending node; lets
 * the yaml package's own errors (an alias expanding to too many nodes: ReferenceError) through.
 */
export function helmData(doc: Document.Parsed | Document, options: { maxAliasCount?: number } = {}): unknown {
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && typeof pair.key.value !== 'string' && !isMergeKey(pair.key)) {
        (pair.key).value = helmKey(pair.key);
      } else if (isPair(pair) && pair.key === null) {
        helmKey(pair.key);
      }
      // A list or mapping as a key (an unrendered template's `{{ x }}:`) is left to the yaml
      // package, which names it by its text: Helm refuses it, and so does the schema.
    },
    Scalar(_, node) {
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
        const shown = Number.isNaN(node.value) ? 'NaN' : node.value > 0 ? '+Inf' : '-Inf';
        throw new HelmYamlError(
          `${node.source ?? String(node.value)} is ${shown === 'NaN' ? 'not a number' : 'infinite'}, which Helm cannot read ("json: unsupported value: ${shown}"); write a number, or quote it for a string`,
          node.range?.[0] ?? 0,
        );
      }
    },
  });
  return doc.toJS(options) as unknown;
}

function isMergeKey(key: Scalar): boolean {
  return key.value === '<<' && key.type === 'PLAIN';
}

/** A node's start offset (for an error's position). */
export function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}
