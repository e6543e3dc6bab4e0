// Stage 4 of validate: what JSON Schema cannot express, checked on the merged values with the
// meaning the chart gives them (chart/templates/_validate.tpl and _plan.tpl; src/model/expand.ts is
// their TypeScript twin). Every check the chart's validation helper makes is here, with the same
// meaning, plus checks the chart cannot make (duplicate flows, host bits in excepts written
// outside a cidr, both namespace and an empty namespaceSelector, disabled components).
//
// Usage: const findings = checkSemantics(merged.values, merged.locations);
//
// The values may not match the schema (its errors are reported separately): every check looks at
// the shapes it needs and skips what is not there.
import { containsCidr, excludeCidr, normalizeCidr, overlapCidr, parseCidr } from 'cidr-tools';
import {
  ANNOTATIONS_SIZE_LIMIT,
  annotationsSize,
  CIDR,
  CILIUM_IGNORED_LABEL_KEY,
  PORT_NAME,
} from '../model/patterns.ts';
import { isIPv4Mapped } from '../verify/addresses.ts';
import { isDeleted, isWritten, locate } from './merge.ts';
import { formatPath, isMap } from './paths.ts';
import type { LocationNode } from './read.ts';
import { closestName } from './suggest.ts';
import type { Finding, Path } from './types.ts';

type Values = Record<string, unknown>;

const ENDPOINT_KINDS = ['component', 'peer', 'network'] as const;
type EndpointKind = (typeof ENDPOINT_KINDS)[number];

/** An endpoint that names exactly one kind. */
type Endpoint = { kind: EndpointKind; name: string; defined: boolean; enabled: boolean };

/** Where the values came from: the merged locations and the files in -f order. */
type Context = { locations: LocationNode | undefined; files: readonly string[] };

export function checkSemantics(
  values: Values,
  locations: LocationNode | undefined,
  files: readonly string[],
): Finding[] {
  const context: Context = { locations, files };
  return [
    ...checkAnnotations(values),
    ...checkComponents(values),
    ...checkPods(values),
    ...checkPeersOverlappingComponents(values),
    ...checkPrivateCidrs(values),
    ...checkNetworks(values),
    ...checkConnections(values, context),
    ...checkDefaultDeny(values),
    ...checkCiliumLabels(values),
  ];
}

// ---- policyEngine cilium -------------------------------------------------------------------------------

/**
 * With policyEngine cilium, a pod selector may not use a label Cilium's default label filter
 * leaves out of security identities (CILIUM_IGNORED_LABEL_KEY): the CiliumNetworkPolicy could not
 * select by it, and a component's policy would select nothing (its pods unprotected).
 */
function checkCiliumLabels(values: Values): Finding[] {
  if (values.policyEngine !== 'cilium') return [];
  const selectors: [Path, unknown][] = [];
  for (const [name, component] of sortedEntries(values.components)) {
    if (isMap(component) && isEnabled(component)) selectors.push([['components', name], component.podSelector]);
  }
  for (const [name, peer] of sortedEntries(values.peers)) {
    if (isMap(peer)) selectors.push([['peers', name], peer.podSelector]);
  }
  for (const area of ['dns', 'monitoring'] as const) {
    const pods = values[area];
    if (isMap(pods) && isEnabled(pods)) selectors.push([[area], pods.podSelector]);
  }
  const findings: Finding[] = [];
  for (const [path, selector] of selectors) {
    if (!isMap(selector)) continue;
    const keys: [Path, string][] = [];
    if (isMap(selector.matchLabels)) {
      for (const key of Object.keys(selector.matchLabels))
        keys.push([[...path, 'podSelector', 'matchLabels', key], key]);
    }
    if (Array.isArray(selector.matchExpressions)) {
      selector.matchExpressions.forEach((e: unknown, i) => {
        if (isMap(e) && typeof e.key === 'string')
          keys.push([[...path, 'podSelector', 'matchExpressions', i, 'key'], e.key]);
      });
    }
    for (const [at, key] of keys) {
      if (!CILIUM_IGNORED_LABEL_KEY.test(key)) continue;
      findings.push({
        path: at,
        message: `Cilium leaves the pod label "${key}" out of its security identities (its default label filter), so a CiliumNetworkPolicy cannot select by it`,
        fix: 'select the pods by another label, or set policyEngine: kubernetes',
        severity: 'error',
        related: [['policyEngine']],
      });
    }
  }
  return findings;
}

// ---- defaultDeny ---------------------------------------------------------------------------------------

/**
 * defaultDeny isolates every pod of the release namespace, also the pods this chart writes no
 * policy for. A peer used by a connection, the DNS target or the monitoring source left in the
 * release namespace (neither namespace nor namespaceSelector) is then isolated too, and its side
 * of each flow is blocked unless some other policy allows it: a warning, since such a policy may
 * exist outside the chart.
 */
function checkDefaultDeny(values: Values): Finding[] {
  if (!isMap(values.defaultDeny) || values.defaultDeny.enabled !== true) return [];
  const inRelease = (pods: unknown): boolean =>
    isMap(pods) && !(typeof pods.namespace === 'string' && pods.namespace !== '') && !isMap(pods.namespaceSelector);
  const fix =
    'give those pods a NetworkPolicy of their own that allows their side, or name their namespace (namespace: <name>) if they live elsewhere';
  const findings: Finding[] = [];
  const uses = new Map<string, string[]>();
  for (const [name, connection] of sortedEntries(values.connections)) {
    if (!isMap(connection) || !isEnabled(connection)) continue;
    for (const end of [connection.from, connection.to]) {
      if (isMap(end) && typeof end.peer === 'string') uses.set(end.peer, [...(uses.get(end.peer) ?? []), name]);
    }
  }
  for (const [peer, connections] of uses) {
    if (!isMap(values.peers) || !inRelease(values.peers[peer])) continue;
    findings.push({
      path: ['peers', peer],
      message: `is in the release namespace, where defaultDeny isolates its pods too: ${connections.map((c) => `"${c}"`).join(', ')} ${connections.length === 1 ? 'is' : 'are'} blocked on the peer's side`,
      fix,
      severity: 'warning',
    });
  }
  for (const [area, what] of [
    ['dns', 'the DNS pods cannot be reached: every component loses name resolution'],
    ['monitoring', 'the monitoring pods cannot scrape the components'],
  ] as const) {
    const pods = values[area];
    if (!isEnabled(pods) || !inRelease(pods)) continue;
    findings.push({
      path: [area],
      message: `is in the release namespace, where defaultDeny isolates its pods too: ${what}`,
      fix,
      severity: 'warning',
    });
  }
  return findings;
}

// ---- components --------------------------------------------------------------------------------------

/** commonAnnotations go on every object, so their total size must stay within the API server's limit. */
function checkAnnotations(values: Values): Finding[] {
  if (!isMap(values.commonAnnotations)) return [];
  const size = annotationsSize(values.commonAnnotations);
  if (size <= ANNOTATIONS_SIZE_LIMIT) return [];
  return [
    {
      path: ['commonAnnotations'],
      message: `${size} bytes of keys and values, above the ${ANNOTATIONS_SIZE_LIMIT} (256 KiB) the API server allows for an object's annotations`,
      fix: 'shorten them: link to a document instead of embedding it',
      severity: 'error',
    },
  ];
}

function checkComponents(values: Values): Finding[] {
  const findings: Finding[] = [];
  const policyNames = new Map<string, string>();
  const defaultDeny = values.defaultDeny;
  if (isEnabled(defaultDeny)) {
    const name = isMap(defaultDeny) && typeof defaultDeny.policyName === 'string' ? defaultDeny.policyName : '';
    policyNames.set(name || 'default-deny-all', 'defaultDeny.policyName');
  }
  for (const [name, component] of sortedEntries(values.components)) {
    const path = ['components', name];
    if (!isMap(component)) continue;
    if (isEnabled(component) && isMap(component.podSelector) && selectsAll(component.podSelector)) {
      findings.push({
        path: [...path, 'podSelector'],
        message: "selects every pod of the namespace: the component's policy would isolate them all",
        fix: "list the labels of the component's pods (e.g. matchLabels: {app.kubernetes.io/name: …}); for a namespace-wide deny-all policy use defaultDeny.enabled",
        severity: 'error',
      });
    }
    if (isEnabled(component)) {
      const policyName =
        typeof component.policyName === 'string' && component.policyName !== ''
          ? component.policyName
          : `${name}-network-policy`;
      const owner = policyNames.get(policyName);
      if (owner !== undefined) {
        findings.push({
          path: [...path, 'policyName'],
          message: `"${policyName}" is already the name of ${owner}'s policy: the second NetworkPolicy would replace the first`,
          fix: 'give each policy its own name',
          severity: 'error',
          related: [path],
        });
      } else {
        policyNames.set(policyName, formatPath(path));
      }
    }
    if (Array.isArray(component.metricsPorts)) {
      findings.push(...checkPorts([...path, 'metricsPorts'], component.metricsPorts, false));
    }
  }
  return findings;
}

// ---- peers, dns, monitoring: pods in some namespace(s) ---------------------------------------------------

function checkPods(values: Values): Finding[] {
  const findings: Finding[] = [];
  for (const [name, peer] of sortedEntries(values.peers)) {
    if (isMap(peer)) findings.push(...checkPodsIn(['peers', name], peer, 'peer'));
  }
  for (const area of ['dns', 'monitoring'] as const) {
    const pods = values[area];
    if (!isMap(pods) || !isEnabled(pods)) continue;
    findings.push(...checkPodsIn([area], pods, area === 'dns' ? 'DNS target' : 'monitoring source'));
    if (area === 'dns' && Array.isArray(pods.ports)) findings.push(...checkPorts(['dns', 'ports'], pods.ports, false));
  }
  return findings;
}

function checkPodsIn(path: Path, pods: Record<string, unknown>, what: string): Finding[] {
  const findings: Finding[] = [];
  const hasNamespace = typeof pods.namespace === 'string' && pods.namespace !== '';
  if (hasNamespace && isMap(pods.namespaceSelector)) {
    findings.push({
      path: [...path, 'namespaceSelector'],
      message: `is set together with namespace "${String(pods.namespace)}"; a ${what} names its namespace(s) one way`,
      fix: `keep one: remove the other, or set it to null in an override (e.g. namespace: null to replace the chart's default namespace)`,
      severity: 'error',
      related: [[...path, 'namespace']],
    });
  } else if (!hasNamespace && isMap(pods.namespaceSelector) && selectsAll(pods.namespaceSelector)) {
    findings.push({
      path: [...path, 'namespaceSelector'],
      message: 'selects every namespace of the cluster',
      fix: 'name the namespace (namespace: <name>) or list its labels (matchLabels: {…})',
      severity: 'error',
    });
  }
  if (isMap(pods.podSelector) && selectsAll(pods.podSelector)) {
    findings.push({
      path: [...path, 'podSelector'],
      message: `selects every pod of the ${what}'s namespace(s)`,
      fix: 'list the labels of the pods that need access (e.g. matchLabels: {app.kubernetes.io/name: …})',
      severity: 'error',
    });
  }
  return findings;
}

/**
 * A peer in the release namespace whose podSelector surely shares pods with an enabled component
 * (one selector implies the other): those pods are governed by the component's policy, which the
 * peer's connections do not change, so every flow with the peer is open on one side only. As the
 * chart's fineract-netpol.validate.peerOverlaps. Peers with a namespace or namespaceSelector are
 * left alone: validate does not know the release namespace.
 */
function checkPeersOverlappingComponents(values: Values): Finding[] {
  const findings: Finding[] = [];
  for (const [name, peer] of sortedEntries(values.peers)) {
    if (!isMap(peer) || !isMap(peer.podSelector) || selectsAll(peer.podSelector)) continue;
    const inRelease =
      !(typeof peer.namespace === 'string' && peer.namespace !== '') && !hasEntries(peer.namespaceSelector);
    if (!inRelease) continue;
    const peerRequirements = requirementsOf(peer.podSelector);
    for (const [component, entry] of sortedEntries(values.components)) {
      if (!isEnabled(entry) || !isMap(entry) || !isMap(entry.podSelector) || selectsAll(entry.podSelector)) continue;
      const componentRequirements = requirementsOf(entry.podSelector);
      if (!peerRequirements || !componentRequirements) continue;
      const narrower = implies(peerRequirements, componentRequirements);
      if (!narrower && !implies(componentRequirements, peerRequirements)) continue;
      findings.push({
        path: ['peers', name, 'podSelector'],
        message: `selects pods of component "${component}" (${narrower ? `every pod it selects is a ${component} pod` : `it selects every ${component} pod`}): ${component}'s policy governs those pods and does not allow this peer's flows, so they would be open on one side only`,
        fix: `connect to {component: ${component}} instead of {peer: ${name}}; to reach only these pods, make them a component of their own (components.<name>.podSelector: this selector), whose policy Kubernetes adds to ${component}'s for them`,
        severity: 'error',
        related: [['components', component, 'podSelector']],
      });
    }
  }
  return findings;
}

/** A selector's requirements, matchLabels as `In [value]`; undefined when it is malformed. */
type Requirement = { key: string; operator: string; values: string[] };
function requirementsOf(selector: Record<string, unknown>): Requirement[] | undefined {
  const out: Requirement[] = [];
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isMap(matchLabels)) return undefined;
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') return undefined;
      out.push({ key, operator: 'In', values: [value] });
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return undefined;
    for (const e of matchExpressions as unknown[]) {
      if (!isMap(e) || typeof e.key !== 'string' || typeof e.operator !== 'string') return undefined;
      const list: unknown = e.values ?? [];
      if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) return undefined;
      out.push({ key: e.key, operator: e.operator, values: list });
    }
  }
  return out;
}

/**
 * Every pod `a` selects, `b` selects too: each requirement of `b` follows from one requirement of
 * `a` on the same key (sound, not complete: requirements are not combined). As the chart's
 * fineract-netpol.validate.implies.
 */
function implies(a: Requirement[], b: Requirement[]): boolean {
  const follows = (ra: Requirement, rb: Requirement): boolean => {
    if (ra.key !== rb.key) return false;
    const inA = ra.operator === 'In' && ra.values.length > 0;
    switch (rb.operator) {
      case 'In':
        return inA && ra.values.every((v) => rb.values.includes(v));
      case 'NotIn':
        return (
          (inA && ra.values.every((v) => !rb.values.includes(v))) ||
          (ra.operator === 'NotIn' && rb.values.every((v) => ra.values.includes(v))) ||
          ra.operator === 'DoesNotExist'
        );
      case 'Exists':
        return inA || ra.operator === 'Exists';
      case 'DoesNotExist':
        return ra.operator === 'DoesNotExist';
      default:
        return false;
    }
  };
  return b.every((rb) => a.some((ra) => follows(ra, rb)));
}

// ---- CIDRs ---------------------------------------------------------------------------------------------

function checkPrivateCidrs(values: Values): Finding[] {
  if (!Array.isArray(values.privateCidrs)) return [];
  return values.privateCidrs.flatMap((cidr, i) => hostBits(['privateCidrs', i], cidr));
}

function checkNetworks(values: Values): Finding[] {
  const findings: Finding[] = [];
  const allPrivate = (Array.isArray(values.privateCidrs) ? values.privateCidrs : []) as unknown[];
  const privateIndex = allPrivate.flatMap((c, i) => (isCidr(c) ? [i] : []));
  const privateCidrs = allPrivate.filter(isCidr);
  for (const [name, network] of sortedEntries(values.networks)) {
    if (!isMap(network)) continue;
    const path = ['networks', name];
    const cidrs = (Array.isArray(network.cidrs) ? network.cidrs : []) as unknown[];
    cidrs.forEach((cidr, i) => {
      if (!isCidr(cidr)) return;
      findings.push(...hostBits([...path, 'cidrs', i], cidr));
      if (network.excludePrivate !== true) return;
      for (const [k, range] of privateCidrs.entries()) {
        if (overlaps(range, cidr) && !strictlyInside(range, cidr)) {
          findings.push({
            path: [...path, 'cidrs', i],
            message: `"${cidr}" lies inside the private range "${range}" that excludePrivate removes, so nothing in it is reachable`,
            fix: `set ${formatPath([...path, 'excludePrivate'])}: false and list the real subnets`,
            severity: 'error',
            related: [
              [...path, 'excludePrivate'],
              ['privateCidrs', privateIndex[k] ?? 0],
            ],
          });
        }
      }
    });
    if (!['cidrs', 'fqdns', 'entities'].some((key) => Array.isArray(network[key]))) {
      findings.push({
        path,
        message: 'names no address: a network has cidrs, fqdns or entities',
        fix: 'give cidrs (such as [10.20.0.0/16]), or with policyEngine cilium fqdns or entities',
        severity: 'error',
      });
    }
    const validCidrs = cidrs.filter(isCidr);
    const excepts = (Array.isArray(network.except) ? network.except : []) as unknown[];
    excepts.forEach((except, j) => {
      if (!isCidr(except)) return;
      if (!validCidrs.some((cidr) => strictlyInside(except, cidr))) {
        findings.push({
          path: [...path, 'except', j],
          message: `"${except}" is not strictly inside any of the cidrs ${JSON.stringify(validCidrs)}, which the API server rejects`,
          fix: 'remove it, or correct it to a block inside one of the cidrs',
          severity: 'error',
        });
      } else {
        findings.push(...hostBits([...path, 'except', j], except));
      }
    });
    // A cidr whose excepts leave nothing of it: the network looks open but allows nothing there.
    validCidrs.forEach((cidr) => {
      const inside = excepts.filter((e): e is string => isCidr(e) && strictlyInside(e, cidr));
      if (inside.length === 0 || excludeCidr([cidr], inside).length > 0) return;
      findings.push({
        path: [...path, 'cidrs', cidrs.indexOf(cidr)],
        message: `the except entries ${JSON.stringify(inside)} cover all of "${cidr}", so the network allows nothing there`,
        fix: `remove the cidr, or shorten ${formatPath([...path, 'except'])} to the blocks that must stay closed`,
        severity: 'error',
      });
    });
  }
  return findings;
}

function hostBits(path: Path, cidr: unknown): Finding[] {
  if (!isCidr(cidr)) return [];
  const { ip, prefix, version } = parseCidr(cidr);
  const canonical = normalizeCidr(cidr);
  if (version === 6 && isIPv4Mapped(ip)) {
    return [
      {
        path,
        message: `"${cidr}" is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which the API server's strict CIDR validation refuses`,
        fix: 'write the IPv4 CIDR instead',
        severity: 'error',
      },
    ];
  }
  if (canonical === `${normalizeCidr(ip)}/${prefix}`) {
    if (canonical === cidr) return [];
    return [
      {
        path,
        message: `"${cidr}" is not written in canonical form, which the API server warns about`,
        fix: `write "${canonical}"`,
        severity: 'warning',
      },
    ];
  }
  return [
    {
      path,
      message: `"${cidr}" has host bits set`,
      fix: `did you mean "${canonical}"?`,
      severity: 'error',
    },
  ];
}

function isCidr(value: unknown): value is string {
  return typeof value === 'string' && CIDR.test(value);
}

/** `a` is a strict subset of `b` (the API server's rule for an ipBlock's except). */
function strictlyInside(a: string, b: string): boolean {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  return pa.version === pb.version && Number(pa.prefix) > Number(pb.prefix) && containsCidr(b, a);
}

function overlaps(a: string, b: string): boolean {
  return parseCidr(a).version === parseCidr(b).version && overlapCidr(a, b);
}

// ---- ports ---------------------------------------------------------------------------------------------

type PortEntry = { port: number | string; protocol: string; endPort?: number };

function checkPorts(path: Path, ports: unknown[], toNetwork: boolean): Finding[] {
  const findings: Finding[] = [];
  ports.forEach((entry, i) => {
    if (!isMap(entry)) return;
    const { port, endPort } = entry;
    // A string that is no port name (a number in quotes, capitals): the schema check reports it once.
    if (typeof port === 'string' && PORT_NAME.test(port)) {
      if (toNetwork) {
        findings.push({
          path: [...path, i, 'port'],
          message: `named port "${port}" cannot be resolved for a network (ipBlock) destination: only pods have named ports`,
          fix: 'use the port number',
          severity: 'error',
        });
      }
      if (endPort !== undefined) {
        findings.push({
          path: [...path, i, 'endPort'],
          message: `cannot be used with the named port "${port}"`,
          fix: 'use a numeric port for a range, or remove endPort',
          severity: 'error',
        });
      }
    } else if (typeof port === 'number' && typeof endPort === 'number' && endPort < port) {
      findings.push({
        path: [...path, i, 'endPort'],
        message: `${endPort} is below port ${port}; endPort must be >= port`,
        fix: `did you mean port: ${endPort}, endPort: ${port}?`,
        severity: 'error',
      });
    }
  });
  return findings;
}

function portEntries(ports: unknown): PortEntry[] {
  if (!Array.isArray(ports)) return [];
  return ports.flatMap((p): PortEntry[] => {
    if (!isMap(p) || (typeof p.port !== 'number' && typeof p.port !== 'string')) return [];
    const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    return [{ port: p.port, protocol, ...(typeof p.endPort === 'number' ? { endPort: p.endPort } : {}) }];
  });
}

/** The ports two entries both allow, in words (`TCP 8080`, `TCP 8000-8090`), or undefined. */
function overlap(a: PortEntry, b: PortEntry): string | undefined {
  if (a.protocol !== b.protocol) return undefined;
  if (typeof a.port === 'string' || typeof b.port === 'string') {
    return a.port === b.port ? `${a.protocol} ${a.port}` : undefined;
  }
  const from = Math.max(a.port, b.port);
  const to = Math.min(a.endPort ?? a.port, b.endPort ?? b.port);
  if (from > to) return undefined;
  return `${a.protocol} ${from === to ? from : `${from}-${to}`}`;
}

// ---- connections ---------------------------------------------------------------------------------------

type Flow = { name: string; from: Endpoint; to: Endpoint; ports: PortEntry[] };

function checkConnections(values: Values, context: Context): Finding[] {
  const findings: Finding[] = [];
  const flows: Flow[] = [];
  const skipped: Finding[] = [];
  for (const [name, connection] of sortedEntries(values.connections)) {
    if (!isMap(connection) || !isEnabled(connection)) continue;
    const path = ['connections', name];
    const problems: Finding[] = [];
    const from = checkEndpoint([...path, 'from'], connection.from, values, context, problems);
    const to = checkEndpoint([...path, 'to'], connection.to, values, context, problems);
    if (from && to && from.kind !== 'component' && to.kind !== 'component') {
      problems.push({
        path,
        message: `neither end is a component (from ${from.kind} "${from.name}", to ${to.kind} "${to.name}"): this chart only writes the policies of its components`,
        fix: 'make one end {component: …}; traffic between two workloads outside the chart is theirs to allow',
        severity: 'error',
      });
    }
    if (Array.isArray(connection.ports)) {
      problems.push(...checkPorts([...path, 'ports'], connection.ports, to?.kind === 'network'));
    }
    for (const [side, end] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (end?.kind === 'network' && end.defined)
        problems.push(...checkEngine(values, [...path, side], side, end.name));
    }
    findings.push(...problems);
    if (!from || !to || !from.defined || !to.defined) continue;
    if (problems.length === 0) {
      for (const [end, endpoint] of [
        ['from', from],
        ['to', to],
      ] as const) {
        if (endpoint.kind === 'component' && !endpoint.enabled) {
          skipped.push({
            path: [...path, end, 'component'],
            message: `component "${endpoint.name}" is disabled (enabled: false): this connection is skipped`,
            fix: '', // below: one override for every skipped connection
            severity: 'warning',
            related: [['components', endpoint.name, 'enabled']],
          });
          break;
        }
      }
    }
    flows.push({ name, from, to, ports: portEntries(connection.ports) });
  }
  findings.push(...checkDnsProxyPorts(values, flows));
  const fixes = skippedFixes(skipped.map((f) => String(f.path[1])));
  findings.push(...skipped.map((f, i) => ({ ...f, fix: fixes[i] ?? '' })), ...duplicateFlows(flows, context));
  return findings;
}

/**
 * What the policy engine can render of a network a connection names (keep in step with
 * _plan.tpl): the kubernetes engine renders only cidrs, so a network without any is refused there
 * (never widened, never dropped); with cilium, a network must name some address, fqdns only as a
 * destination (toFQDNs is egress only), and fqdns need the DNS rule (Cilium's DNS proxy).
 */
function checkEngine(values: Values, path: Path, side: 'from' | 'to', name: string): Finding[] {
  const network = isMap(values.networks) ? values.networks[name] : undefined;
  if (!isMap(network)) return [];
  const some = (key: string) => Array.isArray(network[key]) && (network[key] as unknown[]).length > 0;
  const [cidrs, fqdns, entities] = [some('cidrs'), some('fqdns'), some('entities')];
  // An empty cidrs list, or a network naming none of the three, is reported with the network.
  const listed = ['cidrs', 'fqdns', 'entities'].filter((key) => Array.isArray(network[key]));
  if (listed.length === 0 || (Array.isArray(network['cidrs']) && !cidrs)) return [];
  const at = [...path, 'network'];
  const related: Path[] = [['networks', name]];
  if (values.policyEngine !== 'cilium') {
    if (cidrs) return [];
    return [
      {
        path: at,
        message: `network "${name}" has no cidrs, and a NetworkPolicy matches addresses only (its fqdns and entities need Cilium)`,
        fix: `give networks.${name}.cidrs, or set policyEngine: cilium`,
        severity: 'error',
        related,
      },
    ];
  }
  if (!cidrs && !fqdns && !entities) {
    return [
      {
        path: at,
        message: `network "${name}" names no address yet (its cidrs, fqdns and entities are empty)`,
        fix: `fill in networks.${name}.fqdns (or cidrs), or disable the connection`,
        severity: 'error',
        related,
      },
    ];
  }
  if (side === 'from' && !cidrs && !entities) {
    return [
      {
        path: at,
        message: `network "${name}" has only fqdns, which Cilium matches for egress only (toFQDNs)`,
        fix: `give networks.${name}.cidrs or entities, or make the network the destination`,
        severity: 'error',
        related,
      },
    ];
  }
  if (side === 'to' && fqdns && isMap(values.dns) && !isEnabled(values.dns)) {
    return [
      {
        path: at,
        message: `network "${name}" has fqdns, which need dns.enabled: Cilium learns their addresses from the DNS answers the DNS rule lets its proxy see`,
        fix: `set dns.enabled: true, or remove networks.${name}.fqdns`,
        severity: 'error',
        related: [...related, ['dns', 'enabled']],
      },
    ];
  }
  return [];
}

/**
 * With cilium, components that reach DNS names get `rules.dns` on their DNS rule (Cilium's DNS
 * proxy), which Cilium refuses on a port range: each range of dns.ports is then an error.
 */
function checkDnsProxyPorts(values: Values, flows: Flow[]): Finding[] {
  if (values.policyEngine !== 'cilium' || !isMap(values.dns) || !isEnabled(values.dns)) return [];
  const networks = isMap(values.networks) ? values.networks : {};
  const reaching = [
    ...new Set(
      flows
        .filter((f) => {
          const network = f.to.kind === 'network' && f.from.enabled ? networks[f.to.name] : undefined;
          return isMap(network) && Array.isArray(network.fqdns) && network.fqdns.length > 0;
        })
        .map((f) => f.from.name),
    ),
  ].sort();
  if (reaching.length === 0 || !Array.isArray(values.dns.ports)) return [];
  return values.dns.ports.flatMap((port: unknown, i): Finding[] =>
    isMap(port) && typeof port.endPort === 'number'
      ? [
          {
            path: ['dns', 'ports', i, 'endPort'],
            message: `Cilium's DNS proxy takes no port range, and the components ${reaching.join(', ')} reach DNS names through it (rules.dns)`,
            fix: 'list the DNS ports one by one',
            severity: 'error',
          },
        ]
      : [],
  );
}

/** At most this many skipped connections each carry the override for all of them. */
const SHARED_OVERRIDE_MAX = 5;

/**
 * The fixes of the skipped connections, in order: the one-line override that silences all of them,
 * on each warning while they are few; beyond SHARED_OVERRIDE_MAX, each warning's own override and,
 * on the first, the one for all of them (a list of every name on every warning would make the
 * output grow with the square of their number).
 */
function skippedFixes(names: string[]): string[] {
  const all = disableOverride(names);
  if (names.length <= SHARED_OVERRIDE_MAX) {
    return names.map(
      () => `enable the component, or silence these warnings by disabling the skipped connections too: ${all}`,
    );
  }
  return names.map((name, i) => {
    const own = `enable the component, or disable this connection too: ${disableOverride([name])}`;
    return i === 0 ? `${own}; all ${names.length} skipped connections at once: ${all}` : own;
  });
}

/**
 * The one-line override that disables these connections, for the command line and for a values
 * file: `--set connections.a.enabled=false,connections.b.enabled=false (values: connections:
 * {a: {enabled: false}, b: {enabled: false}})`. Names are DNS-1123 labels: no dot to escape.
 */
function disableOverride(connections: string[]): string {
  const set = connections.map((c) => `connections.${c}.enabled=false`).join(',');
  const yaml = connections.map((c) => `${c}: {enabled: false}`).join(', ');
  return `--set ${set} (in a values file: connections: {${yaml}})`;
}

/** The one endpoint a connection end names; problems are added to `problems`. */
function checkEndpoint(
  path: Path,
  value: unknown,
  values: Values,
  context: Context,
  problems: Finding[],
): Endpoint | undefined {
  if (value === undefined) return undefined; // missing: the schema says it is required
  if (!isMap(value)) {
    problems.push({
      path,
      message: `must be a mapping naming one endpoint, not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}`,
      fix: 'write exactly one of {component: <name>}, {peer: <name>} or {network: <name>}',
      severity: 'error',
    });
    return undefined;
  }
  const kinds = ENDPOINT_KINDS.filter((kind) => Object.hasOwn(value, kind));
  const unknown = Object.keys(value).filter((key) => !(ENDPOINT_KINDS as readonly string[]).includes(key));
  for (const key of unknown) {
    const suggestion = closestName(key, ENDPOINT_KINDS);
    problems.push({
      path: [...path, key],
      message: `unknown key \`${key}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}${kinds.length === 0 ? ': the endpoint names none of component, peer or network' : ''}`,
      fix: suggestion ? `rename it to \`${suggestion}\`` : 'an endpoint is exactly one of component, peer or network',
      severity: 'error',
    });
  }
  if (kinds.length === 0) {
    if (unknown.length === 0) {
      problems.push({
        path,
        message: 'names no endpoint: it must name exactly one of component, peer or network',
        fix: 'write {component: <name>}, {peer: <name>} or {network: <name>}, e.g. {component: fineract}',
        severity: 'error',
      });
    }
    return undefined;
  }
  if (kinds.length > 1) {
    problems.push(twoKinds(path, value, kinds, context));
    return undefined;
  }
  const kind = kinds[0] as EndpointKind;
  const name = value[kind];
  if (typeof name !== 'string') return undefined; // the schema reports the type
  const defined = values[`${kind}s`];
  const { entries, names } = definedNames(defined);
  if (!names.has(name)) {
    const suggestion = closestName(name, entries);
    const deleted = isDeleted(context.locations, [`${kind}s`, name]);
    const connection = formatPath(path.slice(0, 2));
    problems.push({
      path: [...path, kind],
      message: `"${name}" is not defined in ${kind}s (defined: ${entries.join(', ') || 'none'})`,
      fix: deleted
        ? `${kind}s.${name} is deleted (null) in the values: set ${connection}.enabled: false too${kind === 'component' ? `, or keep the component with enabled: false` : ''}`
        : suggestion
          ? `did you mean "${suggestion}"?`
          : `define it under ${kind}s, or correct the name`,
      severity: 'error',
      related: [[`${kind}s`, name]],
    });
    return { kind, name, defined: false, enabled: true };
  }
  const entry = isMap(defined) ? defined[name] : undefined;
  // A component that is not a mapping is the schema's error, not a disabled component.
  return { kind, name, defined: true, enabled: kind !== 'component' || !isMap(entry) || isEnabled(entry) };
}

const definedNamesOf = new WeakMap<object, { entries: string[]; names: Set<string> }>();

/** The names of components (peers, networks), sorted, computed once for all connections. */
function definedNames(defined: unknown): { entries: string[]; names: Set<string> } {
  if (!isMap(defined)) return { entries: [], names: new Set() };
  let found = definedNamesOf.get(defined);
  if (!found) {
    const entries = Object.keys(defined).sort();
    definedNamesOf.set(defined, (found = { entries, names: new Set(entries) }));
  }
  return found;
}

/** An endpoint naming several kinds: usually an override merged into the chart's endpoint. */
function twoKinds(
  path: Path,
  value: Record<string, unknown>,
  kinds: EndpointKind[],
  { locations, files }: Context,
): Finding {
  const named = kinds.map((kind) => `${kind} ${JSON.stringify(value[kind])}`);
  const where = kinds.map((kind) => ({
    kind,
    at: locate(locations, { path: [...path, kind], message: '', fix: '', severity: 'error' }),
    written: isWritten(locations, [...path, kind]),
  }));
  const inherited = where.filter((w) => !w.written);
  const writers = new Set(where.filter((w) => w.written).map((w) => w.at?.file));
  let fix: string;
  if (inherited.length > 0) {
    fix = `maps merge, so the chart's default ${inherited.map((w) => `${w.kind}: ${JSON.stringify(value[w.kind])}`).join(', ')} is still there: add ${inherited.map((w) => `${w.kind}: null`).join(', ')} next to the new one`;
  } else if (writers.size > 1) {
    const rank = (w: (typeof where)[number]) => (w.at ? files.indexOf(w.at.file) : -1);
    const newest = where.reduce((a, b) => (rank(b) >= rank(a) ? b : a));
    const older = where.filter((w) => w !== newest);
    fix = `the files merge: add ${older.map((w) => `${w.kind}: null`).join(', ')} next to ${newest.kind} in ${newest.at?.file ?? 'the last file'}`;
  } else {
    fix = 'keep only one of them';
  }
  return {
    path,
    message: `names ${kinds.length} kinds (${named.join(' and ')}); an endpoint is exactly one of component, peer or network`,
    fix,
    severity: 'error',
  };
}

function duplicateFlows(flows: Flow[], { locations }: Context): Finding[] {
  const findings: Finding[] = [];
  const written = new Map(flows.map((flow) => [flow, isWritten(locations, ['connections', flow.name])]));
  // Only flows between the same two endpoints can be duplicates: each flow is paired with the
  // earlier flows of its endpoints, in the chart's order.
  const earlierByEnds = new Map<string, Flow[]>();
  for (const second of flows) {
    const ends = JSON.stringify([second.from.kind, second.from.name, second.to.kind, second.to.name]);
    const earlier = earlierByEnds.get(ends) ?? [];
    if (earlier.length === 0) earlierByEnds.set(ends, earlier);
    for (const first of earlier) {
      // Reported on the later one in the chart's order, unless only the earlier one is the user's.
      const swap = !written.get(second) && written.get(first);
      const [a, b] = swap ? [second, first] : [first, second];
      const shared = new Set<string>();
      for (const pa of a.ports)
        for (const pb of b.ports) {
          const both = overlap(pa, pb);
          if (both) shared.add(both);
        }
      if (shared.size === 0) continue;
      findings.push({
        path: ['connections', b.name],
        message: `allows the same flow as connection "${a.name}": ${a.from.kind} ${a.from.name} → ${a.to.kind} ${a.to.name} on ${[...shared].join(', ')}`,
        fix: `keep one of "${a.name}" and "${b.name}": remove the other, set its enabled: false, or drop the shared ports`,
        severity: 'error',
        related: [['connections', a.name]],
      });
    }
    earlier.push(second);
  }
  return findings;
}

// ---- helpers -------------------------------------------------------------------------------------------

/** As fineract-netpol.util.enabled: a map without `enabled: false`. */
function isEnabled(value: unknown): boolean {
  return isMap(value) && !(Object.hasOwn(value, 'enabled') && String(value.enabled) === 'false');
}

/** As fineract-netpol.util.selectsAll: neither matchLabels nor matchExpressions has an entry. */
function selectsAll(selector: Record<string, unknown>): boolean {
  const { matchLabels, matchExpressions } = selector;
  const labels = isMap(matchLabels) && Object.keys(matchLabels).length > 0;
  const expressions = Array.isArray(matchExpressions) && matchExpressions.length > 0;
  return !labels && !expressions;
}

/** A mapping with at least one key (Go templates treat an empty one as false). */
function hasEntries(value: unknown): boolean {
  return isMap(value) && Object.keys(value).length > 0;
}

/** A map's entries in Go's template order (sorted keys); nothing for anything else. */
function sortedEntries(value: unknown): [string, unknown][] {
  if (!isMap(value)) return [];
  return Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
