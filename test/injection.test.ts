// Injection: every string of the values that reaches the rendered manifests — label and annotation
// keys and values, the names of components, peers, networks and connections, descriptions, policy
// names, namespaces, selector keys and values, port names, namespaceLabelKey, CIDRs, protocols —
// filled with YAML and Go-template metacharacters ({{ }}, `: `, `# `, line breaks, `---`, quotes,
// backslashes, tags, anchors, block indicators, YAML 1.1 booleans and numbers, bidi overrides,
// zero-width characters, emoji, NEL, U+2028, BOM, NUL, DEL, C1 controls…). For each payload × place
// the table decides one of two outcomes, and the real Helm 3 and Helm 4 must agree:
//   - refused: `helm template` fails and prints nothing, naming the field (the JSON Schema's path,
//     or the chart's own check); the values model (zod) refuses it too;
//   - inert: both Helm versions render the same bytes, every document parses strictly (YAML 1.2
//     and YAML 1.1 read the same objects; no duplicate key, unknown tag, alias or raw control
//     character), and the render equals the render of the same values with a harmless marker in
//     the payload's place, the marker replaced by the payload: same documents, keys at every
//     level, rules, peers and ports, the payload verbatim where the marker was; in comments, the
//     same comment lines with the payload made safe (util.comment), so a description can never
//     leave its comment.
// It also checks that `fineract-netpol validate` never prints a payload's control characters raw.
// How the chart keeps them inert, and why the rest is refused: docs/injection.md.
//
// Cost: one values file holds one payload at every place of the same outcome (two files when two
// places would clash), rendered standalone with both Helm versions, as many processes at a time
// as there are CPUs (a batch of aliased subcharts renders this chart no faster per values file).
//
// Run: scripts/run npx vitest run test/injection.test.ts   (about 35 s on 2 CPUs: ~530 Helm processes)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CST, Lexer, parseAllDocuments } from 'yaml';
import { DEFAULT_VALUES } from '../src/model/defaults.ts';
import { CHART_DIR } from '../src/paths.ts';
import { formatValidation, validateValuesFiles } from '../src/values/report/index.ts';
import { checkValues } from '../src/values/check.ts';
import { helmJson } from './helpers/batch-render.ts';
import { helmAsync, helmPathPattern, pool, type HelmResult, type HelmVersion } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const NAMESPACE = 'fineract-injection';

// ---- the payloads ------------------------------------------------------------------------------

/** The kinds of string field of the values model. */
type Kind =
  | 'annotation' // commonAnnotations values: any text with line breaks and tabs
  | 'description' // one line of text, rendered as a YAML comment
  | 'labelKey' // label and annotation keys, namespaceLabelKey, selector keys
  | 'labelValue' // label values, selector values
  | 'name' // DNS-1123 labels: entry names, namespaces
  | 'policyName' // DNS-1123 subdomains: metadata.name
  | 'portName' // IANA service names
  | 'cidr'
  | 'protocol';

type Payload = {
  name: string;
  text: string;
  /** The kinds of field that accept it (rendering it inert); every other kind refuses it. */
  accepts: readonly Kind[];
  /**
   * Where it is refused, how Helm 3 does it when not by its schema check naming the field:
   * - 'yaml': DEL, C1 controls, U+FFFE and U+FFFF anywhere in the values make Helm 3 fail before it
   *   checks anything, with "yaml: control characters are not allowed" and no path (Helm 3 turns
   *   the values into YAML to validate them; Helm 4 has no such step and names the field);
   * - 'folds': Helm 3 validates a YAML copy of the values in which NEL is a line break: in a map
   *   key it fails with a YAML syntax error and no path; in free text (annotation values,
   *   descriptions) it has become a space, and the chart's own text check refuses it, naming the
   *   field (chart/templates/_text.tpl); elsewhere the schema refuses the "a b" it sees.
   */
  helm3?: 'yaml' | 'folds';
};

const TEXT = ['annotation', 'description'] as const;
const MULTILINE = ['annotation'] as const;
const REFUSED = [] as const;
/** Label keys and values accept YAML 1.1 scalars such as `y` or `012`: they must stay strings. */
const LABEL = [...TEXT, 'labelKey', 'labelValue'] as const;
const LOWER = [...LABEL, 'name', 'policyName'] as const;
const LOWER_WITH_LETTER = [...LOWER, 'portName'] as const;

const PAYLOADS: Payload[] = [
  // Go templates (Helm renders values with toYaml/quote, never `tpl`: none may execute)
  { name: 'template action', text: '{{ .Release.Name }}', accepts: TEXT },
  { name: 'template call', text: '{{- template "x" . }}', accepts: TEXT },
  { name: 'fail action', text: '{{ fail "injected" }}', accepts: TEXT },
  { name: 'include and nindent', text: '{{ include "fineract-netpol.metadata" . | nindent 2 }}', accepts: TEXT },
  { name: 'template comment', text: '{{/* x */}}', accepts: TEXT },
  { name: 'handlebars raw block', text: '{{{{raw}}}}x{{{{/raw}}}}', accepts: TEXT },
  // YAML structure on one line
  { name: 'key and value', text: 'a: b', accepts: TEXT },
  { name: 'trailing colon', text: 'a:', accepts: TEXT },
  { name: 'comment', text: '# c', accepts: TEXT },
  { name: 'inline comment', text: 'a # c', accepts: TEXT },
  { name: 'document start', text: '---', accepts: TEXT },
  { name: 'document end', text: '...', accepts: TEXT },
  { name: 'list item', text: '- a', accepts: TEXT },
  { name: 'complex key', text: '? a', accepts: TEXT },
  { name: 'value indicator', text: ': a', accepts: TEXT },
  { name: 'literal block indicator', text: '|', accepts: TEXT },
  { name: 'folded block indicator', text: '>-', accepts: TEXT },
  { name: 'block indicator and text', text: '| a', accepts: TEXT },
  { name: 'flow sequence', text: '[a, b]', accepts: TEXT },
  { name: 'flow mapping', text: '{a: b}', accepts: TEXT },
  { name: 'reserved indicators', text: '@a `b`', accepts: TEXT },
  { name: 'python tag', text: '!!python/object/apply:os.system ["id"]', accepts: TEXT },
  { name: 'local tag', text: '!x y', accepts: TEXT },
  { name: 'binary tag', text: '!!binary aGk=', accepts: TEXT },
  { name: 'anchor', text: '&a x', accepts: TEXT },
  { name: 'alias', text: '*a', accepts: TEXT },
  { name: 'merge key', text: '<<: *a', accepts: TEXT },
  { name: 'directive', text: '%YAML 1.1', accepts: TEXT },
  { name: 'percent', text: '%', accepts: TEXT },
  { name: 'single quotes', text: "'a'", accepts: TEXT },
  { name: 'double quotes', text: '"a"', accepts: TEXT },
  { name: 'mixed quotes', text: `it's "x"`, accepts: TEXT },
  { name: 'backslashes', text: 'C:\\path\\n\\u0041\\', accepts: TEXT },
  { name: 'escaped quote', text: '\\"', accepts: TEXT },
  { name: 'surrounding spaces', text: ' a ', accepts: TEXT },
  { name: 'one space', text: ' ', accepts: TEXT },
  { name: 'empty', text: '', accepts: [...TEXT, 'labelValue'] },
  {
    name: 'long, with spaces and # (folded by YAML, cut in comments)',
    text: 'lorem ipsum # dolor: sit '.repeat(13),
    accepts: TEXT,
  },
  { name: 'emoji at the comment cut', text: `${'x'.repeat(199)}🔥🔥`, accepts: TEXT },
  // YAML 1.1 and 1.2 scalars that are not strings when unquoted
  { name: 'boolean true', text: 'true', accepts: LOWER_WITH_LETTER },
  { name: 'YAML 1.1 boolean y', text: 'y', accepts: LOWER_WITH_LETTER },
  { name: 'YAML 1.1 boolean NO', text: 'NO', accepts: LABEL },
  { name: 'null', text: 'null', accepts: LOWER_WITH_LETTER },
  { name: 'null ~', text: '~', accepts: TEXT },
  { name: 'octal 012', text: '012', accepts: LOWER },
  { name: 'hexadecimal 0x1f', text: '0x1f', accepts: LOWER_WITH_LETTER },
  { name: 'float 1e3', text: '1e3', accepts: LOWER_WITH_LETTER },
  { name: 'YAML 1.1 integer 1_000', text: '1_000', accepts: LABEL },
  { name: 'timestamp 2001-01-01', text: '2001-01-01', accepts: LOWER },
  { name: 'YAML 1.1 sexagesimal 1:20', text: '1:20', accepts: TEXT },
  { name: 'infinity .inf', text: '.inf', accepts: TEXT },
  { name: 'YAML 1.1 value key =', text: '=', accepts: TEXT },
  // line breaks and tabs: annotation values keep them, everything else refuses them
  { name: 'line feed', text: 'a\nb', accepts: MULTILINE },
  { name: 'new key on a new line', text: 'a\nkind: Secret', accepts: MULTILINE },
  { name: 'new list item on a new line', text: 'a\n- b', accepts: MULTILINE },
  {
    name: 'new document',
    text: 'a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: injected',
    accepts: MULTILINE,
  },
  { name: 'indented continuation', text: 'a\n  b: c\n', accepts: MULTILINE },
  { name: 'comment on a new line', text: 'a\n# b', accepts: MULTILINE },
  { name: 'template on a new line', text: 'a\n{{ .Values }}', accepts: MULTILINE },
  { name: 'trailing line feed', text: 'a\n', accepts: MULTILINE },
  { name: 'two trailing line feeds', text: 'a\n\n', accepts: MULTILINE },
  { name: 'leading line feed', text: '\na', accepts: MULTILINE },
  { name: 'only line feeds', text: '\n\n', accepts: MULTILINE },
  { name: 'tab', text: 'a\tb', accepts: MULTILINE },
  { name: 'leading tab', text: '\ta', accepts: MULTILINE },
  { name: 'carriage return', text: 'a\rb', accepts: REFUSED },
  { name: 'CR LF', text: 'a\r\nb', accepts: REFUSED },
  // Unicode
  { name: 'right-to-left override U+202E', text: 'a\u202eb', accepts: TEXT },
  { name: 'bidi isolates U+2066 U+2069', text: '\u2066a\u2069', accepts: TEXT },
  { name: 'zero-width space U+200B', text: 'a\u200bb', accepts: TEXT },
  { name: 'zero-width joiner U+200D', text: '\u200d', accepts: TEXT },
  { name: 'emoji', text: '🔥', accepts: TEXT },
  { name: 'emoji ZWJ sequence', text: '👩‍💻', accepts: TEXT },
  { name: 'combining accent', text: 'e\u0301', accepts: TEXT },
  { name: 'fullwidth colon', text: 'a\uff1a b', accepts: TEXT },
  { name: 'replacement character U+FFFD', text: '\ufffd', accepts: TEXT },
  { name: 'astral noncharacter U+1FFFE', text: '\u{1fffe}', accepts: TEXT },
  { name: 'leading byte order mark', text: '\ufeffa', accepts: TEXT },
  { name: 'byte order mark inside', text: 'a\ufeffb', accepts: TEXT },
  { name: 'NEL U+0085', text: 'a\u0085b', accepts: REFUSED, helm3: 'folds' },
  { name: 'line separator U+2028', text: 'a\u2028b', accepts: REFUSED },
  { name: 'paragraph separator U+2029', text: 'a\u2029b', accepts: REFUSED },
  { name: 'NUL', text: 'a\u0000b', accepts: REFUSED },
  { name: 'BEL', text: '\u0007', accepts: REFUSED },
  { name: 'ANSI escape sequence', text: '\u001b[31mred', accepts: REFUSED },
  { name: 'DEL', text: 'a\u007fb', accepts: REFUSED, helm3: 'yaml' },
  { name: 'C1 control U+0090', text: 'a\u0090b', accepts: REFUSED, helm3: 'yaml' },
  { name: 'C1 CSI U+009B', text: '\u009b31m', accepts: REFUSED, helm3: 'yaml' },
  { name: 'noncharacter U+FFFE', text: 'a\ufffeb', accepts: REFUSED, helm3: 'yaml' },
  { name: 'noncharacter U+FFFF', text: 'a\uffffb', accepts: REFUSED, helm3: 'yaml' },
];

// ---- the places --------------------------------------------------------------------------------

type ValuesMap = Record<string, unknown>;

type Place = {
  /** The field, as a values path; `<payload>` for a map key. */
  path: string;
  kind: Kind;
  /** The values that put `text` there (merged over BASE with the other places of its file). */
  put: (text: string) => ValuesMap;
  /** The path Helm names when it refuses the field: the field's, or its map's for a key. */
  errorPath: string[];
  /** A map key: Helm 3 says "<map>: Property name of …", Helm 4 only "invalid propertyName '…'". */
  key?: boolean;
  /** Where an inert payload shows in the render: in the objects, only in comments, or nowhere. */
  shows: 'object' | 'comment' | 'nowhere';
  /** A place that needs its own values file (the policy names would collide with keycloak's). */
  ownFile?: boolean;
};

const selector = (labels: Record<string, string>) => ({ matchLabels: labels });
const PLACES: Place[] = [
  {
    path: 'commonLabels.<payload>',
    kind: 'labelKey',
    put: (t) => ({ commonLabels: { [t]: 'v' } }),
    errorPath: ['commonLabels'],
    key: true,
    shows: 'object',
  },
  {
    path: 'commonLabels.team',
    kind: 'labelValue',
    put: (t) => ({ commonLabels: { team: t } }),
    errorPath: ['commonLabels', 'team'],
    shows: 'object',
  },
  {
    path: 'commonAnnotations.<payload>',
    kind: 'labelKey',
    put: (t) => ({ commonAnnotations: { [t]: 'v' } }),
    errorPath: ['commonAnnotations'],
    key: true,
    shows: 'object',
  },
  {
    path: 'commonAnnotations.note',
    kind: 'annotation',
    put: (t) => ({ commonAnnotations: { note: t } }),
    errorPath: ['commonAnnotations', 'note'],
    shows: 'object',
  },
  {
    path: 'namespaceLabelKey',
    kind: 'labelKey',
    put: (t) => ({ namespaceLabelKey: t }),
    errorPath: ['namespaceLabelKey'],
    shows: 'object',
  },
  {
    path: 'components.<payload> (and a connection to it)',
    kind: 'name',
    put: (t) => ({
      components: { [t]: { podSelector: selector({ app: 'injected' }) } },
      connections: {
        'to-injected-component': { from: { component: 'fineract' }, to: { component: t }, ports: [{ port: 8080 }] },
      },
    }),
    errorPath: ['components'],
    key: true,
    shows: 'object',
  },
  {
    path: 'components.keycloak.policyName',
    kind: 'policyName',
    put: (t) => ({ components: { keycloak: { policyName: t } } }),
    errorPath: ['components', 'keycloak', 'policyName'],
    shows: 'object',
  },
  {
    path: 'components.fineract.description',
    kind: 'description',
    put: (t) => ({ components: { fineract: { description: t } } }),
    errorPath: ['components', 'fineract', 'description'],
    shows: 'comment',
  },
  {
    path: 'components.fineract.podSelector.matchLabels.<payload>',
    kind: 'labelKey',
    put: (t) => ({ components: { fineract: { podSelector: selector({ [t]: 'v' }) } } }),
    errorPath: ['components', 'fineract', 'podSelector', 'matchLabels'],
    key: true,
    shows: 'object',
  },
  {
    path: 'components.keycloak.podSelector.matchLabels.app',
    kind: 'labelValue',
    put: (t) => ({ components: { keycloak: { podSelector: selector({ app: t }) } } }),
    errorPath: ['components', 'keycloak', 'podSelector', 'matchLabels', 'app'],
    shows: 'object',
  },
  {
    path: 'components.fineract.podSelector.matchExpressions[0].key',
    kind: 'labelKey',
    put: (t) => ({ components: { fineract: { podSelector: { matchExpressions: [{ key: t, operator: 'Exists' }] } } } }),
    errorPath: ['components', 'fineract', 'podSelector', 'matchExpressions', '0', 'key'],
    shows: 'object',
  },
  {
    path: 'components.keycloak.podSelector.matchExpressions[0].values[0]',
    kind: 'labelValue',
    put: (t) => ({
      components: { keycloak: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [t] }] } } },
    }),
    errorPath: ['components', 'keycloak', 'podSelector', 'matchExpressions', '0', 'values', '0'],
    shows: 'object',
  },
  {
    path: 'components.fineract.metricsPorts[0].port',
    kind: 'portName',
    put: (t) => ({ components: { fineract: { metricsPorts: [{ port: t }] } } }),
    errorPath: ['components', 'fineract', 'metricsPorts', '0', 'port'],
    shows: 'object',
  },
  {
    path: 'peers.<payload> (and a connection from it)',
    kind: 'name',
    put: (t) => ({
      peers: { [t]: { namespace: 'injected', podSelector: selector({ app: 'injected' }) } },
      connections: {
        'from-injected-peer': { from: { peer: t }, to: { component: 'fineract' }, ports: [{ port: 8080 }] },
      },
    }),
    errorPath: ['peers'],
    key: true,
    shows: 'nowhere',
  },
  {
    path: 'peers.ingress-nginx.namespace',
    kind: 'name',
    put: (t) => ({ peers: { 'ingress-nginx': { namespace: t } } }),
    errorPath: ['peers', 'ingress-nginx', 'namespace'],
    shows: 'object',
  },
  {
    path: 'peers.ingress-nginx.description',
    kind: 'description',
    put: (t) => ({ peers: { 'ingress-nginx': { description: t } } }),
    errorPath: ['peers', 'ingress-nginx', 'description'],
    shows: 'nowhere',
  },
  {
    path: 'peers.ingress-nginx.podSelector.matchLabels.app.kubernetes.io/name',
    kind: 'labelValue',
    put: (t) => ({ peers: { 'ingress-nginx': { podSelector: selector({ 'app.kubernetes.io/name': t }) } } }),
    errorPath: ['peers', 'ingress-nginx', 'podSelector', 'matchLabels', 'app.kubernetes.io/name'],
    shows: 'object',
  },
  {
    path: 'peers.selected.namespaceSelector.matchLabels.<payload>',
    kind: 'labelKey',
    put: (t) => ({ peers: { selected: { namespaceSelector: selector({ [t]: 'v' }) } } }),
    errorPath: ['peers', 'selected', 'namespaceSelector', 'matchLabels'],
    key: true,
    shows: 'object',
  },
  {
    path: 'peers.selected.namespaceSelector.matchLabels.team',
    kind: 'labelValue',
    put: (t) => ({ peers: { selected: { namespaceSelector: selector({ team: t }) } } }),
    errorPath: ['peers', 'selected', 'namespaceSelector', 'matchLabels', 'team'],
    shows: 'object',
  },
  {
    path: 'networks.<payload> (and a connection to it)',
    kind: 'name',
    put: (t) => ({
      networks: { [t]: { cidrs: ['198.51.100.0/24'] } },
      connections: {
        'to-injected-network': { from: { component: 'fineract' }, to: { network: t }, ports: [{ port: 443 }] },
      },
    }),
    errorPath: ['networks'],
    key: true,
    shows: 'nowhere',
  },
  {
    path: 'networks.ext.description',
    kind: 'description',
    put: (t) => ({ networks: { ext: { description: t } } }),
    errorPath: ['networks', 'ext', 'description'],
    shows: 'nowhere',
  },
  {
    path: 'networks.ext.cidrs[0]',
    kind: 'cidr',
    put: (t) => ({ networks: { ext: { cidrs: [t] } } }),
    errorPath: ['networks', 'ext', 'cidrs', '0'],
    shows: 'object',
  },
  {
    path: 'networks.ext.except[0]',
    kind: 'cidr',
    put: (t) => ({ networks: { ext: { except: [t] } } }),
    errorPath: ['networks', 'ext', 'except', '0'],
    shows: 'object',
  },
  {
    path: 'connections.<payload>',
    kind: 'name',
    put: (t) => ({
      connections: { [t]: { from: { component: 'keycloak' }, to: { component: 'fineract' }, ports: [{ port: 9000 }] } },
    }),
    errorPath: ['connections'],
    key: true,
    shows: 'comment',
  },
  {
    path: 'connections.fineract-to-keycloak.description',
    kind: 'description',
    put: (t) => ({ connections: { 'fineract-to-keycloak': { description: t } } }),
    errorPath: ['connections', 'fineract-to-keycloak', 'description'],
    shows: 'comment',
  },
  {
    path: 'connections.fineract-to-keycloak.ports[0].port',
    kind: 'portName',
    put: (t) => ({ connections: { 'fineract-to-keycloak': { ports: [{ port: t }] } } }),
    errorPath: ['connections', 'fineract-to-keycloak', 'ports', '0', 'port'],
    shows: 'object',
  },
  {
    path: 'connections.api-from-ingress.ports[0].protocol',
    kind: 'protocol',
    put: (t) => ({ connections: { 'api-from-ingress': { ports: [{ port: 8080, protocol: t }] } } }),
    errorPath: ['connections', 'api-from-ingress', 'ports', '0', 'protocol'],
    shows: 'object',
  },
  {
    path: 'defaultDeny.policyName',
    kind: 'policyName',
    put: (t) => ({ defaultDeny: { enabled: true, policyName: t } }),
    errorPath: ['defaultDeny', 'policyName'],
    shows: 'object',
    ownFile: true,
  },
  {
    path: 'dns.namespace',
    kind: 'name',
    put: (t) => ({ dns: { namespace: t } }),
    errorPath: ['dns', 'namespace'],
    shows: 'object',
  },
  {
    path: 'dns.podSelector.matchLabels.k8s-app',
    kind: 'labelValue',
    put: (t) => ({ dns: { podSelector: selector({ 'k8s-app': t }) } }),
    errorPath: ['dns', 'podSelector', 'matchLabels', 'k8s-app'],
    shows: 'object',
  },
  {
    path: 'monitoring.namespace',
    kind: 'name',
    put: (t) => ({ monitoring: { namespace: t } }),
    errorPath: ['monitoring', 'namespace'],
    shows: 'object',
  },
  {
    path: 'monitoring.podSelector.matchLabels.<payload>',
    kind: 'labelKey',
    put: (t) => ({ monitoring: { podSelector: selector({ [t]: 'v' }) } }),
    errorPath: ['monitoring', 'podSelector', 'matchLabels'],
    key: true,
    shows: 'object',
  },
  {
    path: 'privateCidrs[0]',
    kind: 'cidr',
    put: (t) => ({ privateCidrs: [t] }),
    errorPath: ['privateCidrs', '0'],
    shows: 'nowhere',
  },
];

/**
 * The values every file starts from: the defaults cut down to two components (fineract and
 * keycloak), the ingress peer, a peer selecting its namespace by label, one network and a
 * connection to each (rendering is about 0.1 s instead of 0.3 s).
 */
const BASE: ValuesMap = {
  components: { 'fineract-redis': null, 'oauth2-proxy': null },
  peers: {
    selected: { namespaceSelector: selector({ team: 'a' }), podSelector: selector({ app: 'b' }) },
  },
  networks: {
    ...Object.fromEntries(Object.keys(DEFAULT_VALUES.networks).map((name) => [name, null])),
    ext: { cidrs: ['192.0.2.0/24'], except: ['192.0.2.128/25'] },
  },
  connections: {
    ...Object.fromEntries(
      Object.keys(DEFAULT_VALUES.connections)
        .filter((name) => name !== 'api-from-ingress' && name !== 'fineract-to-keycloak')
        .map((name) => [name, null]),
    ),
    'from-selected': { from: { peer: 'selected' }, to: { component: 'keycloak' }, ports: [{ port: 8080 }] },
    'to-ext': { from: { component: 'fineract' }, to: { network: 'ext' }, ports: [{ port: 5432 }] },
  },
};

// ---- cases and expectations --------------------------------------------------------------------

type Case = { payload: Payload; place: Place; inert: boolean };

const CASES: Case[] = PAYLOADS.flatMap((payload) =>
  PLACES.map((place) => ({ payload, place, inert: payload.accepts.includes(place.kind) })),
);

/**
 * How a Helm version shows a case's outcome (the cases of one values file share it): 'inert' it
 * renders; 'schema' its JSON Schema check fails naming the field; 'chart' the chart's validation
 * helper fails naming the field; 'yaml' Helm 3 fails before checking anything, without a path
 * (see Payload.helm3).
 */
type Mechanism = 'inert' | 'schema' | 'chart' | 'yaml';

function mechanism(c: Case, helm: HelmVersion): Mechanism {
  if (c.inert) return 'inert';
  if (helm === 4 || c.payload.helm3 === undefined) return 'schema';
  if (c.payload.helm3 === 'yaml' || c.place.key) return 'yaml';
  return c.place.kind === 'annotation' || c.place.kind === 'description' ? 'chart' : 'schema';
}

/**
 * A harmless marker per place, valid for every kind that accepts anything (a DNS-1123 label of
 * letters, no longer than a port name): the reference render holds it where the payload goes.
 */
const MARKERS = new Map(
  PLACES.map((place, i) => [place, `injx${String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26))}`]),
);
const markerOf = (place: Place): string => MARKERS.get(place)!;

/** Maps merged as Helm merges -f files (later wins, lists replaced); neither input is modified. */
function merge(base: ValuesMap, over: ValuesMap): ValuesMap {
  const out: ValuesMap = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(value) && isMap(current) ? merge(current, value) : structuredClone(value);
  }
  return out;
}

function isMap(value: unknown): value is ValuesMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** BASE with `text` at each of the places (or each place's own marker when `text` is undefined). */
function valuesFor(places: Place[], text?: string): ValuesMap {
  return places.reduce((values, place) => merge(values, place.put(text ?? markerOf(place))), BASE);
}

/**
 * A values file to render: one payload at several places. A place marked ownFile goes into a
 * file of its own when the payload is inert there.
 */
type Job = { helm: HelmVersion; mechanism: Mechanism; payload?: Payload; places: Place[]; values: ValuesMap };

function jobsFor(payload: Payload): Job[] {
  const jobs: Job[] = [];
  for (const helm of [3, 4] as const) {
    const groups = new Map<string, { mechanism: Mechanism; places: Place[] }>();
    for (const c of CASES.filter((x) => x.payload === payload)) {
      const m = mechanism(c, helm);
      // Pathless refusals prove nothing about a place unless it is alone in its file.
      const key = m === 'yaml' ? `${m}:${c.place.path}` : m === 'inert' && c.place.ownFile ? `${m}:own` : m;
      const group = groups.get(key) ?? { mechanism: m, places: [] };
      group.places.push(c.place);
      groups.set(key, group);
    }
    for (const { mechanism: m, places } of groups.values()) {
      jobs.push({ helm, mechanism: m, payload, places, values: valuesFor(places, payload.text) });
    }
  }
  return jobs;
}

// ---- rendering ---------------------------------------------------------------------------------

const tempDir = mkdtempSync(join(tmpdir(), 'fineract-netpol-injection-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));
let files = 0;

/** `helm template` of one values file (written as JSON Helm reads back unchanged), asynchronously. */
function renderValues(helm: HelmVersion, values: ValuesMap): Promise<HelmResult> {
  const file = join(tempDir, `values-${files++}.json`);
  writeFileSync(file, helmJson(values));
  const args = ['template', 'fineract-netpol', CHART_DIR, '--namespace', NAMESPACE, '--values', file];
  return helmAsync(helm, args);
}

// ---- checking a render -------------------------------------------------------------------------

/** What util.comment makes of a description (chart/templates/_helpers.tpl): the text of the comment. */
function commentText(text: string): string {
  // eslint-disable-next-line no-control-regex -- the helper replaces control characters
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, ' ');
  return Array.from(safe).slice(0, 200).join('');
}

/** The comments of a YAML stream (never the text of a scalar that looks like one). */
function commentsOf(text: string): string[] {
  const comments: string[] = [];
  let scalarBody = false;
  for (const token of new Lexer().lex(text)) {
    if (!scalarBody && CST.tokenType(token) === 'comment') comments.push(token);
    scalarBody = token === CST.SCALAR;
  }
  return comments;
}

/**
 * Characters a render must never hold raw (escaped in a double-quoted scalar they are fine): what
 * YAML forbids, what YAML 1.1 readers take for a line break, and the byte order mark, which YAML
 * allows only at the start of a stream.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/u;

/** The documents of a render, parsed strictly; throws on any error or warning. */
function strictDocuments(text: string, version: '1.1' | '1.2'): unknown[] {
  return parseAllDocuments(text, { version, strict: true, uniqueKeys: true, prettyErrors: false })
    .map((doc) => {
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length > 0) throw new Error(`YAML ${version}: ${problems.map((p) => p.message).join('; ')}`);
      return doc.toJS({ maxAliasCount: 0 }) as unknown;
    })
    .filter((doc) => doc !== null);
}

/** A value with its maps' keys sorted and its lists sorted: equal iff equal as multisets. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .map(canonical)
      .map((v) => [JSON.stringify(v), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v);
  }
  if (isMap(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical(value[key])]),
    );
  }
  return value;
}

/** Every string and map key of a value with `replace` applied. */
function mapStrings(value: unknown, replace: (s: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, replace));
  if (isMap(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), mapStrings(v, replace)]));
  return value;
}

/** `text` with the marker of each of these places replaced by `payload`. */
function replaceMarkers(text: string, places: Place[], payload: string): string {
  return places.reduce((s, place) => s.split(markerOf(place)).join(payload), text);
}

/** The problems of an inert render, compared with the reference render of the same places. */
function inertProblems(job: Job, result: HelmResult, reference: HelmResult): string[] {
  const text = job.payload!.text;
  if (result.status !== 0) return [`does not render: ${result.stderr.trim()}`];
  if (reference.status !== 0) return [`the reference does not render: ${reference.stderr.trim()}`];
  const problems: string[] = [];
  const raw = RAW_FORBIDDEN.exec(result.stdout);
  if (raw) problems.push(`the render holds a raw U+${raw[0].codePointAt(0)!.toString(16).padStart(4, '0')}`);
  let docs: unknown[];
  try {
    docs = strictDocuments(result.stdout, '1.2');
    const docs11 = strictDocuments(result.stdout, '1.1');
    if (!isDeepStrictEqual(docs11, docs)) problems.push('YAML 1.1 reads other objects than YAML 1.2');
  } catch (error) {
    return [...problems, (error as Error).message];
  }
  const expected = mapStrings(strictDocuments(reference.stdout, '1.2'), (s) => replaceMarkers(s, job.places, text));
  if (!isDeepStrictEqual(canonical(docs), canonical(expected))) {
    problems.push(
      `the objects differ from the reference with the payload:\n${JSON.stringify(canonical(docs))}\n${JSON.stringify(canonical(expected))}`,
    );
  }
  const comments = commentsOf(result.stdout).sort();
  // In a comment a description follows ": " (dropped with an empty description), a name stands alone.
  const markers = new RegExp(job.places.map((place) => `(?:: )?${markerOf(place)}`).join('|'), 'g');
  const inComment = (match: string): string =>
    match.startsWith(': ') ? (text === '' ? '' : `: ${commentText(text)}`) : commentText(text);
  const expectedComments = commentsOf(reference.stdout)
    .map((comment) => comment.replace(markers, inComment))
    .sort();
  if (!isDeepStrictEqual(comments, expectedComments)) {
    problems.push(
      `the comments differ from the reference with the payload:\n${JSON.stringify(comments)}\n${JSON.stringify(expectedComments)}`,
    );
  }
  const lines = new Set(result.stdout.split('\n').map((line) => line.trim()));
  for (const comment of comments) {
    if (!lines.has(comment.trim())) problems.push(`the comment ${JSON.stringify(comment)} does not fill its own line`);
  }
  return problems;
}

/** Problems of a refused render: it must fail, print nothing, and name each place. */
function refusedProblems(job: Job, result: HelmResult): string[] {
  if (result.status === 0) return ['renders'];
  const problems: string[] = [];
  if (result.stdout.trim() !== '') problems.push(`prints ${JSON.stringify(result.stdout.slice(0, 80))}`);
  const stderr = result.stderr;
  if (job.mechanism === 'yaml') {
    if (!/^yaml: /m.test(stderr)) problems.push(`fails otherwise: ${stderr.trim()}`);
    return problems;
  }
  const keyPlaces = job.places.filter((p) => p.key).length;
  if (job.helm === 4 && job.mechanism === 'schema') {
    const named = stderr.match(/invalid propertyName/g)?.length ?? 0;
    if (named < keyPlaces) problems.push(`names ${named} invalid key(s), not ${keyPlaces}: ${stderr.trim()}`);
  }
  const unnamed = job.places.filter((place) => {
    if (place.key && job.helm === 4) return false; // counted above: Helm 4 names the key, not its map
    const path = helmPathPattern(place.errorPath);
    return !(place.key ? new RegExp(`${path.source}: Property name of`) : path).test(stderr);
  });
  if (unnamed.length > 0) problems.push(`does not name ${unnamed.map((p) => p.path).join(', ')}: ${stderr.trim()}`);
  return problems;
}

// ---- the suite ---------------------------------------------------------------------------------

const JOBS = PAYLOADS.flatMap(jobsFor);
/** Inert jobs are compared with a reference: the same places holding their markers, per Helm version. */
const referenceKey = (helm: HelmVersion, places: Place[]): string => `${helm}|${places.map((p) => p.path).join('|')}`;
const results = new Map<Job, HelmResult>();
const references = new Map<string, HelmResult>();
/** Helm processes run and the wall time of them all, for the summary. */
const run = { renders: 0, seconds: 0 };

beforeAll(async () => {
  const started = performance.now();
  const referenceJobs = new Map<string, Job>();
  for (const job of JOBS.filter((j) => j.mechanism === 'inert')) {
    referenceJobs.set(referenceKey(job.helm, job.places), {
      ...job,
      payload: undefined,
      values: valuesFor(job.places),
    });
  }
  const tasks: (() => Promise<void>)[] = [
    ...[...referenceJobs].map(([key, job]) => async () => {
      references.set(key, await renderValues(job.helm, job.values));
    }),
    ...JOBS.map((job) => async () => {
      results.set(job, await renderValues(job.helm, job.values));
    }),
  ];
  await pool(tasks, Math.max(2, availableParallelism()));
  run.renders = tasks.length;
  run.seconds = (performance.now() - started) / 1000;
}, 300_000);

describe('the table', () => {
  it('covers every payload at every place', () => {
    const refused = CASES.filter((c) => !c.inert).length;
    const inert = CASES.length - refused;
    expect(CASES).toHaveLength(PAYLOADS.length * PLACES.length);
    expect(refused).toBeGreaterThan(0);
    expect(inert).toBeGreaterThan(0);
    console.log(
      `${PAYLOADS.length} payloads × ${PLACES.length} places = ${CASES.length} cases: ${refused} refused, ${inert} inert; ` +
        `${run.renders} Helm renders in ${run.seconds.toFixed(1)} s`,
    );
  });

  it('gives every payload a distinct name and every place a distinct marker', () => {
    expect(new Set(PAYLOADS.map((p) => p.name)).size).toBe(PAYLOADS.length);
    expect(new Set(PLACES.map(markerOf)).size).toBe(PLACES.length);
  });

  it.each(PLACES.map((place) => [place.path, place] as const))('agrees with the values model at %s', (_path, place) => {
    const problems: string[] = [];
    for (const c of CASES.filter((x) => x.place === place)) {
      const issues = checkValues([merge(BASE, place.put(c.payload.text))]);
      const prefix = place.errorPath.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
      if (c.inert && issues.length > 0)
        problems.push(`${c.payload.name}: the model refuses it: ${JSON.stringify(issues)}`);
      if (!c.inert && !issues.some((i) => i.path.startsWith(prefix)))
        problems.push(`${c.payload.name}: the model does not refuse it at ${prefix}: ${JSON.stringify(issues)}`);
    }
    expect(problems).toEqual([]);
  });

  it('puts the marker of every place where the place says it shows, in the reference renders', () => {
    const problems: string[] = [];
    for (const place of PLACES) {
      const result = [...references].find(([key]) => key.startsWith('4|') && key.split('|').includes(place.path))?.[1];
      if (!result) {
        // No payload is inert there: nothing to compare with a reference.
        if (place.kind !== 'cidr' && place.kind !== 'protocol') problems.push(`${place.path}: no reference render`);
        continue;
      }
      if (result.status !== 0) {
        problems.push(`${place.path}: the reference does not render: ${result.stderr}`);
        continue;
      }
      const marker = markerOf(place);
      const inObjects = JSON.stringify(strictDocuments(result.stdout, '1.2')).includes(marker);
      const inComments = commentsOf(result.stdout).some((c) => c.includes(marker));
      const shows = inObjects ? 'object' : inComments ? 'comment' : 'nowhere';
      if (shows !== place.shows)
        problems.push(`${place.path}: the marker shows in the ${shows}, not the ${place.shows}`);
    }
    expect(problems).toEqual([]);
  });
});

describe.each(PAYLOADS.map((payload) => [payload.name, payload] as const))('%s', (_name, payload) => {
  const jobs = JOBS.filter((job) => job.payload === payload);

  it.each([3, 4] as const)('Helm %i refuses it or renders it inert, as the table says', (helm) => {
    const problems: string[] = [];
    for (const job of jobs.filter((j) => j.helm === helm)) {
      const result = results.get(job)!;
      const where = job.places.length === 1 ? job.places[0]!.path : `${job.places.length} places`;
      const found =
        job.mechanism === 'inert'
          ? inertProblems(job, result, references.get(referenceKey(helm, job.places))!)
          : refusedProblems(job, result);
      problems.push(...found.map((p) => `${job.mechanism} at ${where}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('renders the same bytes with Helm 3 and Helm 4 where it is inert', () => {
    for (const job of jobs.filter((j) => j.helm === 4 && j.mechanism === 'inert')) {
      const twin = jobs.find(
        (j) => j.helm === 3 && j.mechanism === 'inert' && referenceKey(3, j.places) === referenceKey(3, job.places),
      );
      expect(twin, job.places.map((p) => p.path).join(', ')).toBeDefined();
      expect(results.get(twin!)!.stdout).toBe(results.get(job)!.stdout);
    }
  });
});

describe('fineract-netpol validate', () => {
  // Its messages quote the values, and its code frames show the file's lines: a payload must not
  // reach the terminal as a control character (ESC or the C1 CSI U+009B start escape sequences).
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  const controls = PAYLOADS.filter((p) => CONTROL.test(p.text));

  it.each(['text', 'json'] as const)('names each refused value and prints no raw control character (%s)', (format) => {
    const file = join(tempDir, 'validate.yaml');
    const values = valuesFor([]);
    values.commonAnnotations = Object.fromEntries(controls.map((p, i) => [`note${i}`, p.text]));
    writeFileSync(file, helmJson(values));
    const output = formatValidation(validateValuesFiles([file]), format);
    expect(output).not.toMatch(CONTROL);
    for (const [i, p] of controls.entries()) {
      if (!p.accepts.includes('annotation')) expect(output, p.name).toContain(`commonAnnotations.note${i}`);
    }
  });
});

describe('the checks themselves', () => {
  it('finds comments, not scalars that look like them', () => {
    expect(commentsOf('# a\nx: "# b" # c\ny: |-\n  # d\nz: \'# e\'\n')).toEqual(['# a', '# c']);
  });

  it('reads a duplicate key, an unknown tag and a raw control character as problems', () => {
    expect(() => strictDocuments('a: 1\na: 2\n', '1.2')).toThrow();
    expect(() => strictDocuments('a: !python/object x\n', '1.2')).toThrow();
    expect(RAW_FORBIDDEN.test('a: "\u0085"')).toBe(true);
    expect(RAW_FORBIDDEN.test('a: "\\u0085"\n\tb')).toBe(false);
  });

  it('compares renders as multisets of documents, rules and peers', () => {
    expect(canonical([{ b: [2, 1], a: 1 }, 'x'])).toEqual(canonical(['x', { a: 1, b: [1, 2] }]));
    expect(canonical([1, 1])).not.toEqual(canonical([1]));
  });

  it('makes descriptions into comments as util.comment does', () => {
    expect(commentText('a\u0085b\ufeffc')).toBe('a b c');
    expect(commentText(`${'x'.repeat(199)}🔥🔥`)).toBe(`${'x'.repeat(199)}🔥`);
  });

  it('matches paths as each Helm version prints them', () => {
    expect(helmPathPattern(['networks', 'ext', 'cidrs', '0']).test("- at '/networks/ext/cidrs/0': bad")).toBe(true);
    expect(helmPathPattern(['networks', 'ext', 'cidrs', '0']).test('- networks.ext.cidrs.0: Does not match')).toBe(
      true,
    );
    expect(helmPathPattern(['networks', 'ext', 'cidrs', '0']).test('- networks.ext.cidrs.10: Does not match')).toBe(
      false,
    );
    expect(helmPathPattern(['dns', 'namespace']).test('- xdns.namespace: bad')).toBe(false);
  });
});
