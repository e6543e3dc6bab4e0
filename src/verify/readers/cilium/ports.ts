// The toPorts of a Cilium rule read as ports of the analyzer's model (src/verify/readers/cilium/):
// port strings ("0": every port, a number, a container port name), endPort, protocol (ANY or none:
// all three), and the one L7 rule modelled, rules.dns (egress only).
//
// Usage: const { ports, dns } = toPorts(ctx, rule.toPorts, path, 'egress', 'egress[0]');
import { describe, isRecord, portNameProblem, quote, type Segment } from '../kubernetes.ts';
import type { FqdnSelector, NetworkPolicyPort } from '../../model/types.ts';
import type { CiliumContext, Direction } from './context.ts';

const PORT_RULE_FIELDS = ['ports', 'rules'];

/**
 * toPorts as NetworkPolicy ports: 'all' when absent or `[]` (every port), 'none' when no item
 * lists a port, else the ports (ANY as TCP, UDP and SCTP; "0" as every port of the protocol).
 */
export function toPorts(
  ctx: CiliumContext,
  value: unknown,
  path: Segment[],
  direction: Direction,
  ruleName: string,
): { ports: NetworkPolicyPort[] | 'all' | 'none'; dns: FqdnSelector[] } {
  if (value == null) return { ports: 'all', dns: [] };
  if (!Array.isArray(value)) {
    ctx.issue(path, `must be a list of port rules (got ${describe(value)})`);
    return { ports: 'none', dns: [] };
  }
  if (value.length === 0) return { ports: 'all', dns: [] };
  const out: NetworkPolicyPort[] = [];
  const names: FqdnSelector[] = [];
  value.forEach((item, i) => {
    const at = [...path, i];
    if (!isRecord(item)) {
      ctx.issue(at, `must be a mapping {ports: […]} (got ${describe(item)})`);
      return;
    }
    ctx.unknown(item, at, PORT_RULE_FIELDS, 'a port rule');
    const ports = item['ports'];
    const list = ports == null ? [] : Array.isArray(ports) ? ports : undefined;
    if (list === undefined) {
      ctx.issue([...at, 'ports'], `must be a list (got ${describe(ports)})`);
      return;
    }
    if (list.length > 40)
      ctx.issue([...at, 'ports'], `has ${list.length} ports: Cilium refuses more than 40 in one port rule`);
    const dns = l7Rules(ctx, item['rules'], [...at, 'rules'], direction);
    if (dns.length > 0) {
      ctx.dnsRules.push(`${ruleName}.toPorts[${i}]`);
      if (list.length > 0) names.push(...dns);
    }
    list.forEach((port, p) => {
      out.push(...readPort(ctx, port, [...at, 'ports', p], dns.length > 0));
    });
  });
  return { ports: out.length === 0 ? 'none' : out, dns: names };
}

/** rules of a port rule: the names of its DNS rule (the only L7 rule modelled), [] for none. */
function l7Rules(ctx: CiliumContext, value: unknown, path: Segment[], direction: Direction): FqdnSelector[] {
  if (value == null) return [];
  if (!isRecord(value)) {
    ctx.issue(path, `must be a mapping (got ${describe(value)})`);
    return [];
  }
  ctx.unknown(value, path, ['dns', 'http'], 'L7 rules');
  if (value['http'] != null) {
    ctx.issue(
      [...path, 'http'],
      'is not modelled: an HTTP rule (L7) lets only some requests through Envoy, and verify reports connections (L4); remove it to verify the L4 policy, or check the HTTP rules by other means',
    );
    return [];
  }
  const dns = value['dns'];
  if (dns == null) return [];
  if (direction === 'ingress') {
    ctx.issue([...path, 'dns'], 'DNS rules are egress only: Cilium refuses them on ingress');
    return [];
  }
  if (!Array.isArray(dns)) {
    ctx.issue([...path, 'dns'], `must be a list of {matchName: …} or {matchPattern: …} (got ${describe(dns)})`);
    return [];
  }
  const names: FqdnSelector[] = [];
  dns.forEach((item, i) => {
    if (!isRecord(item)) {
      ctx.issue([...path, 'dns', i], `must be a mapping (got ${describe(item)})`);
      return;
    }
    ctx.unknown(item, [...path, 'dns', i], ['matchName', 'matchPattern'], 'a DNS rule');
    const { matchName, matchPattern } = item;
    if (typeof matchName === 'string' && matchName !== '') names.push({ matchName });
    else if (typeof matchPattern === 'string' && matchPattern !== '') names.push({ matchPattern });
  });
  return names;
}

function readPort(ctx: CiliumContext, value: unknown, path: Segment[], dns: boolean): NetworkPolicyPort[] {
  if (!isRecord(value)) {
    ctx.issue(path, `must be a mapping {port: "…", protocol: …} (got ${describe(value)})`);
    return [];
  }
  ctx.unknown(value, path, ['port', 'endPort', 'protocol'], 'a port');
  const { port, endPort } = value;
  const protocolValue = value['protocol'] ?? 'ANY';
  const protocol = typeof protocolValue === 'string' ? protocolValue.toUpperCase() : protocolValue;
  let protocols: ('TCP' | 'UDP' | 'SCTP')[];
  if (protocol === 'ANY' || protocol === '') protocols = ['TCP', 'UDP', 'SCTP'];
  else if (protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP') protocols = [protocol];
  else {
    ctx.issue(
      [...path, 'protocol'],
      `${describe(protocolValue)} is not modelled: verify models TCP, UDP, SCTP and ANY (all three)`,
    );
    return [];
  }
  if (port == null || port === '') {
    ctx.issue([...path, 'port'], 'is required: Cilium refuses a port rule without port ("0" for every port)');
    return [];
  }
  if (typeof port !== 'string') {
    ctx.issue(
      [...path, 'port'],
      `must be a string (got ${describe(port)}): Cilium's CRD types it as a string, write "${typeof port === 'number' ? port : '…'}"`,
    );
    return [];
  }
  if (
    endPort != null &&
    (typeof endPort !== 'number' || !Number.isInteger(endPort) || endPort < 0 || endPort > 65535)
  ) {
    ctx.issue([...path, 'endPort'], `must be a port number (got ${describe(endPort)})`);
    return [];
  }
  if (/^[0-9]+$/.test(port)) {
    const number = Number(port);
    if (number > 65535 || (port.length > 1 && port.startsWith('0'))) {
      ctx.issue(
        [...path, 'port'],
        `${quote(port)} is not a port number (0 for every port, else 1-65535 without leading zeros)`,
      );
      return [];
    }
    if (number === 0) {
      if (dns) ctx.issue([...path, 'port'], 'is 0 (every port): Cilium refuses L7 rules (rules.dns) on port 0');
      if (endPort != null && endPort !== 0) {
        ctx.issue([...path, 'endPort'], 'needs a port number: port "0" already means every port');
      }
      return protocols.map((p) => ({ protocol: p }));
    }
    const last = typeof endPort === 'number' && endPort !== 0 ? endPort : undefined;
    if (last !== undefined && last < number) {
      ctx.issue([...path, 'endPort'], `${last} must be greater than or equal to port (${number})`);
      return [];
    }
    if (last !== undefined && last > number && dns) {
      ctx.issue([...path, 'endPort'], 'Cilium refuses a port range with DNS rules');
    }
    return protocols.map((p) => ({
      protocol: p,
      port: number,
      ...(last !== undefined && last > number ? { endPort: last } : {}),
    }));
  }
  const name = port.toLowerCase();
  const problem = portNameProblem(name);
  if (problem) {
    ctx.issue([...path, 'port'], problem);
    return [];
  }
  if (endPort != null && endPort !== 0) {
    ctx.issue([...path, 'endPort'], `may not be specified when port is a name (${quote(port)})`);
    return [];
  }
  return protocols.map((p) => ({ protocol: p, port: name }));
}
