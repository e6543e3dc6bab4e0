// Values files merged the way Helm merges them, without running Helm.
//
// Usage:
//   const defaults = readYaml('chart/values.yaml');
//   const uat = mergeHelmValues(defaults, readYaml('values/uat.yaml'));          // helm -f values/uat.yaml
//   const both = mergeHelmValues(defaults, readYaml('a.yaml'), readYaml('b.yaml')); // helm -f a.yaml -f b.yaml
//
// Semantics (Helm 3/4, pkg/chartutil coalesce.go and the -f merge of pkg/cli/values):
//   - maps are merged recursively, the later source winning key by key;
//   - lists and scalars are replaced wholesale (a list is never merged item by item);
//   - a value of a different kind replaces the default (a map over a scalar, or the reverse);
//   - `null` deletes the key and the chart's default for it. A `null` for a key the defaults do
//     not have (or inside a map the defaults do not have) stays null, as Helm keeps it;
//   - between several -f files a later `null` first overrides an earlier value, then deletes the
//     default;
//   - an empty file (YAML `null`) changes nothing.
// (Checked against `helm template` of Helm 3.17.3 and 4.1.4, which agree on all of the above.)
// Inputs are never modified; the result shares no objects with them.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type ValuesMap = Record<string, unknown>;

export function isMap(value: unknown): value is ValuesMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function mergeHelmValues(defaults: unknown, ...overrides: unknown[]): ValuesMap {
  // 1. The -f files among themselves (later wins, maps merged, nulls kept as "delete" markers).
  const user = overrides.reduce<ValuesMap>((acc, next) => (isMap(next) ? mergeKeepingNulls(acc, next) : acc), {});
  // 2. The user values over the chart's defaults, where null deletes.
  return coalesce(user, isMap(defaults) ? defaults : {});
}

function mergeKeepingNulls(base: ValuesMap, over: ValuesMap): ValuesMap {
  const out: ValuesMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(value) && isMap(current) ? mergeKeepingNulls(current, value) : structuredClone(value);
  }
  return out;
}

function coalesce(user: ValuesMap, defaults: ValuesMap): ValuesMap {
  const out: ValuesMap = {};
  // Defaults' keys first, in their order, then the keys only the user values have.
  for (const key of new Set([...Object.keys(defaults), ...Object.keys(user)])) {
    const dflt = defaults[key];
    if (!Object.hasOwn(user, key)) {
      out[key] = structuredClone(dflt);
      continue;
    }
    const value = user[key];
    if (value === null && dflt !== undefined && dflt !== null) continue; // null deletes the default
    // Only two maps merge; anything else (including a map without a default map) is taken as is.
    out[key] = isMap(value) && isMap(dflt) ? coalesce(value, dflt) : structuredClone(value);
  }
  return out;
}

/** Parses a YAML file into plain data (an empty file is null). */
export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8')) as unknown;
}
