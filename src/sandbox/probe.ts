// Probing: one agent process per host (the Go program of src/sandbox/agent/, built by scripts/run
// into .tools/bin/probe-agent; started inside the host's namespace) listens on every probe port, TCP and UDP; a probe is one connection attempt from a source host to a destination
// address and port, made by the source's agent. Results are open or blocked; a probe the agent
// cannot classify fails the run, and so does a listener that cannot be proven up (each agent first
// reaches every one of its own listeners on its own address).
//
// Usage: const agents = await startAgents(hosts, ports, ledger, tools.probeAgent);
//        const observed = await probeAll(agents, probes, { concurrency: 64 });   // one request per agent
//        await stopAgents(agents);
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Protocol } from '../verify/model/types.ts';
import { inNamespace, SandboxError } from './exec.ts';
import type { Ledger } from './teardown.ts';

/** A host that takes part in probes: a pod (`<ns>/<workload>`) or an external address. */
export type ProbeHost = { key: string; netns: string; address: string; kind: 'pod' | 'external' };

export type PortSpec = { protocol: Exclude<Protocol, 'SCTP'>; port: number };

export type Probe = { from: string; to: string; address: string; protocol: PortSpec['protocol']; port: number };

export type Observation = Probe & { result: 'open' | 'blocked'; detail: string };

type Verdict = { result: 'open' | 'blocked' | 'error'; detail: string };

type Response = {
  id: number;
  ok?: boolean;
  result?: 'open' | 'blocked' | 'error';
  detail?: string;
  verdicts?: Verdict[];
};

/** Time a probe waits for an answer before calling the flow blocked (kube-router rejects at once). */
export const PROBE_TIMEOUT_MS = 2000;
/**
 * A probe left without an answer is made again, once, with this longer wait: kube-router rejects
 * what it blocks at once, so silence is usually a busy machine (the suite runs next to other
 * steps) and not a verdict. A flow that is really dropped is silent twice and stays blocked.
 */
export const RETRY_TIMEOUT_MS = 10_000;

export class Agent {
  readonly host: ProbeHost;
  readonly pid: number;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (response: Response) => void>();
  private nextId = 1;
  private exited: string | undefined;

  private constructor(host: ProbeHost, child: ChildProcessWithoutNullStreams) {
    this.host = host;
    this.child = child;
    this.pid = child.pid as number;
    createInterface({ input: child.stdout }).on('line', (line) => {
      let response: Response;
      try {
        response = JSON.parse(line) as Response;
      } catch {
        return;
      }
      this.pending.get(response.id)?.(response);
      this.pending.delete(response.id);
    });
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('exit', (code, signal) => {
      this.exited = `agent of ${host.key} exited (${signal ?? code})${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`;
      for (const resolve of this.pending.values()) resolve({ id: -1, result: 'error', detail: this.exited });
      this.pending.clear();
    });
  }

  /** Starts `binary` (the probe agent, tools.probeAgent) in the host's namespace. */
  static start(host: ProbeHost, ledger: Ledger, binary: string): Agent {
    const argv = inNamespace(host.netns, [binary, host.key]);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new SandboxError(`cannot start the probe agent in ${host.netns}`);
    ledger.process(child.pid, `probe agent ${host.key}`);
    return new Agent(host, child);
  }

  request(message: Record<string, unknown>): Promise<Response> {
    if (this.exited) return Promise.resolve({ id: -1, result: 'error', detail: this.exited });
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin.write(`${JSON.stringify({ id, ...message })}\n`);
    });
  }

  /** Listens on the ports and proves each listener answers on the host's own address. */
  async listen(ports: readonly PortSpec[]): Promise<void> {
    const response = await this.request({
      op: 'listen',
      tcp: ports.filter((p) => p.protocol === 'TCP').map((p) => p.port),
      udp: ports.filter((p) => p.protocol === 'UDP').map((p) => p.port),
    });
    if (!response.ok) throw new SandboxError(`${this.host.key} cannot listen: ${response.detail ?? 'no answer'}`);
    const failures: string[] = [];
    await Promise.all(
      ports.map(async (p) => {
        let verdict = await this.probe({ ...p, address: this.host.address });
        // No answer from its own listener is a busy machine (a refusal is not): once more, longer.
        if (verdict.result === 'blocked' && verdict.detail.startsWith('no answer')) {
          verdict = await this.probe({ ...p, address: this.host.address }, RETRY_TIMEOUT_MS);
        }
        if (verdict.result !== 'open') failures.push(`${p.protocol} ${p.port}: ${verdict.detail}`);
      }),
    );
    if (failures.length > 0) {
      throw new SandboxError(
        `the listeners of ${this.host.key} (${this.host.address}) cannot be proven up: ${failures.join('; ')}`,
      );
    }
  }

  async probe(
    target: { address: string; protocol: PortSpec['protocol']; port: number },
    timeoutMs = PROBE_TIMEOUT_MS,
  ): Promise<{
    result: 'open' | 'blocked' | 'error';
    detail: string;
  }> {
    const response = await this.request({
      op: 'probe',
      protocol: target.protocol,
      host: target.address,
      port: target.port,
      timeoutMs,
    });
    return { result: response.result ?? 'error', detail: response.detail ?? '' };
  }

  /**
   * Many probes in one request, made by the agent `concurrency` at a time (one message each way
   * instead of one per probe: the pipe and JSON work of a matrix shrinks to nothing).
   */
  async probeMany(
    targets: readonly { address: string; protocol: PortSpec['protocol']; port: number }[],
    concurrency: number,
  ): Promise<Verdict[]> {
    const response = await this.request({
      op: 'probeMany',
      probes: targets.map((t) => ({ protocol: t.protocol, host: t.address, port: t.port })),
      timeoutMs: PROBE_TIMEOUT_MS,
      concurrency,
    });
    if (response.verdicts?.length === targets.length) return response.verdicts;
    const detail = response.detail ?? 'no answer';
    return targets.map(() => ({ result: 'error', detail }));
  }

  /** Closes its stdin (the agent exits) and waits for it. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
      setTimeout(() => {
        this.child.kill('SIGKILL');
      }, 3000).unref();
    });
  }
}

/** Starts one agent per host, each listening on every port (proven up). */
export async function startAgents(
  hosts: readonly ProbeHost[],
  ports: readonly PortSpec[],
  ledger: Ledger,
  binary: string,
): Promise<Map<string, Agent>> {
  const agents = new Map<string, Agent>();
  for (const host of hosts) agents.set(host.key, Agent.start(host, ledger, binary));
  await Promise.all([...agents.values()].map((agent) => agent.listen(ports)));
  return agents;
}

export async function stopAgents(agents: Map<string, Agent>): Promise<void> {
  await Promise.all([...agents.values()].map((agent) => agent.stop()));
}

/**
 * Makes every probe, about `concurrency` at a time in all: each source host's agent gets its probes
 * in one request (two agents at a time, each making half that many at once). Throws SandboxError
 * listing the probes that ended in neither open nor blocked.
 */
export async function probeAll(
  agents: Map<string, Agent>,
  probes: readonly Probe[],
  options: { concurrency?: number } = {},
): Promise<Observation[]> {
  const results: Observation[] = new Array<Observation>(probes.length);
  const errors: string[] = [];
  const bySource = new Map<string, number[]>();
  probes.forEach((probe, i) => {
    if (!agents.has(probe.from)) throw new SandboxError(`no probe agent for ${probe.from}`);
    const indices = bySource.get(probe.from) ?? [];
    indices.push(i);
    bySource.set(probe.from, indices);
  });
  // Two agents at a time, each with half the concurrency: an agent with many connections in flight
  // serves them in few event-loop turns (cheaper than every agent with a few).
  const width = 2;
  const share = Math.max(1, Math.ceil((options.concurrency ?? 64) / width));
  const record = (i: number, verdict: Verdict, note = '') => {
    const probe = probes[i] as Probe;
    if (verdict.result === 'error') {
      errors.push(`${describeProbe(probe)}: ${verdict.detail}`);
      results[i] = { ...probe, result: 'blocked', detail: verdict.detail };
    } else {
      results[i] = { ...probe, result: verdict.result, detail: `${verdict.detail}${note}` };
    }
  };
  const sources = [...bySource];
  let nextSource = 0;
  const lane = async () => {
    while (nextSource < sources.length) {
      const [from, indices] = sources[nextSource++] as [string, number[]];
      const verdicts = await (agents.get(from) as Agent).probeMany(
        indices.map((i) => probes[i] as Probe),
        share,
      );
      indices.forEach((i, k) => record(i, verdicts[k] as Verdict));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, sources.length) }, lane));
  // Silence is made again, all at once, with a longer wait (see RETRY_TIMEOUT_MS).
  await Promise.all(
    results.map(async (observation, i) => {
      if (!observation.detail.startsWith('no answer in ')) return;
      const probe = probes[i] as Probe;
      record(
        i,
        await (agents.get(probe.from) as Agent).probe(probe, RETRY_TIMEOUT_MS),
        ' (made again after no answer)',
      );
    }),
  );
  if (errors.length > 0) {
    throw new SandboxError(
      `${errors.length} probe(s) ended neither open nor blocked:\n  ${errors.slice(0, 20).join('\n  ')}`,
    );
  }
  return results;
}

export function describeProbe(probe: Probe): string {
  const to = probe.to === probe.address ? probe.address : `${probe.to} (${probe.address})`;
  return `${probe.from} → ${to} ${probe.protocol} ${probe.port}`;
}
