// Would the API server accept this CiliumNetworkPolicy? Validation against the real CRD schema of
// Cilium's cilium.io/v2 CiliumNetworkPolicy (Cilium v1.20.2), vendored in schema/vendor/ with its
// provenance (scripts/vendor-cilium-crd.ts; test/cilium-crd.test.ts re-extracts it from the Go
// module and fails when the copy differs). No Go at run time: the schema is compiled with Ajv.
//
// The schema is a Kubernetes structural schema, checked the way kube-apiserver's apiextensions
// validation does it (test/real-cluster/server-validation.test.ts compares the two on a corpus):
//   - unknown fields are refused, as `kubectl apply` with strict field validation refuses them
//     (without it the API server would prune them silently): every object of the schema's
//     structure (properties / items / additionalProperties, not the value validations inside
//     anyOf / oneOf) is closed unless it says `x-kubernetes-preserve-unknown-fields`;
//     `metadata` is ObjectMeta, checked by the NetworkPolicy rules of src/verify/readers/kubernetes.ts;
//   - `x-kubernetes-int-or-string`: an integer or a string; `x-kubernetes-list-type: set | map`:
//     no duplicate items (map: by `x-kubernetes-list-map-keys`); `x-kubernetes-map-type`: no check;
//     `x-kubernetes-validations` (CEL): the rules of CEL_RULES, evaluated in TypeScript (an
//     unknown rule fails the compile, so a new Cilium version cannot skip one silently);
//   - a null where the schema does not say `nullable` is pruned first, as the API server does;
//   - `format`: only the formats the API server checks (cidr as Go's lenient net.ParseCIDR, as
//     kube-openapi's ParseCIDRSloppy; date-time); int32, int64, idn-hostname… are not checked;
//   - `pattern`: Go RE2 syntax, translated for JavaScript; the patterns whose backtracking would be
//     exponential in JavaScript (RE2 is linear) are swapped for equivalent linear ones
//     (LINEAR_PATTERNS, each equivalence checked by the test), so a hostile manifest cannot hang
//     `verify`; `default` is not applied (defaulting changes nothing the schema checks).
//
// Usage:
//   const issues = validateCiliumNetworkPolicy(object);           // [] when the API server accepts it
//   for (const issue of issues) console.log(formatIssue(issue));  // "spec.egress[0].toFQDNs[0]: …"
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { REPO_ROOT } from '../../paths.ts';
import { pathOfPointer, valueAt } from '../../values/paths.ts';
import {
  closest,
  describe,
  isRecord,
  quote,
  UNKNOWN_FIELD_WHY,
  validateKubernetesObject,
  type KubernetesIssue,
  type Segment,
  type ValidateOptions,
} from './kubernetes.ts';

export const CILIUM_MODULE = 'github.com/cilium/cilium';
/** The Cilium release whose CRD is vendored (test/oracles/cilium-check/go.mod pins the same). */
export const CILIUM_VERSION = 'v1.20.2';
/** Where the CRD lives inside the module. */
export const CILIUM_CNP_CRD_PATH = 'pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml';
export const CILIUM_API_VERSION = 'cilium.io/v2';
export const CILIUM_KIND = 'CiliumNetworkPolicy';

/** The vendored schema of a Cilium version: schema/vendor/cilium-<version>-ciliumnetworkpolicies-v2.json. */
export function ciliumSchemaFile(version = CILIUM_VERSION): string {
  return join(REPO_ROOT, 'schema', 'vendor', `cilium-${version}-ciliumnetworkpolicies-v2.json`);
}

/**
 * Every issue of one object as the API server (with the CiliumNetworkPolicy CRD of
 * CILIUM_VERSION installed, strict field validation) would report it; [] when it accepts it.
 * `mode` is that of validateKubernetesObject, for metadata ('manifest' refuses server-written fields).
 */
export function validateCiliumNetworkPolicy(object: unknown, options: ValidateOptions = {}): KubernetesIssue[] {
  if (!isRecord(object)) {
    return [{ path: [], message: `must be a mapping (a Kubernetes object), not ${describe(object)}` }];
  }
  if (object['apiVersion'] !== CILIUM_API_VERSION || object['kind'] !== CILIUM_KIND) {
    return [
      {
        path: object['kind'] === CILIUM_KIND ? ['apiVersion'] : ['kind'],
        message: `${describe(object['kind'])} (${String(object['apiVersion'])}) is not a ${CILIUM_API_VERSION} ${CILIUM_KIND}`,
      },
    ];
  }
  const { validate, schema } = compiled();
  // The API server prunes a null that the schema does not allow (nullable), before validating.
  const pruned = withoutNulls(object, schema) as Record<string, unknown>;
  const issues = validate(pruned) ? [] : schemaIssues(validate.errors ?? [], pruned);
  // ObjectMeta: the API server's rules for metadata are the same for every kind (name: a DNS-1123
  // subdomain, labels, annotations…); src/verify/readers/kubernetes.ts holds them, so ask it.
  const shell = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: object['metadata'], spec: {} };
  issues.push(...validateKubernetesObject(shell, options).filter((issue) => issue.path[0] === 'metadata'));
  return dedupe(issues);
}

// ---- The schema, made ready for Ajv --------------------------------------------------------

/** CEL rules of x-kubernetes-validations that this file evaluates, by their exact text. */
export const CEL_RULES: Record<string, (self: unknown) => boolean> = {
  'has(self.spec) || has(self.specs)': (self) => isRecord(self) && (self['spec'] != null || self['specs'] != null),
};

/** Port numbers, as the port pattern's first alternative reads them: a prefix of the value. */
const PORT_NUMBER_PREFIX = /^(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})/;

/**
 * Go patterns of the schema that JavaScript's backtracking would match in exponential (or
 * polynomial) time (RE2 is linear), and an equivalent linear check for each: test/cilium-crd.test.ts
 * compares each with the Go pattern on random strings and times every pattern on hostile input.
 */
export const LINEAR_PATTERNS: Record<string, (value: string) => boolean> = {
  // FQDN matchPattern: dot-separated runs of [-a-zA-Z0-9_*], no leading or double dot, optional trailing dot.
  '^([-a-zA-Z0-9_*]+[.]?)+$': (value) => /^[-a-zA-Z0-9_*]+(?:\.[-a-zA-Z0-9_*]+)*\.?$/.test(value),
  // FQDN matchName: the same without "*".
  '^([-a-zA-Z0-9_]+[.]?)+$': (value) => /^[-a-zA-Z0-9_]+(?:\.[-a-zA-Z0-9_]+)*\.?$/.test(value),
  // Port: a number as a prefix (the first alternative has no "$"), or a suffix that is a letter
  // followed by (-?[a-zA-Z0-9])* (the second has no "^"); the suffix is matched reversed, from the
  // start, so that no start position is tried twice.
  '^(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})|([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$':
    (value) => PORT_NUMBER_PREFIX.test(value) || /^(?:[a-zA-Z0-9]-?)*[a-zA-Z]/.test([...value].reverse().join('')),
};

/** Formats the API server checks (apiextensions-apiserver formats.go), normalised without "-". */
const CHECKED_FORMATS: Record<string, (value: string) => boolean> = {
  cidr: isGoCidr,
  datetime: (value) =>
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value)),
};
/** Formats the API server knows and would check, but this file does not implement (refused at compile). */
const KNOWN_UNCHECKED_FORMATS = new Set(
  'bsonobjectid uri email hostname ipv4 ipv6 mac uuid uuid3 uuid4 uuid5 isbn isbn10 isbn13 creditcard ssn hexcolor rgbcolor byte password date duration k8sshortname k8slongname'.split(
    ' ',
  ),
);

let cache: { validate: ValidateFunction; schema: AnySchemaObject } | undefined;

function compiled(): { validate: ValidateFunction; schema: AnySchemaObject } {
  if (cache) return cache;
  const vendored = JSON.parse(readFileSync(ciliumSchemaFile(), 'utf8')) as { openAPIV3Schema: AnySchemaObject };
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys', schemaType: 'array' });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    errors: true,
    compile: (listType: string, parent: AnySchemaObject) => {
      const keys = (parent['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
      const identity = (item: unknown) =>
        listType === 'map' ? JSON.stringify(keys.map((k) => (isRecord(item) ? item[k] : undefined))) : canonical(item);
      const check = (data: unknown[]) => {
        if (listType !== 'set' && listType !== 'map') return true;
        const seen = new Set<string>();
        const errors: Partial<ErrorObject>[] = [];
        data.forEach((item, index) => {
          const id = identity(item);
          if (seen.has(id)) {
            errors.push({
              keyword: 'x-kubernetes-list-type',
              params: { index },
              message: listType === 'map' ? `duplicate entry with key ${keys.join(', ')}` : 'duplicate entry',
            });
          }
          seen.add(id);
        });
        (check as { errors?: Partial<ErrorObject>[] }).errors = errors;
        return errors.length === 0;
      };
      return check;
    },
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    errors: true,
    compile: (rules: { rule: string; message?: string }[]) => {
      const predicates = rules.map(({ rule, message }) => {
        const predicate = CEL_RULES[rule];
        if (!predicate) throw new Error(`CEL rule ${quote(rule)} is not implemented: add it to CEL_RULES`);
        return { predicate, message: message ?? `failed rule: ${rule}` };
      });
      const check = (data: unknown) => {
        const errors = predicates
          .filter(({ predicate }) => !predicate(data))
          .map(({ message }) => ({ keyword: 'x-kubernetes-validations', params: {}, message }));
        (check as { errors?: Partial<ErrorObject>[] }).errors = errors;
        return errors.length === 0;
      };
      return check;
    },
  });
  ajv.addKeyword({
    keyword: 'x-go-pattern',
    type: 'string',
    schemaType: 'string',
    compile: (goPattern: string) => {
      const matches = goPatternMatcher(goPattern);
      return (data: string) => matches(data);
    },
  });
  for (const [name, validate] of Object.entries(CHECKED_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  const schema = toAjv(vendored.openAPIV3Schema, true, []);
  cache = { validate: ajv.compile(schema), schema };
  return cache;
}

/**
 * A copy of a structural schema node for Ajv: closed objects, int-or-string, formats and patterns
 * as the API server checks them. `structural`: the node is part of the schema's structure (not a
 * value validation inside anyOf / oneOf / allOf / not).
 */
function toAjv(node: AnySchemaObject, structural: boolean, path: string[]): AnySchemaObject {
  const out: AnySchemaObject = {};
  let preserveUnknown = false;
  for (const [key, value] of Object.entries(node) as [string, unknown][]) {
    if (key === 'description' || key === 'default' || key === 'x-kubernetes-map-type') continue;
    if (key === 'x-kubernetes-preserve-unknown-fields') preserveUnknown = value === true;
    else if (key === 'x-kubernetes-int-or-string') {
      if (value === true && node['anyOf'] === undefined && node['type'] === undefined) {
        out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
      }
    } else if (key === 'format') {
      const format = String(value).replaceAll('-', '');
      if (format in CHECKED_FORMATS) out['format'] = format;
      else if (KNOWN_UNCHECKED_FORMATS.has(format)) {
        throw new Error(
          `format ${quote(String(value))} (at ${path.join('.')}) is checked by the API server: implement it`,
        );
      }
      // any other format: the API server strips it and checks nothing
    } else if (key === 'pattern') out['x-go-pattern'] = value;
    else if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, AnySchemaObject>).map(([name, child]) => [
          name,
          toAjv(child, structural, [...path, name]),
        ]),
      );
    } else if (key === 'items' || (key === 'additionalProperties' && isRecord(value))) {
      out[key] = toAjv(value as AnySchemaObject, structural, [...path, key === 'items' ? '[]' : '*']);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = (value as AnySchemaObject[]).map((branch) => toAjv(branch, false, path));
    } else if (key === 'not') out[key] = toAjv(value as AnySchemaObject, false, path);
    else if (
      key.startsWith('x-kubernetes-') &&
      !['x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-validations'].includes(key)
    ) {
      throw new Error(`${key} (at ${path.join('.')}) is not implemented by src/verify/readers/cilium-crd.ts`);
    } else out[key] = value;
  }
  // The object's metadata is ObjectMeta, whose fields the API server knows without the schema.
  const isObjectMeta = path.length === 1 && path[0] === 'metadata';
  if (
    structural &&
    node['type'] === 'object' &&
    !preserveUnknown &&
    node['additionalProperties'] === undefined &&
    !isObjectMeta
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

/**
 * A copy of a value without the nulls the API server prunes (k8s.io/apiextensions-apiserver
 * PruneNonNullableNullsWithoutDefaults): a field of an object whose schema is not `nullable`.
 */
function withoutNulls(value: unknown, schema: AnySchemaObject | undefined): unknown {
  if (Array.isArray(value)) {
    const items = schema?.['items'] as AnySchemaObject | undefined;
    return value.map((item) => withoutNulls(item, items));
  }
  if (!isRecord(value) || schema === undefined) return value;
  const properties = (schema['properties'] as Record<string, AnySchemaObject> | undefined) ?? {};
  const additional = isRecord(schema['additionalProperties'])
    ? (schema['additionalProperties'] as AnySchemaObject)
    : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties[key] ?? additional;
    if (child === null && childSchema !== undefined && childSchema['nullable'] !== true) continue;
    out[key] = withoutNulls(child, childSchema);
  }
  return out;
}

/**
 * A check of what a Go (RE2) pattern of the schema matches, as Go's MatchString (unanchored unless
 * the pattern says so): its linear equivalent, or the pattern in JavaScript's `u` mode (\pL / \PC →
 * \p{L} / \P{C}).
 */
export function goPatternMatcher(goPattern: string): (value: string) => boolean {
  const linear = LINEAR_PATTERNS[goPattern];
  if (linear) return linear;
  const regExp = new RegExp(goPattern.replace(/\\([pP])([A-Za-z])/g, '\\$1{$2}'), 'u');
  return (value) => regExp.test(value);
}

/**
 * A CIDR as kube-openapi's cidr format accepts it (k8s.io/utils/net ParseCIDRSloppy, Go's parser
 * before 1.17): an IPv4 address (leading zeros allowed) or an IPv6 address without zone, "/", a
 * decimal prefix length within the address size; host bits allowed.
 */
export function isGoCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^[0-9]+$/.test(prefix)) return false;
  const octets = address.split('.');
  const ipv4 =
    isIPv4(address) || (octets.length === 4 && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255));
  if (ipv4) return Number(prefix) <= 32;
  return isIPv6(address) && !address.includes('%') && Number(prefix) <= 128;
}

// ---- Ajv errors as issues -----------------------------------------------------------------

function schemaIssues(errors: ErrorObject[], object: Record<string, unknown>): KubernetesIssue[] {
  const issues: KubernetesIssue[] = [];
  // A branch of anyOf / oneOf fails as part of its junctor: the junctor's error says it all.
  for (const error of errors.filter((e) => !/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath))) {
    const path: Segment[] = pathOfPointer(error.instancePath, object);
    const value = valueAt(object, path);
    const got = `(got ${describe(value)})`;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties': {
        const name = String(params['additionalProperty']);
        const known = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {});
        const guess = closest(name, known);
        issues.push({
          path: [...path, name],
          message: `unknown field${guess ? ` (did you mean "${guess}"?)` : known.length > 0 ? `: it has ${known.join(', ')}` : ''}: ${UNKNOWN_FIELD_WHY}`,
        });
        break;
      }
      case 'required':
        issues.push({ path: [...path, String(params['missingProperty'])], message: 'is required' });
        break;
      case 'type':
        issues.push({ path, message: `must be ${typeNames(params['type'])} ${got}` });
        break;
      case 'enum':
        issues.push({ path, message: `must be one of ${(params['allowedValues'] as unknown[]).join(', ')} ${got}` });
        break;
      case 'x-go-pattern':
        issues.push({ path, message: `must match ${String(error.schema)} ${got}` });
        break;
      case 'format':
        issues.push({
          path,
          message:
            params['format'] === 'cidr'
              ? `must be a CIDR, e.g. 10.9.8.0/24 or 2001:db8::/64 ${got}`
              : `must be a ${String(params['format'])} ${got}`,
        });
        break;
      case 'anyOf':
      case 'oneOf':
        issues.push({ path, message: junctorMessage(error, value) });
        break;
      case 'x-kubernetes-validations':
        issues.push({ path, message: error.message ?? 'fails a rule of the CRD' });
        break;
      case 'x-kubernetes-list-type':
        issues.push({ path: [...path, Number(params['index'])], message: error.message ?? 'duplicate entry' });
        break;
      default:
        issues.push({ path, message: `${error.message ?? error.keyword} ${got}` });
    }
  }
  return issues;
}

/** anyOf / oneOf in the words of what they ask: which fields to set, or which types. */
function junctorMessage(error: ErrorObject, value: unknown): string {
  const branches = (error.schema as AnySchemaObject[] | undefined) ?? [];
  const fields = branches.map((b) =>
    Array.isArray(b['required']) && b['required'].length === 1 ? String(b['required'][0]) : undefined,
  );
  if (fields.every((f) => f !== undefined) && isRecord(value)) {
    const set = fields.filter((f) => value[f] !== undefined);
    const sets = set.length === 0 ? 'it sets none' : `it sets ${set.join(' and ')}`;
    return error.keyword === 'oneOf'
      ? `must set exactly one of ${fields.join(', ')} (${sets})`
      : `must set at least one of ${fields.join(', ')} (${sets})`;
  }
  const types = branches.map((b): unknown => b['type']).filter((t): t is string => typeof t === 'string');
  if (types.length === branches.length) return `must be ${typeNames(types)} (got ${describe(value)})`;
  return `${error.message ?? error.keyword} (got ${describe(value)})`;
}

function typeNames(type: unknown): string {
  const name = (t: string) =>
    t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`;
  const list = (Array.isArray(type) ? type : String(type).split(',')).map((t) => name(String(t)));
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} or ${list.at(-1) ?? ''}`;
}

/** A JSON text of a value with sorted keys: equal values, equal texts (list-type set). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function dedupe(issues: KubernetesIssue[]): KubernetesIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify([issue.path, issue.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
