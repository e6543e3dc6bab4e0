// Rules of the connections: what their ends name, and what the policy engine can render of the
// networks they name. Go twin: fineract-netpol.plan.endpoint and fineract-netpol.plan.connections
// (chart/templates/_plan.tpl).
import { networkProblems } from './networks.ts';
import { portLists, portProblems } from './ports.ts';
import { defineRule, type Path, type RuleProblem } from './rule.ts';
import { isEnabled, isMap, listOf, type End, type ValuesView } from './view.ts';

export const endpointOneKind = defineRule({
  id: 'endpoint-one-kind',
  summary: 'A connection end does not name exactly one of component, peer or network.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'must name exactly one of component, peer or network (found none)',
      fix: 'write {component: <name>}, {peer: <name>} or {network: <name>}, e.g. {component: fineract}',
    },
    several: {
      message: 'must name exactly one of component, peer or network (found %{found})',
      fix: "keep one; an override's endpoint merges with the default's (Helm merges maps), so set the default's kind to null: {component: …, peer: null}",
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const referenceUndefined = defineRule({
  id: 'reference-undefined',
  summary: 'A connection names a component, peer or network that the values do not define.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: '%{name:q} is not defined in %{kind}s (defined: %{defined})',
      fix: 'define it under %{kind}s, or correct the name',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const noComponentEnd = defineRule({
  id: 'no-component-end',
  summary: 'Neither end of a connection is a component: the chart writes only the policies of its components.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        'neither end is a component (from %{fromKind} %{from:q}, to %{toKind} %{to:q}): this chart only writes the policies of its components',
      fix: 'make one end {component: …}; traffic between two workloads outside the chart is theirs to allow',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const networkWithoutCidrs = defineRule({
  id: 'network-without-cidrs',
  summary:
    'With policyEngine kubernetes, a connection names a network without cidrs: a NetworkPolicy matches addresses only.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        'network %{network:q} has no cidrs, and a NetworkPolicy matches addresses only (its fqdns and entities need Cilium)',
      fix: 'give networks.%{network}.cidrs, or set policyEngine: cilium',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const ciliumNetworkNoAddress = defineRule({
  id: 'cilium-network-no-address',
  summary: 'With policyEngine cilium, a connection names a network whose cidrs, fqdns and entities are all empty.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'network %{network:q} names no address yet (its cidrs, fqdns and entities are empty)',
      fix: 'fill in networks.%{network}.fqdns (or cidrs), or disable the connection',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const ciliumFqdnsAsSource = defineRule({
  id: 'cilium-fqdns-as-source',
  summary: 'With policyEngine cilium, a network with only fqdns is the source of a connection: toFQDNs is egress only.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'network %{network:q} has only fqdns, which Cilium matches for egress only (toFQDNs)',
      fix: 'give networks.%{network}.cidrs or entities, or make the network the destination',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const ciliumFqdnsNeedDns = defineRule({
  id: 'cilium-fqdns-need-dns',
  summary: "With policyEngine cilium, a connection reaches a network's fqdns while dns is disabled.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        'network %{network:q} has fqdns, which need dns.enabled: Cilium learns their addresses from the DNS answers the DNS rule lets its proxy see',
      fix: 'set dns.enabled: true, or remove networks.%{network}.fqdns',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const ciliumDnsPortRange = defineRule({
  id: 'cilium-dns-port-range',
  summary:
    "With policyEngine cilium, dns.ports has a range while components reach DNS names: Cilium's DNS proxy takes no range.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        "Cilium's DNS proxy takes no port range, and the components %{components} reach DNS names through it (rules.dns)",
      fix: 'list the DNS ports one by one',
    },
  },
  check(view) {
    const dns = view.dns();
    if (!view.cilium || !dns) return [];
    const reaching = [
      ...new Set(
        view
          .connections()
          .filter(([name]) => {
            const plan = planConnection(view, name);
            return (
              plan.rendered &&
              plan.to?.kind === 'network' &&
              plan.from?.kind === 'component' &&
              hasFqdns(view, plan.to.name)
            );
          })
          .map(([name]) => planConnection(view, name).from?.name ?? ''),
      ),
    ].sort();
    if (reaching.length === 0) return [];
    return listOf(dns.ports).flatMap((port, i) =>
      isMap(port) && Object.hasOwn(port, 'endPort')
        ? [this.problem(['dns', 'ports', i, 'endPort'], { components: reaching.join(', ') })]
        : [],
    );
  },
});

// ---- each connection planned once ---------------------------------------------------------------

type DefinedEnd = Extract<End, { state: 'defined' }>;

/** One enabled connection as the plan sees it: its problems, and whether the chart renders it. */
export type ConnectionPlan = {
  problems: RuleProblem[];
  from: DefinedEnd | undefined;
  to: DefinedEnd | undefined;
  /** No problem, both ends defined and enabled: the chart writes its rules. */
  rendered: boolean;
  /** No problem, both ends defined, one a disabled component: the chart skips it. */
  skipped: boolean;
};

/** The connection's problems of every rule of this file (and its ports'), in the chart's order. */
export function planConnection(view: ValuesView, name: string): ConnectionPlan {
  return view.once(`connection-plan:${name}`, () => {
    const path: Path = ['connections', name];
    const problems: RuleProblem[] = [];
    const ends = (['from', 'to'] as const).map((side) => {
      const end = view.end(name, side);
      problems.push(...endProblems(view, [...path, side], end));
      return end;
    });
    const [from, to] = ends as [End, End];
    const list = portLists(view).find((l) => l.path[0] === 'connections' && l.path[1] === name);
    if (list) problems.push(...portProblems(list));
    const named = (end: End) => end.state === 'defined' || end.state === 'undefined';
    if (named(from) && named(to) && from.kind !== 'component' && to.kind !== 'component') {
      problems.push(
        noComponentEnd.problem(path, {
          fromKind: from.kind,
          from: from.name,
          toKind: to.kind,
          to: to.name,
        }),
      );
    }
    for (const [side, end] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (end.state === 'defined' && end.kind === 'network' && networkProblems(view, end.name).length === 0) {
        problems.push(...engineProblems(view, [...path, side, 'network'], side, end.name));
      }
    }
    const definedFrom = from.state === 'defined' ? from : undefined;
    const definedTo = to.state === 'defined' ? to : undefined;
    const clean = problems.length === 0 && definedFrom !== undefined && definedTo !== undefined;
    const enabled = clean && definedFrom.enabled && definedTo.enabled;
    return { problems, from: definedFrom, to: definedTo, rendered: enabled, skipped: clean && !enabled };
  });
}

function endProblems(view: ValuesView, path: Path, end: End): RuleProblem[] {
  if (end.state === 'malformed') {
    return [
      end.kinds.length === 0
        ? endpointOneKind.problem(path)
        : endpointOneKind.problem(path, { found: end.kinds.join(', ') }, { variant: 'several' }),
    ];
  }
  if (end.state !== 'undefined') return [];
  const definedNames = view.once(`names:${end.kind}`, () => {
    const defined = view.values[`${end.kind}s`];
    return isMap(defined) ? Object.keys(defined).sort() : [];
  });
  const args = { name: end.name, kind: end.kind, defined: definedNames.join(', ') || 'none' };
  return [referenceUndefined.problem([...path, end.kind], args, { related: [[`${end.kind}s`, end.name]] })];
}

/** What the policy engine can render of a network a connection names (a network with problems of its own is not asked). */
function engineProblems(view: ValuesView, path: Path, side: 'from' | 'to', network: string): RuleProblem[] {
  const entry = view.network(network) ?? {};
  const some = (key: string) => listOf(entry[key]).length > 0;
  const [cidrs, fqdns, entities] = [some('cidrs'), some('fqdns'), some('entities')];
  const related: Path[] = [['networks', network]];
  if (!view.cilium) return cidrs ? [] : [networkWithoutCidrs.problem(path, { network }, { related })];
  if (!cidrs && !fqdns && !entities) return [ciliumNetworkNoAddress.problem(path, { network }, { related })];
  if (side === 'from' && !cidrs && !entities) return [ciliumFqdnsAsSource.problem(path, { network }, { related })];
  if (side === 'to' && fqdns && !isEnabled(view.values.dns)) {
    return [ciliumFqdnsNeedDns.problem(path, { network }, { related: [...related, ['dns', 'enabled']] })];
  }
  return [];
}

function hasFqdns(view: ValuesView, network: string): boolean {
  return listOf(view.network(network)?.fqdns).length > 0;
}

function ownProblems(view: ValuesView, rule: string): RuleProblem[] {
  return view.connections().flatMap(([name]) => planConnection(view, name).problems.filter((p) => p.rule === rule));
}
