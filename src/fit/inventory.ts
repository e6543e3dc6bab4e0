// Stage 1 of fit: a deployment's manifests read into what fit reasons about — workloads with their
// containers (ports, env, args, the ConfigMaps they read), Services, Ingresses, ServiceMonitors
// and PodMonitors, ConfigMaps — each with where it was written. Read as verify reads manifests
// (src/verify/readers/load.ts: files, folders, stdin, Lists); objects of other kinds are ignored.
//
// Usage: const inventory = await readDeployment(['rendered/uat.yaml', 'jobs.yaml'], { namespace: 'fineract-uat' });
//        inventory.workloads[0].containers[0].env   // [{name: 'SPRING_REDIS_HOST', value: 'fineract-redis'}, …]
import { loadManifests } from '../verify/readers/load.ts';
import type { SourceRef } from '../verify/model/types.ts';

type Json = Record<string, unknown>;

export type EnvVar = {
  name: string;
  /** A literal value. */
  value?: string;
  /** `secretKeyRef`: the value is in a Secret (never read). */
  secret?: { name: string; key: string };
  /** `configMapKeyRef`: the value is in a ConfigMap. */
  configMap?: { name: string; key: string };
};

export type ContainerPort = { name?: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' };

export type Container = {
  name: string;
  /** The image as written (`quay.io/keycloak/keycloak:26.4.0`). */
  image: string;
  /** An init container (run before the others) or a regular one (sidecars included). */
  init: boolean;
  ports: ContainerPort[];
  env: EnvVar[];
  /** The command and args, each as written. */
  args: string[];
  /** ConfigMaps read whole (envFrom). */
  envFrom: string[];
};

export type FitWorkload = {
  kind: string;
  namespace: string;
  name: string;
  /** The pod template's labels (what policies select). */
  labels: Record<string, string>;
  containers: Container[];
  /** ConfigMaps mounted as volumes. */
  volumes: string[];
  source: SourceRef;
};

export type ServicePort = { name?: string; port: number; targetPort: number | string; protocol: string };
export type FitService = {
  namespace: string;
  name: string;
  /** The Service's own labels (what ServiceMonitors select). */
  labels: Record<string, string>;
  selector: Record<string, string>;
  ports: ServicePort[];
  source: SourceRef;
};

export type IngressBackend = { service: string; port: number | string };
export type FitIngress = {
  namespace: string;
  name: string;
  backends: IngressBackend[];
  /** Its annotations (ingress-nginx's auth-url, snippets with proxy_pass …). */
  annotations: Record<string, string>;
  source: SourceRef;
};

/** A ServiceMonitor (selects Services) or a PodMonitor (selects pods). */
export type FitMonitor = {
  kind: 'ServiceMonitor' | 'PodMonitor';
  namespace: string;
  name: string;
  selector: Record<string, string>;
  /** The namespaces it looks in (its own when empty, every one with `any`). */
  namespaces: string[] | 'any';
  /** The ports it scrapes: a port name, or a number. */
  ports: (string | number)[];
  source: SourceRef;
};

export type FitConfigMap = { namespace: string; name: string; data: Record<string, string>; source: SourceRef };

export type Deployment = {
  workloads: FitWorkload[];
  services: FitService[];
  ingresses: FitIngress[];
  monitors: FitMonitor[];
  configMaps: FitConfigMap[];
  /** The namespaces named by the input (Namespace objects and the objects' own), with their labels. */
  namespaces: { name: string; labels: Record<string, string> }[];
};

const POD_TEMPLATES: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return node;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const labelsOf = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/** Reads the manifests of a deployment. Throws InputError as verify's reader does (file:line). */
export async function readDeployment(paths: string[], options: { namespace?: string } = {}): Promise<Deployment> {
  const objects: { object: Json; source: SourceRef }[] = [];
  const loaded = await loadManifests(paths, {
    ...(options.namespace ? { defaultNamespace: options.namespace } : {}),
    onObject: (object, source) => {
      if (object.kind === 'List' || (typeof object.kind === 'string' && object.kind.endsWith('List'))) {
        for (const item of list(object.items)) if (isRecord(item)) objects.push({ object: item, source });
      } else {
        objects.push({ object, source });
      }
    },
  });
  const defaultNamespace = options.namespace ?? 'default';
  const deployment: Deployment = {
    workloads: [],
    services: [],
    ingresses: [],
    monitors: [],
    configMaps: [],
    namespaces: [],
  };
  const namespaces = new Map(loaded.namespaces.map((n) => [n.name, { ...n.labels }]));
  for (const { object, source } of objects) {
    const kind = str(object.kind) ?? '';
    const name = str(at(object, 'metadata', 'name')) ?? '';
    const namespace = str(at(object, 'metadata', 'namespace')) ?? defaultNamespace;
    if (kind === 'Namespace') continue;
    if (!namespaces.has(namespace)) namespaces.set(namespace, {});
    const template = POD_TEMPLATES[kind];
    if (template) {
      const pod = at(object, ...template);
      deployment.workloads.push({
        kind,
        namespace,
        name,
        labels: labelsOf(at(pod, 'metadata', 'labels')),
        containers: [
          ...list(at(pod, 'spec', 'initContainers')).map((c) => container(c, true)),
          ...list(at(pod, 'spec', 'containers')).map((c) => container(c, false)),
        ],
        volumes: list(at(pod, 'spec', 'volumes')).flatMap((v) => {
          const configMap = str(at(v, 'configMap', 'name'));
          return configMap ? [configMap] : [];
        }),
        source,
      });
    } else if (kind === 'Service') {
      deployment.services.push({
        namespace,
        name,
        labels: labelsOf(at(object, 'metadata', 'labels')),
        selector: labelsOf(at(object, 'spec', 'selector')),
        ports: list(at(object, 'spec', 'ports')).flatMap((p): ServicePort[] => {
          const port = at(p, 'port');
          if (typeof port !== 'number') return [];
          const target = at(p, 'targetPort');
          const portName = str(at(p, 'name'));
          return [
            {
              ...(portName ? { name: portName } : {}),
              port,
              targetPort: typeof target === 'number' || typeof target === 'string' ? target : port,
              protocol: str(at(p, 'protocol')) ?? 'TCP',
            },
          ];
        }),
        source,
      });
    } else if (kind === 'Ingress') {
      const backends: IngressBackend[] = [];
      const backend = (b: unknown) => {
        const service = str(at(b, 'service', 'name'));
        const number = at(b, 'service', 'port', 'number');
        const portName = str(at(b, 'service', 'port', 'name'));
        const port = typeof number === 'number' ? number : portName;
        if (service && port !== undefined) backends.push({ service, port });
      };
      backend(at(object, 'spec', 'defaultBackend'));
      for (const rule of list(at(object, 'spec', 'rules'))) {
        for (const path of list(at(rule, 'http', 'paths'))) backend(at(path, 'backend'));
      }
      deployment.ingresses.push({
        namespace,
        name,
        backends,
        annotations: labelsOf(at(object, 'metadata', 'annotations')),
        source,
      });
    } else if (kind === 'ServiceMonitor' || kind === 'PodMonitor') {
      const endpoints = list(at(object, 'spec', kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints'));
      const any = at(object, 'spec', 'namespaceSelector', 'any') === true;
      const names = list(at(object, 'spec', 'namespaceSelector', 'matchNames')).flatMap((n) => str(n) ?? []);
      deployment.monitors.push({
        kind,
        namespace,
        name,
        selector: labelsOf(at(object, 'spec', 'selector', 'matchLabels')),
        namespaces: any ? 'any' : names.length > 0 ? names : [namespace],
        ports: endpoints.flatMap((e): (string | number)[] => {
          const port = at(e, 'port') ?? at(e, 'targetPort');
          return typeof port === 'string' || typeof port === 'number' ? [port] : [];
        }),
        source,
      });
    } else if (kind === 'ConfigMap') {
      deployment.configMaps.push({ namespace, name, data: labelsOf(at(object, 'data')), source });
    }
  }
  // Items of a List: the line of the item, as verify's reader knows it.
  for (const workload of deployment.workloads) {
    const read = loaded.workloads.find(
      (w) => w.kind === workload.kind && w.namespace === workload.namespace && w.name === workload.name,
    );
    if (read?.source) workload.source = read.source;
  }
  // Every namespace carries its name as a label (the API server sets it).
  deployment.namespaces = [...namespaces.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, labels]) => ({ name, labels: { ...labels, 'kubernetes.io/metadata.name': name } }));
  return deployment;
}

function container(value: unknown, init: boolean): Container {
  const protocol = (p: unknown): ContainerPort['protocol'] => {
    const text = str(at(p, 'protocol'));
    return text === 'UDP' || text === 'SCTP' ? text : 'TCP';
  };
  return {
    name: str(at(value, 'name')) ?? '',
    image: str(at(value, 'image')) ?? '',
    init,
    ports: list(at(value, 'ports')).flatMap((p): ContainerPort[] => {
      const port = at(p, 'containerPort');
      const portName = str(at(p, 'name'));
      return typeof port === 'number' ? [{ ...(portName ? { name: portName } : {}), port, protocol: protocol(p) }] : [];
    }),
    env: list(at(value, 'env')).flatMap((e): EnvVar[] => {
      const name = str(at(e, 'name'));
      if (!name) return [];
      const literal = str(at(e, 'value'));
      const secretName = str(at(e, 'valueFrom', 'secretKeyRef', 'name'));
      const configName = str(at(e, 'valueFrom', 'configMapKeyRef', 'name'));
      return [
        {
          name,
          ...(literal !== undefined ? { value: literal } : {}),
          ...(secretName
            ? { secret: { name: secretName, key: str(at(e, 'valueFrom', 'secretKeyRef', 'key')) ?? '' } }
            : {}),
          ...(configName
            ? { configMap: { name: configName, key: str(at(e, 'valueFrom', 'configMapKeyRef', 'key')) ?? '' } }
            : {}),
        },
      ];
    }),
    args: [...list(at(value, 'command')), ...list(at(value, 'args'))].flatMap((a) => str(a) ?? []),
    envFrom: list(at(value, 'envFrom')).flatMap((e) => str(at(e, 'configMapRef', 'name')) ?? []),
  };
}
