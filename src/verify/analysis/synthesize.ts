// Representative workloads for `verify` without --workloads: one pod for each set of pods the
// values (or, without values, the policies) talk about, labelled so that its selector selects it.
//
// Usage:
//   const inventory = synthesizeFromValues(values, { namespace: 'fineract-uat' });
//   // → workloads fineract-uat/fineract, …, ingress-nginx/ingress-nginx, kube-system/dns, monitoring/monitoring
//   const fallback = synthesizeFromPolicies(policies);   // one pod per distinct selector seen
//   analyze({ policies, ...inventory });
//
// - From values: one pod per enabled component (release namespace), per peer (its namespace, a
//   namespace matching its namespaceSelector, or the release namespace), for the DNS target and
//   the monitoring source when enabled. Networks need no pod: they are external addresses.
// - From policies: one pod per distinct pod selector (spec.podSelector in the policy's namespace;
//   a peer's podSelector in the policy's namespace or in a namespace its namespaceSelector
//   matches), and one namespace (with one unlabelled pod) per distinct namespace selector.
// - Labels: the selector's matchLabels, plus a value for each In (one of its values, avoiding
//   NotIn values) and Exists requirement; NotIn/DoesNotExist keys are left out. Namespaces carry
//   the values' namespaceLabelKey (the analyzer adds kubernetes.io/metadata.name).
// - Synthesized pods have no container ports, so a named port selects nothing: pass --workloads to
//   resolve named ports.
import { podsPeer, type PodsInput } from '../../model/peer.ts';
import type { ValuesOutput } from '../../model/values.ts';
import { compareText, sortedEntries as sorted } from '../../order.ts';
import { NAMESPACE_NAME_LABEL } from './analyze.ts';
import { selectsEverything } from '../model/selectors.ts';
import type { LabelSelector, Labels, Namespace, NetworkPolicy, NetworkPolicyPeer, Workload } from '../model/types.ts';

export type Inventory = { namespaces: Namespace[]; workloads: Workload[] };

/** Kind of every synthesized workload. */
export const SYNTHESIZED_KIND = 'Pod';

export type SynthesizeOptions = {
  /** The release namespace (`helm -n`): components, and peers without namespace, live there. */
  namespace: string;
};

/** One representative pod per component, peer, DNS target and monitoring source of the values. */
export function synthesizeFromValues(values: ValuesOutput, options: SynthesizeOptions): Inventory {
  const builder = new InventoryBuilder();
  const labelKey = values.namespaceLabelKey;
  builder.namespace(options.namespace, { [labelKey]: options.namespace });

  for (const [name, component] of sorted(values.components ?? {})) {
    if (component.enabled === false) continue;
    builder.pod(options.namespace, name, labelsSatisfying(component.podSelector));
  }
  // A pod where the chart's peer item (podsPeer) finds it: in the named namespace, in one its
  // namespaceSelector selects, or in the release namespace.
  const place = (name: string, pods: PodsInput): void => {
    const item = podsPeer(labelKey, pods);
    let namespace = options.namespace;
    if (pods.namespace) {
      namespace = builder.namespace(pods.namespace, { [labelKey]: pods.namespace });
    } else if (item.namespaceSelector) {
      namespace = builder.namespaceFor(item.namespaceSelector, name);
    }
    builder.pod(namespace, name, labelsSatisfying(item.podSelector));
  };
  for (const [name, peer] of sorted(values.peers ?? {})) place(name, peer);
  if (values.dns && values.dns.enabled !== false) place('dns', values.dns);
  if (values.monitoring && values.monitoring.enabled !== false) place('monitoring', values.monitoring);
  return builder.result();
}

/** One representative pod per distinct pod selector of the policies, one namespace per namespace selector. */
export function synthesizeFromPolicies(policies: NetworkPolicy[]): Inventory {
  const builder = new InventoryBuilder();
  for (const policy of policies) builder.namespace(policy.namespace, {});
  for (const policy of policies) {
    builder.podFor(policy.namespace, policy.podSelector);
    const peers: NetworkPolicyPeer[] = [
      ...(policy.ingress ?? []).flatMap((rule) => rule.from ?? []),
      ...(policy.egress ?? []).flatMap((rule) => rule.to ?? []),
    ];
    for (const peer of peers) {
      if (peer.ipBlock || peer.fqdn || peer.entity !== undefined) continue; // no pod to stand for
      let namespace = policy.namespace;
      if (peer.namespaceSelector && !selectsEverything(peer.namespaceSelector)) {
        namespace = builder.namespaceFor(peer.namespaceSelector, 'namespace');
      }
      builder.podFor(namespace, peer.podSelector ?? {});
    }
  }
  return builder.result();
}

/**
 * Labels that satisfy the selector (when it can be satisfied): matchLabels, one value per In
 * requirement (common to every In of the key, and in no NotIn of it), a value per Exists.
 */
export function labelsSatisfying(selector: LabelSelector | undefined): Labels {
  const labels: Labels = { ...(selector?.matchLabels ?? {}) };
  const expressions = selector?.matchExpressions ?? [];
  const keys = [...new Set(expressions.map((e) => e.key))];
  for (const key of keys) {
    if (Object.hasOwn(labels, key)) continue;
    const mine = expressions.filter((e) => e.key === key);
    const excluded = new Set(mine.filter((e) => e.operator === 'NotIn').flatMap((e) => e.values ?? []));
    const inLists = mine.filter((e) => e.operator === 'In').map((e) => e.values ?? []);
    if (inLists.length > 0) {
      const [first = [], ...rest] = inLists;
      const candidates = first.filter((v) => rest.every((list) => list.includes(v)) && !excluded.has(v));
      const value = candidates[0] ?? first[0];
      if (value !== undefined) labels[key] = value;
    } else if (mine.some((e) => e.operator === 'Exists')) {
      let value = 'true';
      for (let i = 2; excluded.has(value); i += 1) value = `value-${i}`;
      labels[key] = value;
    }
  }
  return labels;
}

/** Collects namespaces and pods, merging equal ones and keeping names unique. */
class InventoryBuilder {
  private readonly namespaces = new Map<string, Labels>();
  private readonly workloads: Workload[] = [];
  /** `<namespace>\0<labels JSON>` → the pod already standing for those labels. */
  private readonly podsByLabels = new Map<string, Workload>();
  /** JSON of a namespace selector → the namespace synthesized for it. */
  private readonly namespacesBySelector = new Map<string, string>();

  /** Adds (or extends) a namespace; returns its name (another one when the labels conflict). */
  namespace(name: string, labels: Labels): string {
    for (let i = 1; ; i += 1) {
      const candidate = i === 1 ? name : `${name}-${i}`;
      const known = this.namespaces.get(candidate);
      if (!known) {
        this.namespaces.set(candidate, { ...labels });
        return candidate;
      }
      const compatible = Object.entries(labels).every(([k, v]) => !Object.hasOwn(known, k) || known[k] === v);
      if (compatible && !this.conflictsWithName(candidate, labels)) {
        Object.assign(known, labels);
        return candidate;
      }
    }
  }

  /** A namespace whose labels satisfy the selector, named after the name label it pins if any. */
  namespaceFor(selector: LabelSelector, fallbackName: string): string {
    const key = canonicalJson(selector);
    const known = this.namespacesBySelector.get(key);
    if (known) return known;
    const labels = labelsSatisfying(selector);
    const name = labels[NAMESPACE_NAME_LABEL] ?? labels['name'] ?? nameFrom(Object.values(labels), fallbackName);
    const created = this.namespace(name, labels);
    this.namespacesBySelector.set(key, created);
    return created;
  }

  /** A pod standing for the selector in the namespace (reused when the labels are the same). */
  podFor(namespace: string, selector: LabelSelector): Workload {
    const labels = labelsSatisfying(selector);
    const known = this.podsByLabels.get(`${namespace}\0${canonicalJson(labels)}`);
    if (known) return known;
    return this.pod(namespace, nameFrom(Object.values(labels), 'pod'), labels);
  }

  /** A pod with these labels (a unique name in its namespace: `name`, `name-2`, …). */
  pod(namespace: string, name: string, labels: Labels): Workload {
    if (!this.namespaces.has(namespace)) this.namespaces.set(namespace, {});
    const taken = new Set(this.workloads.filter((w) => w.namespace === namespace).map((w) => w.name));
    let unique = name;
    for (let i = 2; taken.has(unique); i += 1) unique = `${name}-${i}`;
    const workload: Workload = { namespace, name: unique, kind: SYNTHESIZED_KIND, labels, ports: [] };
    this.workloads.push(workload);
    this.podsByLabels.set(`${namespace}\0${canonicalJson(labels)}`, workload);
    return workload;
  }

  result(): Inventory {
    return {
      namespaces: [...this.namespaces].map(([name, labels]) => ({ name, labels })),
      workloads: this.workloads,
    };
  }

  /** The automatic name label always equals the name: labels pinning another name conflict. */
  private conflictsWithName(name: string, labels: Labels): boolean {
    const pinned = labels[NAMESPACE_NAME_LABEL];
    return pinned !== undefined && pinned !== name;
  }
}

/** A DNS-1123 label made of the values (`fineract`, `fineract-redis`), or the fallback. */
function nameFrom(values: string[], fallback: string): string {
  const name = values
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 63)
    .replace(/-$/, '');
  return name === '' ? fallback : name;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compareText(a, b)))
      : v,
  );
}
