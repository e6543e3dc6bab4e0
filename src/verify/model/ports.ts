// Sets of (protocol, port) pairs: what a rule allows, and what is allowed between two endpoints.
// Each protocol maps to sorted, disjoint, non-adjacent inclusive port ranges within 1–65535.
//
// Usage: const web = PortSet.of('TCP', 8080).union(PortSet.of('TCP', 9000, 9100));
//        web.intersect(PortSet.all()).describe()  // {TCP: ['8080', '9000-9100']}
import { PROTOCOLS, type Protocol } from './types.ts';

type Range = readonly [number, number];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

const EMPTY_RANGES: Record<Protocol, readonly Range[]> = { TCP: [], UDP: [], SCTP: [] };
const FULL: readonly Range[] = [[MIN_PORT, MAX_PORT]];

export class PortSet {
  private static readonly NONE = new PortSet(EMPTY_RANGES);
  private static readonly ALL = new PortSet({ TCP: FULL, UDP: FULL, SCTP: FULL });

  private readonly ranges: Readonly<Record<Protocol, readonly Range[]>>;

  private constructor(ranges: Readonly<Record<Protocol, readonly Range[]>>) {
    this.ranges = ranges;
  }

  static none(): PortSet {
    return PortSet.NONE;
  }

  static all(): PortSet {
    return PortSet.ALL;
  }

  /** Every port of one protocol. */
  static allOf(protocol: Protocol): PortSet {
    return PortSet.of(protocol, MIN_PORT, MAX_PORT);
  }

  /** One port, or the inclusive range first–last, of one protocol. */
  static of(protocol: Protocol, first: number, last = first): PortSet {
    const lo = Math.max(MIN_PORT, first);
    const hi = Math.min(MAX_PORT, last);
    if (lo > hi) return PortSet.NONE;
    return new PortSet({ ...EMPTY_RANGES, [protocol]: [[lo, hi]] });
  }

  isEmpty(): boolean {
    return PROTOCOLS.every((p) => this.ranges[p].length === 0);
  }

  isAll(): boolean {
    return PROTOCOLS.every((p) => isFull(this.ranges[p]));
  }

  union(other: PortSet): PortSet {
    if (other.isEmpty() || this === other) return this;
    if (this.isEmpty()) return other;
    return PortSet.build((p) => merge([...this.ranges[p], ...other.ranges[p]]));
  }

  intersect(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return PortSet.NONE;
    if (this.isAll()) return other;
    if (other.isAll()) return this;
    return PortSet.build((p) => intersectRanges(this.ranges[p], other.ranges[p]));
  }

  /** Ports in this set and not in the other. */
  subtract(other: PortSet): PortSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    return PortSet.build((p) => subtractRanges(this.ranges[p], other.ranges[p]));
  }

  equals(other: PortSet): boolean {
    return PROTOCOLS.every((p) => sameRanges(this.ranges[p], other.ranges[p]));
  }

  has(protocol: Protocol, port: number): boolean {
    return this.ranges[protocol].some(([lo, hi]) => lo <= port && port <= hi);
  }

  /** The ranges of one protocol as strings: ["8080", "9000-9100"]; every port is ["1-65535"]. */
  portsOf(protocol: Protocol): string[] {
    return this.ranges[protocol].map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`));
  }

  /** Protocols with at least one port, in TCP, UDP, SCTP order. */
  protocols(): Protocol[] {
    return PROTOCOLS.filter((p) => this.ranges[p].length > 0);
  }

  /** Human-readable: "All connections", or "TCP 8080,9000-9100; UDP 53". */
  toString(): string {
    if (this.isAll()) return 'All connections';
    if (this.isEmpty()) return 'No connections';
    return this.protocols()
      .map((p) => `${p} ${this.portsOf(p).join(',')}`)
      .join('; ');
  }

  private static build(rangesOf: (p: Protocol) => Range[]): PortSet {
    const ranges = { TCP: rangesOf('TCP'), UDP: rangesOf('UDP'), SCTP: rangesOf('SCTP') };
    const set = new PortSet(ranges);
    if (set.isEmpty()) return PortSet.NONE;
    if (set.isAll()) return PortSet.ALL;
    return set;
  }
}

function isFull(ranges: readonly Range[]): boolean {
  return ranges.length === 1 && ranges[0]?.[0] === MIN_PORT && ranges[0][1] === MAX_PORT;
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intersectRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i] as Range;
    const [blo, bhi] = b[j] as Range;
    const lo = Math.max(alo, blo);
    const hi = Math.min(ahi, bhi);
    if (lo <= hi) out.push([lo, hi]);
    if (ahi < bhi) i += 1;
    else j += 1;
  }
  return out;
}

function subtractRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [lo, hi] of a) {
    let start = lo;
    for (const [blo, bhi] of b) {
      if (bhi < start || blo > hi) continue;
      if (blo > start) out.push([start, blo - 1]);
      start = Math.max(start, bhi + 1);
      if (start > hi) break;
    }
    if (start <= hi) out.push([start, hi]);
  }
  return out;
}

function sameRanges(a: readonly Range[], b: readonly Range[]): boolean {
  return a.length === b.length && a.every(([lo, hi], i) => b[i]?.[0] === lo && b[i][1] === hi);
}
