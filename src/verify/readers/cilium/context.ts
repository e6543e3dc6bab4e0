// The state of one CiliumNetworkPolicy being read (src/verify/readers/cilium/): where it is, what
// is wrong with it, and what the result assumes.
//
// Usage: const ctx = new CiliumContext(object, 'default', source);
//        ctx.issue(['spec', 'egress', 0], 'must be a mapping');   // every issue of the object, at once
import {
  closest,
  namespaceOf,
  requiredName,
  type KubernetesIssue,
  type Segment,
  UNKNOWN_FIELD_WHY,
} from '../kubernetes.ts';
import type { SourceRef } from '../../model/types.ts';

export type Direction = 'ingress' | 'egress';

/** Fields Cilium has and verify does not model, with what they do (refused with this text). */
const NOT_MODELLED: Record<string, string> = {
  nodeSelector: 'selects nodes (a host policy), which Cilium refuses in a CiliumNetworkPolicy',
  ingressDeny: 'deny rules override allow rules',
  egressDeny: 'deny rules override allow rules',
  icmps: 'ICMP rules allow ICMP types, a protocol verify does not model',
  authentication: 'mutual authentication makes the flow depend on certificates',
  fromGroups: 'groups select cloud-provider addresses (AWS security groups)',
  toGroups: 'groups select cloud-provider addresses (AWS security groups)',
  fromNodes: 'node selectors select nodes by their labels',
  toNodes: 'node selectors select nodes by their labels',
  fromRequires: 'requirements narrow every other rule of the policy (deprecated)',
  toRequires: 'requirements narrow every other rule of the policy (deprecated)',
  toServices: 'service selectors resolve to the endpoints of a Service',
  listener: 'an Envoy listener decides what passes',
  originatingTLS: 'TLS origination belongs to L7 rules',
  terminatingTLS: 'TLS termination belongs to L7 rules',
  serverNames: 'TLS server names (SNI) filter connections',
};

export class CiliumContext {
  readonly issues: KubernetesIssue[] = [];
  readonly notes: string[] = [];
  readonly namespace: string;
  readonly name: string;
  readonly object: Record<string, unknown>;
  readonly source: SourceRef;
  /** Pod label keys the policy selects on that Cilium leaves out of identities. */
  readonly ignoredLabels = new Set<string>();
  /** The rules with a DNS rule (rules.dns), by name. */
  readonly dnsRules: string[] = [];

  constructor(object: Record<string, unknown>, defaultNamespace: string, source: SourceRef) {
    this.object = object;
    this.source = source;
    this.name = requiredName(object, this.issues) ?? '';
    this.namespace = namespaceOf(object, defaultNamespace, this.issues);
  }

  /** Refuses every field of `value` that is not in `known`, saying what it would do. */
  unknown(value: Record<string, unknown>, path: Segment[], known: string[], what: string): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const modelled = NOT_MODELLED[key];
      if (modelled !== undefined) {
        this.issue(
          [...path, key],
          `is not modelled by verify (${modelled}): remove it to verify the rest, or check this policy by other means`,
        );
        continue;
      }
      const guess = closest(key, known);
      this.issue(
        [...path, key],
        `unknown field${guess ? ` (did you mean "${guess}"?)` : ` in ${what}: it has ${known.join(', ')}`}: ${UNKNOWN_FIELD_WHY}`,
      );
    }
  }

  issue(path: Segment[], message: string): void {
    this.issues.push({ path, message });
  }
}
