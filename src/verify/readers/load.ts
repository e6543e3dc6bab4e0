// Reading the inputs of verify and diff: Kubernetes manifests (YAML streams or JSON, files, folders
// or standard input) into the analyzer's shapes (src/verify/model/types.ts).
//
// - NetworkPolicy (networking.k8s.io/v1) → NetworkPolicy, validated first, as the API server would
//   (src/verify/readers/kubernetes.ts, mode 'read'): the Kubernetes OpenAPI schema (kubernetes-models), no
//   unknown field (as `kubectl apply` with strict field validation: a typo such as `form:` would
//   otherwise silently turn a rule into "allow from everywhere"), and the API server's own rules
//   that the schema does not express (pkg/apis/networking/validation, ValidateObjectMeta): a peer
//   sets podSelector, namespaceSelector or ipBlock, and ipBlock alone; cidr and except are CIDRs,
//   each except a strict subset of its cidr; ports 1–65535 or IANA service names; endPort only
//   after a numeric port and not below it; policyTypes Ingress/Egress; names, label keys, values,
//   annotations and matchExpressions operators.
// - CiliumNetworkPolicy (cilium.io/v2) → validated against Cilium v1.20.2's CRD schema
//   (src/verify/readers/cilium-crd.ts), then one NetworkPolicy of the model per rule of spec/specs, with
//   Cilium's semantics (src/verify/readers/cilium/); what verify does not model (deny rules, L7
//   rules other than DNS, toServices, CIDR groups, …) is a problem naming the path, never skipped.
//   What the result assumes (a DNS rule counted as its L4 flow) is in `notes`.
//   CiliumClusterwideNetworkPolicy is refused (it applies across namespaces: out of scope).
// - Namespace → Namespace (name and labels as written; the analyzer adds kubernetes.io/metadata.name).
// - Pod → Workload; Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job →
//   their pod template (spec.template); CronJob → spec.jobTemplate.spec.template. The template is
//   the pod: its labels, and the ports of its containers and of its sidecars (initContainers with
//   restartPolicy: Always), protocol TCP by default.
// - `kind: List` (apiVersion v1 when left out) → its items; a typed list (`PodList`, `NetworkPolicyList`, … with items, the shape
//   the API returns) → its items, which may leave out apiVersion and kind (they are the list's).
// - Policy kinds that change connectivity and verify does not read (AdminNetworkPolicy,
//   BaselineAdminNetworkPolicy, Calico and Antrea policies) are not analysed:
//   each is counted in `unanalysed` and named in `warnings`, since the result is wrong where they apply.
// - Everything else is counted by kind in `ignored`.
// - A document that is not a Kubernetes object (no kind, or not a mapping: a JSON array, a text)
//   is skipped with a warning naming it, as kubectl-based tools skip such files in a folder.
// - The same object twice (in two files, or a Namespace twice with the same labels) is read once;
//   twice with different content is an error.
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
//        readManifestObjects(helmOutput, 'render.yaml');   // the objects as kubectl parses them
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { text as readStream } from 'node:stream/consumers';
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
import { InputError } from '../../errors.ts';
import { fileErrorText, STDIN_NAME } from '../../files.ts';
import { DNS1123_LABEL } from '../../model/patterns.ts';
import { HELM_YAML, helmData, HelmYamlError } from '../../values/yaml.ts';
import { readCiliumPolicy } from './cilium/index.ts';
import { CILIUM_API_VERSION, CILIUM_KIND, validateCiliumNetworkPolicy } from './cilium-crd.ts';
import {
  closest,
  DNS_LABEL_RULE,
  describe,
  field,
  formatPath,
  isPortNumber,
  isRecord,
  namespaceOf,
  networkPolicyIssues,
  PORT_NUMBER_RULE,
  portNameProblem,
  quote,
  readLabels,
  REMOVED_POLICY_APIS,
  requiredName,
  type KubernetesIssue,
  type Segment,
  UNKNOWN_FIELD_WHY,
} from './kubernetes.ts';
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
} from '../model/types.ts';

export type LoadOptions = {
  /**
   * Namespace of namespaced objects without metadata.namespace, as `kubectl apply -n` would set.
   * @default "default"
   */
  defaultNamespace?: string;
  /** Reads standard input, for the path `-` (called at most once). @default reads process.stdin */
  readStdin?: () => Promise<string>;
  /**
   * Called with every object of the input as parsed (each YAML document that is a mapping, before
   * a List is expanded or anything is checked), e.g. to validate it further without parsing the
   * text twice: `{ onObject: (object) => issues.push(...validateKubernetesObject(object)) }`.
   */
  onObject?: (object: Record<string, unknown>, source: SourceRef) => void;
};

/** Objects of a kind verify does not read, and how many there were. */
export type IgnoredKind = { kind: string; count: number };

export type LoadedManifests = {
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  workloads: Workload[];
  /** Sorted by kind. */
  ignored: IgnoredKind[];
  /** Policy objects of other APIs that change connectivity and were not analysed, sorted by kind. */
  unanalysed: IgnoredKind[];
  /** What was skipped and why (`file:line: …`), in input order: for stderr. */
  warnings: string[];
  /** What the analysis of CiliumNetworkPolicies assumes (`file:line: …`), in input order: for stderr. */
  notes: string[];
  /** How many objects were read (List items counted, Lists not), for messages. */
  objects: number;
};

/**
 * Policy kinds of other APIs: they change what is allowed, and verify reads only NetworkPolicy.
 * Keyed by API group (a kind of another group, e.g. a CRD of one's own, is just ignored).
 */
const OTHER_POLICY_KINDS: Record<string, string[]> = {
  'policy.networking.k8s.io': ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'],
  'projectcalico.org': ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'],
  'crd.projectcalico.org': ['NetworkPolicy', 'GlobalNetworkPolicy'],
  'crd.antrea.io': ['NetworkPolicy', 'ClusterNetworkPolicy'],
};

/** The file name given to standard input in messages and `source`. */
export { STDIN_NAME };

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
        loader.fileProblem(STDIN_NAME, `cannot read standard input: ${fileErrorText(error)}`);
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
        loader.fileProblem(file, `cannot read: ${fileErrorText(error)}`);
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

/**
 * The objects of one YAML stream (or JSON document, when `name` ends in `.json`), parsed as
 * kubectl and Helm parse them (YAML 1.1 scalars, as loadManifestText) and neither checked nor
 * converted: for validating what Helm renders (validateKubernetesObject, src/verify/readers/kubernetes.ts).
 * Empty documents are skipped; invalid YAML or a document that is not a mapping throws an InputError.
 */
export function readManifestObjects(text: string, name: string): Record<string, unknown>[] {
  const lineCounter = new LineCounter();
  const json = name.toLowerCase().endsWith('.json');
  const objects: Record<string, unknown>[] = [];
  const problems: string[] = [];
  for (const document of parseAllDocuments(text, { lineCounter, ...(json ? JSON_OPTIONS : YAML_OPTIONS) })) {
    const syntax = document.errors[0];
    if (syntax) {
      const { line, col } = lineCounter.linePos(syntax.pos[0]);
      problems.push(`${name}:${line}:${col}: invalid YAML: ${syntax.message.split(/ at line \d+, column \d+/)[0]}`);
      continue;
    }
    const contents = document.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    let value: unknown;
    try {
      value = helmData(document, { maxAliasCount: 1000 });
    } catch (error) {
      if (!(error instanceof HelmYamlError)) throw error;
      const { line, col } = lineCounter.linePos(error.offset);
      problems.push(`${name}:${line}:${col}: ${error.message}`);
      continue;
    }
    const line = lineCounter.linePos((contents as YamlNode).range?.[0] ?? 0).line;
    if (isRecord(value)) objects.push(value);
    else problems.push(`${name}:${line}: the document is ${describe(value)}, not a mapping (a Kubernetes object)`);
  }
  if (problems.length > 0) throw new InputError(problems.join('\n'));
  return objects;
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
    loader.fileProblem(path, `cannot read: ${fileErrorText(error)}`);
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
    loader.fileProblem(folder, `cannot read: ${fileErrorText(error)}`);
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

// ---- Parsing and dispatching objects -------------------------------------------------------

type YamlNode = { range?: [number, number, number] | null };

/** Where an object is: for `file:line` of the object and of any path inside it. */
type Place = { file: string; fileIndex: number; node: unknown; lineCounter: LineCounter };

type Problem = { file: string; fileIndex: number; line: number; text: string };

/** What one check found, before it is placed: a path inside the object and a message. */
type Issue = KubernetesIssue;

// YAML as kubectl and Helm read it (src/values/yaml.ts). logLevel 'error': the yaml library would
// otherwise print process warnings to stderr (a mapping used as a key, as in an unrendered Helm
// template's `name: {{ .Chart.Name }}`); problems are reported through the InputError, never on the side.
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = { ...HELM_YAML, logLevel: 'error' };
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

class Loader {
  private readonly defaultNamespace: string;
  private readonly onObject: LoadOptions['onObject'];
  private readonly problems: Problem[] = [];
  private readonly policies: NetworkPolicy[] = [];
  private readonly namespaces: Namespace[] = [];
  private readonly workloads: Workload[] = [];
  private readonly ignored = new Map<string, number>();
  /** First place and content of each object identity, to refuse conflicting duplicates. */
  private readonly defined = new Map<string, { at: string; key: string }>();
  private readonly unanalysed = new Map<string, number>();
  private readonly warnings: string[] = [];
  private readonly notes: string[] = [];
  /** Policy objects read (a CiliumNetworkPolicy with several rules gives several policies). */
  private policyObjects = 0;
  private files = 0;

  constructor(options: LoadOptions) {
    this.defaultNamespace = options.defaultNamespace ?? 'default';
    this.onObject = options.onObject;
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
        value = helmData(document, { maxAliasCount: 1000 });
      } catch (error) {
        this.problem(place, [], `cannot read the document: ${fileErrorText(error)}`);
        continue;
      }
      if (!isRecord(value)) {
        this.skip(place, `the document is ${describe(value)}, not a Kubernetes object`);
        continue;
      }
      this.onObject?.(value, this.source(place));
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
    const byKind = (counts: Map<string, number>): IgnoredKind[] =>
      [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([kind, count]) => ({ kind, count }));
    return {
      policies: this.policies,
      namespaces: this.namespaces,
      workloads: this.workloads,
      ignored: byKind(this.ignored),
      unanalysed: byKind(this.unanalysed),
      warnings: this.warnings,
      notes: this.notes,
      objects:
        this.policyObjects +
        this.namespaces.length +
        this.workloads.length +
        [...this.ignored.values(), ...this.unanalysed.values()].reduce((n, count) => n + count, 0),
    };
  }

  /**
   * One object; `list` is the apiVersion and kind a typed list's item leaves out (the list's own
   * apiVersion, the list's kind without "List").
   */
  private addObject(object: Record<string, unknown>, place: Place, list?: { apiVersion: string; kind: string }): void {
    const kind = object['kind'] ?? list?.kind;
    // A plain `kind: List` is kubectl's client-side wrapper (always v1): an inventory written by
    // hand or by a script often leaves its apiVersion out, and nothing depends on it.
    const apiVersion = object['apiVersion'] ?? list?.apiVersion ?? (kind === 'List' ? 'v1' : undefined);
    if (kind === undefined || kind === null || kind === '') {
      this.skip(place, `not a Kubernetes object (no kind${apiVersion === undefined ? ' and no apiVersion' : ''})`);
      return;
    }
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
      const itemType = kind === 'List' ? undefined : { apiVersion, kind: kind.slice(0, -'List'.length) };
      this.addList(object['items'], place, itemType);
      return;
    }
    const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
    if (kind === 'NetworkPolicy' && apiVersion === 'networking.k8s.io/v1') {
      this.addPolicy(object, place);
    } else if (kind === CILIUM_KIND && apiVersion === CILIUM_API_VERSION) {
      this.addCiliumPolicy(object, place);
    } else if ((kind === CILIUM_KIND || kind === 'CiliumClusterwideNetworkPolicy') && group === 'cilium.io') {
      this.problem(
        place,
        kind === CILIUM_KIND ? ['apiVersion'] : ['kind'],
        kind === CILIUM_KIND
          ? `${apiVersion} CiliumNetworkPolicy is not served by Cilium v1.20: use ${CILIUM_API_VERSION}`
          : 'CiliumClusterwideNetworkPolicy is not analysed (out of scope: it selects pods of every namespace and nodes); verify reads CiliumNetworkPolicy and NetworkPolicy: remove it from the input, and know that the cluster enforces it too',
      );
    } else if (kind === 'NetworkPolicy' && REMOVED_POLICY_APIS.has(apiVersion)) {
      this.problem(place, ['apiVersion'], `${apiVersion} NetworkPolicy is no longer served: use networking.k8s.io/v1`);
    } else if (kind === 'Namespace' && group === '') {
      this.addNamespace(object, place);
    } else if (WORKLOAD_TEMPLATES[kind]?.groups.includes(group)) {
      this.addWorkload(object, kind, place);
    } else if (OTHER_POLICY_KINDS[group]?.includes(kind)) {
      const label = `${kind} (${apiVersion})`;
      this.unanalysed.set(label, (this.unanalysed.get(label) ?? 0) + 1);
      this.warnings.push(
        `${place.file}:${lineOf(place, [])}: ${label} ${quote(stringField(object, 'metadata', 'name') ?? '')} ` +
          'changes connectivity but is NOT analysed (verify reads NetworkPolicy and CiliumNetworkPolicy only): ' +
          'the result is wrong wherever it applies',
      );
    } else {
      const label =
        WORKLOAD_TEMPLATES[kind] || kind === 'NetworkPolicy' || kind === 'Namespace' ? `${kind} (${apiVersion})` : kind;
      this.ignored.set(label, (this.ignored.get(label) ?? 0) + 1);
    }
  }

  private addList(items: unknown, place: Place, itemType?: { apiVersion: string; kind: string }): void {
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      this.problem(place, ['items'], `must be a list (got ${describe(items)})`);
      return;
    }
    const itemsNode = isMap(place.node) ? place.node.get('items', true) : undefined;
    items.forEach((item, i) => {
      const node = isSeq(itemsNode) ? itemsNode.items[i] : undefined;
      const itemPlace: Place = node ? { ...place, node } : place;
      if (isRecord(item)) this.addObject(item, itemPlace, itemType);
      else this.problem(place, ['items', i], `must be a mapping (a Kubernetes object), got ${describe(item)}`);
    });
  }

  private addPolicy(object: Record<string, unknown>, place: Place): void {
    const issues = networkPolicyIssues(object, 'read');
    if (issues.length > 0) {
      for (const issue of issues) this.problem(place, issue.path, issue.message);
      return;
    }
    const policy = toPolicy(object, this.defaultNamespace, this.source(place));
    const { source: _source, ...content } = policy;
    if (this.isDuplicate(`NetworkPolicy ${policy.namespace}/${policy.name}`, content, place)) return;
    this.policies.push(policy);
    this.policyObjects += 1;
  }

  /**
   * A CiliumNetworkPolicy: first what the API server would refuse (the CRD's schema, metadata),
   * then what Cilium refuses or verify does not model (one message per path, the schema's first).
   */
  private addCiliumPolicy(object: Record<string, unknown>, place: Place): void {
    const schema = validateCiliumNetworkPolicy(object, { mode: 'read' });
    const read = readCiliumPolicy(object, this.defaultNamespace, this.source(place));
    const covered = new Set(schema.map((issue) => JSON.stringify(issue.path)));
    const issues = [...schema, ...read.issues.filter((issue) => !covered.has(JSON.stringify(issue.path)))];
    if (issues.length > 0) {
      for (const issue of issues) this.problem(place, issue.path, issue.message);
      return;
    }
    const first = read.policies[0];
    if (!first) return;
    const content = read.policies.map(({ source: _source, ...rest }) => rest);
    if (this.isDuplicate(`${CILIUM_KIND} ${first.namespace}/${first.name}`, content, place)) return;
    this.policies.push(...read.policies);
    this.policyObjects += 1;
    const here = `${place.file}:${lineOf(place, [])}: ${CILIUM_KIND} ${first.namespace}/${first.name}`;
    for (const note of read.notes) this.notes.push(`${here}: ${note}`);
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
    if (this.isDuplicate(`Namespace ${name}`, { labels }, place)) return;
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
    if (this.isDuplicate(`${kind} ${namespace}/${name}`, { labels, ports }, place)) return;
    this.workloads.push({ namespace, name, kind, labels, ports, source: this.source(place) });
  }

  /**
   * Whether the identity was read before. The same content again (what verify reads of it: a
   * policy's spec, a namespace's labels, a pod's labels and ports) is read once, silently, as
   * applying it twice would; different content is a problem, since which one is live is unknown.
   */
  private isDuplicate(identity: string, content: unknown, place: Place): boolean {
    const here = `${place.file}:${lineOf(place, [])}`;
    const key = canonicalJson(content);
    const first = this.defined.get(identity);
    if (first === undefined) {
      this.defined.set(identity, { at: here, key });
      return false;
    }
    if (first.key !== key) {
      this.problem(
        place,
        [],
        `${identity} is defined twice with different content (first at ${first.at}): remove one, or rename it`,
      );
    }
    return true;
  }

  /** A document that is not a Kubernetes object: skipped, with a warning naming it. */
  private skip(place: Place, why: string): void {
    this.warnings.push(`${place.file}:${lineOf(place, [])}: ${why}: skipped`);
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

// ---- NetworkPolicy: conversion (validation: src/verify/readers/kubernetes.ts) -----------------------

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

// ---- Workloads ----------------------------------------------------------------------------

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

/** The fields of a container port (core/v1 ContainerPort). */
const CONTAINER_PORT_FIELDS = ['containerPort', 'hostIP', 'hostPort', 'name', 'protocol'];

function readContainerPort(port: unknown, path: Segment[], issues: Issue[]): ContainerPort | undefined {
  if (!isRecord(port)) {
    issues.push({ path, message: `must be a mapping (got ${describe(port)})` });
    return undefined;
  }
  const { containerPort, name } = port;
  const protocol = port['protocol'] ?? 'TCP';
  const before = issues.length;
  const unknown = Object.keys(port).filter((key) => !CONTAINER_PORT_FIELDS.includes(key));
  for (const key of unknown) {
    const guess = closest(key, CONTAINER_PORT_FIELDS);
    issues.push({
      path: [...path, key],
      message: `unknown field${guess ? ` (did you mean "${guess}"?)` : `: a container port has ${CONTAINER_PORT_FIELDS.join(', ')}`}: ${UNKNOWN_FIELD_WHY}`,
    });
  }
  // containerPort misspelt: one problem (the unknown field), not a second "is required".
  const misspelt = unknown.some((key) => closest(key, CONTAINER_PORT_FIELDS) === 'containerPort');
  if (containerPort == null && misspelt) {
    // reported above
  } else if (typeof containerPort !== 'number' || !isPortNumber(containerPort)) {
    issues.push({
      path: [...path, 'containerPort'],
      message:
        containerPort == null
          ? 'is required'
          : typeof containerPort === 'number'
            ? `${containerPort} ${PORT_NUMBER_RULE}`
            : `must be a number between 1 and 65535 (got ${describe(containerPort)})`,
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

// ---- Small helpers -------------------------------------------------------------------------

/** JSON with mapping keys sorted, so that equal content gives equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function stringField(value: unknown, ...path: Segment[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === 'string' && found !== '' ? found : undefined;
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
