// CIDR arithmetic, the one TypeScript home of it (cidr-tools does the parsing and the set
// operations): what the values' rules, the plan and verify ask of CIDRs. The chart's Go twin is
// chart/templates/_cidr.tpl (fineract-netpol.cidr.*), which gives the same answers.
//
// Usage:
//   cidrRelation('10.1.0.0/16', '10.0.0.0/8')   // 'inside' (also 'equal', 'contains', 'disjoint')
//   canonicalCidr('2001:db8::1/32')              // '2001:db8::/32' (RFC 5952, as the API server writes it)
//   hasHostBits('10.0.0.1/8')                    // true
//   isIPv4Mapped('::ffff:a14:2000')              // true
//   coversAll(['10.0.0.0/25', '10.0.0.128/25'], '10.0.0.0/24')  // true
//   parseRange('10.0.0.0/8')                     // {family: 4, start: 167772160n, end: 184549375n}
//   rangeToCidrs({family: 4, start: 0n, end: 255n})  // ['0.0.0.0/24']
//
// Inputs are assumed to be CIDRs (the schema's CIDR pattern, isCidr); cidr-tools throws on others.
import { excludeCidr, normalizeCidr, parseCidr } from 'cidr-tools';
import { CIDR } from './patterns.ts';

export type Family = 4 | 6;

/** An address range: the first and last address of a block, as numbers. */
export type AddressRange = { family: Family; start: bigint; end: bigint };

/** How CIDR `a` relates to CIDR `b`: a strict subset of it, the same block, a strict superset, or no common address. */
export type CidrRelation = 'inside' | 'equal' | 'contains' | 'disjoint';

const FAMILY_BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** A string the schema's CIDR pattern accepts (IPv4 or IPv6, with its prefix length). */
export function isCidr(value: unknown): value is string {
  return typeof value === 'string' && CIDR.test(value);
}

/** The block's addresses. Throws cidr-tools' error for malformed input. */
export function parseRange(cidr: string): AddressRange {
  const parsed = parseCidr(cidr);
  return { family: parsed.version, start: parsed.start, end: parsed.end };
}

/** The prefix length of a CIDR. */
export function prefixLength(cidr: string): number {
  return Number(parseCidr(cidr).prefix);
}

/** How `a` relates to `b` (different families are disjoint). */
export function cidrRelation(a: string, b: string): CidrRelation {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  if (pa.version !== pb.version) return 'disjoint';
  const aLen = Number(pa.prefix);
  const bLen = Number(pb.prefix);
  const shift = BigInt(FAMILY_BITS[pa.version] - Math.min(aLen, bLen));
  if (pa.start >> shift !== pb.start >> shift) return 'disjoint';
  if (aLen === bLen) return 'equal';
  return aLen > bLen ? 'inside' : 'contains';
}

/** `a` is a strict subset of `b`: the API server's rule for an ipBlock's except. */
export function strictlyInside(a: string, b: string): boolean {
  return cidrRelation(a, b) === 'inside';
}

/** The two blocks share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrRelation(a, b) !== 'disjoint';
}

/** The address written before the prefix has bits beyond the prefix set (`10.0.0.1/8`). */
export function hasHostBits(cidr: string): boolean {
  const [address = ''] = cidr.split('/');
  return parseCidr(address).start !== parseCidr(cidr).start;
}

/**
 * The CIDR as the API server writes it: host bits cleared, IPv6 in RFC 5952's form (lower case,
 * the longest run of zero groups compressed): `10.0.0.1/8` → `10.0.0.0/8`, `2001:DB8:0:0:0:0:0:1/32`
 * → `2001:db8::/32`. Equal to the input when the input is canonical.
 */
export function canonicalCidr(cidr: string): string {
  return normalizeCidr(cidr);
}

/** Is this address (no prefix) an IPv4-mapped IPv6 one, ::ffff:a.b.c.d in any spelling? The API server refuses them. */
export function isIPv4Mapped(address: string): boolean {
  const { version, start } = parseCidr(`${address}/${address.includes(':') ? 128 : 32}`);
  return version === 6 && start >> 32n === 0xffffn;
}

/** The blocks `excepts` leave nothing of `cidr`. */
export function coversAll(excepts: readonly string[], cidr: string): boolean {
  return excepts.length > 0 && excludeCidr([cidr], [...excepts]).length === 0;
}

/** True when the two ranges share an address. */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/** True when `inner` lies within `outer`. */
export function rangeContains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

/** The number of bits of an address of the family. */
export function familyBits(family: Family): number {
  return FAMILY_BITS[family];
}

/** The family of one address (no prefix), or undefined when it is none. */
export function addressFamily(address: string): Family | undefined {
  try {
    return parseCidr(address).version;
  } catch {
    return undefined;
  }
}

/** One address as its CIDR, canonical: `10.0.0.1` → `10.0.0.1/32`, `2001:DB8::1` → `2001:db8::1/128`. */
export function addressCidr(address: string): string {
  const family = parseCidr(address).version;
  return normalizeCidr(`${address}/${FAMILY_BITS[family]}`);
}

/** The fewest CIDRs that cover exactly the range, in address order. */
export function rangeToCidrs(range: AddressRange): string[] {
  const bits = FAMILY_BITS[range.family];
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
