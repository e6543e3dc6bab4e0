// The rule registry: the one home of what the values mean beyond their types — every check the
// SDK (defineValues, checkValues, emit), `validate` and `verify --values` make of merged values,
// each rule written once, with a stable id. The chart refuses the same values at install time
// with Go twins of the `chart: true` rules, whose messages the generator takes from here
// (src/generate/chart.ts: the ruleError and ruleText helpers), so that a message is written once.
//
// Usage:
//   const problems = checkRules(mergedValues);            // every problem, rules in registry order
//   problems.filter((p) => p.severity === 'error').map(chartLine)
//   // → ['components.keycloak.policyName: "fineract-network-policy" is already … [policy-name-unique]']
//   RULES.map((r) => r.id)                                 // every id (docs/values-checks.md lists them)
//
// A rule takes the merged values as plain data that may not match the schema: it checks the shapes
// it needs and skips what is not there (the schema reports the rest).
import { annotationsSizeLimit } from './annotations.ts';
import { componentSelectsAll, policyNameUnique } from './components.ts';
import {
  ciliumDnsPortRange,
  ciliumFqdnsAsSource,
  ciliumFqdnsNeedDns,
  ciliumNetworkNoAddress,
  endpointOneKind,
  networkWithoutCidrs,
  noComponentEnd,
  referenceUndefined,
} from './connections.ts';
import { connectionSkipped, defaultDenyReleaseNamespace, duplicateFlow } from './lint.ts';
import {
  cidrHostBits,
  cidrInsidePrivate,
  cidrIPv4Mapped,
  cidrNotCanonical,
  exceptCoversCidr,
  exceptOutsideCidrs,
  ipv6PrivateUnset,
  networkCidrsEmpty,
  networkNoAddress,
} from './networks.ts';
export { impliedIPv6 } from './networks.ts';
import {
  ciliumIgnoredLabel,
  peerOverlapsComponent,
  podsNamespaceAndSelector,
  podsNamespaceSelectorSelectsAll,
  podsSelectAll,
} from './pods.ts';
import { endPortBelowPort, namedPortToNetwork, namedPortWithEndPort, portsEmpty } from './ports.ts';
import type { Rule, RuleProblem } from './rule.ts';
import { ValuesView, type Values, type ViewOptions } from './view.ts';

export {
  chartLine,
  chartPath,
  formatTemplate,
  placeholdersOf,
  type Path,
  type Rule,
  type RuleProblem,
  type Severity,
} from './rule.ts';
export { planConnection } from './connections.ts';
export { ValuesView, type ViewOptions } from './view.ts';

/** Every rule, in the order their problems are listed. */
export const RULES: readonly Rule[] = [
  annotationsSizeLimit,
  componentSelectsAll,
  policyNameUnique,
  podsNamespaceAndSelector,
  podsNamespaceSelectorSelectsAll,
  podsSelectAll,
  peerOverlapsComponent,
  ciliumIgnoredLabel,
  cidrIPv4Mapped,
  cidrHostBits,
  cidrNotCanonical,
  networkCidrsEmpty,
  networkNoAddress,
  cidrInsidePrivate,
  exceptOutsideCidrs,
  exceptCoversCidr,
  ipv6PrivateUnset,
  endpointOneKind,
  referenceUndefined,
  noComponentEnd,
  portsEmpty,
  namedPortToNetwork,
  namedPortWithEndPort,
  endPortBelowPort,
  networkWithoutCidrs,
  ciliumNetworkNoAddress,
  ciliumFqdnsAsSource,
  ciliumFqdnsNeedDns,
  ciliumDnsPortRange,
  duplicateFlow,
  connectionSkipped,
  defaultDenyReleaseNamespace,
];

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]));

/** The rule with this id; throws for an unknown one (a typo in a caller). */
export function ruleById(id: string): Rule {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`no rule "${id}" (known: ${[...BY_ID.keys()].join(', ')})`);
  return rule;
}

/** Every problem of the merged values (errors and warnings), rules in registry order. */
export function checkRules(values: Values, options: ViewOptions = {}): RuleProblem[] {
  const view = new ValuesView(values, options);
  return RULES.flatMap((rule) => rule.check.call(rule, view));
}

/** Only the errors: what makes the values unusable (the chart, for its `chart: true` rules, refuses them too). */
export function ruleErrors(values: Values, options: ViewOptions = {}): RuleProblem[] {
  return checkRules(values, options).filter((p) => p.severity === 'error');
}

/** Does the chart refuse this rule's problems (a Go twin)? */
export function enforcedByChart(rule: string): boolean {
  return ruleById(rule).chart === true;
}
