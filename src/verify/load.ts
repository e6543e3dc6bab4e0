// Reading the inputs of verify and diff: Kubernetes manifests (YAML streams or JSON, files, folders
// or standard input) into the analyzer's shapes (src/verify/types.ts).
//
// - NetworkPolicy (networking.k8s.io/v1) → NetworkPolicy, validated first against the Kubernetes
//   OpenAPI schema (kubernetes-models) and then against the API server's own rules that the schema
//   does not express (pkg/apis/networking/validation): a peer sets podSelector, namespaceSelector or
//   ipBlock, and ipBlock alone; cidr and except are CIDRs, each except a strict subset of its cidr;
//   ports 1–65535 or IANA service names; endPort only after a numeric port and not below it;
//   policyTypes Ingress/Egress; label keys, values and matchExpressions operators. Unknown fields
//   are refused too, as `kubectl apply` (strict field validation) refuses them: a typo such as
//   `form:` would otherwise silently turn a rule into "allow from everywhere".
// - Namespace → Namespace (name and labels as written; the analyzer adds kubernetes.io/metadata.name).
// - Pod → Workload; Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job →
//   their pod template (spec.template); CronJob → spec.jobTemplate.spec.template. The template is
//   the pod: its labels, and the ports of its containers and of its sidecars (initContainers with
//   restartPolicy: Always), protocol TCP by default.
// - `kind: List` (and `…List` kinds with items) → their items. Everything else is counted by kind.
//
// Namespaced objects without metadata.namespace get `defaultNamespace`, as `kubectl apply` would.
// YAML is read with YAML 1.1 scalars (yes/no/on/off are booleans) like kubectl, Helm and Argo CD,
// except timestamps, which stay strings; `.json` files are read as JSON.
//
// Every problem of the whole input is collected, with `file:line: path: message`, and reported in
// ONE InputError (exit 2), so the user fixes everything in one go; there is no partial result.
//
// Usage: const { policies, namespaces, workloads, ignored } = await loadManifests(['out/', '-']);
//        loadManifestText(yamlText, 'policies.yaml', { defaultNamespace: 'fineract' });
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join, relative } from 'node:path';
import { text as readStream } from 'node:stream/consumers';
import { parseCidr } from 'cidr-tools';
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import { InputError } from '../errors.ts';
import { DNS1123_LABEL, LABEL_VALUE } from '../model/primitives.ts';
import {
  PROTOCOLS,
  type ContainerPort,
  type EgressRule,
  type IngressRule,
  type IPBlock,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Labels,
  type Namespace,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Protocol,
  type SourceRef,
  type Workload,
} from './types.ts';

export type LoadOptions = {
  /**
   * Namespace of namespaced objects without metadata.namespace, as `kubectl apply -n` would set.
   * @default "default"
   */
  defaultNamespace?: string;
  /** Reads standard input, for the path `-` (called at most once). @default reads process.stdin */
  readStdin?: () => Promise<string>;
};

/** Objects of a kind verify does not read, and how many there were. */
export type IgnoredKind = { kind: string; count: number };

export type LoadedManifests = {
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  workloads: Workload[];
  /** Sorted by kind. */
  ignored: IgnoredKind[];
};

/** The file name given to standard input in messages and `source`. */
export const STDIN_NAME = '<stdin>';

/** File name endings read from folders. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/**
 * Reads every manifest of the paths, in order: a file; a folder (recursively, every `.yaml`,
 * `.yml` and `.json` file, in path order, skipping hidden folders); or `-`, standard input (read
 * once). A file reached twice is read once. Throws one InputError listing every problem.
 */
export async function loadManifests(paths: string[], options: LoadOptions = {}): Promise<LoadedManifests> {
  const loader = new Loader(options);
  if (paths.length === 0) {
    throw new InputError('no manifests given', 'pass a file, a folder, or - for standard input');
  }
  let stdin: string | undefined;
  const seen = new Set<string>();
  for (const path of paths) {
    if (path === '-') {
      if (stdin !== undefined) continue;
      try {
        stdin = await (options.readStdin ?? readProcessStdin)();
      } catch (error) {
        loader.fileProblem(STDIN_NAME, `cannot read standard input: ${errorText(error)}`);
        stdin = '';
        continue;
      }
      loader.addText(stdin, STDIN_NAME);
      continue;
    }
    for (const file of manifestFiles(path, loader)) {
      const real = realPath(file);
      if (seen.has(real)) continue;
      seen.add(real);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        loader.fileProblem(file, `cannot read: ${errorText(error)}`);
        continue;
      }
      loader.addText(text, file);
    }
  }
  return loader.finish();
}

/** Reads one YAML stream (or JSON document, when `name` ends in `.json`); `name` is for messages. */
export function loadManifestText(text: string, name: string, options: LoadOptions = {}): LoadedManifests {
  const loader = new Loader(options);
  loader.addText(text, name);
  return loader.finish();
}

// ---- Reading files, folders and standard input ---------------------------------------------

async function readProcessStdin(): Promise<string> {
  return readStream(process.stdin);
}

/** The files a path names: itself, or the manifests of a folder in path order. */
function manifestFiles(path: string, loader: Loader): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    loader.fileProblem(path, `cannot read: ${errorText(error)}`);
    return [];
  }
  if (!stats.isDirectory()) return [path];
  const files: string[] = [];
  walkFolder(path, files, new Set([realPath(path)]), loader);
  if (files.length === 0) {
    loader.fileProblem(path, `folder holds no ${MANIFEST_EXTENSIONS.join(', ')} file`);
  }
  // Path order, by code unit, so the result does not depend on the file system or the locale.
  return files
    .map((file) => ({ file, key: relative(path, file).split(/[\\/]/) }))
    .sort((a, b) => compareSegments(a.key, b.key))
    .map((entry) => entry.file);
}

function walkFolder(folder: string, files: string[], visited: Set<string>, loader: Loader): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    loader.fileProblem(folder, `cannot read: ${errorText(error)}`);
    return;
  }
  for (const entry of entries) {
    const full = join(folder, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(full);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue; // a dangling link in a folder is not a manifest
      }
    }
    if (isDirectory) {
      if (entry.name.startsWith('.')) continue; // .git, .github: never manifests
      const real = realPath(full);
      if (visited.has(real)) continue;
      visited.add(real);
      walkFolder(full, files, visited, loader);
    } else if (isFile && MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      files.push(full);
    }
  }
}

function compareSegments(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return error instanceof Error ? error.message : String(error);
}

// ---- Parsing and dispatching objects -------------------------------------------------------

type Segment = string | number;
type YamlNode = { range?: [number, number, number] | null };

/** Where an object is: for `file:line` of the object and of any path inside it. */
type Place = { file: string; fileIndex: number; node: unknown; lineCounter: LineCounter };

type Problem = { file: string; fileIndex: number; line: number; text: string };

/** What one check found, before it is placed: a path inside the object and a message. */
type Issue = { path: Segment[]; message: string };

// YAML 1.1 scalars like kubectl's YAML reader, without the timestamp type (kubectl keeps strings).
// logLevel 'error': the yaml library would otherwise print process warnings to stderr (a mapping
// used as a key, as in an unrendered Helm template's `name: {{ .Chart.Name }}`); problems are
// reported through the InputError, never on the side.
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';
// Floats as Go's YAML reader (go-yaml v2, used by kubectl and Helm) resolves them: at least one
// digit in the mantissa. The yaml library's 1.1 floats also take `e5`, `E-2` or `.`, which Helm
// prints unquoted as strings (`e5` is a valid label value) and which would otherwise read as NaN.
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const GO_YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  logLevel: 'error',
  customTags: (tags) =>
    tags
      .filter((tag) => (typeof tag === 'string' ? tag : tag.tag) !== TIMESTAMP_TAG)
      .map((tag) =>
        typeof tag !== 'string' && tag.tag === FLOAT_TAG && tag.test && !tag.test.test('.nan')
          ? { ...tag, test: new RegExp(`(?=${GO_YAML_FLOAT.source})${tag.test.source}`) }
          : tag,
      ),
};
const JSON_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = { version: '1.2', logLevel: 'error' };

const WORKLOAD_TEMPLATES: Record<string, { groups: string[]; template: Segment[] }> = {
  Pod: { groups: [''], template: [] },
  ReplicationController: { groups: [''], template: ['spec', 'template'] },
  Deployment: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  StatefulSet: { groups: ['apps'], template: ['spec', 'template'] },
  DaemonSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  ReplicaSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  Job: { groups: ['batch'], template: ['spec', 'template'] },
  CronJob: { groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'] },
};

const REMOVED_POLICY_APIS = new Set(['extensions/v1beta1', 'networking.k8s.io/v1beta1']);

class Loader {
  private readonly defaultNamespace: string;
  private readonly problems: Problem[] = [];
  private readonly policies: NetworkPolicy[] = [];
  private readonly namespaces: Namespace[] = [];
  private readonly workloads: Workload[] = [];
  private readonly ignored = new Map<string, number>();
  /** First place of each object identity, to refuse duplicates. */
  private readonly defined = new Map<string, string>();
  private files = 0;

  constructor(options: LoadOptions) {
    this.defaultNamespace = options.defaultNamespace ?? 'default';
  }

  fileProblem(file: string, message: string): void {
    this.problems.push({ file, fileIndex: this.files++, line: 0, text: `${file}: ${message}` });
  }

  addText(text: string, file: string): void {
    const fileIndex = this.files++;
    const lineCounter = new LineCounter();
    const json = file.toLowerCase().endsWith('.json');
    const documents = parseAllDocuments(text, { lineCounter, ...(json ? JSON_OPTIONS : YAML_OPTIONS) });
    for (const document of documents) {
      const syntax = document.errors[0];
      if (syntax) {
        const { line, col } = lineCounter.linePos(syntax.pos[0]);
        const message = syntax.message.split(/ at line \d+, column \d+/)[0] ?? syntax.message;
        this.problems.push({ file, fileIndex, line, text: `${file}:${line}:${col}: invalid YAML: ${message}` });
        continue;
      }
      const contents = document.contents;
      if (contents === null || (isScalar(contents) && contents.value === null)) continue; // empty document
      const place: Place = { file, fileIndex, node: contents, lineCounter };
      let value: unknown;
      try {
        value = document.toJS({ maxAliasCount: 1000 });
      } catch (error) {
        this.problem(place, [], `cannot read the document: ${errorText(error)}`);
        continue;
      }
      if (!isRecord(value)) {
        this.problem(place, [], `the document is ${describe(value)}, not a mapping (a Kubernetes object)`);
        continue;
      }
      this.addObject(value, place);
    }
  }

  finish(): LoadedManifests {
    if (this.problems.length > 0) {
      const sorted = this.problems
        .map((problem, order) => ({ problem, order }))
        .sort(
          (a, b) => a.problem.fileIndex - b.problem.fileIndex || a.problem.line - b.problem.line || a.order - b.order,
        )
        .map(({ problem }) => problem.text);
      const message =
        sorted.length === 1
          ? (sorted[0] ?? '')
          : `${sorted.length} problems in the manifests:\n${sorted.map((t) => `  ${t}`).join('\n')}`;
      throw new InputError(
        message,
        'correct each object at the line shown: verify reads Kubernetes manifests (YAML or JSON), and every ' +
          'NetworkPolicy must be one the Kubernetes API server accepts',
      );
    }
    return {
      policies: this.policies,
      namespaces: this.namespaces,
      workloads: this.workloads,
      ignored: [...this.ignored.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([kind, count]) => ({ kind, count })),
    };
  }

  private addObject(object: Record<string, unknown>, place: Place): void {
    const { kind, apiVersion } = object;
    let complete = true;
    for (const [field, value] of [
      ['apiVersion', apiVersion],
      ['kind', kind],
    ] as const) {
      if (typeof value !== 'string' || value === '') {
        complete = false;
        this.problem(
          place,
          [field],
          value === undefined || value === null || value === ''
            ? 'is required: every Kubernetes object has apiVersion and kind'
            : `must be a string (got ${describe(value)})`,
        );
      }
    }
    if (!complete || typeof kind !== 'string' || typeof apiVersion !== 'string') return;

    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(object['items']))) {
      this.addList(object['items'], place);
      return;
    }
    const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
    if (kind === 'NetworkPolicy' && apiVersion === 'networking.k8s.io/v1') {
      this.addPolicy(object, place);
    } else if (kind === 'NetworkPolicy' && REMOVED_POLICY_APIS.has(apiVersion)) {
      this.problem(place, ['apiVersion'], `${apiVersion} NetworkPolicy is no longer served: use networking.k8s.io/v1`);
    } else if (kind === 'Namespace' && group === '') {
      this.addNamespace(object, place);
    } else if (WORKLOAD_TEMPLATES[kind]?.groups.includes(group)) {
      this.addWorkload(object, kind, place);
    } else {
      const label =
        WORKLOAD_TEMPLATES[kind] || kind === 'NetworkPolicy' || kind === 'Namespace' ? `${kind} (${apiVersion})` : kind;
      this.ignored.set(label, (this.ignored.get(label) ?? 0) + 1);
    }
  }

  private addList(items: unknown, place: Place): void {
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      this.problem(place, ['items'], `must be a list (got ${describe(items)})`);
      return;
    }
    const itemsNode = isMap(place.node) ? place.node.get('items', true) : undefined;
    items.forEach((item, i) => {
      const node = isSeq(itemsNode) ? itemsNode.items[i] : undefined;
      const itemPlace: Place = node ? { ...place, node } : place;
      if (isRecord(item)) this.addObject(item, itemPlace);
      else this.problem(place, ['items', i], `must be a mapping (a Kubernetes object), got ${describe(item)}`);
    });
  }

  private addPolicy(object: Record<string, unknown>, place: Place): void {
    const issues = policyIssues(object);
    if (issues.length > 0) {
      for (const issue of issues) this.problem(place, issue.path, issue.message);
      return;
    }
    const policy = toPolicy(object, this.defaultNamespace, this.source(place));
    if (this.isDuplicate(`NetworkPolicy ${policy.namespace}/${policy.name}`, place)) return;
    this.policies.push(policy);
  }

  private addNamespace(object: Record<string, unknown>, place: Place): void {
    const issues: Issue[] = [];
    const name = requiredName(object, issues);
    if (name !== undefined && !DNS1123_LABEL.test(name)) {
      issues.push({ path: ['metadata', 'name'], message: `${quote(name)} ${DNS_LABEL_RULE}` });
    }
    const labels = readLabels(field(object, 'metadata', 'labels'), ['metadata', 'labels'], issues);
    if (issues.length > 0 || name === undefined) {
      for (const issue of issues) this.problem(place, issue.path, issue.message);
      return;
    }
    if (this.isDuplicate(`Namespace ${name}`, place)) return;
    this.namespaces.push({ name, labels });
  }

  private addWorkload(object: Record<string, unknown>, kind: string, place: Place): void {
    const issues: Issue[] = [];
    const name = requiredName(object, issues);
    const namespace = namespaceOf(object, this.defaultNamespace, issues);
    const templatePath = WORKLOAD_TEMPLATES[kind]?.template ?? [];
    const template = templatePath.length === 0 ? object : field(object, ...templatePath);
    let labels: Labels = {};
    let ports: ContainerPort[] = [];
    if (!isRecord(template)) {
      issues.push({
        path: templatePath,
        message:
          template === undefined || template === null
            ? `is required: the pod template is the ${kind}'s pod`
            : `must be a mapping (got ${describe(template)})`,
      });
    } else {
      labels = readLabels(field(template, 'metadata', 'labels'), [...templatePath, 'metadata', 'labels'], issues);
      ports = readContainerPorts(field(template, 'spec'), [...templatePath, 'spec'], issues);
    }
    if (issues.length > 0 || name === undefined) {
      for (const issue of issues) this.problem(place, issue.path, issue.message);
      return;
    }
    if (this.isDuplicate(`${kind} ${namespace}/${name}`, place)) return;
    this.workloads.push({ namespace, name, kind, labels, ports, source: this.source(place) });
  }

  private isDuplicate(identity: string, place: Place): boolean {
    const here = `${place.file}:${lineOf(place, [])}`;
    const first = this.defined.get(identity);
    if (first === undefined) {
      this.defined.set(identity, here);
      return false;
    }
    this.problem(place, [], `${identity} is defined twice (first at ${first}): remove one, or rename it`);
    return true;
  }

  private source(place: Place): SourceRef {
    return { file: place.file, line: lineOf(place, []) };
  }

  private problem(place: Place, path: Segment[], message: string): void {
    const line = lineOf(place, path);
    const where = path.length > 0 ? `${formatPath(path)}: ` : '';
    this.problems.push({
      file: place.file,
      fileIndex: place.fileIndex,
      line,
      text: `${place.file}:${line}: ${where}${message}`,
    });
  }
}

// ---- NetworkPolicy: schema, unknown fields, API server rules, conversion -------------------

/** Every problem of a NetworkPolicy object; schema problems win over a rule's at the same path. */
function policyIssues(object: Record<string, unknown>): Issue[] {
  const schema = schemaIssues(object);
  const covered = new Set(schema.map((issue) => pathKey(issue.path)));
  const rules: Issue[] = [];
  unknownFields(object, 'NetworkPolicy', [], rules);
  policyRules(object, rules);
  return [...schema, ...rules.filter((issue) => !covered.has(pathKey(issue.path)))];
}

type AjvError = {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
};

/** Validates against the Kubernetes OpenAPI schema (kubernetes-models, JSON Schema via ajv). */
function schemaIssues(object: Record<string, unknown>): Issue[] {
  try {
    new NetworkPolicyModel(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) return [{ path: [], message: errorText(error) }];
    const byPath = new Map<string, AjvError[]>();
    for (const e of errors as AjvError[]) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
    const issues: Issue[] = [];
    for (const [instancePath, group] of byPath) {
      const { path, value } = resolvePointer(object, instancePath);
      for (const e of group.filter((x) => x.keyword === 'required')) {
        issues.push({ path: [...path, String(e.params['missingProperty'])], message: 'is required' });
      }
      const rest = group.filter((x) => x.keyword !== 'required');
      const first = rest[0];
      if (!first) continue;
      const got = `(got ${describe(value)})`;
      let message: string;
      const type = rest.find((x) => x.keyword === 'type');
      const allowed = rest.find((x) => x.keyword === 'enum')?.params['allowedValues'];
      if (rest.some((x) => x.keyword === 'oneOf')) message = `must be an integer or a string ${got}`;
      else if (type) message = `must be ${typeName(type.params['type'])} ${got}`;
      else if (Array.isArray(allowed)) message = `must be one of ${allowed.join(', ')} ${got}`;
      else if (first.keyword === 'format') message = `must be a ${String(first.params['format'])} ${got}`;
      else message = `${first.message ?? first.keyword} ${got}`;
      issues.push({ path, message });
    }
    return issues;
  }
}

/** A JSON pointer (ajv's instancePath) as path segments, with the value it points at. */
function resolvePointer(object: unknown, pointer: string): { path: Segment[]; value: unknown } {
  const path: Segment[] = [];
  let value: unknown = object;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(value) && /^\d+$/.test(key)) {
      path.push(Number(key));
      value = value[Number(key)];
    } else {
      path.push(key);
      value = isRecord(value) ? value[key] : undefined;
    }
  }
  return { path, value };
}

/** Known fields of each object type of a NetworkPolicy; `T[]` is a list of T, '' a leaf or map. */
const FIELDS: Record<string, Record<string, string>> = {
  // status: kubectl get -o yaml prints `status: {}` for NetworkPolicies of some versions.
  NetworkPolicy: { apiVersion: '', kind: '', metadata: 'ObjectMeta', spec: 'NetworkPolicySpec', status: '' },
  ObjectMeta: Object.fromEntries(
    [
      'name',
      'generateName',
      'namespace',
      'selfLink',
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'labels',
      'annotations',
      'ownerReferences',
      'finalizers',
      'managedFields',
    ].map((name) => [name, '']),
  ),
  NetworkPolicySpec: {
    podSelector: 'LabelSelector',
    policyTypes: '',
    ingress: 'IngressRule[]',
    egress: 'EgressRule[]',
  },
  IngressRule: { from: 'Peer[]', ports: 'Port[]' },
  EgressRule: { to: 'Peer[]', ports: 'Port[]' },
  Peer: { podSelector: 'LabelSelector', namespaceSelector: 'LabelSelector', ipBlock: 'IPBlock' },
  IPBlock: { cidr: '', except: '' },
  Port: { protocol: '', port: '', endPort: '' },
  LabelSelector: { matchLabels: '', matchExpressions: 'Requirement[]' },
  Requirement: { key: '', operator: '', values: '' },
};

function unknownFields(value: unknown, type: string, path: Segment[], issues: Issue[]): void {
  const fields = FIELDS[type];
  if (!fields || !isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childType = fields[key];
    if (childType === undefined) {
      const guess = closest(key, Object.keys(fields));
      issues.push({
        path: [...path, key],
        message: `unknown field${guess ? ` (did you mean "${guess}"?)` : `: ${type} has ${Object.keys(fields).join(', ')}`}`,
      });
    } else if (childType.endsWith('[]')) {
      if (Array.isArray(child)) {
        child.forEach((item, i) => unknownFields(item, childType.slice(0, -2), [...path, key, i], issues));
      }
    } else if (childType !== '') {
      unknownFields(child, childType, [...path, key], issues);
    }
  }
}

/** The API server's rules beyond the schema (pkg/apis/networking/validation, ValidateObjectMeta). */
function policyRules(object: Record<string, unknown>, issues: Issue[]): void {
  const name = requiredName(object, issues);
  if (name !== undefined && !isDnsSubdomain(name)) {
    issues.push({ path: ['metadata', 'name'], message: `${quote(name)} ${DNS_SUBDOMAIN_RULE}` });
  }
  namespaceOf(object, 'default', issues);
  readLabels(field(object, 'metadata', 'labels'), ['metadata', 'labels'], issues);
  const spec = object['spec'];
  if (!isRecord(spec)) return;
  checkSelector(spec['podSelector'], ['spec', 'podSelector'], issues);
  for (const [direction, peersField] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    const rules = spec[direction];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, r) => {
      if (!isRecord(rule)) return;
      const rulePath = ['spec', direction, r];
      const ports = rule['ports'];
      if (Array.isArray(ports)) ports.forEach((port, p) => checkPolicyPort(port, [...rulePath, 'ports', p], issues));
      const peers = rule[peersField];
      if (Array.isArray(peers)) peers.forEach((peer, p) => checkPeer(peer, [...rulePath, peersField, p], issues));
    });
  }
  const types = spec['policyTypes'];
  if (Array.isArray(types)) {
    if (types.length > 2) {
      issues.push({ path: ['spec', 'policyTypes'], message: 'may not specify more than two policyTypes' });
    }
    types.forEach((type, i) => {
      if (type !== 'Ingress' && type !== 'Egress') {
        issues.push({ path: ['spec', 'policyTypes', i], message: `must be Ingress or Egress (got ${describe(type)})` });
      }
    });
  }
}

function checkPeer(peer: unknown, path: Segment[], issues: Issue[]): void {
  if (!isRecord(peer)) return;
  const set = (['podSelector', 'namespaceSelector', 'ipBlock'] as const).filter((k) => peer[k] != null);
  if (set.length === 0) {
    issues.push({
      path,
      message:
        'must specify a peer: podSelector, namespaceSelector or ipBlock (an empty peer is refused; to allow ' +
        'every peer, leave out the whole from/to list)',
    });
  } else if (set.length > 1 && set.includes('ipBlock')) {
    issues.push({
      path,
      message: `may not specify both ipBlock and ${set.filter((k) => k !== 'ipBlock').join(' and ')}: write the ipBlock as a list item of its own`,
    });
  }
  checkSelector(peer['podSelector'], [...path, 'podSelector'], issues);
  checkSelector(peer['namespaceSelector'], [...path, 'namespaceSelector'], issues);
  const block = peer['ipBlock'];
  if (!isRecord(block)) return;
  const cidr = block['cidr'];
  if (typeof cidr !== 'string') return;
  const cidrPath = [...path, 'ipBlock', 'cidr'];
  if (cidr === '') {
    issues.push({ path: cidrPath, message: 'is required' });
    return;
  }
  const cidrError = cidrProblem(cidr);
  if (cidrError) issues.push({ path: cidrPath, message: cidrError });
  const except = block['except'];
  if (!Array.isArray(except)) return;
  except.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const problem = cidrProblem(item);
    if (problem) {
      issues.push({ path: [...path, 'ipBlock', 'except', i], message: problem });
    } else if (!cidrError && !isStrictSubset(item, cidr)) {
      issues.push({
        path: [...path, 'ipBlock', 'except', i],
        message: `${quote(item)} must be a strict subset of cidr ${quote(cidr)}: the API server refuses an except outside (or equal to) its cidr; remove it, or widen the cidr`,
      });
    }
  });
}

function checkPolicyPort(port: unknown, path: Segment[], issues: Issue[]): void {
  if (!isRecord(port)) return;
  const { protocol, endPort } = port;
  const number = port['port'];
  if (protocol != null && !(PROTOCOLS as readonly unknown[]).includes(protocol)) {
    issues.push({ path: [...path, 'protocol'], message: `must be TCP, UDP or SCTP (got ${describe(protocol)})` });
  }
  const endPath = [...path, 'endPort'];
  if (typeof number === 'number') {
    if (!isPortNumber(number)) issues.push({ path: [...path, 'port'], message: `${number} ${PORT_NUMBER_RULE}` });
    if (typeof endPort === 'number') {
      if (!isPortNumber(endPort)) issues.push({ path: endPath, message: `${endPort} ${PORT_NUMBER_RULE}` });
      else if (endPort < number) {
        issues.push({ path: endPath, message: `${endPort} must be greater than or equal to port (${number})` });
      }
    }
  } else if (typeof number === 'string') {
    if (endPort != null) {
      issues.push({
        path: endPath,
        message: `may not be specified when port is a name (${quote(number)}): a range needs a port number`,
      });
    }
    const problem = portNameProblem(number);
    if (problem) issues.push({ path: [...path, 'port'], message: problem });
  } else if (number == null && endPort != null) {
    issues.push({ path: endPath, message: 'may not be specified when port is not specified' });
  }
}

function checkSelector(selector: unknown, path: Segment[], issues: Issue[]): void {
  if (!isRecord(selector)) return;
  readLabels(selector['matchLabels'], [...path, 'matchLabels'], issues);
  const expressions = selector['matchExpressions'];
  if (!Array.isArray(expressions)) return;
  expressions.forEach((req, i) => {
    if (!isRecord(req)) return;
    const reqPath = [...path, 'matchExpressions', i];
    const { key, operator, values } = req;
    const count = Array.isArray(values) ? values.length : 0;
    if (operator === 'In' || operator === 'NotIn') {
      if (count === 0) {
        issues.push({ path: [...reqPath, 'values'], message: `must be specified when operator is ${operator}` });
      }
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (count > 0) {
        issues.push({ path: [...reqPath, 'values'], message: `may not be specified when operator is ${operator}` });
      }
    } else if (typeof operator === 'string') {
      issues.push({
        path: [...reqPath, 'operator'],
        message: `${quote(operator)} is not a valid selector operator: use In, NotIn, Exists or DoesNotExist`,
      });
    }
    if (typeof key === 'string' && !isLabelKey(key)) {
      issues.push({ path: [...reqPath, 'key'], message: `${quote(key)} ${LABEL_KEY_RULE}` });
    }
    if (Array.isArray(values)) {
      values.forEach((v, j) => {
        if (typeof v === 'string' && !LABEL_VALUE.test(v)) {
          issues.push({ path: [...reqPath, 'values', j], message: `${quote(v)} ${LABEL_VALUE_RULE}` });
        }
      });
    }
  });
}

function toPolicy(object: Record<string, unknown>, defaultNamespace: string, source: SourceRef): NetworkPolicy {
  const spec = isRecord(object['spec']) ? object['spec'] : {};
  const policy: NetworkPolicy = {
    namespace: stringField(object, 'metadata', 'namespace') ?? defaultNamespace,
    name: stringField(object, 'metadata', 'name') ?? '',
    podSelector: toSelector(spec['podSelector']) ?? {},
  };
  const types = spec['policyTypes'];
  if (Array.isArray(types)) policy.policyTypes = types as NonNullable<NetworkPolicy['policyTypes']>;
  const ingress = spec['ingress'];
  if (Array.isArray(ingress)) {
    policy.ingress = ingress.map((rule: Record<string, unknown>) => {
      const out: IngressRule = {};
      if (Array.isArray(rule['from'])) out.from = rule['from'].map(toPeer);
      if (Array.isArray(rule['ports'])) out.ports = rule['ports'].map(toPort);
      return out;
    });
  }
  const egress = spec['egress'];
  if (Array.isArray(egress)) {
    policy.egress = egress.map((rule: Record<string, unknown>) => {
      const out: EgressRule = {};
      if (Array.isArray(rule['to'])) out.to = rule['to'].map(toPeer);
      if (Array.isArray(rule['ports'])) out.ports = rule['ports'].map(toPort);
      return out;
    });
  }
  policy.source = source;
  return policy;
}

function toPeer(peer: Record<string, unknown>): NetworkPolicyPeer {
  const out: NetworkPolicyPeer = {};
  const podSelector = toSelector(peer['podSelector']);
  const namespaceSelector = toSelector(peer['namespaceSelector']);
  if (podSelector) out.podSelector = podSelector;
  if (namespaceSelector) out.namespaceSelector = namespaceSelector;
  const block = peer['ipBlock'];
  if (isRecord(block)) {
    const ipBlock: IPBlock = { cidr: block['cidr'] as string };
    if (Array.isArray(block['except'])) ipBlock.except = [...(block['except'] as string[])];
    out.ipBlock = ipBlock;
  }
  return out;
}

function toPort(port: Record<string, unknown>): NetworkPolicyPort {
  const out: NetworkPolicyPort = {};
  if (port['protocol'] != null) out.protocol = port['protocol'] as Protocol;
  if (port['port'] != null) out.port = port['port'] as number | string;
  if (port['endPort'] != null) out.endPort = port['endPort'] as number;
  return out;
}

function toSelector(selector: unknown): LabelSelector | undefined {
  if (!isRecord(selector)) return undefined;
  const out: LabelSelector = {};
  if (isRecord(selector['matchLabels'])) out.matchLabels = { ...(selector['matchLabels'] as Labels) };
  const expressions = selector['matchExpressions'];
  if (Array.isArray(expressions)) {
    out.matchExpressions = expressions.map((req: Record<string, unknown>) => {
      const requirement: LabelSelectorRequirement = {
        key: req['key'] as string,
        operator: req['operator'] as LabelSelectorRequirement['operator'],
      };
      if (Array.isArray(req['values'])) requirement.values = [...(req['values'] as string[])];
      return requirement;
    });
  }
  return out;
}

// ---- Workloads, namespaces, names and labels -----------------------------------------------

function requiredName(object: Record<string, unknown>, issues: Issue[]): string | undefined {
  const name = field(object, 'metadata', 'name');
  if (typeof name === 'string' && name !== '') return name;
  issues.push({
    path: ['metadata', 'name'],
    message: name == null || name === '' ? 'is required' : `must be a string (got ${describe(name)})`,
  });
  return undefined;
}

function namespaceOf(object: Record<string, unknown>, defaultNamespace: string, issues: Issue[]): string {
  const namespace = field(object, 'metadata', 'namespace');
  if (namespace === undefined || namespace === null || namespace === '') return defaultNamespace;
  if (typeof namespace !== 'string') {
    issues.push({ path: ['metadata', 'namespace'], message: `must be a string (got ${describe(namespace)})` });
    return defaultNamespace;
  }
  if (!DNS1123_LABEL.test(namespace)) {
    issues.push({ path: ['metadata', 'namespace'], message: `${quote(namespace)} ${DNS_LABEL_RULE}` });
  }
  return namespace;
}

/** Labels (of an object or of a selector's matchLabels), checked against Kubernetes' syntax. */
function readLabels(value: unknown, path: Segment[], issues: Issue[]): Labels {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    issues.push({ path, message: `must be a mapping of label keys to values (got ${describe(value)})` });
    return {};
  }
  const labels: Labels = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isLabelKey(key)) issues.push({ path: [...path, key], message: `label key ${quote(key)} ${LABEL_KEY_RULE}` });
    if (typeof v !== 'string') {
      issues.push({
        path: [...path, key],
        message:
          typeof v === 'number' || typeof v === 'boolean'
            ? `must be a string (got ${describe(v)}): quote it, e.g. "${String(v)}"`
            : `must be a string (got ${describe(v)})`,
      });
    } else if (!LABEL_VALUE.test(v)) {
      issues.push({ path: [...path, key], message: `label value ${quote(v)} ${LABEL_VALUE_RULE}` });
    } else {
      labels[key] = v;
    }
  }
  return labels;
}

/** Ports of the pod's containers and sidecars (initContainers with restartPolicy: Always). */
function readContainerPorts(spec: unknown, path: Segment[], issues: Issue[]): ContainerPort[] {
  if (!isRecord(spec)) return [];
  const ports: ContainerPort[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const containers = spec[list];
    if (containers === undefined || containers === null) continue;
    if (!Array.isArray(containers)) {
      issues.push({ path: [...path, list], message: `must be a list (got ${describe(containers)})` });
      continue;
    }
    containers.forEach((container, c) => {
      if (!isRecord(container)) return;
      if (list === 'initContainers' && container['restartPolicy'] !== 'Always') return;
      const containerPorts = container['ports'];
      if (containerPorts === undefined || containerPorts === null) return;
      const portsPath = [...path, list, c, 'ports'];
      if (!Array.isArray(containerPorts)) {
        issues.push({ path: portsPath, message: `must be a list (got ${describe(containerPorts)})` });
        return;
      }
      containerPorts.forEach((port, p) => {
        const port_ = readContainerPort(port, [...portsPath, p], issues);
        if (port_) ports.push(port_);
      });
    });
  }
  return ports;
}

function readContainerPort(port: unknown, path: Segment[], issues: Issue[]): ContainerPort | undefined {
  if (!isRecord(port)) {
    issues.push({ path, message: `must be a mapping (got ${describe(port)})` });
    return undefined;
  }
  const { containerPort, name } = port;
  const protocol = port['protocol'] ?? 'TCP';
  const before = issues.length;
  if (typeof containerPort !== 'number' || !isPortNumber(containerPort)) {
    issues.push({
      path: [...path, 'containerPort'],
      message: containerPort == null ? 'is required' : `${describe(containerPort)} ${PORT_NUMBER_RULE}`,
    });
  }
  if (!(PROTOCOLS as readonly unknown[]).includes(protocol)) {
    issues.push({ path: [...path, 'protocol'], message: `must be TCP, UDP or SCTP (got ${describe(protocol)})` });
  }
  if (name != null) {
    const problem = typeof name === 'string' ? portNameProblem(name) : `must be a string (got ${describe(name)})`;
    if (problem) issues.push({ path: [...path, 'name'], message: problem });
  }
  if (issues.length > before) return undefined;
  const out: ContainerPort = { containerPort: containerPort as number, protocol: protocol as Protocol };
  if (typeof name === 'string') out.name = name;
  return out;
}

// ---- Kubernetes syntax: names, labels, ports, CIDRs ----------------------------------------

const DNS_LABEL_RULE =
  'must be a DNS-1123 label: at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit';
const DNS_SUBDOMAIN_RULE =
  'must be a DNS-1123 subdomain: at most 253 characters of a-z, 0-9, "-" and ".", each dot-separated part starting and ending with a letter or digit';
const LABEL_KEY_RULE =
  'must be a qualified name: an optional DNS subdomain prefix and "/", then at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (e.g. "app" or "app.kubernetes.io/name")';
const LABEL_VALUE_RULE =
  'must be empty or at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit';
const PORT_NUMBER_RULE = 'must be between 1 and 65535, inclusive';

/**
 * Kubernetes' IsDNS1123Subdomain: at most 253 characters, dot-separated parts of a-z, 0-9 and "-"
 * that start and end with a letter or digit. Unlike the values model's DNS1123_SUBDOMAIN, a part
 * may be longer than 63 characters: the chart's default `<component>-network-policy` of a
 * 63-character component name is a valid NetworkPolicy name.
 */
const K8S_DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a qualified name (label key), as Kubernetes' IsQualifiedName checks it. */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && K8S_DNS_SUBDOMAIN.test(name);
}

function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash >= 0 && !isDnsSubdomain(key.slice(0, slash))) return false;
  return QUALIFIED_NAME.test(key.slice(slash + 1));
}

function isPortNumber(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** IANA_SVC_NAME, as the API server checks a named port; undefined when valid. */
function portNameProblem(name: string): string | undefined {
  const reasons: string[] = [];
  if (name.length > 15) reasons.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) reasons.push('must contain only a-z, 0-9 and "-"');
  else if (!/[a-z]/.test(name)) {
    reasons.push(
      /^[0-9]+$/.test(name)
        ? `must contain at least one letter (a-z): for a port number, write ${name} without quotes`
        : 'must contain at least one letter (a-z)',
    );
  }
  if (name.includes('--')) reasons.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) reasons.push('must not begin or end with a hyphen');
  return reasons.length === 0 ? undefined : `${quote(name)} is not a valid port name: ${reasons.join('; ')}`;
}

/**
 * A CIDR as the API server reads ipBlock fields (net.ParseCIDR, leniently): an IPv4 or IPv6
 * address, "/", a prefix length; host bits may be set. Undefined when valid.
 */
function cidrProblem(value: string): string | undefined {
  const example = 'must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)';
  const slash = value.indexOf('/');
  if (slash < 0) {
    if (isIPv4(value)) return `${example}: the mask is missing in ${quote(value)}. Did you mean "${value}/32"?`;
    if (isIPv6(value)) return `${example}: the mask is missing in ${quote(value)}. Did you mean "${value}/128"?`;
    return `${quote(value)} ${example}`;
  }
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIPv4(address) || isLegacyIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : 0;
  if (family === 0 || !/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) {
    return `${quote(value)} ${example}`;
  }
  return undefined;
}

/** IPv4 with leading zeros in octets, which Go's lenient parser (and the API server) still accept. */
function isLegacyIPv4(address: string): boolean {
  const octets = address.split('.');
  return octets.length === 4 && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255);
}

/** True when `inner` lies inside `outer` with a longer prefix (the API server's "strict subset"). */
function isStrictSubset(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a.version === b.version && a.start >= b.start && a.end <= b.end && Number(a.prefix) > Number(b.prefix);
}

// ---- Small helpers -------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function field(value: unknown, ...path: Segment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') current = Array.isArray(current) ? current[segment] : undefined;
    else current = isRecord(current) ? current[segment] : undefined;
  }
  return current;
}

function stringField(value: unknown, ...path: Segment[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function typeName(type: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean',
  };
  return names[String(type)] ?? String(type);
}

/** The closest known name, for "did you mean": same letters in another case, or 1–2 edits away. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Fields whose keys are label keys (or annotation keys): shown as `[key]` in paths. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'matchLabels']);

/** A path as Kubernetes shows it: `spec.ingress[0].from[1].podSelector.matchLabels[app]`. */
function formatPath(path: Segment[]): string {
  let out = '';
  path.forEach((segment, i) => {
    const parent = path[i - 1];
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof parent === 'string' && MAP_FIELDS.has(parent)) out += `[${segment}]`;
    else out += i === 0 ? segment : `.${segment}`;
  });
  return out;
}

function pathKey(path: Segment[]): string {
  return JSON.stringify(path);
}

/** The line of the deepest node of the path that exists in the YAML (its key's line in a mapping). */
function lineOf(place: Place, path: Segment[]): number {
  let node: unknown = place.node;
  let offset = (node as YamlNode).range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const keyRange = (pair.key as YamlNode).range;
      if (keyRange) offset = keyRange[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item?.range) break;
      offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return place.lineCounter.linePos(offset).line;
}
