// Kubernetes validity of one object: would the API server accept it, as written? Used for what the
// chart renders (test/property.test.ts, test/kubernetes-validity.test.ts) and, through
// src/verify/readers/load.ts, for every NetworkPolicy that `verify` and `diff` read.
//
// validateKubernetesObject(object) returns every issue of the object at once, each with its path
// (`spec.ingress[0].from[1].ipBlock.except[0]`) and a message; an empty list means valid:
//   1. the kind: only networking.k8s.io/v1 NetworkPolicy, the one kind the chart renders (anything
//      else, a List included, is refused; removed NetworkPolicy APIs are named as such);
//   2. the OpenAPI schema of networking.k8s.io/v1 NetworkPolicy (kubernetes-models: types, enums,
//      required fields). Its schema allows any extra field, so:
//   3. unknown fields are refused (FIELDS below), as `kubectl apply` with strict field validation
//      refuses them: a typo such as `form:` would otherwise silently turn a rule into "allow from
//      everywhere";
//   4. the API server's own rules, which no schema expresses: ValidateObjectMeta for the metadata
//      (name, generateName, namespace, labels, annotations and their total size) and
//      ValidateNetworkPolicy (k8s.io/kubernetes pkg/apis/networking/validation) for the spec
//      (selectors, peers, ipBlocks, ports, policyTypes). Each check below says which rule it mirrors.
//
// Two modes, for the two kinds of input:
//   - 'manifest' (the default): an object about to be applied, such as a render of the chart. CIDRs
//     as the API server checks them with strict IP/CIDR validation (KEP-4858, the
//     StrictIPCIDRValidation feature gate, beta in Kubernetes 1.36): no leading zeros, no
//     IPv4-mapped IPv6 address, no bits set beyond the prefix length; and IPv6 in RFC 5952
//     canonical form, which the API server otherwise accepts with a warning. Fields only the API
//     server writes (status, uid, resourceVersion…) are refused: a manifest carrying one is a bug.
//   - 'read': objects as `verify` reads them, which may be `kubectl get -o yaml` output written
//     before strict CIDR validation: CIDRs as Go's lenient parser reads them (leading zeros and host
//     bits accepted), server-written fields accepted.
//
// Usage:
//   const issues = validateKubernetesObject(object);               // [] when valid
//   for (const issue of issues) console.log(formatIssue(issue));   // "spec.ingress[0].ports[0].endPort: …"
//   networkPolicyIssues(policy, 'read');                          // one NetworkPolicy, as verify reads it
import { isIPv4, isIPv6 } from 'node:net';
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ANNOTATIONS_SIZE_LIMIT, annotationsSize, DNS1123_LABEL, LABEL_VALUE } from '../../model/patterns.ts';
import { pathOfPointer, valueAt } from '../../values/paths.ts';
import { canonicalCidr, hasHostBits, isIPv4Mapped, strictlyInside } from '../../model/cidr.ts';
import { PROTOCOLS, type Labels } from '../model/types.ts';

/** A step of a path inside an object: a field name, a map key or a list index. */
export type Segment = string | number;

/** One problem of an object: where (a path inside it) and what. */
export type KubernetesIssue = { path: Segment[]; message: string };

type Issue = KubernetesIssue;

/** 'manifest': an object to apply (strict CIDRs, no server-written field); 'read': as found. */
export type ValidationMode = 'manifest' | 'read';

export type ValidateOptions = {
  /** @default 'manifest' */
  mode?: ValidationMode;
};

/** The apiVersion and kind of every object the chart renders. */
export const RENDERED_API_VERSION = 'networking.k8s.io/v1';
export const RENDERED_KIND = 'NetworkPolicy';

/** NetworkPolicy APIs that Kubernetes no longer serves (removed in 1.16 and 1.22). */
export const REMOVED_POLICY_APIS = new Set(['extensions/v1beta1', 'networking.k8s.io/v1beta1']);

/**
 * Every issue of one object the chart may render: a networking.k8s.io/v1 NetworkPolicy that the
 * OpenAPI schema, the unknown-field check and the API server's own rules accept. [] when valid.
 */
export { ANNOTATIONS_SIZE_LIMIT };

export function validateKubernetesObject(object: unknown, options: ValidateOptions = {}): KubernetesIssue[] {
  const mode = options.mode ?? 'manifest';
  if (!isRecord(object)) {
    return [{ path: [], message: `must be a mapping (a Kubernetes object), not ${describe(object)}` }];
  }
  const { apiVersion, kind } = object;
  const issues: Issue[] = [];
  for (const [name, value] of [
    ['apiVersion', apiVersion],
    ['kind', kind],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      issues.push({
        path: [name],
        message:
          value === undefined || value === null || value === ''
            ? 'is required: every Kubernetes object has apiVersion and kind'
            : `must be a string (got ${describe(value)})`,
      });
    }
  }
  if (issues.length > 0) return issues;
  if (kind === RENDERED_KIND && apiVersion === RENDERED_API_VERSION) return networkPolicyIssues(object, mode);
  if (kind === RENDERED_KIND && typeof apiVersion === 'string' && REMOVED_POLICY_APIS.has(apiVersion)) {
    return [
      { path: ['apiVersion'], message: `${apiVersion} NetworkPolicy is no longer served: use ${RENDERED_API_VERSION}` },
    ];
  }
  return [
    {
      path: kind === RENDERED_KIND ? ['apiVersion'] : ['kind'],
      message: `${describe(kind)} (${String(apiVersion)}) is not an object this chart renders: it renders only ${RENDERED_API_VERSION} ${RENDERED_KIND} objects`,
    },
  ];
}

/** `path: message`, the path as Kubernetes shows it (`spec.ingress[0].from[1]`; none for the object). */
export function formatIssue(issue: KubernetesIssue): string {
  return issue.path.length > 0 ? `${formatPath(issue.path)}: ${issue.message}` : issue.message;
}

// ---- NetworkPolicy: schema, unknown fields, API server rules -------------------------------

/**
 * Every problem of a networking.k8s.io/v1 NetworkPolicy object; schema problems win over a rule's
 * at the same path (one message per place).
 */
export function networkPolicyIssues(object: Record<string, unknown>, mode: ValidationMode): KubernetesIssue[] {
  const schema = schemaIssues(object);
  const covered = new Set(schema.map((issue) => pathKey(issue.path)));
  const rules: Issue[] = [];
  unknownFields(object, 'NetworkPolicy', [], rules);
  if (mode === 'manifest') serverWrittenFields(object, rules);
  policyRules(object, mode, rules);
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
    if (!Array.isArray(errors)) return [{ path: [], message: error instanceof Error ? error.message : String(error) }];
    const byPath = new Map<string, AjvError[]>();
    for (const e of errors as AjvError[]) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
    const issues: Issue[] = [];
    for (const [instancePath, group] of byPath) {
      const path = pathOfPointer(instancePath, object);
      const value = valueAt(object, path);
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

/**
 * Fields of ObjectMeta that only the API server writes, and `status`, written by the cluster. A
 * manifest to apply carries none of them (the API server refuses a resourceVersion on create and
 * overwrites the others): when a render carries one, the template is wrong.
 */
const SERVER_WRITTEN_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
] as const;

/** Known fields of each object type of a NetworkPolicy; `T[]` is a list of T, '' a leaf or map. */
const FIELDS: Record<string, Record<string, string>> = {
  // status: kubectl get -o yaml prints `status: {}` for NetworkPolicies of some versions.
  NetworkPolicy: { apiVersion: '', kind: '', metadata: 'ObjectMeta', spec: 'NetworkPolicySpec', status: '' },
  ObjectMeta: Object.fromEntries(
    [
      'name',
      'generateName',
      'namespace',
      'labels',
      'annotations',
      'ownerReferences',
      'finalizers',
      ...SERVER_WRITTEN_METADATA,
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
        message: `unknown field${guess ? ` (did you mean "${guess}"?)` : `: ${type} has ${Object.keys(fields).join(', ')}`}: ${UNKNOWN_FIELD_WHY}`,
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

function serverWrittenFields(object: Record<string, unknown>, issues: Issue[]): void {
  if (object['status'] !== undefined) {
    issues.push({ path: ['status'], message: 'is written by the cluster, never by a manifest: remove it' });
  }
  const metadata = object['metadata'];
  if (!isRecord(metadata)) return;
  for (const name of SERVER_WRITTEN_METADATA) {
    if (metadata[name] !== undefined) {
      issues.push({
        path: ['metadata', name],
        message: 'is written by the API server, never by a manifest: remove it',
      });
    }
  }
}

/**
 * The API server's rules beyond the schema: ValidateObjectMeta for the metadata, then
 * ValidateNetworkPolicySpec (k8s.io/kubernetes pkg/apis/networking/validation) for the spec.
 */
function policyRules(object: Record<string, unknown>, mode: ValidationMode, issues: Issue[]): void {
  metadataRules(object, issues);
  const spec = object['spec'];
  if (!isRecord(spec)) return;
  // The policy's own podSelector is a label selector like any other (ValidateLabelSelector).
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
      if (Array.isArray(peers)) {
        peers.forEach((peer, p) => checkPeer(peer, [...rulePath, peersField, p], mode, issues));
      }
    });
  }
  // policyTypes: at most two entries, each Ingress or Egress (the schema's enum says the same).
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

/** The metadata of a namespaced object, as ValidateObjectMeta checks it (NetworkPolicy names: subdomains). */
function metadataRules(object: Record<string, unknown>, issues: Issue[]): void {
  // name: required (the chart always names its objects; verify identifies policies by name) and a
  // DNS-1123 subdomain of at most 253 characters (ValidateNetworkPolicyName).
  const name = requiredName(object, issues);
  if (name !== undefined && !isDnsSubdomain(name)) {
    issues.push({ path: ['metadata', 'name'], message: `${quote(name)} ${DNS_SUBDOMAIN_RULE}` });
  }
  // generateName: a prefix of such a name (a trailing "-" is allowed, the server appends to it).
  const generateName = field(object, 'metadata', 'generateName');
  if (typeof generateName === 'string' && generateName !== '') {
    const masked =
      generateName.length > 1 && generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName;
    if (!isDnsSubdomain(masked)) {
      issues.push({
        path: ['metadata', 'generateName'],
        message: `${quote(generateName)} must be the prefix of a DNS-1123 subdomain (a-z, 0-9, "-" and ".")`,
      });
    }
  }
  // namespace: a DNS-1123 label (ValidateNamespaceName); an absent one is the request's namespace.
  namespaceOf(object, 'default', issues);
  // labels: qualified-name keys and label values (ValidateLabels).
  readLabels(field(object, 'metadata', 'labels'), ['metadata', 'labels'], issues);
  checkAnnotations(field(object, 'metadata', 'annotations'), ['metadata', 'annotations'], issues);
}

/**
 * metadata.annotations, as ValidateAnnotations checks them: each key a qualified name once lower-cased
 * (case does not matter in annotation keys, unlike label keys), and the keys and values together
 * at most 256 KiB, counted in bytes of UTF-8. (The schema already requires string values.)
 */
function checkAnnotations(value: unknown, path: Segment[], issues: Issue[]): void {
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    if (!isLabelKey(key.toLowerCase())) {
      issues.push({ path: [...path, key], message: `annotation key ${quote(key)} ${ANNOTATION_KEY_RULE}` });
    }
  }
  const size = annotationsSize(value);
  if (size > ANNOTATIONS_SIZE_LIMIT) {
    issues.push({
      path,
      message: `are ${size} bytes in all (keys and values): the API server allows at most ${ANNOTATIONS_SIZE_LIMIT} (256 KiB); shorten or remove some`,
    });
  }
}

/**
 * A peer (ValidateNetworkPolicyPeer): at least one of podSelector, namespaceSelector and ipBlock;
 * an ipBlock alone; each selector valid (ValidateLabelSelector); the ipBlock's cidr and excepts
 * valid CIDRs, each except strictly inside the cidr (ValidateIPBlock).
 */
function checkPeer(peer: unknown, path: Segment[], mode: ValidationMode, issues: Issue[]): void {
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
  const cidrError = cidrProblem(cidr, mode);
  if (cidrError) issues.push({ path: cidrPath, message: cidrError });
  const except = block['except'];
  if (!Array.isArray(except)) return;
  except.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const problem = cidrProblem(item, mode);
    if (problem) {
      issues.push({ path: [...path, 'ipBlock', 'except', i], message: problem });
    } else if (!cidrError && !strictlyInside(item, cidr)) {
      issues.push({
        path: [...path, 'ipBlock', 'except', i],
        message: `${quote(item)} must be a strict subset of cidr ${quote(cidr)}: the API server refuses an except outside (or equal to) its cidr; remove it, or widen the cidr`,
      });
    }
  });
}

/**
 * A port (ValidateNetworkPolicyPort): protocol TCP, UDP or SCTP; a numeric port 1–65535 and an
 * endPort 1–65535 not below it; a named port an IANA service name, with no endPort; no endPort
 * without a port.
 */
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

/**
 * A label selector (ValidateLabelSelector): matchLabels as labels; each matchExpressions entry a
 * label key, an operator In, NotIn, Exists or DoesNotExist, values (label values) present exactly
 * for In and NotIn.
 */
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
// ---- Names, namespaces and labels (shared with src/verify/readers/load.ts) --------------------------

/** metadata.name, required; undefined (with an issue) when missing or not a string. */
export function requiredName(object: Record<string, unknown>, issues: Issue[]): string | undefined {
  const name = field(object, 'metadata', 'name');
  if (typeof name === 'string' && name !== '') return name;
  issues.push({
    path: ['metadata', 'name'],
    message: name == null || name === '' ? 'is required' : `must be a string (got ${describe(name)})`,
  });
  return undefined;
}

/** metadata.namespace, a DNS-1123 label (ValidateNamespaceName); `defaultNamespace` when absent. */
export function namespaceOf(object: Record<string, unknown>, defaultNamespace: string, issues: Issue[]): string {
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

/**
 * Labels (of an object or of a selector's matchLabels) as ValidateLabels checks them: each key a
 * qualified name, each value a label value. Returns the valid ones.
 */
export function readLabels(value: unknown, path: Segment[], issues: Issue[]): Labels {
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

// ---- Kubernetes syntax: names, labels, ports, CIDRs ----------------------------------------

export const DNS_LABEL_RULE =
  'must be a DNS-1123 label: at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit';
const DNS_SUBDOMAIN_RULE =
  'must be a DNS-1123 subdomain: at most 253 characters of a-z, 0-9, "-" and ".", each dot-separated part starting and ending with a letter or digit (the API server refuses any other name)';
/** Why an unknown field is an error although some tools read past it. */
export const UNKNOWN_FIELD_WHY =
  'kubectl apply refuses it (strict field validation), and a tool that drops it reads a different object';
const LABEL_KEY_RULE =
  'must be a qualified name: an optional DNS subdomain prefix and "/", then at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (e.g. "app" or "app.kubernetes.io/name")';
const LABEL_VALUE_RULE =
  'must be empty or at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit';
const ANNOTATION_KEY_RULE =
  'must be a qualified name: an optional DNS subdomain prefix and "/", then at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit (e.g. "example.com/owner")';
export const PORT_NUMBER_RULE = 'must be between 1 and 65535, inclusive';

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

export function isPortNumber(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** IANA_SVC_NAME, as the API server checks a named port (IsValidPortName); undefined when valid. */
export function portNameProblem(name: string): string | undefined {
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

const CIDR_EXAMPLE = 'must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/**
 * An ipBlock cidr or except as the API server checks it (IsValidCIDRForLegacyField); undefined when
 * valid. 'read': Go's lenient parser (net.ParseCIDR): an IPv4 or IPv6 address, "/", a prefix
 * length; leading zeros and host bits accepted. 'manifest': strict validation on top — no leading
 * zero in the address or the prefix length, no IPv4-mapped IPv6 address, no bit set beyond the
 * prefix length — and an IPv6 value in RFC 5952 canonical form (the API server's warning).
 */
function cidrProblem(value: string, mode: ValidationMode): string | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) {
    if (isIPv4(value)) return `${CIDR_EXAMPLE}: the mask is missing in ${quote(value)}. Did you mean "${value}/32"?`;
    if (isIPv6(value)) return `${CIDR_EXAMPLE}: the mask is missing in ${quote(value)}. Did you mean "${value}/128"?`;
    return `${quote(value)} ${CIDR_EXAMPLE}`;
  }
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIPv4(address) || isLegacyIPv4(address) ? 4 : isIPv6(address) && !address.includes('%') ? 6 : 0;
  if (family === 0 || !/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) {
    return `${quote(value)} ${CIDR_EXAMPLE}`;
  }
  if (mode === 'read') return undefined;
  if ((family === 4 && !isIPv4(address)) || !/^(0|[1-9][0-9]*)$/.test(prefix)) {
    return `${quote(value)} must not have leading zeros in the address or the prefix length`;
  }
  if (family === 6 && isIPv4Mapped(address)) {
    return `${quote(value)} must not be an IPv4-mapped IPv6 address (::ffff:a.b.c.d): write the IPv4 CIDR`;
  }
  const canonical = canonicalCidr(value);
  if (hasHostBits(value)) {
    return `${quote(value)} must not have bits set beyond the prefix length: did you mean ${quote(canonical)}?`;
  }
  if (canonical !== value) {
    return `${quote(value)} must be in canonical form (${quote(canonical)}): the API server warns about any other spelling of an IPv6 CIDR`;
  }
  return undefined;
}

/** IPv4 with leading zeros in octets, which Go's lenient parser (and the API server) still accept. */
function isLegacyIPv4(address: string): boolean {
  const octets = address.split('.');
  return octets.length === 4 && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255);
}

// ---- Small helpers (shared with src/verify/readers/load.ts) ----------------------------------------

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function field(value: unknown, ...path: Segment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') current = Array.isArray(current) ? current[segment] : undefined;
    else current = isRecord(current) ? current[segment] : undefined;
  }
  return current;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

export function quote(text: string): string {
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
export function closest(name: string, candidates: string[]): string | undefined {
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
export function formatPath(path: Segment[]): string {
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
