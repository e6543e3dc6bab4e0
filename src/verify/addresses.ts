// Addresses outside the cluster. Following netpol-analyzer (and what CNIs do in practice), an
// ipBlock peer matches external addresses only, never pods, whatever their IPs.
//
// The external address space is split into "atoms": maximal ranges that every CIDR of the input
// (ipBlock cidrs and excepts) either contains entirely or not at all, so each atom can be
// evaluated once, like a pod class.
//
// Usage: const space = AddressSpace.from(['0.0.0.0/0', '10.0.0.0/8']);
//        space.atoms  // [0.0.0.0–9.255.255.255, 10.0.0.0/8, 11.0.0.0–255.255.255.255]
//        inBlock({cidr: '0.0.0.0/0', except: ['10.0.0.0/8']}, space.atoms[0])  // true
import { normalizeCidr, parseCidr } from 'cidr-tools';
import type { IPBlock } from './types.ts';

/**
 * Is this IPv6 address (no prefix) an IPv4-mapped one, ::ffff:a.b.c.d in any spelling? The API
 * server's strict CIDR validation refuses them.
 * Usage: isIPv4Mapped('::ffff:a14:2000')  // true
 */
export function isIPv4Mapped(address: string): boolean {
  const { version, start } = parseCidr(`${address}/${address.includes(':') ? 128 : 32}`);
  return version === 6 && start >> 32n === 0xffffn;
}

export type Family = 4 | 6;
export type AddressRange = { family: Family; start: bigint; end: bigint };

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** Parses a CIDR (throws a cidr-tools error for malformed input). */
export function parseRange(cidr: string): AddressRange {
  const parsed = parseCidr(cidr);
  return { family: parsed.version, start: parsed.start, end: parsed.end };
}

/** True when the two ranges share an address. */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function rangeContains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

/** True when the atom lies in the ipBlock: inside its cidr and inside none of its excepts. */
export function inBlock(block: IPBlock, atom: AddressRange): boolean {
  if (!rangeContains(parseRangeCached(block.cidr), atom)) return false;
  return !(block.except ?? []).some((e) => rangeContains(parseRangeCached(e), atom));
}

const parsedCache = new Map<string, AddressRange>();
function parseRangeCached(cidr: string): AddressRange {
  let range = parsedCache.get(cidr);
  if (!range) {
    range = parseRange(cidr);
    parsedCache.set(cidr, range);
  }
  return range;
}

export class AddressSpace {
  readonly atoms: readonly AddressRange[];

  private constructor(atoms: readonly AddressRange[]) {
    this.atoms = atoms;
  }

  /**
   * Splits the IPv4 space (and the IPv6 space, when an IPv6 CIDR is given) at every boundary
   * of the given CIDRs.
   */
  static from(cidrs: Iterable<string>): AddressSpace {
    const cuts: Record<Family, Set<bigint>> = { 4: new Set([0n]), 6: new Set([0n]) };
    let ipv6 = false;
    for (const cidr of cidrs) {
      const range = parseRangeCached(cidr);
      if (range.family === 6) ipv6 = true;
      cuts[range.family].add(range.start);
      cuts[range.family].add(range.end + 1n);
    }
    const atoms: AddressRange[] = [];
    for (const family of ipv6 ? ([4, 6] as const) : ([4] as const)) {
      const top = (1n << BigInt(BITS[family])) - 1n;
      const points = [...cuts[family]].filter((p) => p <= top).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      points.forEach((start, i) => {
        const next = points[i + 1];
        atoms.push({ family, start, end: next === undefined ? top : next - 1n });
      });
    }
    return new AddressSpace(atoms);
  }
}

/** The fewest CIDRs that cover exactly the range, in address order. */
export function rangeToCidrs(range: AddressRange): string[] {
  const bits = BITS[range.family];
  const out: string[] = [];
  let start = range.start;
  while (start <= range.end) {
    // The largest aligned block starting at `start` that does not pass the end.
    let size = 0;
    while (size < bits) {
      const next = size + 1;
      const mask = (1n << BigInt(next)) - 1n;
      if ((start & mask) !== 0n || start + mask > range.end) break;
      size = next;
    }
    out.push(normalizeCidr(`${formatAddress(range.family, start)}/${bits - size}`));
    start += 1n << BigInt(size);
  }
  return out;
}

/** Merges adjacent ranges of the same family (input in address order). */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  for (const r of ranges) {
    const last = out.at(-1);
    if (last && last.family === r.family && last.end + 1n === r.start) out[out.length - 1] = { ...last, end: r.end };
    else out.push({ ...r });
  }
  return out;
}

/** An address as text: formatAddress(4, 167772161n)  // '10.0.0.1' (IPv6 uncompressed). */
export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
