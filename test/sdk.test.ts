// The typed values SDK (src/index.ts): defineValues (its compile-time types, checked by
// `tsc --noEmit` through ts-expect-error comments, and its run-time validation), and values files
// read and written with the modeline and the key order of chart/values.yaml.
//
// Expectations come from the values contract of docs/design.md and from the committed files (values/*.yaml,
// chart/values.yaml), never from the writer's own output.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  checkValues,
  defineValues,
  formatValuesYaml,
  InputError,
  readValuesFile,
  readValuesFiles,
  SCHEMA_FILE,
  schemaRef,
  Values,
  ValuesValidationError,
  writeValuesFile,
  type EndpointOverride,
  type FineractNetpolValues,
  type PortOverride,
  type ValuesInput,
  type ValuesOverride,
} from '../src/index.ts';
import { CHART_DIR, OVERRIDE_SCHEMA_FILE, VALUES_DIR } from '../src/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-sdk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV_FILES = readdirSync(VALUES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** The thrown ValuesValidationError's issues (fails when nothing, or something else, is thrown). */
function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValuesValidationError);
    expect(error).toBeInstanceOf(InputError);
    return (error as ValuesValidationError).issues;
  }
  throw new Error('expected a ValuesValidationError');
}

/** Top-level keys of a YAML text, in order. */
function topLevelKeys(text: string): string[] {
  return [...text.matchAll(/^([A-Za-z][\w-]*):/gm)].map((m) => m[1] ?? '');
}

describe('defineValues: types', () => {
  it('accepts partial entries, null removals and every section, as Helm merges them', () => {
    const values = defineValues({
      commonLabels: { environment: 'uat' },
      defaultDeny: { enabled: true },
      dns: { namespace: null, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
      components: { keycloak: { enabled: false } },
      peers: { 'ingress-nginx': { namespace: 'ingress' } },
      networks: { rds: { cidrs: ['10.20.32.0/24'], excludePrivate: false } },
      connections: {
        'keycloak-admin-from-ingress': null,
        'fineract-to-rds': { to: { network: 'rds' }, ports: [{ port: 5432 }] },
        metrics: { from: { peer: 'ingress-nginx' }, to: { component: 'fineract' }, ports: [{ port: 'http' }] },
      },
    });
    expect(values.commonLabels).toEqual({ environment: 'uat' });
  });

  it('refuses unknown keys, wrong types, two-kind endpoints and empty lists at compile time', () => {
    // Each line is a compile error (tsc --noEmit fails if it is not) and a run-time error.
    // @ts-expect-error -- TS2561: 'enabeld' does not exist; did you mean 'enabled'?
    expect(() => defineValues({ dns: { enabeld: false } })).toThrow(ValuesValidationError);
    // @ts-expect-error -- TS2353: 'componets' does not exist in type ValuesOverride
    expect(() => defineValues({ componets: {} })).toThrow(ValuesValidationError);
    // @ts-expect-error -- TS2322: a string is not a list of CIDRs
    expect(() => defineValues({ networks: { rds: { cidrs: '10.20.0.0/16' } } })).toThrow(ValuesValidationError);
    // @ts-expect-error -- TS2322: protocol is 'TCP' | 'UDP' | 'SCTP'
    expect(() => defineValues({ dns: { ports: [{ port: 53, protocol: 'udp' }] } })).toThrow(ValuesValidationError);
    const twoKinds = () =>
      // @ts-expect-error -- an endpoint names exactly one of component, peer, network
      defineValues({ connections: { x: { from: { component: 'fineract', peer: 'ingress-nginx' } } } });
    expect(twoKinds).toThrow(ValuesValidationError);
    const noPorts = () =>
      defineValues({
        // @ts-expect-error -- ports is a non-empty list ([Port, ...Port[]])
        connections: { x: { from: { component: 'fineract' }, to: { component: 'keycloak' }, ports: [] } },
      });
    expect(noPorts).toThrow(ValuesValidationError);
    // @ts-expect-error -- TS2322: '53' is not assignable to PortNumberOrNameWithALetter (write 53)
    expect(() => defineValues({ dns: { ports: [{ port: '53', protocol: 'UDP' }] } })).toThrow(ValuesValidationError);
  });

  it('accepts numbers and named ports, and null to clear a default endpoint kind', () => {
    expectTypeOf<{ port: 'http-metrics' }>().toExtend<PortOverride>();
    expectTypeOf<{ port: 'h2' }>().toExtend<PortOverride>();
    expectTypeOf<{ port: 8080; endPort: 8090 }>().toExtend<PortOverride>();
    expectTypeOf<{ port: '5432' }>().not.toExtend<PortOverride>();
    expectTypeOf<{ port: '' }>().not.toExtend<PortOverride>();
    expectTypeOf<{ component: 'keycloak'; peer: null }>().toExtend<EndpointOverride>();
    expectTypeOf<{ component: 'fineract'; network: 'rds' }>().not.toExtend<EndpointOverride>();
  });

  it('is the model: the generated declarations have the keys of the zod input types', () => {
    type Section<K extends keyof FineractNetpolValues> = NonNullable<FineractNetpolValues[K]>;
    type ModelSection<K extends keyof ValuesInput> = NonNullable<ValuesInput[K]>;
    expectTypeOf<FineractNetpolValues>().toExtend<ValuesInput>();
    expectTypeOf<keyof FineractNetpolValues>().toEqualTypeOf<keyof ValuesInput>();
    expectTypeOf<keyof Section<'dns'>>().toEqualTypeOf<keyof ModelSection<'dns'>>();
    expectTypeOf<keyof Section<'monitoring'>>().toEqualTypeOf<keyof ModelSection<'monitoring'>>();
    expectTypeOf<keyof Section<'defaultDeny'>>().toEqualTypeOf<keyof ModelSection<'defaultDeny'>>();
    expectTypeOf<keyof Section<'components'>[string]>().toEqualTypeOf<keyof ModelSection<'components'>[string]>();
    expectTypeOf<keyof Section<'peers'>[string]>().toEqualTypeOf<keyof ModelSection<'peers'>[string]>();
    expectTypeOf<keyof Section<'networks'>[string]>().toEqualTypeOf<keyof ModelSection<'networks'>[string]>();
    expectTypeOf<keyof Section<'connections'>[string]>().toEqualTypeOf<keyof ModelSection<'connections'>[string]>();
    expectTypeOf<keyof Section<'dns'>['ports'][number]>().toEqualTypeOf<keyof ModelSection<'dns'>['ports'][number]>();
    expectTypeOf<keyof Section<'dns'>['podSelector']>().toEqualTypeOf<keyof ModelSection<'dns'>['podSelector']>();
  });
});

describe('defineValues: run-time validation', () => {
  it('returns its argument unchanged', () => {
    const input: ValuesOverride = { connections: { 'keycloak-admin-from-ingress': { enabled: false } } };
    expect(defineValues(input)).toBe(input);
  });

  it('throws every problem at once, each with its path and a message that says how to fix it', () => {
    const bad = {
      dns: { enabeld: true },
      networks: { rds: { cidrs: ['10.0.0.1'], excludePrivate: 'no' } },
      connections: { x: { from: { component: 'fineract', peer: 'y' }, to: { component: 'keycloak' }, ports: [] } },
    };
    const issues = issuesOf(() => defineValues(bad as unknown as ValuesOverride));
    expect(issues).toEqual([
      { path: 'dns.enabeld', message: 'unknown key "enabeld"; did you mean "enabled"?' },
      {
        path: 'networks.rds.cidrs[0]',
        message: expect.stringMatching(/^"10\.0\.0\.1" is not a valid CIDR: /) as string,
      },
      { path: 'networks.rds.excludePrivate', message: 'expected boolean, got "no"' },
      {
        path: 'connections.x.from',
        message:
          "must name exactly one of component, peer or network (found component, peer); keep one; an override's endpoint merges with the default's (Helm merges maps), so set the default's kind to null: {component: …, peer: null} [endpoint-one-kind]",
        rule: 'endpoint-one-kind',
      },
      {
        path: 'connections.x.ports',
        message:
          'lists no port; list at least one port, such as [{port: 8080}] (this chart never allows all ports) [ports-empty]',
        rule: 'ports-empty',
      },
    ]);
  });

  it("changes an endpoint's kind only with the default's key set to null (Helm merges the endpoints)", () => {
    // api-from-ingress is {from: {peer: ingress-nginx}} in the defaults.
    expect(() =>
      defineValues({ connections: { 'api-from-ingress': { from: { component: 'keycloak', peer: null } } } }),
    ).not.toThrow();
    const issues = issuesOf(() =>
      defineValues({ connections: { 'api-from-ingress': { from: { component: 'keycloak' } } } }),
    );
    expect(issues).toEqual([
      {
        path: 'connections.api-from-ingress.from',
        message: expect.stringContaining("so set the default's kind to null: {component: …, peer: null}") as string,
        rule: 'endpoint-one-kind',
      },
    ]);
  });

  it("refuses what the chart's plan refuses: names that are not defined", () => {
    const issues = issuesOf(() =>
      defineValues({
        connections: {
          'fineract-to-db': { from: { component: 'fineract' }, to: { network: 'db' }, ports: [{ port: 5432 }] },
        },
      }),
    );
    expect(issues).toEqual([
      {
        path: 'connections.fineract-to-db.to.network',
        message: expect.stringMatching(/"db" is not defined in networks/) as string,
        rule: 'reference-undefined',
      },
    ]);
  });

  it("refuses a policyName another component's policy has, with the chart's line (helm install refuses it too)", () => {
    const issues = issuesOf(() =>
      defineValues({ components: { keycloak: { policyName: 'fineract-network-policy' } } }),
    );
    expect(issues).toEqual([
      {
        path: 'components.keycloak.policyName',
        message:
          '"fineract-network-policy" is already the name of the policy of components.fineract: the second would replace the first; give each policy its own name [policy-name-unique]',
        rule: 'policy-name-unique',
      },
    ]);
  });

  it('checks values as an override of the chart defaults (a partial entry is complete once merged)', () => {
    expect(checkValues([{ components: { fineract: { enabled: false } } }])).toEqual([]);
    expect(checkValues([{ components: { extra: { enabled: false } } }])).toEqual([
      { path: 'components.extra.podSelector', message: 'is required (object)' },
    ]);
  });
});

describe('values files', () => {
  it.each(ENV_FILES)('%s: read, written and read again gives the same values', (name) => {
    const values = readValuesFile(join(VALUES_DIR, name));
    expect(values).toEqual(parseYaml(readFileSync(join(VALUES_DIR, name), 'utf8')));
    const copy = join(tmp, name);
    writeValuesFile(copy, values);
    expect(readValuesFile(copy)).toEqual(values);
    // Merged over the defaults, the copy renders as the original does.
    expect(readValuesFiles([copy])).toEqual(readValuesFiles([join(VALUES_DIR, name)]));
    // Writing is deterministic and idempotent.
    const text = readFileSync(copy, 'utf8');
    writeValuesFile(copy, readValuesFile(copy));
    expect(readFileSync(copy, 'utf8')).toBe(text);
  });

  it('writes the keys in the order of chart/values.yaml, whatever the order of the input', () => {
    const scrambled = {
      connections: { 'keycloak-admin-from-ingress': { enabled: false } },
      networks: {
        rds: { description: 'RDS PostgreSQL, database subnets', excludePrivate: false, cidrs: ['10.20.32.0/24'] },
        s3: { excludePrivate: true, cidrs: ['0.0.0.0/0'] },
      },
      dns: { ports: [{ protocol: 'UDP', port: 53 }], enabled: true },
      commonLabels: { team: 'platform', environment: 'uat' },
    } satisfies ValuesOverride;
    const text = formatValuesYaml(scrambled, { schema: 'values.schema.json' });
    const chartOrder = topLevelKeys(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const written = topLevelKeys(text);
    expect(written).toEqual(chartOrder.filter((key) => written.includes(key)));
    expect(written).toEqual(['commonLabels', 'dns', 'networks', 'connections']);
    // Inside an entry, the model's order (cidrs, excludePrivate, … description); the entries of
    // maps keyed by name (labels here) keep the author's order; short collections in flow style,
    // as in chart/values.yaml.
    expect(text).toContain(
      'networks:\n  rds:\n    cidrs: [10.20.32.0/24]\n    excludePrivate: false\n    description: RDS PostgreSQL, database subnets\n  s3: {cidrs: [0.0.0.0/0], excludePrivate: true}\n',
    );
    expect(text).toContain('dns:\n  enabled: true\n  ports: [{port: 53, protocol: UDP}]\n');
    expect(text).toContain('commonLabels:\n  team: platform\n  environment: uat\n');
    expect(parseYaml(text)).toEqual(scrambled);
  });

  it('starts with the yaml-language-server modeline, pointing at the schema of a values file relative to it', () => {
    const file = join(tmp, 'nested', 'env', 'uat.yaml');
    writeValuesFile(file, { commonLabels: { environment: 'uat' } }, { header: 'Generated for a test.' });
    const lines = readFileSync(file, 'utf8').split('\n');
    const modeline = /^# yaml-language-server: \$schema=(.+)$/.exec(lines[0] ?? '');
    expect(modeline).not.toBeNull();
    expect(resolve(dirname(file), modeline?.[1] ?? '')).toBe(OVERRIDE_SCHEMA_FILE);
    expect(lines.slice(1, 4)).toEqual(['# Generated for a test.', '', 'commonLabels:']);
    // In this repository's values/ folder, the default modeline is the one the environment files have.
    for (const name of ENV_FILES) {
      const first = readFileSync(join(VALUES_DIR, name), 'utf8').split('\n')[0];
      expect(first).toBe(`# yaml-language-server: $schema=${schemaRef(VALUES_DIR)}`);
    }
  });

  it('writes YAML as Helm (YAML 1.1) reads it back: yes/no/on strings stay strings', () => {
    const values = {
      commonLabels: { enabled: 'yes', legacy: 'off', version: '1.10', port: '8080' },
      commonAnnotations: { note: 'a: b # c', empty: '' },
    } satisfies ValuesOverride;
    const file = join(tmp, 'yaml11.yaml');
    writeValuesFile(file, values);
    expect(readValuesFile(file)).toEqual(values);
    expect(readFileSync(file, 'utf8')).toContain('enabled: "yes"');
  });

  it('writes nothing when the values are invalid, and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    const file = join(dir, 'values.yaml');
    writeFileSync(file, 'commonLabels: {a: b}\n');
    const bad = { networks: { rds: { cidrs: ['nope'] } } } as unknown as ValuesOverride;
    expect(() => writeValuesFile(file, bad)).toThrow(ValuesValidationError);
    expect(readFileSync(file, 'utf8')).toBe('commonLabels: {a: b}\n');
    expect(readdirSync(dir)).toEqual(['values.yaml']);
  });

  it('reports unreadable files, invalid YAML (with its line) and invalid values', () => {
    expect(() => readValuesFile(join(tmp, 'missing.yaml'))).toThrow(/cannot read the values file/);
    const broken = join(tmp, 'broken.yaml');
    writeFileSync(broken, 'components:\n  fineract: {enabled: true\nnext: 1\n');
    expect(() => readValuesFile(broken)).toThrow(/broken\.yaml:\d+: invalid YAML/);
    const invalid = join(tmp, 'invalid.yaml');
    writeFileSync(invalid, 'dns:\n  enabled: maybe\n');
    expect(issuesOf(() => readValuesFile(invalid))).toEqual([
      { path: 'dns.enabled', message: 'expected boolean, got "maybe"' },
    ]);
    const empty = join(tmp, 'empty.yaml');
    writeFileSync(empty, '# nothing\n');
    expect(readValuesFile(empty)).toEqual({});
    expect(existsSync(SCHEMA_FILE)).toBe(true);
    expect(Values.safeParse({}).success).toBe(true);
  });
});
