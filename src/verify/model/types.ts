// The inputs of the analyzer, in Kubernetes' own shapes (networking.k8s.io/v1 NetworkPolicy and
// the parts of Namespaces and pod templates that NetworkPolicy semantics look at).

export type Labels = Record<string, string>;

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export type LabelSelectorRequirement = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
};

export type LabelSelector = {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
};

export type IPBlock = { cidr: string; except?: string[] };

/** A DNS name (`matchName`) or pattern (`matchPattern`) of a Cilium toFQDNs rule: exactly one is set. */
export type FqdnSelector = { matchName?: string; matchPattern?: string };

/**
 * A peer item. NetworkPolicy sets podSelector and/or namespaceSelector, or ipBlock; the Cilium
 * reader (src/verify/readers/cilium/) also writes the symbolic peers, alone in their item: `fqdn` (a
 * toFQDNs selector, egress only) and `entity` (a Cilium entity: world, kube-apiserver, host,
 * cluster, all …; see ENTITY_MEANINGS there).
 */
export type NetworkPolicyPeer = {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
  fqdn?: FqdnSelector;
  entity?: string;
};

export type NetworkPolicyPort = { protocol?: Protocol; port?: number | string; endPort?: number };

/**
 * Where a rule (and each of its peer items) was written, when it is not `ingress[i]` / `egress[i]`
 * with `.from[j]` / `.to[j]` (a CiliumNetworkPolicy rule: `specs[1].egress[0]`, `….toEndpoints[2]`).
 */
export type RuleNames = { name?: string; peerNames?: string[] };

export type IngressRule = { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } & RuleNames;
export type EgressRule = {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
  /**
   * The names of the rule's DNS rules (CiliumNetworkPolicy `toPorts[].rules.dns`): the pod's DNS
   * queries for them go through Cilium's DNS proxy, which is how toFQDNs peers learn addresses.
   */
  dns?: FqdnSelector[];
} & RuleNames;

/** Where an object was read from, for messages: `file:line`. */
export type SourceRef = { file: string; line: number };

export type NetworkPolicy = {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** As written; undefined means "defaulted by the API server" (see policyTypesOf). */
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: IngressRule[];
  egress?: EgressRule[];
  source?: SourceRef;
  /** Set when the policy was read from a cilium.io/v2 CiliumNetworkPolicy (one per rule of spec/specs). */
  cilium?: CiliumOrigin;
};

/**
 * What a CiliumNetworkPolicy rule adds to the NetworkPolicy model: policyTypes are the directions
 * the rule has rules for (Cilium enforces only those), and `defaultDeny` what enableDefaultDeny
 * says for them (false: enforced, yet the direction allows everything unless another policy
 * selecting the pod denies by default).
 */
export type CiliumOrigin = {
  /** `spec` or `specs[i]`: where the rule is in the object. */
  path: string;
  defaultDeny: { ingress: boolean; egress: boolean };
};

export type Namespace = { name: string; labels: Labels };

/** `<namespace>/<name>` of a workload or a policy: how reports, findings and messages name it. */
export function namespacedName(object: { namespace: string; name: string }): string {
  return `${object.namespace}/${object.name}`;
}

export type ContainerPort = { name?: string; containerPort: number; protocol: Protocol };

/** A workload: a bare Pod, or the pod template of a controller (the template is the pod). */
export type Workload = {
  namespace: string;
  name: string;
  kind: string;
  labels: Labels;
  ports: ContainerPort[];
  source?: SourceRef;
};

// ---- Results ---------------------------------------------------------------------------------

export type Severity = 'error' | 'warning' | 'info';

/** Stable finding codes (documented in docs/verify.md). */
export const FINDING_CODES = [
  'policy-selects-nothing',
  'peer-selects-nothing',
  'allow-all-peer',
  'namespace-wide-peer',
  'half-open-flow',
  'unprotected-workload',
  'isolated-workload',
  'component-selects-nothing',
  'undeclared-flow',
  'missing-flow',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export type Finding = {
  code: FindingCode;
  severity: Severity;
  /** What, where, and the fix, in one or two sentences. */
  message: string;
  /** `<namespace>/<name>` of the policy concerned, when there is one. */
  policy?: string;
  /** The rule concerned, as `ingress[0]` / `egress[2]` (and `.from[1]` / `.to[0]` for a peer). */
  rule?: string;
  /**
   * The flows a finding is about (undeclared-flow, missing-flow): sources and destinations as
   * flow end names (`ns/name`, CIDRs), and the ports. For the Mermaid graph; not in the JSON.
   */
  between?: { from: string[]; to: string[]; ports: string };
};

/** One line of the connectivity table: `from`/`to` are `<ns>/<workload>` or a CIDR. */
export type ConnectionRecord = { from: string; to: string; protocol: Protocol; ports: string[] };
