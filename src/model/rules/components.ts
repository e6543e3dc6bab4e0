// Rules of the components: what their policies select and what they are named.
// Go twin: fineract-netpol.validate.values (chart/templates/_validate.tpl).
import { defineRule, type Path } from './rule.ts';
import { isEnabled, isNamed, selectsAll } from './view.ts';

export const componentSelectsAll = defineRule({
  id: 'component-selects-all',
  summary: "An enabled component's podSelector selects every pod of the namespace.",
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: "selects every pod of the namespace: the component's policy would isolate them all",
      fix: "list the labels of the component's pods (e.g. matchLabels: {app.kubernetes.io/name: …}); for a namespace-wide deny-all policy use defaultDeny.enabled",
    },
  },
  check(view) {
    return view
      .enabledComponents()
      .filter(([, component]) => selectsAll(component.podSelector))
      .map(([name]) => this.problem(['components', name, 'podSelector']));
  },
});

export const policyNameUnique = defineRule({
  id: 'policy-name-unique',
  summary:
    'Two policies of the release (components, defaultDeny) have the same name: the second would replace the first.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: '%{policyName:q} is already the name of the policy of %{owner}: the second would replace the first',
      fix: 'give each policy its own name',
    },
  },
  check(view) {
    const owners = new Map<string, Path>();
    const defaultDeny = view.section('defaultDeny');
    if (defaultDeny && isEnabled(defaultDeny)) {
      owners.set(isNamed(defaultDeny.policyName) ? defaultDeny.policyName : 'default-deny-all', ['defaultDeny']);
    }
    const problems = [];
    for (const [name, component] of view.enabledComponents()) {
      const policyName = isNamed(component.policyName) ? component.policyName : `${name}-network-policy`;
      const owner = owners.get(policyName);
      if (owner) {
        problems.push(
          this.problem(
            ['components', name, 'policyName'],
            { policyName, owner: owner.join('.') },
            { related: [['components', name], owner] },
          ),
        );
      } else {
        owners.set(policyName, ['components', name]);
      }
    }
    return problems;
  },
});
