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
// Symbolic endpoints (fqdn:, entity:) and the label keys Cilium ignores: src/verify/model/cilium-symbols.ts.
//
// The reader's parts: context.ts (issues, notes), peers.ts (the L3 fields), ports.ts (toPorts and
// L7 rules), this file (the object and its rules).
//
// Usage: const read = readCiliumPolicy(object, 'default', { file: 'cnp.yaml', line: 1 });
//        read.issues   // [{path: ['spec', 'egress', 0, 'toServices'], message: '… not modelled …'}]
//        read.policies // one NetworkPolicy (model) per rule of spec/specs, `cilium` set
//        read.notes    // what the result assumes (a DNS rule counted as its L4 flow, …)
import { describe, field, isRecord, readLabels, type KubernetesIssue, type Segment } from '../kubernetes.ts';
import type {
  FqdnSelector,
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  SourceRef,
} from '../../model/types.ts';
import { CiliumContext, type Direction } from './context.ts';
import { readPeer, subjectSelector } from './peers.ts';
import { toPorts } from './ports.ts';

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

/** Reads one cilium.io/v2 CiliumNetworkPolicy; every issue of the object at once. */
export function readCiliumPolicy(
  object: Record<string, unknown>,
  defaultNamespace: string,
  source: SourceRef,
): CiliumRead {
  return readObject(new CiliumContext(object, defaultNamespace, source));
}

function readObject(ctx: CiliumContext): CiliumRead {
  ctx.unknown(ctx.object, [], OBJECT_FIELDS, 'a CiliumNetworkPolicy');
  readLabels(field(ctx.object, 'metadata', 'labels'), ['metadata', 'labels'], ctx.issues);
  const { spec, specs } = ctx.object;
  const rules: { value: unknown; path: Segment[] }[] = [];
  if (spec != null) rules.push({ value: spec, path: ['spec'] });
  if (specs != null) {
    if (Array.isArray(specs)) specs.forEach((value, i) => rules.push({ value, path: ['specs', i] }));
    else ctx.issue(['specs'], `must be a list of rules (got ${describe(specs)})`);
  }
  if (spec == null && specs == null) {
    ctx.issue([], 'has neither spec nor specs: Cilium refuses an empty CiliumNetworkPolicy');
  }
  const policies = rules.flatMap(({ value, path }) => rule(ctx, value, path) ?? []);
  if (ctx.dnsRules.length > 0) {
    ctx.notes.push(
      `${ctx.dnsRules.join(', ')}: a DNS rule (rules.dns) is counted as the L4 flow it allows; Cilium's DNS proxy also filters the queries by name, which verify does not check`,
    );
  }
  if (ctx.ignoredLabels.size > 0) {
    ctx.notes.push(
      `selects on ${[...ctx.ignoredLabels].sort().join(', ')}, which Cilium's default label filter leaves out of pod identities: a requirement that such a label exists or has a value selects nothing`,
    );
  }
  return { policies: ctx.issues.length > 0 ? [] : policies, issues: ctx.issues, notes: ctx.notes };
}

function rule(ctx: CiliumContext, value: unknown, path: Segment[]): NetworkPolicy | undefined {
  if (!isRecord(value)) {
    ctx.issue(path, `must be a mapping (a Cilium rule), got ${describe(value)}`);
    return undefined;
  }
  ctx.unknown(value, path, RULE_FIELDS, 'a Cilium rule');
  const at = (...rest: Segment[]) => [...path, ...rest];
  const directions = (['ingress', 'egress'] as const).filter((d) => {
    const list = value[d];
    if (list == null) return false;
    if (!Array.isArray(list)) {
      ctx.issue(at(d), `must be a list of rules (got ${describe(list)})`);
      return false;
    }
    return list.length > 0;
  });
  const denies = ['ingressDeny', 'egressDeny'].some((d) => Array.isArray(value[d]) && value[d].length > 0);
  if (directions.length === 0 && !denies) {
    ctx.issue(
      path,
      'has no ingress nor egress rule: Cilium refuses such a rule ("rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny"); write ingress: [{}] to deny every ingress',
    );
  }
  const selector = value['endpointSelector'];
  let podSelector: LabelSelector = {};
  if (selector == null) {
    ctx.issue(at('endpointSelector'), 'is required: the pods of the namespace this rule applies to ({} for every pod)');
  } else {
    podSelector = subjectSelector(ctx, selector, at('endpointSelector'));
  }
  const defaultDeny = { ingress: true, egress: true };
  const enable = value['enableDefaultDeny'];
  if (enable != null) {
    if (!isRecord(enable)) ctx.issue(at('enableDefaultDeny'), `must be a mapping (got ${describe(enable)})`);
    else {
      ctx.unknown(enable, at('enableDefaultDeny'), ['ingress', 'egress'], 'enableDefaultDeny');
      for (const d of ['ingress', 'egress'] as const) {
        const flag = enable[d];
        if (flag == null) continue;
        if (typeof flag !== 'boolean')
          ctx.issue(at('enableDefaultDeny', d), `must be true or false (got ${describe(flag)})`);
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
    namespace: ctx.namespace,
    name: ctx.name,
    podSelector,
    policyTypes: directions.map((d) => (d === 'ingress' ? 'Ingress' : 'Egress')),
    source: ctx.source,
    cilium: { path: rulePath === '' ? 'spec' : rulePath, defaultDeny },
  };
  for (const direction of directions) {
    const rules = (value[direction] as unknown[]).flatMap((rule, i) => {
      const read = directionRule(ctx, rule, at(direction, i), direction, `${prefix}${direction}[${i}]`);
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
function directionRule(
  ctx: CiliumContext,
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
    ctx.issue(path, `must be a mapping (got ${describe(rule)})`);
    return undefined;
  }
  const l3Fields = direction === 'ingress' ? INGRESS_L3 : EGRESS_L3;
  ctx.unknown(rule, path, [...l3Fields, 'toPorts'], `an ${direction} rule`);
  const present = l3Fields.filter((f) => rule[f] != null);
  const nonEmpty = present.filter((f) => !Array.isArray(rule[f]) || (rule[f] as unknown[]).length > 0);
  if (nonEmpty.length > 1) {
    ctx.issue(
      path,
      `combines ${nonEmpty.join(' and ')}: Cilium refuses that ("combining … is not supported yet") and then applies none of the policy; write one rule per kind of peer`,
    );
    return undefined;
  }
  const { ports, dns } = toPorts(ctx, rule['toPorts'], [...path, 'toPorts'], direction, name);
  const names = dns.length > 0 ? { name, dns } : { name };
  const l3 = nonEmpty[0] ?? present.find((f) => f !== 'toFQDNs');
  if (l3 === undefined) {
    // No peer field (or only `toFQDNs: []`): every peer on the ports of toPorts; nothing without them.
    if (ports === 'all' || ports === 'none') return undefined;
    return { ports, ...names };
  }
  const list = rule[l3];
  if (!Array.isArray(list)) {
    ctx.issue([...path, l3], `must be a list (got ${describe(list)})`);
    return undefined;
  }
  if (list.length === 0 || ports === 'none') return undefined; // an explicit empty list selects nothing
  const peers: NetworkPolicyPeer[] = [];
  const peerNames: string[] = [];
  list.forEach((item, i) => {
    const peer = readPeer(ctx, l3, item, [...path, l3, i]);
    if (peer) {
      peers.push(peer);
      peerNames.push(`${name}.${l3}[${i}]`);
    }
  });
  return { peers, ...(ports === 'all' ? {} : { ports }), ...names, peerNames };
}
