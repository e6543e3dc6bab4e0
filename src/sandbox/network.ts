// The sandbox's network: a "node" network namespace holding a bridge, and one network namespace
// per host (a pod, or an external endpoint) joined to that bridge by a veth pair created inside
// the node namespace. Nothing is created in, or routed to, the host's own namespace: the node has
// no interface but its loopback, the bridge and the veths, and `checkIsolation` proves it.
//
//   node netns ── lo (etcd, kube-apiserver, kube-router, kubectl, Helm)
//       └── br0 10.244.0.1/16 ── v1 ═ eth0 (pod netns, 10.244.0.2/16, default via 10.244.0.1)
//                             └── v9 ═ eth0 (external netns, 192.0.2.10/32, default via 10.244.0.1)
//
// Pods share the bridge's subnet (pod-to-pod traffic is bridged, as on a single-node cluster with
// a bridge CNI); external hosts have a /32 and reach everything through the node, which routes
// (pod-to-external traffic is forwarded, as on a real node). Both paths cross the node's iptables
// FORWARD chain (bridge-nf-call-iptables), where the enforcer acts.
//
// Usage: const net = await createNode(ledger, { podCidr: '10.244.0.0/16' });
//        const host = await addHost(net, { name: 'pod-3', address: '10.244.0.4', kind: 'pod' });
//        await checkIsolation(net);
import { exec, execResult, SandboxError } from './exec.ts';
import type { Ledger } from './teardown.ts';
import { ipv4ToNumber, numberToIpv4 } from './addresses.ts';

export type Network = {
  /** Name of the node's network namespace. */
  node: string;
  /** The node's address on the bridge: the Node's InternalIP and every host's gateway. */
  nodeAddress: string;
  podCidr: string;
  /** Prefix of this run's namespace names (`fnp-<run id>`). */
  prefix: string;
  hosts: Host[];
  /** Hosts ever created (names and interfaces are never reused within a run). */
  created: number;
  /** The next pod address to hand out: never reused within a run, so no conntrack entry of a
   * removed pod can match a new one. */
  nextPodAddress: bigint;
  ledger: Ledger;
};

export type Host = {
  /** Name of the host's network namespace. */
  netns: string;
  address: string;
  kind: 'pod' | 'external';
  /** The node-side interface of its veth pair. */
  veth: string;
};

const BRIDGE = 'br0';

/** Creates the node namespace with its bridge, forwarding and bridge netfilter on. */
export async function createNode(ledger: Ledger, options: { podCidr: string }): Promise<Network> {
  const prefix = `fnp-${ledger.runId}`;
  const node = `${prefix}-node`;
  const [base, bits] = options.podCidr.split('/') as [string, string];
  const nodeAddress = numberToIpv4(ipv4ToNumber(base) + 1n);
  await exec(['ip', 'netns', 'add', node]);
  ledger.namespace(node);
  const inNode = (command: string[]) => exec(command, { netns: node });
  await inNode(['ip', 'link', 'set', 'lo', 'up']);
  await inNode(['ip', 'link', 'add', BRIDGE, 'type', 'bridge']);
  await inNode(['ip', 'addr', 'add', `${nodeAddress}/${bits}`, 'dev', BRIDGE]);
  await inNode(['ip', 'link', 'set', BRIDGE, 'up']);
  for (const [key, value] of [
    // IPv4 only: no IPv6 (not even link-local) on the bridge, the veths or the hosts.
    ['net.ipv6.conf.all.disable_ipv6', '1'],
    ['net.ipv6.conf.default.disable_ipv6', '1'],
    ['net.ipv4.ip_forward', '1'],
    // The enforcer rejects with ICMP port-unreachable, which the kernel rate-limits by default
    // (a probe matrix then sees timeouts instead of refusals): no limit inside the sandbox.
    ['net.ipv4.icmp_ratelimit', '0'],
    ['net.ipv4.icmp_msgs_per_sec', '1000000'],
    ['net.ipv4.icmp_msgs_burst', '1000000'],
    ['net.ipv4.conf.all.rp_filter', '0'],
    ['net.ipv4.conf.default.rp_filter', '0'],
    ['net.bridge.bridge-nf-call-iptables', '1'],
  ] as const) {
    const result = await execResult(['sysctl', '-q', '-w', `${key}=${value}`], { netns: node, allowFailure: true });
    if (result.code !== 0) {
      throw new SandboxError(
        `cannot set ${key} in the sandbox's node namespace: ${result.stderr.trim()}`,
        key.startsWith('net.bridge')
          ? 'the kernel needs the br_netfilter module (modprobe br_netfilter, as root, on the host)'
          : undefined,
      );
    }
  }
  return {
    node,
    nodeAddress,
    podCidr: options.podCidr,
    prefix,
    hosts: [],
    created: 0,
    nextPodAddress: ipv4ToNumber(base) + 2n,
    ledger,
  };
}

/** Adds a host namespace on the bridge with one address; pods get the pod subnet, externals a /32. */
export async function addHost(net: Network, spec: { address: string; kind: 'pod' | 'external' }): Promise<Host> {
  net.created += 1;
  const index = net.created;
  const netns = `${net.prefix}-h${index}`;
  const veth = `v${index}`;
  await exec(['ip', 'netns', 'add', netns]);
  net.ledger.namespace(netns);
  await exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], {
    netns,
  });
  const host: Host = { netns, address: spec.address, kind: spec.kind, veth };
  net.hosts.push(host);
  // Created inside the node namespace; the peer moves straight into the host namespace.
  await exec(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns], { netns: net.node });
  await exec(['ip', 'link', 'set', veth, 'master', BRIDGE, 'up'], { netns: net.node });
  const inHost = (command: string[]) => exec(command, { netns });
  await inHost(['ip', 'link', 'set', 'lo', 'up']);
  if (spec.kind === 'pod') {
    const bits = net.podCidr.split('/')[1] as string;
    await inHost(['ip', 'addr', 'add', `${spec.address}/${bits}`, 'dev', 'eth0']);
    await inHost(['ip', 'link', 'set', 'eth0', 'up']);
  } else {
    await inHost(['ip', 'addr', 'add', `${spec.address}/32`, 'dev', 'eth0']);
    await inHost(['ip', 'link', 'set', 'eth0', 'up']);
    await inHost(['ip', 'route', 'add', net.nodeAddress, 'dev', 'eth0', 'scope', 'link']);
    await exec(['ip', 'route', 'add', `${spec.address}/32`, 'dev', BRIDGE], { netns: net.node });
  }
  await inHost(['ip', 'route', 'add', 'default', 'via', net.nodeAddress, 'dev', 'eth0', 'onlink']);
  return host;
}

/** Removes a host: its namespace (with its end of the veth pair, so the bridge port goes too). */
export async function removeHost(net: Network, host: Host): Promise<void> {
  await exec(['ip', 'netns', 'del', host.netns]);
  if (host.kind === 'external') {
    await execResult(['ip', 'route', 'del', `${host.address}/32`, 'dev', BRIDGE], {
      netns: net.node,
      allowFailure: true,
    });
  }
  net.hosts = net.hosts.filter((h) => h !== host);
}

/**
 * Proves the sandbox has no way out: the node namespace has no interface but lo, br0 and this
 * run's veths; its routes all leave through lo or br0; every host namespace has only lo and eth0,
 * and the bridge holds only this run's veths. Throws (and the run aborts) otherwise.
 */
export async function checkIsolation(net: Network): Promise<void> {
  const problems: string[] = [];
  const allowed = new Set(['lo', BRIDGE, ...net.hosts.map((h) => h.veth)]);
  for (const name of await interfaces(net.node)) {
    if (!allowed.has(name)) problems.push(`node namespace ${net.node} has an unexpected interface ${name}`);
  }
  for (const route of await routes(net.node)) {
    if (route.dev !== BRIDGE && route.dev !== 'lo')
      problems.push(`node route ${route.text} leaves through ${route.dev}`);
  }
  const bridged = (await exec(['ip', '-o', 'link', 'show', 'master', BRIDGE], { netns: net.node }))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.split(':')[1] ?? '').trim().split('@')[0] ?? '');
  for (const name of bridged) {
    if (!allowed.has(name)) problems.push(`bridge ${BRIDGE} has an unexpected port ${name}`);
  }
  for (const host of net.hosts) {
    for (const name of await interfaces(host.netns)) {
      if (name !== 'lo' && name !== 'eth0')
        problems.push(`host namespace ${host.netns} has an unexpected interface ${name}`);
    }
    for (const route of await routes(host.netns)) {
      if (route.dev !== 'eth0' && route.dev !== 'lo')
        problems.push(`host route ${route.text} leaves through ${route.dev}`);
    }
  }
  if (problems.length > 0) {
    throw new SandboxError(`the sandbox is not isolated from the host network:\n  ${problems.join('\n  ')}`);
  }
}

async function interfaces(netns: string): Promise<string[]> {
  const text = await exec(['ip', '-o', 'link', 'show'], { netns });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.split(':')[1] ?? '').trim().split('@')[0] ?? '');
}

async function routes(netns: string): Promise<{ dev: string; text: string }[]> {
  const text = await exec(['ip', '-o', 'route', 'show', 'table', 'all'], { netns });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^(broadcast|local|multicast|anycast|unreachable|prohibit|blackhole)\s/.test(line))
    .map((line) => ({ dev: /\bdev (\S+)/.exec(line)?.[1] ?? '', text: line.trim() }));
}
