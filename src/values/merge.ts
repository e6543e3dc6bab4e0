// Values files merged over the chart's defaults the way Helm merges them, without running Helm.
//
// Usage:
//   const merged = mergeHelmValues(DEFAULT_VALUES, parse(uatYaml));                 // helm -f uat.yaml
//   const both = mergeHelmValues(DEFAULT_VALUES, parse(aYaml), parse(bYaml));        // helm -f a.yaml -f b.yaml
//   const values = Values.parse(merged);
//
// Semantics (Helm 3 and 4: the -f merge of pkg/cli/values, then coalesce.go of pkg/chartutil in Helm 3,
// pkg/chart/common/util in Helm 4):
//   - maps are merged recursively, the later source winning key by key;
//   - lists and scalars are replaced wholesale (a list is never merged item by item);
//   - a value of another kind replaces the default (a map over a scalar, or the reverse);
//   - `null` deletes the key and the chart's default for it. A `null` for a key the defaults do
//     not have stays null, at any depth (`connections: {foo: null}` and `commonLabels: {x: null}`
//     keep `foo: null` and `x: null`; the schema then judges them: "got null, want object");
//   - a `null` over a default that is itself null: deleted at the top level; below it, kept as
//     null. That is Helm 4 (its coalesce deletes a nested key only to nullify a non-null
//     default); Helm 3.17 deletes that one too. The chart's values.yaml has no null default, so
//     the two never differ on this chart;
//   - between several -f files a later `null` first overrides an earlier value, then deletes the
//     default;
//   - an empty file (YAML `null`) changes nothing.
// (Checked against `helm template` of Helm 3.17.3 and Helm 4.1.4: test/schema.test.ts.)
// Inputs are never modified; the result shares no objects with them.

/** A YAML mapping as plain data. */
export type ValuesMap = Record<string, unknown>;

export function isValuesMap(value: unknown): value is ValuesMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `defaults` (the chart's values.yaml) with each override (a -f file) merged over it, in order. */
export function mergeHelmValues(defaults: unknown, ...overrides: unknown[]): ValuesMap {
  // 1. The -f files among themselves: later wins, maps merged, nulls kept as "delete" markers.
  const user = overrides.reduce<ValuesMap>((acc, next) => (isValuesMap(next) ? mergeKeepingNulls(acc, next) : acc), {});
  // 2. The user values over the chart's defaults, where null deletes.
  return coalesce(user, isValuesMap(defaults) ? defaults : {}, true);
}

function mergeKeepingNulls(base: ValuesMap, over: ValuesMap): ValuesMap {
  const out: ValuesMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isValuesMap(value) && isValuesMap(current) ? mergeKeepingNulls(current, value) : structuredClone(value);
  }
  return out;
}

function coalesce(user: ValuesMap, defaults: ValuesMap, topLevel: boolean): ValuesMap {
  const out: ValuesMap = {};
  // The defaults' keys first, in their order, then the keys only the user values have.
  for (const key of new Set([...Object.keys(defaults), ...Object.keys(user)])) {
    const hasDefault = Object.hasOwn(defaults, key);
    const dflt = defaults[key];
    if (!Object.hasOwn(user, key)) {
      out[key] = structuredClone(dflt);
      continue;
    }
    const value = user[key];
    if (value === null) {
      // Deletes a default (at the top level, any; below it, a non-null one); else stays null.
      const deletes = hasDefault && (topLevel || dflt !== null);
      if (!deletes) out[key] = null;
      continue;
    }
    out[key] = isValuesMap(value) && isValuesMap(dflt) ? coalesce(value, dflt, false) : structuredClone(value);
  }
  return out;
}
