// Addresses of the sandbox: the pod subnet, and one external host per range of addresses that the
// policies treat alike (verify's atoms), placed only in ranges that no one else can own:
// the RFC 1918 private ranges and the RFC 5737 documentation ranges ("the internet").
//
// Usage: const podCidr = choosePodCidr(policies);                 // '10.244.0.0/16'
//        const { hosts, unprobed } = externalHosts(analysis.atoms, podCidr);
import { formatAddress, parseRange, type AddressRange } from '../model/cidr.ts';
import { inBlock } from '../verify/model/addresses.ts';
import type { IPBlock, NetworkPolicy } from '../verify/model/types.ts';

/** The ranges an external host may be given an address in, with why. */
export const SAFE_RANGES: readonly { cidr: string; why: string }[] = [
  { cidr: '10.0.0.0/8', why: 'private (RFC 1918)' },
  { cidr: '172.16.0.0/12', why: 'private (RFC 1918)' },
  { cidr: '192.168.0.0/16', why: 'private (RFC 1918)' },
  { cidr: '192.0.2.0/24', why: 'the internet (documentation range TEST-NET-1)' },
  { cidr: '198.51.100.0/24', why: 'the internet (documentation range TEST-NET-2)' },
  { cidr: '203.0.113.0/24', why: 'the internet (documentation range TEST-NET-3)' },
];

/** Pod subnets to choose from, in order of preference. */
const POD_CIDRS = ['10.244.0.0/16', '172.30.0.0/16', '192.168.200.0/22', '10.99.0.0/16', '172.20.0.0/16'];

export function ipv4ToNumber(address: string): bigint {
  return parseRange(`${address}/32`).start;
}

export function numberToIpv4(value: bigint): string {
  return formatAddress(4, value);
}

/** The ipBlocks of every rule of the policies. */
export function ipBlocksOf(policies: readonly NetworkPolicy[]): IPBlock[] {
  return policies
    .flatMap((p) => [...(p.ingress ?? []).flatMap((r) => r.from ?? []), ...(p.egress ?? []).flatMap((r) => r.to ?? [])])
    .flatMap((peer) => (peer.ipBlock ? [peer.ipBlock] : []));
}

/**
 * A pod subnet that no ipBlock of the policies reaches into, so that an ipBlock never matches a pod
 * (Kubernetes leaves that to the network plugin; verify and netpol-analyzer say it never does).
 * Returns the first candidate when every candidate is reached, with `overlaps` set.
 */
export function choosePodCidr(policies: readonly NetworkPolicy[]): { cidr: string; overlaps: boolean } {
  const blocks = ipBlocksOf(policies).filter((b) => !b.cidr.includes(':'));
  for (const cidr of POD_CIDRS) {
    const range = parseRange(cidr);
    if (!blocks.some((block) => reaches(block, range))) return { cidr, overlaps: false };
  }
  return { cidr: POD_CIDRS[0] as string, overlaps: true };
}

/** Does some address of `range` lie in the block (its cidr, outside its excepts)? */
function reaches(block: IPBlock, range: AddressRange): boolean {
  const cidr = parseRange(block.cidr);
  if (cidr.end < range.start || range.end < cidr.start) return false;
  // The overlap, minus every except: empty only when the excepts cover it.
  const overlap = { family: 4 as const, start: max(cidr.start, range.start), end: min(cidr.end, range.end) };
  return !inBlockNowhere(block, overlap);
}

function inBlockNowhere(block: IPBlock, overlap: AddressRange): boolean {
  const excepts = (block.except ?? []).map(parseRange).filter((e) => e.family === 4);
  return excepts.some((e) => e.start <= overlap.start && overlap.end <= e.end);
}

export type ExternalHost = {
  address: string;
  /** Index of the verify atom holding the address. */
  atom: number;
  why: string;
};

/**
 * One external host per (IPv4 atom, safe range) that meet, outside the pod subnet; the atoms no safe
 * range meets are returned as `unprobed` (their addresses may belong to someone: never probed).
 */
export function externalHosts(
  atoms: readonly AddressRange[],
  podCidr: string,
): { hosts: ExternalHost[]; unprobed: AddressRange[] } {
  const pods = parseRange(podCidr);
  const hosts: ExternalHost[] = [];
  const unprobed: AddressRange[] = [];
  atoms.forEach((atom, index) => {
    if (atom.family !== 4) return;
    let found = false;
    for (const safe of SAFE_RANGES) {
      const range = parseRange(safe.cidr);
      const start = max(atom.start, range.start);
      const end = min(atom.end, range.end);
      if (start > end) continue;
      const address = pickAddress(start, end, pods);
      if (address === undefined) continue;
      hosts.push({ address: numberToIpv4(address), atom: index, why: safe.why });
      found = true;
    }
    if (!found) unprobed.push(atom);
  });
  return { hosts, unprobed };
}

/** An address in [start, end] outside the pod subnet, preferring x.x.x.10 of the first /24. */
function pickAddress(start: bigint, end: bigint, pods: AddressRange): bigint | undefined {
  const candidates = [start + 10n, start + 1n, start];
  if (pods.start > start) candidates.push(pods.start - 10n, pods.start - 2n);
  candidates.push(pods.end + 10n, pods.end + 2n, end - 1n, end);
  return candidates.find(
    (a) => a >= start && a <= end && (a < pods.start || a > pods.end) && (a & 255n) !== 0n && (a & 255n) !== 255n,
  );
}

/** Does the address lie in the ipBlock? (For reports.) */
export function addressInBlock(address: string, block: IPBlock): boolean {
  return inBlock(block, parseRange(`${address}/32`));
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
