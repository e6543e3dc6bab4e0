// Laying out a workload inventory in the sandbox: its Namespaces (with their labels), one Node, and
// one Pod per workload (its pod template's labels and container ports, `nodeName`, and a status
// written through the status subresource as a kubelet would: Running, hostIP, podIP), each backed
// by a network namespace on the bridge with that pod IP.
//
// Usage: const pods = await layOut(plane, { namespaces, workloads });
//        pods[0]  // { key: 'fineract-uat/fineract-read', address: '10.244.0.2', netns: … }
import { namespacedName, type Namespace, type Workload } from '../verify/model/types.ts';
import { numberToIpv4 } from './addresses.ts';
import { kubectl, type ControlPlane } from './control-plane.ts';
import { SandboxError } from './exec.ts';
import { addHost, type Host } from './network.ts';

/** The Node all pods run on; kube-router enforces for the pods whose hostIP is its InternalIP. */
export const NODE_NAME = 'sandbox-node';

export type Inventory = { namespaces: Namespace[]; workloads: Workload[] };

export type PodHost = Host & {
  kind: 'pod';
  /** `<namespace>/<workload>`, as verify names it. */
  key: string;
  workload: Workload;
  podName: string;
};

/** Registers the sandbox's Node, Ready, with the bridge address as its InternalIP (before kube-router starts). */
export async function registerNode(plane: ControlPlane): Promise<void> {
  const net = plane.net;
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME } },
  };
  await kubectl(plane, ['apply', '-f', '-'], { input: JSON.stringify(node) });
  await kubectl(plane, [
    'patch',
    'node',
    NODE_NAME,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        addresses: [
          { type: 'InternalIP', address: net.nodeAddress },
          { type: 'Hostname', address: NODE_NAME },
        ],
        conditions: [{ type: 'Ready', status: 'True', reason: 'Sandbox', message: 'fineract-netpol sandbox node' }],
      },
    }),
  ]);
}

/** Writes the Namespaces (their labels replaced) and the Pods of the inventory, and their hosts. */
export async function layOut(plane: ControlPlane, inventory: Inventory): Promise<PodHost[]> {
  const net = plane.net;
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of inventory.namespaces) namespaceLabels.set(ns.name, ns.labels);
  for (const w of inventory.workloads) if (!namespaceLabels.has(w.namespace)) namespaceLabels.set(w.namespace, {});

  const allocate = (): string => {
    const address = numberToIpv4(net.nextPodAddress);
    net.nextPodAddress += 1n;
    return address;
  };

  const seen = new Set<string>();
  const planned = inventory.workloads.map((workload) => {
    let podName = workload.name;
    if (seen.has(`${workload.namespace}/${podName}`)) podName = `${workload.name}-${workload.kind.toLowerCase()}`;
    seen.add(`${workload.namespace}/${podName}`);
    return { workload, podName, address: allocate() };
  });

  const objects: unknown[] = [];
  for (const [name, labels] of namespaceLabels) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: withoutAutomatic(labels) } });
  }
  for (const { workload, podName } of planned) objects.push(podObject(workload, podName));
  // JSON, not YAML: kubectl reads YAML 1.1, where a namespace named `y` or `no` is a boolean.
  await kubectl(plane, ['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });

  // The pods' network namespaces, a few at a time (each is a handful of `ip` commands).
  const pods = await pool(planned, 4, async ({ workload, podName, address }): Promise<PodHost> => {
    const host = await addHost(net, { address, kind: 'pod' });
    return { ...host, kind: 'pod', key: namespacedName(workload), workload, podName };
  });
  // Their status, as a kubelet would write it: every pod in one `kubectl replace` of the status
  // subresource (one process, not one per pod).
  const addressOf = new Map(planned.map((p) => [`${p.workload.namespace}/${p.podName}`, p.address]));
  const list = JSON.parse(await kubectl(plane, ['get', 'pods', '-A', '-o', 'json'])) as {
    items: { metadata: { namespace: string; name: string }; status?: Record<string, unknown> }[];
  };
  const items = list.items.filter((item) => addressOf.has(`${item.metadata.namespace}/${item.metadata.name}`));
  for (const item of items) {
    const address = addressOf.get(`${item.metadata.namespace}/${item.metadata.name}`) as string;
    item.status = {
      phase: 'Running',
      hostIP: net.nodeAddress,
      hostIPs: [{ ip: net.nodeAddress }],
      podIP: address,
      podIPs: [{ ip: address }],
      conditions: [{ type: 'Ready', status: 'True' }],
    };
  }
  if (items.length > 0) {
    await kubectl(plane, ['replace', '--subresource=status', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    });
  }
  const running = await kubectl(plane, [
    'get',
    'pods',
    '-A',
    '-o',
    'jsonpath={range .items[*]}{.status.podIP}{"\\n"}{end}',
  ]);
  const addresses = new Set(running.split('\n').filter((a) => a !== ''));
  const lost = planned.filter((p) => !addresses.has(p.address));
  if (lost.length > 0) {
    throw new SandboxError(`the API server did not record the pod IPs of ${lost.map((p) => p.podName).join(', ')}`);
  }
  return pods;
}

/** A Pod object for a workload: its labels and ports, one container, on the sandbox's node. */
function podObject(workload: Workload, podName: string): unknown {
  const ports = workload.ports.map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    containerPort: p.containerPort,
    protocol: p.protocol,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName,
      namespace: workload.namespace,
      labels: workload.labels,
      annotations: { 'fineract-netpol/sandbox-workload': `${workload.kind}/${workload.name}` },
    },
    spec: {
      nodeName: NODE_NAME,
      automountServiceAccountToken: false,
      containers: [{ name: 'main', image: 'sandbox.invalid/not-run:none', ...(ports.length > 0 ? { ports } : {}) }],
    },
  };
}

/** The API server sets kubernetes.io/metadata.name itself (and refuses another value). */
function withoutAutomatic(labels: Record<string, string>): Record<string, string> {
  const { ['kubernetes.io/metadata.name']: _automatic, ...rest } = labels;
  return rest;
}

/** Runs `work` on every item, at most `size` at a time. */
export async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let index = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (index < items.length) {
      const i = index;
      index += 1;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
