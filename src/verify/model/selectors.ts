// Kubernetes label selector semantics (metav1.LabelSelector).
//
// Usage: matchesSelector({matchLabels: {app: 'x'}}, pod.labels)  // true when every term holds
import type { LabelSelector, Labels } from './types.ts';

/**
 * True when the labels satisfy the selector: every matchLabels pair, and every matchExpressions
 * requirement (In: present with one of the values; NotIn: absent or none of the values; Exists;
 * DoesNotExist). An empty selector matches everything; `undefined` is treated as empty.
 */
export function matchesSelector(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || !(req.values ?? []).includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && (req.values ?? []).includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** True when the selector has no requirement at all, so it selects every pod (or namespace). */
export function selectsEverything(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/** The selector in kubectl's `-l` syntax, for messages. */
export function formatSelector(selector: LabelSelector | undefined): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector?.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') terms.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') terms.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') terms.push(req.key);
    else terms.push(`!${req.key}`);
  }
  return terms.length === 0 ? '{} (everything)' : terms.join(',');
}
