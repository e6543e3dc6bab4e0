// Values files in an editor: a real yaml-language-server (the npm package, the server behind VS
// Code's YAML extension, JetBrains' LSP clients and Neovim's yamlls) spoken to over LSP on stdio
// as an editor does (test/helpers/lsp.ts). The environment files resolve their modeline to
// schema/values-override.schema.json and get no diagnostics; a file with typos gets one diagnostic
// per typo, on its line; completion offers the model's keys and the snippets for new entries;
// hover shows the descriptions. No network: the schema store and the CRD store are off.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve, schemaAt, type JsonSchema } from '../src/generate/schema.ts';
import { Values } from '../src/model/values.ts';
import { CHART_DIR, REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import {
  hoverText,
  LspClient,
  positionOf,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
} from './helpers/lsp.ts';

const require = createRequire(import.meta.url);
const SERVER_PACKAGE = require.resolve('yaml-language-server/package.json');
const SERVER_VERSION = (JSON.parse(readFileSync(SERVER_PACKAGE, 'utf8')) as { version: string }).version;
const SERVER_BIN = join(dirname(SERVER_PACKAGE), 'bin', 'yaml-language-server');

const OVERRIDE_SCHEMA = join(REPO_ROOT, 'schema', 'values-override.schema.json');
const MODELINE = '# yaml-language-server: $schema=../schema/values-override.schema.json';
const schema = JSON.parse(readFileSync(OVERRIDE_SCHEMA, 'utf8')) as JsonSchema;

/** What VS Code's YAML extension sends (its defaults, with every network access turned off). */
const SETTINGS = {
  yaml: {
    validate: true,
    completion: true,
    hover: true,
    format: { enable: false },
    schemaStore: { enable: false },
    kubernetesCRDStore: { enable: false },
    // The README's association for files without the modeline (here: environments/*.yaml).
    schemas: { './schema/values-override.schema.json': ['environments/*.yaml'] },
  },
  http: { proxy: '', proxyStrictSSL: false },
  '[yaml]': {},
  editor: {},
};

let client: LspClient;
let initializeResult: { serverInfo?: { name: string; version?: string } };
let documents = 0;

beforeAll(async () => {
  client = LspClient.spawn(process.execPath, [SERVER_BIN, '--stdio'], { cwd: REPO_ROOT });
  initializeResult = (await client.initialize({ rootDir: REPO_ROOT, settings: SETTINGS })) as typeof initializeResult;
});

afterAll(async () => {
  await client?.stop();
});

/** Opens `text` as a document at `path` (it need not exist) and waits for its diagnostics. */
async function open(path: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const since = client.notifications.length;
  const uri = client.open(path, text);
  return { uri, diagnostics: await client.diagnostics(uri, since) };
}

/** A new document under values/ (so its modeline resolves to ../schema) for each call. */
function scratchPath(dir = VALUES_DIR): string {
  return join(dir, `editor-test-${++documents}.yaml`);
}

/** Completion at the `@@` marker of `text` (which is removed). */
async function completeAt(text: string): Promise<CompletionItem[]> {
  const position = positionOf(text, '@@');
  const { uri } = await open(scratchPath(), text.replace('@@', ''));
  const list = await client.request<CompletionList | CompletionItem[] | null>('textDocument/completion', {
    textDocument: { uri },
    position,
  });
  client.close(uri);
  return Array.isArray(list) ? list : (list?.items ?? []);
}

async function hoverAt(uri: string, text: string, needle: string): Promise<string> {
  const position = positionOf(text, needle);
  position.character += 1; // inside the key
  return hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position }));
}

/** The schema's description of the value at a path (following $refs), as the hover should show it. */
function descriptionAt(path: string[]): string {
  const node = schemaAt(schema, path);
  if (!node) throw new Error(`no schema at ${path.join('.')}`);
  const description = resolve(schema, node).description;
  if (!description) throw new Error(`no description at ${path.join('.')}`);
  return description;
}

const render = (d: Diagnostic) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`;

/** Every subschema of a schema (not the data of default, examples, enum, snippets). */
function subschemas(node: unknown): JsonSchema[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(subschemas);
  const data = new Set(['default', 'examples', 'enum', 'const', 'defaultSnippets', 'enumDescriptions']);
  const children = Object.entries(node).flatMap(([key, value]) => (data.has(key) ? [] : subschemas(value)));
  return [node as JsonSchema, ...children];
}

describe('the editor annotations of the schemas', () => {
  const full = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as JsonSchema;

  it.each([
    ['chart/values.schema.json', full],
    ['schema/values-override.schema.json', schema],
  ] as const)('%s: every pattern has a patternErrorMessage, every enum its enumDescriptions', (_name, root) => {
    const nodes = subschemas(root);
    const patterns = nodes.filter((n) => typeof n.pattern === 'string');
    expect(patterns.length).toBeGreaterThan(5);
    for (const n of patterns) expect(n.patternErrorMessage, n.pattern as string).toMatch(/^Not a |^Write /);
    const enums = nodes.filter((n) => Array.isArray(n.enum));
    expect(enums.length).toBeGreaterThanOrEqual(3);
    for (const n of enums) expect((n.enumDescriptions as string[]).length, JSON.stringify(n.enum)).toBe(n.enum!.length);
    // Markdown hover text extends the plain description, never contradicts it.
    for (const n of nodes.filter((x) => x.markdownDescription !== undefined)) {
      expect(n.markdownDescription as string).toContain(n.description!);
    }
  });

  it('the maps keyed by name have a snippet for a new entry, and their entries one for the fields', () => {
    for (const map of ['components', 'peers', 'networks', 'connections']) {
      const record = resolve(full, full.properties![map]!);
      const snippets = record.defaultSnippets as { label: string; body: Record<string, unknown> }[];
      expect(snippets.length, map).toBeGreaterThan(0);
      for (const s of snippets) expect(Object.keys(s.body)[0], `${map}: ${s.label}`).toMatch(/^\$\{1:my-[a-z]+\}$/);
      const entry = resolve(full, record.additionalProperties as JsonSchema);
      expect((entry.defaultSnippets as unknown[]).length, `${map} entry`).toBeGreaterThan(0);
    }
  });
});

describe(`yaml-language-server ${SERVER_VERSION} (LSP over stdio)`, () => {
  it('is the real server, started from the npm package', () => {
    expect(initializeResult.serverInfo).toEqual({ name: 'yaml-language-server', version: SERVER_VERSION });
    expect(Number(SERVER_VERSION.split('.')[0])).toBeGreaterThanOrEqual(2);
  });

  const envFiles = readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it.each(envFiles)('values/%s: the modeline resolves to the schema file, and no diagnostics', async (name) => {
    const path = join(VALUES_DIR, name);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe(MODELINE);
    const { uri, diagnostics } = await open(path, text);
    expect(diagnostics.map(render)).toEqual([]);
    // …and the schema did apply: hover on the first key names the schema file it came from.
    const firstKey = /^([A-Za-z]+):/m.exec(text)?.[1] ?? 'commonLabels';
    const hover = await hoverAt(uri, text, `${firstKey}:`);
    expect(hover).toContain(descriptionAt([firstKey]));
    expect(hover).toContain(pathToFileURL(OVERRIDE_SCHEMA).href);
    client.close(uri);
  });

  it('chart/values.yaml (modeline: the chart schema of the merged values): no diagnostics', async () => {
    const path = join(CHART_DIR, 'values.yaml');
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=values.schema.json');
    const { uri, diagnostics } = await open(path, text);
    expect(diagnostics.map(render)).toEqual([]);
    expect(await hoverAt(uri, text, 'dns:')).toContain(pathToFileURL(join(CHART_DIR, 'values.schema.json')).href);
    client.close(uri);
  });

  // One typo per line; each expected diagnostic names the line (1-based) of its `needle` and a
  // part of its message. Nothing else may be reported.
  const TYPOS = [
    MODELINE,
    'defaultDeny:',
    '  enabeld: true',
    'dns:',
    '  enabled: "yes"',
    'commonLabels:',
    '  team: platform team',
    'networks:',
    '  rds:',
    '    cidrs: [10.20.0.1]',
    'connections:',
    '  api-from-ingress:',
    '    from: {component: keycloak}',
    '    ports: [{port: 70000}, {port: 8080, protocol: HTTP}]',
    '  Bad_Name:',
    '    from: {component: fineract}',
    '    to: {component: keycloak}',
    '    ports: [{port: 8080}]',
    '  redis-from-keycloak:',
    '    from: {component: keycloak}',
    '    ports: [{port: 6379}]',
    '',
  ].join('\n');
  const EXPECTED: { needle: string; message: RegExp }[] = [
    { needle: 'enabeld', message: /^Property enabeld is not allowed\.$/ },
    { needle: '"yes"', message: /^Incorrect type\. Expected "boolean/ },
    { needle: 'platform team', message: /^Not a Kubernetes label value: / },
    { needle: '10.20.0.1', message: /^Not a CIDR block: .*10\.20\.0\.1\/32/ },
    { needle: 'from: {component: keycloak}', message: /default \{peer: "ingress-nginx"\}: add `peer: null`/ },
    { needle: '70000', message: /maximum of 65535/ },
    { needle: 'HTTP', message: /^Value is not accepted\. Valid values: "TCP", "UDP", "SCTP"\.$/ },
    { needle: 'Bad_Name', message: /^Not a DNS-1123 label: / },
    { needle: 'redis-from-keycloak', message: /^Missing property "to"\.$/ },
  ];

  it('a file with typos: one diagnostic per typo, at its line and column, saying what is wrong', async () => {
    const { uri, diagnostics } = await open(scratchPath(), TYPOS);
    const expected = EXPECTED.map(({ needle, message }) => ({ at: positionOf(TYPOS, needle), message }));
    const actual = [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line);
    expect(actual.map(render)).toHaveLength(expected.length);
    for (const { at, message } of expected) {
      const found = actual.find((d) => d.range.start.line === at.line && message.test(d.message));
      expect(found, `line ${at.line + 1}: ${message}\nreported:\n${actual.map(render).join('\n')}`).toBeDefined();
      // On the offending token (or the key whose value is wrong), not elsewhere on the line.
      expect(found!.range.start.character).toBeLessThanOrEqual(at.character);
      expect(found!.range.end.character).toBeGreaterThan(at.character);
    }
    for (const d of actual) expect(d.severity).toBe(1); // errors, as the server reports schema problems
    client.close(uri);
  });

  it('a file without the modeline, associated by the `yaml.schemas` setting, is checked the same way', async () => {
    const text = TYPOS.split('\n').slice(1).join('\n');
    const { diagnostics } = await open(scratchPath(join(REPO_ROOT, 'environments')), text);
    expect(diagnostics.map((d) => d.message)).toContain('Property enabeld is not allowed.');
    expect(diagnostics).toHaveLength(EXPECTED.length);
  });

  it('completion at the top level offers every key of the model', async () => {
    const items = await completeAt(`${MODELINE}\n@@`);
    const properties = items.filter((i) => i.kind === 10).map((i) => i.label);
    expect(properties.sort()).toEqual(Object.keys(Values.shape).sort());
    // Documented: each with its description.
    const dns = items.find((i) => i.label === 'dns');
    expect(JSON.stringify(dns?.documentation)).toContain('cluster DNS');
  });

  it('completion at the top level omits the keys already written', async () => {
    const items = await completeAt(`${MODELINE}\ndns:\n  enabled: false\n@@`);
    const labels = items.map((i) => i.label);
    expect(labels).not.toContain('dns');
    expect(labels).toEqual(expect.arrayContaining(['namespaceLabelKey', 'monitoring', 'connections']));
  });

  it('completion inside a new connection offers from, to, ports and the connection snippet', async () => {
    const items = await completeAt(`${MODELINE}\nconnections:\n  my-flow:\n    @@`);
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['from', 'to', 'ports', 'enabled', 'description']));
    const snippet = items.find((i) => i.label === 'connection');
    expect(snippet?.insertText).toMatch(/^from:\n {2}component: \$\{2:fineract\}\nto:\n {2}component: /);
    expect(snippet?.insertText).toContain('- port: ${4:8080}');
  });

  it.each([
    { map: 'components', snippet: 'new component', name: 'my-component', field: 'podSelector:', existing: 'fineract' },
    { map: 'peers', snippet: 'new peer', name: 'my-peer', field: 'namespace:', existing: 'ingress-nginx' },
    { map: 'networks', snippet: 'new network (private subnets)', name: 'my-network', field: 'cidrs:', existing: 'rds' },
    {
      map: 'connections',
      snippet: 'new connection',
      name: 'my-connection',
      field: 'from:',
      existing: 'api-from-ingress',
    },
  ])('completion in `$map` offers the "$snippet" snippet and the default entries', async (c) => {
    const items = await completeAt(`${MODELINE}\n${c.map}:\n  @@`);
    const snippet = items.find((i) => i.label === c.snippet);
    expect(snippet?.insertText?.startsWith(`\${1:${c.name}}:\n`), JSON.stringify(snippet)).toBe(true);
    expect(snippet?.insertText).toContain(c.field);
    // Overriding a default entry: its name is offered, without a new entry's snippet.
    const existing = items.find((i) => i.label === c.existing);
    expect(existing?.insertText).toBe(`${c.existing}: `);
  });

  it('completion of a list item of ports offers the port snippets', async () => {
    const items = await completeAt(`${MODELINE}\nconnections:\n  my-flow:\n    ports:\n      - @@`);
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['TCP port', 'UDP port', 'port range', 'port', 'protocol']));
    expect(items.find((i) => i.label === 'UDP port')?.insertText).toBe('port: ${1:53}\n  protocol: UDP');
  });

  it('completion of an endpoint offers its three kinds', async () => {
    const items = await completeAt(`${MODELINE}\nconnections:\n  my-flow:\n    from: @@`);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['component', 'peer', 'network']));
  });

  it('completion of a protocol offers the enum, with descriptions', async () => {
    const items = await completeAt(`${MODELINE}\ndns:\n  ports:\n    - port: 53\n      protocol: @@`);
    expect(items.map((i) => i.label).sort()).toEqual(['SCTP', 'TCP', 'UDP']);
    expect(JSON.stringify(items.find((i) => i.label === 'UDP')?.documentation)).toContain('DNS');
  });

  it('hover on a key shows its title and description, in Markdown', async () => {
    const text = [
      MODELINE,
      'dns:',
      '  namespace: kube-system',
      'networks:',
      '  s3:',
      '    excludePrivate: true',
      '',
    ].join('\n');
    const { uri, diagnostics } = await open(scratchPath(), text);
    expect(diagnostics).toEqual([]);

    const excludePrivate = await hoverAt(uri, text, 'excludePrivate');
    expect(excludePrivate).toContain('#### Exclude private ranges');
    expect(excludePrivate).toContain(descriptionAt(['networks', 's3', 'excludePrivate']));
    expect(excludePrivate).toContain('`privateCidrs`'); // Markdown, not escaped plain text
    expect(excludePrivate).toContain('```yaml');

    const dns = await hoverAt(uri, text, 'dns');
    expect(dns).toContain('#### DNS');
    expect(dns).toContain(descriptionAt(['dns']));
    expect(dns).toContain('namespaceSelector');

    const namespace = await hoverAt(uri, text, 'namespace:');
    expect(namespace).toContain(descriptionAt(['dns', 'namespace']));
    client.close(uri);
  });
});
