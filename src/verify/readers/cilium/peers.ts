// The L3 fields of a Cilium rule read as peers of the analyzer's model (src/verify/readers/cilium/):
// endpoints (label selectors with Cilium's source prefixes and namespace keys), CIDRs (a CIDR or
// one address), CIDR sets (cidr + except), entities and FQDN selectors.
//
// Usage: const p = peer(ctx, 'toCIDRSet', {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}, path);
import { isIP } from 'node:net';
import { addressCidr, canonicalCidr, parseRange, rangeContains } from '../../../model/cidr.ts';
import { ciliumIgnoresLabel, ENTITIES, NAMESPACE_KEY } from '../../model/cilium-symbols.ts';
import { describe, isRecord, quote, readLabels, type KubernetesIssue, type Segment } from '../kubernetes.ts';
import type { LabelSelector, LabelSelectorRequirement, NetworkPolicyPeer } from '../../model/types.ts';
import type { CiliumContext } from './context.ts';

const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
const POLICY_LABELS_PREFIX = 'io.cilium.k8s.policy.';

export function readPeer(
  ctx: CiliumContext,
  kind: string,
  item: unknown,
  path: Segment[],
): NetworkPolicyPeer | undefined {
  switch (kind) {
    case 'fromEndpoints':
    case 'toEndpoints':
      return endpointPeer(ctx, item, path);
    case 'fromCIDR':
    case 'toCIDR': {
      if (typeof item !== 'string') {
        ctx.issue(path, `must be a CIDR string (got ${describe(item)})`);
        return undefined;
      }
      const cidr = readCidr(ctx, item, path, true);
      return cidr === undefined ? undefined : { ipBlock: { cidr } };
    }
    case 'fromCIDRSet':
    case 'toCIDRSet':
      return cidrSetPeer(ctx, item, path);
    case 'fromEntities':
    case 'toEntities':
      if (typeof item !== 'string' || !ENTITIES.includes(item)) {
        ctx.issue(path, `must be a Cilium entity, one of ${ENTITIES.join(', ')} (got ${describe(item)})`);
        return undefined;
      }
      return { entity: item };
    default:
      return fqdnPeer(ctx, item, path);
  }
}

function fqdnPeer(ctx: CiliumContext, item: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
  if (!isRecord(item)) {
    ctx.issue(path, `must be a mapping {matchName: …} or {matchPattern: …} (got ${describe(item)})`);
    return undefined;
  }
  ctx.unknown(item, path, ['matchName', 'matchPattern'], 'an FQDN selector');
  const { matchName, matchPattern } = item;
  if ((matchName == null) === (matchPattern == null) || matchName === '' || matchPattern === '') {
    ctx.issue(
      path,
      'must set exactly one of matchName and matchPattern (Cilium refuses both; neither selects no name)',
    );
    return undefined;
  }
  if (matchName != null) {
    if (typeof matchName !== 'string' || !/^[-a-zA-Z0-9_.]+$/.test(matchName)) {
      ctx.issue(
        [...path, 'matchName'],
        `must be a DNS name of 0-9, a-z, A-Z, ".", "-" and "_" (got ${describe(matchName)})`,
      );
      return undefined;
    }
    return { fqdn: { matchName } };
  }
  if (typeof matchPattern !== 'string' || !/^[-a-zA-Z0-9_.*]+$/.test(matchPattern) || matchPattern.length > 255) {
    ctx.issue(
      [...path, 'matchPattern'],
      `must be a DNS name pattern of 0-9, a-z, A-Z, ".", "-", "_" and "*", at most 255 characters (got ${describe(matchPattern)})`,
    );
    return undefined;
  }
  return { fqdn: { matchPattern } };
}

function cidrSetPeer(ctx: CiliumContext, item: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
  if (!isRecord(item)) {
    ctx.issue(path, `must be a mapping {cidr: …, except: […]} (got ${describe(item)})`);
    return undefined;
  }
  ctx.unknown(item, path, ['cidr', 'except', 'cidrGroupRef', 'cidrGroupSelector'], 'a CIDR rule');
  for (const group of ['cidrGroupRef', 'cidrGroupSelector']) {
    if (item[group] != null) {
      ctx.issue(
        [...path, group],
        'is not modelled: a CiliumCIDRGroup holds its CIDRs in another object, which verify does not read; write the CIDRs in cidr/except',
      );
      return undefined;
    }
  }
  if (typeof item['cidr'] !== 'string') {
    ctx.issue(
      [...path, 'cidr'],
      item['cidr'] == null ? 'is required' : `must be a CIDR string (got ${describe(item['cidr'])})`,
    );
    return undefined;
  }
  const cidr = readCidr(ctx, item['cidr'], [...path, 'cidr'], false);
  const exceptValue = item['except'];
  const except: string[] = [];
  if (exceptValue != null && !Array.isArray(exceptValue)) {
    ctx.issue([...path, 'except'], `must be a list of CIDRs (got ${describe(exceptValue)})`);
  } else if (Array.isArray(exceptValue)) {
    exceptValue.forEach((e, i) => {
      const at = [...path, 'except', i];
      if (typeof e !== 'string') {
        ctx.issue(at, `must be a CIDR string (got ${describe(e)})`);
        return;
      }
      const parsed = readCidr(ctx, e, at, false);
      if (parsed === undefined || cidr === undefined) return;
      if (!rangeContains(parseRange(cidr), parseRange(parsed))) {
        ctx.issue(
          at,
          `${quote(e)} is not inside ${quote(cidr)}: Cilium refuses the rule ("allow CIDR prefix … does not contain exclude CIDR prefix …")`,
        );
        return;
      }
      except.push(parsed);
    });
  }
  if (cidr === undefined) return undefined;
  return { ipBlock: except.length > 0 ? { cidr, except } : { cidr } };
}

/** A CIDR (or, where Cilium allows it, one address) as a canonical CIDR; undefined with an issue. */
function readCidr(ctx: CiliumContext, value: string, path: Segment[], addressAllowed: boolean): string | undefined {
  const family = isIP(value);
  if (family !== 0) {
    if (addressAllowed) return addressCidr(value);
    ctx.issue(path, `${quote(value)} has no prefix length: write ${quote(`${value}/${family === 4 ? 32 : 128}`)}`);
    return undefined;
  }
  const slash = value.indexOf('/');
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const bits = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : 0;
  if (slash < 0 || bits === 0 || !/^(0|[1-9][0-9]*)$/.test(prefix) || Number(prefix) > bits) {
    ctx.issue(path, `${quote(value)} is not a CIDR (such as 10.0.0.0/8 or 2001:db8::/32)`);
    return undefined;
  }
  try {
    return canonicalCidr(value);
  } catch {
    ctx.issue(path, `${quote(value)} is not a CIDR (such as 10.0.0.0/8 or 2001:db8::/32)`);
    return undefined;
  }
}

/** The policy's own endpointSelector: pod labels only (Cilium pins the namespace itself). */
export function subjectSelector(ctx: CiliumContext, value: unknown, path: Segment[]): LabelSelector {
  const read = selector(ctx, value, path);
  if (!read) return {};
  if (read.namespace) {
    ctx.issue(
      path,
      `selects on the namespace (${read.namespaceKeys.join(', ')}), which is not modelled here: a CiliumNetworkPolicy applies to pods of its own namespace (${ctx.namespace}) only; remove those keys`,
    );
  }
  return read.pods;
}

function endpointPeer(ctx: CiliumContext, value: unknown, path: Segment[]): NetworkPolicyPeer | undefined {
  const read = selector(ctx, value, path);
  if (!read) return undefined;
  return read.namespace ? { namespaceSelector: read.namespace, podSelector: read.pods } : { podSelector: read.pods };
}

/**
 * A Cilium endpoint selector split into the pod labels part and the namespace part (the
 * namespace's name as kubernetes.io/metadata.name, and its labels).
 */
function selector(
  ctx: CiliumContext,
  value: unknown,
  path: Segment[],
): { pods: LabelSelector; namespace?: LabelSelector; namespaceKeys: string[] } | undefined {
  if (!isRecord(value)) {
    ctx.issue(path, `must be a label selector mapping (got ${describe(value)})`);
    return undefined;
  }
  ctx.unknown(value, path, ['matchLabels', 'matchExpressions'], 'a label selector');
  const requirements: { key: string; requirement: LabelSelectorRequirement; path: Segment[] }[] = [];
  const matchLabels = value['matchLabels'];
  if (matchLabels != null) {
    if (!isRecord(matchLabels)) ctx.issue([...path, 'matchLabels'], `must be a mapping (got ${describe(matchLabels)})`);
    else {
      for (const [key, v] of Object.entries(matchLabels)) {
        if (typeof v !== 'string') {
          ctx.issue([...path, 'matchLabels', key], `must be a string (got ${describe(v)})`);
          continue;
        }
        requirements.push({
          key,
          requirement: { key, operator: 'In', values: [v] },
          path: [...path, 'matchLabels', key],
        });
      }
    }
  }
  const expressions = value['matchExpressions'];
  if (expressions != null) {
    if (!Array.isArray(expressions))
      ctx.issue([...path, 'matchExpressions'], `must be a list (got ${describe(expressions)})`);
    else {
      expressions.forEach((req, i) => {
        const at = [...path, 'matchExpressions', i];
        if (!isRecord(req)) {
          ctx.issue(at, `must be a mapping (got ${describe(req)})`);
          return;
        }
        ctx.unknown(req, at, ['key', 'operator', 'values'], 'a selector requirement');
        const { key, operator, values } = req;
        if (typeof key !== 'string' || key === '') {
          ctx.issue([...at, 'key'], 'is required (a label key)');
          return;
        }
        if (operator !== 'In' && operator !== 'NotIn' && operator !== 'Exists' && operator !== 'DoesNotExist') {
          ctx.issue([...at, 'operator'], `must be In, NotIn, Exists or DoesNotExist (got ${describe(operator)})`);
          return;
        }
        const list = Array.isArray(values) ? values : [];
        if ((operator === 'In' || operator === 'NotIn') && list.length === 0) {
          ctx.issue([...at, 'values'], `must be specified when operator is ${operator}`);
          return;
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && list.length > 0) {
          ctx.issue([...at, 'values'], `may not be specified when operator is ${operator}`);
          return;
        }
        if (!list.every((v) => typeof v === 'string')) {
          ctx.issue([...at, 'values'], 'must be a list of strings');
          return;
        }
        requirements.push({
          key,
          requirement: { key, operator, ...(list.length > 0 ? { values: [...list] } : {}) },
          path: [...at, 'key'],
        });
      });
    }
  }
  const pods: LabelSelectorRequirement[] = [];
  const namespace: LabelSelectorRequirement[] = [];
  const namespaceKeys: string[] = [];
  for (const { key: written, requirement, path: at } of requirements) {
    const colon = written.indexOf(':');
    const sourceName = colon < 0 ? '' : written.slice(0, colon);
    const key = colon < 0 ? written : written.slice(colon + 1);
    if (sourceName === 'reserved' || written.startsWith('$')) {
      ctx.issue(
        at,
        `${quote(written)} selects one of Cilium's reserved identities, which verify does not model as labels: write fromEntities/toEntities (host, remote-node, world, kube-apiserver, …) instead`,
      );
      continue;
    }
    if (sourceName !== '' && sourceName !== 'k8s' && sourceName !== 'any') {
      ctx.issue(
        at,
        `${quote(written)} has the label source ${quote(sourceName)}, which verify does not model: pod labels are selected with "k8s:", "any:" or no prefix`,
      );
      continue;
    }
    const syntax: KubernetesIssue[] = [];
    readLabels({ [key]: '' }, [], syntax);
    for (const v of requirement.values ?? []) readLabels({ value: v }, [], syntax);
    if (syntax[0]) {
      ctx.issue(at, syntax[0].message);
      continue;
    }
    if (key === NAMESPACE_KEY) {
      namespace.push({ ...requirement, key: 'kubernetes.io/metadata.name' });
      namespaceKeys.push(written);
    } else if (key.startsWith(NAMESPACE_LABELS_PREFIX) && key.length > NAMESPACE_LABELS_PREFIX.length) {
      namespace.push({ ...requirement, key: key.slice(NAMESPACE_LABELS_PREFIX.length) });
      namespaceKeys.push(written);
    } else if (key.startsWith(POLICY_LABELS_PREFIX)) {
      ctx.issue(
        at,
        `${quote(written)} selects on the pod's service account or cluster, which verify does not model (the inventory has neither): select on pod labels`,
      );
    } else if (ciliumIgnoresLabel(key)) {
      ctx.ignoredLabels.add(key);
      // The label is never part of the identity: absent for the selector.
      if (requirement.operator === 'In' || requirement.operator === 'Exists') {
        pods.push({ key, operator: 'In', values: [] });
      }
    } else {
      pods.push({ ...requirement, key });
    }
  }
  const toSelector = (reqs: LabelSelectorRequirement[]): LabelSelector => {
    const labels: Record<string, string> = {};
    const rest: LabelSelectorRequirement[] = [];
    for (const r of reqs) {
      const only = r.values?.[0];
      if (r.operator === 'In' && r.values?.length === 1 && only !== undefined && !Object.hasOwn(labels, r.key)) {
        labels[r.key] = only;
      } else rest.push(r);
    }
    return {
      ...(Object.keys(labels).length > 0 ? { matchLabels: labels } : {}),
      ...(rest.length > 0 ? { matchExpressions: rest } : {}),
    };
  };
  return {
    pods: toSelector(pods),
    ...(namespace.length > 0 ? { namespace: toSelector(namespace) } : {}),
    namespaceKeys,
  };
}
