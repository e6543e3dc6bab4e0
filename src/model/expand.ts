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
//   then `<component>→dns` for every enabled component (dns.enabled), components in name order,
//   each followed by `<component>→dns-cidrs` when dns.cidrs is set (its end a network-like
//   endpoint named `dns.cidrs`, one ipBlock per cidr, nothing excepted).
// - A connection with `enabled: false` is dropped; one naming a disabled component is skipped
//   (see skippedConnections). Both render nothing.
// - Ports: protocol defaults to TCP; endPort only with a numeric port.
// - A peer (and the DNS target, the monitoring source) is ONE peer item: with `namespace`, a
//   namespaceSelector {<namespaceLabelKey>: <namespace>} AND its podSelector; with
//   `namespaceSelector`, that selector AND its podSelector; with neither, the podSelector alone
//   (the release namespace).
// - A network is one ipBlock per cidr; `except` = the privateCidrs strictly inside that cidr (when
//   excludePrivate), then the network's own `except` entries strictly inside it, duplicates removed;
//   with IPv6 in ipFamilies, a network holding 0.0.0.0/0 and no IPv6 block gets a last ipBlock ::/0
//   (except: the privateCidrs inside it, when excludePrivate): see impliedIPv6.
// - Values the chart refuses (the errors of the rules it enforces, src/model/rules/) are refused
//   before anything is resolved: one InputError listing every problem as the chart's refusal
//   words it. This file resolves; it checks nothing itself.
// Pure: the values are never modified, and the result shares no objects with them.
import type { z } from 'zod';
import { InputError } from '../errors.ts';
import { sortedEntries } from '../order.ts';
import { cidrRelation } from './cidr.ts';
import { podsPeer } from './peer.ts';
import { awsS3Endpoints, type LabelSelector as LabelSelectorSchema } from './primitives.ts';
import { chartLine, enforcedByChart, impliedIPv6, planConnection, ruleErrors, ValuesView } from './rules/index.ts';
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
  /** Key of the network in `networks` (`dns.cidrs` for the DNS addresses). */
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
  /** The connection's key, or `monitoring→<component>` / `<component>→dns` / `<component>→dns-cidrs`. */
  name: string;
  /** Where the values declare it: `connections.<name>`, `components.<name>.metricsPorts`, `dns` or `dns.cidrs`. */
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

/** Every flow the chart renders for these values, in the chart's order. Throws InputError when a rule finds an error. */
export function expandConnections(values: ValuesOutput, options: ExpandOptions = {}): ExpandedConnection[] {
  throwOnErrors(values);
  return planOf(values, options).connections;
}

/** The connections of the values the chart does not render, in name order. Throws InputError when a rule finds an error. */
export function skippedConnections(values: ValuesOutput): SkippedConnection[] {
  throwOnErrors(values);
  return planOf(values, {}).skipped;
}

/**
 * The errors of the rules the chart enforces (src/model/rules/: what makes `helm template` fail),
 * each as the chart's refusal words it (`path: message; fix [rule]`); empty when the chart renders
 * the values, and so when they can be expanded. The rules only TypeScript enforces (two
 * connections allowing one flow…) do not stop the chart, nor this: checkValues reports them.
 */
export function expansionProblems(values: ValuesOutput): string[] {
  return ruleErrors(values)
    .filter((p) => enforcedByChart(p.rule))
    .map(chartLine);
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

// ---- the plan: resolution only (the rules have checked the values) ----------------------------

type Plan = { connections: ExpandedConnection[]; skipped: SkippedConnection[] };

type PortsInput = { port: number | string; protocol?: Protocol | undefined; endPort?: number | undefined }[];

function planOf(values: ValuesOutput, options: ExpandOptions): Plan {
  const view = new ValuesView(values);
  const connections: ExpandedConnection[] = [];
  const skipped: SkippedConnection[] = [];
  const components = sortedEntries(values.components ?? {});
  const enabledComponents = components.filter(([, c]) => c.enabled !== false);
  const networks = new Map(
    sortedEntries(values.networks ?? {}).map(([name, network]) => [name, resolveNetwork(values, name, network)]),
  );

  for (const [cname, conn] of sortedEntries(values.connections ?? {})) {
    if (conn.enabled === false) {
      skipped.push({ name: cname, reason: 'connection-disabled', message: `${cname} (the connection is disabled)` });
      continue;
    }
    const plan = planConnection(view, cname);
    if (plan.skipped) {
      const component = plan.from?.enabled === false ? plan.from.name : (plan.to?.name ?? '');
      skipped.push({
        name: cname,
        reason: 'component-disabled',
        component,
        message: `${cname} (component "${component}" is disabled)`,
      });
      continue;
    }
    connections.push({
      name: cname,
      path: `connections.${cname}`,
      description: conn.description ?? '',
      from: resolveEndpoint(values, networks, conn.from, options),
      to: resolveEndpoint(values, networks, conn.to, options),
      ports: planPorts(conn.ports),
    });
  }

  if (values.monitoring && values.monitoring.enabled !== false) {
    for (const [name, component] of enabledComponents) {
      if (!component.metricsPorts || component.metricsPorts.length === 0) continue;
      connections.push({
        name: `monitoring→${name}`,
        path: `components.${name}.metricsPorts`,
        description: 'Prometheus scrapes metrics',
        from: podsEndpoint(values, 'monitoring', 'monitoring', values.monitoring, options),
        to: componentEndpoint(name, component.podSelector, options),
        ports: planPorts(component.metricsPorts),
      });
    }
  }

  if (values.dns && values.dns.enabled !== false) {
    const ports = planPorts(values.dns.ports);
    for (const [name, component] of enabledComponents) {
      connections.push({
        name: `${name}→dns`,
        path: 'dns',
        description: 'DNS resolution',
        from: componentEndpoint(name, component.podSelector, options),
        to: podsEndpoint(values, 'dns', 'dns', values.dns, options),
        ports: structuredClone(ports),
      });
      if (values.dns.cidrs && values.dns.cidrs.length > 0) {
        connections.push({
          name: `${name}→dns-cidrs`,
          path: 'dns.cidrs',
          description: 'DNS resolution (dns.cidrs)',
          from: componentEndpoint(name, component.podSelector, options),
          to: dnsAddresses(values.dns.cidrs),
          ports: structuredClone(ports),
        });
      }
    }
  }

  return { connections, skipped };
}

function throwOnErrors(values: ValuesOutput): void {
  const errors = expansionProblems(values);
  if (errors.length === 0) return;
  throw new InputError(
    `the values have ${errors.length} problem(s):\n  - ${errors.join('\n  - ')}`,
    'correct the values as each problem says (helm template fails with the same list)',
  );
}

function resolveEndpoint(
  values: ValuesOutput,
  networks: Map<string, NetworkEndpoint>,
  ref: Record<string, string | undefined>,
  options: ExpandOptions,
): ResolvedEndpoint {
  if (ref.component !== undefined) {
    const component = values.components[ref.component];
    if (!component) throw new Error(`unreachable: component ${ref.component}`);
    return componentEndpoint(ref.component, component.podSelector, options);
  }
  if (ref.peer !== undefined) {
    const peer = values.peers[ref.peer];
    if (!peer) throw new Error(`unreachable: peer ${ref.peer}`);
    return podsEndpoint(values, 'peer', ref.peer, peer, options);
  }
  const network = networks.get(ref.network ?? '');
  if (!network) throw new Error(`unreachable: network ${String(ref.network)}`);
  return structuredClone(network);
}

function componentEndpoint(name: string, podSelector: LabelSelector, options: ExpandOptions): ComponentEndpoint {
  return {
    kind: 'component',
    name,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    podSelector: structuredClone(podSelector),
  };
}

/** The pods as the chart's one peer item (podsPeer), with the namespace they are in when known. */
function podsEndpoint(
  values: ValuesOutput,
  kind: PodsEndpoint['kind'],
  name: string,
  pods: Parameters<typeof podsPeer>[1],
  options: ExpandOptions,
): PodsEndpoint {
  const item = podsPeer(values.namespaceLabelKey, pods);
  const namespace = pods.namespace || (item.namespaceSelector ? undefined : options.namespace);
  // Key order as the chart's YAML: kind, name, namespace, namespaceSelector, podSelector.
  return {
    kind,
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(item.namespaceSelector ? { namespaceSelector: item.namespaceSelector } : {}),
    podSelector: item.podSelector,
  };
}

/** fineract-netpol.plan.ports: protocol defaulted to TCP, endPort only with a numeric port. */
function planPorts(ports: PortsInput): FlowPort[] {
  return ports.map((p) => {
    const port: FlowPort = { port: p.port, protocol: p.protocol ?? 'TCP' };
    if (typeof p.port === 'number' && p.endPort !== undefined) port.endPort = p.endPort;
    return port;
  });
}

type NetworkInput = ValuesOutput['networks'][string];

/** fineract-netpol.plan.network: one ipBlock per cidr (and the implied ::/0), excepts strictly inside it. */
function resolveNetwork(values: ValuesOutput, name: string, network: NetworkInput): NetworkEndpoint {
  const excepts = network.except ?? [];
  const ipv6 = impliedIPv6(values, network);
  const cidrs = [...(network.cidrs ?? []), ...(ipv6 !== undefined ? [ipv6] : [])];
  const ipBlocks: IpBlock[] = cidrs.map((cidr) => {
    const except: string[] = [];
    if (network.excludePrivate) {
      for (const priv of values.privateCidrs ?? []) if (cidrRelation(priv, cidr) === 'inside') except.push(priv);
    }
    for (const e of excepts) if (cidrRelation(e, cidr) === 'inside') except.push(e);
    const unique = [...new Set(except)];
    return unique.length > 0 ? { cidr, except: unique } : { cidr };
  });
  const fqdns = uniqueBy(
    (network.fqdns ?? []).flatMap((f): FqdnMatch[] => ('awsS3Region' in f ? awsS3Endpoints(f.awsS3Region) : [f])),
  );
  const entities = [...new Set(network.entities ?? [])];
  return { kind: 'network', name, ipBlocks, fqdns, entities };
}

/** dns.cidrs as the network-like end of `<component>→dns-cidrs`: one ipBlock each, nothing excepted. */
function dnsAddresses(cidrs: string[]): NetworkEndpoint {
  return { kind: 'network', name: 'dns.cidrs', ipBlocks: cidrs.map((cidr) => ({ cidr })), fqdns: [], entities: [] };
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
