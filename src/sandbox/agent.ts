// The probe agent: one process per sandbox host, started inside the host's network namespace
// (`ip netns exec <ns> node agent.ts <identity>`). It listens on the ports it is told and makes the
// connection attempts it is told, answering on stdout; requests come one JSON object per line on
// stdin and are served concurrently. It imports nothing but Node's built-ins.
//
//   → {"id":1,"op":"listen","tcp":[8080],"udp":[53]}       ← {"id":1,"ok":true}
//   → {"id":2,"op":"probe","protocol":"TCP","host":"10.244.0.3","port":8080,"timeoutMs":1500}
//   ← {"id":2,"result":"open","detail":"fineract-uat/keycloak tcp 8080"}
//   → {"id":3,"op":"probeMany","probes":[{"protocol":"TCP","host":"10.244.0.3","port":8080},…],
//      "timeoutMs":1500,"concurrency":4}
//   ← {"id":3,"verdicts":[{"result":"open","detail":"fineract-uat/keycloak tcp 8080"},…]}
//
// A TCP listener writes "<identity> tcp <port>\n" to every connection; a UDP listener answers every
// datagram with "<identity> udp <port> <datagram>". A probe is open only when that answer arrives
// (so a connection to something else never counts); blocked when the connection is refused or
// reset, the host or port is unreachable (ICMP), or nothing answers in time; error for anything
// else (the run then fails: a probe is never left unknown).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';

type Request =
  | { id: number; op: 'listen'; tcp: number[]; udp: number[] }
  | { id: number; op: 'probe'; protocol: 'TCP' | 'UDP'; host: string; port: number; timeoutMs: number }
  | { id: number; op: 'probeMany'; probes: Target[]; timeoutMs: number; concurrency: number }
  | { id: number; op: 'ping' };

const identity = process.argv[2] ?? 'agent';
const servers: (Server | UdpSocket)[] = [];
let nonce = 0;

// UDP probes bind their source port from a counter, never reusing one: the node's conntrack keeps
// a UDP flow it accepted for 30-120 s, and a probe that happened to reuse an earlier open probe's
// ports would ride that entry through a policy that now blocks it (kube-router, like every
// enforcer, accepts packets of established flows). Each probe is then a new flow.
const UDP_SOURCE_PORTS = { first: 20_000, last: 60_999 };
let nextUdpSource = UDP_SOURCE_PORTS.first;
function udpSourcePort(): number {
  const port = nextUdpSource;
  nextUdpSource = port >= UDP_SOURCE_PORTS.last ? UDP_SOURCE_PORTS.first : port + 1;
  return port;
}

/** Errors that mean "the network said no" (a policy's REJECT, an ICMP unreachable). */
const BLOCKED_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPERM']);

function reply(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function listenTcp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${identity} tcp ${port}\n`);
    });
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0', backlog: 511 }, () => {
      servers.push(server);
      resolve();
    });
  });
}

function listenUdp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('message', (message, remote) => {
      socket.send(`${identity} udp ${port} ${message.toString('utf8')}`, remote.port, remote.address);
    });
    socket.once('error', reject);
    socket.bind(port, '0.0.0.0', () => {
      socket.on('error', () => undefined);
      servers.push(socket);
      resolve();
    });
  });
}

type Verdict = { result: 'open' | 'blocked' | 'error'; detail: string };
type Target = { protocol: 'TCP' | 'UDP'; host: string; port: number };

function probeOne(target: Target, timeoutMs: number): Promise<Verdict> {
  return target.protocol === 'TCP'
    ? probeTcp(target.host, target.port, timeoutMs)
    : probeUdp(target.host, target.port, timeoutMs);
}

/** Every target, at most `concurrency` at a time; the verdicts in the targets' order. */
async function probeMany(targets: readonly Target[], timeoutMs: number, concurrency: number): Promise<Verdict[]> {
  const verdicts = new Array<Verdict>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      verdicts[i] = await probeOne(targets[i] as Target, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker));
  return verdicts;
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<Verdict> {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (verdict: Verdict) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(verdict);
    };
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => finish({ result: 'blocked', detail: `no answer in ${timeoutMs} ms` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const line = data.split('\n')[0] ?? '';
      if (data.includes('\n')) {
        finish(
          line.endsWith(` tcp ${port}`)
            ? { result: 'open', detail: line }
            : { result: 'error', detail: `unexpected answer ${JSON.stringify(line)}` },
        );
      }
    });
    socket.on('end', () =>
      finish({ result: 'error', detail: `connected, closed without an answer (${JSON.stringify(data)})` }),
    );
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      finish(BLOCKED_ERRORS.has(code) ? { result: 'blocked', detail: code } : { result: 'error', detail: code });
    });
  });
}

function probeUdp(host: string, port: number, timeoutMs: number): Promise<Verdict> {
  return new Promise((resolve) => {
    nonce += 1;
    const token = `probe-${process.pid}-${nonce}`;
    const socket = createSocket('udp4');
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (verdict: Verdict) => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      socket.close();
      resolve(verdict);
    };
    socket.on('message', (message) => {
      const text = message.toString('utf8');
      if (text.endsWith(` udp ${port} ${token}`)) finish({ result: 'open', detail: text.slice(0, -token.length - 1) });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      finish(BLOCKED_ERRORS.has(code) ? { result: 'blocked', detail: code } : { result: 'error', detail: code });
    });
    socket.bind(udpSourcePort(), () =>
      socket.connect(port, host, () => {
        // Three datagrams spread over the timeout: a lost one is not a blocked flow.
        const send = () => {
          if (!done) socket.send(token);
        };
        send();
        timers.push(setTimeout(send, timeoutMs / 3), setTimeout(send, (2 * timeoutMs) / 3));
        timers.push(setTimeout(() => finish({ result: 'blocked', detail: `no answer in ${timeoutMs} ms` }), timeoutMs));
      }),
    );
  });
}

async function handle(request: Request): Promise<void> {
  try {
    if (request.op === 'ping') {
      reply({ id: request.id, ok: true, pid: process.pid });
    } else if (request.op === 'listen') {
      await Promise.all([...request.tcp.map(listenTcp), ...request.udp.map(listenUdp)]);
      reply({ id: request.id, ok: true });
    } else if (request.op === 'probeMany') {
      reply({ id: request.id, verdicts: await probeMany(request.probes, request.timeoutMs, request.concurrency) });
    } else {
      reply({ id: request.id, ...(await probeOne(request, request.timeoutMs)) });
    }
  } catch (error) {
    reply({ id: request.id, ok: false, result: 'error', detail: (error as Error).message });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  void handle(JSON.parse(line) as Request);
});
// The sandbox closes stdin to stop an agent (it also stops it by PID).
lines.on('close', () => {
  for (const server of servers) server.close();
  process.exit(0);
});
