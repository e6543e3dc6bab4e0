// `fineract-netpol fit`: a values overlay that fits the chart to a deployment, read from its
// manifests (workloads, Services, Ingresses, ServiceMonitors/PodMonitors, ConfigMaps), and the
// report of what it inferred from where and what it could not.
//
// Stages (src/fit/): readDeployment → readNeeds → fitOverlay → this file's report.
//
// Usage: const { output, messages, exitCode } = await fit({ workloads: ['rendered/'], values: ['values/uat.yaml'] });
//        await fit({ workloads: ['uat.yaml'], namespace: 'fineract-uat', out: 'values/uat-fitted.yaml' });
//   output: the overlay's YAML (empty when written to `out`), or the report as JSON (format json);
//   messages: the report (text), for stderr.
import { basename, dirname, resolve } from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { readNeeds, type Need, type Unresolved, type Where } from '../../fit/evidence.ts';
import { readDeployment, type Deployment } from '../../fit/inventory.ts';
import { fitOverlay, type Fitted } from '../../fit/overlay.ts';
import { parseValues } from '../../values/check.ts';
import { formatValuesYaml, readValuesFile, schemaRef, writeFileAtomic } from '../../values/file.ts';
import { matchesSelector } from '../../verify/model/selectors.ts';

export type FitCommandOptions = {
  /** The deployment's manifests: files, folders, `-` for stdin. */
  workloads: string[];
  /** The user's values files (helm -f), fitted over. */
  values?: string[];
  /** The release namespace. Default: the namespace whose pods the values' components select most. */
  namespace?: string;
  /** Write the overlay here (atomically) instead of returning it as `output`. */
  out?: string;
  /** List what no workload needs instead of disabling it. */
  keepUnneeded?: boolean;
  format?: 'text' | 'json';
  /** `$schema` of the modeline (default: the package's override schema, relative to `out`'s folder or the current one). */
  schema?: string;
};

export type FitCommandResult = { output: string; messages: string; exitCode: 0 | 2 };

export async function fit(options: FitCommandOptions): Promise<FitCommandResult> {
  if (options.workloads.length === 0)
    throw new UsageError("fit: give the deployment's manifests with --workloads FILE (see --help)");
  const overrides = (options.values ?? []).map((file) => readValuesFile(file) as unknown);
  const values = parseValues(overrides, (options.values ?? []).join(', ') || 'values');
  const deployment = await readDeployment(options.workloads, options.namespace ? { namespace: options.namespace } : {});
  const namespace = options.namespace ?? releaseNamespace(deployment, values);
  if (!deployment.workloads.some((w) => w.namespace === namespace)) {
    throw new InputError(
      `fit: no workload of the input is in namespace "${namespace}" (the input's: ${deployment.namespaces.map((n) => n.name).join(', ') || 'none'}): give the release namespace with -n`,
    );
  }
  const monitoring =
    values.monitoring?.enabled === false
      ? undefined
      : {
          ...(values.monitoring?.namespace ? { namespace: values.monitoring.namespace } : {}),
          ...(values.monitoring?.namespaceSelector ? { namespaceSelector: values.monitoring.namespaceSelector } : {}),
          podSelector: values.monitoring?.podSelector ?? {},
        };
  const read = readNeeds(deployment, { namespace, ...(monitoring ? { monitoring } : {}) });
  // What no workload needs can be told only from an input that holds the Services the apps name:
  // without them a needed flow looks unneeded, so nothing is disabled then.
  const missing = missingServices(deployment, read.unresolved);
  const fitted = fitOverlay(deployment, read.needs, {
    overrides,
    namespace,
    ...(options.keepUnneeded || missing ? { keepUnneeded: true } : {}),
    monitorsKnown: deployment.monitors.length > 0,
  });
  if (missing && !options.keepUnneeded) {
    fitted.decisions.push({
      kind: 'unneeded',
      key: '(nothing disabled)',
      message: `${missing}: a flow to what the input lacks would look unneeded, so fit disables nothing; give it the Services (and Ingresses, monitors) of the deployment`,
    });
  }
  if (deployment.monitors.length === 0 && monitoring) {
    fitted.decisions.push({
      kind: 'metrics',
      key: '(metricsPorts kept)',
      message: 'the input has no ServiceMonitor or PodMonitor: the metricsPorts of the values are kept as they are',
    });
  }

  const yamlDir = options.out === undefined ? process.cwd() : dirname(resolve(options.out));
  const todo = fitted.decisions.filter((d) => d.kind === 'todo');
  const header = [
    `Fitted by \`fineract-netpol fit\` to the deployment in ${options.workloads.map((f) => basename(f)).join(', ')}`,
    `(namespace ${namespace})${options.values?.length ? `, over ${options.values.join(', ')}` : ", over the chart's defaults"}.`,
    "Review it, then: helm template … -f <your values> -f <this file>. Each change is explained by fit's report.",
    ...(todo.length > 0
      ? [
          `TODO: ${todo.map((d) => d.key).join(', ')}: fit cannot see these; validate refuses the file until you set them.`,
        ]
      : []),
  ].join('\n');
  const yaml = formatValuesYaml(fitted.overlay, {
    schema: options.schema ?? schemaRef(yamlDir),
    header,
    comments: fitted.comments,
  });
  const report = { namespace, ...summary(fitted, read) };
  let output = '';
  if (options.out !== undefined) writeFileAtomic(options.out, yaml);
  else if (options.format !== 'json') output = yaml;
  if (options.format === 'json') output = `${JSON.stringify(report, null, 2)}\n`;
  const messages = `${textReport(namespace, fitted, read)}${options.out !== undefined ? `fit: wrote ${options.out}\n` : ''}`;
  return { output, messages, exitCode: 0 };
}

/**
 * Why the input cannot show what is unneeded: it has no Service at all, or the apps name
 * Services it lacks (names that can be Services: DNS-1123 labels). Undefined when it can.
 */
function missingServices(deployment: Deployment, unresolved: Unresolved[]): string | undefined {
  if (deployment.services.length === 0) return 'the input has no Service';
  const names = unresolved
    .map((u) => /^no Service "([a-z0-9]([-a-z0-9]*[a-z0-9])?)"/.exec(u.why)?.[1])
    .filter((n): n is string => n !== undefined);
  return names.length > 0 ? `the apps name Services the input lacks (${[...new Set(names)].join(', ')})` : undefined;
}

/** The namespace of the input whose pods the values' components select most. */
function releaseNamespace(deployment: Deployment, values: ReturnType<typeof parseValues>): string {
  const components = Object.values(values.components ?? {}).filter((c) => c.enabled !== false);
  const counts = new Map<string, number>();
  for (const w of deployment.workloads) {
    if (components.some((c) => matchesSelector(c.podSelector, w.labels)))
      counts.set(w.namespace, (counts.get(w.namespace) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0 || (ranked.length > 1 && ranked[0]![1] === ranked[1]![1])) {
    throw new UsageError(
      `fit: cannot tell the release namespace (${ranked.length === 0 ? 'no component selects a workload of the input' : `${ranked[0]![0]} and ${ranked[1]![0]} tie`}): give it with -n`,
    );
  }
  return ranked[0]![0];
}

const at = (w: Where) => `${w.what} (${w.file}:${w.line})`;
const endOf = (need: Need) =>
  need.to.kind === 'pods'
    ? need.to.workloads.map((w) => `${w.namespace}/${w.name}`).join(', ')
    : need.to.secret
      ? `the host in Secret ${need.to.secret.name} key ${need.to.secret.key}`
      : need.to.service === 's3'
        ? 'AWS S3'
        : (need.to.host ?? '?');

function summary(fitted: Fitted, read: { unresolved: Unresolved[]; skipped: Unresolved[] }) {
  return {
    needs: fitted.needs.map((s) => ({
      from: `${s.need.from.namespace}/${s.need.from.name}`,
      to: endOf(s.need),
      protocol: s.need.protocol,
      port: s.need.port,
      role: s.need.role,
      status: s.allowedBy ? (s.added ? 'added' : 'allowed') : 'not-allowed',
      ...(s.allowedBy ? { by: s.allowedBy } : {}),
      where: s.need.where,
    })),
    changes: fitted.decisions,
    unresolved: read.unresolved,
    notFlows: dedupeByWhat(read.skipped),
  };
}

function textReport(
  namespace: string,
  fitted: Fitted,
  read: { unresolved: Unresolved[]; skipped: Unresolved[] },
): string {
  const lines: string[] = [];
  const added = fitted.needs.filter((s) => s.added).length;
  const missing = fitted.needs.filter((s) => !s.allowedBy);
  lines.push(
    `fit: ${namespace}: ${fitted.needs.length} flow(s) needed — ${fitted.needs.length - added - missing.length} allowed by the values, ${added} added by the overlay${missing.length > 0 ? `, ${missing.length} NOT allowed` : ''}`,
  );
  lines.push('', 'needs (from → to, and where the manifests say so):');
  for (const s of fitted.needs) {
    const status = !s.allowedBy ? 'NOT ALLOWED' : s.added ? `added: ${s.allowedBy}` : `allowed: ${s.allowedBy}`;
    lines.push(
      `  ${s.need.from.namespace}/${s.need.from.name} → ${endOf(s.need)} ${s.need.protocol} ${s.need.port}  [${status}]`,
    );
    for (const w of s.need.where.slice(0, 3)) lines.push(`      ${at(w)}`);
    if (s.need.where.length > 3) lines.push(`      … and ${s.need.where.length - 3} more`);
  }
  const section = (title: string, kinds: string[]) => {
    const items = fitted.decisions.filter((d) => kinds.includes(d.kind));
    if (items.length === 0) return;
    lines.push('', title);
    for (const d of items) lines.push(`  ${d.key}: ${d.message}`);
  };
  section('changes to the values:', ['component', 'peer', 'connection', 'metrics']);
  section('declared, but no workload of the input needs it:', ['unneeded']);
  section('cannot be selected:', ['unselectable']);
  if (read.unresolved.length > 0) {
    lines.push('', 'could not resolve (not in the overlay: check each):');
    for (const u of read.unresolved) lines.push(`  ${u.what}: ${u.why}`, `      ${at(u.where)}`);
  }
  const skipped = dedupeByWhat(read.skipped);
  if (skipped.length > 0) {
    lines.push('', 'read, but not a flow:');
    for (const u of skipped)
      lines.push(
        `  ${u.what}: ${u.why}`,
        `      ${at(u.where)}${u.count > 1 ? ` (and ${u.count - 1} more place(s))` : ''}`,
      );
  }
  section('to fill in:', ['todo']);
  return `${lines.join('\n')}\n`;
}

function dedupeByWhat(items: Unresolved[]): (Unresolved & { count: number })[] {
  const seen = new Map<string, Unresolved & { count: number }>();
  for (const item of items) {
    const key = `${item.what}|${item.why}`;
    const existing = seen.get(key);
    if (existing) existing.count++;
    else seen.set(key, { ...item, count: 1 });
  }
  return [...seen.values()];
}
