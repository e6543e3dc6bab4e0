// The real-cluster test bed, composed: build nothing (scripts/run built the tools), start the
// control plane, lay out the namespaces and pods, add the external hosts, start the enforcer and
// the probe agents; then install, change and probe as often as needed; tear down. Used by the
// tests (test/real-cluster.test.ts) and by `fineract-netpol sandbox` alike.
//
// Usage: const sandbox = await startSandbox({ inventory, policies });
//        try {
//          await sandbox.change(() => sandbox.helm(4, ['install', 'fineract-netpol', CHART_DIR, '-n', 'fineract-uat']));
//          const observed = await sandbox.probe();
//        } finally {
//          await sandbox.stop();   // every process, namespace and folder of the run, also on failure
//        }
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rangeToCidrs } from '../model/cidr.ts';
import { AddressSpace } from '../verify/model/addresses.ts';
import { blockCidrs } from '../verify/analysis/analyze.ts';
import type { NetworkPolicy } from '../verify/model/types.ts';
import { choosePodCidr, externalHosts, type ExternalHost } from './addresses.ts';
import { kubectl, startControlPlane, type ControlPlane } from './control-plane.ts';
import { exec, SandboxError, type ExecOptions } from './exec.ts';
import { probeList, probePorts } from './expect.ts';
import { startEnforcer, type Enforcer } from './enforcer.ts';
import { layOut, pool, registerNode, type Inventory, type PodHost } from './layout.ts';
import { addHost, checkIsolation, createNode, removeHost, type Host, type Network } from './network.ts';
import {
  probeAll,
  startAgents,
  stopAgents,
  type Agent,
  type Observation,
  type PortSpec,
  type Probe,
  type ProbeHost,
} from './probe.ts';
import { Ledger, sweepStaleRuns } from './teardown.ts';
import { findTools, type Tools } from './tools.ts';

export type SandboxOptions = {
  inventory: Inventory;
  /** Every policy the run will install: the pod subnet avoids their ipBlocks, external hosts follow them. */
  policies: NetworkPolicy[];
  /**
   * Policies a later `relayOut` will install: the pod subnet, chosen once, avoids their ipBlocks
   * too (external hosts follow the policies of each layout).
   */
  reserve?: NetworkPolicy[];
  /** More CIDRs to place external hosts by (e.g. the values' networks). */
  cidrs?: string[];
  /** Ports to listen on and probe besides those probePorts finds. */
  ports?: PortSpec[];
  /** Progress messages (stderr in the CLI). */
  log?: (message: string) => void;
  /**
   * Only the API server (with the inventory's namespaces): no pods, hosts, enforcer or probes —
   * for server-side checks (`kubectl apply --dry-run=server`). @default false
   */
  controlPlaneOnly?: boolean;
};

/** What a sandbox lays out: the inventory, and what to place external hosts and ports by. */
export type Layout = Pick<SandboxOptions, 'inventory' | 'policies' | 'cidrs' | 'ports'>;

export type Sandbox = {
  runId: string;
  workDir: string;
  tools: Tools;
  net: Network;
  plane: ControlPlane;
  enforcer: Enforcer;
  pods: PodHost[];
  externals: (ExternalHost & { key: string })[];
  /** Pods and external hosts, as probes name them. */
  hosts: ProbeHost[];
  ports: PortSpec[];
  /** External address ranges no host could be placed in (never probed). */
  unprobed: string[];
  /** Whether some ipBlock reaches into every pod subnet we could choose. */
  podCidrOverlaps: boolean;
  /** Runs Helm 3 or 4 in the node namespace against the sandbox's API server. */
  helm(version: 3 | 4, args: string[], options?: ExecOptions): Promise<string>;
  kubectl(args: string[], options?: ExecOptions): Promise<string>;
  /**
   * Replaces the whole layout: deletes every NetworkPolicy and Pod (and their hosts, agents and
   * external hosts), then lays out another inventory — so one control plane serves many cases.
   */
  relayOut(layout: Layout): Promise<void>;
  /** Runs an action that changes NetworkPolicies, then waits until the enforcer has applied the change. */
  change<T>(action: () => Promise<T>): Promise<T>;
  /** Every probe of the full matrix (or the probes given), observed on real packets. */
  probe(probes?: readonly Probe[]): Promise<Observation[]>;
  /** The full matrix of probes. */
  probes(): Probe[];
  /** Stops and removes everything the run created; returns what could not be removed. */
  stop(): Promise<string[]>;
};

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? (() => undefined);
  await sweepStaleRuns();
  const tools = findTools();
  const runId = randomBytes(4).toString('hex').slice(0, 6);
  const ledger = new Ledger(runId);
  const workDir = mkdtempSync(join(tmpdir(), `fineract-netpol-sandbox-${runId}-`));
  ledger.directory(workDir);

  let stopped = false;
  const stop = async (): Promise<string[]> => {
    if (stopped) return [];
    stopped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (agents) await stopAgents(agents).catch(() => undefined);
    return ledger.teardown();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => {
      process.stderr.write(`fineract-netpol sandbox: ${signal}: the sandbox ${runId} was torn down\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let agents: Map<string, Agent> | undefined;
  try {
    const pod = choosePodCidr([...options.policies, ...(options.reserve ?? [])]);
    log(`sandbox ${runId}: node namespace, bridge, pod subnet ${pod.cidr}`);
    const net = await createNode(ledger, { podCidr: pod.cidr });
    log('starting etcd and kube-apiserver');
    const plane = await startControlPlane(net, tools, workDir);
    await registerNode(plane);
    log(options.controlPlaneOnly ? 'no enforcer (control plane only)' : 'starting kube-router (firewall controller)');
    const enforcer = options.controlPlaneOnly ? idleEnforcer() : await startEnforcer(plane);

    /** Lays out an inventory with its external hosts and probe agents (the sandbox holds no other). */
    const populate = async (layout: Layout) => {
      const inventory = options.controlPlaneOnly ? { ...layout.inventory, workloads: [] } : layout.inventory;
      log(`laying out ${inventory.workloads.length} workloads in ${inventory.namespaces.length} namespaces`);
      const mark = enforcer.mark();
      const pods = await layOut(plane, inventory);
      const space = AddressSpace.from([...blockCidrs(layout.policies), ...(layout.cidrs ?? [])]);
      const placed = options.controlPlaneOnly ? { hosts: [], unprobed: [] } : externalHosts(space.atoms, pod.cidr);
      const externals: Sandbox['externals'] = [];
      const hosts: ProbeHost[] = pods.map((p) => ({ key: p.key, netns: p.netns, address: p.address, kind: 'pod' }));
      const added = await pool(placed.hosts, 4, (host) => addHost(net, { address: host.address, kind: 'external' }));
      placed.hosts.forEach((host, i) => {
        externals.push({ ...host, key: host.address });
        hosts.push({ key: host.address, netns: (added[i] as Host).netns, address: host.address, kind: 'external' });
      });
      await checkIsolation(net);
      const ports = options.controlPlaneOnly
        ? []
        : dedupe([...probePorts(layout.policies, inventory.workloads), ...(layout.ports ?? [])]);
      log(`starting ${hosts.length} probe agents, ${ports.length} ports each`);
      agents = await startAgents(hosts, ports, ledger, tools.probeAgent);
      // The enforcer's rules for the new pods (nothing to wait for at the first layout: it starts after).
      if (enforcer.log !== '')
        await enforcer.settle(mark, { pods: pods.map((p) => `${p.workload.namespace}/${p.podName}`) });
      return { pods, externals, hosts, ports, unprobed: placed.unprobed.flatMap(rangeToCidrs) };
    };
    let current = await populate(options);

    const policyVersions = async (): Promise<Map<string, string>> => {
      const text = await kubectl(plane, [
        'get',
        'networkpolicies',
        '-A',
        '-o',
        'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\\n"}{end}',
      ]);
      return new Map(
        text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.split(' ') as [string, string]),
      );
    };

    const sandbox: Sandbox = {
      runId,
      workDir,
      tools,
      net,
      plane,
      enforcer,
      get pods() {
        return current.pods;
      },
      get externals() {
        return current.externals;
      },
      get hosts() {
        return current.hosts;
      },
      get ports() {
        return current.ports;
      },
      get unprobed() {
        return current.unprobed;
      },
      podCidrOverlaps: pod.overlaps,
      helm: (version, args, execOptions = {}) =>
        exec([version === 3 ? tools.helm3 : tools.helm4, ...args], { netns: net.node, env: plane.env, ...execOptions }),
      kubectl: (args, execOptions = {}) => kubectl(plane, args, execOptions),
      async change(action) {
        const before = await policyVersions();
        const mark = enforcer.mark();
        const result = await action();
        const after = await policyVersions();
        const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
        await enforcer.settle(mark, { policies: changed });
        return result;
      },
      async relayOut(layout) {
        if (agents) await stopAgents(agents);
        const policies = [...(await policyVersions()).keys()];
        const mark = enforcer.mark();
        await kubectl(plane, ['delete', 'networkpolicies', '--all', '-A', '--wait=false']);
        await kubectl(plane, ['delete', 'pods', '--all', '-A', '--force', '--grace-period=0', '--wait=false']);
        for (const host of [...net.hosts]) await removeHost(net, host);
        await enforcer.settle(mark, {
          policies,
          pods: current.pods.map((p) => `${p.workload.namespace}/${p.podName}`),
        });
        current = await populate(layout);
      },
      probes: () => probeList(current.hosts, current.ports),
      probe: (probes) => {
        if (!agents) throw new SandboxError('the sandbox has no probe agents');
        return probeAll(agents, probes ?? probeList(current.hosts, current.ports));
      },
      stop,
    };
    return sandbox;
  } catch (error) {
    const problems = await stop();
    if (problems.length > 0 && error instanceof Error) {
      error.message += `\n(and the teardown left: ${problems.join('; ')})`;
    }
    throw error;
  }
}

/** The enforcer of a control-plane-only sandbox: nothing to wait for. */
function idleEnforcer(): Enforcer {
  return { log: '', mark: () => 0, settle: () => Promise.resolve() };
}

function dedupe(ports: PortSpec[]): PortSpec[] {
  const unique = new Map(ports.map((p) => [`${p.protocol}/${p.port}`, p]));
  return [...unique.values()];
}
