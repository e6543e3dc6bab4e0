// Label selectors compared by their requirements: does every pod one selects, the other select too?
// Sound, not complete: requirements are not combined. Go twin: fineract-netpol.validate.requirements
// and fineract-netpol.validate.implies (chart/templates/_validate.tpl).
//
// Usage: const a = requirementsOf(peer.podSelector), b = requirementsOf(component.podSelector);
//        if (a && b && implies(a, b)) …   // every pod `a` selects, `b` selects
import { isMap } from './view.ts';

/** A requirement; matchLabels entries are `In [value]`. */
export type Requirement = { key: string; operator: string; values: string[] };

/** A selector's requirements, matchLabels first; undefined when it is malformed. */
export function requirementsOf(selector: unknown): Requirement[] | undefined {
  if (!isMap(selector)) return undefined;
  const out: Requirement[] = [];
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isMap(matchLabels)) return undefined;
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') return undefined;
      out.push({ key, operator: 'In', values: [value] });
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return undefined;
    for (const e of matchExpressions as unknown[]) {
      if (!isMap(e) || typeof e.key !== 'string' || typeof e.operator !== 'string') return undefined;
      const list: unknown = e.values ?? [];
      if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) return undefined;
      out.push({ key: e.key, operator: e.operator, values: list });
    }
  }
  return out;
}

/**
 * Every pod selected by requirements `a` is selected by `b`: each requirement of `b` follows from
 * one requirement of `a` on the same key (In ⊆ In; NotIn from a disjoint In, a wider NotIn or
 * DoesNotExist; Exists from In or Exists; DoesNotExist from DoesNotExist).
 */
export function implies(a: Requirement[], b: Requirement[]): boolean {
  const follows = (ra: Requirement, rb: Requirement): boolean => {
    if (ra.key !== rb.key) return false;
    const inA = ra.operator === 'In' && ra.values.length > 0;
    switch (rb.operator) {
      case 'In':
        return inA && ra.values.every((v) => rb.values.includes(v));
      case 'NotIn':
        return (
          (inA && ra.values.every((v) => !rb.values.includes(v))) ||
          (ra.operator === 'NotIn' && rb.values.every((v) => ra.values.includes(v))) ||
          ra.operator === 'DoesNotExist'
        );
      case 'Exists':
        return inA || ra.operator === 'Exists';
      case 'DoesNotExist':
        return ra.operator === 'DoesNotExist';
      default:
        return false;
    }
  };
  return b.every((rb) => a.some((ra) => follows(ra, rb)));
}
