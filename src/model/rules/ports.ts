// Rules of the port lists the chart renders: a connection's ports, a component's metricsPorts
// (when monitoring is enabled) and dns.ports (when dns is enabled).
// Go twin: fineract-netpol.plan.ports (chart/templates/_plan.tpl).
import { PORT_NAME } from '../patterns.ts';
import { defineRule, type Path, type RuleProblem } from './rule.ts';
import { isMap, type ValuesView } from './view.ts';

export const portsEmpty = defineRule({
  id: 'ports-empty',
  summary: 'A list of ports the chart renders is empty or missing (the chart never allows all ports).',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'lists no port',
      fix: 'list at least one port, such as [{port: 8080}] (this chart never allows all ports)',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const namedPortToNetwork = defineRule({
  id: 'named-port-to-network',
  summary: 'A named port towards a network: only pods have named ports.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message:
        'named port %{port:q} cannot be resolved for a network (ipBlock) destination: only pods have named ports',
      fix: 'use the port number',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const namedPortWithEndPort = defineRule({
  id: 'named-port-with-end-port',
  summary: 'endPort next to a named port: a range needs numbers.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: 'cannot be used with the named port %{port:q}',
      fix: 'use a numeric port for a range, or remove endPort',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

export const endPortBelowPort = defineRule({
  id: 'end-port-below-port',
  summary: 'endPort is below port: the range is empty.',
  severity: 'error',
  chart: true,
  messages: {
    default: {
      message: '%{endPort:d} is below port %{port:d}; endPort must be >= port',
      fix: 'did you mean port: %{endPort:d}, endPort: %{port:d}?',
    },
  },
  check(view) {
    return ownProblems(view, this.id);
  },
});

/** A list of ports the chart renders, where it is, and whether it points at a network. */
export type PortList = { path: Path; ports: unknown; toNetwork: boolean };

/** The problems of one list of ports, of every rule above, in the chart's order. */
export function portProblems({ path, ports, toNetwork }: PortList): RuleProblem[] {
  if (!Array.isArray(ports) || ports.length === 0) {
    // Not a list at all is the schema's problem (the chart's shape guard stops before this).
    return ports === undefined || ports === null || Array.isArray(ports) ? [portsEmpty.problem(path)] : [];
  }
  const problems: RuleProblem[] = [];
  ports.forEach((entry: unknown, i) => {
    if (!isMap(entry)) return;
    const { port, endPort } = entry;
    if (typeof port === 'string' && PORT_NAME.test(port)) {
      if (toNetwork) problems.push(namedPortToNetwork.problem([...path, i, 'port'], { port }));
      if (endPort !== undefined) problems.push(namedPortWithEndPort.problem([...path, i, 'endPort'], { port }));
    } else if (typeof port === 'number' && typeof endPort === 'number' && endPort < port) {
      problems.push(endPortBelowPort.problem([...path, i, 'endPort'], { port, endPort }));
    }
  });
  return problems;
}

/**
 * Every list of ports the chart renders, in its order: the enabled connections' (towards a network
 * when the destination names one, defined or not), the metricsPorts of enabled components when
 * monitoring is enabled, dns.ports when dns is enabled.
 */
export function portLists(view: ValuesView): PortList[] {
  return view.once('port-lists', () => {
    const lists: PortList[] = view.connections().map(([name, connection]) => {
      const to = view.end(name, 'to');
      return {
        path: ['connections', name, 'ports'],
        ports: connection.ports,
        toNetwork: to.state !== 'malformed' && to.kind === 'network',
      };
    });
    if (view.monitoring()) {
      for (const [name, component] of view.enabledComponents()) {
        const metrics = component.metricsPorts;
        if (Array.isArray(metrics) && metrics.length > 0) {
          lists.push({ path: ['components', name, 'metricsPorts'], ports: metrics, toNetwork: false });
        }
      }
    }
    const dns = view.dns();
    if (dns) lists.push({ path: ['dns', 'ports'], ports: dns.ports, toNetwork: false });
    return lists;
  });
}

function ownProblems(view: ValuesView, rule: string): RuleProblem[] {
  return portLists(view).flatMap((list) => portProblems(list).filter((p) => p.rule === rule));
}
