// Stage 3 of validate: the merged values against the chart's JSON Schema (schema/values.schema.json,
// the file Helm validates with), with Ajv (draft-07), and every error made human:
//   - unknown key → "unknown key `enabeld` (did you mean `enabled`?)";
//   - wrong type → "expected a string, got the boolean true", with YAML 1.1's surprises explained
//     (`namespace: no` is the boolean false: quote it);
//   - pattern → the field's description from the model, and for a CIDR without its prefix length
//     `CIDR mask is missing in "10.0.0.1". Did you mean "10.0.0.1/32"?`;
//   - anyOf → the errors of the alternative the value was meant to be (a port number out of range,
//     or a port name with capitals), never the noise of every alternative.
// Endpoints ({component}|{peer}|{network}) are left to the semantic checks, which see what the merge
// did to them.
//
// Usage: const findings = checkSchema(merged.values, merged.locations);
import type { ErrorObject } from 'ajv';
import { addressFamily } from '../model/cidr.ts';
import { stringify } from 'yaml';
import {
  ANNOTATION_TEXT,
  CIDR,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  LABEL_KEY,
  LABEL_VALUE,
  PATTERN_DESCRIPTIONS,
  PORT_NAME,
  SINGLE_LINE_TEXT,
} from '../model/patterns.ts';
// Compiled from schema/values.schema.json (the file Helm validates with; chart/values.schema.json is
// a copy) by `npm run build`: src/generate/validator.ts.
import { validate } from '../../schema/values-validator.js';
import type { LocationNode } from './read.ts';
import { scalarAt } from './locations.ts';
import { isMap, pathOfPointer, valueAt } from './paths.ts';
import { closestName } from './suggest.ts';
import type { Finding, Path } from './report/types.ts';

/** What each pattern of the model means, in the words of the model's own descriptions. */
const PATTERNS = new Map<string, string>([
  [DNS1123_LABEL.source, PATTERN_DESCRIPTIONS.name],
  [DNS1123_SUBDOMAIN.source, PATTERN_DESCRIPTIONS.policyName],
  [LABEL_KEY.source, PATTERN_DESCRIPTIONS.labelKey],
  [LABEL_VALUE.source, PATTERN_DESCRIPTIONS.labelValue],
  [PORT_NAME.source, PATTERN_DESCRIPTIONS.portName],
  [CIDR.source, PATTERN_DESCRIPTIONS.cidr],
  [SINGLE_LINE_TEXT.source, PATTERN_DESCRIPTIONS.description],
  [ANNOTATION_TEXT.source, PATTERN_DESCRIPTIONS.annotationValue],
]);

const ENDPOINT_SCHEMA = '#/definitions/Endpoint/anyOf';
const ENDPOINT_KINDS = ['component', 'peer', 'network'] as const;

type SchemaNode = {
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  examples?: unknown[];
  [key: string]: unknown;
};

export function checkSchema(values: unknown, locations: LocationNode | undefined): Finding[] {
  if (validate(values)) return [];
  const errors = withoutEndpointNoise(chooseAlternatives([...(validate.errors ?? [])]), values);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const finding = humanize(error, values, locations);
    if (!finding) continue;
    const key = `${finding.path.join('\u0000')}\u0001${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return findings;
}

// ---- anyOf: keep the alternative that was meant ------------------------------------------------------

/**
 * For every anyOf error, the errors of the alternative the value was meant to be (no type
 * mismatch at the value itself; the fewest errors; enum mismatches count against it), with enum
 * errors widened to the allowed values of every alternative. When every alternative has the
 * wrong type, one type error listing all of them.
 */
function chooseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf' && !e.schemaPath.startsWith(ENDPOINT_SCHEMA));
  let result = errors;
  for (const anyOf of anyOfs) {
    if (!result.includes(anyOf)) continue; // inside an alternative already left out
    const prefix = `${anyOf.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    const within = (e: ErrorObject) =>
      e.schemaPath.startsWith(prefix) &&
      (e.instancePath === anyOf.instancePath || e.instancePath.startsWith(`${anyOf.instancePath}/`));
    for (const e of result) {
      if (!within(e)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const candidates = [...branches.values()].filter(
      (list) => !list.some((e) => e.keyword === 'type' && e.instancePath === anyOf.instancePath),
    );
    const rank = (list: ErrorObject[]) => list.length + list.filter((e) => e.keyword === 'enum').length * 0.5;
    const chosen = candidates.sort((a, b) => rank(a) - rank(b))[0];
    const others = result.filter((e) => e !== anyOf && !within(e));
    if (!chosen) {
      const mismatches = [...branches.values()].flatMap((list) =>
        list.filter((e) => e.keyword === 'type' && e.instancePath === anyOf.instancePath),
      );
      const types = [...new Set(mismatches.map((e) => String(e.params.type)))];
      const titles = mismatches.map((e): unknown => e.parentSchema?.title);
      const named = titles.every((t) => typeof t === 'string') ? titles.map((t) => `a ${t.toLowerCase()}`) : [];
      const merged: ErrorObject = { ...anyOf, keyword: 'type', params: { type: types.join(','), named } };
      result = [...others, mismatches.length > 0 ? merged : anyOf];
      continue;
    }
    const widened = chosen.map((e) => {
      if (e.keyword !== 'enum') return e;
      const allowed = new Set<unknown>();
      for (const list of branches.values()) {
        for (const other of list) {
          if (other.keyword === 'enum' && other.instancePath === e.instancePath) {
            for (const v of other.params.allowedValues as unknown[]) allowed.add(v);
          }
        }
      }
      return { ...e, params: { allowedValues: [...allowed] } };
    });
    result = [...others, ...widened];
  }
  return result;
}

/**
 * Endpoint errors are reported by the semantic checks (an endpoint naming two kinds after a
 * merge, or none); only errors about the name of the one kind it names are kept here.
 */
function withoutEndpointNoise(errors: ErrorObject[], values: unknown): ErrorObject[] {
  return errors.filter((e) => {
    if (!e.schemaPath.startsWith(ENDPOINT_SCHEMA)) return true;
    const match = /^#\/definitions\/Endpoint\/anyOf\/(\d)\/properties\/(\w+)\//.exec(e.schemaPath);
    if (!match) return false;
    const kind = ENDPOINT_KINDS[Number(match[1])];
    const endpoint = valueAt(values, pathOfPointer(e.instancePath, values).slice(0, -1));
    return isMap(endpoint) && Object.keys(endpoint).length === 1 && kind !== undefined && kind in endpoint;
  });
}

// ---- one error, in words -------------------------------------------------------------------------------

function humanize(error: ErrorObject, values: unknown, locations: LocationNode | undefined): Finding | undefined {
  const base = pathOfPointer(error.instancePath, values);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (error.keyword === 'propertyNames') return undefined; // reported by its inner error (propertyName)
  if (propertyName !== undefined) return badName([...base, propertyName], propertyName, error, parent);
  const value = valueAt(values, base);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const suggestion = closestName(key, known);
      return {
        path: [...base, key],
        message: `unknown key \`${key}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
        fix: suggestion
          ? `rename it to \`${suggestion}\``
          : `remove it; the keys allowed here are ${known.map((k) => `\`${k}\``).join(', ')}`,
        severity: 'error',
      };
    }
    case 'required': {
      const key = String(error.params.missingProperty);
      const example = parent.properties?.[key]?.examples?.[0];
      return {
        path: [...base, key],
        message: `\`${key}\` is required${parent.title ? ` in a ${parent.title}` : ''}`,
        fix: example !== undefined ? `add ${key}: ${flow(example)}` : `add \`${key}\``,
        severity: 'error',
      };
    }
    case 'type': {
      const named = (error.params.named ?? []) as string[];
      const switchable = Object.hasOwn(parent.properties ?? {}, 'enabled');
      return wrongType(
        base,
        value,
        String(error.params.type).split(','),
        locations,
        named,
        parent.examples ?? [],
        switchable,
      );
    }
    case 'pattern':
      return badPattern(base, value, String(error.params.pattern), parent);
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const suggestion = closestName(String(value), allowed);
      return {
        path: base,
        message: `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
        fix: suggestion ? `did you mean ${suggestion}?` : `use one of ${allowed.join(', ')}`,
        severity: 'error',
      };
    }
    case 'minimum':
    case 'maximum': {
      const limit = Number(error.params.limit);
      const what = parent.title === 'Port number' ? 'a port number is 1 to 65535' : (parent.description ?? '');
      return {
        path: base,
        message: `${String(value)} is ${error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} ${limit}`,
        fix: what,
        severity: 'error',
      };
    }
    case 'minItems':
      return emptyList(base, parent);
    case 'maxLength':
    case 'minLength': {
      const limit = Number(error.params.limit);
      const length = typeof value === 'string' ? [...value].length : 0;
      return {
        path: base,
        message:
          error.keyword === 'maxLength'
            ? `is ${length} characters long; at most ${limit} are allowed`
            : `is empty; at least ${limit} character${limit === 1 ? '' : 's'} required`,
        fix: parent.description ?? '',
        severity: 'error',
      };
    }
    default:
      return {
        path: base,
        message: error.message ?? `fails the schema's ${error.keyword}`,
        fix: parent.description ?? '',
        severity: 'error',
      };
  }
}

/** A key that is not a valid name (components, peers, networks, connections, label keys). */
function badName(path: Path, name: string, error: ErrorObject, parent: SchemaNode): Finding {
  const explanation = explain(String(error.params.pattern), parent);
  const lower = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const suggestion = error.keyword === 'pattern' && DNS1123_LABEL.test(lower) && lower !== name ? lower : undefined;
  const problem =
    error.keyword === 'maxLength'
      ? `is ${[...name].length} characters long; at most ${String(error.params.limit)} are allowed`
      : `is not a valid ${(parent.title ?? 'name').toLowerCase()}`;
  return {
    path,
    message: `\`${name}\` ${problem}: ${explanation}`,
    fix: suggestion ? `rename it to \`${suggestion}\`` : 'rename it',
    severity: 'error',
  };
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function wrongType(
  path: Path,
  value: unknown,
  expected: string[],
  locations: LocationNode | undefined,
  named: string[] = [],
  examples: unknown[] = [],
  switchable = false,
): Finding {
  if (switchable && expected.includes('object') && value !== null && typeof value !== 'object') {
    return scalarForSwitch(path, value, locations);
  }
  const wanted = (named.length > 0 ? named : expected.map((t) => TYPE_WORDS[t] ?? t)).join(' or ');
  const got = describe(value);
  const written = scalarAt(locations, path);
  const surprising =
    typeof value === 'number' || (typeof value === 'boolean' && !/^(true|false)$/i.test(written?.source ?? ''));
  if (expected.includes('string') && written?.plain && surprising) {
    const how = typeof value === 'boolean' ? `the boolean ${String(value)} in YAML 1.1, as Helm reads it` : 'a number';
    return {
      path,
      message: `expected ${wanted}, got ${got}: \`${written.source}\` is ${how}`,
      fix: `quote it: "${written.source}"`,
      severity: 'error',
    };
  }
  if (expected.includes('boolean') && typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return {
      path,
      message: `expected ${wanted}, got the string ${JSON.stringify(value)}`,
      fix: `write ${value.toLowerCase()} without quotes`,
      severity: 'error',
    };
  }
  if (expected.includes('boolean') && typeof value === 'string') {
    return {
      path,
      message: `expected ${wanted}, got ${got}`,
      fix: 'write true or false, without quotes',
      severity: 'error',
    };
  }
  if (value === null) {
    return {
      path,
      message: `expected ${wanted}, got null`,
      fix: 'null only deletes a key the chart has a default for; remove this key instead (or give it a value)',
      severity: 'error',
    };
  }
  if (expected.includes('integer') && typeof value === 'string' && /^\d+$/.test(value)) {
    return {
      path,
      message: `expected ${wanted}, got the string ${JSON.stringify(value)}`,
      fix: `write ${value} without quotes`,
      severity: 'error',
    };
  }
  const fix = examples.length > 0 ? `for example ${examples.map((e) => flow(e)).join(' or ')}` : '';
  return { path, message: `expected ${wanted}, got ${got}`, fix, severity: 'error' };
}

/**
 * A scalar where a mapping with an `enabled` switch belongs (`monitoring: false`): the mapping
 * form that says it, `monitoring: {enabled: false}`. A YAML word for a boolean (`off`, `"no"`) is
 * read as the boolean it names.
 */
function scalarForSwitch(path: Path, value: unknown, locations: LocationNode | undefined): Finding {
  const written =
    typeof value === 'string' ? JSON.stringify(value) : (scalarAt(locations, path)?.source ?? String(value));
  const word = String(value).toLowerCase();
  const on =
    typeof value === 'boolean'
      ? value
      : /^(true|yes|y|on|1)$/.test(word)
        ? true
        : /^(false|no|n|off|0)$/.test(word)
          ? false
          : undefined;
  const key = String(path[path.length - 1] ?? '');
  return {
    path,
    message: `expected a mapping (key: value), got ${describe(value)}: \`${key}\` is switched with its \`enabled\` key`,
    fix:
      on === undefined
        ? `write ${key}: {enabled: false} to turn it off, or ${key}: {enabled: true}`
        : `write ${key}: {enabled: ${String(on)}} instead of ${key}: ${written}`,
    severity: 'error',
  };
}

function badPattern(path: Path, value: unknown, pattern: string, parent: SchemaNode): Finding {
  const text = String(value);
  if (pattern === PORT_NAME.source && /^\d+$/.test(text)) {
    return {
      path,
      message: `"${text}" is a port number in quotes, which reads as a port name`,
      fix: `write ${text} without quotes`,
      severity: 'error',
    };
  }
  const explanation = explain(pattern, parent);
  if (pattern === CIDR.source && text === 'TODO') {
    return {
      path,
      message: '"TODO" is a CIDR left for you (by `fineract-netpol fit`): the addresses are out of its sight',
      fix: 'write the CIDR blocks that hold them, such as the database subnets of this environment (10.20.32.0/24)',
      severity: 'error',
    };
  }
  if (pattern === CIDR.source) {
    const cidrFix = cidrSuggestion(text);
    if (cidrFix) return { path, ...cidrFix, severity: 'error' };
  }
  let fix = '';
  if (pattern === DNS1123_LABEL.source || pattern === PORT_NAME.source || pattern === DNS1123_SUBDOMAIN.source) {
    const lower = text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
    if (lower !== text && new RegExp(pattern).test(lower)) fix = `did you mean "${lower}"?`;
  }
  if (!fix && parent.examples?.[0] !== undefined) fix = `for example ${JSON.stringify(parent.examples[0])}`;
  return {
    path,
    message: `${JSON.stringify(text)} is not a valid ${(parent.title ?? 'value').toLowerCase()}: ${explanation}`,
    fix,
    severity: 'error',
  };
}

/** A pattern in words: the schema's patternErrorMessage, else the description of the model's type. */
function explain(pattern: string, parent: SchemaNode): string {
  const message = typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : undefined;
  return message ?? PATTERNS.get(pattern) ?? parent.description ?? `it must match ${pattern}`;
}

/** The cdk8s-style hint for a CIDR written without (or with a wrong) prefix length. */
function cidrSuggestion(text: string): { message: string; fix: string } | undefined {
  const [address = '', prefix] = text.split('/');
  const version = addressFamily(address);
  if (version === undefined) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefix === undefined) {
    return {
      message: `CIDR mask is missing in ${JSON.stringify(text)}. Did you mean "${address}/${max}"?`,
      fix: `write "${address}/${max}" for this one address, or the subnet with its prefix length (such as "10.20.0.0/16")`,
    };
  }
  return {
    message: `${JSON.stringify(text)} has an invalid prefix length "/${prefix}": an IPv${version} prefix length is 0 to ${max}`,
    fix: `write the prefix length as a number from 0 to ${max}, such as "${address}/${version === 4 ? 24 : 64}"`,
  };
}

function emptyList(path: Path, parent: SchemaNode): Finding {
  if (parent.title === 'Ports') {
    return {
      path,
      message: 'is empty; this chart never allows all ports',
      fix: 'list at least one port, such as [{port: 8080}]',
      severity: 'error',
    };
  }
  const last = path[path.length - 1];
  if (last === 'cidrs') {
    return { path, message: 'is empty', fix: 'list at least one CIDR, such as [10.20.0.0/16]', severity: 'error' };
  }
  return { path, message: 'is empty', fix: 'list at least one value', severity: 'error' };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

/** A value as one line of flow YAML: {matchLabels: {app: keycloak}}. */
export function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim();
}
