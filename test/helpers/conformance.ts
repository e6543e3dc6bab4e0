// Pod-to-pod connectivity as a canonical, sorted list of lines, so that three sources can be
// compared with one `toEqual`: our analyzer, netpol-analyzer (test/helpers/netpol-analyzer.ts) and
// the hand-written `expected.txt` of a fixture.
//
// A line is `<ns>/<workload> => <ns>/<workload> : <ports>`, where <ports> is `All Connections`
// or, per protocol in TCP, UDP, SCTP order, `TCP 80,8080-8090; UDP 53`. Only workload-to-workload
// pairs are kept: external addresses are dropped, and so are pairs of a workload with itself
// (netpol-analyzer lists neither the same workload twice nor pods of one workload among themselves).
//
// Usage: expect(analysisLines(analyze(input))).toEqual(expectedLines(readFileSync(file, 'utf8')));
import type { Analysis } from '../../src/verify/analyze.ts';
import { PortSet } from '../../src/verify/ports.ts';
import { PROTOCOLS, type Protocol, type Workload } from '../../src/verify/types.ts';

export const ALL_CONNECTIONS = 'All Connections';

/** `<ns>/<name>` of a workload (its kind is not part of the name). */
export function workloadName(w: Pick<Workload, 'namespace' | 'name'>): string {
  return `${w.namespace}/${w.name}`;
}

/** The canonical text of a port set: `All Connections`, or `TCP 80,443; UDP 53`. */
export function formatPorts(ports: PortSet): string {
  if (ports.isAll()) return ALL_CONNECTIONS;
  return ports
    .protocols()
    .map((p) => `${p} ${ports.portsOf(p).join(',')}`)
    .join('; ');
}

/**
 * Parses a port description: `All Connections`, our `TCP 80,443; UDP 53`, or netpol-analyzer's
 * `SCTP 5,TCP 80,443,UDP 1000-2000` (a token starting with a protocol switches protocol).
 */
export function parsePorts(text: string): PortSet {
  const trimmed = text.trim();
  if (/^all connections$/i.test(trimmed)) return PortSet.all();
  if (/^no connections$/i.test(trimmed)) return PortSet.none();
  let result = PortSet.none();
  let protocol: Protocol | undefined;
  for (const raw of trimmed.split(/[;,]/)) {
    let token = raw.trim();
    const head = /^([A-Za-z]+)\s+(.*)$/.exec(token);
    if (head) {
      const name = head[1]?.toUpperCase();
      if (!PROTOCOLS.includes(name as Protocol)) throw new Error(`unknown protocol "${head[1]}" in "${text}"`);
      protocol = name as Protocol;
      token = head[2]?.trim() ?? '';
    }
    const range = /^(\d+)(?:-(\d+))?$/.exec(token);
    if (!protocol || !range) throw new Error(`cannot read ports "${text}" (at "${raw.trim()}")`);
    const first = Number(range[1]);
    result = result.union(PortSet.of(protocol, first, range[2] === undefined ? first : Number(range[2])));
  }
  return result;
}

/** Connectivity keyed by `from => to`. */
export type Connectivity = Map<string, PortSet>;

export function pairKey(from: string, to: string): string {
  return `${from} => ${to}`;
}

/** Adds ports to a pair (unions with what is already there). */
export function addConnection(connectivity: Connectivity, from: string, to: string, ports: PortSet): void {
  if (from === to || ports.isEmpty()) return;
  const key = pairKey(from, to);
  connectivity.set(key, (connectivity.get(key) ?? PortSet.none()).union(ports));
}

/** The sorted canonical lines of a connectivity map. */
export function toLines(connectivity: Connectivity): string[] {
  return [...connectivity]
    .filter(([, ports]) => !ports.isEmpty())
    .map(([key, ports]) => `${key} : ${formatPorts(ports)}`)
    .sort();
}

/** Our analyzer's pod-to-pod connectivity: every class pair expanded to its workloads. */
export function analysisLines(analysis: Analysis): string[] {
  const connectivity: Connectivity = new Map();
  for (const { from, to, ports } of analysis.connections()) {
    if (from.kind !== 'pod' || to.kind !== 'pod') continue;
    for (const source of from.cls.workloads) {
      for (const destination of to.cls.workloads) {
        if (source === destination) continue;
        addConnection(connectivity, workloadName(source), workloadName(destination), ports);
      }
    }
  }
  return toLines(connectivity);
}

/**
 * A hand-written expectation: one `from => to : ports` line per allowed pair; `#` starts a
 * comment; pairs not listed are denied. A pair listed twice is a mistake of the fixture.
 */
export function expectedLines(text: string): string[] {
  const connectivity: Connectivity = new Map();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const match = /^(\S+)\s*=>\s*(\S+)\s*:\s*(.+)$/.exec(line);
    if (!match) throw new Error(`expected.txt line ${index + 1}: not "from => to : ports": ${raw}`);
    const [, from = '', to = '', ports = ''] = match;
    if (connectivity.has(pairKey(from, to))) throw new Error(`expected.txt line ${index + 1}: ${from} => ${to} twice`);
    if (from === to) throw new Error(`expected.txt line ${index + 1}: a workload with itself is never listed`);
    addConnection(connectivity, from, to, parsePorts(ports));
  });
  return toLines(connectivity);
}
