// Runs np-guard's netpol-analyzer (`netpolicy list`, the real binary that scripts/run builds) on a
// folder of manifests and returns its pod-to-pod connectivity in the canonical lines of
// test/helpers/conformance.ts.
//
// Its JSON output is a list of {src, dst, conn}: `src`/`dst` are `<ns>/<name>[<Kind>]` for a
// workload or an address range (`0.0.0.0-255.255.255.255`) for external addresses, and `conn` is
// `All Connections` or `SCTP 5,TCP 80,443,UDP 1000-2000`. Address ranges are dropped (pods only),
// and the `[Kind]` suffix is removed. For external.txt, the connectivity between a workload and
// an IP address is read from the range that holds the address (netpol-analyzer v1.4.4 lists
// IPv4 ranges only).
//
// Usage: expect(analysisLines(analyze(input))).toEqual(netpolAnalyzerLines(fixtureDir));
//        expect(netpolAnalyzerExternalLines(fixtureDir, pairs)).toEqual(expected);
import { spawnSync } from 'node:child_process';
import { parseRange, rangeContains, type AddressRange } from '../../src/model/cidr.ts';
import { PortSet } from '../../src/verify/model/ports.ts';
import {
  addConnection,
  addressRange,
  externalLine,
  pairAddress,
  parsePorts,
  toLines,
  type Connectivity,
  type ExternalPair,
} from './conformance.ts';
import { netpolAnalyzerBinary } from './tools.ts';

type ConnLine = { src: string; dst: string; conn: string };

const WORKLOAD = /^([^/\s]+)\/([^[\s]+)\[([A-Za-z]+)\]$/;

/** The raw `list -o json` entries for a folder; throws with the tool's stderr when it fails. */
export function netpolAnalyzerList(dir: string): ConnLine[] {
  // --quiet prints only errors, e.g. an object it cannot decode (`namespace: y` is a YAML 1.1
  // boolean for Go) and then skips: any message is a failure here, not a smaller result. (--fail
  // is no substitute: it also stops, with no output, on a folder without NetworkPolicies.)
  const args = ['list', '--dirpath', dir, '--output', 'json', '--quiet'];
  const result = spawnSync(netpolAnalyzerBinary(), args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0 || result.stderr.trim() !== '') {
    throw new Error(`netpolicy ${args.join(' ')} exited with ${result.status}:\n${result.stderr.trim()}`);
  }
  const text = result.stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as ConnLine[]);
}

/** `ns/name[Kind]` → `ns/name`; undefined for an address range. */
export function netpolAnalyzerWorkload(peer: string): string | undefined {
  const match = WORKLOAD.exec(peer.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** netpol-analyzer's pod-to-pod connectivity of a folder, as canonical sorted lines. */
export function netpolAnalyzerLines(dir: string): string[] {
  const connectivity: Connectivity = new Map();
  for (const { src, dst, conn } of netpolAnalyzerList(dir)) {
    const from = netpolAnalyzerWorkload(src);
    const to = netpolAnalyzerWorkload(dst);
    if (from === undefined || to === undefined) continue;
    addConnection(connectivity, from, to, parsePorts(conn));
  }
  return toLines(connectivity);
}

/** An address range as netpol-analyzer writes one: `10.0.0.0-10.255.255.255` (or a CIDR, or one address). */
export function netpolAnalyzerRange(peer: string): AddressRange {
  const text = peer.trim();
  if (text.includes('/')) return parseRange(text);
  const [first = '', last = first] = text.split('-');
  const start = addressRange(first);
  const end = addressRange(last);
  if (start.family !== end.family) throw new Error(`netpol-analyzer range "${peer}" mixes address families`);
  return { family: start.family, start: start.start, end: end.end };
}

/**
 * netpol-analyzer's connectivity for each pair of a workload and an IP address: the ports of the
 * entries between the workload and a range that holds the address, as canonical sorted lines.
 */
export function netpolAnalyzerExternalLines(dir: string, pairs: ExternalPair[]): string[] {
  const entries = netpolAnalyzerList(dir);
  return pairs
    .map((pair) => {
      const address = pairAddress(pair);
      const probe = addressRange(address);
      const addressFirst = address === pair.from;
      const workload = addressFirst ? pair.to : pair.from;
      let ports = PortSet.none();
      for (const { src, dst, conn } of entries) {
        const [addressPeer, workloadPeer] = addressFirst ? [src, dst] : [dst, src];
        if (netpolAnalyzerWorkload(workloadPeer) !== workload) continue;
        if (netpolAnalyzerWorkload(addressPeer) !== undefined) continue; // pod to pod
        if (rangeContains(netpolAnalyzerRange(addressPeer), probe)) ports = ports.union(parsePorts(conn));
      }
      return externalLine(pair.from, pair.to, ports);
    })
    .sort();
}
