// `verify --values FILE`: the connections a values file declares (expanded as the chart expands
// them) compared with what the policies really allow between the workloads.
//
// Usage:
//   const values = readValuesFiles(['values/uat.yaml']);          // merged over the chart defaults
//   const analysis = analyze({ policies, namespaces, workloads });
//   const findings = intentFindings(analysis, values, { namespace: 'fineract-uat' });
//   // → undeclared-flow (allowed, not declared) and missing-flow (declared, blocked), both errors
//
// - Declared flows: expandConnections(values) (src/model/expand.ts). A component is the pod
//   classes of the release namespace its podSelector matches; a peer, the DNS target and the
//   monitoring source are the pod classes matching (namespace label or namespaceSelector) AND
//   podSelector; a network is the external addresses inside one of its ipBlocks. Declared
//   connectivity between two endpoints is the union of their flows' ports, named ports resolved
//   against the destination's container ports (as the analyzer resolves them).
// - Scope (what the chart is about): pairs of endpoints where at least one end is a pod selected
//   by an enabled component's podSelector in the release namespace. Pairs of a workload with
//   itself are left out; external addresses are split wherever a policy or a declared network
//   draws a boundary.
// - Findings are grouped: one per set of sources × set of destinations with the same ports, so
//   the three Fineract deployments or the four ranges of "the internet" make one finding.
// - Engines: with `policyEngine: cilium`, a network is also its symbolic endpoints — `fqdn:<name>`
//   for each of its fqdns (awsS3Region expanded by expandConnections) and `entity:<name>` for each of its
//   entities — as the chart renders toFQDNs and toEntities; with `kubernetes`, its ipBlocks only
//   (the chart renders nothing else). Pass declaredSymbols(values) as `AnalysisInput.symbols` so the
//   analysis evaluates the declared names even where no policy mentions them.
import { UsageError } from '../../errors.ts';
import {
  expandConnections,
  type ExpandedConnection,
  type IpBlock,
  type NetworkEndpoint,
  type ResolvedEndpoint,
} from '../../model/expand.ts';
import type { ValuesOutput } from '../../model/values.ts';
import { podsPeer } from '../../model/peer.ts';
import { mergeRanges, parseRange, rangeToCidrs, type AddressRange, type Family } from '../../model/cidr.ts';
import { inBlock } from '../model/addresses.ts';
import {
  portsOf,
  selects,
  type Analysis,
  type Direction,
  type Endpoint,
  type PodClass,
  type RuleRef,
  type SymbolEndpoint,
} from '../analysis/analyze.ts';
import { entitySymbol, fqdnSymbol, isDestinationOnly } from '../model/cilium-symbols.ts';
import { PortSet } from '../model/ports.ts';
import { formatSelector, matchesSelector } from '../model/selectors.ts';
import type { Finding, FindingCode, NetworkPolicyPeer, NetworkPolicyPort } from '../model/types.ts';

// ---- values --------------------------------------------------------------------------------------

// Reading and parsing values files lives in src/values (shared with the SDK and `emit`);
// re-exported here for the verify command and its tests.
export { parseValues } from '../../values/check.ts';
export { readValuesFiles } from '../../values/file.ts';

/**
 * The CIDRs (cidrs and excepts) of the networks the values' connections use: pass them as
 * `AnalysisInput.cidrs` so that the analysis splits the external addresses where the values do
 * (intentFindings splits them itself otherwise). Throws InputError as expandConnections does.
 */
export function declaredCidrs(values: ValuesOutput): string[] {
  const blocks = expandConnections(values)
    .flatMap((c) => [c.from, c.to])
    .flatMap((e) => (e.kind === 'network' ? e.ipBlocks : []));
  return [...new Set(blocks.flatMap((b) => [b.cidr, ...(b.except ?? [])]))];
}

/**
 * The symbolic endpoints of a network (its fqdns, awsS3Region expanded by expandConnections, and
 * its entities) under the values' engine: [] for kubernetes, which renders neither.
 */
export function networkSymbols(values: ValuesOutput, network: NetworkEndpoint): string[] {
  if (values.policyEngine !== 'cilium') return [];
  return [...new Set([...network.fqdns.map(fqdnSymbol), ...network.entities.map(entitySymbol)])];
}

/**
 * The symbolic endpoints (`fqdn:…`, `entity:…`) of the networks the values' connections use,
 * with policyEngine cilium ([] otherwise): pass them as `AnalysisInput.symbols`. `connections`:
 * the values' expanded connections, when the caller has them already.
 */
export function declaredSymbols(
  values: ValuesOutput,
  connections: ExpandedConnection[] = expandConnections(values),
): string[] {
  const symbols = connections
    .flatMap((c) => [c.from, c.to])
    .flatMap((e) => (e.kind === 'network' ? networkSymbols(values, e) : []));
  return [...new Set(symbols)].sort(compare);
}

// ---- release namespace ---------------------------------------------------------------------------

/** The policy names of the enabled components, as the chart names them. */
export function componentPolicyNames(values: ValuesOutput): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, component] of Object.entries(values.components ?? {})) {
    if (component.enabled !== false) names.set(name, component.policyName ?? `${name}-network-policy`);
  }
  return names;
}

/**
 * The release namespace: the namespace of the policies named like the components' policies, or
 * the only namespace of all policies. Throws UsageError when that is ambiguous.
 */
export function releaseNamespaceOf(analysis: Pick<Analysis, 'policies'>, values: ValuesOutput): string {
  const names = new Set(componentPolicyNames(values).values());
  const named = new Set(analysis.policies.filter((p) => names.has(p.name)).map((p) => p.namespace));
  if (named.size === 1) return [...named][0] as string;
  const all = new Set(analysis.policies.map((p) => p.namespace));
  if (named.size === 0 && all.size === 1) return [...all][0] as string;
  const candidates = [...(named.size > 0 ? named : all)].sort();
  throw new UsageError(
    `cannot tell the release namespace of the values (${candidates.length === 0 ? 'no policy' : `policies in ${candidates.join(', ')}`}); pass --namespace`,
  );
}

// ---- targets: what the endpoints of the values are among the analyzer's endpoints ------------------

/** A pod class, as an end of a declared flow. */
export type PodTarget = { kind: 'pod'; key: string; cls: PodClass; endpoint: Endpoint };
/** External addresses: a piece of an analyzer atom (or of an address family no policy mentions). */
export type IpTarget = { kind: 'ip'; key: string; range: AddressRange; atom: Endpoint | undefined };
/** A symbolic endpoint of Cilium policies (`fqdn:…`, `entity:…`). */
export type SymbolTarget = { kind: 'symbol'; key: string; name: string; endpoint: SymbolEndpoint };
export type Target = PodTarget | IpTarget | SymbolTarget;

/** A declared flow between two targets: the union of the ports the connections declare. */
export type DeclaredFlow = {
  from: Target;
  to: Target;
  ports: PortSet;
  /** Where the values declare it: `connections.<name>`, `components.<name>.metricsPorts`, `dns`. */
  by: string[];
};

export type IntentOptions = {
  /** The release namespace (`helm -n`); by default the namespace of the components' policies. */
  namespace?: string;
};

class Intent {
  readonly namespace: string;
  readonly pods: PodTarget[];
  readonly ips: IpTarget[];
  readonly symbols: SymbolTarget[];
  readonly connections: ExpandedConnection[];
  readonly declared = new Map<string, DeclaredFlow>();
  /** Pod class ids selected by an enabled component in the release namespace. */
  readonly scope = new Set<number>();
  readonly analysis: Analysis;
  readonly values: ValuesOutput;

  constructor(analysis: Analysis, values: ValuesOutput, namespace: string) {
    this.analysis = analysis;
    this.values = values;
    this.namespace = namespace;
    this.connections = expandConnections(values, { namespace });
    this.pods = analysis.classes.map((cls) => ({
      kind: 'pod',
      key: `p${cls.id}`,
      cls,
      endpoint: { kind: 'pod', cls },
    }));
    const blocks = this.connections
      .flatMap((c) => [c.from, c.to])
      .flatMap((e) => (e.kind === 'network' ? e.ipBlocks : []));
    this.ips = ipTargets(analysis, blocks);
    const symbolNames = [...new Set([...analysis.symbols, ...declaredSymbols(values, this.connections)])].sort(compare);
    this.symbols = symbolNames.map((name, i) => ({
      kind: 'symbol',
      key: `s${i}`,
      name,
      endpoint: { kind: 'symbol', name },
    }));
    for (const [name, component] of Object.entries(values.components ?? {})) {
      if (component.enabled === false) continue;
      for (const t of this.targetsOf({ kind: 'component', name, podSelector: component.podSelector })) {
        if (t.kind === 'pod') this.scope.add(t.cls.id);
      }
    }
    for (const connection of this.connections) this.addDeclared(connection);
  }

  targetsOf(endpoint: ResolvedEndpoint): Target[] {
    switch (endpoint.kind) {
      case 'component':
        return this.pods.filter(
          (t) => t.cls.namespace === this.namespace && matchesSelector(endpoint.podSelector, t.cls.labels),
        );
      case 'network': {
        const symbols = networkSymbols(this.values, endpoint);
        return [
          ...this.ips.filter((t) => endpoint.ipBlocks.some((block) => inBlock(block, t.range))),
          ...this.symbols.filter((t) => symbols.includes(t.name)),
        ];
      }
      default:
        return this.pods.filter(
          (t) =>
            (endpoint.namespaceSelector
              ? matchesSelector(endpoint.namespaceSelector, t.cls.namespaceLabels)
              : t.cls.namespace === this.namespace) && matchesSelector(endpoint.podSelector, t.cls.labels),
        );
    }
  }

  inScope(target: Target): boolean {
    return target.kind === 'pod' && this.scope.has(target.cls.id);
  }

  /** What the policies allow from one target to another. */
  allowed(from: Target, to: Target): PortSet {
    if (from.kind !== 'pod' && to.kind !== 'pod') return PortSet.none();
    if (from.kind === 'symbol' && isDestinationOnly(from.name)) return PortSet.none();
    return this.side('egress', from, to).intersect(this.side('ingress', from, to));
  }

  /** What one side allows: the source's egress or the destination's ingress (everything when not isolated). */
  side(direction: Direction, from: Target, to: Target): PortSet {
    const subject = direction === 'egress' ? from : to;
    const peer = direction === 'egress' ? to : from;
    if (subject.kind !== 'pod') return PortSet.all();
    if (!this.analysis.isolated(subject.cls, direction)) return PortSet.all();
    if (peer.kind !== 'ip' || peer.atom) {
      const peerEndpoint = peer.kind === 'ip' ? (peer.atom as Endpoint) : peer.endpoint;
      return direction === 'egress'
        ? this.analysis.egressAllowed(subject.cls, peerEndpoint)
        : this.analysis.ingressAllowed(peerEndpoint, subject.cls);
    }
    // An address family no policy mentions: only rules without peers (all peers), or with the
    // Cilium entity `all`, match it.
    let result = PortSet.none();
    for (const rule of this.rulesOf(direction, subject.cls)) {
      if (admitsEveryAddress(rule)) result = result.union(portsOf(rule.ports, undefined));
    }
    return result;
  }

  /** The rules of the policies isolating the class in that direction. */
  rulesOf(direction: Direction, cls: PodClass): RuleRef[] {
    const policies = this.analysis.selecting[cls.id]?.[direction] ?? [];
    return this.analysis.rules.filter((r) => r.direction === direction && policies.includes(r.policy));
  }

  /** The rules (of the subject's side) that match the peer and allow some of the ports. */
  rulesAllowing(direction: Direction, from: Target, to: Target, ports: PortSet): RuleRef[] {
    const subject = direction === 'egress' ? from : to;
    const peer = direction === 'egress' ? to : from;
    if (subject.kind !== 'pod') return [];
    const destination = to.kind === 'pod' ? to.endpoint : undefined;
    return this.rulesOf(direction, subject.cls).filter((rule) => {
      const matched =
        peer.kind === 'pod'
          ? rule.matchesClass[peer.cls.id] === 1
          : peer.kind === 'symbol'
            ? this.analysis.ruleMatches(rule, peer.endpoint)
            : peer.atom && peer.atom.kind === 'ip'
              ? rule.matchesAtom[peer.atom.index] === 1
              : admitsEveryAddress(rule);
      return matched && !portsOf(rule.ports, destination).intersect(ports).isEmpty();
    });
  }

  /** Hints about a component whose pods are in a finding: its policy is missing or selects other pods. */
  componentHints(target: Target): string[] {
    if (target.kind !== 'pod' || !this.scope.has(target.cls.id)) return [];
    const hints: string[] = [];
    for (const [name, policyName] of componentPolicyNames(this.values)) {
      const component = this.values.components[name];
      if (!component || !matchesSelector(component.podSelector, target.cls.labels)) continue;
      const policy = this.analysis.policies.find((p) => p.namespace === this.namespace && p.name === policyName);
      if (!policy) {
        hints.push(
          `no policy ${this.namespace}/${policyName} exists for component ${name} (render the chart with these values)`,
        );
      } else if (!selects(policy, target.cls)) {
        hints.push(
          `the policy ${this.namespace}/${policyName} (podSelector ${formatSelector(policy.podSelector)}) selects no pod labelled ${formatSelector(component.podSelector)}`,
        );
      }
    }
    return hints;
  }

  private addDeclared(connection: ExpandedConnection): void {
    const froms = this.targetsOf(connection.from);
    const tos = this.targetsOf(connection.to);
    const ports: NetworkPolicyPort[] = connection.ports.map((p) => ({
      port: p.port,
      protocol: p.protocol,
      ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    }));
    for (const to of tos) {
      const set = portsOf(ports, to.kind === 'pod' ? to.endpoint : undefined);
      if (set.isEmpty()) continue;
      for (const from of froms) {
        const key = `${from.key}>${to.key}`;
        const known = this.declared.get(key);
        if (known) {
          known.ports = known.ports.union(set);
          if (!known.by.includes(connection.path)) known.by.push(connection.path);
        } else {
          this.declared.set(key, { from, to, ports: set, by: [connection.path] });
        }
      }
    }
  }
}

/** Does the rule admit every external address (no peers, or the Cilium entity `all`)? */
function admitsEveryAddress(rule: RuleRef): boolean {
  return !rule.peers || rule.peers.length === 0 || rule.peers.some((peer) => peer.entity === 'all');
}

/**
 * The external addresses as targets: the analyzer's atoms, split further at the boundaries of the
 * declared ipBlocks (so that every target is inside or outside each declared block). An address
 * family only declared blocks mention (IPv6 when no policy has an IPv6 block) gets targets
 * without atom.
 */
function ipTargets(analysis: Analysis, blocks: IpBlock[]): IpTarget[] {
  const cuts: Record<Family, Set<bigint>> = { 4: new Set(), 6: new Set() };
  for (const block of blocks) {
    for (const cidr of [block.cidr, ...(block.except ?? [])]) {
      const range = parseRange(cidr);
      cuts[range.family].add(range.start);
      cuts[range.family].add(range.end + 1n);
    }
  }
  const split = (range: AddressRange): AddressRange[] => {
    const points = [...cuts[range.family]]
      .filter((p) => p > range.start && p <= range.end)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pieces: AddressRange[] = [];
    let start = range.start;
    for (const p of points) {
      pieces.push({ family: range.family, start, end: p - 1n });
      start = p;
    }
    pieces.push({ family: range.family, start, end: range.end });
    return pieces;
  };
  const targets: IpTarget[] = [];
  analysis.atoms.forEach((atom, index) => {
    for (const range of split(atom)) {
      targets.push({ kind: 'ip', key: `i${targets.length}`, range, atom: { kind: 'ip', atom, index } });
    }
  });
  const families = new Set(analysis.atoms.map((a) => a.family));
  for (const family of [4, 6] as const) {
    if (families.has(family) || cuts[family].size === 0) continue;
    const whole: AddressRange = { family, start: 0n, end: (1n << (family === 4 ? 32n : 128n)) - 1n };
    for (const range of split(whole)) targets.push({ kind: 'ip', key: `i${targets.length}`, range, atom: undefined });
  }
  return targets;
}

// ---- comparison ----------------------------------------------------------------------------------

/** The declared flows between the analyzer's endpoints (pod classes and address ranges). */
export function declaredFlows(analysis: Analysis, values: ValuesOutput, options: IntentOptions = {}): DeclaredFlow[] {
  const intent = new Intent(analysis, values, options.namespace ?? releaseNamespaceOf(analysis, values));
  return [...intent.declared.values()];
}

/**
 * The declared flows and the scope they are checked in (the ids of the pod classes an enabled
 * component selects in the release namespace), for comparisons made outside the analyzer, such as
 * the sandbox's observed packets: a pair is in scope when one of its ends is.
 */
export function declaredIntent(
  analysis: Analysis,
  values: ValuesOutput,
  options: IntentOptions = {},
): { namespace: string; flows: DeclaredFlow[]; scope: ReadonlySet<number> } {
  const intent = new Intent(analysis, values, options.namespace ?? releaseNamespaceOf(analysis, values));
  return { namespace: intent.namespace, flows: [...intent.declared.values()], scope: intent.scope };
}

/** undeclared-flow and missing-flow findings (both errors) of the policies against the values. */
export function intentFindings(analysis: Analysis, values: ValuesOutput, options: IntentOptions = {}): Finding[] {
  const intent = new Intent(analysis, values, options.namespace ?? releaseNamespaceOf(analysis, values));
  const cells: Cell[] = [];
  const targets: Target[] = [...intent.pods, ...intent.ips, ...intent.symbols];
  for (const from of targets) {
    for (const to of targets) {
      if (from.kind !== 'pod' && to.kind !== 'pod') continue;
      if (!intent.inScope(from) && !intent.inScope(to)) continue;
      if (from.kind === 'pod' && to.kind === 'pod' && from.cls === to.cls && from.cls.workloads.length === 1) continue;
      const allowed = intent.allowed(from, to);
      const declared = intent.declared.get(`${from.key}>${to.key}`);
      const undeclared = allowed.subtract(declared?.ports ?? PortSet.none());
      if (!undeclared.isEmpty())
        cells.push({ code: 'undeclared-flow', froms: [from], tos: [to], ports: undeclared, by: [] });
      if (declared) {
        const missing = declared.ports.subtract(allowed);
        if (!missing.isEmpty()) {
          const by = declared.by.filter((path) => declaredBy(intent, path, from, to, missing));
          cells.push({ code: 'missing-flow', froms: [from], tos: [to], ports: missing, by });
        }
      }
    }
  }
  return [
    ...componentsSelectingNothing(intent),
    ...group(cells)
      .map((g) => (g.code === 'undeclared-flow' ? undeclaredFinding(intent, g) : missingFinding(intent, g)))
      .sort((a, b) => compare(a.code, b.code) || compare(a.message, b.message)),
  ];
}

/**
 * component-selects-nothing (error): an enabled component whose podSelector selects no workload of
 * the release namespace in the inventory. Either it does not run in this environment (then its
 * values should disable it), or its selector misses its pods (the seed's `app: fineract`), or the
 * inventory leaves them out (Jobs come and go). Its policy is the same fact: the structural
 * policy-selects-nothing of that policy is left out (withoutSuperseded).
 */
function componentsSelectingNothing(intent: Intent): Finding[] {
  const classes = intent.analysis.classes.filter((c) => c.namespace === intent.namespace);
  const labelled = classes
    .flatMap((c) =>
      c.workloads.map(
        (w) =>
          `${w.name} (${
            Object.entries(c.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || 'no labels'
          })`,
      ),
    )
    .sort(compare);
  const out: Finding[] = [];
  for (const [name, component] of Object.entries(intent.values.components ?? {}).sort(([a], [b]) => compare(a, b))) {
    if (component.enabled === false) continue;
    if (classes.some((c) => matchesSelector(component.podSelector, c.labels))) continue;
    const policy = `${intent.namespace}/${component.policyName ?? `${name}-network-policy`}`;
    out.push({
      code: 'component-selects-nothing',
      severity: 'error',
      policy,
      message: `components.${name} (podSelector ${formatSelector(component.podSelector)}, policy ${policy}) selects no workload of ${intent.namespace}, where the workloads are labelled ${capped(labelled)}. If ${name} does not run in this environment, disable it in its values (components.${name}.enabled: false); if it does, correct its podSelector, or pass its workloads (Jobs and CronJobs too: kubectl get deploy,sts,ds,jobs,cronjobs -n ${intent.namespace} -o yaml).`,
    });
  }
  return out;
}

/** The findings without those another says better: a component's policy that selects nothing. */
export function withoutSuperseded(findings: Finding[]): Finding[] {
  const components = new Set(findings.filter((f) => f.code === 'component-selects-nothing').map((f) => f.policy));
  return findings.filter((f) => !(f.code === 'policy-selects-nothing' && components.has(f.policy)));
}

/** Does the declaration at `path` contribute some of the ports between the two targets? */
function declaredBy(intent: Intent, path: string, from: Target, to: Target, ports: PortSet): boolean {
  return intent.connections.some((c) => {
    if (c.path !== path) return false;
    if (!intent.targetsOf(c.from).includes(from) || !intent.targetsOf(c.to).includes(to)) return false;
    const declared = portsOf(
      c.ports.map((p) => ({
        port: p.port,
        protocol: p.protocol,
        ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
      })),
      to.kind === 'pod' ? to.endpoint : undefined,
    );
    return !declared.intersect(ports).isEmpty();
  });
}

type Cell = { code: FindingCode; froms: Target[]; tos: Target[]; ports: PortSet; by: string[] };

/**
 * Merges cells: address ranges of one pod with the same ports, then destinations of one source
 * set with the same ports, then sources of one destination set with the same ports.
 */
function group(cells: Cell[]): Cell[] {
  const mergeBy = (items: Cell[], keyOf: (c: Cell) => string, merge: (into: Cell, c: Cell) => void): Cell[] => {
    const byKey = new Map<string, Cell>();
    for (const c of items) {
      const key = keyOf(c);
      const known = byKey.get(key);
      if (known) merge(known, c);
      else byKey.set(key, { ...c, froms: [...c.froms], tos: [...c.tos], by: [...c.by] });
    }
    return [...byKey.values()];
  };
  const keys = (targets: Target[]): string => targets.map((t) => t.key).join(',');
  const base = (c: Cell): string => `${c.code}|${c.ports.toString()}|${c.by.join(',')}`;
  const kind = (targets: Target[]): string => targets[0]?.kind ?? '';
  let out = mergeBy(
    cells,
    (c) => `${base(c)}|${keys(c.froms)}|${kind(c.tos) === 'ip' ? 'ip' : keys(c.tos)}`,
    (into, c) => into.tos.push(...c.tos),
  );
  out = mergeBy(
    out,
    (c) => `${base(c)}|${kind(c.froms) === 'ip' ? 'ip' : keys(c.froms)}|${keys(c.tos)}`,
    (into, c) => into.froms.push(...c.froms),
  );
  out = mergeBy(
    out,
    (c) => `${base(c)}|${keys(c.froms)}|${kind(c.tos)}`,
    (into, c) => into.tos.push(...c.tos),
  );
  return mergeBy(
    out,
    (c) => `${base(c)}|${keys(c.tos)}|${kind(c.froms)}`,
    (into, c) => into.froms.push(...c.froms),
  );
}

function undeclaredFinding(intent: Intent, g: Cell): Finding {
  const refs: { policy: string; rule: string }[] = [];
  const open: string[] = [];
  for (const direction of ['egress', 'ingress'] as const) {
    const subjects = unique((direction === 'egress' ? g.froms : g.tos).filter((t): t is PodTarget => t.kind === 'pod'));
    const notIsolated = subjects.filter((t) => !intent.analysis.isolated(t.cls, direction));
    if (notIsolated.length > 0) {
      open.push(
        `${describeTargets(notIsolated)} ${notIsolated.length === 1 ? 'is' : 'are'} not isolated for ${direction}`,
      );
    }
    for (const from of g.froms) {
      for (const to of g.tos) {
        for (const rule of intent.rulesAllowing(direction, from, to, g.ports)) {
          const ref = { policy: `${rule.policy.namespace}/${rule.policy.name}`, rule: rule.name };
          if (!refs.some((r) => r.policy === ref.policy && r.rule === ref.rule)) refs.push(ref);
        }
      }
    }
  }
  const allowedBy = [...refs.map((r) => `${r.policy} ${r.rule}`), ...open];
  const hints = unique([...g.froms, ...g.tos].flatMap((t) => intent.componentHints(t)));
  const first = refs.find((r) => r.rule.startsWith('ingress')) ?? refs[0];
  const fix =
    hints.length > 0
      ? `Fix the selectors: ${hints.join('; ')}.`
      : `Declare it in the values (connections.<name>: {from: ${valuesRef(intent, g.froms)}, to: ${valuesRef(intent, g.tos)}, ports: ${portsYaml(g.ports)}}) or remove what allows it.`;
  return {
    code: 'undeclared-flow',
    severity: 'error',
    between: betweenOf(g),
    message:
      `${describeTargets(g.froms)} → ${describeTargets(g.tos)}: ${describePorts(g.ports)} ${g.ports.isAll() ? 'are' : 'is'} allowed but no connection of the values declares it` +
      (allowedBy.length > 0 ? ` (${refs.length > 0 ? 'allowed by ' : ''}${allowedBy.join('; ')})` : '') +
      `. ${fix}`,
    ...(first ? first : {}),
  };
}

function missingFinding(intent: Intent, g: Cell): Finding {
  const blocked: string[] = [];
  const near = new Map<string, { text: string; peers: Target[] }>();
  const hints: string[] = [];
  let policy: string | undefined;
  for (const direction of ['egress', 'ingress'] as const) {
    const subjects = unique((direction === 'egress' ? g.froms : g.tos).filter((t): t is PodTarget => t.kind === 'pod'));
    // Subjects whose side denies some of the ports, grouped by the policies isolating them.
    const byPolicies = new Map<string, PodTarget[]>();
    for (const subject of subjects) {
      const pairs =
        direction === 'egress'
          ? g.tos.map((to) => [subject, to] as const)
          : g.froms.map((from) => [from, subject] as const);
      const denied = pairs.filter(([from, to]) => !g.ports.subtract(intent.side(direction, from, to)).isEmpty());
      if (denied.length === 0) continue;
      const policies = (intent.analysis.selecting[subject.cls.id]?.[direction] ?? []).map(
        (p) => `${p.namespace}/${p.name}`,
      );
      const key = policies.join(', ');
      byPolicies.set(key, [...(byPolicies.get(key) ?? []), subject]);
      policy ??= policies[0];
      hints.push(...intent.componentHints(subject));
      // Rules of that side for these ports whose peers do not match: probably a wrong selector.
      for (const [from, to] of denied) {
        const peer = direction === 'egress' ? to : from;
        if (direction === 'egress' && peer.kind === 'symbol' && isDestinationOnly(peer.name)) {
          if (!intent.analysis.resolves(subject.cls, peer.name)) {
            hints.push(
              `${describeTargets([subject])} does not resolve ${peer.name} through Cilium's DNS proxy (no egress rule of its policies has a DNS rule, toPorts[].rules.dns, naming it), so a toFQDNs rule never learns its addresses`,
            );
          }
        }
        for (const rule of intent.rulesOf(direction, subject.cls)) {
          if (intent.rulesAllowing(direction, from, to, g.ports).includes(rule)) continue;
          const ports = portsOf(rule.ports, to.kind === 'pod' ? to.endpoint : undefined).intersect(g.ports);
          if (ports.isEmpty() || !rule.peers || rule.peers.length === 0) continue;
          const text = `${rule.policy.namespace}/${rule.policy.name} ${rule.name} allows ${ports.toString()} only ${direction === 'egress' ? 'to' : 'from'} ${rule.peers.map(describePeer).join(' or ')}`;
          const known = near.get(text);
          if (known) known.peers.push(peer);
          else near.set(text, { text, peers: [peer] });
        }
      }
    }
    for (const [policies, members] of byPolicies) {
      blocked.push(
        `no ${direction} rule of ${policies} (which ${members.length === 1 ? 'isolates' : 'isolate'} ${describeTargets(members)}) allows it`,
      );
    }
  }
  const nearHints = [...near.values()]
    .slice(0, 3)
    .map((n) => `${n.text}, which does not match ${describeTargets(unique(n.peers))}`);
  const selectorHints = unique([...hints, ...nearHints]);
  return {
    code: 'missing-flow',
    severity: 'error',
    between: betweenOf(g),
    message:
      `${describeTargets(g.froms)} → ${describeTargets(g.tos)}: ${describePorts(g.ports)} ${g.ports.isAll() ? 'are' : 'is'} declared by ${g.by.join(', ') || 'the values'} but blocked` +
      (blocked.length > 0 ? `: ${blocked.join('; ')}` : '') +
      '. ' +
      (selectorHints.length > 0
        ? `Check the selectors: ${selectorHints.join('; ')}.`
        : 'Render and apply the chart with these values (helm template … -f <values file>), or correct the selectors of the policies.'),
    ...(policy ? { policy } : {}),
  };
}

/** A peer item in kubectl selector syntax, for messages. */
function describePeer(peer: NetworkPolicyPeer): string {
  if (peer.fqdn) return fqdnSymbol(peer.fqdn);
  if (peer.entity !== undefined) return entitySymbol(peer.entity);
  if (peer.ipBlock) {
    const except = peer.ipBlock.except ?? [];
    return `ipBlock ${peer.ipBlock.cidr}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`;
  }
  const pods = peer.podSelector ? `pods ${formatSelector(peer.podSelector)}` : 'every pod';
  return peer.namespaceSelector ? `${pods} in namespaces ${formatSelector(peer.namespaceSelector)}` : pods;
}

/** "TCP 8080; UDP 53", "every port", or "every port except TCP 8080" when that is shorter. */
function describePorts(ports: PortSet): string {
  if (ports.isAll()) return 'all ports';
  const complement = PortSet.all().subtract(ports);
  const direct = ports.toString();
  const inverse = `every port except ${complement.toString().replaceAll('; ', ' and ')}`;
  return inverse.length < direct.length ? inverse : direct;
}

// ---- messages ------------------------------------------------------------------------------------

/** Workloads as `ns/name`, external addresses as CIDRs (`0.0.0.0/0 except 10.0.0.0/8, …`). */
/** The ends of a grouped cell as flow end names: workloads `ns/name`, addresses as CIDRs. */
function betweenOf(g: Cell): NonNullable<Finding['between']> {
  const names = (targets: Target[]) =>
    unique(
      targets.flatMap((t) =>
        t.kind === 'pod'
          ? t.cls.workloads.map((w) => `${w.namespace}/${w.name}`)
          : t.kind === 'symbol'
            ? [t.name]
            : rangeToCidrs(t.range),
      ),
    );
  return { from: names(g.froms).sort(compare), to: names(g.tos).sort(compare), ports: g.ports.toString() };
}

function describeTargets(targets: Target[]): string {
  const workloads = unique(
    targets.flatMap((t) => (t.kind === 'pod' ? t.cls.workloads.map((w) => `${w.namespace}/${w.name}`) : [])),
  ).sort(compare);
  const ranges = targets.flatMap((t) => (t.kind === 'ip' ? [t.range] : []));
  const parts = [...workloads];
  for (const family of [4, 6] as const) {
    const mine = ranges.filter((r) => r.family === family);
    if (mine.length > 0) parts.push(describeRanges(family, mine));
  }
  parts.push(...unique(targets.flatMap((t) => (t.kind === 'symbol' ? [t.name] : []))).sort(compare));
  return parts.join(', ');
}

const MAX_CIDRS = 6;

function describeRanges(family: Family, ranges: AddressRange[]): string {
  const sorted = mergeRanges([...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)));
  const all = family === 4 ? '0.0.0.0/0' : '::/0';
  const top = (1n << (family === 4 ? 32n : 128n)) - 1n;
  const complement: AddressRange[] = [];
  let next = 0n;
  for (const r of sorted) {
    if (r.start > next) complement.push({ family, start: next, end: r.start - 1n });
    next = r.end + 1n;
  }
  if (next <= top) complement.push({ family, start: next, end: top });
  const cidrs = sorted.flatMap(rangeToCidrs);
  const excluded = complement.flatMap(rangeToCidrs);
  if (excluded.length === 0) return all;
  if (excluded.length < cidrs.length) return `${all} except ${capped(excluded)}`;
  return capped(cidrs);
}

function capped(items: string[]): string {
  if (items.length <= MAX_CIDRS) return items.join(', ');
  return `${items.slice(0, MAX_CIDRS).join(', ')} … (${items.length - MAX_CIDRS} more)`;
}

/** How the values could name these targets in a connection: `{component: x}`, `{peer: y}`, `{network: z}`. */
function valuesRef(intent: Intent, targets: Target[]): string {
  const covers = (endpoint: ResolvedEndpoint): boolean => {
    const mine = intent.targetsOf(endpoint);
    return targets.every((t) => mine.includes(t));
  };
  const v = intent.values;
  if (targets.every((t) => t.kind === 'pod')) {
    for (const [name, c] of Object.entries(v.components ?? {}).sort(([a], [b]) => compare(a, b))) {
      if (c.enabled !== false && covers({ kind: 'component', name, podSelector: c.podSelector }))
        return `{component: ${name}}`;
    }
    for (const connection of intent.connections) {
      for (const end of [connection.from, connection.to]) {
        if (end.kind === 'peer' && covers(end)) return `{peer: ${end.name}}`;
        if (end.kind === 'dns' && covers(end)) return '<the DNS pods: list the ports in dns.ports instead>';
        if (end.kind === 'monitoring' && covers(end)) {
          return "<the monitoring pods: list the ports in the component's metricsPorts instead>";
        }
      }
    }
    for (const [name, peer] of Object.entries(v.peers ?? {}).sort(([a], [b]) => compare(a, b))) {
      const endpoint: ResolvedEndpoint = { kind: 'peer', name, ...podsPeer(v.namespaceLabelKey, peer) };
      if (covers(endpoint)) return `{peer: ${name}}`;
    }
    const perTarget = unique(
      targets.map(
        (t) =>
          Object.entries(v.components ?? {}).find(
            ([name, c]) =>
              c.enabled !== false &&
              intent.targetsOf({ kind: 'component', name, podSelector: c.podSelector }).includes(t),
          )?.[0],
      ),
    );
    if (perTarget.length > 1 && perTarget.every((name) => name !== undefined)) {
      return `{component: ${perTarget.sort(compare).join(' | ')}} (one connection each)`;
    }
    return `{peer: <a new entry of peers for ${describeTargets(targets)}>}`;
  }
  if (targets.every((t) => t.kind !== 'pod')) {
    for (const connection of intent.connections) {
      if (!connection.path.startsWith('connections.')) continue; // dns.cidrs is no network to name
      for (const end of [connection.from, connection.to]) {
        if (end.kind === 'network' && covers(end)) return `{network: ${end.name}}`;
      }
    }
    const kinds = [
      targets.some((t) => t.kind === 'ip') ? 'cidrs' : '',
      targets.some((t) => t.kind === 'symbol' && t.name.startsWith('fqdn:')) ? 'fqdns' : '',
      targets.some((t) => t.kind === 'symbol' && t.name.startsWith('entity:')) ? 'entities' : '',
    ].filter(Boolean);
    return `{network: <a new entry of networks with ${kinds.join(', ')} ${describeTargets(targets)}>}`;
  }
  return '<endpoint>';
}

/** A PortSet as the values write ports: `[{port: 8080}, {port: 53, protocol: UDP}]`. */
function portsYaml(ports: PortSet): string {
  if (describePorts(ports).startsWith('every') || ports.isAll()) return '[the ports it needs]';
  const items: string[] = [];
  for (const protocol of ports.protocols()) {
    for (const range of ports.portsOf(protocol)) {
      const [first, last] = range.split('-');
      const protocolPart = protocol === 'TCP' ? '' : `, protocol: ${protocol}`;
      items.push(
        last === undefined ? `{port: ${first}${protocolPart}}` : `{port: ${first}, endPort: ${last}${protocolPart}}`,
      );
    }
  }
  return items.length <= MAX_PORT_ITEMS ? `[${items.join(', ')}]` : '[the ports it needs]';
}

const MAX_PORT_ITEMS = 4;

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
