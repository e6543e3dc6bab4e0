// Label selectors and a workload inventory for tests, evaluated by the product's own code:
// src/verify/model/selectors.ts (matching), src/verify/readers/load.ts (reading manifests, and refusing the
// selectors the API server refuses) and src/verify/analysis/analyze.ts (namespace labels).
//
// Usage:
//   const inventory = loadInventory('test/fixtures/fineract-workloads.yaml');
//   matchesSelector({ matchLabels: { app: 'keycloak' } }, workload.labels)   // true / false
//   selectPods(inventory, { namespace: 'monitoring', podSelector })       // workload names
//
// Semantics (k8s.io/apimachinery metav1.LabelSelectorAsSelector): matchLabels and every
// matchExpressions requirement are ANDed; an empty selector ({}) selects everything. In needs the
// label present with one of `values`; NotIn holds when the label is absent or has none of them;
// Exists/DoesNotExist look at the key only. A selector the API server would refuse (In/NotIn
// without values, Exists/DoesNotExist with values, an unknown operator, a bad label key or value)
// throws, with the loader's message.
import { readFileSync } from 'node:fs';
import { namespaceLabels } from '../../src/verify/analysis/analyze.ts';
import { loadManifestText, type LoadedManifests } from '../../src/verify/readers/load.ts';
import { matchesSelector as selectorMatches } from '../../src/verify/model/selectors.ts';
import type { LabelSelector, Labels } from '../../src/verify/model/types.ts';

export type { LabelSelector, Labels } from '../../src/verify/model/types.ts';

/** Namespaces and workloads (pod templates) of a manifest file, as `verify` reads them. */
export type Inventory = Pick<LoadedManifests, 'namespaces' | 'workloads'>;

/** True when the labels satisfy the selector; throws when the API server would refuse the selector. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  assertValidSelector(selector);
  return selectorMatches(selector, labels);
}

/**
 * Throws (an InputError naming the field) when the Kubernetes API server would refuse the
 * selector: it is checked as the podSelector of a NetworkPolicy by verify's loader.
 */
export function assertValidSelector(selector: LabelSelector): void {
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'selector', namespace: 'default' },
    spec: { podSelector: selector },
  };
  loadManifestText(JSON.stringify(policy), 'selector.json');
}

/** Reads Namespaces and the pod templates of workloads from a manifest file (throws on any problem). */
export function loadInventory(path: string): Inventory {
  const { namespaces, workloads } = loadManifestText(readFileSync(path, 'utf8'), path);
  return { namespaces, workloads };
}

/**
 * Where pods are looked for: `namespace` (a name, matched through the namespace label
 * `namespaceLabelKey`), or `namespaceSelector`, or neither for `releaseNamespace`.
 */
export type PodQuery = {
  namespace?: string;
  namespaceSelector?: LabelSelector;
  podSelector: LabelSelector;
  namespaceLabelKey?: string;
  releaseNamespace?: string;
};

/** The names of the workloads whose pods the query selects, sorted. */
export function selectPods(inventory: Inventory, query: PodQuery): string[] {
  const labelKey = query.namespaceLabelKey ?? 'kubernetes.io/metadata.name';
  // A namespace's labels as Kubernetes has them (with the automatic kubernetes.io/metadata.name).
  const labelsOf = (ns: string): Labels => namespaceLabels(ns, inventory.namespaces);
  const namespaceSelector =
    query.namespace !== undefined
      ? // Selected by label, as the chart renders it: a namespace without the label is not selected.
        { matchLabels: { [labelKey]: query.namespace } }
      : query.namespaceSelector;
  for (const selector of [query.podSelector, namespaceSelector]) if (selector) assertValidSelector(selector);
  const inNamespace = (ns: string): boolean =>
    namespaceSelector ? selectorMatches(namespaceSelector, labelsOf(ns)) : ns === query.releaseNamespace;
  return inventory.workloads
    .filter((w) => inNamespace(w.namespace) && selectorMatches(query.podSelector, w.labels))
    .map((w) => w.name)
    .sort();
}
