// Stage 2 of fit: the flows a deployment needs, read from its manifests, each with the places that
// say so — and what could not be read into a flow, and why.
//
//   - egress of the release namespace's workloads: every URL and host:port in their env (literal,
//     from a ConfigMap key, envFrom), the ConfigMaps they mount and their command lines; a
//     `<X>_HOST`/`_HOSTNAME` beside `<X>_PORT`; hosts held in Secrets (a database endpoint) with
//     the port the engine implies (PGHOST, KC_DB=postgres, a JDBC driver, psql …) — a host fit
//     cannot see; `*_S3_ENABLED=true` (S3 over HTTPS);
//   - cluster DNS names (svc, svc.ns, svc.ns.svc[.cluster.local]) resolved through the Services of
//     the input to the pods they select and their target ports (named ports too);
//   - ingress from the ingress controller to every Ingress backend (and URLs in its annotations);
//   - scrapes: ServiceMonitors (Services by their labels) and PodMonitors, from the monitoring
//     pods of the values, with what Keycloak and OAuth2 Proxy really serve /metrics on.
//
// Usage: const { needs, unresolved, skipped } = readNeeds(deployment, { namespace: 'fineract-uat', monitoring });
//        needs[0]  // {from: [w], to: {kind: 'pods', workloads: [redis]}, port: 6379, protocol: 'TCP', where: [...]}
import type { LabelSelector } from '../model/expand.ts';
import { matchesSelector } from '../verify/model/selectors.ts';
import type { Container, Deployment, FitService, FitWorkload } from './inventory.ts';

/** Where a need was read: the object (file:line) and the key inside it. */
export type Where = { file: string; line: number; what: string };

export type Target =
  /** Pods of the input (a Service's backends, or selected by a monitor). */
  | { kind: 'pods'; workloads: FitWorkload[]; via: string }
  /** An address outside the cluster: a host written out, or one held in a Secret. */
  | { kind: 'external'; host?: string; secret?: { name: string; key: string }; service?: 's3' };

export type Need = {
  from: FitWorkload;
  to: Target;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** egress: the app calls out; ingress: the Ingress controller; scrape: Prometheus. */
  role: 'egress' | 'ingress' | 'scrape';
  where: Where[];
};

/** Something that names a flow fit could not turn into one (no Service, no port…). */
export type Unresolved = { what: string; why: string; where: Where };

export type ReadNeedsOptions = {
  /** The release namespace: its workloads are the ones fitted. */
  namespace: string;
  /** The monitoring pods of the values (Prometheus); undefined when monitoring is off. */
  monitoring?: { namespace?: string; namespaceSelector?: LabelSelector; podSelector: LabelSelector };
  /** The Ingress controller's pods. @default the workloads labelled app.kubernetes.io/name=ingress-nginx */
  ingressController?: (w: FitWorkload) => boolean;
};

export type Needs = { needs: Need[]; unresolved: Unresolved[]; skipped: Unresolved[] };

const SCHEME_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  grpc: 80,
  grpcs: 443,
  redis: 6379,
  rediss: 6379,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  mongodb: 27017,
  amqp: 5672,
  amqps: 5671,
  ldap: 389,
  ldaps: 636,
  smtp: 25,
  smtps: 465,
  kafka: 9092,
  nats: 4222,
};

/** Ports an engine implies for a host whose port is not written (database hosts in Secrets). */
const ENGINE_HINTS: { test: (text: string) => boolean; port: number; engine: string }[] = [
  {
    test: (t) => /postgres|\bpsql\b|\bPG(HOST|PORT|USER|DATABASE)\b|pg_isready/i.test(t),
    port: 5432,
    engine: 'PostgreSQL',
  },
  { test: (t) => /mysql|mariadb/i.test(t), port: 3306, engine: 'MySQL' },
];

const LISTEN_ONLY = /^(0\.0\.0\.0|127\.\d+\.\d+\.\d+|localhost|::|::1|\[::\]|\[::1\])$/i;
const URL_RE =
  /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s/@"'`]*@)?(\[[0-9a-f:]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::(\d{1,5}))?/gi;
// host:port outside URLs; a dotted name ends in a label with a letter (not 1.5:30).
const HOST_PORT_RE =
  /(?<![\w.:/$-])((?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]*[a-z][a-z0-9-]*)*|\d{1,3}(?:\.\d{1,3}){3}):(\d{2,5})\b/gi;
const ADDRESS_NAME = /(_HOST|_HOSTNAME|_ADDR|_ADDRESS|_SERVER)$/;
const SECRET_HOST_NAME = /((^|_)(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|ENDPOINT|URL|URI|JDBC_URL)|^PGHOST(ADDR)?)$/;

/** A piece of text a container reads, and where it is. */
type Text = { text: string; where: Where; env?: string };

type Found = { host: string; port?: number; scheme?: string; text: Text };

/** The flows the deployment needs (see the file's head). */
export function readNeeds(deployment: Deployment, options: ReadNeedsOptions): Needs {
  const out: Needs = { needs: [], unresolved: [], skipped: [] };
  const fitted = deployment.workloads.filter((w) => w.namespace === options.namespace);
  for (const workload of fitted) egressOf(deployment, workload, out);
  ingressOf(deployment, options, out);
  if (options.monitoring) scrapesOf(deployment, options.monitoring, options.namespace, out);
  out.needs = mergeNeeds(out.needs);
  return out;
}

// ---- egress --------------------------------------------------------------------------------

function egressOf(deployment: Deployment, workload: FitWorkload, out: Needs): void {
  const object = `${workload.kind} ${workload.namespace}/${workload.name}`;
  const at = (what: string): Where => ({ ...workload.source, what: `${object}, ${what}` });
  const textsByContainer = workload.containers.map((c) => textsOf(deployment, workload, c, at));
  // An issuer URL beside a JWK set URI is never fetched (Spring validates tokens with the JWK set):
  // wherever the pod reads that URL (env, a mounted file), it is not a flow.
  const jwk = workload.containers.some((c) => c.env.some((e) => /JWK_SET_URI$/.test(e.name)));
  const issuers = new Set(
    jwk
      ? textsByContainer
          .flat()
          .filter((t) => t.env && /ISSUER_URI$|ISSUER_URL$/.test(t.env))
          .map((t) => t.text.trim())
      : [],
  );
  workload.containers.forEach((container, index) => {
    const texts = textsByContainer[index]!;
    const all = texts.map((t) => t.text).join('\n');
    const literal = (name: string) => texts.find((t) => t.env === name)?.text;

    const found: Found[] = [];
    for (const text of texts) {
      if (issuers.has(text.text.trim())) {
        out.skipped.push({
          what: text.text.trim(),
          why: 'an issuer URL beside a JWK set URI: tokens are checked with the JWK set, the issuer is not contacted',
          where: text.where,
        });
        continue;
      }
      found.push(...hostsIn(text));
      // <X>_HOST / _HOSTNAME / _ADDR = name, with <X>_PORT = number.
      if (text.env && ADDRESS_NAME.test(text.env) && /^[a-z0-9.-]+$/i.test(text.text.trim())) {
        const prefix = text.env.replace(ADDRESS_NAME, '');
        const port = Number(literal(`${prefix}_PORT`));
        if (Number.isInteger(port) && port > 0) found.push({ host: text.text.trim(), port, text });
      }
    }
    for (const f of found) resolveHost(deployment, workload, workload.namespace, f, 'egress', out);

    // Hosts held in Secrets: the address is out of sight, the port comes from a sibling or the engine.
    const secretHosts = new Map<string, { secret: { name: string; key: string }; port?: number; where: Where[] }>();
    for (const e of container.env) {
      if (!e.secret || !SECRET_HOST_NAME.test(e.name) || /PASSWORD|USER|SECRET|TOKEN/.test(e.name)) continue;
      // libpq's PGHOST pairs with PGPORT; <X>_HOST with <X>_PORT.
      const portName = /^PGHOST/.test(e.name)
        ? 'PGPORT'
        : `${e.name.replace(/_?(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|ENDPOINT|URL|URI|JDBC_URL)$/, '')}_PORT`;
      const sibling = Number(literal(portName));
      const engine = ENGINE_HINTS.find((h) => h.test(all) || h.test(e.name));
      const port = Number.isInteger(sibling) && sibling > 0 ? sibling : engine?.port;
      const key = `${e.secret.name}/${e.secret.key === 'jdbc-url' ? 'host' : e.secret.key}`;
      const entry = secretHosts.get(key) ?? { secret: e.secret, where: [] };
      if (port !== undefined) entry.port ??= port;
      entry.where.push(at(`container ${container.name}, env ${e.name} (Secret ${e.secret.name} key ${e.secret.key})`));
      secretHosts.set(key, entry);
    }
    // Scripts that export a literal port for such a host (export PGPORT="5432").
    const exported = /\bPGPORT=["']?(\d{2,5})/.exec(all);
    for (const entry of secretHosts.values()) {
      const port = entry.port ?? (exported ? Number(exported[1]) : undefined);
      if (port === undefined) {
        out.unresolved.push({
          what: `the host in Secret ${entry.secret.name} key ${entry.secret.key}`,
          why: 'no port beside it and no engine fit knows: declare the connection yourself',
          where: entry.where[0]!,
        });
        continue;
      }
      out.needs.push({
        from: workload,
        to: { kind: 'external', secret: entry.secret },
        protocol: 'TCP',
        port,
        role: 'egress',
        where: entry.where,
      });
    }

    // S3 through the AWS SDK: its public HTTPS endpoint.
    for (const e of container.env) {
      if (/S3_ENABLED$/.test(e.name) && e.value?.trim().toLowerCase() === 'true') {
        out.needs.push({
          from: workload,
          to: { kind: 'external', service: 's3' },
          protocol: 'TCP',
          port: 443,
          role: 'egress',
          where: [at(`container ${container.name}, env ${e.name}=true (the AWS SDK calls S3 over HTTPS)`)],
        });
      }
    }

    // Package installs at start-up reach a mirror on the internet: reported, never allowed for you.
    const install = /\b(apk add|apt-get install|apt install|yum install|dnf install|pip3? install|npm install)\b/.exec(
      all,
    );
    if (install) {
      out.unresolved.push({
        what: `\`${install[1]}\` at start-up (container ${container.name})`,
        why: 'it downloads from a package mirror on the internet, which default-deny egress blocks: build the tool into the image, or declare a network for the mirror yourself',
        where: texts.find((t) => t.text.includes(install[1]!))?.where ?? at(`container ${container.name}`),
      });
    }
  });
}

/** The texts a container reads: env values, ConfigMap keys and files, its command line. */
function textsOf(
  deployment: Deployment,
  workload: FitWorkload,
  container: Container,
  at: (what: string) => Where,
): Text[] {
  const texts: Text[] = [];
  const configMap = (name: string) =>
    deployment.configMaps.find((c) => c.namespace === workload.namespace && c.name === name);
  const inContainer = `container ${container.name}`;
  for (const e of container.env) {
    if (e.value !== undefined) texts.push({ text: e.value, env: e.name, where: at(`${inContainer}, env ${e.name}`) });
    if (e.configMap) {
      const cm = configMap(e.configMap.name);
      const value = cm?.data[e.configMap.key];
      if (cm && value !== undefined) {
        texts.push({
          text: value,
          env: e.name,
          where: {
            ...cm.source,
            what: `ConfigMap ${cm.namespace}/${cm.name} key ${e.configMap.key} (env ${e.name} of ${workload.name})`,
          },
        });
      }
    }
  }
  for (const name of container.envFrom) {
    const cm = configMap(name);
    for (const [key, value] of Object.entries(cm?.data ?? {})) {
      texts.push({
        text: value,
        env: key,
        where: { ...cm!.source, what: `ConfigMap ${cm!.namespace}/${name} key ${key} (envFrom)` },
      });
    }
  }
  for (const name of workload.volumes) {
    const cm = configMap(name);
    for (const [key, value] of Object.entries(cm?.data ?? {})) {
      texts.push({
        text: uncommented(value),
        where: { ...cm!.source, what: `ConfigMap ${cm!.namespace}/${name} file ${key} (mounted)` },
      });
    }
  }
  if (container.args.length > 0) {
    texts.push({ text: uncommented(container.args.join('\n')), where: at(`${inContainer}, command and args`) });
  }
  return texts;
}

/** The text without comment lines (`#`, `//`, `;`): URLs in comments are not calls. */
function uncommented(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(#|\/\/|;)/.test(line))
    .join('\n');
}

/** Every host named in a text: URLs, then host:port outside them. */
function hostsIn(text: Text): Found[] {
  const found: Found[] = [];
  let rest = text.text;
  for (const m of text.text.matchAll(URL_RE)) {
    const scheme = m[1]!.toLowerCase().replace(/^jdbc:/, '');
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : SCHEME_PORTS[scheme.split('+')[0]!];
    found.push({ host, ...(port !== undefined ? { port } : {}), scheme, text });
    rest = rest.replace(m[0], ' ');
  }
  for (const m of rest.matchAll(HOST_PORT_RE)) {
    found.push({ host: m[1]!, port: Number(m[2]), text });
  }
  return found.filter((f) => !LISTEN_ONLY.test(f.host) && !/\$/.test(f.host));
}

/** A host and port turned into a need: a Service of the input, an address, or nothing (reported). */
function resolveHost(
  deployment: Deployment,
  from: FitWorkload,
  namespace: string,
  f: Found,
  role: Need['role'],
  out: Needs,
): void {
  const shown = `${f.host}${f.port !== undefined ? `:${f.port}` : ''}`;
  if (f.port === undefined || f.port < 1 || f.port > 65535) {
    out.unresolved.push({
      what: shown,
      why: `no port: fit does not know the port of scheme "${f.scheme ?? ''}"`,
      where: f.text.where,
    });
    return;
  }
  const port = f.port;
  const external = () =>
    out.needs.push({
      from,
      to: { kind: 'external', host: f.host },
      protocol: 'TCP',
      port,
      role,
      where: [f.text.where],
    });
  if (/^[\d.]+$/.test(f.host) || f.host.includes(':')) {
    external();
    return;
  }
  const service = clusterService(deployment, f.host, namespace);
  if (service === 'not-cluster') {
    if (f.host.includes('.')) external();
    else {
      out.unresolved.push({
        what: shown,
        why: `no Service "${f.host}" in namespace ${namespace} of the input`,
        where: f.text.where,
      });
    }
    return;
  }
  if (!service.service) {
    out.unresolved.push({
      what: shown,
      why: `no Service "${service.name}" in namespace ${service.namespace} of the input`,
      where: f.text.where,
    });
    return;
  }
  const target = backendsOf(deployment, service.service, f.port);
  if (target?.workloads.includes(from)) {
    out.skipped.push({ what: shown, why: `${from.name} names its own Service (${service.name})`, where: f.text.where });
    return;
  }
  if (!target) {
    out.unresolved.push({
      what: shown,
      why: `Service ${service.namespace}/${service.name} has no port ${f.port}, or selects no pod of the input`,
      where: f.text.where,
    });
    return;
  }
  out.needs.push({
    from,
    to: {
      kind: 'pods',
      workloads: target.workloads,
      via: `Service ${service.namespace}/${service.name} port ${f.port}`,
    },
    protocol: target.protocol,
    port: target.port,
    role,
    where: [f.text.where],
  });
}

/**
 * A cluster DNS name — svc (in `namespace`), svc.ns (ns a namespace of the input),
 * svc.ns.svc[.<cluster domain>] — and its Service; 'not-cluster' for any other name, and for a
 * bare name no Service has.
 */
function clusterService(
  deployment: Deployment,
  host: string,
  namespace: string,
): 'not-cluster' | { name: string; namespace: string; service?: FitService } {
  const parts = host.toLowerCase().replace(/\.$/, '').split('.');
  const known = (ns: string) => deployment.namespaces.some((n) => n.name === ns);
  let name: string;
  let ns: string;
  if (parts.length === 1) [name, ns] = [parts[0]!, namespace];
  else if (parts.length === 2 && known(parts[1]!)) [name, ns] = [parts[0]!, parts[1]!];
  else if (parts.length >= 3 && parts[2] === 'svc') [name, ns] = [parts[0]!, parts[1]!];
  else return 'not-cluster';
  const service = deployment.services.find((s) => s.namespace === ns && s.name === name);
  if (!service && parts.length === 1) return 'not-cluster';
  return { name, namespace: ns, ...(service ? { service } : {}) };
}

/** The pods behind a Service port and the port they listen on (a named targetPort resolved). */
function backendsOf(
  deployment: Deployment,
  service: FitService,
  servicePort: number,
): { workloads: FitWorkload[]; port: number; protocol: Need['protocol'] } | undefined {
  const port = service.ports.find((p) => p.port === servicePort);
  if (Object.keys(service.selector).length === 0) return undefined;
  const workloads = deployment.workloads.filter(
    (w) => w.namespace === service.namespace && matchesSelector({ matchLabels: service.selector }, w.labels),
  );
  if (!port || workloads.length === 0) return undefined;
  const protocol = port.protocol === 'UDP' || port.protocol === 'SCTP' ? port.protocol : 'TCP';
  if (typeof port.targetPort === 'number') return { workloads, port: port.targetPort, protocol };
  const named = containerPort(workloads[0]!, port.targetPort);
  return named === undefined ? undefined : { workloads, port: named, protocol };
}

function containerPort(workload: FitWorkload, name: string): number | undefined {
  for (const c of workload.containers) for (const p of c.ports) if (p.name === name) return p.port;
  return undefined;
}

// ---- ingress -------------------------------------------------------------------------------

function ingressOf(deployment: Deployment, options: ReadNeedsOptions, out: Needs): void {
  const isController =
    options.ingressController ?? ((w: FitWorkload) => w.labels['app.kubernetes.io/name'] === 'ingress-nginx');
  const controllers = deployment.workloads.filter(isController);
  const ingresses = deployment.ingresses.filter((i) => i.namespace === options.namespace);
  if (ingresses.length > 0 && controllers.length === 0) {
    out.unresolved.push({
      what: `${ingresses.length} Ingress(es)`,
      why: 'no Ingress controller pod in the input (labelled app.kubernetes.io/name=ingress-nginx): add its Deployment to --workloads',
      where: { ...ingresses[0]!.source, what: `Ingress ${ingresses[0]!.namespace}/${ingresses[0]!.name}` },
    });
    return;
  }
  for (const ingress of ingresses) {
    const object = `Ingress ${ingress.namespace}/${ingress.name}`;
    const missing: string[] = [];
    for (const backend of ingress.backends) {
      const where: Where = { ...ingress.source, what: `${object}, backend ${backend.service}:${backend.port}` };
      const service = deployment.services.find((s) => s.namespace === ingress.namespace && s.name === backend.service);
      const servicePort =
        typeof backend.port === 'number' ? backend.port : service?.ports.find((p) => p.name === backend.port)?.port;
      const target = service && servicePort !== undefined ? backendsOf(deployment, service, servicePort) : undefined;
      if (!service) {
        missing.push(`${backend.service}:${backend.port}`);
        continue;
      }
      if (!target) {
        out.unresolved.push({
          what: `${backend.service}:${backend.port}`,
          why: `Service ${service.namespace}/${service.name} has no such port, or selects no pod of the input`,
          where,
        });
        continue;
      }
      for (const from of controllers) {
        out.needs.push({
          from,
          to: {
            kind: 'pods',
            workloads: target.workloads,
            via: `Service ${service.namespace}/${service.name} port ${servicePort}`,
          },
          protocol: target.protocol,
          port: target.port,
          role: 'ingress',
          where: [where],
        });
      }
    }
    // The controller itself calls what its annotations name (auth-url, proxy_pass in snippets).
    const before = out.unresolved.length;
    for (const [key, value] of Object.entries(ingress.annotations)) {
      if (!key.startsWith('nginx.ingress.kubernetes.io/')) continue;
      const text: Text = {
        text: uncommented(value),
        where: { ...ingress.source, what: `${object}, annotation ${key}` },
      };
      for (const f of hostsIn(text)) {
        for (const from of controllers) resolveHost(deployment, from, ingress.namespace, f, 'ingress', out);
      }
    }
    // Services the annotations name that the input lacks: with the backends, one line per Ingress.
    const lacking = out.unresolved.splice(before).filter((u) => {
      if (!/^no Service /.test(u.why)) return true;
      missing.push(u.what);
      return false;
    });
    out.unresolved.push(...lacking);
    if (missing.length > 0) {
      out.unresolved.push({
        what: [...new Set(missing)].join(', '),
        why: `no such Service in the input (not deployed in ${ingress.namespace}?): add its manifests, or ignore it while it is not deployed`,
        where: { ...ingress.source, what: `${object}, its backends and annotations` },
      });
    }
  }
  out.unresolved = dedupe(out.unresolved);
}

// ---- scrapes -------------------------------------------------------------------------------

function scrapesOf(
  deployment: Deployment,
  monitoring: NonNullable<ReadNeedsOptions['monitoring']>,
  namespace: string,
  out: Needs,
): void {
  const nsLabels = (name: string) => deployment.namespaces.find((n) => n.name === name)?.labels ?? {};
  const prometheus = deployment.workloads.filter(
    (w) =>
      (monitoring.namespace !== undefined
        ? w.namespace === monitoring.namespace
        : monitoring.namespaceSelector
          ? matchesSelector(monitoring.namespaceSelector, nsLabels(w.namespace))
          : w.namespace === namespace) && matchesSelector(monitoring.podSelector, w.labels),
  );
  const inScope = (m: { namespaces: string[] | 'any' }) => m.namespaces === 'any' || m.namespaces.includes(namespace);
  for (const monitor of deployment.monitors.filter(inScope)) {
    const object = `${monitor.kind} ${monitor.namespace}/${monitor.name}`;
    const targets: { workloads: FitWorkload[]; port: number; what: string }[] = [];
    if (monitor.kind === 'ServiceMonitor') {
      const services = deployment.services.filter(
        (s) => s.namespace === namespace && matchesSelector({ matchLabels: monitor.selector }, s.labels),
      );
      for (const service of services) {
        for (const port of monitor.ports) {
          const sp = service.ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
          const target = sp ? backendsOf(deployment, service, sp.port) : undefined;
          if (target) targets.push({ ...target, what: `${object}, port ${port} of Service ${service.name}` });
        }
      }
    } else {
      const pods = deployment.workloads.filter(
        (w) => w.namespace === namespace && matchesSelector({ matchLabels: monitor.selector }, w.labels),
      );
      for (const w of pods) {
        for (const port of monitor.ports) {
          const number = typeof port === 'number' ? port : containerPort(w, port);
          if (number !== undefined) targets.push({ workloads: [w], port: number, what: `${object}, port ${port}` });
        }
      }
    }
    for (const target of targets) {
      const where: Where = { ...monitor.source, what: target.what };
      for (const workload of target.workloads) {
        const served = metricsPortOf(workload);
        let port = target.port;
        if (served && served.port !== port) {
          out.skipped.push({
            what: `${target.what} → ${workload.name} ${port}`,
            why: `${served.why}: fit uses ${served.port} (fix the monitor)`,
            where,
          });
          port = served.port;
        }
        if (prometheus.length === 0) {
          out.unresolved.push({
            what: `${object}`,
            why: 'no monitoring pod of the values in the input (values monitoring.podSelector): add Prometheus to --workloads',
            where,
          });
          continue;
        }
        for (const from of prometheus) {
          out.needs.push({
            from,
            to: { kind: 'pods', workloads: [workload], via: object },
            protocol: 'TCP',
            port,
            role: 'scrape',
            where: [where],
          });
        }
      }
    }
  }
  out.unresolved = dedupe(out.unresolved);
}

/**
 * Where an application of a known image really serves /metrics, when that is not a monitor's port:
 * Keycloak >= 25 on its management port (with --metrics-enabled), OAuth2 Proxy on its
 * metrics address when one is set.
 */
function metricsPortOf(workload: FitWorkload): { port: number; why: string } | undefined {
  for (const c of workload.containers) {
    if (c.init) continue;
    const line = c.args.join(' ');
    if (/keycloak/.test(c.image) && /--metrics-enabled(=true)?\b/.test(line)) {
      const management = c.ports.find((p) => p.name === 'management');
      if (management) {
        return {
          port: management.port,
          why: `Keycloak >= 25 with --metrics-enabled serves /metrics on its management port (container port management ${management.port})`,
        };
      }
    }
    if (/oauth2-proxy/.test(c.image)) {
      const metrics = c.ports.find((p) => p.name === 'metrics');
      if (metrics) {
        return {
          port: metrics.port,
          why: `OAuth2 Proxy serves /metrics on its metrics address only (container port metrics ${metrics.port})`,
        };
      }
    }
  }
  return undefined;
}

// ---- helpers -------------------------------------------------------------------------------

/** One need per source, target, protocol and port, with every place that says so. */
function mergeNeeds(needs: Need[]): Need[] {
  const merged = new Map<string, Need>();
  for (const need of needs) {
    const key = [
      need.from.namespace,
      need.from.name,
      need.to.kind === 'pods'
        ? need.to.workloads.map((w) => `${w.namespace}/${w.name}`).join(',')
        : `${need.to.host ?? ''}|${need.to.secret ? `${need.to.secret.name}` : ''}|${need.to.service ?? ''}`,
      need.protocol,
      need.port,
    ].join(' ');
    const existing = merged.get(key);
    if (existing) {
      for (const w of need.where) {
        if (!existing.where.some((e) => e.what === w.what)) existing.where.push(w);
      }
    } else {
      merged.set(key, { ...need, where: [...need.where] });
    }
  }
  return [...merged.values()];
}

function dedupe(items: Unresolved[]): Unresolved[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.what}|${i.why}|${i.where.what}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
