// Values files for tests: read from disk, and merged the way Helm merges them, by the product's own
// merge (src/values/merge.ts, whose semantics are checked against the real Helm 3 and Helm 4 in
// test/schema.test.ts).
//
// Usage:
//   const defaults = readYaml('chart/values.yaml');
//   const uat = mergeHelmValues(defaults, readYaml('values/uat.yaml'));          // helm -f values/uat.yaml
//   const both = mergeHelmValues(defaults, readYaml('a.yaml'), readYaml('b.yaml')); // helm -f a.yaml -f b.yaml
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export { mergeHelmValues } from '../../src/values/merge.ts';

/** Parses a YAML file into plain data (an empty file is null). */
export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8')) as unknown;
}
