// cilium.io/v2 CiliumNetworkPolicy, read into the analyzer's NetworkPolicy model (src/verify/model/types.ts),
// with the semantics of Cilium v1.20.2 (pkg/policy/api, pkg/policy/utils/parserules.go,
// pkg/policy/repository.go, pkg/k8s/apis/cilium.io/utils/utils.go), so that analysis, findings,
// intent checks and diff need no second analyzer. What is not modelled is refused, never skipped:
// a wrong verdict is worse than none.
//
// One internal policy per rule of `spec` and of `specs` (Cilium applies them all):
// - endpointSelector selects pods of the policy's namespace (Cilium adds the namespace itself);
//   namespace keys there are refused.
// - A direction is enforced when the rule has rules for it (`ingress: [{}]` enforces and allows
//   nothing); policyTypes records those directions. enableDefaultDeny.<direction> (default true)
//   false: enforced, but the direction allows everything unless another policy selecting the pod
//   denies by default (Cilium then adds an allow-all rule) — CiliumOrigin.defaultDeny.
// - A rule's peers: fromEndpoints/toEndpoints (label selectors, see below), fromCIDR/toCIDR
//   (a CIDR or one address), fromCIDRSet/toCIDRSet (cidr + except), fromEntities/toEntities and
//   toFQDNs (symbolic peers: `entity`, `fqdn`). Cilium refuses two of these in one rule.
//   - no L3 field (or only an empty toFQDNs list, which Cilium does not treat as "nothing") and
//     toPorts: every peer on those ports (the NetworkPolicy `to: []`); no L3 field and no toPorts
//     (`{}`): nothing;
//   - an explicit empty list of endpoints, CIDRs, CIDR sets or entities: nothing;
//   - L3 without toPorts (or with `toPorts: []`): every port; toPorts whose items list no port: nothing.
// - Endpoint selector keys carry a source prefix (`k8s:`, `any:` or none: the same for pod labels;
//   `reserved:` and other sources are refused). `io.kubernetes.pod.namespace` is the namespace by
//   name (namespaceSelector on kubernetes.io/metadata.name), `io.cilium.k8s.namespace.labels.<key>`
//   a namespace label; without either, the policy's namespace (a NetworkPolicy podSelector peer).
//   `io.cilium.k8s.policy.*` (service account, cluster) is refused. Pod labels Cilium leaves out of
//   identities with its default label filter (CILIUM_IGNORED_LABEL_KEY) cannot be selected:
//   a requirement that the label exists or has a value selects nothing, one that it is absent or
//   has none of some values always holds (a note says so).
// - toPorts[].ports[]: port a string ("0": every port; a number; a container port name, resolved
//   against the destination pod as for NetworkPolicy), endPort, protocol TCP, UDP, SCTP, or ANY /
//   absent (all three). `rules.dns` (egress only): the L4 flow is allowed (a note says so: Cilium's
//   DNS proxy also filters the queries). Every other L7 part (http, listener, TLS, serverNames),
//   ingressDeny/egressDeny, icmps, toServices, toGroups, toNodes/fromNodes, toRequires/fromRequires,
//   authentication and nodeSelector are refused: they change what passes in ways verify does not model.
//
// Symbolic endpoints: an FQDN destination is `fqdn:<matchName or matchPattern>` (lower case, no
// final dot), an entity `entity:<name>`. They are not address ranges (world is not split into
// address atoms): an ipBlock or CIDR peer never matches them, and a symbolic peer matches no
// address atom. What each entity peer matches: ENTITY_MEANINGS.
//
// Usage: const read = readCiliumPolicy(object, 'default', { file: 'cnp.yaml', line: 1 });
//        read.issues   // [{path: ['spec', 'egress', 0, 'toServices'], message: '… not modelled …'}]
//        read.policies // one NetworkPolicy (model) per rule of spec/specs, `cilium` set
//        read.notes    // what the result assumes (a DNS rule counted as its L4 flow, …)
import { isIP } from 'node:net';
import { CILIUM_IGNORED_LABEL_KEY } from '../../model/patterns.ts';
import { addressCidr, canonicalCidr, parseRange, rangeContains } from '../../model/cidr.ts';
import {
  closest,
  describe,
  field,
  isRecord,
  namespaceOf,
  portNameProblem,
  quote,
  readLabels,
  requiredName,
  type KubernetesIssue,
  type Segment,
  UNKNOWN_FIELD_WHY,
} from './kubernetes.ts';
import type {
  FqdnSelector,
  LabelSelector,
  LabelSelectorRequirement,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  SourceRef,
} from '../model/types.ts';

// ---- symbolic endpoints -------------------------------------------------------------------------

export const FQDN_PREFIX = 'fqdn:';
export const ENTITY_PREFIX = 'entity:';

/** Is this flow end (`ns/name`, a CIDR, `fqdn:…`, `entity:…`) a symbolic one? */
export function isSymbolicEnd(name: string): boolean {
  return name.startsWith(FQDN_PREFIX) || name.startsWith(ENTITY_PREFIX);
}

/** `fqdn:<name or pattern>`, lower case, without a final dot (as Cilium compares names). */
export function fqdnSymbol(selector: FqdnSelector): string {
  const text = (selector.matchName ?? selector.matchPattern ?? '').trim().toLowerCase().replace(/\.$/, '');
  return `${FQDN_PREFIX}${text}`;
}

export function entitySymbol(entity: string): string {
  return `${ENTITY_PREFIX}${entity}`;
}

/** Entities that stand for something inside the cluster (what the `cluster` entity covers besides pods). */
const IN_CLUSTER_ENTITIES = ['host', 'remote-node', 'kube-apiserver', 'init', 'ingress', 'health', 'unmanaged'];

/**
 * Every entity Cilium v1.20.2 accepts, what it is (pkg/policy/api/entity.go), and what verify
 * makes of it. Symbolic endpoints (`entity:<name>`) exist for the entities the policies or the
 * values name; `all`, `cluster`, `cluster-mesh` and `none` are not endpoints but sets of them.
 */
export const ENTITY_MEANINGS: Record<string, string> = {
  all: 'everything: every pod, every address, every symbolic endpoint (as a rule without peers)',
  world:
    'everything outside the cluster: the endpoint entity:world, which also covers entity:world-ipv4 and entity:world-ipv6 (never the address atoms of CIDR peers, nor FQDN endpoints: both are kept apart)',
  'world-ipv4': 'the IPv4 part of world: the endpoint entity:world-ipv4',
  'world-ipv6': 'the IPv6 part of world: the endpoint entity:world-ipv6',
  cluster: `every pod of every namespace, and the in-cluster entities (${IN_CLUSTER_ENTITIES.map(entitySymbol).join(', ')})`,
  'cluster-mesh': 'as cluster (verify models one cluster)',
  host: 'the node the pod runs on (kubelet probes come from there): the endpoint entity:host',
  'remote-node': 'the other nodes of the cluster: the endpoint entity:remote-node',
  'kube-apiserver': 'the Kubernetes API server, wherever it runs: the endpoint entity:kube-apiserver',
  init: 'endpoints whose identity Cilium has not resolved yet: the endpoint entity:init',
  ingress: "Cilium's ingress proxy (Envoy): the endpoint entity:ingress",
  health: "Cilium's health-check endpoints: the endpoint entity:health",
  unmanaged: 'pods Cilium does not manage: the endpoint entity:unmanaged',
  none: 'nothing',
};

const ENTITIES = Object.keys(ENTITY_MEANINGS);
const SET_ENTITIES = new Set(['all', 'cluster', 'cluster-mesh', 'none']);

/** The symbolic endpoints a peer names (and so makes exist in an analysis); [] for the others. */
export function symbolsOfPeer(peer: NetworkPolicyPeer): string[] {
  if (peer.fqdn) return [fqdnSymbol(peer.fqdn)];
  if (peer.entity !== undefined && !SET_ENTITIES.has(peer.entity)) return [entitySymbol(peer.entity)];
  return [];
}

/** Is the symbolic endpoint a destination only (an FQDN: Cilium selects names for egress only)? */
export function isDestinationOnly(symbol: string): boolean {
  return symbol.startsWith(FQDN_PREFIX);
}

/**
 * Does a peer item match a symbolic endpoint? An FQDN peer matches the same name or pattern, and
 * the names its pattern matches; an entity peer as ENTITY_MEANINGS says. Pod and ipBlock peers
 * never match one.
 */
export function peerMatchesSymbol(peer: NetworkPolicyPeer, symbol: string): boolean {
  if (peer.entity !== undefined) {
    const entity = peer.entity;
    if (entity === 'all') return true;
    if (entity === 'none' || !symbol.startsWith(ENTITY_PREFIX)) return false;
    const target = symbol.slice(ENTITY_PREFIX.length);
    if (entity === 'cluster' || entity === 'cluster-mesh') return IN_CLUSTER_ENTITIES.includes(target);
    if (entity === 'world') return target === 'world' || target === 'world-ipv4' || target === 'world-ipv6';
    return target === entity;
  }
  if (peer.fqdn) {
    if (!symbol.startsWith(FQDN_PREFIX)) return false;
    const mine = fqdnSymbol(peer.fqdn);
    if (mine === symbol) return true;
    const name = symbol.slice(FQDN_PREFIX.length);
    return (
      peer.fqdn.matchName === undefined &&
      !name.includes('*') &&
      patternRegExp(mine.slice(FQDN_PREFIX.length)).test(name)
    );
  }
  return false;
}

/**
 * Does a DNS rule (rules.dns: matchName or matchPattern) let Cilium's DNS proxy see the queries
 * for the FQDN endpoint? A pattern of stars only covers every name and pattern.
 */
export function dnsRuleCovers(rule: FqdnSelector, symbol: string): boolean {
  if (rule.matchPattern !== undefined && /^\*+\.?$/.test(rule.matchPattern.trim()))
    return symbol.startsWith(FQDN_PREFIX);
  return peerMatchesSymbol({ fqdn: rule }, symbol);
}

/** Does an entity peer match pods (`all`, `cluster`, `cluster-mesh`: every pod of every namespace)? */
export function entityMatchesPods(entity: string): boolean {
  return entity === 'all' || entity === 'cluster' || entity === 'cluster-mesh';
}

/** Does an entity peer match external address atoms (only `all`: world is symbolic)? */
export function entityMatchesAddresses(entity: string): boolean {
  return entity === 'all';
}

const patterns = new Map<string, RegExp>();

/** A toFQDNs matchPattern as Cilium's matchpattern package reads it: `*` within a label, `**.` any subdomains. */
function patternRegExp(pattern: string): RegExp {
  let regexp = patterns.get(pattern);
  if (!regexp) {
    if (/^\*+$/.test(pattern)) {
      regexp = /^[-a-z0-9_]+(\.[-a-z0-9_]+)*$/;
    } else {
      const sub = /^\*{2,}\./.test(pattern);
      const body = (sub ? pattern.replace(/^\*{2,}\./, '') : pattern)
        .replaceAll('.', '\\.')
        .replace(/\*+/g, '[-a-z0-9_]*');
      regexp = new RegExp(`^${sub ? '[-a-z0-9_]+(\\.[-a-z0-9_]+)*\\.' : ''}${body}$`);
    }
    patterns.set(pattern, regexp);
  }
  return regexp;
}

// ---- labels -------------------------------------------------------------------------------------

/**
 * Is this pod label key left out of Cilium identities by the default label filter
 * (CILIUM_IGNORED_LABEL_KEY, shared with the values' checks)? io.kubernetes.pod.namespace is
 * kept: Cilium includes it explicitly (it is the namespace, read before this is asked).
 */
export function ciliumIgnoresLabel(key: string): boolean {
  return key !== NAMESPACE_KEY && CILIUM_IGNORED_LABEL_KEY.test(key);
}

const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
const POLICY_LABELS_PREFIX = 'io.cilium.k8s.policy.';

// ---- reading ------------------------------------------------------------------------------------

export type CiliumRead = {
  /** One per rule of spec/specs; empty when there are issues. */
  policies: NetworkPolicy[];
  issues: KubernetesIssue[];
  /** What the analysis assumes about this object, one line each, without the file (for stderr). */
  notes: string[];
};

const OBJECT_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'specs', 'status'];
const RULE_FIELDS = ['endpointSelector', 'ingress', 'egress', 'enableDefaultDeny', 'labels', 'description', 'log'];
const INGRESS_L3 = ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities'];
const EGRESS_L3 = ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toFQDNs'];
const PORT_RULE_FIELDS = ['ports', 'rules'];

/** Fields Cilium has and verify does not model, with what they do (refused with this text). */
const NOT_MODELLED: Record<string, string> = {
  nodeSelector: 'selects nodes (a host policy), which Cilium refuses in a CiliumNetworkPolicy',
  ingressDeny: 'deny rules override allow rules',
  egressDeny: 'deny rules override allow rules',
  icmps: 'ICMP rules allow ICMP types, a protocol verify does not model',
  authentication: 'mutual authentication makes the flow depend on certificates',
  fromGroups: 'groups select cloud-provider addresses (AWS security groups)',
  toGroups: 'groups select cloud-provider addresses (AWS security groups)',
  fromNodes: 'node selectors select nodes by their labels',
  toNodes: 'node selectors select nodes by their labels',
  fromRequires: 'requirements narrow every other rule of the policy (deprecated)',
  toRequires: 'requirements narrow every other rule of the policy (deprecated)',
  toServices: 'service selectors resolve to the endpoints of a Service',
  listener: 'an Envoy listener decides what passes',
  originatingTLS: 'TLS origination belongs to L7 rules',
  terminatingTLS: 'TLS termination belongs to L7 rules',
  serverNames: 'TLS server names (SNI) filter connections',
};

/** Reads one cilium.io/v2 CiliumNetworkPolicy; every issue of the object at once. */
export function readCiliumPolicy(
  object: Record<string, unknown>,
  defaultNamespace: string,
  source: SourceRef,
): CiliumRead {
  const reader = new Reader(object, defaultNamespace, source);
  return reader.read();
}

type Direction = 'ingress' | 'egress';

class Reader {
  readonly issues: KubernetesIssue[] = [];
  readonly notes: string[] = [];
  readonly namespace: string;
  readonly name: string;
  readonly object: Record<string, unknown>;
  readonly source: SourceRef;
  private readonly ignoredLabels = new Set<string>();
  private readonly dnsRules: string[] = [];

  constructor(object: Record<string, unknown>, defaultNamespace: string, source: SourceRef) {
    this.object = object;
    this.source = source;
    this.name = requiredName(object, this.issues) ?? '';
    this.namespace = namespaceOf(object, defaultNamespace, this.issues);
  }

  read(): CiliumRead {
    this.unknown(this.object, [], OBJECT_FIELDS, 'a CiliumNetworkPolicy');
    readLabels(field(this.object, 'metadata', 'labels'), ['metadata', 'labels'], this.issues);
    const { spec, specs } = this.object;
    const rules: { value: unknown; path: Segment[] }[] = [];
    if (spec != null) rules.push({ value: spec, path: ['spec'] });
    if (specs != null) {
      if (Array.isArray(specs)) specs.forEach((value, i) => rules.push({ value, path: ['specs', i] }));
      else this.issue(['specs'], `must be a list of rules (got ${describe(specs)})`);
    }
    if (spec == null && specs == null) {
      this.issue([], 'has neither spec nor specs: Cilium refuses an empty CiliumNetworkPolicy');
    }
    const policies = rules.flatMap(({ value, path }) => this.rule(value, path) ?? []);
    if (this.dnsRules.length > 0) {
      this.notes.push(
        `${this.dnsRules.join(', ')}: a DNS rule (rules.dns) is counted as the L4 flow it allows; Cilium's DNS proxy also filters the queries by name, which verify does not check`,
      );
    }
    if (this.ignoredLabels.size > 0) {
      this.notes.push(
        `selects on ${[...this.ignoredLabels].sort().join(', ')}, which Cilium's default label filter leaves out of pod identities: a requirement that such a label exists or has a value selects nothing`,
      );
    }
    return { policies: this.issues.length > 0 ? [] : policies, issues: this.issues, notes: this.notes };
  }

  private rule(value: unknown, path: Segment[]): NetworkPolicy | undefined {
    if (!isRecord(value)) {
      this.issue(path, `must be a mapping (a Cilium rule), got ${describe(value)}`);
      return undefined;
    }
    this.unknown(value, path, RULE_FIELDS, 'a Cilium rule');
    const at = (...rest: Segment[]) => [...path, ...rest];
    const directions = (['ingress', 'egress'] as const).filter((d) => {
      const list = value[d];
      if (list == null) return false;
      if (!Array.isArray(list)) {
        this.issue(at(d), `must be a list of rules (got ${describe(list)})`);
        return false;
      }
      return list.length > 0;
    });
    const denies = ['ingressDeny', 'egressDeny'].some((d) => Array.isArray(value[d]) && value[d].length > 0);
    if (directions.length === 0 && !denies) {
      this.issue(
        path,
        'has no ingress nor egress rule: Cilium refuses such a rule ("rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny"); write ingress: [{}] to deny every ingress',
      );
    }
    const selector = value['endpointSelector'];
    let podSelector: LabelSelector = {};
    if (selector == null) {
      this.issue(
        at('endpointSelector'),
        'is required: the pods of the namespace this rule applies to ({} for every pod)',
      );
    } else {
      podSelector = this.subjectSelector(selector, at('endpointSelector'));
    }
    const defaultDeny = { ingress: true, egress: true };
    const enable = value['enableDefaultDeny'];
    if (enable != null) {
      if (!isRecord(enable)) this.issue(at('enableDefaultDeny'), `must be a mapping (got ${describe(enable)})`);
      else {
        this.unknown(enable, at('enableDefaultDeny'), ['ingress', 'egress'], 'enableDefaultDeny');
        for (const d of ['ingress', 'egress'] as const) {
          const flag = enable[d];
          if (flag == null) continue;
          if (typeof flag !== 'boolean')
            this.issue(at('enableDefaultDeny', d), `must be true or false (got ${describe(flag)})`);
          else defaultDeny[d] = flag;
        }
      }
    }
    const rulePath = path
      .map((s) => (typeof s === 'number' ? `[${s}]` : s))
      .join('')
      .replace(/^spec$/, '');
    const prefix = rulePath === '' ? '' : `${rulePath}.`;
    const policy: NetworkPolicy = {
      namespace: this.namespace,
      name: this.name,
      podSelector,
      policyTypes: directions.map((d) => (d === 'ingress' ? 'Ingress' : 'Egress')),
      source: this.source,
      cilium: { path: rulePath === '' ? 'spec' : rulePath, defaultDeny },
    };
    for (const direction of directions) {
      const rules = (value[direction] as unknown[]).flatMap((rule, i) => {
        const read = this.directionRule(rule, at(direction, i), direction, `${prefix}${direction}[${i}]`);
        return read ? [read] : [];
      });
      if (direction === 'ingress')
        policy.ingress = rules.map(({ peers, ...rest }) => ({ ...rest, ...(peers ? { from: peers } : {}) }));
      else policy.egress = rules.map(({ peers, ...rest }) => ({ ...rest, ...(peers ? { to: peers } : {}) }));
    }
    return policy;
  }

  /**
   * One ingress or egress rule, or undefined when it allows nothing (it still enforces its
   * direction). `peers` undefined: every peer.
   */
  private directionRule(
    rule: unknown,
    path: Segment[],
    direction: Direction,
    name: string,
  ):
    | {
        peers?: NetworkPolicyPeer[];
        ports?: NetworkPolicyPort[];
        name: string;
        peerNames?: string[];
        dns?: FqdnSelector[];
      }
    | undefined {
    if (!isRecord(rule)) {
      this.issue(path, `must be a mapping (got ${describe(rule)})`);
      return undefined;
    }
    const l3Fields = direction === 'ingress' ? INGRESS_L3 : EGRESS_L3;
    this.unknown(rule, path, [...l3Fields, 'toPorts'], `an ${direction} rule`);
    const present = l3Fields.filter((f) => rule[f] != null);
    const nonEmpty = present.filter((f) => !Array.isArray(rule[f]) || (rule[f] as unknown[]).length > 0);
    if (nonEmpty.length > 1) {
      this.issue(
        path,
        `combines ${nonEmpty.join(' and ')}: Cilium refuses that ("combining … is not supported yet") and then applies none of the policy; write one rule per kind of peer`,
      );
      return undefined;
    }
    const { ports, dns } = this.toPorts(rule['toPorts'], [...path, 'toPorts'], direction, name);
    const names = dns.length > 0 ? { name, dns } : { name };
    const l3 = nonEmpty[0] ?? present.find((f) => f !== 'toFQDNs');
    if (l3 === undefined) {
      // No peer field (or only `toFQDNs: []`): every peer on the ports of toPorts; nothing without them.
      if (ports === 'all' || ports === 'none') return undefined;
      return { ports, ...names };
    }
    const list = rule[l3];
    if (!Array.isArray(list)) {
      this.issue([...path, l3], `must be a list (got ${describe(list)})`);
      return undefined;
    }
    if (list.length === 0 || ports === 'none') return undefined; // an explicit empty list selects nothing
    const peers: NetworkPolicyPeer[] = [];
    const peerNames: string[] = [];
    list.forEach((item, i) => {
      const peer = this.peer(l3, item, [...path, l3, i]);
      if (peer) {
        peers.push(peer);
        peerNames.push(`${name}.${l3}[${i}]`);
      }
    });
    return { peers, ...(ports === 'all' ? {} : { ports }), ...names, peerNames };
  }

  private peer(kind: string, item: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
    switch (kind) {
      case 'fromEndpoints':
      case 'toEndpoints':
        return this.endpointPeer(item, path);
      case 'fromCIDR':
      case 'toCIDR': {
        if (typeof item !== 'string') {
          this.issue(path, `must be a CIDR string (got ${describe(item)})`);
          return undefined;
        }
        const cidr = this.cidr(item, path, true);
        return cidr === undefined ? undefined : { ipBlock: { cidr } };
      }
      case 'fromCIDRSet':
      case 'toCIDRSet':
        return this.cidrSetPeer(item, path);
      case 'fromEntities':
      case 'toEntities':
        if (typeof item !== 'string' || !ENTITIES.includes(item)) {
          this.issue(path, `must be a Cilium entity, one of ${ENTITIES.join(', ')} (got ${describe(item)})`);
          return undefined;
        }
        return { entity: item };
      default:
        return this.fqdnPeer(item, path);
    }
  }

  private fqdnPeer(item: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
    if (!isRecord(item)) {
      this.issue(path, `must be a mapping {matchName: …} or {matchPattern: …} (got ${describe(item)})`);
      return undefined;
    }
    this.unknown(item, path, ['matchName', 'matchPattern'], 'an FQDN selector');
    const { matchName, matchPattern } = item;
    if ((matchName == null) === (matchPattern == null) || matchName === '' || matchPattern === '') {
      this.issue(
        path,
        'must set exactly one of matchName and matchPattern (Cilium refuses both; neither selects no name)',
      );
      return undefined;
    }
    if (matchName != null) {
      if (typeof matchName !== 'string' || !/^[-a-zA-Z0-9_.]+$/.test(matchName)) {
        this.issue(
          [...path, 'matchName'],
          `must be a DNS name of 0-9, a-z, A-Z, ".", "-" and "_" (got ${describe(matchName)})`,
        );
        return undefined;
      }
      return { fqdn: { matchName } };
    }
    if (typeof matchPattern !== 'string' || !/^[-a-zA-Z0-9_.*]+$/.test(matchPattern) || matchPattern.length > 255) {
      this.issue(
        [...path, 'matchPattern'],
        `must be a DNS name pattern of 0-9, a-z, A-Z, ".", "-", "_" and "*", at most 255 characters (got ${describe(matchPattern)})`,
      );
      return undefined;
    }
    return { fqdn: { matchPattern } };
  }

  private cidrSetPeer(item: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
    if (!isRecord(item)) {
      this.issue(path, `must be a mapping {cidr: …, except: […]} (got ${describe(item)})`);
      return undefined;
    }
    this.unknown(item, path, ['cidr', 'except', 'cidrGroupRef', 'cidrGroupSelector'], 'a CIDR rule');
    for (const group of ['cidrGroupRef', 'cidrGroupSelector']) {
      if (item[group] != null) {
        this.issue(
          [...path, group],
          'is not modelled: a CiliumCIDRGroup holds its CIDRs in another object, which verify does not read; write the CIDRs in cidr/except',
        );
        return undefined;
      }
    }
    if (typeof item['cidr'] !== 'string') {
      this.issue(
        [...path, 'cidr'],
        item['cidr'] == null ? 'is required' : `must be a CIDR string (got ${describe(item['cidr'])})`,
      );
      return undefined;
    }
    const cidr = this.cidr(item['cidr'], [...path, 'cidr'], false);
    const exceptValue = item['except'];
    const except: string[] = [];
    if (exceptValue != null && !Array.isArray(exceptValue)) {
      this.issue([...path, 'except'], `must be a list of CIDRs (got ${describe(exceptValue)})`);
    } else if (Array.isArray(exceptValue)) {
      exceptValue.forEach((e, i) => {
        const at = [...path, 'except', i];
        if (typeof e !== 'string') {
          this.issue(at, `must be a CIDR string (got ${describe(e)})`);
          return;
        }
        const parsed = this.cidr(e, at, false);
        if (parsed === undefined || cidr === undefined) return;
        if (!rangeContains(parseRange(cidr), parseRange(parsed))) {
          this.issue(
            at,
            `${quote(e)} is not inside ${quote(cidr)}: Cilium refuses the rule ("allow CIDR prefix … does not contain exclude CIDR prefix …")`,
          );
          return;
        }
        except.push(parsed);
      });
    }
    if (cidr === undefined) return undefined;
    return { ipBlock: except.length > 0 ? { cidr, except } : { cidr } };
  }

  /** A CIDR (or, where Cilium allows it, one address) as a canonical CIDR; undefined with an issue. */
  private cidr(value: string, path: Segment[], addressAllowed: boolean): string | undefined {
    const family = isIP(value);
    if (family !== 0) {
      if (addressAllowed) return addressCidr(value);
      this.issue(path, `${quote(value)} has no prefix length: write ${quote(`${value}/${family === 4 ? 32 : 128}`)}`);
      return undefined;
    }
    const slash = value.indexOf('/');
    const address = value.slice(0, slash);
    const prefix = value.slice(slash + 1);
    const bits = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : 0;
    if (slash < 0 || bits === 0 || !/^(0|[1-9][0-9]*)$/.test(prefix) || Number(prefix) > bits) {
      this.issue(path, `${quote(value)} is not a CIDR (such as 10.0.0.0/8 or 2001:db8::/32)`);
      return undefined;
    }
    try {
      return canonicalCidr(value);
    } catch {
      this.issue(path, `${quote(value)} is not a CIDR (such as 10.0.0.0/8 or 2001:db8::/32)`);
      return undefined;
    }
  }

  /** The policy's own endpointSelector: pod labels only (Cilium pins the namespace itself). */
  private subjectSelector(value: unknown, path: Segment[]): LabelSelector {
    const read = this.selector(value, path);
    if (!read) return {};
    if (read.namespace) {
      this.issue(
        path,
        `selects on the namespace (${read.namespaceKeys.join(', ')}), which is not modelled here: a CiliumNetworkPolicy applies to pods of its own namespace (${this.namespace}) only; remove those keys`,
      );
    }
    return read.pods;
  }

  private endpointPeer(value: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
    const read = this.selector(value, path);
    if (!read) return undefined;
    return read.namespace ? { namespaceSelector: read.namespace, podSelector: read.pods } : { podSelector: read.pods };
  }

  /**
   * A Cilium endpoint selector split into the pod labels part and the namespace part (the
   * namespace's name as kubernetes.io/metadata.name, and its labels).
   */
  private selector(
    value: unknown,
    path: Segment[],
  ): { pods: LabelSelector; namespace?: LabelSelector; namespaceKeys: string[] } | undefined {
    if (!isRecord(value)) {
      this.issue(path, `must be a label selector mapping (got ${describe(value)})`);
      return undefined;
    }
    this.unknown(value, path, ['matchLabels', 'matchExpressions'], 'a label selector');
    const requirements: { key: string; requirement: LabelSelectorRequirement; path: Segment[] }[] = [];
    const matchLabels = value['matchLabels'];
    if (matchLabels != null) {
      if (!isRecord(matchLabels))
        this.issue([...path, 'matchLabels'], `must be a mapping (got ${describe(matchLabels)})`);
      else {
        for (const [key, v] of Object.entries(matchLabels)) {
          if (typeof v !== 'string') {
            this.issue([...path, 'matchLabels', key], `must be a string (got ${describe(v)})`);
            continue;
          }
          requirements.push({
            key,
            requirement: { key, operator: 'In', values: [v] },
            path: [...path, 'matchLabels', key],
          });
        }
      }
    }
    const expressions = value['matchExpressions'];
    if (expressions != null) {
      if (!Array.isArray(expressions))
        this.issue([...path, 'matchExpressions'], `must be a list (got ${describe(expressions)})`);
      else {
        expressions.forEach((req, i) => {
          const at = [...path, 'matchExpressions', i];
          if (!isRecord(req)) {
            this.issue(at, `must be a mapping (got ${describe(req)})`);
            return;
          }
          this.unknown(req, at, ['key', 'operator', 'values'], 'a selector requirement');
          const { key, operator, values } = req;
          if (typeof key !== 'string' || key === '') {
            this.issue([...at, 'key'], 'is required (a label key)');
            return;
          }
          if (operator !== 'In' && operator !== 'NotIn' && operator !== 'Exists' && operator !== 'DoesNotExist') {
            this.issue([...at, 'operator'], `must be In, NotIn, Exists or DoesNotExist (got ${describe(operator)})`);
            return;
          }
          const list = Array.isArray(values) ? values : [];
          if ((operator === 'In' || operator === 'NotIn') && list.length === 0) {
            this.issue([...at, 'values'], `must be specified when operator is ${operator}`);
            return;
          }
          if ((operator === 'Exists' || operator === 'DoesNotExist') && list.length > 0) {
            this.issue([...at, 'values'], `may not be specified when operator is ${operator}`);
            return;
          }
          if (!list.every((v) => typeof v === 'string')) {
            this.issue([...at, 'values'], 'must be a list of strings');
            return;
          }
          requirements.push({
            key,
            requirement: { key, operator, ...(list.length > 0 ? { values: [...list] } : {}) },
            path: [...at, 'key'],
          });
        });
      }
    }
    const pods: LabelSelectorRequirement[] = [];
    const namespace: LabelSelectorRequirement[] = [];
    const namespaceKeys: string[] = [];
    for (const { key: written, requirement, path: at } of requirements) {
      const colon = written.indexOf(':');
      const sourceName = colon < 0 ? '' : written.slice(0, colon);
      const key = colon < 0 ? written : written.slice(colon + 1);
      if (sourceName === 'reserved' || written.startsWith('$')) {
        this.issue(
          at,
          `${quote(written)} selects one of Cilium's reserved identities, which verify does not model as labels: write fromEntities/toEntities (host, remote-node, world, kube-apiserver, …) instead`,
        );
        continue;
      }
      if (sourceName !== '' && sourceName !== 'k8s' && sourceName !== 'any') {
        this.issue(
          at,
          `${quote(written)} has the label source ${quote(sourceName)}, which verify does not model: pod labels are selected with "k8s:", "any:" or no prefix`,
        );
        continue;
      }
      const syntax: KubernetesIssue[] = [];
      readLabels({ [key]: '' }, [], syntax);
      for (const v of requirement.values ?? []) readLabels({ value: v }, [], syntax);
      if (syntax[0]) {
        this.issue(at, syntax[0].message);
        continue;
      }
      if (key === NAMESPACE_KEY) {
        namespace.push({ ...requirement, key: 'kubernetes.io/metadata.name' });
        namespaceKeys.push(written);
      } else if (key.startsWith(NAMESPACE_LABELS_PREFIX) && key.length > NAMESPACE_LABELS_PREFIX.length) {
        namespace.push({ ...requirement, key: key.slice(NAMESPACE_LABELS_PREFIX.length) });
        namespaceKeys.push(written);
      } else if (key.startsWith(POLICY_LABELS_PREFIX)) {
        this.issue(
          at,
          `${quote(written)} selects on the pod's service account or cluster, which verify does not model (the inventory has neither): select on pod labels`,
        );
      } else if (ciliumIgnoresLabel(key)) {
        this.ignoredLabels.add(key);
        // The label is never part of the identity: absent for the selector.
        if (requirement.operator === 'In' || requirement.operator === 'Exists') {
          pods.push({ key, operator: 'In', values: [] });
        }
      } else {
        pods.push({ ...requirement, key });
      }
    }
    const toSelector = (reqs: LabelSelectorRequirement[]): LabelSelector => {
      const labels: Record<string, string> = {};
      const rest: LabelSelectorRequirement[] = [];
      for (const r of reqs) {
        const only = r.values?.[0];
        if (r.operator === 'In' && r.values?.length === 1 && only !== undefined && !Object.hasOwn(labels, r.key)) {
          labels[r.key] = only;
        } else rest.push(r);
      }
      return {
        ...(Object.keys(labels).length > 0 ? { matchLabels: labels } : {}),
        ...(rest.length > 0 ? { matchExpressions: rest } : {}),
      };
    };
    return {
      pods: toSelector(pods),
      ...(namespace.length > 0 ? { namespace: toSelector(namespace) } : {}),
      namespaceKeys,
    };
  }

  /**
   * toPorts as NetworkPolicy ports: 'all' when absent or `[]` (every port), 'none' when no item
   * lists a port, else the ports (ANY as TCP, UDP and SCTP; "0" as every port of the protocol).
   */
  private toPorts(
    value: unknown,
    path: Segment[],
    direction: Direction,
    ruleName: string,
  ): { ports: NetworkPolicyPort[] | 'all' | 'none'; dns: FqdnSelector[] } {
    if (value == null) return { ports: 'all', dns: [] };
    if (!Array.isArray(value)) {
      this.issue(path, `must be a list of port rules (got ${describe(value)})`);
      return { ports: 'none', dns: [] };
    }
    if (value.length === 0) return { ports: 'all', dns: [] };
    const out: NetworkPolicyPort[] = [];
    const names: FqdnSelector[] = [];
    value.forEach((item, i) => {
      const at = [...path, i];
      if (!isRecord(item)) {
        this.issue(at, `must be a mapping {ports: […]} (got ${describe(item)})`);
        return;
      }
      this.unknown(item, at, PORT_RULE_FIELDS, 'a port rule');
      const ports = item['ports'];
      const list = ports == null ? [] : Array.isArray(ports) ? ports : undefined;
      if (list === undefined) {
        this.issue([...at, 'ports'], `must be a list (got ${describe(ports)})`);
        return;
      }
      if (list.length > 40)
        this.issue([...at, 'ports'], `has ${list.length} ports: Cilium refuses more than 40 in one port rule`);
      const dns = this.l7Rules(item['rules'], [...at, 'rules'], direction);
      if (dns.length > 0) {
        this.dnsRules.push(`${ruleName}.toPorts[${i}]`);
        if (list.length > 0) names.push(...dns);
      }
      list.forEach((port, p) => {
        out.push(...this.port(port, [...at, 'ports', p], dns.length > 0));
      });
    });
    return { ports: out.length === 0 ? 'none' : out, dns: names };
  }

  /** rules of a port rule: the names of its DNS rule (the only L7 rule modelled), [] for none. */
  private l7Rules(value: unknown, path: Segment[], direction: Direction): FqdnSelector[] {
    if (value == null) return [];
    if (!isRecord(value)) {
      this.issue(path, `must be a mapping (got ${describe(value)})`);
      return [];
    }
    this.unknown(value, path, ['dns', 'http'], 'L7 rules');
    if (value['http'] != null) {
      this.issue(
        [...path, 'http'],
        'is not modelled: an HTTP rule (L7) lets only some requests through Envoy, and verify reports connections (L4); remove it to verify the L4 policy, or check the HTTP rules by other means',
      );
      return [];
    }
    const dns = value['dns'];
    if (dns == null) return [];
    if (direction === 'ingress') {
      this.issue([...path, 'dns'], 'DNS rules are egress only: Cilium refuses them on ingress');
      return [];
    }
    if (!Array.isArray(dns)) {
      this.issue([...path, 'dns'], `must be a list of {matchName: …} or {matchPattern: …} (got ${describe(dns)})`);
      return [];
    }
    const names: FqdnSelector[] = [];
    dns.forEach((item, i) => {
      if (!isRecord(item)) {
        this.issue([...path, 'dns', i], `must be a mapping (got ${describe(item)})`);
        return;
      }
      this.unknown(item, [...path, 'dns', i], ['matchName', 'matchPattern'], 'a DNS rule');
      const { matchName, matchPattern } = item;
      if (typeof matchName === 'string' && matchName !== '') names.push({ matchName });
      else if (typeof matchPattern === 'string' && matchPattern !== '') names.push({ matchPattern });
    });
    return names;
  }

  private port(value: unknown, path: Segment[], dns: boolean): NetworkPolicyPort[] {
    if (!isRecord(value)) {
      this.issue(path, `must be a mapping {port: "…", protocol: …} (got ${describe(value)})`);
      return [];
    }
    this.unknown(value, path, ['port', 'endPort', 'protocol'], 'a port');
    const { port, endPort } = value;
    const protocolValue = value['protocol'] ?? 'ANY';
    const protocol = typeof protocolValue === 'string' ? protocolValue.toUpperCase() : protocolValue;
    let protocols: ('TCP' | 'UDP' | 'SCTP')[];
    if (protocol === 'ANY' || protocol === '') protocols = ['TCP', 'UDP', 'SCTP'];
    else if (protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP') protocols = [protocol];
    else {
      this.issue(
        [...path, 'protocol'],
        `${describe(protocolValue)} is not modelled: verify models TCP, UDP, SCTP and ANY (all three)`,
      );
      return [];
    }
    if (port == null || port === '') {
      this.issue([...path, 'port'], 'is required: Cilium refuses a port rule without port ("0" for every port)');
      return [];
    }
    if (typeof port !== 'string') {
      this.issue(
        [...path, 'port'],
        `must be a string (got ${describe(port)}): Cilium's CRD types it as a string, write "${typeof port === 'number' ? port : '…'}"`,
      );
      return [];
    }
    if (
      endPort != null &&
      (typeof endPort !== 'number' || !Number.isInteger(endPort) || endPort < 0 || endPort > 65535)
    ) {
      this.issue([...path, 'endPort'], `must be a port number (got ${describe(endPort)})`);
      return [];
    }
    if (/^[0-9]+$/.test(port)) {
      const number = Number(port);
      if (number > 65535 || (port.length > 1 && port.startsWith('0'))) {
        this.issue(
          [...path, 'port'],
          `${quote(port)} is not a port number (0 for every port, else 1-65535 without leading zeros)`,
        );
        return [];
      }
      if (number === 0) {
        if (dns) this.issue([...path, 'port'], 'is 0 (every port): Cilium refuses L7 rules (rules.dns) on port 0');
        if (endPort != null && endPort !== 0) {
          this.issue([...path, 'endPort'], 'needs a port number: port "0" already means every port');
        }
        return protocols.map((p) => ({ protocol: p }));
      }
      const last = typeof endPort === 'number' && endPort !== 0 ? endPort : undefined;
      if (last !== undefined && last < number) {
        this.issue([...path, 'endPort'], `${last} must be greater than or equal to port (${number})`);
        return [];
      }
      if (last !== undefined && last > number && dns) {
        this.issue([...path, 'endPort'], 'Cilium refuses a port range with DNS rules');
      }
      return protocols.map((p) => ({
        protocol: p,
        port: number,
        ...(last !== undefined && last > number ? { endPort: last } : {}),
      }));
    }
    const name = port.toLowerCase();
    const problem = portNameProblem(name);
    if (problem) {
      this.issue([...path, 'port'], problem);
      return [];
    }
    if (endPort != null && endPort !== 0) {
      this.issue([...path, 'endPort'], `may not be specified when port is a name (${quote(port)})`);
      return [];
    }
    return protocols.map((p) => ({ protocol: p, port: name }));
  }

  private unknown(value: Record<string, unknown>, path: Segment[], known: string[], what: string): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const modelled = NOT_MODELLED[key];
      if (modelled !== undefined) {
        this.issue(
          [...path, key],
          `is not modelled by verify (${modelled}): remove it to verify the rest, or check this policy by other means`,
        );
        continue;
      }
      const guess = closest(key, known);
      this.issue(
        [...path, key],
        `unknown field${guess ? ` (did you mean "${guess}"?)` : ` in ${what}: it has ${known.join(', ')}`}: ${UNKNOWN_FIELD_WHY}`,
      );
    }
  }

  private issue(path: Segment[], message: string): void {
    this.issues.push({ path, message });
  }
}
