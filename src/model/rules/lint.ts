// Rules only TypeScript checks (the SDK, validate, verify --values): the chart renders these values
// as written, but they do not mean what they seem to — two connections allowing one flow,
// connections skipped because a component is disabled, pods that defaultDeny isolates with no one
// allowing their side.
import { defineRule, type RuleProblem } from './rule.ts';
import { isEnabled, isMap, isNamed, listOf } from './view.ts';
import { planConnection } from './connections.ts';

export const duplicateFlow = defineRule({
  id: 'duplicate-flow',
  summary: 'Two connections allow the same flow (same ends, a shared port).',
  severity: 'error',
  chart: {
    why: 'the chart renders both rules, which Kubernetes ORs: nothing breaks, but one of them is dead weight that a review must not miss',
  },
  messages: {
    default: {
      message: 'allows the same flow as connection %{other:q}: %{fromKind} %{from} → %{toKind} %{to} on %{ports}',
      fix: 'keep one of %{other:q} and %{name:q}: remove the other, set its enabled: false, or drop the shared ports',
    },
  },
  check(view) {
    type Flow = {
      name: string;
      ends: string;
      ports: PortEntry[];
      written: boolean;
      words: [string, string, string, string];
    };
    const flows: Flow[] = [];
    for (const [name, connection] of view.connections()) {
      const from = view.end(name, 'from');
      const to = view.end(name, 'to');
      if (from.state !== 'defined' || to.state !== 'defined') continue;
      flows.push({
        name,
        ends: JSON.stringify([from.kind, from.name, to.kind, to.name]),
        ports: portEntries(connection.ports),
        written: view.written(['connections', name]),
        words: [from.kind, from.name, to.kind, to.name],
      });
    }
    const problems: RuleProblem[] = [];
    // Only flows between the same two ends can be duplicates: each is paired with the earlier ones.
    const earlierByEnds = new Map<string, Flow[]>();
    for (const second of flows) {
      const earlier = earlierByEnds.get(second.ends) ?? [];
      if (earlier.length === 0) earlierByEnds.set(second.ends, earlier);
      for (const first of earlier) {
        // Reported on the later one in the chart's order, unless only the earlier one is the user's.
        const [a, b] = !second.written && first.written ? [second, first] : [first, second];
        const shared = new Set<string>();
        for (const pa of a.ports)
          for (const pb of b.ports) {
            const both = overlap(pa, pb);
            if (both) shared.add(both);
          }
        if (shared.size === 0) continue;
        const [fromKind, from, toKind, to] = a.words;
        problems.push(
          this.problem(
            ['connections', b.name],
            { other: a.name, name: b.name, fromKind, from, toKind, to, ports: [...shared].join(', ') },
            { related: [['connections', a.name]] },
          ),
        );
      }
      earlier.push(second);
    }
    return problems;
  },
});

/** At most this many skipped connections each carry the override for all of them. */
const SHARED_OVERRIDE_MAX = 5;

export const connectionSkipped = defineRule({
  id: 'connection-skipped',
  summary: 'A connection names a disabled component: the chart skips it (and lists it in NOTES.txt).',
  severity: 'warning',
  chart: { why: 'a warning: the chart renders without the connection and lists it in NOTES.txt' },
  messages: {
    default: {
      message: 'component %{component:q} is disabled (enabled: false): this connection is skipped',
      fix: 'enable the component, or silence these warnings by disabling the skipped connections too: %{override}',
    },
    own: {
      message: 'component %{component:q} is disabled (enabled: false): this connection is skipped',
      fix: 'enable the component, or disable this connection too: %{override}',
    },
    first: {
      message: 'component %{component:q} is disabled (enabled: false): this connection is skipped',
      fix: 'enable the component, or disable this connection too: %{override}; all %{count} skipped connections at once: %{all}',
    },
  },
  check(view) {
    const skipped = view.connections().flatMap(([name]) => {
      const plan = planConnection(view, name);
      if (!plan.skipped) return [];
      const side = plan.from?.enabled === false ? 'from' : 'to';
      const component = (side === 'from' ? plan.from : plan.to)?.name ?? '';
      return [{ name, side, component }];
    });
    const all = disableOverride(skipped.map((s) => s.name));
    // Few: each warning carries the override for all; many: its own (a list of every name on every
    // warning would grow with the square of their number), the first one all of them too.
    return skipped.map(({ name, side, component }, i) => {
      const path = ['connections', name, side, 'component'];
      const related = [['components', component, 'enabled']];
      if (skipped.length <= SHARED_OVERRIDE_MAX) return this.problem(path, { component, override: all }, { related });
      const own = disableOverride([name]);
      return i === 0
        ? this.problem(path, { component, override: own, count: skipped.length, all }, { variant: 'first', related })
        : this.problem(path, { component, override: own }, { variant: 'own', related });
    });
  },
});

export const defaultDenyReleaseNamespace = defineRule({
  id: 'default-deny-release-namespace',
  summary:
    'With defaultDeny, pods the values name in the release namespace (a peer in use, the DNS target, the monitoring source) are isolated too, and no policy of the chart allows their side.',
  severity: 'warning',
  chart: { why: 'a warning: another policy, outside the chart, may allow those pods their side' },
  messages: {
    peer: {
      message:
        "is in the release namespace, where defaultDeny isolates its pods too: %{connections} %{verb} blocked on the peer's side",
      fix: 'give those pods a NetworkPolicy of their own that allows their side, or name their namespace (namespace: <name>) if they live elsewhere',
    },
    dns: {
      message:
        'is in the release namespace, where defaultDeny isolates its pods too: the DNS pods cannot be reached: every component loses name resolution',
      fix: 'give those pods a NetworkPolicy of their own that allows their side, or name their namespace (namespace: <name>) if they live elsewhere',
    },
    monitoring: {
      message:
        'is in the release namespace, where defaultDeny isolates its pods too: the monitoring pods cannot scrape the components',
      fix: 'give those pods a NetworkPolicy of their own that allows their side, or name their namespace (namespace: <name>) if they live elsewhere',
    },
  },
  check(view) {
    const defaultDeny = view.section('defaultDeny');
    if (!defaultDeny || defaultDeny.enabled !== true) return [];
    const inRelease = (pods: unknown): boolean =>
      isMap(pods) && !isNamed(pods.namespace) && !isMap(pods.namespaceSelector);
    const uses = new Map<string, string[]>();
    for (const [name, connection] of view.connections()) {
      for (const end of [connection.from, connection.to]) {
        if (isMap(end) && typeof end.peer === 'string') uses.set(end.peer, [...(uses.get(end.peer) ?? []), name]);
      }
    }
    const peers = isMap(view.values.peers) ? view.values.peers : {};
    const problems: RuleProblem[] = [];
    for (const [peer, connections] of uses) {
      if (!inRelease(peers[peer])) continue;
      problems.push(
        this.problem(
          ['peers', peer],
          { connections: connections.map((c) => `"${c}"`).join(', '), verb: connections.length === 1 ? 'is' : 'are' },
          { variant: 'peer' },
        ),
      );
    }
    for (const area of ['dns', 'monitoring'] as const) {
      const pods = view.values[area];
      if (isEnabled(pods) && inRelease(pods)) problems.push(this.problem([area], {}, { variant: area }));
    }
    return problems;
  },
});

// ---- helpers --------------------------------------------------------------------------------------

type PortEntry = { port: number | string; protocol: string; endPort?: number };

function portEntries(ports: unknown): PortEntry[] {
  return listOf(ports).flatMap((p): PortEntry[] => {
    if (!isMap(p) || (typeof p.port !== 'number' && typeof p.port !== 'string')) return [];
    const protocol = typeof p.protocol === 'string' ? p.protocol : 'TCP';
    return [{ port: p.port, protocol, ...(typeof p.endPort === 'number' ? { endPort: p.endPort } : {}) }];
  });
}

/** The ports two entries both allow, in words (`TCP 8080`, `TCP 8000-8090`), or undefined. */
function overlap(a: PortEntry, b: PortEntry): string | undefined {
  if (a.protocol !== b.protocol) return undefined;
  if (typeof a.port === 'string' || typeof b.port === 'string') {
    return a.port === b.port ? `${a.protocol} ${a.port}` : undefined;
  }
  const from = Math.max(a.port, b.port);
  const to = Math.min(a.endPort ?? a.port, b.endPort ?? b.port);
  if (from > to) return undefined;
  return `${a.protocol} ${from === to ? from : `${from}-${to}`}`;
}

/**
 * The one-line override that disables these connections, for the command line and for a values
 * file: `--set connections.a.enabled=false,… (in a values file: connections: {a: {enabled: false}, …})`.
 * Names are DNS-1123 labels: no dot to escape.
 */
function disableOverride(connections: string[]): string {
  const set = connections.map((c) => `connections.${c}.enabled=false`).join(',');
  const yaml = connections.map((c) => `${c}: {enabled: false}`).join(', ');
  return `--set ${set} (in a values file: connections: {${yaml}})`;
}
