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
import { AddressSpace, rangeToCidrs } from '../verify/addresses.ts';
import { blockCidrs } from '../verify/analyze.ts';
import type { NetworkPolicy } from '../verify/types.ts';
import { choosePodCidr, externalHosts, type ExternalHost } from './addresses.ts';
import { kubectl, startControlPlane, type ControlPlane } from './control-plane.ts';
import { exec, SandboxError, type ExecOptions } from './exec.ts';
import { probeList, probePorts } from './expect.ts';
import { startEnforcer, type Enforcer } from './enforcer.ts';
import { layOut, type Inventory, type PodHost } from './layout.ts';
import { addHost, checkIsolation, createNode, type Network } from './network.ts';
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
    const pod = choosePodCidr(options.policies);
    log(`sandbox ${runId}: node namespace, bridge, pod subnet ${pod.cidr}`);
    const net = await createNode(ledger, { podCidr: pod.cidr });
    log('starting etcd and kube-apiserver');
    const plane = await startControlPlane(net, tools, workDir);
    const inventory = options.controlPlaneOnly ? { ...options.inventory, workloads: [] } : options.inventory;
    log(`laying out ${inventory.workloads.length} workloads in ${inventory.namespaces.length} namespaces`);
    const pods = await layOut(plane, inventory);

    const space = AddressSpace.from([...blockCidrs(options.policies), ...(options.cidrs ?? [])]);
    const placed = options.controlPlaneOnly ? { hosts: [], unprobed: [] } : externalHosts(space.atoms, pod.cidr);
    const externals: Sandbox['externals'] = [];
    for (const host of placed.hosts) {
      await addHost(net, { address: host.address, kind: 'external' });
      externals.push({ ...host, key: host.address });
    }
    await checkIsolation(net);
    log(options.controlPlaneOnly ? 'no enforcer (control plane only)' : 'starting kube-router (firewall controller)');
    const enforcer = options.controlPlaneOnly ? idleEnforcer() : await startEnforcer(plane);

    const hosts: ProbeHost[] = [
      ...pods.map((p) => ({ key: p.key, netns: p.netns, address: p.address, kind: 'pod' as const })),
      ...externals.map((e) => {
        const host = net.hosts.find((h) => h.address === e.address);
        if (!host) throw new SandboxError(`no namespace for external host ${e.address}`);
        return { key: e.key, netns: host.netns, address: e.address, kind: 'external' as const };
      }),
    ];
    const ports = options.controlPlaneOnly
      ? []
      : dedupe([...probePorts(options.policies, options.inventory.workloads), ...(options.ports ?? [])]);
    log(`starting ${hosts.length} probe agents, ${ports.length} ports each`);
    agents = await startAgents(hosts, ports, ledger);
    const liveAgents = agents;

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
      pods,
      externals,
      hosts,
      ports,
      unprobed: placed.unprobed.flatMap(rangeToCidrs),
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
      probes: () => probeList(hosts, ports),
      probe: (probes) => probeAll(liveAgents, probes ?? probeList(hosts, ports)),
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
