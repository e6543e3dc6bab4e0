// A small NetworkPolicy evaluator for tests: given rendered policies and a workload inventory, is
// a connection (source → destination, port/protocol) allowed by Kubernetes' NetworkPolicy rules?
//
// Usage:
//   const inventory = loadInventory(readFileSync(FIXTURE, 'utf8'));
//   const cluster = { namespaces: inventory.namespaces, policies: toNetworkPolicies(parseManifests(out.stdout)) };
//   const read = inventory.pods.find((p) => p.name === 'fineract-read')!;
//   const internet = external('internet', '8.8.8.8');
//   isAllowed(cluster, read, internet, 443, 'TCP'); // → true: egress at the source AND ingress at the destination
//
// Semantics implemented (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
// - A pod is isolated for a direction when some policy of its namespace selects it (spec.podSelector)
//   and lists that direction in policyTypes (absent policyTypes: Ingress, plus Egress when
//   spec.egress is set). A pod no such policy selects is non-isolated: everything is allowed.
// - An isolated pod allows the union of the rules of every policy selecting it.
// - A connection needs egress allowed at the source AND ingress allowed at the destination.
//   External addresses are governed by no policy (both of their sides always allow).
// - A rule with no (or empty) from/to matches every peer; with no (or empty) ports, every port.
// - Peer items: podSelector alone = pods of the policy's namespace; namespaceSelector alone = all
//   pods of the matching namespaces; both in one item = pods matching podSelector in namespaces
//   matching namespaceSelector (AND). ipBlock matches only external addresses here: cidr contains
//   the address and no `except` does.
// - Ports: protocol defaults to TCP; a numeric port with endPort is the range port..endPort; a
//   named port is resolved against the destination pod's containerPorts (name and protocol), and
//   never matches an external destination; a port entry without port means every port of its
//   protocol.
import { parseAllDocuments } from 'yaml';

export type Labels = Record<string, string>;
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export type LabelSelectorRequirement = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
};
export type LabelSelector = { matchLabels?: Labels | null; matchExpressions?: LabelSelectorRequirement[] | null };

export type IPBlock = { cidr: string; except?: string[] };
export type PolicyPeer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: IPBlock };
export type PolicyPort = { port?: number | string; endPort?: number; protocol?: Protocol };
export type IngressRule = { from?: PolicyPeer[]; ports?: PolicyPort[] };
export type EgressRule = { to?: PolicyPeer[]; ports?: PolicyPort[] };

export type NetworkPolicy = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: IngressRule[];
    egress?: EgressRule[];
  };
};

export type ContainerPort = { name?: string; containerPort: number; protocol: Protocol };

/** A pod (one pod template of the inventory; replicas share labels, so one stands for all). */
export type PodEndpoint = { kind: 'pod'; name: string; namespace: string; labels: Labels; ports: ContainerPort[] };
/** An address outside the cluster. */
export type ExternalEndpoint = { kind: 'external'; name: string; ip: string };
export type Endpoint = PodEndpoint | ExternalEndpoint;

export type Inventory = { namespaces: Record<string, Labels>; pods: PodEndpoint[] };
export type Cluster = { namespaces: Record<string, Labels>; policies: NetworkPolicy[] };

/** The fields of an inventory object this evaluator reads. */
type InventoryObject = {
  kind?: string;
  metadata?: { name: string; namespace?: string; labels?: Labels };
  spec?: {
    template?: {
      metadata?: { labels?: Labels };
      spec?: { containers?: { ports?: { name?: string; containerPort: number; protocol?: Protocol }[] }[] };
    };
  };
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/**
 * Namespaces (with their labels) and pods (the pod templates of Deployments, StatefulSets, … with
 * their namespace) of a multi-document inventory such as /work/shared/fixtures/fineract-workloads.yaml.
 */
export function loadInventory(text: string): Inventory {
  const namespaces: Record<string, Labels> = {};
  const pods: PodEndpoint[] = [];
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as InventoryObject | null;
    if (!obj?.metadata) continue;
    if (obj.kind === 'Namespace') {
      namespaces[obj.metadata.name] = { ...obj.metadata.labels };
    } else if (obj.kind && WORKLOAD_KINDS.has(obj.kind)) {
      const template = obj.spec?.template;
      if (!template) throw new Error(`${obj.kind} ${obj.metadata.name} has no pod template`);
      const ports: ContainerPort[] = [];
      for (const container of template.spec?.containers ?? []) {
        for (const p of container.ports ?? []) {
          ports.push({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' });
        }
      }
      pods.push({
        kind: 'pod',
        name: obj.metadata.name,
        namespace: obj.metadata.namespace ?? 'default',
        labels: { ...template.metadata?.labels },
        ports,
      });
    }
  }
  return { namespaces, pods };
}

/** An external endpoint (an address outside the cluster), e.g. external('internet', '8.8.8.8'). */
export function external(name: string, ip: string): ExternalEndpoint {
  return { kind: 'external', name, ip };
}

/**
 * The NetworkPolicies among rendered objects; a policy without metadata.namespace gets
 * `defaultNamespace` (what `kubectl apply -n` would do).
 */
export function toNetworkPolicies(objects: Record<string, unknown>[], defaultNamespace?: string): NetworkPolicy[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => {
      const policy = o as unknown as NetworkPolicy;
      const namespace = policy.metadata.namespace ?? defaultNamespace;
      return { ...policy, metadata: { ...policy.metadata, namespace } };
    });
}

/** Whether a LabelSelector matches a set of labels ({} or missing fields match everything). */
export function matchesSelector(selector: LabelSelector | null | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`Unknown label selector operator ${String((req as { operator: unknown }).operator)}`);
    }
  }
  return true;
}

/** The policies that select `pod` and isolate it for `direction`. */
export function policiesIsolating(
  cluster: Cluster,
  pod: PodEndpoint,
  direction: 'Ingress' | 'Egress',
): NetworkPolicy[] {
  return cluster.policies.filter(
    (policy) =>
      policy.metadata.namespace === pod.namespace &&
      matchesSelector(policy.spec.podSelector, pod.labels) &&
      policyTypes(policy).includes(direction),
  );
}

/** spec.policyTypes, or its API-server default when absent. */
export function policyTypes(policy: NetworkPolicy): ('Ingress' | 'Egress')[] {
  if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Whether one peer item of a policy in `policyNamespace` matches the endpoint. */
export function peerMatches(
  peer: PolicyPeer,
  policyNamespace: string,
  endpoint: Endpoint,
  namespaces: Record<string, Labels>,
): boolean {
  if (peer.ipBlock) {
    if (endpoint.kind !== 'external') return false;
    return (
      cidrContains(peer.ipBlock.cidr, endpoint.ip) &&
      !(peer.ipBlock.except ?? []).some((except) => cidrContains(except, endpoint.ip))
    );
  }
  if (endpoint.kind !== 'pod') return false;
  if (peer.namespaceSelector) {
    const nsLabels = namespaces[endpoint.namespace];
    if (!nsLabels) throw new Error(`Namespace ${endpoint.namespace} of pod ${endpoint.name} is not in the inventory`);
    if (!matchesSelector(peer.namespaceSelector, nsLabels)) return false;
  } else if (endpoint.namespace !== policyNamespace) {
    return false;
  }
  // podSelector missing (with a namespaceSelector): every pod of those namespaces.
  return matchesSelector(peer.podSelector, endpoint.labels);
}

/** Whether one port entry of a rule matches `port`/`protocol` towards `destination`. */
export function portMatches(entry: PolicyPort, destination: Endpoint, port: number, protocol: Protocol): boolean {
  if ((entry.protocol ?? 'TCP') !== protocol) return false;
  if (entry.port === undefined || entry.port === null) return true;
  if (typeof entry.port === 'string') {
    if (destination.kind !== 'pod') return false;
    return destination.ports.some((p) => p.name === entry.port && p.protocol === protocol && p.containerPort === port);
  }
  const end = entry.endPort ?? entry.port;
  return port >= entry.port && port <= end;
}

function ruleMatches(
  peers: PolicyPeer[] | undefined,
  ports: PolicyPort[] | undefined,
  policyNamespace: string,
  peer: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
  namespaces: Record<string, Labels>,
): boolean {
  const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, policyNamespace, peer, namespaces));
  const portOk = !ports || ports.length === 0 || ports.some((p) => portMatches(p, destination, port, protocol));
  return peerOk && portOk;
}

/** Whether the source side lets `source` send to `destination` (true when the source is non-isolated or external). */
export function egressAllows(
  cluster: Cluster,
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  if (source.kind !== 'pod') return true;
  const policies = policiesIsolating(cluster, source, 'Egress');
  if (policies.length === 0) return true;
  return policies.some((policy) =>
    (policy.spec.egress ?? []).some((rule) =>
      ruleMatches(
        rule.to,
        rule.ports,
        policy.metadata.namespace!,
        destination,
        destination,
        port,
        protocol,
        cluster.namespaces,
      ),
    ),
  );
}

/** Whether the destination side lets `destination` receive from `source` (true when non-isolated or external). */
export function ingressAllows(
  cluster: Cluster,
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  if (destination.kind !== 'pod') return true;
  const policies = policiesIsolating(cluster, destination, 'Ingress');
  if (policies.length === 0) return true;
  return policies.some((policy) =>
    (policy.spec.ingress ?? []).some((rule) =>
      ruleMatches(
        rule.from,
        rule.ports,
        policy.metadata.namespace!,
        source,
        destination,
        port,
        protocol,
        cluster.namespaces,
      ),
    ),
  );
}

/** Whether a connection source → destination on port/protocol is allowed: egress at the source AND ingress at the destination. */
export function isAllowed(
  cluster: Cluster,
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  return (
    egressAllows(cluster, source, destination, port, protocol) &&
    ingressAllows(cluster, source, destination, port, protocol)
  );
}

/** The inventory pods a peer item of a policy in `policyNamespace` matches, by name (sorted). */
export function podsMatchingPeer(peer: PolicyPeer, policyNamespace: string, inventory: Inventory): string[] {
  return inventory.pods
    .filter((pod) => peerMatches(peer, policyNamespace, pod, inventory.namespaces))
    .map((pod) => pod.name)
    .sort();
}

/** The inventory pods a policy's spec.podSelector selects, by name (sorted). */
export function podsSelectedBy(policy: NetworkPolicy, inventory: Inventory): string[] {
  return inventory.pods
    .filter(
      (pod) => pod.namespace === policy.metadata.namespace && matchesSelector(policy.spec.podSelector, pod.labels),
    )
    .map((pod) => pod.name)
    .sort();
}

/** Whether `ip` (IPv4 or IPv6) lies in `cidr`; addresses of different families never match. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, lengthText] = cidr.split('/');
  const network = parseIp(base ?? '');
  const address = parseIp(ip);
  if (network.bits !== address.bits) return false;
  const length = Number(lengthText ?? network.bits);
  const shift = BigInt(network.bits - length);
  return network.value >> shift === address.value >> shift;
}

function parseIp(text: string): { value: bigint; bits: 32 | 128 } {
  if (!text.includes(':')) {
    const parts = text.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw new Error(`Not an IPv4 address: ${text}`);
    }
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) throw new Error(`Not an IPv6 address: ${text}`);
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
}
