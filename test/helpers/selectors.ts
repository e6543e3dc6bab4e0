// Kubernetes label selectors, evaluated the way the API server does, and a workload inventory
// (Deployments/StatefulSets → the labels of the pods they create) to evaluate them against.
//
// Usage:
//   const inventory = loadInventory('/work/shared/fixtures/fineract-workloads.yaml');
//   matchesSelector({ matchLabels: { app: 'keycloak' } }, pod.labels)     // true / false
//   selectPods(inventory, { namespace: 'monitoring', podSelector })       // pods, by workload name
//
// Semantics (k8s.io/apimachinery metav1.LabelSelectorAsSelector): matchLabels and every
// matchExpressions requirement are ANDed; an empty selector ({}) selects everything. In needs the
// label present with one of `values`; NotIn holds when the label is absent or has none of them;
// Exists/DoesNotExist look at the key only. A requirement the API server would refuse (In/NotIn
// without values, Exists/DoesNotExist with values, an unknown operator) throws.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export type Labels = Record<string, string>;

export type Requirement = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
};

export type LabelSelector = {
  matchLabels?: Labels;
  matchExpressions?: Requirement[];
};

export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, labels));
}

function matchesRequirement(req: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) throw new Error(`${req.operator} requirement on "${req.key}" needs values`);
      const inSet = has && values.includes(labels[req.key] as string);
      return req.operator === 'In' ? inSet : !inSet;
    }
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw new Error(`${req.operator} requirement on "${req.key}" takes no values`);
      return req.operator === 'Exists' ? has : !has;
    default:
      throw new Error(`unknown label selector operator ${JSON.stringify((req as { operator: unknown }).operator)}`);
  }
}

/** A pod template of a workload: the labels every pod of that workload carries. */
export type Pod = { workload: string; kind: string; namespace: string; labels: Labels };

export type Inventory = {
  /** Namespace name → its labels. */
  namespaces: Map<string, Labels>;
  pods: Pod[];
};

type Manifest = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Labels };
  spec?: { template?: { metadata?: { labels?: Labels } } };
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Reads Namespaces and the pod templates of workloads from a multi-document YAML file. */
export function loadInventory(path: string): Inventory {
  const namespaces = new Map<string, Labels>();
  const pods: Pod[] = [];
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as Manifest | null;
    if (!obj?.kind || !obj.metadata?.name) continue;
    if (obj.kind === 'Namespace') {
      namespaces.set(obj.metadata.name, { ...obj.metadata.labels });
    } else if (WORKLOAD_KINDS.has(obj.kind)) {
      pods.push({
        workload: obj.metadata.name,
        kind: obj.kind,
        namespace: obj.metadata.namespace ?? 'default',
        labels: { ...obj.spec?.template?.metadata?.labels },
      });
    }
  }
  return { namespaces, pods };
}

/**
 * Where pods are looked for: `namespace` (a name, matched through the namespace label
 * `namespaceLabelKey`), or `namespaceSelector`, or neither for `releaseNamespace`.
 */
export type PodQuery = {
  namespace?: string;
  namespaceSelector?: LabelSelector;
  podSelector: LabelSelector;
  namespaceLabelKey?: string;
  releaseNamespace?: string;
};

/** The names of the workloads whose pods the query selects, sorted. */
export function selectPods(inventory: Inventory, query: PodQuery): string[] {
  const labelKey = query.namespaceLabelKey ?? 'kubernetes.io/metadata.name';
  const inNamespace = (ns: string): boolean => {
    if (query.namespace !== undefined) {
      // Selected by label, as the chart renders it: a namespace without the label is not selected.
      return inventory.namespaces.get(ns)?.[labelKey] === query.namespace;
    }
    if (query.namespaceSelector) return matchesSelector(query.namespaceSelector, inventory.namespaces.get(ns) ?? {});
    return ns === query.releaseNamespace;
  };
  return inventory.pods
    .filter((pod) => inNamespace(pod.namespace) && matchesSelector(query.podSelector, pod.labels))
    .map((pod) => pod.workload)
    .sort();
}
