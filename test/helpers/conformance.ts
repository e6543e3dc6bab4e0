// Pod-to-pod connectivity as a canonical, sorted list of lines, so that three sources can be
// compared with one `toEqual`: our analyzer, netpol-analyzer (test/helpers/netpol-analyzer.ts) and
// the hand-written `expected.txt` of a fixture.
//
// A line is `<ns>/<workload> => <ns>/<workload> : <ports>`, where <ports> is `All Connections`
// or, per protocol in TCP, UDP, SCTP order, `TCP 80,8080-8090; UDP 53`. Only workload-to-workload
// pairs are kept: external addresses are dropped, and so are pairs of a workload with itself
// (netpol-analyzer lists neither the same workload twice nor pods of one workload among themselves).
//
// The optional `external.txt` of a fixture checks external addresses too: lines between a
// workload and one IP address (`x/a => 8.8.8.8 : TCP 443`, `8.8.8.8 => x/b : No Connections`),
// each pair checked exactly, pairs not listed not checked.
//
// Usage: expect(analysisLines(analyze(input))).toEqual(expectedLines(readFileSync(file, 'utf8')));
//        const external = externalExpectation(readFileSync(externalFile, 'utf8'));
//        expect(analysisExternalLines(input, external.map((e) => e.pair))).toEqual(external.map((e) => e.line).sort());
import { isIP } from 'node:net';
import { parseRange, rangeContains, type AddressRange } from '../../src/model/cidr.ts';
import {
  analyze,
  workloadPairs,
  type AddressEndpoint,
  type Analysis,
  type AnalysisInput,
} from '../../src/verify/analysis/analyze.ts';
import { PortSet } from '../../src/verify/model/ports.ts';
import { namespacedName as workloadName, PROTOCOLS, type Protocol } from '../../src/verify/model/types.ts';

export { workloadName };

export const ALL_CONNECTIONS = 'All Connections';
export const NO_CONNECTIONS = 'No Connections';

/**
 * The canonical text of a port set: `All Connections` or `No Connections` (netpol-analyzer's
 * words), or PortSet's own `TCP 80,443; UDP 53`.
 */
export function formatPorts(ports: PortSet): string {
  if (ports.isAll()) return ALL_CONNECTIONS;
  if (ports.isEmpty()) return NO_CONNECTIONS;
  return ports.toString();
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
    for (const [source, destination] of workloadPairs(from.cls, to.cls)) {
      addConnection(connectivity, workloadName(source), workloadName(destination), ports);
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
  for (const { from, to, ports, where } of readLines(text, 'expected.txt')) {
    if (from === to) throw new Error(`${where}: a workload with itself is never listed`);
    addConnection(connectivity, from, to, ports);
  }
  return toLines(connectivity);
}

type HandWrittenLine = { from: string; to: string; ports: PortSet; where: string };

/** The `from => to : ports` lines of a hand-written file; `#` starts a comment; a pair twice throws. */
function readLines(text: string, file: string): HandWrittenLine[] {
  const lines: HandWrittenLine[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file} line ${index + 1}`;
    const match = /^(\S+)\s*=>\s*(\S+)\s*:\s*(.+)$/.exec(line);
    if (!match) throw new Error(`${where}: not "from => to : ports": ${raw}`);
    const [, from = '', to = '', ports = ''] = match;
    if (seen.has(pairKey(from, to))) throw new Error(`${where}: ${from} => ${to} twice`);
    seen.add(pairKey(from, to));
    lines.push({ from, to, ports: parsePorts(ports), where });
  });
  return lines;
}

// ---- external addresses (external.txt) -------------------------------------------------------

/** A pair of external.txt: a workload (`ns/name`) and an IP address, one of them `from`. */
export type ExternalPair = { from: string; to: string };

/** The address of a pair (the side that is an IP address). */
export function pairAddress(pair: ExternalPair): string {
  return isIP(pair.from) ? pair.from : pair.to;
}

/** An IP address as a one-address range (`8.8.8.8` → 8.8.8.8/32); throws for anything else. */
export function addressRange(address: string): AddressRange {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: "${address}"`);
  return parseRange(`${address}/${family === 4 ? 32 : 128}`);
}

/** The endpoint of an external address: the atom of the analysis that holds it. */
export function addressEndpoint(analysis: Analysis, address: string): AddressEndpoint {
  const probe = addressRange(address);
  const found = analysis.addressEndpoints().find((endpoint) => rangeContains(endpoint.atom, probe));
  if (!found) throw new Error(`no address atom of the analysis holds ${address}`);
  return found;
}

/** A pair of external.txt with its canonical line. */
export type ExternalExpectation = { pair: ExternalPair; line: string };

/**
 * A hand-written external.txt: `from => to : ports` lines, one side a workload and the other an IP
 * address, `No Connections` for a denied pair.
 */
export function externalExpectation(text: string): ExternalExpectation[] {
  return readLines(text, 'external.txt').map(({ from, to, ports, where }) => {
    if ((isIP(from) === 0) === (isIP(to) === 0)) throw new Error(`${where}: one side must be an IP address`);
    return { pair: { from, to }, line: externalLine(from, to, ports) };
  });
}

export function externalLine(from: string, to: string, ports: PortSet): string {
  return `${pairKey(from, to)} : ${formatPorts(ports)}`;
}

/**
 * Our analyzer's connectivity for each pair, as canonical sorted lines. The analysis splits the
 * address space at each address too, so that an IPv6 address has an atom even where no policy
 * names an IPv6 CIDR.
 */
export function analysisExternalLines(input: AnalysisInput, pairs: ExternalPair[]): string[] {
  const cidrs = pairs.map((pair) => {
    const address = pairAddress(pair);
    return `${address}/${isIP(address) === 4 ? 32 : 128}`;
  });
  const analysis = analyze({ ...input, cidrs: [...(input.cidrs ?? []), ...cidrs] });
  const endpointOf = (name: string) => {
    if (isIP(name)) return addressEndpoint(analysis, name);
    const cls = analysis.classes.find((c) => c.workloads.some((w) => workloadName(w) === name));
    if (!cls) throw new Error(`external.txt names ${name}, which is not a workload of the case`);
    return { kind: 'pod' as const, cls };
  };
  return pairs.map(({ from, to }) => externalLine(from, to, analysis.allowed(endpointOf(from), endpointOf(to)))).sort();
}
