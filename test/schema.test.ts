// The values JSON Schema (schema/values.schema.json, copied into the chart), checked with an
// independent draft-07 validator (Ajv) against the chart's values.yaml, the environment files
// merged over it as Helm merges them, and a table of bad values files. Also: the environment
// files' database networks, checked with a CIDR library; and the Helm merge of values files
// (src/values/merge.ts), case by case against the real Helm 3 and Helm 4.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import ipaddr from 'ipaddr.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EDITOR_KEYWORDS } from '../src/generate/schema.ts';
import { Values, type ValuesOutput } from '../src/model/values.ts';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helm } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';
import { mergeHelmValues, readYaml } from './helpers/values.ts';

isolateHelmHome();

const SCHEMA_PATH = join(REPO_ROOT, 'schema', 'values.schema.json');
const CHART_SCHEMA_PATH = join(CHART_DIR, 'values.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
const defaults = readYaml(join(CHART_DIR, 'values.yaml'));
const ENV_FILES = readdirSync(VALUES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

// strict: an unknown keyword or a misplaced one in our schema is an error, not a silent no-op
// (the editor annotations, markdownDescription, defaultSnippets…, are declared as known).
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addVocabulary([...EDITOR_KEYWORDS]);
const validate = ajv.compile(schema);

function errorsOf(values: unknown): ErrorObject[] {
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

/** helm -f <file>: the file's YAML merged over the chart's defaults. */
function withDefaults(yamlText: string): Record<string, unknown> {
  return mergeHelmValues(defaults, parseYaml(yamlText) as unknown);
}

describe('mergeHelmValues (src/values/merge.ts)', () => {
  /** `helm3`: what Helm 3 gives where it differs from Helm 4 (`expected`). */
  type Case = { name: string; defaults: unknown; overrides: unknown[]; expected: unknown; helm3?: unknown };
  const cases: Case[] = [
    {
      name: 'maps merge recursively',
      defaults: { a: { b: 1, c: 2 } },
      overrides: [{ a: { c: 3, d: 4 } }],
      expected: { a: { b: 1, c: 3, d: 4 } },
    },
    {
      name: 'lists are replaced, not merged',
      defaults: { l: [1, 2], m: [{ x: 1 }] },
      overrides: [{ l: [3], m: [{ y: 2 }] }],
      expected: { l: [3], m: [{ y: 2 }] },
    },
    { name: 'scalars are replaced', defaults: { a: 1, b: 'x' }, overrides: [{ a: 2 }], expected: { a: 2, b: 'x' } },
    {
      name: 'null deletes a key',
      defaults: { a: { b: 1, c: 2 } },
      overrides: [{ a: { b: null } }],
      expected: { a: { c: 2 } },
    },
    { name: 'null deletes a whole map', defaults: { a: { b: 1 }, k: 1 }, overrides: [{ a: null }], expected: { k: 1 } },
    // Helm keeps a null it has no default to delete (the schema then judges it).
    {
      name: 'a null without a default stays null',
      defaults: { k: 1, a: { b: 1 } },
      overrides: [{ z: null, a: { c: null } }],
      expected: { k: 1, a: { b: 1, c: null }, z: null },
    },
    {
      name: 'nulls inside a map without defaults stay null',
      defaults: { s: 'scalar' },
      overrides: [{ n: { a: 1, b: null }, s: { c: null } }],
      expected: { n: { a: 1, b: null }, s: { c: null } },
    },
    {
      name: 'a null for a key a default map does not have stays null (connections, commonLabels)',
      defaults: { commonLabels: {}, connections: { a: { enabled: true, ports: [1] } } },
      overrides: [{ connections: { foo: null, a: { extra: null } }, commonLabels: { x: null } }],
      expected: {
        commonLabels: { x: null },
        connections: { a: { enabled: true, ports: [1], extra: null }, foo: null },
      },
    },
    {
      name: 'a later null over an earlier value stays null where there is no default',
      defaults: { k: 1 },
      overrides: [
        { z: 1, m: { p: 1 } },
        { z: null, m: { p: null } },
      ],
      expected: { k: 1, z: null, m: { p: null } },
    },
    {
      name: 'a null default stays null',
      defaults: { t: null, m: { t: null, k: 1 } },
      overrides: [{}],
      expected: { t: null, m: { t: null, k: 1 } },
    },
    {
      name: 'a value replaces a null default',
      defaults: { t: null, m: { t: null } },
      overrides: [{ t: 1, m: { t: { a: 1 } } }],
      expected: { t: 1, m: { t: { a: 1 } } },
    },
    {
      name: 'a top-level null over a null default deletes it',
      defaults: { t: null, k: 1 },
      overrides: [{ t: null }],
      expected: { k: 1 },
    },
    {
      name: 'a nested null over a null default stays null (Helm 4; Helm 3 deletes it)',
      defaults: { m: { t: null, k: 1 }, d: { e: { t: null } } },
      overrides: [{ m: { t: null } }, { d: { e: { t: 1 } } }, { d: { e: { t: null } } }],
      expected: { m: { t: null, k: 1 }, d: { e: { t: null } } },
      helm3: { m: { k: 1 }, d: { e: {} } },
    },
    {
      name: 'a later null deletes what an earlier file added to a map',
      defaults: { a: { b: 1 } },
      overrides: [{ a: { b: 5, d: 1 } }, { a: { b: null } }],
      expected: { a: { d: 1 } },
    },
    { name: 'a map replaces a scalar', defaults: { a: 1 }, overrides: [{ a: { b: 1 } }], expected: { a: { b: 1 } } },
    { name: 'a scalar replaces a map', defaults: { a: { b: 1 } }, overrides: [{ a: false }], expected: { a: false } },
    {
      name: 'false and 0 are values, not deletions',
      defaults: { a: true, b: 1 },
      overrides: [{ a: false, b: 0 }],
      expected: { a: false, b: 0 },
    },
    { name: 'an empty file changes nothing', defaults: { a: { b: 1 } }, overrides: [null], expected: { a: { b: 1 } } },
    {
      name: 'later files win, maps merge across files',
      defaults: { a: { b: 1 } },
      overrides: [
        { a: { c: 2 }, k: 1 },
        { a: { c: 3 }, k: 2 },
      ],
      expected: { a: { b: 1, c: 3 }, k: 2 },
    },
    {
      name: 'a later null deletes an earlier value and the default',
      defaults: { a: 1 },
      overrides: [{ a: 2, b: 3 }, { a: null }],
      expected: { b: 3 },
    },
    {
      name: 'a later value restores an earlier null',
      defaults: { a: 1 },
      overrides: [{ a: null }, { a: 5 }],
      expected: { a: 5 },
    },
  ];

  it.each(cases)('$name', ({ defaults: base, overrides, expected }) => {
    const frozen = deepFreeze(structuredClone([base, ...overrides]));
    expect(mergeHelmValues(frozen[0], ...frozen.slice(1))).toEqual(expected);
  });

  // The table above is Helm's behaviour: each case rendered by the real binaries, with the
  // defaults as a throwaway chart's values.yaml, the overrides as -f files, and `.Values` printed.
  describe.each([4, 3] as const)('equals .Values of helm template, Helm %i', (version) => {
    const root = mkdtempSync(join(tmpdir(), 'merge-helm-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it.each(cases)('$name', ({ name, defaults: base, overrides, expected, helm3 }) => {
      const chart = join(root, name.replace(/[^a-z0-9]+/gi, '-'));
      mkdirSync(join(chart, 'templates'), { recursive: true });
      writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: merge\nversion: 0.1.0\n');
      // JSON is YAML, with every key quoted (`y:` would be the boolean true for Helm's YAML 1.1).
      writeFileSync(join(chart, 'values.yaml'), JSON.stringify(base));
      writeFileSync(join(chart, 'templates', 'values.yaml'), 'values: {{ toJson .Values }}\n');
      const files = overrides.map((override, i) => {
        const file = join(chart, `override-${i}.yaml`);
        writeFileSync(file, JSON.stringify(override));
        return file;
      });
      const result = helm(version, ['template', 'merge', chart, ...files.flatMap((file) => ['--values', file])]);
      // Only Helm's warning for a map over a scalar default ("skipped value for …: Not a table.").
      expect(
        result.stderr.split('\n').filter((line) => line !== '' && !/warning: skipped value for /.test(line)),
      ).toEqual([]);
      expect(result.status).toBe(0);
      const rendered = /^values: (.*)$/m.exec(result.stdout)?.[1] ?? 'no values line';
      const helmValues = JSON.parse(rendered) as unknown;
      expect(helmValues).toEqual(version === 3 && helm3 !== undefined ? helm3 : expected);
    });
  });

  it('shares no objects with its inputs', () => {
    const base = { a: { l: [1] } };
    const merged = mergeHelmValues(base, { b: { c: [2] } });
    (merged.a as { l: number[] }).l.push(9);
    expect(base).toEqual({ a: { l: [1] } });
  });
});

describe('the schema files', () => {
  it('schema/values.schema.json and chart/values.schema.json are identical', () => {
    expect(readFileSync(CHART_SCHEMA_PATH, 'utf8')).toBe(readFileSync(SCHEMA_PATH, 'utf8'));
  });

  it('is draft-07 and compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof validate).toBe('function');
  });
});

describe('values files the schema accepts', () => {
  it('finds the environment files', () => {
    expect(ENV_FILES).toEqual(expect.arrayContaining(['dev.yaml', 'production.yaml', 'uat.yaml']));
  });

  it('chart/values.yaml', () => {
    expect(errorsOf(defaults)).toEqual([]);
  });

  it('an empty values file (defaults only)', () => {
    expect(errorsOf(withDefaults(''))).toEqual([]);
  });

  it.each(ENV_FILES)('values/%s merged over the defaults (and the zod model agrees)', (file) => {
    const merged = mergeHelmValues(defaults, readYaml(join(VALUES_DIR, file)));
    expect(errorsOf(merged)).toEqual([]);
    expect(Values.safeParse(merged).error?.issues ?? []).toEqual([]);
  });

  it.each(ENV_FILES)('values/%s starts with the yaml-language-server modeline', (file) => {
    const firstLine = readFileSync(join(VALUES_DIR, file), 'utf8').split('\n')[0];
    // The schema of one values file (before Helm merges it over the defaults): test/override-schema.test.ts.
    expect(firstLine).toBe('# yaml-language-server: $schema=../schema/values-override.schema.json');
  });
});

// Each case is a values file (helm -f) with one defect, merged over the defaults; `path` is the
// JSON pointer (Ajv instancePath) the error must be reported at, `property` the offending key.
type BadFile = { name: string; yaml: string; path: string; property?: string };
const BAD_FILES: BadFile[] = [
  { name: 'typo in a top-level key', yaml: 'defaultdeny: {enabled: true}', path: '', property: 'defaultdeny' },
  {
    name: 'typo in a component field',
    yaml: 'components: {fineract: {podSelecter: {matchLabels: {app: x}}}}',
    path: '/components/fineract',
    property: 'podSelecter',
  },
  {
    name: 'unknown field in a port',
    yaml: 'components: {fineract: {metricsPorts: [{port: 8080, name: metrics}]}}',
    path: '/components/fineract/metricsPorts/0',
    property: 'name',
  },
  {
    name: 'port 0',
    yaml: 'connections: {api-from-ingress: {ports: [{port: 0}]}}',
    path: '/connections/api-from-ingress/ports/0/port',
  },
  {
    name: 'port 65536',
    yaml: 'connections: {api-from-ingress: {ports: [{port: 65536}]}}',
    path: '/connections/api-from-ingress/ports/0/port',
  },
  {
    name: 'protocol http',
    yaml: 'connections: {api-from-ingress: {ports: [{port: 8080, protocol: http}]}}',
    path: '/connections/api-from-ingress/ports/0/protocol',
  },
  {
    name: 'named port "Http"',
    yaml: 'connections: {fineract-to-keycloak: {ports: [{port: Http}]}}',
    path: '/connections/fineract-to-keycloak/ports/0/port',
  },
  {
    name: 'endPort 70000',
    yaml: 'connections: {api-from-ingress: {ports: [{port: 8080, endPort: 70000}]}}',
    path: '/connections/api-from-ingress/ports/0/endPort',
  },
  {
    name: 'empty ports list',
    yaml: 'connections: {api-from-ingress: {ports: []}}',
    path: '/connections/api-from-ingress/ports',
  },
  {
    name: 'CIDR without mask',
    yaml: 'networks: {rds: {cidrs: [10.20.0.1], excludePrivate: false}}',
    path: '/networks/rds/cidrs/0',
  },
  { name: 'CIDR 10.0.0.256/8', yaml: 'networks: {rds: {cidrs: [10.0.0.256/8]}}', path: '/networks/rds/cidrs/0' },
  { name: 'privateCidrs as a string', yaml: 'privateCidrs: 10.0.0.0/8', path: '/privateCidrs' },
  {
    name: 'excludePrivate "false" (quoted)',
    yaml: 'networks: {rds: {excludePrivate: "false"}}',
    path: '/networks/rds/excludePrivate',
  },
  { name: 'defaultDeny.enabled "yes"', yaml: 'defaultDeny: {enabled: "yes"}', path: '/defaultDeny/enabled' },
  { name: 'label value with a space', yaml: 'commonLabels: {team: platform team}', path: '/commonLabels/team' },
  {
    name: 'label key with two slashes',
    yaml: 'commonLabels: {example.com/team/name: x}',
    path: '/commonLabels',
    property: 'example.com/team/name',
  },
  {
    name: 'component name with uppercase',
    yaml: 'components: {Fineract: {podSelector: {matchLabels: {app: x}}}}',
    path: '/components',
    property: 'Fineract',
  },
  {
    name: 'connection name with underscore',
    yaml: 'connections: {api_from_ingress: {from: {peer: ingress-nginx}, to: {component: fineract}, ports: [{port: 8080}]}}',
    path: '/connections',
    property: 'api_from_ingress',
  },
  {
    name: 'endpoint with no kind',
    yaml: 'connections: {x: {from: {}, to: {component: fineract}, ports: [{port: 1}]}}',
    path: '/connections/x/from',
  },
  {
    name: 'endpoint with two kinds',
    yaml: 'connections: {api-from-ingress: {from: {peer: ingress-nginx, network: s3}}}',
    path: '/connections/api-from-ingress/from',
  },
  {
    name: 'connection without `to`',
    yaml: 'connections: {x: {from: {component: fineract}, ports: [{port: 1}]}}',
    path: '/connections/x',
    property: 'to',
  },
  {
    name: 'multi-line description',
    yaml: 'connections:\n  api-from-ingress:\n    description: |\n      line one\n      line two\n',
    path: '/connections/api-from-ingress/description',
  },
  { name: 'namespace with uppercase', yaml: 'dns: {namespace: Kube-System}', path: '/dns/namespace' },
  {
    name: 'Exists with values',
    yaml: 'peers: {ingress-nginx: {podSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}}}',
    path: '/peers/ingress-nginx/podSelector/matchExpressions/0',
  },
  {
    name: 'monitoring.podSelector deleted with null',
    yaml: 'monitoring: {podSelector: null}',
    path: '/monitoring',
    property: 'podSelector',
  },
  { name: 'global as a list', yaml: 'global: [1]', path: '/global' },
];

describe('values files the schema refuses', () => {
  it('has at least 15 cases', () => expect(BAD_FILES.length).toBeGreaterThanOrEqual(15));

  it.each(BAD_FILES)('$name → $path', ({ yaml, path, property }) => {
    const values = withDefaults(yaml);
    const errors = errorsOf(values);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.instancePath)).toContain(path);
    // The defect is the only one: every error is at or below that path.
    for (const e of errors)
      expect(e.instancePath === path || e.instancePath.startsWith(`${path}/`), e.instancePath).toBe(true);
    if (property) {
      const named = errors.map((e) => {
        const p = e.params as { additionalProperty?: string; propertyName?: string; missingProperty?: string };
        return p.additionalProperty ?? p.propertyName ?? p.missingProperty;
      });
      expect(named).toContain(property);
    }
    // The zod model refuses it too (the schema is derived from it).
    expect(Values.safeParse(values).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The environment files' networks, checked with ipaddr.js.
// ---------------------------------------------------------------------------------------------
const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** Whether CIDR `inner` lies inside CIDR `outer` (same family, at least as long a prefix, same leading bits). */
function cidrInside(inner: string, outer: string): boolean {
  const [address, bits] = ipaddr.parseCIDR(inner);
  const [range, rangeBits] = ipaddr.parseCIDR(outer);
  return address.kind() === range.kind() && bits >= rangeBits && address.match(range, rangeBits);
}

/** Whether a CIDR has no host bits set (10.20.32.0/24, not 10.20.32.1/24). */
function cidrCanonical(cidr: string): boolean {
  const [address] = ipaddr.parseCIDR(cidr);
  const network =
    address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return network.toNormalizedString() === address.toNormalizedString();
}

/** Networks that enabled connections reach on the PostgreSQL port. */
function databaseNetworks(values: ValuesOutput): string[] {
  const names = Object.values(values.connections)
    .filter((c) => c.enabled && 'network' in c.to && c.ports.some((p) => p.port === 5432))
    .map((c) => ('network' in c.to ? c.to.network : ''));
  return [...new Set(names)].sort();
}

function environment(file: string): ValuesOutput {
  return Values.parse(mergeHelmValues(defaults, readYaml(join(VALUES_DIR, file))));
}

describe('CIDR helpers (ipaddr.js)', () => {
  it.each([
    { inner: '10.20.32.0/24', outer: '10.0.0.0/8', expected: true },
    { inner: '10.0.0.0/8', outer: '10.0.0.0/8', expected: true },
    { inner: '11.0.0.0/24', outer: '10.0.0.0/8', expected: false },
    { inner: '10.0.0.0/7', outer: '10.0.0.0/8', expected: false },
    { inner: '172.31.255.0/24', outer: '172.16.0.0/12', expected: true },
    { inner: '172.32.0.0/24', outer: '172.16.0.0/12', expected: false },
    { inner: '0.0.0.0/0', outer: '10.0.0.0/8', expected: false },
    { inner: 'fd00:1::/32', outer: 'fd00::/8', expected: true },
    { inner: 'fd00::/8', outer: '10.0.0.0/8', expected: false },
  ])('$inner inside $outer: $expected', ({ inner, outer, expected }) => {
    expect(cidrInside(inner, outer)).toBe(expected);
  });

  it('canonical CIDRs', () => {
    expect(cidrCanonical('10.20.32.0/24')).toBe(true);
    expect(cidrCanonical('10.20.32.1/24')).toBe(false);
    expect(cidrCanonical('fd00::/8')).toBe(true);
    expect(cidrCanonical('fd00::1/8')).toBe(false);
  });
});

describe('environment files', () => {
  it.each(['uat.yaml', 'production.yaml'])(
    'values/%s: the database networks are private subnets, with excludePrivate false',
    (file) => {
      const values = environment(file);
      const databases = databaseNetworks(values);
      expect(databases).toEqual(['rds']);
      for (const name of databases) {
        const network = values.networks[name]!;
        expect(network.excludePrivate, `${name}.excludePrivate`).toBe(false);
        expect(network.cidrs?.length).toBeGreaterThan(0);
        for (const cidr of network.cidrs ?? []) {
          expect(
            RFC1918.some((range) => cidrInside(cidr, range)),
            `${file}: ${cidr} is not inside ${RFC1918.join(', ')}`,
          ).toBe(true);
          expect(cidrCanonical(cidr), `${file}: ${cidr} has host bits set`).toBe(true);
        }
      }
    },
  );

  it('values/production.yaml enables defaultDeny', () => {
    expect(environment('production.yaml').defaultDeny.enabled).toBe(true);
  });

  it.each(['(defaults)', ...ENV_FILES])(
    '%s: no network excludes all of itself, and every except lies inside its cidrs',
    (file) => {
      const values = file === '(defaults)' ? Values.parse({}) : environment(file);
      for (const [name, network] of Object.entries(values.networks)) {
        for (const cidr of network.cidrs ?? []) {
          // With excludePrivate, a cidr inside a private range would be excluded entirely: unreachable.
          if (network.excludePrivate) {
            const covering = values.privateCidrs.filter((p) => cidrInside(cidr, p));
            expect(covering, `networks.${name}: ${cidr} lies inside ${covering.join(', ')}`).toEqual([]);
          }
        }
        for (const except of network.except ?? []) {
          expect(
            (network.cidrs ?? []).some((c) => cidrInside(except, c) && except !== c),
            `networks.${name}.except ${except}`,
          ).toBe(true);
        }
      }
    },
  );
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
