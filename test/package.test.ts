// The npm package as a user gets it: `npm pack` (prepack compiles dist/), the tarball installed
// into an empty project (its dependencies from the npm registry, once per run), then
//   - the TypeScript compiler on values files written with defineValues: a good file passes, a
//     typo'd key (TS2561 / TS2353), a wrong type (TS2322) and a two-kind endpoint fail, naming it;
//   - the TypeScript language service (what an editor runs): completion offers the model's keys,
//     hover shows a key's description;
//   - the installed `fineract-netpol` bin: --help, `emit` of the good file, whose YAML real Helm 4
//     renders with the packaged chart, byte-identical to writeValuesFile from the installed SDK;
//   - the package.json a registry gets: publishable (no `private`), its metadata and engines;
//   - a project as `npm init -y` makes it ("type": "commonjs"): the README's values/uat.ts compiles
//     with the documented tsconfig and emits; `npx fineract-netpol` with the host's Node 20 and with
//     Node 24 first on PATH: validate, verify, emit (.ts needs type stripping: on Node 20 an error
//     with the fix, .mjs works) and require() of the SDK.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../src/paths.ts';
import { helm, helmTemplate } from './helpers/helm.ts';

const work = mkdtempSync(join(tmpdir(), 'fineract-netpol-package-'));
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'fineract-netpol');
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Run = { status: number; stdout: string; stderr: string };

let tarballPath = '';

/**
 * Runs a command; npm's own npm_* variables (when the tests run under `npm test`) are not passed on.
 * `path` goes first on PATH (a folder holding the `node` that `npx` and the bin's shebang then run).
 */
function run(command: string, args: string[], cwd: string, path?: string): Run {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  if (path !== undefined) env.PATH = `${path}${delimiter}${env.PATH ?? ''}`;
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: string[], cwd: string): Run {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return result;
}

/** The installed bin, as `npx fineract-netpol …` runs it in the project. */
const bin = (args: string[]): Run => run('npx', ['--no-install', 'fineract-netpol', ...args], project);

const GOOD = `import { defineValues } from 'fineract-netpol';

export default defineValues({
  commonLabels: { environment: 'uat' },
  components: { keycloak: { metricsPorts: [{ port: 9000 }] } },
  networks: {
    rds: {
      cidrs: ['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24'],
      excludePrivate: false,
      description: 'UAT RDS PostgreSQL',
    },
  },
  connections: {
    'keycloak-admin-from-ingress': { enabled: false },
    'fineract-from-batch-peer': {
      from: { peer: 'ingress-nginx' },
      to: { component: 'fineract' },
      ports: [{ port: 9090 }],
    },
  },
});
`;

/** Files that must not compile, with the error code and the text the compiler must name. */
const BAD: Record<string, { source: string; code: RegExp; names: string }> = {
  'typo-nested.ts': { source: `dns: { enabeld: false }`, code: /^TS2561$/, names: `'enabeld'` },
  'typo-top.ts': { source: `netwroks: {}`, code: /^TS2561$/, names: `'netwroks'` },
  'unknown-key.ts': { source: `components: { fineract: { replicas: 3 } }`, code: /^TS2353$/, names: `'replicas'` },
  'wrong-type.ts': {
    source: `networks: { rds: { cidrs: '10.20.0.0/16' } }`,
    code: /^TS2322$/,
    names: `'[string, ...string[]]'`,
  },
  // TS2820: not assignable, "Did you mean '"UDP"'?"
  'wrong-protocol.ts': {
    source: `dns: { ports: [{ port: 53, protocol: 'udp' }] }`,
    code: /^TS(2322|2820)$/,
    names: `'"udp"'`,
  },
  // The type of the second kind's key spells the problem (OneKindOnly).
  'two-kinds.ts': {
    source: `connections: { x: { from: { component: 'fineract', peer: 'ingress-nginx' }, to: { component: 'keycloak' }, ports: [{ port: 80 }] } }`,
    code: /^TS2322$/,
    names: `Type '"ingress-nginx"' is not assignable to type '"an endpoint names one kind: remove this key (null clears the default)"'`,
  },
  'two-kinds-network.ts': {
    source: `connections: { x: { from: { component: 'fineract', network: 'rds' }, to: { component: 'keycloak' }, ports: [{ port: 80 }] } }`,
    code: /^TS2322$/,
    names: `Type '"rds"' is not assignable to type '"an endpoint names one kind: remove this key (null clears the default)"'`,
  },
  // A string of digits is not a port name: the type's name says a name has a letter.
  'port-digits.ts': {
    source: `connections: { x: { from: { component: 'fineract' }, to: { network: 'rds' }, ports: [{ port: '5432' }] } }`,
    code: /^TS2322$/,
    names: `Type '"5432"' is not assignable to type 'PortNumberOrNameWithALetter'`,
  },
};
const badSource = (body: string) =>
  `import { defineValues } from 'fineract-netpol';\n\nexport default defineValues({ ${body} });\n`;

beforeAll(() => {
  mustRun('npm', ['pack', '--pack-destination', work, '--loglevel=error'], REPO_ROOT);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
  tarballPath = join(work, tarball);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'values-project', private: true, type: 'module' })}\n`,
  );
  mustRun(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(work, tarball)],
    project,
  );

  writeFileSync(join(project, 'values.ts'), GOOD);
  for (const [name, { source }] of Object.entries(BAD)) writeFileSync(join(project, name), badSource(source));
  // A user's tsconfig: strict, NodeNext, and the package's declarations checked too.
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    files: ['values.ts', ...Object.keys(BAD)],
  };
  writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
}, 600_000);

describe('the packed package', () => {
  it('ships compiled JavaScript with declarations, the schemas, the chart and the README, and no sources', () => {
    for (const file of [
      'package.json',
      'README.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'dist/schema/values.d.ts',
      'schema/values.schema.json',
      'schema/values-override.schema.json',
      'schema/values.d.ts',
      'chart/Chart.yaml',
      'chart/values.yaml',
      'chart/values.schema.json',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    for (const absent of ['src', 'test', 'scripts', 'dist/src/build', 'tsconfig.json']) {
      expect(existsSync(join(installed, absent)), absent).toBe(false);
    }
    expect(readFileSync(join(installed, 'dist/src/cli/main.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.bin).toEqual({ 'fineract-netpol': 'dist/src/cli/main.js' });
  });

  it('is importable by its exports: the SDK, the JSON Schema, package.json', () => {
    writeFileSync(
      join(project, 'imports.mjs'),
      `import { Values, expandConnections, parseValues, mergeHelmValues, DEFAULT_VALUES } from 'fineract-netpol';
import values from './values.ts';
const merged = parseValues([values], 'values.ts');
console.log(JSON.stringify({
  schema: import.meta.resolve('fineract-netpol/schema'),
  override: import.meta.resolve('fineract-netpol/schema/override'),
  pkg: import.meta.resolve('fineract-netpol/package.json'),
  flows: expandConnections(merged).length,
  rds: merged.networks.rds.cidrs,
  same: JSON.stringify(Values.parse(mergeHelmValues(DEFAULT_VALUES, values))) === JSON.stringify(merged),
}));
`,
    );
    const out = JSON.parse(mustRun('node', ['imports.mjs'], project).stdout) as Record<string, unknown>;
    expect(out.schema).toBe(`file://${join(installed, 'schema', 'values.schema.json')}`);
    expect(out.override).toBe(`file://${join(installed, 'schema', 'values-override.schema.json')}`);
    expect(out.pkg).toBe(`file://${join(installed, 'package.json')}`);
    expect(out.flows).toBeGreaterThan(10);
    expect(out.rds).toEqual(['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24']);
    expect(out.same).toBe(true);
    // The SDK imports zod and yaml from node_modules (the bin bundles them): a user's zod schemas
    // and ours are one library's.
    const sdk = readFileSync(join(installed, 'dist', 'src', 'index.js'), 'utf8');
    expect(sdk).toMatch(/from "zod"/);
    expect(sdk).toMatch(/from "yaml"/);
  });
});

describe('TypeScript on values written with defineValues', () => {
  let errors: { file: string; code: string; text: string }[] = [];
  beforeAll(() => {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], project);
    errors = [...result.stdout.matchAll(/^(\S+)\(\d+,\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({
      file: m[1] ?? '',
      code: m[2] ?? '',
      text: m[3] ?? '',
    }));
    expect(errors.length, result.stdout).toBeGreaterThan(0);
  });

  it('compiles a good file, and the package declarations, with no error', () => {
    expect(errors.filter((e) => !Object.hasOwn(BAD, e.file))).toEqual([]);
  });

  it.each(Object.entries(BAD))('%s fails with the right error, naming the mistake', (file, { code, names }) => {
    const mine = errors.filter((e) => e.file === file);
    expect(mine.length, JSON.stringify(errors)).toBeGreaterThan(0);
    expect(mine.map((e) => e.code)).toContainEqual(expect.stringMatching(code));
    expect(mine.map((e) => e.text).join('\n')).toContain(names);
  });

  it("an editor's language service completes every key and shows its description", () => {
    const file = join(project, 'editing.ts');
    const source = `import { defineValues } from 'fineract-netpol';

export default defineValues({
  /*top*/
  networks: { rds: { /*network*/ } },
  dns: { ports: [{ /*port*/ }] },
});
`;
    writeFileSync(file, source);
    const service = languageService(project, ['editing.ts']);
    const completionsAt = (marker: string): string[] => {
      const position = source.indexOf(marker);
      const completions = service.getCompletionsAtPosition(file, position, {});
      return (completions?.entries ?? []).map((e) => e.name).sort();
    };
    // Top level: every key of the model (the JSON Schema's properties) not written yet.
    const schema = JSON.parse(readFileSync(join(installed, 'schema', 'values.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    };
    const written = ['networks', 'dns'];
    expect(completionsAt('/*top*/')).toEqual(
      Object.keys(schema.properties)
        .filter((key) => !written.includes(key))
        .sort(),
    );
    expect(completionsAt('/*network*/')).toEqual([
      'cidrs',
      'description',
      'entities',
      'except',
      'excludePrivate',
      'fqdns',
    ]);
    expect(completionsAt('/*port*/')).toEqual(['endPort', 'port', 'protocol']);
    // Hover on a key: its description from the model.
    const info = service.getQuickInfoAtPosition(file, source.indexOf('networks') + 1);
    expect(ts.displayPartsToString(info?.documentation)).toMatch(/^Addresses outside the cluster/);
  });
});

describe('the installed fineract-netpol bin', () => {
  it('--help lists the commands', () => {
    const result = bin(['--help']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/emit \[options\] <file>/);
    expect(result.stdout).toMatch(/verify/);
  });

  it('emit writes YAML that Helm 4 renders with the packaged chart, equal to writeValuesFile', () => {
    const emitted = bin(['emit', 'values.ts', '-o', 'values.yaml']);
    expect(emitted.status, emitted.stderr).toBe(0);
    const yaml = readFileSync(join(project, 'values.yaml'), 'utf8');
    expect(yaml.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./node_modules/fineract-netpol/schema/values-override.schema.json',
    );

    // The same YAML on stdout, and from the installed SDK's writeValuesFile.
    expect(bin(['emit', 'values.ts']).stdout).toBe(yaml);
    writeFileSync(
      join(project, 'write.mjs'),
      `import values from './values.ts';
import { writeValuesFile } from 'fineract-netpol';
writeValuesFile('sdk.yaml', values, { header: 'Generated from values.ts by \`fineract-netpol emit\`; edit that file instead.' });
`,
    );
    mustRun('node', ['write.mjs'], project);
    expect(readFileSync(join(project, 'sdk.yaml'), 'utf8')).toBe(yaml);

    // Real Helm 4 with the chart the package ships (and the repository's: the same bytes).
    const rendered = helm(4, [
      'template',
      'x',
      join(installed, 'chart'),
      '-n',
      'fineract-uat',
      '-f',
      join(project, 'values.yaml'),
    ]);
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).toBe(
      helmTemplate({ helm: 4, releaseName: 'x', valuesFiles: [join(project, 'values.yaml')] }).stdout,
    );
    const docs = rendered.stdout.split(/^---$/m).map((d) => parseYaml(d) as Record<string, unknown> | null);
    const policies = docs.filter((d) => d?.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThanOrEqual(4);
    expect(rendered.stdout).toContain('cidr: 10.20.33.0/24');
    expect(rendered.stdout).toContain('port: 9090');
  });

  it('emit of invalid values: exit 1, each path and message, nothing written', () => {
    writeFileSync(
      join(project, 'invalid.ts'),
      `import { defineValues } from 'fineract-netpol';
export default defineValues({ networks: { rds: { cidrs: ['10.20.0.0/33'] } } });
`,
    );
    const result = bin(['emit', 'invalid.ts', '-o', 'invalid.yaml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid.ts  networks.rds.cidrs[0]  "10.20.0.0/33" is not a valid CIDR');
    expect(existsSync(join(project, 'invalid.yaml'))).toBe(false);
  });
});

describe('the package.json a registry gets', () => {
  const pkg = () => JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;

  it('is publishable: public, with provenance, its metadata pointing at one repository', () => {
    const meta = pkg();
    expect(meta.private).toBeUndefined();
    expect(meta.name).toBe('fineract-netpol');
    expect(meta.publishConfig).toEqual({ access: 'public', provenance: true });
    expect(meta.license).toBe('Apache-2.0');
    expect(meta.keywords).toEqual(expect.arrayContaining(['fineract', 'kubernetes', 'networkpolicy', 'helm']));
    const repository = meta.repository as { type: string; url: string };
    expect(repository.type).toBe('git');
    const repo = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(repository.url)?.[1];
    expect(repo, repository.url).toBeDefined();
    expect(meta.homepage).toBe(`${repo}#readme`);
    expect(meta.bugs).toEqual({ url: `${repo}/issues` });
  });

  it('engines: Node 20.19+ (require of ES modules) or 22.12+, which the tests below run', () => {
    expect(pkg().engines).toEqual({ node: '^20.19.0 || >=22.12.0' });
  });
});

// The host's Node 20 (end of life, yet still common) and the Node running these tests (24).
const NODE20 = '/usr/bin/node';
const node20 = existsSync(NODE20) ? spawnSync(NODE20, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const NODES: [string, string][] = [
  ['Node 24', process.execPath],
  ['Node 20', node20.startsWith('v20.') ? NODE20 : ''],
];

describe('a "type": "commonjs" project, as `npm init -y` makes it', () => {
  const cjs = join(work, 'commonjs');
  /** `npx fineract-netpol …` in the commonjs project with `node` first on PATH. */
  const npx = (node: string, args: string[], cwd = cjs): Run =>
    run('npx', ['--no-install', 'fineract-netpol', ...args], cwd, dirname(node));
  const tsc = (args: string[], cwd = cjs): Run =>
    run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], cwd);
  /** The errors of tsc's --pretty false output. */
  const tscErrors = (out: string) =>
    [...out.matchAll(/^(\S+)\(\d+,\d+\): error (TS\d+): (.*)$/gm)].map((m) => m.slice(1));
  // The README's example, unchanged.
  const README_TS = `import { defineValues } from 'fineract-netpol';

export default defineValues({
  commonLabels: { environment: 'uat' },
  networks: { rds: { cidrs: ['10.20.32.0/24', '10.20.33.0/24'], excludePrivate: false } },
  connections: { 'keycloak-admin-from-ingress': { enabled: false } },
});
`;
  // The consumer tsconfig the README documents.
  const TSCONFIG = {
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, noEmit: true },
    include: ['values'],
  };

  beforeAll(() => {
    mkdirSync(join(cjs, 'values'), { recursive: true });
    mustRun('npm', ['init', '-y', '--loglevel=error'], cjs);
    const manifest = JSON.parse(readFileSync(join(cjs, 'package.json'), 'utf8')) as Record<string, unknown>;
    // npm 10.9+ writes "type": "commonjs"; older npm writes no type, which Node reads the same way.
    writeFileSync(join(cjs, 'package.json'), `${JSON.stringify({ ...manifest, type: 'commonjs' }, null, 2)}\n`);
    mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarballPath], cjs);
    writeFileSync(join(cjs, 'values', 'uat.ts'), README_TS);
    writeFileSync(join(cjs, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    // The same values as JavaScript for Node without type stripping (the fix emit gives on Node 20).
    writeFileSync(join(cjs, 'values', 'uat.mjs'), `// @ts-check\n${README_TS}`);
    writeFileSync(join(cjs, 'uat.yaml'), readFileSync(join(REPO_ROOT, 'values', 'uat.yaml')));
    writeFileSync(join(cjs, 'bad.yaml'), 'networks:\n  rds: {cidrs: [10.20.0.0/33]}\n');
    writeFileSync(
      join(cjs, 'sdk.cjs'),
      "const { defineValues } = require('fineract-netpol');\nconsole.log(typeof defineValues);\n",
    );
  }, 600_000);

  it('tsc with the documented tsconfig compiles values/uat.ts, and fails a two-kind endpoint, naming it', () => {
    const good = tsc(['-p', 'tsconfig.json', '--pretty', 'false']);
    expect(good.status, good.stdout).toBe(0);
    writeFileSync(join(cjs, 'values', 'bad.ts'), badSource(BAD['two-kinds-network.ts']?.source ?? ''));
    try {
      const bad = tsc(['-p', 'tsconfig.json', '--pretty', 'false']);
      expect(bad.status).toBe(2);
      expect(tscErrors(bad.stdout)).toEqual([['values/bad.ts', 'TS2322', BAD['two-kinds-network.ts']?.names + '.']]);
    } finally {
      rmSync(join(cjs, 'values', 'bad.ts'));
    }
  });

  it("tsc --init's options (declarations, verbatimModuleSyntax) pass a values .mts, naming its type (no TS2742)", () => {
    const dir = join(cjs, 'init');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'uat.mts'), README_TS);
    const options = {
      compilerOptions: {
        module: 'nodenext',
        target: 'esnext',
        types: [],
        declaration: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        strict: true,
        verbatimModuleSyntax: true,
        isolatedModules: true,
        moduleDetection: 'force',
        skipLibCheck: false,
        emitDeclarationOnly: true,
        outDir: 'out',
      },
      files: ['uat.mts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(options));
    const result = tsc(['-p', 'tsconfig.json', '--pretty', 'false'], dir);
    expect(result.status, result.stdout).toBe(0);
    expect(readFileSync(join(dir, 'out', 'uat.d.mts'), 'utf8')).toContain('import("fineract-netpol").ValuesOverride');
  });

  it('tsc without a tsconfig (ES5, node10): errors only in zod typings, none with --skipLibCheck', () => {
    const plain = tsc(['--noEmit', '--pretty', 'false', 'values/uat.ts']);
    expect(plain.status).toBe(2);
    const files = new Set(tscErrors(plain.stdout).map(([file]) => file?.split('/').slice(0, 2).join('/')));
    // (The package's declarations no longer name the yaml package's types: only zod's remain.)
    expect([...files].sort()).toEqual(['node_modules/zod']);
    const skip = tsc(['--noEmit', '--pretty', 'false', '--skipLibCheck', 'values/uat.ts']);
    expect(skip.status, skip.stdout).toBe(0);
  });

  describe.each(NODES)('npx fineract-netpol on %s', (label, node) => {
    const skip = node === '' ? `no ${label} at ${NODE20}` : '';

    it.skipIf(skip)(`runs with ${label} first on PATH`, () => {
      const version = run('node', ['--version'], cjs, dirname(node)).stdout.trim();
      expect(version.split('.')[0]).toBe(label === 'Node 20' ? 'v20' : process.version.split('.')[0]);
    });

    it.skipIf(skip)('validate: exit 0 for values/uat.yaml, exit 1 with the problem at its line', () => {
      const good = npx(node, ['validate', '-f', 'uat.yaml']);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/^uat\.yaml: valid \(/);
      const bad = npx(node, ['validate', '-f', 'bad.yaml']);
      expect(bad.status).toBe(1);
      // The problems on stderr (as emit's), the verdict on stdout.
      expect(bad.stderr).toContain('bad.yaml:2:17  networks.rds.cidrs[0]  "10.20.0.0/33"');
      expect(bad.stdout).toMatch(/^bad\.yaml: [1-9]\d* errors?\n$/);
    });

    it.skipIf(skip)('verify: the legacy policies over the Fineract workloads, with its error findings', () => {
      const result = npx(node, [
        'verify',
        '-m',
        join(REPO_ROOT, 'test', 'fixtures', 'legacy'),
        '-w',
        join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml'),
        '-o',
        'json',
      ]);
      expect(result.status, result.stderr).toBe(1);
      const report = JSON.parse(result.stdout) as { findings: { severity: string }[] };
      expect(report.findings.some((f) => f.severity === 'error')).toBe(true);
    });

    it.skipIf(skip)("verify: CiliumNetworkPolicies, checked against the packaged copy of Cilium's CRD schema", () => {
      const manifests = join(REPO_ROOT, 'test', 'fixtures', 'cilium');
      const workloads = join(REPO_ROOT, 'test', 'fixtures', 'fineract-workloads.yaml');
      const good = npx(node, ['verify', '-m', join(manifests, 'spec-shape.yaml'), '-w', workloads, '-o', 'json']);
      expect(good.status, good.stderr).toBe(0);
      const report = JSON.parse(good.stdout) as { connections: { to: string }[] };
      expect(report.connections.some((c) => c.to.startsWith('fqdn:'))).toBe(true);
      // A policy the CRD schema refuses is exit 2, named, whatever else is right.
      const bad = npx(node, ['verify', '-m', join(manifests, 'refused.yaml'), '-w', workloads]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('refused.yaml:');
    });

    it.skipIf(skip)('require() of the SDK from CommonJS', () => {
      const result = run('node', ['sdk.cjs'], cjs, dirname(node));
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe('function\n');
    });

    it.skipIf(skip)('emit of values/uat.mjs: the YAML of values/uat.ts, modeline relative to the cwd', () => {
      const result = npx(node, ['emit', 'values/uat.mjs']);
      expect(result.status, result.stderr).toBe(0);
      const ref = /^# yaml-language-server: \$schema=(\S+)\n/.exec(result.stdout)?.[1] ?? '';
      expect(resolve(cjs, ref)).toBe(
        join(cjs, 'node_modules', 'fineract-netpol', 'schema', 'values-override.schema.json'),
      );
      expect(parseYaml(result.stdout)).toEqual({
        commonLabels: { environment: 'uat' },
        networks: { rds: { cidrs: ['10.20.32.0/24', '10.20.33.0/24'], excludePrivate: false } },
        connections: { 'keycloak-admin-from-ingress': { enabled: false } },
      });
    });

    if (label === 'Node 20') {
      it.skipIf(skip)('emit of values/uat.ts: exit 2, Node 20 cannot strip types, and the fix', () => {
        const result = npx(node, ['emit', 'values/uat.ts', '-o', 'values/uat-node20.yaml']);
        expect(result.status).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `fineract-netpol: values/uat.ts: Node.js ${node20} cannot load TypeScript (type stripping needs Node.js 22.18+ or 23.6+)\n` +
            '  fix: run emit with Node.js 22.18+ (24 LTS recommended), or write the module as JavaScript in values/uat.mjs ' +
            '(the same code without type annotations; `// @ts-check` on its first line keeps the editor checking it)\n',
        );
        expect(existsSync(join(cjs, 'values', 'uat-node20.yaml'))).toBe(false);
      });
    } else {
      it.skipIf(skip)('emit of values/uat.ts: exit 0; -o into a subfolder, the modeline relative to it', () => {
        const stdout = npx(node, ['emit', 'values/uat.ts']);
        expect(stdout.stderr).toBe('');
        expect(stdout.status).toBe(0);
        expect(stdout.stdout).toBe(npx(node, ['emit', 'values/uat.mjs']).stdout.replace('uat.mjs', 'uat.ts'));
        const written = npx(node, ['emit', 'values/uat.ts', '-o', 'values/uat.yaml']);
        expect(written.status, written.stderr).toBe(0);
        const yaml = readFileSync(join(cjs, 'values', 'uat.yaml'), 'utf8');
        expect(yaml.split('\n')[0]).toBe(
          '# yaml-language-server: $schema=../node_modules/fineract-netpol/schema/values-override.schema.json',
        );
        // From inside values/, on stdout: relative to that folder.
        const inside = npx(node, ['emit', 'uat.ts'], join(cjs, 'values'));
        expect(inside.status, inside.stderr).toBe(0);
        expect(inside.stdout).toBe(yaml);
      });
    }
  });
});

/** A TypeScript language service over files of a folder (as an editor's TS server runs it). */
function languageService(dir: string, files: string[]): ts.LanguageService {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    types: [],
  };
  const paths = files.map((f) => join(dir, f));
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => paths,
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) =>
      existsSync(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, 'utf8')) : undefined,
    getCurrentDirectory: () => dir,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (file) => ts.sys.fileExists(file),
    readFile: (file) => ts.sys.readFile(file),
    readDirectory: (...args) => ts.sys.readDirectory(...args),
    directoryExists: (d) => ts.sys.directoryExists(d),
    getDirectories: (d) => ts.sys.getDirectories(d),
    realpath: (p) => ts.sys.realpath?.(p) ?? p,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}
