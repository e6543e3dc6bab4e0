// Cilium's symbolic flow ends and the label keys it ignores, as the analysis, the findings and the
// intent checks see them (the reader of CiliumNetworkPolicy, src/verify/readers/cilium/, produces
// them): an FQDN destination is `fqdn:<matchName or matchPattern>` (lower case, no final dot), an
// entity `entity:<name>`. They are not address ranges (world is not split into address atoms): an
// ipBlock or CIDR peer never matches them, and a symbolic peer matches no address atom. What each
// entity peer matches: ENTITY_MEANINGS. Cilium v1.20.2's semantics.
//
// Usage: fqdnSymbol({matchPattern: '*.S3.amazonaws.com.'})   // 'fqdn:*.s3.amazonaws.com'
//        peerMatchesSymbol({entity: 'world'}, 'fqdn:s3.eu-west-1.amazonaws.com')   // true
//        ciliumIgnoresLabel('statefulset.kubernetes.io/pod-name')                  // true
import { CILIUM_IGNORED_LABEL_KEY } from '../../model/patterns.ts';
import type { FqdnSelector, NetworkPolicyPeer } from './types.ts';

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

/** Every entity name Cilium knows. */
export const ENTITIES = Object.keys(ENTITY_MEANINGS);
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

/** The label key of a Cilium endpoint selector that names the pod's namespace. */
export const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';

/**
 * Is this pod label key left out of Cilium identities by the default label filter
 * (CILIUM_IGNORED_LABEL_KEY, shared with the values' checks)? io.kubernetes.pod.namespace is
 * kept: Cilium includes it explicitly (it is the namespace, read before this is asked).
 */
export function ciliumIgnoresLabel(key: string): boolean {
  return key !== NAMESPACE_KEY && CILIUM_IGNORED_LABEL_KEY.test(key);
}
