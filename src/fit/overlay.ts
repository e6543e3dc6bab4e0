// Stage 3 of fit: the values overlay that makes the chart allow what the deployment needs and
// nothing it does not, over the user's values (and the chart's defaults).
//
//   1. components: one that selects no pod is disabled; one whose pods need different flows is
//      split (narrowed by a label that tells them apart, the rest become new components); the
//      release namespace's pods no component selects become components, each selected by the
//      single label that picks exactly a group of pods with the same needs;
//   2. peers: pods of other namespaces the deployment talks to, a peer of the values that selects
//      them or a new one;
//   3. networks: hosts held in Secrets go to the network already connected on that port (its
//      CIDRs become TODO while they are the chart's "anywhere"), or to a new network with TODO;
//   4. connections: every need the values do not allow yet; metricsPorts from the monitors;
//   5. what the values allow that no need uses: connections disabled (or trimmed to the needed
//      ports), listed for the report.
//
// Usage: const fitted = fitOverlay(deployment, needs, { overrides: [uatValues], namespace: 'fineract-uat' });
//        fitted.overlay     // {components: {…}, connections: {…}}: a values file's content
//        fitted.decisions   // what was changed and why, for the report
import { DEFAULT_VALUES } from '../model/defaults.ts';
import {
  expandConnections,
  type ExpandedConnection,
  type LabelSelector,
  type ResolvedEndpoint,
} from '../model/expand.ts';
import { sortedEntries } from '../order.ts';
import { parseValues } from '../values/check.ts';
import type { ValuesOutput } from '../model/values.ts';
import { matchesSelector } from '../verify/model/selectors.ts';
import type { Need, Where } from './evidence.ts';
import type { Deployment, FitWorkload } from './inventory.ts';

type Json = Record<string, unknown>;

/** What fit changed (or found and left), each with its values key and why. */
export type Decision = {
  kind: 'component' | 'peer' | 'network' | 'connection' | 'metrics' | 'unneeded' | 'todo' | 'unselectable';
  key: string;
  message: string;
};

/** A need and how the fitted values treat it. */
export type NeedStatus = {
  need: Need;
  /** `connections.x` / `components.x.metricsPorts` that allows it (before or after fitting). */
  allowedBy?: string;
  /** True when the overlay adds what allows it. */
  added: boolean;
};

export type Fitted = {
  overlay: Json;
  /** Comments for the overlay's keys (dotted paths), for formatValuesYaml. */
  comments: Record<string, string>;
  decisions: Decision[];
  needs: NeedStatus[];
};

export type FitOptions = {
  /** The user's values documents (helm -f), in order. */
  overrides: unknown[];
  namespace: string;
  /** Report what no need uses instead of disabling it. */
  keepUnneeded?: boolean;
  /**
   * The input has monitors (ServiceMonitors/PodMonitors): only then does a component no monitor
   * scrapes lose its metricsPorts. @default true
   */
  monitorsKnown?: boolean;
};

/** A stand-in for a TODO CIDR while fit reasons (TEST-NET-1, never written out). */
const TODO_STAND_IN = '192.0.2.1/32';
export const TODO = 'TODO';

const KEY_PREFERENCE = [
  'app',
  'app.kubernetes.io/name',
  'app.kubernetes.io/component',
  'app.kubernetes.io/instance',
  'k8s-app',
  'component',
  'app.kubernetes.io/part-of',
];

/** Labels that say how a pod was deployed, not what it is: never a component's selector. */
const INCIDENTAL_LABEL =
  /(^|\/)(managed-by|version|pod-template-hash|controller-revision-hash)$|^(environment|provider|infrastructure)$/;

const id = (w: FitWorkload) => `${w.namespace}/${w.name}`;

export function fitOverlay(deployment: Deployment, needs: Need[], options: FitOptions): Fitted {
  const ns = options.namespace;
  const overlay: Json = {};
  const comments: Record<string, string> = {};
  const decisions: Decision[] = [];
  const todo = new Set<string>();
  const set = (path: string[], value: unknown) => {
    let node = overlay;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Json;
    node[path.at(-1)!] = value;
  };
  const valuesNow = (): ValuesOutput => parseValues([...options.overrides, standIns(overlay, todo)], 'fit');
  // Each values object is expanded once (the needs are checked against it one by one).
  const expansions = new WeakMap<ValuesOutput, ExpandedConnection[]>();
  const expanded = (of: ValuesOutput): ExpandedConnection[] => {
    const known = expansions.get(of);
    if (known) return known;
    const result = expandConnections(of, { namespace: ns });
    expansions.set(of, result);
    return result;
  };
  const released = deployment.workloads.filter((w) => w.namespace === ns);
  const nsLabels = (name: string) => deployment.namespaces.find((n) => n.name === name)?.labels ?? {};

  // ---- 1. components -----------------------------------------------------------------------
  const signature = signatures(released, needs);
  let values = valuesNow();
  const assigned = new Set<string>();
  for (const [name, component] of sortedEntries(values.components ?? {})) {
    if (component.enabled === false) continue;
    const selected = released.filter((w) => matchesSelector(component.podSelector, w.labels) && !assigned.has(id(w)));
    if (selected.length === 0) {
      set(['components', name, 'enabled'], false);
      decisions.push({
        kind: 'component',
        key: `components.${name}`,
        message: `selects no pod of ${ns} (${formatSelector(component.podSelector)}): disabled`,
      });
      continue;
    }
    const classes = groupBy(selected, (w) => signature.get(id(w)) ?? '');
    let kept = selected;
    if (classes.length > 1) {
      const ranked = [...classes].sort(
        (a, b) =>
          b.length - a.length || Number(b.some((w) => w.name === name)) - Number(a.some((w) => w.name === name)),
      );
      const keep = ranked[0]!;
      const split = tellApart(
        keep,
        selected.filter((w) => !keep.includes(w)),
      );
      if (split) {
        kept = keep;
        set(
          ['components', name, 'podSelector', 'matchExpressions'],
          [...(component.podSelector.matchExpressions ?? []), { key: split.key, operator: 'In', values: split.values }],
        );
        decisions.push({
          kind: 'component',
          key: `components.${name}.podSelector`,
          message: `narrowed to ${keep.map((w) => w.name).join(', ')} (${split.key} in ${split.values.join(', ')}): ${others(
            selected.filter((w) => !keep.includes(w)),
          )}`,
        });
      } else {
        decisions.push({
          kind: 'component',
          key: `components.${name}`,
          message: `selects pods that need different flows (${selected.map((w) => w.name).join(', ')}) and no label tells them apart: kept whole, so each is allowed what any of them needs`,
        });
      }
    }
    for (const w of kept) assigned.add(id(w));
  }

  // New components for the pods no component selects, largest same-needs groups first.
  const taken = new Set(Object.keys(values.components ?? {}));
  let rest = released.filter((w) => !assigned.has(id(w)));
  for (const w of rest.filter((w) => Object.keys(w.labels).length === 0)) {
    decisions.push({
      kind: 'unselectable',
      key: id(w),
      message: `${w.kind} ${id(w)} has no pod labels: no policy can select it (under defaultDeny it gets nothing, not even DNS): label its pod template`,
    });
  }
  rest = rest.filter((w) => Object.keys(w.labels).length > 0);
  while (rest.length > 0) {
    const best = bestGroup(rest, released, signature);
    if (!best) {
      for (const w of rest) {
        decisions.push({
          kind: 'unselectable',
          key: id(w),
          message: `${w.kind} ${id(w)}: no label selects it without pods that need other flows (${Object.entries(
            w.labels,
          )
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}): give its pod template a label of its own`,
        });
      }
      break;
    }
    const name = uniqueName(best.group.length === 1 ? best.group[0]!.name : best.value, taken);
    taken.add(name);
    set(['components', name], {
      podSelector: { matchLabels: { [best.key]: best.value } },
      description: `${describeGroup(best.group)} (fitted)`,
    });
    decisions.push({
      kind: 'component',
      key: `components.${name}`,
      message: `new: ${best.group.map((w) => `${w.kind} ${w.name}`).join(', ')} (${best.key}=${best.value})`,
    });
    rest = rest.filter((w) => !best.group.includes(w));
  }
  values = valuesNow();

  // ---- 2. and 3. the ends of each need --------------------------------------------------------
  const componentOf = (w: FitWorkload): string | undefined =>
    w.namespace === ns
      ? sortedEntries(values.components ?? {}).find(
          ([, c]) => c.enabled !== false && matchesSelector(c.podSelector, w.labels),
        )?.[0]
      : undefined;
  const peerOf = (workloads: FitWorkload[]): string => {
    const found = sortedEntries(values.peers ?? {}).find(([, p]) =>
      workloads.every(
        (w) =>
          (p.namespace
            ? p.namespace === w.namespace
            : p.namespaceSelector
              ? matchesSelector(p.namespaceSelector, nsLabels(w.namespace))
              : w.namespace === ns) && matchesSelector(p.podSelector, w.labels),
      ),
    );
    if (found) return found[0];
    const first = workloads[0]!;
    const others = deployment.workloads.filter((w) => w.namespace === first.namespace && !workloads.includes(w));
    const split = tellApart(workloads, others);
    const name = uniqueName(
      first.labels['app.kubernetes.io/name'] ?? first.labels.app ?? first.name,
      new Set(Object.keys(values.peers ?? {})),
    );
    const selector = split
      ? split.values.length === 1
        ? { matchLabels: { [split.key]: split.values[0]! } }
        : { matchExpressions: [{ key: split.key, operator: 'In', values: split.values }] }
      : { matchLabels: { ...first.labels } };
    set(['peers', name], {
      namespace: first.namespace,
      podSelector: selector,
      description: `${describeGroup(workloads)} (fitted)`,
    });
    decisions.push({ kind: 'peer', key: `peers.${name}`, message: `new: ${workloads.map(id).join(', ')}` });
    values = valuesNow();
    return name;
  };
  const networkOf = (need: Need): string | undefined => {
    if (need.to.kind !== 'external') return undefined;
    const to = need.to;
    const connectedOnPort = (name: string) =>
      expanded(values).some(
        (c) => c.to.kind === 'network' && c.to.name === name && c.ports.some((p) => p.port === need.port),
      );
    if (to.service === 's3') {
      if (values.networks?.s3) return 's3';
      set(['networks', 's3'], {
        cidrs: ['0.0.0.0/0'],
        excludePrivate: true,
        description: 'AWS S3 (its public endpoint) (fitted)',
      });
      values = valuesNow();
      return 's3';
    }
    if (to.secret) {
      const existing = sortedEntries(values.networks ?? {}).find(([name]) => connectedOnPort(name))?.[0];
      const name =
        existing ??
        uniqueName(
          to.secret.name.replace(/-(credentials|secret|secrets|connection)$/, ''),
          new Set(Object.keys(values.networks ?? {})),
        );
      const network = values.networks?.[name];
      const chartDefault = (DEFAULT_VALUES.networks as Record<string, { cidrs?: string[] }>)[name]?.cidrs;
      const anywhere = !network || (chartDefault !== undefined && sameList(network.cidrs ?? [], chartDefault));
      if (anywhere && !todo.has(name)) {
        todo.add(name);
        set(['networks', name, 'cidrs'], [TODO]);
        set(['networks', name, 'excludePrivate'], false);
        if (!network) set(['networks', name, 'description'], `The host in Secret ${to.secret.name} (fitted)`);
        values = valuesNow();
      }
      return name;
    }
    const host = to.host ?? '';
    const existing = sortedEntries(values.networks ?? {}).find(([name]) => name === hostName(host))?.[0];
    if (existing) return existing;
    const name = uniqueName(hostName(host), new Set(Object.keys(values.networks ?? {})));
    if (/^[\d.]+$/.test(host)) {
      set(['networks', name], { cidrs: [`${host}/32`], excludePrivate: false, description: `${host} (fitted)` });
    } else {
      todo.add(name);
      set(['networks', name], {
        cidrs: [TODO],
        excludePrivate: false,
        description: `The addresses of ${host} (fitted)`,
      });
    }
    values = valuesNow();
    return name;
  };

  type End = { kind: 'component' | 'peer' | 'network'; name: string };
  const endsOf = (need: Need): { from?: End; to?: End } => {
    const fromComponent = componentOf(need.from);
    const from: End | undefined = fromComponent
      ? { kind: 'component', name: fromComponent }
      : need.from.namespace === ns
        ? undefined
        : { kind: 'peer', name: peerOf([need.from]) };
    let to: End | undefined;
    if (need.to.kind === 'external') {
      const network = networkOf(need);
      to = network ? { kind: 'network', name: network } : undefined;
    } else {
      const local = need.to.workloads.filter((w) => w.namespace === ns);
      if (local.length > 0) {
        const component = componentOf(local[0]!);
        to = component ? { kind: 'component', name: component } : undefined;
      } else {
        to = { kind: 'peer', name: peerOf(need.to.workloads) };
      }
    }
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  };

  // ---- 4. connections and metrics ------------------------------------------------------------
  const statuses: NeedStatus[] = [];
  const pending = new Map<string, { from: End; to: End; ports: Set<string>; where: Where[]; statuses: NeedStatus[] }>();
  const scrapes = new Map<string, { ports: Set<number>; where: Where[] }>();
  for (const need of needs) {
    if (need.role === 'scrape') {
      const target = need.to.kind === 'pods' ? need.to.workloads[0] : undefined;
      const component = target ? componentOf(target) : undefined;
      if (!component) continue;
      const entry = scrapes.get(component) ?? { ports: new Set<number>(), where: [] };
      entry.ports.add(need.port);
      entry.where.push(...need.where);
      scrapes.set(component, entry);
      continue;
    }
    const ends = endsOf(need);
    if (!ends.from || !ends.to) {
      statuses.push({ need, added: false });
      continue;
    }
    const allowedBy = allowing(expanded(values), need, ends.to, ns, nsLabels);
    if (allowedBy) {
      statuses.push({ need, allowedBy, added: false });
      continue;
    }
    const key = `${ends.from.kind}:${ends.from.name}>${ends.to.kind}:${ends.to.name}`;
    const entry = pending.get(key) ?? {
      from: ends.from,
      to: ends.to,
      ports: new Set<string>(),
      where: [],
      statuses: [],
    };
    entry.ports.add(`${need.protocol}/${need.port}`);
    entry.where.push(...need.where);
    pending.set(key, entry);
    const status: NeedStatus = { need, added: true };
    entry.statuses.push(status);
    statuses.push(status);
  }
  const connectionNames = new Set(Object.keys(values.connections ?? {}));
  for (const [key, entry] of pending) {
    // A disabled connection of the values between the same ends, on every port needed (the
    // chart's optional fineract-to-otel-collector): enabled rather than copied.
    const dormant = sortedEntries(values.connections ?? {}).find(
      ([, c]) =>
        c.enabled === false &&
        refersTo(c.from, entry.from) &&
        refersTo(c.to, entry.to) &&
        entry.statuses.every(({ need }) =>
          c.ports.some(
            (q) =>
              typeof q.port === 'number' &&
              portCovers(
                { port: q.port, protocol: q.protocol ?? 'TCP', ...(q.endPort ? { endPort: q.endPort } : {}) },
                need,
              ),
          ),
        ),
    );
    /** Records connection `name` as what allows the entry's needs (`verb`: enabled, new). */
    const record = (name: string, verb: string) => {
      decisions.push({
        kind: 'connection',
        key: `connections.${name}`,
        message: `${verb}: ${key.replace('>', ' → ')} ${[...entry.ports].join(', ')}`,
      });
      comments[`connections.${name}`] =
        `fit: ${[...new Set(entry.where.map((w) => `${w.what} (${w.file}:${w.line})`))].slice(0, 4).join('\n     ')}`;
      for (const status of entry.statuses) status.allowedBy = `connections.${name}`;
    };
    if (dormant) {
      set(['connections', dormant[0], 'enabled'], true);
      record(dormant[0], 'enabled');
      continue;
    }
    const name = uniqueName(`${entry.from.name}-to-${entry.to.name}`, connectionNames);
    connectionNames.add(name);
    const ports = [...entry.ports].sort(byPort).map((p) => {
      const [protocol, port] = p.split('/');
      return protocol === 'TCP' ? { port: Number(port) } : { port: Number(port), protocol };
    });
    set(['connections', name], {
      from: { [entry.from.kind]: entry.from.name },
      to: { [entry.to.kind]: entry.to.name },
      ports,
      description: describeWhere(entry.where),
    });
    record(name, 'new');
  }
  values = valuesNow();
  if (values.monitoring?.enabled !== false) {
    for (const [name, component] of sortedEntries(values.components ?? {})) {
      if (component.enabled === false) continue;
      const needed = [...(scrapes.get(name)?.ports ?? [])].sort((a, b) => a - b);
      const current = (component.metricsPorts ?? []).map((p) => p.port);
      if (sameList(current.map(String), needed.map(String))) continue;
      if (needed.length === 0 && options.monitorsKnown === false) continue;
      set(['components', name, 'metricsPorts'], needed.length > 0 ? needed.map((port) => ({ port })) : null);
      const where = scrapes.get(name)?.where ?? [];
      decisions.push({
        kind: 'metrics',
        key: `components.${name}.metricsPorts`,
        message:
          needed.length > 0
            ? `${current.join(', ') || 'none'} → ${needed.join(', ')} (${[...new Set(where.map((w) => w.what))].join('; ')})`
            : `${current.join(', ')} → none: no monitor scrapes it`,
      });
    }
  }
  for (const need of needs.filter((n) => n.role === 'scrape')) {
    const target = need.to.kind === 'pods' ? need.to.workloads[0] : undefined;
    const component = target ? componentOf(target) : undefined;
    statuses.push({ need, added: false, ...(component ? { allowedBy: `components.${component}.metricsPorts` } : {}) });
  }
  values = valuesNow();

  // ---- 5. what no need uses ------------------------------------------------------------------
  for (const c of expanded(values)) {
    if (!c.path.startsWith('connections.')) continue;
    const name = c.path.slice('connections.'.length);
    const served = needs.filter((n) => n.role !== 'scrape' && serves(c, n, endsOf(n).to, ns, nsLabels));
    if (served.length === 0) {
      decisions.push({
        kind: 'unneeded',
        key: c.path,
        message: `${describeEnd(c.from)} → ${describeEnd(c.to)} ${c.ports.map(formatPort).join(', ')}: no workload of the input needs it${options.keepUnneeded ? '' : ': disabled'}`,
      });
      if (!options.keepUnneeded) set(['connections', name, 'enabled'], false);
      continue;
    }
    const unused = c.ports.filter((p) => !served.some((n) => portCovers(p, n)));
    if (unused.length > 0 && c.ports.every((p) => typeof p.port === 'number')) {
      decisions.push({
        kind: 'unneeded',
        key: `${c.path}.ports`,
        message: `${unused.map(formatPort).join(', ')} of ${c.ports.map(formatPort).join(', ')}: no workload of the input needs ${unused.length > 1 ? 'them' : 'it'}${options.keepUnneeded ? '' : ': removed'}`,
      });
      if (!options.keepUnneeded) {
        set(
          ['connections', name, 'ports'],
          c.ports
            .filter((p) => !unused.includes(p))
            .map((p) => ({
              port: p.port,
              ...(p.protocol !== 'TCP' ? { protocol: p.protocol } : {}),
              ...(p.endPort ? { endPort: p.endPort } : {}),
            })),
        );
      }
    }
  }

  for (const name of todo) {
    const secrets = needs
      .filter((n) => n.to.kind === 'external' && n.to.secret && statuses.some((s) => s.need === n))
      .map((n) => (n.to.kind === 'external' && n.to.secret ? `${n.to.secret.name} key ${n.to.secret.key}` : ''));
    comments[`networks.${name}`] =
      `TODO: the CIDRs that hold ${secrets.length > 0 ? `the host in Secret ${[...new Set(secrets)].join(', ')}` : 'this host'}\n(e.g. your database subnets); validate refuses the file until you set them.`;
    decisions.push({
      kind: 'todo',
      key: `networks.${name}.cidrs`,
      message: 'TODO: set the CIDRs fit cannot see (validate refuses the file until you do)',
    });
  }
  return { overlay, comments, decisions, needs: statuses };
}

// ---- helpers -------------------------------------------------------------------------------

/** `a needs other flows` / `a, b need other flows`. */
function others(rest: FitWorkload[]): string {
  return `${rest.map((w) => w.name).join(', ')} ${rest.length === 1 ? 'needs' : 'need'} other flows`;
}

/** The overlay with TEST-NET stand-ins for its TODO CIDRs, so that it can be parsed. */
function standIns(overlay: Json, todo: Set<string>): Json {
  const copy = structuredClone(overlay);
  const networks = (copy.networks ?? {}) as Record<string, Json>;
  for (const name of todo) if (networks[name]) networks[name].cidrs = [TODO_STAND_IN];
  return copy;
}

/** Per workload of the release namespace, the flows it needs, in and out, as one string. */
function signatures(workloads: FitWorkload[], needs: Need[]): Map<string, string> {
  const parts = new Map<string, Set<string>>(workloads.map((w) => [id(w), new Set<string>()]));
  for (const need of needs) {
    const to =
      need.to.kind === 'pods'
        ? need.to.workloads.map(id).join(',')
        : (need.to.secret?.name ?? need.to.host ?? need.to.service ?? '');
    parts.get(id(need.from))?.add(`out ${to} ${need.protocol}/${need.port}`);
    if (need.to.kind === 'pods') {
      for (const w of need.to.workloads)
        parts.get(id(w))?.add(`in ${id(need.from)} ${need.role} ${need.protocol}/${need.port}`);
    }
  }
  return new Map([...parts].map(([k, v]) => [k, [...v].sort().join('\n')]));
}

/**
 * A label whose values on `group` no pod of `others` has, and those values (sorted): a label the
 * group shares first (one value), then one with a value per pod, in KEY_PREFERENCE order.
 */
function tellApart(group: FitWorkload[], others: FitWorkload[]): { key: string; values: string[] } | undefined {
  const keys = [...new Set(group.flatMap((w) => Object.keys(w.labels)))].sort(
    (a, b) => rank(a) - rank(b) || (a < b ? -1 : 1),
  );
  const candidates = keys
    .filter((key) => group.every((w) => key in w.labels))
    .map((key) => ({ key, values: [...new Set(group.map((w) => w.labels[key]!))].sort() }))
    .filter(({ key, values }) => !others.some((o) => o.labels[key] !== undefined && values.includes(o.labels[key])));
  return candidates.find((c) => c.values.length === 1) ?? candidates[0];
}

function rank(key: string): number {
  const index = KEY_PREFERENCE.indexOf(key);
  return index < 0 ? KEY_PREFERENCE.length : index;
}

/** The single label selecting the largest group of unassigned pods with the same needs. */
function bestGroup(
  rest: FitWorkload[],
  all: FitWorkload[],
  signature: Map<string, string>,
): { key: string; value: string; group: FitWorkload[] } | undefined {
  let best: { key: string; value: string; group: FitWorkload[] } | undefined;
  for (const w of rest) {
    for (const [key, value] of Object.entries(w.labels)) {
      if (INCIDENTAL_LABEL.test(key)) continue;
      const group = all.filter((o) => o.labels[key] === value);
      if (!group.every((o) => rest.includes(o))) continue;
      if (new Set(group.map((o) => signature.get(id(o)))).size > 1) continue;
      const better =
        !best ||
        group.length > best.group.length ||
        (group.length === best.group.length &&
          (rank(key) < rank(best.key) ||
            (rank(key) === rank(best.key) && `${key}=${value}` < `${best.key}=${best.value}`)));
      if (better) best = { key, value, group };
    }
  }
  return best;
}

/** The connection of the values that allows a need, if one does. */
function allowing(
  expanded: ExpandedConnection[],
  need: Need,
  to: { kind: string; name: string } | undefined,
  ns: string,
  nsLabels: (name: string) => Record<string, string>,
): string | undefined {
  return expanded.find((c) => serves(c, need, to, ns, nsLabels) && c.ports.some((p) => portCovers(p, need)))?.path;
}

/** Does the connection join the need's ends (ports aside)? */
function serves(
  c: ExpandedConnection,
  need: Need,
  to: { kind: string; name: string } | undefined,
  ns: string,
  nsLabels: (name: string) => Record<string, string>,
): boolean {
  if (!selects(c.from, need.from, ns, nsLabels)) return false;
  if (need.to.kind === 'external') return c.to.kind === 'network' && to?.kind === 'network' && c.to.name === to.name;
  if (!need.to.workloads.every((w) => selects(c.to, w, ns, nsLabels))) return false;
  return c.ports.some((p) => portCovers(p, need));
}

function selects(
  end: ResolvedEndpoint,
  w: FitWorkload,
  ns: string,
  nsLabels: (name: string) => Record<string, string>,
): boolean {
  if (end.kind === 'network') return false;
  if (end.kind === 'component') return w.namespace === ns && matchesSelector(end.podSelector, w.labels);
  const inNamespace = end.namespaceSelector
    ? matchesSelector(end.namespaceSelector, nsLabels(w.namespace))
    : w.namespace === (end.namespace ?? ns);
  return inNamespace && matchesSelector(end.podSelector, w.labels);
}

function portCovers(p: ExpandedConnection['ports'][number], need: Need): boolean {
  if (p.protocol !== need.protocol) return false;
  if (typeof p.port === 'number') return p.port <= need.port && need.port <= (p.endPort ?? p.port);
  // A named port: the destination's container port of that name.
  return (
    need.to.kind === 'pods' &&
    need.to.workloads.some((w) =>
      w.containers.some((c) => c.ports.some((cp) => cp.name === p.port && cp.port === need.port)),
    )
  );
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function uniqueName(base: string, taken: Set<string>): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'fitted';
  if (!taken.has(clean)) return clean;
  for (let n = 2; ; n++) if (!taken.has(`${clean}-${n}`)) return `${clean}-${n}`;
}

function hostName(host: string): string {
  return host.split('.').slice(0, 2).join('-');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function byPort(a: string, b: string): number {
  return Number(a.split('/')[1]) - Number(b.split('/')[1]) || (a < b ? -1 : 1);
}

function formatPort(p: ExpandedConnection['ports'][number]): string {
  return `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ''}`;
}

function formatSelector(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ?? []).map(
    (e) => `${e.key} ${e.operator}${'values' in e ? ` (${e.values.join(', ')})` : ''}`,
  );
  return [...labels, ...expressions].join(', ') || 'every pod';
}

function describeEnd(end: ResolvedEndpoint): string {
  return `${end.kind} ${end.name}`;
}

function describeGroup(group: FitWorkload[]): string {
  const kinds = [...new Set(group.map((w) => w.kind))];
  return `${kinds.join('/')}${group.length > 1 ? 's' : ''} ${group.map((w) => w.name).join(', ')}`;
}

/** A connection's description from the places that need it: the keys, at most three. */
function describeWhere(where: Where[]): string {
  const keys = [
    ...new Set(
      where.map((w) => {
        const m = /(env|key|file|annotation|backend|port) ([^\s(,]+)/.exec(w.what);
        return m ? m[2]! : w.what.split(', ')[0]!;
      }),
    ),
  ];
  const text = keys.slice(0, 3).join(', ') + (keys.length > 3 ? ` and ${keys.length - 3} more` : '');
  return `Needed by ${text} (fitted)`;
}

/** The endpoint of the values names this end (`{component: fineract}` and component fineract). */
function refersTo(endpoint: Record<string, unknown>, end: { kind: string; name: string }): boolean {
  return endpoint[end.kind] === end.name;
}
