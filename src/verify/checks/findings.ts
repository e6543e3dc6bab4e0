// Structural findings: what is wrong with the policies themselves, whatever the intent.
//
// Usage: const list = findings(analyze({ policies, namespaces, workloads }), { namespaces });
//
// Codes and severities (stable; docs/verify.md documents them):
// - policy-selects-nothing (error): a policy whose spec.podSelector selects no pod of the
//   inventory, so none of its rules applies (the seed's `app: fineract`). A `podSelector: {}`
//   (namespace-wide default deny) is never reported: it is meant for every pod the namespace
//   will ever have. When the policy's namespace has no workload in the inventory at all, the
//   finding is a warning (the inventory does not describe that namespace; nothing can be checked).
// - peer-selects-nothing (warning): a pod peer item (podSelector / namespaceSelector) of a rule in
//   effect that matches no pod of the inventory: it admits no one today, and whoever gets those
//   labels later. Often a namespaceSelector missing from the item, or a wrong label.
// - allow-all-peer: a rule in effect with a missing or empty `from`/`to` (error: every pod of the
//   cluster and every external address, on its ports — the seed's `from: []` for kubelet probes,
//   which need no rule), or an ingress ipBlock 0.0.0.0/0 or ::/0 without except (error: every
//   external source). An egress ipBlock 0.0.0.0/0 or ::/0 without except is a warning: reaching
//   "the internet" is common, but that block also covers private networks (VPCs, on-premises,
//   the cloud metadata service) and, with CNIs that apply ipBlocks to pod IPs, the cluster.
// - namespace-wide-peer (warning): a peer item that admits every pod of one or more namespaces
//   (namespaceSelector with no or an empty podSelector, or `podSelector: {}` alone); the message
//   names the namespaces of the inventory it matches and their workloads.
// - half-open-flow (warning): between two pod classes where the source is egress-isolated and the
//   destination ingress-isolated, a rule on one side names the other side explicitly (a peer
//   item, not an allow-all rule) for ports the other side denies: that connection never works.
// - unprotected-workload: a workload no policy selects, for ingress nor egress, in a namespace
//   that has policies (warning: probably forgotten). A namespace without any policy gets ONE info
//   finding listing its workloads, so that a cluster's system namespaces do not flood CI logs.
// - isolated-workload (warning): a workload isolated for ingress and egress by policies none of
//   which allows it anything (a default-deny policy and no other): every connection to and from it is denied,
//   DNS included — a Job that waits forever for its database, unless it is meant to be cut off.
// Rules are named `ingress[0]`, `egress[2]`, and a peer item `ingress[0].from[1]`; policies `ns/name`.
// CiliumNetworkPolicies (read into the same model, src/verify/readers/cilium/) get the same findings,
// their rules named where they are written (`specs[1].egress[0].toEndpoints[2]`); their symbolic
// peers: `entity: all` is an allow-all-peer (error), `entity: world` (and a matchPattern "*") as an
// ipBlock 0.0.0.0/0 (error for ingress, warning for egress), `entity: cluster` a
// namespace-wide-peer for every namespace; other entities and FQDNs name what they mean.
import { compareText as compare } from '../../order.ts';
import { parseRange } from '../../model/cidr.ts';
import {
  namespaceLabels,
  peerMatches,
  policyTypesOf,
  portsOf,
  selects,
  type Analysis,
  type Direction,
  type PodClass,
  type RuleRef,
} from '../analysis/analyze.ts';
import { PortSet } from '../model/ports.ts';
import { formatSelector, matchesSelector, selectsEverything } from '../model/selectors.ts';
import {
  FINDING_CODES,
  namespacedName,
  type Finding,
  type Labels,
  type Namespace,
  type NetworkPolicy,
  type NetworkPolicyPeer,
} from '../model/types.ts';

export type FindingsOptions = {
  /** The Namespace objects of the inventory, so that namespaces without workloads are known too. */
  namespaces?: Namespace[];
};

/** Every structural finding of the analysis, sorted by code, policy and rule. */
export function findings(analysis: Analysis, options: FindingsOptions = {}): Finding[] {
  const context = new Context(analysis, options);
  const out = [
    ...policiesSelectingNothing(context),
    ...peerFindings(context),
    ...halfOpenFlows(context),
    ...unprotectedWorkloads(context),
    ...isolatedWorkloads(context),
  ];
  const rank = (f: Finding): number => FINDING_CODES.indexOf(f.code);
  return out.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      compare(a.policy ?? '', b.policy ?? '') ||
      compareRules(a.rule ?? '', b.rule ?? '') ||
      compare(a.message, b.message),
  );
}

class Context {
  readonly analysis: Analysis;
  /** Every namespace known: the inventory's Namespace objects, the workloads' and the policies'. */
  readonly namespaces: Namespace[];

  constructor(analysis: Analysis, options: FindingsOptions) {
    this.analysis = analysis;
    const given = options.namespaces ?? [];
    const names = new Set([
      ...given.map((n) => n.name),
      ...analysis.classes.map((c) => c.namespace),
      ...analysis.policies.map((p) => p.namespace),
    ]);
    this.namespaces = [...names].sort(compare).map((name) => ({ name, labels: namespaceLabels(name, given) }));
  }

  classesIn(namespace: string): PodClass[] {
    return this.analysis.classes.filter((c) => c.namespace === namespace);
  }
}

// ---- policy-selects-nothing ------------------------------------------------------------------------

function policiesSelectingNothing(context: Context): Finding[] {
  const out: Finding[] = [];
  for (const policy of context.analysis.policies) {
    if (selectsEverything(policy.podSelector)) continue;
    if (context.analysis.classes.some((cls) => selects(policy, cls))) continue;
    const inNamespace = context.classesIn(policy.namespace);
    const selector = formatSelector(policy.podSelector);
    if (inNamespace.length === 0) {
      out.push({
        code: 'policy-selects-nothing',
        severity: 'warning',
        policy: namespacedName(policy),
        message: `The policy ${namespacedName(policy)} selects no pod (${policy.cilium ? 'endpointSelector' : 'podSelector'} ${selector}), but the inventory has no workload in namespace ${policy.namespace} at all, so this cannot be checked. Pass --workloads with the workloads of ${policy.namespace}.`,
      });
      continue;
    }
    const similar = similarLabels(policy.podSelector.matchLabels ?? {}, inNamespace);
    out.push({
      code: 'policy-selects-nothing',
      severity: 'error',
      policy: namespacedName(policy),
      message:
        `The policy ${namespacedName(policy)} selects no pod: no workload of namespace ${policy.namespace} has the labels ${selector}, so none of its rules applies and the pods it was written for are not isolated by it.` +
        (similar ? ` The workloads there are labelled ${similar}.` : '') +
        ` Correct ${policy.cilium ? `${policy.cilium.path}.endpointSelector` : 'spec.podSelector'} to the labels of the pods (kubectl get pods -n ${policy.namespace} -l '${selector}' must list them).`,
    });
  }
  return out;
}

// ---- peers: peer-selects-nothing, allow-all-peer, namespace-wide-peer ------------------------------

function peerFindings(context: Context): Finding[] {
  const out: Finding[] = [];
  for (const rule of context.analysis.rules) {
    const { policy, direction } = rule;
    if (!policyTypesOf(policy).includes(direction)) continue; // not in effect
    const field = direction === 'ingress' ? 'from' : 'to';
    const where = rule.name;
    if (!rule.peers || rule.peers.length === 0) {
      out.push(allowAllRule(rule, where, field));
      continue;
    }
    rule.peers.forEach((peer, i) => {
      const item = rule.peerNames[i] ?? `${where}.${field}[${i}]`;
      if (peer.entity !== undefined || peer.fqdn) {
        const finding = symbolicPeer(context, rule, item, peer);
        if (finding) out.push(finding);
        return;
      }
      if (peer.ipBlock) {
        const finding = allowAllBlock(rule, item, peer.ipBlock);
        if (finding) out.push(finding);
        return;
      }
      // With a single peer item, the analyzer's per-class matches are the item's.
      const matchesSome =
        rule.peers?.length === 1
          ? rule.matchesClass.includes(1)
          : context.analysis.classes.some((cls) => peerMatches(peer, policy.namespace, { kind: 'pod', cls }));
      if (!matchesSome) out.push(peerSelectsNothing(context, rule, item, peer));
      const wide = namespaceWide(context, rule, item, peer);
      if (wide) out.push(wide);
    });
  }
  return out;
}

function allowAllRule(rule: RuleRef, where: string, field: 'from' | 'to'): Finding {
  const { policy, direction } = rule;
  const ports = portsOf(rule.ports, undefined);
  const named = (rule.ports ?? []).filter((p) => typeof p.port === 'string').map((p) => p.port);
  const on = ports.isAll()
    ? 'on every port'
    : `on ${ports.isEmpty() ? '' : ports.toString()}${named.length > 0 ? `${ports.isEmpty() ? '' : ' and '}the named port(s) ${named.join(', ')}` : ''}`;
  const what =
    direction === 'ingress'
      ? `admits every source — every pod of every namespace and every external address — ${on}`
      : `lets the pods reach every destination — every pod of every namespace and every external address — ${on}`;
  const fix =
    direction === 'ingress'
      ? `If it is there for kubelet probes, remove it: traffic from the node (kubelet probes) is always allowed. Otherwise list the sources in \`from\` (one peer item each).`
      : 'List the destinations in `to` (one peer item each).';
  const cilium =
    direction === 'ingress'
      ? 'has toPorts and no fromEndpoints, fromCIDR, fromCIDRSet nor fromEntities'
      : 'has toPorts and no toEndpoints, toCIDR, toCIDRSet, toEntities nor toFQDNs (an empty toFQDNs list counts as none)';
  return {
    code: 'allow-all-peer',
    severity: 'error',
    policy: namespacedName(policy),
    rule: where,
    message: policy.cilium
      ? `${where} of ${namespacedName(policy)} ${cilium}: the rule ${what}. ${direction === 'ingress' ? 'List the sources in fromEndpoints (or fromCIDRSet, fromEntities).' : 'List the destinations in toEndpoints (or toCIDRSet, toEntities, toFQDNs).'}`
      : `${where}.${field} of ${namespacedName(policy)} is ${rule.peers ? 'empty' : 'missing'}: the rule ${what}. ${fix}`,
  };
}

/** Findings about a symbolic peer of a CiliumNetworkPolicy (an entity or an FQDN). */
function symbolicPeer(context: Context, rule: RuleRef, item: string, peer: NetworkPolicyPeer): Finding | undefined {
  const { policy, direction } = rule;
  const name = namespacedName(policy);
  const base = { policy: name, rule: item };
  const entity = peer.entity;
  const everyName = peer.fqdn?.matchPattern !== undefined && /^\*+\.?$/.test(peer.fqdn.matchPattern.trim());
  if (entity === 'all') {
    return {
      code: 'allow-all-peer',
      severity: 'error',
      ...base,
      message: `${item} of ${name} is the entity "all": the rule ${direction === 'ingress' ? 'admits every source' : 'lets the pods reach every destination'} — every pod of every namespace, the nodes and every external address. List the ${direction === 'ingress' ? 'sources' : 'destinations'} it is for.`,
    };
  }
  if (entity === 'world' || everyName) {
    const what =
      entity === 'world' ? 'the entity "world"' : `toFQDNs matchPattern ${JSON.stringify(peer.fqdn?.matchPattern)}`;
    return direction === 'ingress'
      ? {
          code: 'allow-all-peer',
          severity: 'error',
          ...base,
          message: `${item} of ${name} is ${what}: it admits every external source (the whole internet). List the CIDRs the traffic really comes from (fromCIDRSet).`,
        }
      : {
          code: 'allow-all-peer',
          severity: 'warning',
          ...base,
          message: `${item} of ${name} is ${what}: the pods can reach every ${entity === 'world' ? 'address outside the cluster, including private networks (VPCs, on-premises, the cloud metadata service 169.254.169.254)' : 'DNS name'}. List the DNS names (toFQDNs) or CIDRs (toCIDRSet) they need.`,
        };
  }
  if (entity === 'cluster' || entity === 'cluster-mesh') {
    const workloads = context.analysis.classes.flatMap((c) => c.workloads.map(namespacedName)).sort(compare);
    return {
      code: 'namespace-wide-peer',
      severity: 'warning',
      ...base,
      message:
        `${item} of ${name} is the entity "${entity}": it ${direction === 'ingress' ? 'admits every pod of' : 'lets the pods reach every pod of'} every namespace, and the nodes` +
        (workloads.length > 0 ? ` (in the inventory: ${capped(workloads)})` : '') +
        '. Select the pods that need access (fromEndpoints/toEndpoints with a namespace and pod labels).',
    };
  }
  return undefined;
}

function allowAllBlock(rule: RuleRef, item: string, block: { cidr: string; except?: string[] }): Finding | undefined {
  if ((block.except ?? []).length > 0) return undefined;
  let range;
  try {
    range = parseRange(block.cidr);
  } catch {
    return undefined; // malformed: the loader reports it
  }
  const top = (1n << (range.family === 4 ? 32n : 128n)) - 1n;
  if (range.start !== 0n || range.end !== top) return undefined;
  const { policy, direction } = rule;
  if (direction === 'ingress') {
    return {
      code: 'allow-all-peer',
      severity: 'error',
      policy: namespacedName(policy),
      rule: item,
      message: `${item} of ${namespacedName(policy)} is ipBlock ${block.cidr} without except: it admits every external source (the whole internet). List the CIDRs the traffic really comes from (a load balancer's subnets, a partner's range).`,
    };
  }
  return {
    code: 'allow-all-peer',
    severity: 'warning',
    policy: namespacedName(policy),
    rule: item,
    message: `${item} of ${namespacedName(policy)} is ipBlock ${block.cidr} without except: the pods can reach every address, including private networks (VPCs, on-premises, the cloud metadata service 169.254.169.254) and, with CNIs that apply ipBlocks to pod IPs, the cluster itself. Add except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16] (or the ranges in use that are not the internet), or list the real CIDRs.`,
  };
}

function peerSelectsNothing(context: Context, rule: RuleRef, item: string, peer: NetworkPolicyPeer): Finding {
  const { policy } = rule;
  const hints: string[] = [];
  if (peer.namespaceSelector) {
    const namespaces = context.namespaces.filter((n) => matchesSelector(peer.namespaceSelector, n.labels));
    if (namespaces.length === 0) {
      hints.push(
        `no namespace of the inventory has the labels ${formatSelector(peer.namespaceSelector)} (a namespace without a Namespace object in the inventory only carries kubernetes.io/metadata.name)`,
      );
    } else {
      const similar = similarLabels(
        peer.podSelector?.matchLabels ?? {},
        namespaces.flatMap((n) => context.classesIn(n.name)),
      );
      if (similar) hints.push(`the workloads of ${namespaces.map((n) => n.name).join(', ')} are labelled ${similar}`);
    }
  } else {
    const elsewhere = context.analysis.classes.filter(
      (cls) => cls.namespace !== policy.namespace && matchesSelector(peer.podSelector, cls.labels),
    );
    const namespaces = [...new Set(elsewhere.map((c) => c.namespace))].sort(compare);
    if (namespaces.length > 0) {
      hints.push(
        policy.cilium
          ? `pods with these labels run in namespace ${namespaces.join(', ')}, but a selector without namespace key selects pods of ${policy.namespace} only: add k8s:io.kubernetes.pod.namespace: ${namespaces[0]} to its matchLabels`
          : `pods with these labels run in namespace ${namespaces.join(', ')}, but a podSelector alone selects pods of ${policy.namespace} only: add namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${namespaces[0]}}} to the same item (not as a separate item)`,
      );
    } else {
      const similar = similarLabels(peer.podSelector?.matchLabels ?? {}, context.classesIn(policy.namespace));
      if (similar) hints.push(`the workloads of ${policy.namespace} are labelled ${similar}`);
    }
  }
  return {
    code: 'peer-selects-nothing',
    severity: 'warning',
    policy: namespacedName(policy),
    rule: item,
    message:
      `${item} of ${namespacedName(policy)} (${describePeer(peer, policy.namespace)}) matches no pod of the inventory, so it admits no one` +
      (hints.length > 0 ? `: ${hints.join('; ')}` : '') +
      '. Correct the selectors to the labels of the pods meant.',
  };
}

function namespaceWide(context: Context, rule: RuleRef, item: string, peer: NetworkPolicyPeer): Finding | undefined {
  if (peer.podSelector && !selectsEverything(peer.podSelector)) return undefined;
  if (!peer.namespaceSelector && !peer.podSelector) return undefined; // an empty item: the API server rejects it
  const { policy } = rule;
  let namespaces: Namespace[];
  let which: string;
  if (peer.namespaceSelector) {
    namespaces = context.namespaces.filter((n) => matchesSelector(peer.namespaceSelector, n.labels));
    if (selectsEverything(peer.namespaceSelector)) which = 'every namespace';
    else if (namespaces.length === 0)
      return undefined; // matches nothing: peer-selects-nothing says so
    else which = `namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.map((n) => n.name).join(', ')}`;
  } else {
    namespaces = context.namespaces.filter((n) => n.name === policy.namespace);
    which = `namespace ${policy.namespace} (its own)`;
  }
  const workloads = namespaces.flatMap((n) =>
    context.classesIn(n.name).flatMap((c) => c.workloads.map(namespacedName)),
  );
  const admits = rule.direction === 'ingress' ? 'admits every pod of' : 'lets the pods reach every pod of';
  return {
    code: 'namespace-wide-peer',
    severity: 'warning',
    policy: namespacedName(policy),
    rule: item,
    message:
      `${item} of ${namespacedName(policy)} (${describePeer(peer, policy.namespace)}) ${admits} ${which}` +
      (workloads.length > 0 ? ` (in the inventory: ${capped(workloads.sort(compare))})` : '') +
      (policy.cilium
        ? '. Add the labels of the pods that need access to the same selector.'
        : `. Add a podSelector for the pods that need access in the same item (namespaceSelector AND podSelector), not as a separate item.`),
  };
}

// ---- half-open-flow -------------------------------------------------------------------------------

type HalfOpen = {
  /** The side that allows: `egress` (the source's) or `ingress` (the destination's). */
  allowing: Direction;
  from: PodClass;
  to: PodClass;
  ports: PortSet;
  rules: RuleRef[];
  denying: NetworkPolicy[];
};

function halfOpenFlows(context: Context): Finding[] {
  const { analysis } = context;
  const cells: HalfOpen[] = [];
  // The rules with explicit peers (not allow-all) of the policies isolating a class, by direction and class id.
  const cache = { ingress: new Map<number, RuleRef[]>(), egress: new Map<number, RuleRef[]>() };
  const explicitRules = (cls: PodClass, direction: Direction): RuleRef[] => {
    let rules = cache[direction].get(cls.id);
    if (!rules) {
      const policies = new Set(analysis.selecting[cls.id]?.[direction] ?? []);
      rules = analysis.rules.filter(
        (r) => r.direction === direction && policies.has(r.policy) && r.peers !== undefined && r.peers.length > 0,
      );
      cache[direction].set(cls.id, rules);
    }
    return rules;
  };
  // masks[direction][id][peer]: does an explicit rule of that side of class `id` name class `peer`.
  const masks = { ingress: new Map<number, Uint8Array>(), egress: new Map<number, Uint8Array>() };
  const namedBy = (cls: PodClass, direction: Direction): Uint8Array => {
    let mask = masks[direction].get(cls.id);
    if (!mask) {
      mask = new Uint8Array(analysis.classes.length);
      for (const rule of explicitRules(cls, direction)) {
        rule.matchesClass.forEach((m, i) => {
          if (m === 1) (mask as Uint8Array)[i] = 1;
        });
      }
      masks[direction].set(cls.id, mask);
    }
    return mask;
  };
  for (const from of analysis.classes) {
    if (!analysis.isolated(from, 'egress')) continue;
    const egressRules = explicitRules(from, 'egress');
    const egressMask = namedBy(from, 'egress');
    for (const to of analysis.classes) {
      if (!analysis.isolated(to, 'ingress')) continue;
      // Only a rule naming the other side explicitly can make a half-open flow worth reporting.
      if (egressMask[to.id] !== 1 && namedBy(to, 'ingress')[from.id] !== 1) continue;
      const egressNaming = egressRules.filter((r) => r.matchesClass[to.id] === 1);
      const ingressNaming = explicitRules(to, 'ingress').filter((r) => r.matchesClass[from.id] === 1);
      if (egressNaming.length === 0 && ingressNaming.length === 0) continue;
      const toEndpoint = { kind: 'pod', cls: to } as const;
      const egress = analysis.egressAllowed(from, toEndpoint);
      const ingress = analysis.ingressAllowed({ kind: 'pod', cls: from }, to);
      if (egress.equals(ingress)) continue;
      // [the allowing side, its rules naming the other side, what the other side allows]
      const sides: [Direction, RuleRef[], PortSet][] = [
        ['egress', egressNaming, ingress],
        ['ingress', ingressNaming, egress],
      ];
      for (const [allowing, naming, otherSide] of sides) {
        let ports = PortSet.none();
        const used: RuleRef[] = [];
        for (const r of naming) {
          const p = portsOf(r.ports, toEndpoint).subtract(otherSide);
          if (p.isEmpty()) continue;
          ports = ports.union(p);
          used.push(r);
        }
        if (ports.isEmpty()) continue;
        const denying =
          analysis.selecting[(allowing === 'egress' ? to : from).id]?.[allowing === 'egress' ? 'ingress' : 'egress'];
        cells.push({ allowing, from, to, ports, rules: used, denying: denying ?? [] });
      }
    }
  }
  // One finding per allowing rules × denying policies × ports, listing the sources and destinations.
  const groups = new Map<string, { cell: HalfOpen; froms: Set<PodClass>; tos: Set<PodClass> }>();
  for (const cell of cells) {
    const key = [
      cell.allowing,
      cell.ports.toString(),
      cell.rules.map(ruleName).join(','),
      cell.denying.map(namespacedName).join(','),
      cell.allowing === 'egress' ? `from${cell.from.id}` : `to${cell.to.id}`,
    ].join('|');
    const known = groups.get(key);
    if (known) {
      known.froms.add(cell.from);
      known.tos.add(cell.to);
    } else groups.set(key, { cell, froms: new Set([cell.from]), tos: new Set([cell.to]) });
  }
  return [...groups.values()].map(({ cell, froms, tos }) => {
    const src = describeClasses([...froms]);
    const dst = describeClasses([...tos]);
    const rules = cell.rules.map(ruleName).join(', ');
    const denying = cell.denying.map(namespacedName).join(', ');
    const first = cell.rules[0];
    const message =
      cell.allowing === 'egress'
        ? `${src} → ${dst}: ${cell.ports.toString()} is allowed by the egress of the source (${rules}) but denied by the ingress of the destination (${denying}), so the connection fails. Add the matching ingress rule to ${denying}, or remove the egress rule if the flow is not wanted (with this chart, declare the flow once as a connection between two components: both sides render).`
        : `${src} → ${dst}: ${cell.ports.toString()} is allowed by the ingress of the destination (${rules}) but denied by the egress of the source (${denying}), so the connection fails. Add the matching egress rule to ${denying}, or remove the ingress rule if the flow is not wanted (with this chart, declare the flow once as a connection between two components: both sides render).`;
    return {
      code: 'half-open-flow' as const,
      severity: 'warning' as const,
      message,
      ...(first ? { policy: namespacedName(first.policy), rule: first.name } : {}),
    };
  });
}

// ---- unprotected-workload ----------------------------------------------------------------------------

function unprotectedWorkloads(context: Context): Finding[] {
  const { analysis } = context;
  const withPolicies = new Set(analysis.policies.map((p) => p.namespace));
  const kinds = analysis.policies.some((p) => p.cilium) ? 'NetworkPolicy nor CiliumNetworkPolicy' : 'NetworkPolicy';
  const out: Finding[] = [];
  const bare = new Map<string, string[]>();
  for (const cls of analysis.classes) {
    const selecting = analysis.selecting[cls.id];
    if ((selecting?.ingress.length ?? 0) > 0 || (selecting?.egress.length ?? 0) > 0) continue;
    const names = cls.workloads.map(namespacedName);
    if (!withPolicies.has(cls.namespace)) {
      bare.set(cls.namespace, [...(bare.get(cls.namespace) ?? []), ...names]);
      continue;
    }
    for (const name of names) {
      out.push({
        code: 'unprotected-workload',
        severity: 'warning',
        message: `${name} is selected by no ${kinds} of namespace ${cls.namespace} (for ingress or egress), so it accepts connections from anywhere and can open any connection. Select it with a policy (with this chart: defaultDeny.enabled: true, or a component for it).`,
      });
    }
  }
  for (const [namespace, names] of [...bare].sort(([a], [b]) => compare(a, b))) {
    out.push({
      code: 'unprotected-workload',
      severity: 'info',
      message: `Namespace ${namespace} has no ${kinds}: its workloads (${capped(names.sort(compare))}) are not isolated. Add a default-deny policy there if they should be.`,
    });
  }
  return out;
}

// ---- isolated-workload ------------------------------------------------------------------------------

/** Does this policy allow nothing in the direction (no rule; a Cilium one denying by default)? */
function allowsNothing(policy: NetworkPolicy, direction: Direction): boolean {
  const rules = direction === 'ingress' ? policy.ingress : policy.egress;
  return (rules ?? []).length === 0 && policy.cilium?.defaultDeny[direction] !== false;
}

function isolatedWorkloads(context: Context): Finding[] {
  const { analysis } = context;
  const out: Finding[] = [];
  for (const cls of analysis.classes) {
    const selecting = analysis.selecting[cls.id];
    const denied = (['ingress', 'egress'] as const).every((direction) => {
      const policies = selecting?.[direction] ?? [];
      return policies.length > 0 && policies.every((p) => allowsNothing(p, direction));
    });
    if (!denied) continue;
    const policies = [...new Set([...(selecting?.ingress ?? []), ...(selecting?.egress ?? [])])];
    const names = policies.map(namespacedName).sort(compare).join(', ');
    for (const name of cls.workloads.map(namespacedName)) {
      out.push({
        code: 'isolated-workload',
        severity: 'warning',
        message: `${name} is selected only by policies that allow nothing (${names}): every connection to and from it is denied, DNS included. If it runs (a Job, a CronJob, a tool), declare what it needs (with this chart: a component selecting its pods, and its connections); if it must stay cut off, there is nothing to do.`,
      });
    }
  }
  return out;
}

// ---- helpers ----------------------------------------------------------------------------------------

function ruleName(rule: RuleRef): string {
  return `${namespacedName(rule.policy)} ${rule.name}`;
}

function describePeer(peer: NetworkPolicyPeer, namespace: string): string {
  const pods = peer.podSelector ? `podSelector ${formatSelector(peer.podSelector)}` : 'every pod';
  if (!peer.namespaceSelector) return `${pods} in namespace ${namespace}`;
  return `namespaceSelector ${formatSelector(peer.namespaceSelector)} AND ${pods}`;
}

function describeClasses(classes: PodClass[]): string {
  return capped(classes.flatMap((c) => c.workloads.map(namespacedName)).sort(compare));
}

/**
 * The values the pods have for the selector's keys, e.g. `app=fineract-read, app=fineract-write`,
 * to show what a wrong selector should have said (empty when no pod has any of the keys).
 */
function similarLabels(matchLabels: Labels, classes: PodClass[]): string {
  const keys = Object.keys(matchLabels);
  const seen = new Set<string>();
  for (const cls of classes) {
    for (const key of keys) {
      const value = cls.labels[key];
      if (value !== undefined) seen.add(`${key}=${value}`);
    }
  }
  return capped([...seen].sort(compare));
}

const MAX_LISTED = 8;

function capped(items: string[]): string {
  if (items.length <= MAX_LISTED) return items.join(', ');
  return `${items.slice(0, MAX_LISTED).join(', ')} … (${items.length - MAX_LISTED} more)`;
}

/** `ingress[2]` before `ingress[10]`. */
function compareRules(a: string, b: string): number {
  const key = (s: string) => s.replace(/\d+/g, (n) => n.padStart(6, '0'));
  return compare(key(a), key(b));
}
