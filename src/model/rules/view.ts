// The merged values as the rules read them: plain data that may not match the schema (each rule
// looks at the shapes it needs and skips what is not there), with the readings every rule shares
// computed once — Go's template truth ("enabled", "selects everything"), entries in Go's map order
// (sorted keys), and each connection end resolved to what it names.
//
// Usage: const view = new ValuesView(mergedValues);
//        for (const [name, component] of view.enabledComponents()) …
//        view.end('api-from-ingress', 'to')   // {state: 'defined', kind: 'component', name: 'fineract', enabled: true}
import { compareText } from '../../order.ts';
import type { Path } from './rule.ts';

export type Values = Record<string, unknown>;
export type ValuesMap = Record<string, unknown>;

export const ENDPOINT_KINDS = ['component', 'peer', 'network'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

/** What a connection end names. */
export type End =
  /** Not exactly one kind (or not a mapping): endpoint-one-kind reports it. */
  | { state: 'malformed'; kinds: EndpointKind[] }
  /** A name that is not a string: the schema reports it. */
  | { state: 'unnamed'; kind: EndpointKind }
  /** A name that is not defined: reference-undefined reports it. */
  | { state: 'undefined'; kind: EndpointKind; name: string }
  | { state: 'defined'; kind: EndpointKind; name: string; enabled: boolean };

/** Pods in some namespace(s) the values name: a peer, the DNS target, the monitoring source. */
export type PodsEntry = { path: Path; area: 'peer' | 'dns' | 'monitoring'; name: string; pods: ValuesMap };

export function isMap(value: unknown): value is ValuesMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** As the chart's util.enabled: a mapping without `enabled: false`. */
export function isEnabled(value: unknown): boolean {
  return isMap(value) && !(Object.hasOwn(value, 'enabled') && String(value.enabled) === 'false');
}

/** As the chart's util.selectsAll: neither matchLabels nor matchExpressions has an entry (anything but a mapping too). */
export function selectsAll(selector: unknown): boolean {
  if (!isMap(selector)) return true;
  const { matchLabels, matchExpressions } = selector;
  const labels = isMap(matchLabels) && Object.keys(matchLabels).length > 0;
  const expressions = Array.isArray(matchExpressions) && matchExpressions.length > 0;
  return !labels && !expressions;
}

/** A mapping with at least one key: Go templates read an empty one as false. */
export function hasEntries(value: unknown): boolean {
  return isMap(value) && Object.keys(value).length > 0;
}

/** A non-empty string: what Go templates read as true of a name. */
export function isNamed(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** A map's entries in Go's template order (sorted keys), the mappings only; nothing for anything else. */
export function sortedMaps(value: unknown): [string, ValuesMap][] {
  if (!isMap(value)) return [];
  return Object.entries(value)
    .filter((entry): entry is [string, ValuesMap] => isMap(entry[1]))
    .sort(([a], [b]) => compareText(a, b));
}

/** A list, or nothing. */
export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export type ViewOptions = {
  /**
   * Did the user's files (or override objects) write this path, rather than the chart's defaults?
   * Rules that must pick one of two entries to report pick the user's. Default: every path.
   */
  written?: (path: Path) => boolean;
};

export class ValuesView {
  readonly values: Values;
  readonly written: (path: Path) => boolean;
  private readonly ends = new Map<string, End>();
  private readonly memo = new Map<string, unknown>();

  constructor(values: Values, options: ViewOptions = {}) {
    this.values = values;
    this.written = options.written ?? (() => true);
  }

  /** A value computed once per view (rules that share a reading). */
  once<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, compute());
    return this.memo.get(key) as T;
  }

  get cilium(): boolean {
    return this.values.policyEngine === 'cilium';
  }

  section(name: string): ValuesMap | undefined {
    const value = this.values[name];
    return isMap(value) ? value : undefined;
  }

  components(): [string, ValuesMap][] {
    return this.once('components', () => sortedMaps(this.values.components));
  }

  enabledComponents(): [string, ValuesMap][] {
    return this.once('enabledComponents', () => this.components().filter(([, c]) => isEnabled(c)));
  }

  peers(): [string, ValuesMap][] {
    return this.once('peers', () => sortedMaps(this.values.peers));
  }

  networks(): [string, ValuesMap][] {
    return this.once('networks', () => sortedMaps(this.values.networks));
  }

  network(name: string): ValuesMap | undefined {
    const networks = this.values.networks;
    const network = isMap(networks) ? networks[name] : undefined;
    return isMap(network) ? network : undefined;
  }

  /** The connections the chart renders or skips: enabled ones, in name order. */
  connections(): [string, ValuesMap][] {
    return this.once('connections', () => sortedMaps(this.values.connections).filter(([, c]) => isEnabled(c)));
  }

  /** The DNS target when dns is enabled. */
  dns(): ValuesMap | undefined {
    const dns = this.section('dns');
    return dns && isEnabled(dns) ? dns : undefined;
  }

  /** The monitoring source when monitoring is enabled. */
  monitoring(): ValuesMap | undefined {
    const monitoring = this.section('monitoring');
    return monitoring && isEnabled(monitoring) ? monitoring : undefined;
  }

  /** Every peer, then the DNS target and the monitoring source when enabled. */
  pods(): PodsEntry[] {
    return this.once('pods', () => {
      const out: PodsEntry[] = this.peers().map(([name, pods]) => ({
        path: ['peers', name],
        area: 'peer' as const,
        name,
        pods,
      }));
      const dns = this.dns();
      if (dns) out.push({ path: ['dns'], area: 'dns', name: 'dns', pods: dns });
      const monitoring = this.monitoring();
      if (monitoring) out.push({ path: ['monitoring'], area: 'monitoring', name: 'monitoring', pods: monitoring });
      return out;
    });
  }

  /** What one end of an enabled connection names. */
  end(connection: string, side: 'from' | 'to'): End {
    const key = `${connection}\u0000${side}`;
    let end = this.ends.get(key);
    if (!end) {
      const entry = isMap(this.values.connections) ? this.values.connections[connection] : undefined;
      end = resolveEnd(this.values, isMap(entry) ? entry[side] : undefined);
      this.ends.set(key, end);
    }
    return end;
  }
}

function resolveEnd(values: Values, value: unknown): End {
  const endpoint = isMap(value) ? value : {};
  const kinds = ENDPOINT_KINDS.filter((kind) => Object.hasOwn(endpoint, kind));
  const kind = kinds[0];
  if (!isMap(value) || kinds.length !== 1 || kind === undefined) return { state: 'malformed', kinds };
  const name = endpoint[kind];
  if (typeof name !== 'string') return { state: 'unnamed', kind };
  const defined = values[`${kind}s`];
  if (!isMap(defined) || !Object.hasOwn(defined, name)) return { state: 'undefined', kind, name };
  // A component that is not a mapping is the schema's problem, not a disabled component.
  const entry = defined[name];
  return { state: 'defined', kind, name, enabled: kind !== 'component' || !isMap(entry) || isEnabled(entry) };
}
