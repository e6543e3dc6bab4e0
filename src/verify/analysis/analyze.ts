// networking.k8s.io/v1 NetworkPolicy semantics, evaluated without a cluster.
//
// - A pod is isolated for ingress (egress) when some policy of its namespace selects it and has
//   Ingress (Egress) among its policyTypes; a non-isolated pod allows everything that direction.
// - Policies are additive: an isolated pod allows the union of the rules of every policy that
//   selects it. A connection needs egress allowed at the source AND ingress at the destination.
// - policyTypes, when omitted, is Ingress plus Egress when the policy has egress rules.
// - A rule with no (or empty) from/to admits every peer; with no (or empty) ports, every port.
// - A peer with podSelector alone selects pods of the policy's namespace; namespaceSelector alone
//   every pod of the selected namespaces; both in one peer item, the pods matching both (AND);
//   separate items are ORed. An ipBlock matches addresses outside the cluster, never pods.
// - A named port resolves against the destination pod's container ports (name and protocol).
// - CiliumNetworkPolicies are read into the same model (src/verify/readers/cilium/): a policy whose
//   `cilium.defaultDeny` is false for a direction does not isolate the pod (Cilium then allows
//   every peer unless another selecting policy denies by default), and symbolic endpoints —
//   `fqdn:<name or pattern>` (destinations only) and `entity:<name>` — are matched by the
//   symbolic peers naming them, by `entity: all`, and by rules without peers; never by ipBlocks.
//   `entity:host` (the pod's node) may always reach the pod, as Cilium allows in Kubernetes. A
//   toFQDNs peer allows only names the pod resolves through Cilium's DNS proxy (a rules.dns).
//
// Pods are evaluated per label-equivalence class (same namespace, labels and named ports), and
// external addresses per atom (see addresses.ts), so cost grows with distinct label sets, not pods.
//
// Usage: const analysis = analyze({ policies, namespaces, workloads });
//        analysis.allowed({kind: 'pod', cls: a}, {kind: 'pod', cls: b})  // PortSet
//        for (const c of analysis.connections()) …
import { compareText, sortedEntries } from '../../order.ts';
import { type AddressRange } from '../../model/cidr.ts';
import { AddressSpace, inBlock } from '../model/addresses.ts';
import {
  dnsRuleCovers,
  entityMatchesAddresses,
  entityMatchesPods,
  isDestinationOnly,
  peerMatchesSymbol,
  symbolsOfPeer,
} from '../model/cilium-symbols.ts';
import { PortSet } from '../model/ports.ts';
import { matchesSelector } from '../model/selectors.ts';
import type {
  ContainerPort,
  EgressRule,
  FqdnSelector,
  IngressRule,
  Labels,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Workload,
} from '../model/types.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The node a pod runs on, as Cilium's `host` entity: it may always reach the pod (allow-localhost). */
const HOST_SYMBOL = 'entity:host';

/** Pods that NetworkPolicy semantics cannot tell apart. */
export type PodClass = {
  id: number;
  namespace: string;
  namespaceLabels: Labels;
  labels: Labels;
  ports: ContainerPort[];
  workloads: Workload[];
};

export type PodEndpoint = { kind: 'pod'; cls: PodClass };
/** A range of external addresses that every policy treats alike: atom `index` of the analysis. */
export type AddressEndpoint = { kind: 'ip'; atom: AddressRange; index: number };
/** A symbolic endpoint of Cilium policies: `fqdn:<name or pattern>` or `entity:<name>`. */
export type SymbolEndpoint = { kind: 'symbol'; name: string };
export type Endpoint = PodEndpoint | AddressEndpoint | SymbolEndpoint;

export type Direction = 'ingress' | 'egress';

/** One rule of one policy, with what it matches precomputed. */
export type RuleRef = {
  policy: NetworkPolicy;
  direction: Direction;
  index: number;
  /** How messages name the rule: `ingress[0]`, or where a CiliumNetworkPolicy wrote it (`specs[1].egress[0]`). */
  name: string;
  /** How messages name each peer item: `ingress[0].from[1]`, `egress[2].toEndpoints[0]`. */
  peerNames: string[];
  peers: NetworkPolicyPeer[] | undefined;
  ports: NetworkPolicyPort[] | undefined;
  /** The names of its DNS rules (CiliumNetworkPolicy rules.dns), if any. */
  dns: FqdnSelector[] | undefined;
  /** matchesClass[c.id]: does a peer of the rule match pod class c. */
  matchesClass: Uint8Array;
  /** matchesAtom[i]: does a peer of the rule match external atom i. */
  matchesAtom: Uint8Array;
  /** The rule's ports when they contain no named port (same for every destination). */
  fixedPorts: PortSet | undefined;
};

export type AnalysisInput = {
  policies: NetworkPolicy[];
  namespaces: Namespace[];
  workloads: Workload[];
  /** More CIDRs to split the external address space at (so two analyses share their atoms). */
  cidrs?: string[];
  /** More symbolic endpoints (`fqdn:…`, `entity:…`) to evaluate, such as the ones values declare. */
  symbols?: string[];
};

export type Connection = { from: Endpoint; to: Endpoint; ports: PortSet };

export class Analysis {
  readonly classes: PodClass[];
  readonly atoms: readonly AddressRange[];
  /** The symbolic endpoints: those the policies name and those of the input, sorted. */
  readonly symbols: readonly string[];
  readonly policies: NetworkPolicy[];
  readonly rules: RuleRef[];
  /** Policies selecting each class, by class id. */
  readonly selecting: { ingress: NetworkPolicy[]; egress: NetworkPolicy[] }[];
  private readonly ingressRules: RuleRef[][];
  private readonly egressRules: RuleRef[][];
  /** The classes of each namespace, in id order. */
  private readonly classesByNamespace = new Map<string, PodClass[]>();
  /** The index in `rules` of each rule that matches some external atom, for atomKey. */
  private readonly atomRuleIds = new Map<RuleRef, number>();
  /** The class ids each rule matches, listed on demand from matchesClass. */
  private readonly matchedIds = new Map<RuleRef, number[]>();
  /** Whether each rule matches a symbolic endpoint, by name, computed on demand. */
  private readonly symbolMatches = new Map<RuleRef, Map<string, boolean>>();

  constructor(input: AnalysisInput) {
    this.policies = input.policies;
    this.classes = groupClasses(input.workloads, input.namespaces);
    for (const cls of this.classes) {
      const inNamespace = this.classesByNamespace.get(cls.namespace);
      if (inNamespace) inNamespace.push(cls);
      else this.classesByNamespace.set(cls.namespace, [cls]);
    }
    this.atoms = AddressSpace.from([...blockCidrs(input.policies), ...(input.cidrs ?? [])]).atoms;
    this.symbols = [...new Set([...policySymbols(input.policies), ...(input.symbols ?? [])])].sort(compareText);
    this.rules = input.policies.flatMap((policy) => [
      ...(policy.ingress ?? []).map((rule, index) => this.ruleRef(policy, 'ingress', index, rule)),
      ...(policy.egress ?? []).map((rule, index) => this.ruleRef(policy, 'egress', index, rule)),
    ]);
    this.rules.forEach((rule, i) => {
      if (rule.matchesAtom.includes(1)) this.atomRuleIds.set(rule, i);
    });
    this.selecting = this.classes.map(() => ({ ingress: [], egress: [] }));
    this.ingressRules = this.classes.map(() => []);
    this.egressRules = this.classes.map(() => []);
    const rulesOf = new Map<NetworkPolicy, RuleRef[]>();
    for (const rule of this.rules) rulesOf.set(rule.policy, [...(rulesOf.get(rule.policy) ?? []), rule]);
    for (const policy of input.policies) {
      const types = policyTypesOf(policy);
      // A policy selects pods of its own namespace only.
      for (const cls of this.classesByNamespace.get(policy.namespace) ?? []) {
        if (!selects(policy, cls)) continue;
        const rules = rulesOf.get(policy) ?? [];
        for (const direction of ['ingress', 'egress'] as const) {
          if (!types.includes(direction)) continue;
          this.selecting[cls.id]?.[direction].push(policy);
          const target = direction === 'ingress' ? this.ingressRules[cls.id] : this.egressRules[cls.id];
          target?.push(...rules.filter((r) => r.direction === direction));
        }
      }
    }
  }

  /**
   * Is the class isolated in that direction: selected by a policy enforcing it that denies by
   * default (every NetworkPolicy; a CiliumNetworkPolicy unless enableDefaultDeny says false)?
   */
  isolated(cls: PodClass, direction: Direction): boolean {
    return (this.selecting[cls.id]?.[direction] ?? []).some((p) => p.cilium?.defaultDeny[direction] !== false);
  }

  /**
   * What the source's egress side allows towards the destination (everything if not isolated).
   * Towards an FQDN, a toFQDNs peer counts only when the pod resolves the name through Cilium's
   * DNS proxy (one of its egress rules has a DNS rule naming it): that is how Cilium learns the
   * name's addresses. A rule admitting every peer needs no name.
   */
  egressAllowed(from: PodClass, to: Endpoint): PortSet {
    if (!this.isolated(from, 'egress')) return PortSet.all();
    const rules = this.egressRules[from.id] ?? [];
    if (to.kind !== 'symbol' || !isDestinationOnly(to.name) || this.resolves(from, to.name)) {
      return this.unionOf(rules, to, to);
    }
    return this.unionOf(
      rules.filter((rule) => !rule.peers || rule.peers.length === 0 || rule.peers.some((p) => p.entity === 'all')),
      to,
      to,
    );
  }

  /** Does the class resolve the FQDN through Cilium's DNS proxy (a DNS rule of its egress rules names it)? */
  resolves(cls: PodClass, symbol: string): boolean {
    return (this.egressRules[cls.id] ?? []).some((rule) =>
      (rule.dns ?? []).some((name) => dnsRuleCovers(name, symbol)),
    );
  }

  /** What the destination's ingress side allows from the source (everything if not isolated). */
  ingressAllowed(from: Endpoint, to: PodClass): PortSet {
    if (!this.isolated(to, 'ingress')) return PortSet.all();
    // Cilium in Kubernetes always lets the node reach its own pods (allow-localhost: the kubelet's probes).
    if (from.kind === 'symbol' && from.name === HOST_SYMBOL) return PortSet.all();
    return this.unionOf(this.ingressRules[to.id] ?? [], from, { kind: 'pod', cls: to });
  }

  /** What is allowed from one endpoint to another: egress at the source AND ingress at the destination. */
  allowed(from: Endpoint, to: Endpoint): PortSet {
    if (from.kind !== 'pod' && to.kind !== 'pod') return PortSet.none();
    if (from.kind === 'symbol' && isDestinationOnly(from.name)) return PortSet.none();
    const egress = from.kind === 'pod' ? this.egressAllowed(from.cls, to) : PortSet.all();
    if (egress.isEmpty()) return egress;
    const ingress = to.kind === 'pod' ? this.ingressAllowed(from, to.cls) : PortSet.all();
    return egress.intersect(ingress);
  }

  /**
   * The ids of the pod classes that some ingress rule of `to` matches, in no particular order, or
   * undefined when `to` is not isolated for ingress (every class may then reach it). For any other
   * class `from`, allowed(from, to) is empty, so loops over class pairs can skip the pair.
   */
  ingressCandidates(to: PodClass): readonly number[] | undefined {
    if (!this.isolated(to, 'ingress')) return undefined;
    const rules = this.ingressRules[to.id] ?? [];
    if (rules.length === 1) return this.matchedClassIds(rules[0] as RuleRef);
    const seen = new Uint8Array(this.classes.length);
    const ids: number[] = [];
    for (const rule of rules) {
      for (const id of this.matchedClassIds(rule)) {
        if (seen[id]) continue;
        seen[id] = 1;
        ids.push(id);
      }
    }
    return ids;
  }

  /**
   * A key that two classes share when their connectivity with every external atom, in that
   * direction (egress: towards the atoms; ingress: from them), is the same by construction: the
   * same rules matching external addresses apply to both (a rule that matches no atom adds
   * nothing), or neither is isolated. When such an ingress rule names a port (which resolves
   * against the class's own container ports), the key is the class's alone.
   */
  atomKey(cls: PodClass, direction: Direction): string {
    if (!this.isolated(cls, direction)) return 'open';
    const rules = (direction === 'ingress' ? this.ingressRules[cls.id] : this.egressRules[cls.id]) ?? [];
    const relevant = rules.filter((rule) => this.atomRuleIds.has(rule));
    const ids = relevant.map((rule) => this.atomRuleIds.get(rule)).join(',');
    const named = direction === 'ingress' && relevant.some((rule) => rule.fixedPorts === undefined);
    return named ? `rules ${ids} class ${cls.id}` : `rules ${ids}`;
  }

  private matchedClassIds(rule: RuleRef): readonly number[] {
    let ids = this.matchedIds.get(rule);
    if (!ids) {
      ids = [];
      for (let id = 0; id < rule.matchesClass.length; id += 1) if (rule.matchesClass[id]) ids.push(id);
      this.matchedIds.set(rule, ids);
    }
    return ids;
  }

  /** Every endpoint: pod classes first, then external atoms, then symbolic endpoints. */
  endpoints(): Endpoint[] {
    return [...this.podEndpoints(), ...this.addressEndpoints(), ...this.symbolEndpoints()];
  }

  /** The symbolic endpoints (`fqdn:…`, `entity:…`), sorted by name. */
  symbolEndpoints(): SymbolEndpoint[] {
    return this.symbols.map((name) => ({ kind: 'symbol', name }));
  }

  /** Does a rule's peer list admit the endpoint? */
  ruleMatches(rule: RuleRef, endpoint: Endpoint): boolean {
    if (endpoint.kind === 'pod') return rule.matchesClass[endpoint.cls.id] === 1;
    if (endpoint.kind === 'ip') return rule.matchesAtom[endpoint.index] === 1;
    let known = this.symbolMatches.get(rule);
    if (!known) this.symbolMatches.set(rule, (known = new Map<string, boolean>()));
    let matched = known.get(endpoint.name);
    if (matched === undefined) {
      matched = peersMatch(rule.peers, rule.policy.namespace, endpoint);
      known.set(endpoint.name, matched);
    }
    return matched;
  }

  /** The pod classes as endpoints. */
  podEndpoints(): PodEndpoint[] {
    return this.classes.map((cls) => ({ kind: 'pod', cls }));
  }

  /** The external atoms as endpoints, in address order. */
  addressEndpoints(): AddressEndpoint[] {
    return this.atoms.map((atom, index) => ({ kind: 'ip', atom, index }));
  }

  /** Every allowed (non-empty) connection between endpoints, pod classes and atoms. */
  *connections(): Generator<Connection> {
    const endpoints = this.endpoints();
    for (const from of endpoints) {
      for (const to of endpoints) {
        const ports = this.allowed(from, to);
        if (!ports.isEmpty()) yield { from, to, ports };
      }
    }
  }

  /** The union of the ports the rules allow between `peer` (matched by the rules) and `destination`. */
  private unionOf(rules: RuleRef[], peer: Endpoint, destination: Endpoint): PortSet {
    let result = PortSet.none();
    for (const rule of rules) {
      if (!this.ruleMatches(rule, peer)) continue;
      result = result.union(rule.fixedPorts ?? portsOf(rule.ports, destination));
      if (result.isAll()) break;
    }
    return result;
  }

  /**
   * matchesClass of a rule: peersMatch for every class, with each peer's namespace part evaluated
   * once per namespace (all classes of a namespace have its labels) rather than once per class.
   */
  private matchClasses(peers: NetworkPolicyPeer[] | undefined, policyNamespace: string): Uint8Array {
    const matches = new Uint8Array(this.classes.length);
    if (!peers || peers.length === 0) return matches.fill(1);
    for (const peer of peers) {
      if (peer.ipBlock || peer.fqdn) continue; // matches external addresses only
      if (peer.entity !== undefined) {
        if (entityMatchesPods(peer.entity)) matches.fill(1);
        continue;
      }
      for (const [namespace, classes] of this.classesByNamespace) {
        const namespaceLabels = (classes[0] as PodClass).namespaceLabels;
        const inNamespace = peer.namespaceSelector
          ? matchesSelector(peer.namespaceSelector, namespaceLabels)
          : namespace === policyNamespace;
        if (!inNamespace) continue;
        for (const cls of classes) {
          if (!matches[cls.id] && matchesSelector(peer.podSelector, cls.labels)) matches[cls.id] = 1;
        }
      }
    }
    return matches;
  }

  private ruleRef(policy: NetworkPolicy, direction: Direction, index: number, rule: IngressRule | EgressRule): RuleRef {
    const peers = direction === 'ingress' ? (rule as IngressRule).from : (rule as EgressRule).to;
    const ports = rule.ports;
    const matchesClass = this.matchClasses(peers, policy.namespace);
    const matchesAtom = new Uint8Array(this.atoms.length);
    this.atoms.forEach((atom, i) => {
      matchesAtom[i] = peersMatch(peers, policy.namespace, { kind: 'ip', atom, index: i }) ? 1 : 0;
    });
    const named = (ports ?? []).some((p) => typeof p.port === 'string');
    const name = rule.name ?? `${direction}[${index}]`;
    const field = direction === 'ingress' ? 'from' : 'to';
    return {
      policy,
      direction,
      index,
      name,
      peerNames: (peers ?? []).map((_, i) => rule.peerNames?.[i] ?? `${name}.${field}[${i}]`),
      peers,
      dns: direction === 'egress' ? (rule as EgressRule).dns : undefined,
      ports,
      matchesClass,
      matchesAtom,
      fixedPorts: named ? undefined : portsOf(ports, undefined),
    };
  }
}

export function analyze(input: AnalysisInput): Analysis {
  return new Analysis(input);
}

/**
 * The (source, destination) workload pairs of two pod classes, each workload with every other one
 * (a workload's connections to itself, between its own replicas, are not a pair).
 */
export function* workloadPairs(from: PodClass, to: PodClass): Generator<[Workload, Workload]> {
  for (const source of from.workloads) {
    for (const destination of to.workloads) {
      if (source !== destination) yield [source, destination];
    }
  }
}

/** policyTypes as the API server defaults them: Ingress, plus Egress when there are egress rules. */
export function policyTypesOf(policy: NetworkPolicy): Direction[] {
  if (policy.policyTypes && policy.policyTypes.length > 0) {
    return policy.policyTypes.map((t) => (t === 'Ingress' ? 'ingress' : 'egress'));
  }
  return (policy.egress ?? []).length > 0 ? ['ingress', 'egress'] : ['ingress'];
}

export function selects(policy: NetworkPolicy, cls: PodClass): boolean {
  return cls.namespace === policy.namespace && matchesSelector(policy.podSelector, cls.labels);
}

/** Does a rule's peer list admit the endpoint (a missing or empty list admits everything)? */
export function peersMatch(
  peers: NetworkPolicyPeer[] | undefined,
  policyNamespace: string,
  endpoint: Endpoint,
): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => peerMatches(peer, policyNamespace, endpoint));
}

export function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (endpoint.kind === 'symbol') return peerMatchesSymbol(peer, endpoint.name);
  if (peer.ipBlock) return endpoint.kind === 'ip' && inBlock(peer.ipBlock, endpoint.atom);
  if (peer.fqdn) return false;
  if (peer.entity !== undefined) {
    return endpoint.kind === 'pod' ? entityMatchesPods(peer.entity) : entityMatchesAddresses(peer.entity);
  }
  if (endpoint.kind !== 'pod') return false;
  const { cls } = endpoint;
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, cls.namespaceLabels)) return false;
  } else if (cls.namespace !== policyNamespace) {
    return false;
  }
  return matchesSelector(peer.podSelector, cls.labels);
}

/**
 * The ports of a rule towards a destination: every port when the list is missing or empty;
 * a port without number means every port of its protocol; a named port resolves against the
 * destination pod's container ports (never for an external destination).
 */
export function portsOf(ports: NetworkPolicyPort[] | undefined, destination: Endpoint | undefined): PortSet {
  if (!ports || ports.length === 0) return PortSet.all();
  let result = PortSet.none();
  for (const p of ports) {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) {
      result = result.union(PortSet.allOf(protocol));
    } else if (typeof p.port === 'number') {
      result = result.union(PortSet.of(protocol, p.port, p.endPort ?? p.port));
    } else if (destination?.kind === 'pod') {
      for (const cp of destination.cls.ports) {
        if (cp.name === p.port && cp.protocol === protocol)
          result = result.union(PortSet.of(protocol, cp.containerPort));
      }
    }
  }
  return result;
}

/** Namespace labels: the inventory's, always with the automatic kubernetes.io/metadata.name. */
export function namespaceLabels(name: string, namespaces: Namespace[]): Labels {
  const known = namespaces.find((n) => n.name === name);
  return { ...(known?.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
}

function groupClasses(workloads: Workload[], namespaces: Namespace[]): PodClass[] {
  const byKey = new Map<string, PodClass>();
  for (const w of workloads) {
    const ports = [...w.ports].sort(
      (a, b) =>
        a.containerPort - b.containerPort ||
        a.protocol.localeCompare(b.protocol) ||
        (a.name ?? '').localeCompare(b.name ?? ''),
    );
    const key = JSON.stringify([
      w.namespace,
      sortedEntries(w.labels),
      ports.filter((p) => p.name).map((p) => [p.name, p.containerPort, p.protocol]),
    ]);
    let cls = byKey.get(key);
    if (!cls) {
      cls = {
        id: byKey.size,
        namespace: w.namespace,
        namespaceLabels: namespaceLabels(w.namespace, namespaces),
        labels: w.labels,
        ports,
        workloads: [],
      };
      byKey.set(key, cls);
    }
    cls.workloads.push(w);
  }
  return [...byKey.values()];
}

/** Every peer item of every rule of the policies (ingress `from`, egress `to`), in order. */
function* policyPeers(policies: NetworkPolicy[]): Generator<NetworkPolicyPeer> {
  for (const policy of policies) {
    for (const rule of policy.ingress ?? []) yield* rule.from ?? [];
    for (const rule of policy.egress ?? []) yield* rule.to ?? [];
  }
}

/** Every symbolic endpoint the policies' peers name (`fqdn:…`, `entity:…`), sorted, once each. */
export function policySymbols(policies: NetworkPolicy[]): string[] {
  const symbols = new Set<string>();
  for (const peer of policyPeers(policies)) for (const s of symbolsOfPeer(peer)) symbols.add(s);
  return [...symbols].sort(compareText);
}

/** Every ipBlock cidr and except of the policies. */
export function blockCidrs(policies: NetworkPolicy[]): string[] {
  const cidrs: string[] = [];
  for (const peer of policyPeers(policies)) {
    if (peer.ipBlock) cidrs.push(peer.ipBlock.cidr, ...(peer.ipBlock.except ?? []));
  }
  return cidrs;
}
