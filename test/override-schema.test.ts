// The schema of one values file (schema/values-override.schema.json, what editors check a file
// against) agrees with the chart's schema of the merged values (what Helm checks): a file is valid
// exactly when Helm's merge of it over chart/values.yaml is. Checked with Ajv (strict, the editor
// keywords declared) on the environment files, on every key of the defaults set to null, to a
// value of the wrong kind and to an empty map, and on a table of files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generate } from '../src/generate/generate.ts';
import { generateOverrideSchema } from '../src/generate/override-schema.ts';
import { EDITOR_KEYWORDS, generateJsonSchema } from '../src/generate/schema.ts';
import { Values } from '../src/model/values.ts';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { mergeHelmValues, readYaml } from './helpers/values.ts';

const OVERRIDE_PATH = join(REPO_ROOT, 'schema', 'values-override.schema.json');
const fullSchema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
const overrideSchema = JSON.parse(readFileSync(OVERRIDE_PATH, 'utf8')) as object;
const defaults = readYaml(join(CHART_DIR, 'values.yaml'));

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addVocabulary([...EDITOR_KEYWORDS]);
const validFull = ajv.compile(fullSchema);
const validFile = ajv.compile(overrideSchema);

type Verdicts = { file: boolean; merged: boolean };

/** Whether the file is valid for an editor, and whether Helm's merge of it is valid for Helm. */
function verdicts(file: unknown): Verdicts {
  return { file: validFile(file), merged: validFull(mergeHelmValues(defaults, file)) };
}

/** Every key path of the defaults, through maps only (lists are replaced whole, never merged). */
function keyPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...keyPaths(child, [...prefix, key])]);
}

/** A values file that sets one key path to a value: {a: {b: value}}. */
function fileSetting(path: string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

describe('schema/values-override.schema.json', () => {
  it('is what the build generates from the model and the defaults', async () => {
    const generated = (await generate()).find((f) => f.path === 'schema/values-override.schema.json');
    expect(generated?.content).toBe(readFileSync(OVERRIDE_PATH, 'utf8'));
    expect(generateOverrideSchema(generateJsonSchema(), Values.parse({}))).toEqual(overrideSchema);
  });

  it('is draft-07, self-contained and compiles in strict mode', () => {
    expect((overrideSchema as { $schema: string }).$schema).toBe('http://json-schema.org/draft-07/schema#');
    const refs = JSON.stringify(overrideSchema).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/"\$ref":"#\/definitions\/[A-Za-z0-9]+"/);
  });

  it('accepts an empty file and the chart defaults themselves', () => {
    expect(verdicts({})).toEqual({ file: true, merged: true });
    expect(verdicts(defaults)).toEqual({ file: true, merged: true });
  });

  const envFiles = readdirSync(VALUES_DIR).filter((f) => f.endsWith('.yaml'));
  it.each(envFiles)('accepts values/%s (and so does Helm after merging)', (name) => {
    expect(verdicts(readYaml(join(VALUES_DIR, name)))).toEqual({ file: true, merged: true });
  });

  const paths = keyPaths(defaults);
  it('covers the defaults (at least 100 key paths)', () => expect(paths.length).toBeGreaterThan(100));

  // Each probe, at each key path of the defaults: null (delete), a value of another kind, an
  // empty map. The file schema must judge the file as the chart's schema judges the merge.
  const probes: [string, unknown][] = [
    ['null', null],
    ['a string', 'x y'],
    ['a number', 70000],
    ['a list', ['x']],
    ['an empty map', {}],
    ['true', true],
  ];
  it.each(probes)('agrees with Helm when any key of the defaults is set to %s', (_name, value) => {
    const disagreements = paths
      .map((path) => ({ path: path.join('.'), ...verdicts(fileSetting(path, value)) }))
      .filter((v) => v.file !== v.merged);
    expect(disagreements).toEqual([]);
  });

  type Case = { name: string; yaml: string; valid: boolean };
  const cases: Case[] = [
    { name: 'disable a default connection', yaml: 'connections: {api-from-ingress: {enabled: false}}', valid: true },
    { name: 'remove a default connection with null', yaml: 'connections: {api-from-ingress: null}', valid: true },
    { name: 'null for a connection the defaults lack', yaml: 'connections: {nope: null}', valid: false },
    {
      name: 'a new connection, complete',
      yaml: 'connections: {x: {from: {component: fineract}, to: {network: s3}, ports: [{port: 443}]}}',
      valid: true,
    },
    {
      name: 'a new connection without ports',
      yaml: 'connections: {x: {from: {component: fineract}, to: {network: s3}}}',
      valid: false,
    },
    { name: 'a new component without podSelector', yaml: 'components: {x: {metricsPorts: [{port: 1}]}}', valid: false },
    { name: 'a new network', yaml: 'networks: {x: {cidrs: [10.1.0.0/16]}}', valid: true },
    {
      name: 'an endpoint of another kind, without removing the default kind',
      yaml: 'connections: {api-from-ingress: {from: {component: keycloak}}}',
      valid: false,
    },
    {
      name: 'an endpoint of another kind, removing the default kind with null',
      yaml: 'connections: {api-from-ingress: {from: {peer: null, component: keycloak}}}',
      valid: true,
    },
    {
      name: 'an endpoint of the same kind',
      yaml: 'connections: {api-from-ingress: {from: {peer: other}}}',
      valid: true,
    },
    {
      name: 'dns by namespace label instead of name',
      yaml: 'dns: {namespace: null, namespaceSelector: {matchLabels: {team: dns}}}',
      valid: true,
    },
    { name: 'monitoring without its podSelector', yaml: 'monitoring: {podSelector: null}', valid: false },
    { name: 'dns without its ports', yaml: 'dns: {ports: null}', valid: false },
    { name: 'an empty ports list', yaml: 'dns: {ports: []}', valid: false },
    { name: 'typo in a field', yaml: 'defaultDeny: {enabeld: true}', valid: false },
    { name: 'protocol HTTP', yaml: 'dns: {ports: [{port: 53, protocol: HTTP}]}', valid: false },
    { name: 'a CIDR without mask', yaml: 'networks: {rds: {cidrs: [10.0.0.1]}}', valid: false },
    { name: 'port 70000', yaml: 'components: {keycloak: {metricsPorts: [{port: 70000}]}}', valid: false },
    {
      name: 'a component name in uppercase',
      yaml: 'components: {Fineract: {podSelector: {matchLabels: {a: b}}}}',
      valid: false,
    },
    {
      name: 'remove a default label',
      yaml: 'components: {keycloak: {podSelector: {matchLabels: {app: null, x: y}}}}',
      valid: true,
    },
    { name: 'global, anything', yaml: 'global: {anything: [1, {a: null}]}', valid: true },
    { name: 'null at the top level', yaml: 'dns: null\nmonitoring: null', valid: true },
    { name: 'global null', yaml: 'global: null', valid: false },
  ];

  it.each(cases)('$name: valid $valid, for the editor and for Helm', ({ yaml, valid }) => {
    expect(verdicts(parseYaml(yaml))).toEqual({ file: valid, merged: valid });
  });
});
