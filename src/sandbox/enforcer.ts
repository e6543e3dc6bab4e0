// The NetworkPolicy implementation: kube-router's firewall controller (iptables + ipset) running in
// the node namespace, watching the sandbox's API server. It enforces for the pods whose hostIP is
// the Node's InternalIP, in the node's FORWARD chain, rejecting what no policy allows (a refused TCP
// connection, an ICMP port-unreachable for UDP).
//
// kube-router applies a change by a full sync after the informer event. `settle` waits for that:
// every expected event seen in its log, then a sync started after the last event and finished, then
// a quiet period with no new event — so a probe never races the rules.
//
// Usage: const router = await startEnforcer(plane);
//        const mark = router.mark();
//        await helm install …;
//        await router.settle(mark, { policies: ['fineract-uat/fineract-network-policy'] });
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tail, type ControlPlane } from './control-plane.ts';
import { execResult, sleep, spawnIn, waitFor, SandboxError } from './exec.ts';
import { NODE_NAME } from './layout.ts';

export const ENFORCER = 'kube-router';

export type Enforcer = {
  log: string;
  /** A position in the log: changes made after it are awaited by settle. */
  mark(): number;
  /**
   * Waits until kube-router has applied every change made since `mark`: the events of the
   * policies and pods named (`<ns>/<name>`; none: only a quiet log), then a full sync after them.
   */
  settle(mark: number, expect?: { policies?: string[]; pods?: string[] }): Promise<void>;
};

const SYNC_START = 'Starting sync of iptables with version';
const SYNC_END = 'sync iptables took';

export async function startEnforcer(plane: ControlPlane): Promise<Enforcer> {
  const log = join(plane.workDir, 'kube-router.log');
  const child = spawnIn(
    plane.net.node,
    [
      plane.tools.kubeRouter,
      '--run-firewall=true',
      '--run-router=false',
      '--run-service-proxy=false',
      '--enable-cni=false',
      '--enable-ipv4=true',
      '--enable-ipv6=false',
      `--hostname-override=${NODE_NAME}`,
      `--kubeconfig=${plane.kubeconfig}`,
      '--metrics-port=0',
      '--health-port=0',
      '--v=2',
    ],
    { log },
  );
  plane.net.ledger.process(child.pid, 'kube-router');

  const size = () => {
    try {
      return statSync(log).size;
    } catch {
      return 0;
    }
  };
  const since = (mark: number) => {
    try {
      return readFileSync(log).subarray(mark).toString('utf8');
    } catch {
      return '';
    }
  };

  const enforcer: Enforcer = {
    log,
    mark: size,
    async settle(mark, expect = {}) {
      const events = [
        ...(expect.policies ?? []).map(
          (name) => new RegExp(`network policy: ${escape(name)}( delete event)?\\s*$`, 'm'),
        ),
        ...(expect.pods ?? []).map(
          (name) => new RegExp(`(update to pod|Received pod): ${escape(name)}( delete event)?\\s*$`, 'm'),
        ),
      ];
      await waitFor(
        `kube-router to apply the change (${[...(expect.policies ?? []), ...(expect.pods ?? [])].join(', ') || 'no event expected'})`,
        async () => {
          const text = since(mark);
          if (!events.every((event) => event.test(text))) return undefined;
          if (!syncedAfterLastEvent(text)) return undefined;
          // Quiet: nothing new for a while (a burst of events may still be arriving).
          const before = size();
          await sleep(300);
          if (size() !== before && !syncedAfterLastEvent(since(mark))) return undefined;
          return syncedAfterLastEvent(since(mark)) ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, hint: () => tail(log, 30) },
      );
    },
  };

  // Ready: its first full sync has finished, the top-level chains exist.
  await waitFor(
    'kube-router to start enforcing',
    async () => {
      if (child.exitCode !== null) throw new SandboxError(`kube-router exited with ${child.exitCode}${tail(log, 30)}`);
      if (!since(0).includes(SYNC_END)) return undefined;
      const rules = await execResult(['iptables-save', '-t', 'filter'], { netns: plane.net.node, allowFailure: true });
      return rules.stdout.includes('KUBE-ROUTER-FORWARD') ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, hint: () => tail(log, 30) },
  );
  return enforcer;
}

/**
 * True when a full sync started after the last "Received …" event line of the text and finished,
 * and no sync is in progress.
 */
function syncedAfterLastEvent(text: string): boolean {
  const lines = text.split('\n');
  let lastEvent = -1;
  lines.forEach((line, i) => {
    if (line.includes('Received update') || line.includes('Received network policy') || line.includes('Received pod')) {
      lastEvent = i;
    }
  });
  let started = -1;
  let ended = -1;
  lines.forEach((line, i) => {
    if (line.includes(SYNC_START)) started = i;
    if (line.includes(SYNC_END)) ended = i;
  });
  if (lastEvent === -1) return started === -1 || ended > started; // nothing changed: only no sync running
  return started > lastEvent && ended > started;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
