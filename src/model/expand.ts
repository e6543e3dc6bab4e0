// The TypeScript twin of the chart's plan (chart/templates/_plan.tpl): every flow the chart
// renders for a values object, with its endpoints resolved to selectors and ipBlocks.
//
// Usage:
//   const values = Values.parse(mergeHelmValues(DEFAULT_VALUES, parse(readFileSync('values/uat.yaml', 'utf8'))));
//   for (const c of expandConnections(values, { namespace: 'fineract-uat' })) {
//     console.log(c.name, c.from.kind, c.from.name, '→', c.to.kind, c.to.name, c.ports);
//   }
//   skippedConnections(values)  // [{name: 'fineract-to-redis', reason: 'component-disabled', component: 'fineract-redis', …}]
//
// Semantics, exactly as the chart renders (keep in step with _plan.tpl):
// - Connections in name order (Go templates range over maps in sorted key order), then
//   `monitoring→<component>` for every enabled component with metricsPorts (monitoring.enabled),
//   then `<component>→dns` for every enabled component (dns.enabled), components in name order.
// - A connection with `enabled: false` is dropped; one naming a disabled component is skipped
//   (see skippedConnections). Both render nothing.
// - Ports: protocol defaults to TCP; endPort only with a numeric port.
// - A peer (and the DNS target, the monitoring source) is ONE peer item: with `namespace`, a
//   namespaceSelector {<namespaceLabelKey>: <namespace>} AND its podSelector; with
//   `namespaceSelector`, that selector AND its podSelector; with neither, the podSelector alone
//   (the release namespace).
// - A network is one ipBlock per cidr; `except` = the privateCidrs strictly inside that cidr (when
//   excludePrivate), then the network's own `except` entries strictly inside it, duplicates removed.
// - The chart's plan errors (undefined names, connections between two non-components, named
//   ports towards networks, endPort with a named port or below port, excepts outside every cidr,
//   cidrs inside an excluded private range, host bits set) make `helm template` fail: here they
//   throw one InputError listing every problem, with the chart's wording.
// Pure: the values are never modified, and the result shares no objects with them.
import type { z } from 'zod';
import { parseCidr } from 'cidr-tools';
import { InputError } from '../errors.ts';
import { compareText as byteOrder, sortedEntries } from '../order.ts';
import { awsS3Endpoints, type LabelSelector as LabelSelectorSchema } from './primitives.ts';
import type { ValuesOutput } from './values.ts';

/** A Kubernetes LabelSelector, as the values model accepts it. */
export type LabelSelector = z.output<typeof LabelSelectorSchema>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A destination port (or range) of a flow, protocol defaulted. */
export type FlowPort = {
  /** A number (1–65535) or the name of a container port of the destination pods. */
  port: number | string;
  /** @default 'TCP' (always set after expansion) */
  protocol: Protocol;
  /** Last port of the range starting at `port` (numeric ports only). */
  endPort?: number;
};

/** An ipBlock: a CIDR and the blocks strictly inside it that are excluded. */
export type IpBlock = { cidr: string; except?: string[] };

/** Pods of a component of the chart, in the release namespace. */
export type ComponentEndpoint = {
  kind: 'component';
  /** Key of the component in `components`. */
  name: string;
  /** The release namespace, when given in the options. */
  namespace?: string;
  podSelector: LabelSelector;
};

/** Pods in some namespace(s): a peer, the DNS target or the monitoring source. */
export type PodsEndpoint = {
  kind: 'peer' | 'dns' | 'monitoring';
  /** Key of the peer in `peers`; `dns` or `monitoring`. */
  name: string;
  /** The namespace named in the values, or the release namespace (when given) for neither. */
  namespace?: string;
  /** The namespace selector the chart renders (absent: the policy's own namespace). */
  namespaceSelector?: LabelSelector;
  podSelector: LabelSelector;
};

/** Addresses outside the cluster: a network of the values. */
export type NetworkEndpoint = {
  kind: 'network';
  /** Key of the network in `networks`. */
  name: string;
  ipBlocks: IpBlock[];
  /**
   * The network's DNS names, `awsS3Region` presets expanded (duplicates removed): rendered (as
   * toFQDNs) by the cilium engine only, for egress only.
   */
  fqdns: FqdnMatch[];
  /** The network's Cilium entities (duplicates removed): rendered by the cilium engine only. */
  entities: ('kube-apiserver' | 'world')[];
};

/** A toFQDNs selector as the cilium engine renders it. */
export type FqdnMatch = { matchName: string } | { matchPattern: string };

export type ResolvedEndpoint = ComponentEndpoint | PodsEndpoint | NetworkEndpoint;

/** One flow the chart renders (one rule, or two for a component-to-component connection). */
export type ExpandedConnection = {
  /** The connection's key, or `monitoring→<component>` / `<component>→dns`. */
  name: string;
  /** Where the values declare it: `connections.<name>`, `components.<name>.metricsPorts` or `dns`. */
  path: string;
  /** The connection's description ('' when it has none), the chart's rule comment. */
  description: string;
  from: ResolvedEndpoint;
  to: ResolvedEndpoint;
  ports: FlowPort[];
};

/** A connection the chart does not render although it is in the values. */
export type SkippedConnection = {
  name: string;
  /** `connection-disabled`: `enabled: false`; `component-disabled`: it names a disabled component. */
  reason: 'connection-disabled' | 'component-disabled';
  /** The disabled component (for `component-disabled`). */
  component?: string;
  /** One line, as the chart's NOTES list the skipped connections: `x (component "y" is disabled)`. */
  message: string;
};

export type ExpandOptions = {
  /** The release namespace (`helm -n`); recorded on component endpoints and namespace-less peers. */
  namespace?: string;
};

/** Every flow the chart renders for these values, in the chart's order. Throws InputError on plan errors. */
export function expandConnections(values: ValuesOutput, options: ExpandOptions = {}): ExpandedConnection[] {
  const plan = planOf(values, options);
  throwOnErrors(plan.errors);
  return plan.connections;
}

/** The connections of the values the chart does not render, in name order. Throws InputError on plan errors. */
export function skippedConnections(values: ValuesOutput): SkippedConnection[] {
  const plan = planOf(values, {});
  throwOnErrors(plan.errors);
  return plan.skipped;
}

/** The problems that make the chart's plan (and so `helm template`) fail; empty when it renders. */
export function expansionProblems(values: ValuesOutput): string[] {
  return planOf(values, {}).errors;
}

/** The peer items the chart renders for an endpoint (a `from`/`to` list of a rule). */
export function peerItemsOf(endpoint: ResolvedEndpoint): {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IpBlock;
}[] {
  switch (endpoint.kind) {
    case 'component':
      return [{ podSelector: structuredClone(endpoint.podSelector) }];
    case 'network':
      return endpoint.ipBlocks.map((block) => ({ ipBlock: structuredClone(block) }));
    default:
      return [
        {
          ...(endpoint.namespaceSelector ? { namespaceSelector: structuredClone(endpoint.namespaceSelector) } : {}),
          podSelector: structuredClone(endpoint.podSelector),
        },
      ];
  }
}

// ---- the plan ---------------------------------------------------------------------------------

type Plan = { connections: ExpandedConnection[]; skipped: SkippedConnection[]; errors: string[] };

type PortsInput = { port: number | string; protocol?: Protocol | undefined; endPort?: number | undefined }[];
type PodsInput = {
  namespace?: string | undefined;
  namespaceSelector?: LabelSelector | undefined;
  podSelector: LabelSelector;
};

function planOf(values: ValuesOutput, options: ExpandOptions): Plan {
  const errors: string[] = [];
  const connections: ExpandedConnection[] = [];
  const skipped: SkippedConnection[] = [];
  const components = sortedEntries(values.components ?? {});
  const enabledComponents = components.filter(([, c]) => c.enabled !== false);

  // Every network is checked, referenced or not (the validation helper does the same).
  const networks = new Map<string, NetworkEndpoint>();
  const faultyNetworks = new Set<string>();
  for (const [name, network] of sortedEntries(values.networks ?? {})) {
    const resolved = resolveNetwork(values, name, network);
    errors.push(...resolved.errors);
    networks.set(name, resolved.endpoint);
    if (resolved.errors.length > 0) faultyNetworks.add(name);
  }

  for (const [cname, conn] of sortedEntries(values.connections ?? {})) {
    if (conn.enabled === false) {
      skipped.push({ name: cname, reason: 'connection-disabled', message: `${cname} (the connection is disabled)` });
      continue;
    }
    const path = `connections.${cname}`;
    const from = resolveEndpoint(values, networks, `${path}.from`, conn.from, options);
    const to = resolveEndpoint(values, networks, `${path}.to`, conn.to, options);
    const ports = planPorts(`${path}.ports`, conn.ports, to.endpoint?.kind === 'network');
    const problems = [...from.errors, ...to.errors, ...ports.errors];
    if (from.endpoint && to.endpoint && from.endpoint.kind !== 'component' && to.endpoint.kind !== 'component') {
      problems.push(
        `${path}: neither end is a component (from ${from.endpoint.kind} "${from.endpoint.name}", to ${to.endpoint.kind} "${to.endpoint.name}"); this chart only writes the policies of components, so one end must be {component: …}`,
      );
    }
    for (const [side, end] of [
      ['from', from],
      ['to', to],
    ] as const) {
      const network = end.endpoint?.kind === 'network' ? networks.get(end.endpoint.name) : undefined;
      if (network && !faultyNetworks.has(network.name))
        problems.push(...engineProblems(values, `${path}.${side}.network`, side, network));
    }
    if (problems.length > 0 || !from.endpoint || !to.endpoint) {
      errors.push(...problems);
    } else if (!from.enabled || !to.enabled) {
      const component = from.enabled ? to.endpoint.name : from.endpoint.name;
      skipped.push({
        name: cname,
        reason: 'component-disabled',
        component,
        message: `${cname} (component "${component}" is disabled)`,
      });
    } else {
      connections.push({
        name: cname,
        path,
        description: conn.description ?? '',
        from: from.endpoint,
        to: to.endpoint,
        ports: ports.ports,
      });
    }
  }

  if (values.monitoring && values.monitoring.enabled !== false) {
    for (const [name, component] of enabledComponents) {
      if (!component.metricsPorts || component.metricsPorts.length === 0) continue;
      const path = `components.${name}.metricsPorts`;
      const ports = planPorts(path, component.metricsPorts, false);
      errors.push(...ports.errors);
      connections.push({
        name: `monitoring→${name}`,
        path,
        description: 'Prometheus scrapes metrics',
        from: podsEndpoint(values, 'monitoring', 'monitoring', values.monitoring, options),
        to: componentEndpoint(name, component.podSelector, options),
        ports: ports.ports,
      });
    }
  }

  if (values.dns && values.dns.enabled !== false) {
    const ports = planPorts('dns.ports', values.dns.ports, false);
    errors.push(...ports.errors);
    // Components reaching DNS names get rules.dns on their DNS rule, which Cilium refuses on a range.
    const reaching = [
      ...new Set(connections.filter((c) => c.to.kind === 'network' && c.to.fqdns.length > 0).map((c) => c.from.name)),
    ].sort(byteOrder);
    if (values.policyEngine === 'cilium' && reaching.length > 0) {
      values.dns.ports.forEach((p, i) => {
        if (p.endPort !== undefined) {
          errors.push(
            `dns.ports[${i}].endPort: Cilium's DNS proxy takes no port range, and the components ${reaching.join(', ')} reach DNS names through it (rules.dns); list the DNS ports one by one`,
          );
        }
      });
    }
    for (const [name, component] of enabledComponents) {
      connections.push({
        name: `${name}→dns`,
        path: 'dns',
        description: 'DNS resolution',
        from: componentEndpoint(name, component.podSelector, options),
        to: podsEndpoint(values, 'dns', 'dns', values.dns, options),
        ports: structuredClone(ports.ports),
      });
    }
  }

  return { connections, skipped, errors };
}

function throwOnErrors(errors: string[]): void {
  if (errors.length === 0) return;
  throw new InputError(
    `the values have ${errors.length} problem(s):\n  - ${errors.join('\n  - ')}`,
    'correct the values as each problem says (helm template fails with the same list)',
  );
}

type Resolved = { endpoint: ResolvedEndpoint | undefined; enabled: boolean; errors: string[] };

function resolveEndpoint(
  values: ValuesOutput,
  networks: Map<string, NetworkEndpoint>,
  path: string,
  ref: Record<string, string | undefined>,
  options: ExpandOptions,
): Resolved {
  const kinds = (['component', 'peer', 'network'] as const).filter((kind) => Object.hasOwn(ref, kind));
  const kind = kinds[0];
  if (kinds.length !== 1 || kind === undefined) {
    const found = kinds.length === 0 ? 'none' : kinds.join(', ');
    return {
      endpoint: undefined,
      enabled: true,
      errors: [
        `${path}: must name exactly one of component, peer or network (found ${found}); e.g. {component: fineract}`,
      ],
    };
  }
  const name = String(ref[kind]);
  const defined: Record<string, unknown> =
    kind === 'component' ? (values.components ?? {}) : kind === 'peer' ? (values.peers ?? {}) : (values.networks ?? {});
  if (!Object.hasOwn(defined, name)) {
    const names = Object.keys(defined).sort(byteOrder).join(', ') || 'none';
    return {
      endpoint: undefined,
      enabled: true,
      errors: [
        `${path}.${kind}: "${name}" is not defined in ${kind}s (defined: ${names}); define it or correct the name`,
      ],
    };
  }
  if (kind === 'component') {
    const component = values.components[name];
    if (!component) throw new Error(`unreachable: component ${name}`);
    return {
      endpoint: componentEndpoint(name, component.podSelector, options),
      enabled: component.enabled !== false,
      errors: [],
    };
  }
  if (kind === 'peer') {
    const peer = values.peers[name];
    if (!peer) throw new Error(`unreachable: peer ${name}`);
    return { endpoint: podsEndpoint(values, 'peer', name, peer, options), enabled: true, errors: [] };
  }
  const network = networks.get(name);
  return { endpoint: network && structuredClone(network), enabled: true, errors: [] };
}

function componentEndpoint(name: string, podSelector: LabelSelector, options: ExpandOptions): ComponentEndpoint {
  return {
    kind: 'component',
    name,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    podSelector: structuredClone(podSelector),
  };
}

/** fineract-netpol.plan.pods: namespace (by namespaceLabelKey) or namespaceSelector, AND podSelector. */
function podsEndpoint(
  values: ValuesOutput,
  kind: PodsEndpoint['kind'],
  name: string,
  pods: PodsInput,
  options: ExpandOptions,
): PodsEndpoint {
  const endpoint: PodsEndpoint = { kind, name, podSelector: structuredClone(pods.podSelector) };
  if (pods.namespace) {
    endpoint.namespace = pods.namespace;
    endpoint.namespaceSelector = { matchLabels: { [values.namespaceLabelKey]: pods.namespace } };
  } else if (pods.namespaceSelector && Object.keys(pods.namespaceSelector).length > 0) {
    // (Go templates treat an empty map as false: `namespaceSelector: {}` renders no selector.)
    endpoint.namespaceSelector = structuredClone(pods.namespaceSelector);
  } else if (options.namespace !== undefined) {
    endpoint.namespace = options.namespace;
  }
  // Key order as the chart's YAML: kind, name, namespace, namespaceSelector, podSelector.
  const { podSelector, ...rest } = endpoint;
  return { ...rest, podSelector };
}

/** fineract-netpol.plan.ports: protocol defaulted to TCP, checked. */
function planPorts(path: string, ports: PortsInput, toNetwork: boolean): { ports: FlowPort[]; errors: string[] } {
  const errors: string[] = [];
  const out: FlowPort[] = [];
  if (ports.length === 0) {
    errors.push(
      `${path}: is empty; list at least one port, such as [{port: 8080}] (this chart never allows all ports)`,
    );
  }
  ports.forEach((p, i) => {
    const port: FlowPort = { port: p.port, protocol: p.protocol ?? 'TCP' };
    if (typeof p.port === 'string') {
      if (toNetwork) {
        errors.push(
          `${path}[${i}].port: named port "${p.port}" cannot be resolved for a network (ipBlock) destination; use the port number`,
        );
      }
      if (p.endPort !== undefined) {
        errors.push(`${path}[${i}].endPort: cannot be used with the named port "${p.port}"; use a numeric port`);
      }
    } else if (p.endPort !== undefined) {
      if (p.endPort < p.port) {
        errors.push(`${path}[${i}].endPort: ${p.endPort} is below port ${p.port}; endPort must be >= port`);
      }
      port.endPort = p.endPort;
    }
    out.push(port);
  });
  return { ports: out, errors };
}

type NetworkInput = ValuesOutput['networks'][string];

/** fineract-netpol.plan.network: one ipBlock per cidr, excepts strictly inside it. */
function resolveNetwork(
  values: ValuesOutput,
  name: string,
  network: NetworkInput,
): { endpoint: NetworkEndpoint; errors: string[] } {
  const path = `networks.${name}`;
  const errors: string[] = [];
  const cidrs = network.cidrs ?? [];
  const excepts = network.except ?? [];
  if (network.cidrs && cidrs.length === 0) {
    errors.push(
      `${path}.cidrs: is empty; list at least one CIDR, such as 10.20.0.0/16 (or remove cidrs and give fqdns or entities)`,
    );
  } else if (cidrs.length === 0 && !network.fqdns && (network.entities ?? []).length === 0) {
    errors.push(
      `${path}: names no address; give cidrs (such as [10.20.0.0/16]), or with policyEngine cilium fqdns or entities`,
    );
  }
  const ipBlocks: IpBlock[] = cidrs.map((cidr, i) => {
    if (!isCanonical(cidr)) {
      errors.push(`${path}.cidrs[${i}]: "${cidr}" has host bits set; did you mean "${canonical(cidr)}"?`);
    }
    const except: string[] = [];
    if (network.excludePrivate) {
      for (const priv of values.privateCidrs ?? []) {
        const relation = cidrRelation(priv, cidr);
        if (relation === 'inside') except.push(priv);
        else if (relation !== 'disjoint') {
          errors.push(
            `${path}.cidrs[${i}]: "${cidr}" lies inside the private range "${priv}" that excludePrivate removes, so nothing in it is reachable; set ${path}.excludePrivate: false and list the real subnets`,
          );
        }
      }
    }
    for (const e of excepts) if (cidrRelation(e, cidr) === 'inside') except.push(e);
    const unique = [...new Set(except)];
    return unique.length > 0 ? { cidr, except: unique } : { cidr };
  });
  excepts.forEach((e, j) => {
    if (!cidrs.some((cidr) => cidrRelation(e, cidr) === 'inside')) {
      errors.push(
        `${path}.except[${j}]: "${e}" is not strictly inside any of the cidrs ${JSON.stringify(cidrs)}, which the API server rejects; remove it or correct it`,
      );
    } else if (!isCanonical(e)) {
      errors.push(`${path}.except[${j}]: "${e}" has host bits set; did you mean "${canonical(e)}"?`);
    }
  });
  const fqdns = uniqueBy(
    (network.fqdns ?? []).flatMap((f): FqdnMatch[] => ('awsS3Region' in f ? awsS3Endpoints(f.awsS3Region) : [f])),
  );
  const entities = [...new Set(network.entities ?? [])];
  return { endpoint: { kind: 'network', name, ipBlocks, fqdns, entities }, errors };
}

/** The items in order, each first occurrence only (compared as JSON, as sprig's uniq compares). */
function uniqueBy<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What the policy engine can render of a network a connection names (as _plan.tpl): the
 * kubernetes engine renders only cidrs; cilium needs some address, fqdns only as the destination,
 * and the DNS rule for fqdns. The problems, with the chart's wording.
 */
function engineProblems(values: ValuesOutput, where: string, side: 'from' | 'to', network: NetworkEndpoint): string[] {
  const name = network.name;
  const [cidrs, fqdns, entities] = [network.ipBlocks, network.fqdns, network.entities].map((x) => x.length > 0);
  const at = `${where}: network "${name}"`;
  if (values.policyEngine !== 'cilium') {
    return cidrs
      ? []
      : [
          `${at} has no cidrs, and a NetworkPolicy matches addresses only (its fqdns and entities need Cilium); give networks.${name}.cidrs, or set policyEngine: cilium`,
        ];
  }
  if (!cidrs && !fqdns && !entities) {
    return [
      `${at} names no address yet (its cidrs, fqdns and entities are empty); fill in networks.${name}.fqdns (or cidrs), or disable the connection`,
    ];
  }
  if (side === 'from' && !cidrs && !entities) {
    return [
      `${at} has only fqdns, which Cilium matches for egress only (toFQDNs); give networks.${name}.cidrs or entities, or make the network the destination`,
    ];
  }
  if (side === 'to' && fqdns && values.dns?.enabled === false) {
    return [
      `${at} has fqdns, which need dns.enabled: Cilium learns their addresses from the DNS answers the DNS rule lets its proxy see; set dns.enabled: true, or remove networks.${name}.fqdns`,
    ];
  }
  return [];
}

// ---- CIDR arithmetic (as fineract-netpol.cidr.*) -------------------------------------------------

type CidrRelation = 'inside' | 'equal' | 'contains' | 'disjoint';

const FAMILY_BITS = { 4: 32, 6: 128 } as const;

/** How CIDR `a` relates to CIDR `b`: inside (strict subset), equal, contains, or disjoint. */
function cidrRelation(a: string, b: string): CidrRelation {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  if (pa.version !== pb.version) return 'disjoint';
  const bits = FAMILY_BITS[pa.version];
  const aLen = Number(pa.prefix);
  const bLen = Number(pb.prefix);
  const shift = BigInt(bits - Math.min(aLen, bLen));
  if (pa.start >> shift !== pb.start >> shift) return 'disjoint';
  if (aLen === bLen) return 'equal';
  return aLen > bLen ? 'inside' : 'contains';
}

function addressOf(cidr: string): bigint {
  const [address = ''] = cidr.split('/');
  return parseCidr(address).start;
}

function isCanonical(cidr: string): boolean {
  return addressOf(cidr) === parseCidr(cidr).start;
}

/** The CIDR with its host bits cleared, written as the chart writes it (IPv6 uncompressed). */
function canonical(cidr: string): string {
  const parsed = parseCidr(cidr);
  if (parsed.version === 4) {
    const v = parsed.start;
    return `${[24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.')}/${parsed.prefix}`;
  }
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((parsed.start >> s) & 0xffffn).toString(16));
  return `${groups.join(':')}/${parsed.prefix}`;
}
