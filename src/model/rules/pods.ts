// Rules of the pods the values name outside the components: peers, the DNS target and the
// monitoring source (each one peer item: namespace or namespaceSelector, AND podSelector).
// Go twin: fineract-netpol.validate.pods, .peerOverlaps and the Cilium label check of
// fineract-netpol.validate.values (chart/templates/_validate.tpl).
import { CILIUM_IGNORED_LABEL_KEY } from '../patterns.ts';
import { defineRule, type Path, type RuleProblem } from './rule.ts';
import { implies, requirementsOf } from './selectors.ts';
import { hasEntries, isMap, isNamed, selectsAll } from './view.ts';

export const podsNamespaceAndSelector = defineRule({
  id: 'pods-namespace-and-selector',
  summary: 'A peer, the DNS target or the monitoring source sets both namespace and namespaceSelector.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'is set together with namespace %{namespace:q}: pods name their namespace(s) one way',
      fix: "keep one: remove the other, or set it to null in an override (namespace: null replaces the chart's default namespace)",
    },
  },
  check(view) {
    return view
      .pods()
      .filter(({ pods }) => isNamed(pods.namespace) && isMap(pods.namespaceSelector))
      .map(({ path, pods }) =>
        this.problem(
          [...path, 'namespaceSelector'],
          { namespace: String(pods.namespace) },
          { related: [[...path, 'namespace']] },
        ),
      );
  },
});

export const podsNamespaceSelectorSelectsAll = defineRule({
  id: 'pods-namespace-selector-selects-all',
  summary: 'A namespaceSelector (without namespace) selects every namespace of the cluster.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'selects every namespace of the cluster',
      fix: 'name the namespace (namespace: <name>) or list its labels (matchLabels: {…})',
    },
  },
  check(view) {
    return view
      .pods()
      .filter(
        ({ pods }) => !isNamed(pods.namespace) && isMap(pods.namespaceSelector) && selectsAll(pods.namespaceSelector),
      )
      .map(({ path }) => this.problem([...path, 'namespaceSelector']));
  },
});

export const podsSelectAll = defineRule({
  id: 'pods-select-all',
  summary: 'The podSelector of a peer, the DNS target or the monitoring source selects every pod of its namespace(s).',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'selects every pod of its namespace(s)',
      fix: 'list the labels of the pods that need access (e.g. matchLabels: {app.kubernetes.io/name: …})',
    },
  },
  check(view) {
    return view
      .pods()
      .filter(({ pods }) => isMap(pods.podSelector) && selectsAll(pods.podSelector))
      .map(({ path }) => this.problem([...path, 'podSelector']));
  },
});

export const peerOverlapsComponent = defineRule({
  id: 'peer-overlaps-component',
  summary:
    "A peer in the release namespace surely shares pods with an enabled component: the component's policy governs them, so the peer's flows would be open on one side only.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        "selects pods of component %{component:q} (%{relation}): %{component}'s policy governs those pods and does not allow this peer's flows, so they would be open on one side only",
      fix: "connect to {component: %{component}} instead of {peer: %{peer}}; to reach only these pods, make them a component of their own (components.<name>.podSelector: this selector), whose policy Kubernetes adds to %{component}'s for them",
    },
  },
  phrases: {
    narrower: 'every pod it selects is a %{component} pod',
    wider: 'it selects every %{component} pod',
  },
  check(view) {
    const components = view.enabledComponents().flatMap(([name, component]) => {
      const requirements = selectsAll(component.podSelector) ? undefined : requirementsOf(component.podSelector);
      return requirements ? [{ name, requirements }] : [];
    });
    const problems: RuleProblem[] = [];
    for (const [name, peer] of view.peers()) {
      if (isNamed(peer.namespace) || hasEntries(peer.namespaceSelector) || selectsAll(peer.podSelector)) continue;
      const own = requirementsOf(peer.podSelector);
      if (!own) continue;
      for (const component of components) {
        const narrower = implies(own, component.requirements);
        if (!narrower && !implies(component.requirements, own)) continue;
        const relation = this.phrase(narrower ? 'narrower' : 'wider', { component: component.name });
        problems.push(
          this.problem(
            ['peers', name, 'podSelector'],
            { component: component.name, peer: name, relation },
            { related: [['components', component.name, 'podSelector']] },
          ),
        );
      }
    }
    return problems;
  },
});

export const ciliumIgnoredLabel = defineRule({
  id: 'cilium-ignored-label',
  summary:
    "With policyEngine cilium, a pod selector uses a label Cilium's default label filter leaves out of security identities: the policy could not select by it.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        'Cilium leaves the pod label %{key:q} out of its security identities (its default label filter), so a CiliumNetworkPolicy cannot select by it',
      fix: 'select the pods by another label, or set policyEngine: kubernetes',
    },
  },
  check(view) {
    if (!view.cilium) return [];
    const selectors: [Path, unknown][] = [
      ...view.enabledComponents().map(([name, c]): [Path, unknown] => [['components', name], c.podSelector]),
      ...view.pods().map(({ path, pods }): [Path, unknown] => [path, pods.podSelector]),
    ];
    const problems: RuleProblem[] = [];
    for (const [path, selector] of selectors) {
      if (!isMap(selector)) continue;
      const keys: [Path, string][] = [];
      if (isMap(selector.matchLabels)) {
        for (const key of Object.keys(selector.matchLabels).sort())
          keys.push([[...path, 'podSelector', 'matchLabels', key], key]);
      }
      if (Array.isArray(selector.matchExpressions)) {
        selector.matchExpressions.forEach((e: unknown, i) => {
          if (isMap(e) && typeof e.key === 'string')
            keys.push([[...path, 'podSelector', 'matchExpressions', i, 'key'], e.key]);
        });
      }
      for (const [at, key] of keys) {
        if (CILIUM_IGNORED_LABEL_KEY.test(key))
          problems.push(this.problem(at, { key }, { related: [['policyEngine']] }));
      }
    }
    return problems;
  },
});
