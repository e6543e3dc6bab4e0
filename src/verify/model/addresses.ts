// Addresses outside the cluster. Following netpol-analyzer (and what CNIs do in practice), an
// ipBlock peer matches external addresses only, never pods, whatever their IPs.
//
// The external address space is split into "atoms": maximal ranges that every CIDR of the input
// (ipBlock cidrs and excepts) either contains entirely or not at all, so each atom can be
// evaluated once, like a pod class.
//
// CIDR arithmetic itself is src/model/cidr.ts.
//
// Usage: const space = AddressSpace.from(['0.0.0.0/0', '10.0.0.0/8']);
//        space.atoms  // [0.0.0.0–9.255.255.255, 10.0.0.0/8, 11.0.0.0–255.255.255.255]
//        inBlock({cidr: '0.0.0.0/0', except: ['10.0.0.0/8']}, space.atoms[0])  // true
import { familyBits, parseRange, rangeContains, type AddressRange, type Family } from '../../model/cidr.ts';
import type { IPBlock } from './types.ts';

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
      const top = (1n << BigInt(familyBits(family))) - 1n;
      const points = [...cuts[family]].filter((p) => p <= top).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      points.forEach((start, i) => {
        const next = points[i + 1];
        atoms.push({ family, start, end: next === undefined ? top : next - 1n });
      });
    }
    return new AddressSpace(atoms);
  }
}
