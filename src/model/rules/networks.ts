// Rules of the addresses: networks (their cidrs and except entries), privateCidrs and dns.cidrs.
// Go twin: fineract-netpol.plan.network (chart/templates/_plan.tpl) and the privateCidrs and
// IPv4-mapped checks of fineract-netpol.validate.values (_validate.tpl); CIDR arithmetic in
// ../cidr.ts (Go: _cidr.tpl).
import {
  canonicalCidr,
  cidrRelation,
  cidrsOverlap,
  coversAll,
  hasHostBits,
  isCidr,
  isIPv4Mapped,
  strictlyInside,
} from '../cidr.ts';
import { defineRule, type Path, type RuleProblem } from './rule.ts';
import { listOf, type ValuesView } from './view.ts';

export const cidrIPv4Mapped = defineRule({
  id: 'cidr-ipv4-mapped',
  summary: "A CIDR is an IPv4-mapped IPv6 address, which the API server's strict CIDR validation refuses.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        "%{cidr:q} is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which the API server's strict CIDR validation refuses",
      fix: 'write the IPv4 CIDR',
    },
  },
  check(view) {
    return cidrsOf(view)
      .filter(({ cidr }) => isMapped(cidr))
      .map(({ path, cidr }) => this.problem(path, { cidr }));
  },
});

export const cidrHostBits = defineRule({
  id: 'cidr-host-bits',
  summary: 'A CIDR of privateCidrs, dns.cidrs or of a network (cidrs, except) has host bits set.',
  severity: 'error',
  chart: true,
  messages: {
    default: { message: '%{cidr:q} has host bits set', fix: 'did you mean %{canonical:q}?' },
  },
  check(view) {
    // privateCidrs and dns.cidrs here; networkProblems checks the networks' own, in the chart's order.
    const outside = cidrsOf(view)
      .filter(({ path }) => path[0] !== 'networks')
      .flatMap(({ path, cidr }) => hostBitsOf(this, path, cidr));
    return [...outside, ...ownProblems(view, this.id)];
  },
});

export const cidrNotCanonical = defineRule({
  id: 'cidr-not-canonical',
  summary: 'A CIDR is not written the way the API server writes it (upper case, IPv6 not compressed).',
  severity: 'warning',
  chart: { why: "a warning: the API server accepts the CIDR and warns; Helm's checks can only refuse" },
  messages: {
    default: {
      message: '%{cidr:q} is not written in canonical form, which the API server warns about',
      fix: 'write %{canonical:q}',
    },
  },
  check(view) {
    return cidrsOf(view)
      .filter(({ cidr }) => !isMapped(cidr) && !hasHostBits(cidr) && canonicalCidr(cidr) !== cidr)
      .map(({ path, cidr }) => this.problem(path, { cidr, canonical: canonicalCidr(cidr) }));
  },
});

export const networkCidrsEmpty = defineRule({
  id: 'network-cidrs-empty',
  summary: 'A network lists cidrs: [] (no address).',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'is empty',
      fix: 'list at least one CIDR, such as 10.20.0.0/16 (or remove cidrs and give fqdns or entities)',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const networkNoAddress = defineRule({
  id: 'network-no-address',
  summary: 'A network names no address: no cidrs, fqdns or entities.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'names no address: a network has cidrs, fqdns or entities',
      fix: 'give cidrs (such as [10.20.0.0/16]), or with policyEngine cilium fqdns or entities',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const cidrInsidePrivate = defineRule({
  id: 'cidr-inside-private',
  summary:
    'A cidr of a network with excludePrivate lies inside a private range it excludes: nothing in it is reachable.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        '%{cidr:q} lies inside the private range %{range:q} that excludePrivate removes, so nothing in it is reachable',
      fix: 'set %{network}.excludePrivate: false and list the real subnets',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const exceptOutsideCidrs = defineRule({
  id: 'except-outside-cidrs',
  summary: "A network's except entry is not strictly inside any of its cidrs, which the API server rejects.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: '%{except:q} is not strictly inside any of the cidrs %{cidrs:json}, which the API server rejects',
      fix: 'remove it, or correct it to a block inside one of the cidrs',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const exceptCoversCidr = defineRule({
  id: 'except-covers-cidr',
  summary: "A network's except entries cover all of one of its cidrs: the network allows nothing there.",
  severity: 'error',
  chart: { why: "subtracting address ranges is beyond what the chart's Go templates compute at install time" },
  messages: {
    default: {
      message: 'the except entries %{excepts:json} cover all of %{cidr:q}, so the network allows nothing there',
      fix: 'remove the cidr, or shorten %{network}.except to the blocks that must stay closed',
    },
  },
  check(view) {
    const problems: RuleProblem[] = [];
    for (const [name, network] of view.networks()) {
      const cidrs = listOf(network.cidrs);
      const excepts = listOf(network.except).filter(usable);
      cidrs.forEach((cidr, i) => {
        if (!usable(cidr)) return;
        const inside = excepts.filter((e) => strictlyInside(e, cidr));
        if (coversAll(inside, cidr)) {
          problems.push(
            this.problem(['networks', name, 'cidrs', i], { excepts: inside, cidr, network: `networks.${name}` }),
          );
        }
      });
    }
    return problems;
  },
});

export const ipv6PrivateUnset = defineRule({
  id: 'ipv6-private-unset',
  summary:
    'IPv6 is one of ipFamilies and a network reaches the IPv6 internet, but privateCidrs holds no global IPv6 range: the cluster and VPC usually hold global addresses, which stay reachable.',
  severity: 'warning',
  chart: { why: "a warning: the values are valid, only the cluster's own IPv6 ranges are unknown to the chart" },
  messages: {
    default: {
      message:
        "%{networks} reach the IPv6 internet (::/0 without privateCidrs), but privateCidrs holds no global IPv6 range: IPv6 pods, nodes and VPCs usually have global addresses (on EKS the VPC's /56), which stay reachable through these networks",
      fix: "add the cluster's and the VPC's IPv6 CIDRs to privateCidrs",
    },
  },
  check(view) {
    if (!listOf(view.values.ipFamilies).includes('IPv6')) return [];
    const privateCidrs = listOf(view.values.privateCidrs).filter(usable);
    if (privateCidrs.some((range) => cidrsOverlap(range, GLOBAL_UNICAST))) return [];
    const used = new Set<string>();
    for (const [name] of view.connections())
      for (const side of ['from', 'to'] as const) {
        const end = view.end(name, side);
        if (end.state === 'defined' && end.kind === 'network') used.add(end.name);
      }
    const networks = view
      .networks()
      .filter(
        ([name, network]) =>
          used.has(name) &&
          network.excludePrivate === true &&
          (impliedIPv6(view.values, network) !== undefined ||
            listOf(network.cidrs).some((cidr) => usable(cidr) && cidrsOverlap(cidr, GLOBAL_UNICAST))),
      )
      .map(([name]) => `networks.${name}`);
    if (networks.length === 0) return [];
    return [this.problem(['privateCidrs'], { networks: networks.join(', ') }, { related: [['ipFamilies']] })];
  },
});

/** IPv6 global unicast (RFC 4291): where a cluster's own IPv6 addresses usually are. */
const GLOBAL_UNICAST = '2000::/3';

/**
 * The IPv6 block a network gains on a dual-stack cluster: `::/0` when ipFamilies lists IPv6 and
 * the network holds 0.0.0.0/0 and no IPv6 block — unless its excludePrivate removes all of IPv6
 * (a privateCidrs entry ::/0). Rendered after the network's own blocks, its except the
 * privateCidrs inside it (with excludePrivate). Go twin: fineract-netpol.plan.network.
 *
 * Usage: impliedIPv6({ipFamilies: ['IPv4', 'IPv6']}, {cidrs: ['0.0.0.0/0']})  // '::/0'
 */
export function impliedIPv6(values: Record<string, unknown>, network: Record<string, unknown>): string | undefined {
  if (!listOf(values.ipFamilies).includes('IPv6')) return undefined;
  const cidrs = listOf(network.cidrs);
  if (!cidrs.includes('0.0.0.0/0') || cidrs.some((cidr) => typeof cidr === 'string' && cidr.includes(':')))
    return undefined;
  if (network.excludePrivate === true && listOf(values.privateCidrs).includes('::/0')) return undefined;
  return '::/0';
}

// ---- the problems of each network, found once (the plan skips a network that has any) -------------

/**
 * The problems of one network, of every rule that plan.network checks, in the chart's order. A
 * network with any is left out of the connections' checks (its problems are reported once).
 */
export function networkProblems(view: ValuesView, name: string): RuleProblem[] {
  return view.once(`network-problems:${name}`, () => {
    const network = view.network(name);
    if (!network) return [];
    const path: Path = ['networks', name];
    const problems: RuleProblem[] = [];
    const cidrs = listOf(network.cidrs);
    const excepts = listOf(network.except);
    const entities = listOf(network.entities);
    if (
      Object.hasOwn(network, 'cidrs') &&
      network.cidrs !== null &&
      Array.isArray(network.cidrs) &&
      cidrs.length === 0
    ) {
      problems.push(networkCidrsEmpty.problem([...path, 'cidrs']));
    } else if (cidrs.length === 0 && !Object.hasOwn(network, 'fqdns') && entities.length === 0) {
      problems.push(networkNoAddress.problem(path));
    }
    const privateCidrs = listOf(view.values.privateCidrs).filter(usable);
    cidrs.forEach((cidr, i) => {
      if (!usable(cidr)) return;
      problems.push(...hostBitsOf(cidrHostBits, [...path, 'cidrs', i], cidr));
      if (network.excludePrivate !== true) return;
      for (const [k, range] of privateCidrs.entries()) {
        const relation = cidrRelation(range, cidr);
        if (relation === 'inside' || relation === 'disjoint') continue;
        problems.push(
          cidrInsidePrivate.problem(
            [...path, 'cidrs', i],
            { cidr, range, network: `networks.${name}` },
            {
              related: [
                [...path, 'excludePrivate'],
                ['privateCidrs', k],
              ],
            },
          ),
        );
      }
    });
    const validCidrs = cidrs.filter(usable);
    excepts.forEach((except, j) => {
      if (!usable(except)) return;
      if (!validCidrs.some((cidr) => strictlyInside(except, cidr))) {
        problems.push(exceptOutsideCidrs.problem([...path, 'except', j], { except, cidrs: validCidrs }));
      } else {
        problems.push(...hostBitsOf(cidrHostBits, [...path, 'except', j], except));
      }
    });
    return problems;
  });
}

/** The network problems of one rule, over every network. */
function ownProblems(view: ValuesView, rule: string): RuleProblem[] {
  return view.networks().flatMap(([name]) => networkProblems(view, name).filter((p) => p.rule === rule));
}

function hostBitsOf(rule: typeof cidrHostBits, path: Path, cidr: unknown): RuleProblem[] {
  if (!usable(cidr) || !hasHostBits(cidr)) return [];
  return [rule.problem(path, { cidr, canonical: canonicalCidr(cidr) })];
}

/** A CIDR the arithmetic takes: one the schema's pattern accepts (the schema reports the others). */
function usable(cidr: unknown): cidr is string {
  return isCidr(cidr);
}

function isMapped(cidr: string): boolean {
  return isIPv4Mapped(cidr.split('/')[0] ?? '');
}

/** Every CIDR of privateCidrs, dns.cidrs and the networks (cidrs, except), with its path. */
function cidrsOf(view: ValuesView): { path: Path; cidr: string }[] {
  const out: { path: Path; cidr: string }[] = [];
  const add = (path: Path, list: unknown) =>
    listOf(list).forEach((cidr, i) => {
      if (isCidr(cidr)) out.push({ path: [...path, i], cidr });
    });
  add(['privateCidrs'], view.values.privateCidrs);
  add(['dns', 'cidrs'], view.section('dns')?.cidrs);
  for (const [name, network] of view.networks()) {
    add(['networks', name, 'cidrs'], network.cidrs);
    add(['networks', name, 'except'], network.except);
  }
  return out;
}
