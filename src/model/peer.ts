// The one peer item of pods in some namespace(s) — a peer, the DNS target, the monitoring source —
// as the chart renders it (fineract-netpol.plan.pods in chart/templates/_plan.tpl): the
// namespaceSelector AND the podSelector in ONE item, never two (which Kubernetes would OR).
//
// Usage: podsPeer('kubernetes.io/metadata.name', {namespace: 'kube-system', podSelector: {matchLabels: {k8s-app: kube-dns}}})
//        // → {namespaceSelector: {matchLabels: {'kubernetes.io/metadata.name': 'kube-system'}}, podSelector: {…}}
//
// - `namespace: X` selects the namespaces labelled namespaceLabelKey=X;
// - else a namespaceSelector with an entry is used as written (Go templates read an empty mapping
//   as false: `namespaceSelector: {}` renders none, and the rules refuse one that selects all);
// - neither: no namespaceSelector, the policy's own namespace (the release namespace).
// The result shares no objects with the input.
import type { z } from 'zod';
import type { LabelSelector } from './primitives.ts';

type Selector = z.output<typeof LabelSelector>;

/** Pods as the values name them. */
export type PodsInput = {
  namespace?: string | undefined;
  namespaceSelector?: Selector | undefined;
  podSelector: Selector;
};

/** The peer item of a NetworkPolicy rule for these pods. */
export type PodsPeerItem = { namespaceSelector?: Selector; podSelector: Selector };

export function podsPeer(namespaceLabelKey: string, pods: PodsInput): PodsPeerItem {
  const podSelector = structuredClone(pods.podSelector);
  if (pods.namespace)
    return { namespaceSelector: { matchLabels: { [namespaceLabelKey]: pods.namespace } }, podSelector };
  if (pods.namespaceSelector && Object.keys(pods.namespaceSelector).length > 0) {
    return { namespaceSelector: structuredClone(pods.namespaceSelector), podSelector };
  }
  return { podSelector };
}
