// The values' declared connections, asked probe by probe: is this (source, destination, protocol,
// port) a flow the values declare, and is it in the chart's scope at all (one end is a pod that an
// enabled component selects in the release namespace)? Built on verify's intent (src/verify/checks/intent.ts)
// over the same analysis the expectation uses, so declared, verify and observed name the same ends.
//
// Usage: const declared = declaredOf(expectation.analysis, values, namespace, hosts);
//        declared.inScope(probe)   // true for fineract-uat/fineract-read → 10.20.32.10
//        declared.verdict(probe)   // 'open' when some connection declares it
//        declared.by(probe)        // ['connections.fineract-to-rds']
import type { ValuesOutput } from '../model/values.ts';
import { parseRange } from '../model/cidr.ts';
import type { Analysis, PodClass } from '../verify/analysis/analyze.ts';
import { declaredIntent, type DeclaredFlow, type Target } from '../verify/checks/intent.ts';
import { namespacedName } from '../verify/model/types.ts';
import type { Probe, ProbeHost } from './probe.ts';

export type Declared = {
  namespace: string;
  inScope(probe: Probe): boolean;
  verdict(probe: Probe): 'open' | 'blocked';
  by(probe: Probe): string[];
};

export function declaredOf(
  analysis: Analysis,
  values: ValuesOutput,
  namespace: string,
  hosts: readonly ProbeHost[],
): Declared {
  const intent = declaredIntent(analysis, values, { namespace });
  const classOf = new Map<string, PodClass>();
  for (const cls of analysis.classes) for (const w of cls.workloads) classOf.set(namespacedName(w), cls);
  const addressOf = new Map(hosts.map((h) => [h.key, h.address]));
  const matches = (target: Target, key: string): boolean => {
    if (target.kind === 'pod') return classOf.get(key) === target.cls;
    if (target.kind === 'symbol') return false; // FQDN and entity endpoints (Cilium) are not probe hosts
    const address = addressOf.get(key);
    if (address === undefined || classOf.has(key)) return false;
    const range = parseRange(`${address}/32`);
    return target.range.family === 4 && target.range.start <= range.start && range.end <= target.range.end;
  };
  const flowsOf = (probe: Probe): DeclaredFlow[] =>
    intent.flows.filter(
      (f) => matches(f.from, probe.from) && matches(f.to, probe.to) && f.ports.has(probe.protocol, probe.port),
    );
  return {
    namespace: intent.namespace,
    inScope(probe) {
      const scoped = (key: string) => {
        const cls = classOf.get(key);
        return cls !== undefined && intent.scope.has(cls.id);
      };
      return scoped(probe.from) || scoped(probe.to);
    },
    verdict: (probe) => (flowsOf(probe).length > 0 ? 'open' : 'blocked'),
    by: (probe) => [...new Set(flowsOf(probe).flatMap((f) => f.by))].sort(),
  };
}
