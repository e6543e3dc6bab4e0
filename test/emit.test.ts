// `fineract-netpol emit` from source: the typed command (src/cli/emit) and the real process
// (`node src/cli/main.ts emit …`): a TypeScript values module in, checked YAML out (stdout or an
// atomically written file), every problem listed with exit 1, unusable input with exit 2.
// (test/package.test.ts runs the same command from the installed npm package.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { emit } from '../src/cli/emit/index.ts';
import { InputError, UsageError } from '../src/errors.ts';
import { formatValuesYaml, readValuesFile, schemaRef } from '../src/index.ts';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmTemplate } from './helpers/helm.ts';
import { runCli } from './helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fineract-netpol-emit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SDK = pathToFileURL(join(REPO_ROOT, 'src', 'index.ts')).href;
let counter = 0;

/** Writes a values module into a fresh folder (modules are cached by URL, so never reuse one). */
function module(source: string, name = 'values.ts'): string {
  const dir = join(tmp, `case-${++counter}`);
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, source.replaceAll('fineract-netpol', SDK));
  return file;
}

const UAT_TS = `import { defineValues } from 'fineract-netpol';

export default defineValues({
  commonLabels: { environment: 'uat' },
  networks: {
    rds: {
      cidrs: ['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24'],
      excludePrivate: false,
      description: 'UAT RDS PostgreSQL (database subnets of eu-west-1a, 1b and 1c)',
    },
  },
});
`;

describe('emit', () => {
  it('prints the YAML: modeline and generated-from banner relative to the cwd, the values in the chart order', async () => {
    const file = module(UAT_TS);
    const result = await emit({ file });
    expect(result).toMatchObject({ exitCode: 0, messages: '' });
    const lines = result.output.split('\n');
    expect(lines[0]).toBe(`# yaml-language-server: $schema=${schemaRef(process.cwd())}`);
    expect(lines[1]).toBe(
      `# Generated from ${relative(process.cwd(), file)} by \`fineract-netpol emit\`; edit that file instead.`,
    );
    expect(parseYaml(result.output)).toEqual({
      commonLabels: { environment: 'uat' },
      networks: {
        rds: {
          cidrs: ['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24'],
          excludePrivate: false,
          description: 'UAT RDS PostgreSQL (database subnets of eu-west-1a, 1b and 1c)',
        },
      },
    });
    // The same values as the hand-written environment file.
    const uat = readValuesFile(join(VALUES_DIR, 'uat.yaml'));
    expect(parseYaml(result.output)).toEqual({ commonLabels: uat.commonLabels, networks: { rds: uat.networks?.rds } });
  });

  it('writes -o atomically, with the modeline relative to the output and the same YAML as formatValuesYaml', async () => {
    const file = module(UAT_TS, 'uat.mts');
    const out = join(tmp, `out-${counter}`, 'uat.yaml');
    const result = await emit({ file, out });
    expect(result).toMatchObject({ exitCode: 0, output: '' });
    expect(result.messages).toMatch(/wrote .*uat\.yaml/);
    const text = readFileSync(out, 'utf8');
    const values = readValuesFile(out);
    expect(text).toBe(
      formatValuesYaml(values, {
        schema: schemaRef(join(out, '..')),
        header: `Generated from ../case-${counter}/uat.mts by \`fineract-netpol emit\`; edit that file instead.`,
      }),
    );
    expect(readdirSync(join(out, '..'))).toEqual(['uat.yaml']);
  });

  it('lists every problem with its path, exits 1 and writes nothing (defineValues throws)', async () => {
    const file = module(`import { defineValues, type ValuesOverride } from 'fineract-netpol';
const values = {
  dns: { enabeld: false },
  networks: { rds: { cidrs: ['10.20.0.0/33'] } },
} as unknown as ValuesOverride;
export default defineValues(values);
`);
    const out = join(tmp, 'never.yaml');
    const result = await emit({ file, out });
    expect(result.exitCode).toBe(1);
    expect(result.output).toBe('');
    expect(result.issues.map((i) => i.path)).toEqual(['dns.enabeld', 'networks.rds.cidrs[0]']);
    expect(result.messages).toContain(`${file}  dns.enabeld  unknown key "enabeld"; did you mean "enabled"?\n`);
    expect(result.messages).toMatch(/networks\.rds\.cidrs\[0\] {2}"10\.20\.0\.0\/33" is not a valid CIDR/);
    expect(result.messages).toMatch(/emit: 2 problem\(s\) in values\.ts; nothing written\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('checks a plain default export too (not made by defineValues), including references', async () => {
    const file = module(`export default {
  connections: { 'fineract-to-db': { from: { component: 'fineract' }, to: { network: 'db' }, ports: [{ port: 5432 }] } },
};
`);
    const result = await emit({ file });
    expect(result.exitCode).toBe(1);
    expect(result.issues).toEqual([
      {
        path: 'connections.fineract-to-db.to.network',
        message: expect.stringMatching(/"db" is not defined/) as string,
        rule: 'reference-undefined',
      },
    ]);
  });

  it('refuses unusable input: not a module, missing, no default export, a module that throws', async () => {
    await expect(emit({ file: join(VALUES_DIR, 'uat.yaml') })).rejects.toThrow(UsageError);
    await expect(emit({ file: join(tmp, 'missing.ts') })).rejects.toThrow(InputError);
    await expect(emit({ file: module('export const values = {};\n') })).rejects.toThrow(/no default export/);
    const throwing = module("throw new Error('boom');\n");
    await expect(emit({ file: throwing })).rejects.toThrow(/cannot load the values module: boom/);
  });
});

describe('fineract-netpol emit (process)', () => {
  it('exit 0: the YAML on stdout renders with Helm 4 as the same values', () => {
    // values/uat.yaml written in TypeScript (JSON is TypeScript): emitted, it renders as the file.
    const uat = readValuesFile(join(VALUES_DIR, 'uat.yaml'));
    const file = module(
      `import { defineValues } from 'fineract-netpol';\n\nexport default defineValues(${JSON.stringify(uat, null, 2)});\n`,
    );
    const result = runCli(['emit', file]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const yaml = join(tmp, 'from-stdout.yaml');
    writeFileSync(yaml, result.stdout);
    const fromEmit = helmTemplate({ helm: 4, valuesFiles: [yaml] });
    const fromFile = helmTemplate({ helm: 4, valuesFiles: [join(VALUES_DIR, 'uat.yaml')] });
    expect(fromEmit.status, fromEmit.stderr).toBe(0);
    expect(fromEmit.stdout).toBe(fromFile.stdout);
  });

  it('exit 1 with one line per problem; exit 2 for unusable input; -o writes the file', () => {
    const bad = module(`export default { defaultDeny: { enabled: 'yes' } };\n`);
    const invalid = runCli(['emit', bad]);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toContain(`${bad}  defaultDeny.enabled  expected boolean, got "yes"`);
    expect(invalid.stderr).not.toMatch(/\bat .*\.ts:\d+/);

    const unusable = runCli(['emit', join(VALUES_DIR, 'uat.yaml')]);
    expect(unusable.status).toBe(2);
    expect(unusable.stderr).toMatch(/emit loads a TypeScript or JavaScript module/);

    // Node strips types but does not transform them (vitest would, so this runs as a process).
    const enumModule = module('enum Kind { A }\nexport default { commonLabels: { kind: String(Kind.A) } };\n');
    const notErasable = runCli(['emit', enumModule]);
    expect(notErasable.status).toBe(2);
    expect(notErasable.stderr).toMatch(/cannot load the values module: .*\n {2}fix: .*erasable syntax/);

    const out = join(tmp, 'cli-out', 'values.yaml');
    const written = runCli(['emit', module(UAT_TS), '-o', out, '--schema', 'https://example.com/values.schema.json']);
    expect(written.status, written.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://example.com/values.schema.json',
    );
  });
});

/** A project folder as `npm init -y` writes it: `"type": "commonjs"`, with the given files. */
function commonjsProject(files: Record<string, string>): string {
  const dir = join(tmp, `commonjs-${++counter}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'values', version: '1.0.0', type: 'commonjs' })}\n`,
  );
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source.replaceAll('fineract-netpol', SDK));
  }
  return dir;
}

describe('fineract-netpol emit in a "type": "commonjs" project (process)', () => {
  const COMMON = `export const labels = { environment: 'uat' } as const satisfies Record<string, string>;\n`;
  const USES_COMMON = `import { defineValues } from 'fineract-netpol';
import { labels } from './common.ts';

export default defineValues({ commonLabels: labels });
`;

  it('Node alone runs values.ts as CommonJS there and fails (the situation emit must handle)', () => {
    const dir = commonjsProject({ 'values.ts': UAT_TS });
    const plain = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./values.ts')"], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toMatch(/Cannot use import statement outside a module/);
  });

  it.each(['values.ts', 'values.mts', 'values.cts'])(
    'loads %s (and the .ts it imports) as an ES module: exit 0, YAML on stdout, nothing on stderr',
    (name) => {
      const dir = commonjsProject({ [name]: USES_COMMON, 'common.ts': COMMON });
      const result = runCli(['emit', name], { cwd: dir });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(parseYaml(result.stdout)).toEqual({ commonLabels: { environment: 'uat' } });
    },
  );

  it('the README example, unchanged, in values/uat.ts: the same YAML as in a "type": "module" project', () => {
    const dir = commonjsProject({ 'values/uat.ts': UAT_TS });
    const result = runCli(['emit', 'values/uat.ts', '-o', 'values/uat.yaml'], { cwd: dir });
    expect(result).toMatchObject({ status: 0, stdout: '' });
    expect(result.stderr).toBe('emit: wrote values/uat.yaml from values/uat.ts\n');
    const inModule = runCli(['emit', module(UAT_TS), '-o', join(tmp, `module-${counter}`, 'uat.yaml')]);
    expect(inModule.status, inModule.stderr).toBe(0);
    expect(parseYaml(readFileSync(join(dir, 'values/uat.yaml'), 'utf8'))).toEqual(
      readValuesFile(join(tmp, `module-${counter}`, 'uat.yaml')),
    );
  });

  it('a .cts written with require() and module.exports: exit 2 and the fix', () => {
    const dir = commonjsProject({ 'values.cts': 'module.exports = { commonLabels: { a: "b" } };\n' });
    const result = runCli(['emit', 'values.cts'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /values\.cts: cannot load the values module: module is not defined in ES module scope/,
    );
    expect(result.stderr).toMatch(/\n {2}fix: .*write `import … from` and `export default`/);
  });

  it('JavaScript compiled by tsc to CommonJS (exports.default, __esModule) gives its default export', () => {
    const compiled = ts.transpileModule(`export default { commonLabels: { environment: 'uat' } };\n`, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    expect(compiled).toMatch(/exports\.default = /);
    for (const name of ['values.js', 'values.cjs']) {
      const dir = commonjsProject({ [name]: compiled });
      const result = runCli(['emit', name], { cwd: dir });
      expect(result.status, result.stderr).toBe(0);
      expect(parseYaml(result.stdout)).toEqual({ commonLabels: { environment: 'uat' } });
    }
  });
});

describe("emit's modeline points at the schema from where the YAML goes (process)", () => {
  /** The $schema of the first line, and whether it names an existing file from `dir`. */
  const modeline = (yaml: string, dir: string) => {
    const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(yaml.split('\n')[0] ?? '')?.[1] ?? '';
    return { ref, exists: ref !== '' && existsSync(resolve(dir, ref)) };
  };

  it('stdout: relative to the current folder (emit sub/values.ts > values.yaml)', () => {
    const dir = commonjsProject({ 'deep/sub/values.ts': UAT_TS });
    const result = runCli(['emit', 'deep/sub/values.ts'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const { ref, exists } = modeline(result.stdout, dir);
    expect(exists, ref).toBe(true);
    expect(resolve(dir, ref)).toBe(join(REPO_ROOT, 'schema', 'values-override.schema.json'));
    expect(result.stdout.split('\n')[1]).toBe(
      '# Generated from deep/sub/values.ts by `fineract-netpol emit`; edit that file instead.',
    );
    // From the source's folder the same reference would be wrong: the output is not there.
    expect(modeline(result.stdout, join(dir, 'deep', 'sub')).exists).toBe(false);
  });

  it('-o: relative to the folder of the output file, wherever the source is', () => {
    const dir = commonjsProject({ 'src/values.ts': UAT_TS });
    const result = runCli(['emit', 'src/values.ts', '-o', 'out/yaml/uat.yaml'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const yaml = readFileSync(join(dir, 'out/yaml/uat.yaml'), 'utf8');
    const { ref, exists } = modeline(yaml, join(dir, 'out/yaml'));
    expect(exists, ref).toBe(true);
    expect(yaml.split('\n')[1]).toBe(
      '# Generated from ../../src/values.ts by `fineract-netpol emit`; edit that file instead.',
    );
  });

  it('--schema: written as given', () => {
    const dir = commonjsProject({ 'values.ts': UAT_TS });
    const result = runCli(['emit', 'values.ts', '--schema', 'schemas/values.json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(modeline(result.stdout, dir).ref).toBe('schemas/values.json');
  });
});
