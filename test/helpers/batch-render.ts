// Renders many values files of the chart with ONE `helm template` process (one process costs
// ~0.1–0.2 s; the property test renders thousands of values).
//
// Usage:
//   const renderer = new BatchRenderer({ namespace: 'fineract-prop' });
//   const batch = renderer.prepare([override1, override2, …]);     // -f contents, one per alias
//   const [h4, h3] = await Promise.all([batch.template(4), batch.template(3)]);   // two processes
//   if (h4.status !== 0) throw new Error(`${h4.failedAliases.join(', ')}: ${h4.stderr}`);
//   h4.outputs[1].text     // exactly what `helm template fineract-netpol chart -n fineract-prop -f <override2>` prints
//   renderer.dispose();    // removes the temporary folder
//
// How: an umbrella chart in a temporary folder whose Chart.yaml lists one dependency on this chart
// per values file (`name: fineract-netpol`, `alias: v0000`, `v0001`, …; repository file://<chart>),
// with ONE copy of the chart in its charts/ folder (Helm matches dependencies by name and makes an
// aliased copy for each, so `helm dependency build` is not needed and nothing is downloaded), and
// one values file `{v0000: <values 0>, v0001: <values 1>, …}`. Helm validates each alias's values
// against the chart's values.schema.json and renders each alias as a subchart; the stream is split
// by its `# Source: <umbrella>/charts/<alias>/templates/…` comments.
//
// Differences from a standalone render, undone by `outputs[i].text`: the `# Source:` paths, and
// the labels derived from .Chart.Name, which Helm sets to the alias for an aliased dependency
// (`app.kubernetes.io/name: v0003`, `helm.sh/chart: v0003-0.1.0`). Everything else — the release
// name and namespace (shared by every alias), the values merged over the chart's values.yaml, with
// `null` deleting a default — is the same; test/property.test.ts checks it against standalone
// renders. Policy names collide across aliases (a real install of the umbrella would fail): analyze
// each alias separately.
import { isUtf8 } from 'node:buffer';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR } from '../../src/paths.ts';
import { spawnHelm, type HelmVersion } from './helm.ts';

export type BatchRendererOptions = {
  /** The release namespace (`helm -n`), shared by every alias. */
  namespace: string;
  /** @default 'fineract-netpol' */
  releaseName?: string;
  /** @default the repository's chart/ */
  chartDir?: string;
};

/** One alias's part of a batch render. */
export type AliasOutput = {
  alias: string;
  /** The alias's documents, rewritten to what a standalone `helm template` prints. */
  text: string;
  /** The alias's documents as Helm printed them in the umbrella's stream. */
  raw: string;
  /** False when Helm printed bytes that are not UTF-8 in this alias's documents. */
  utf8: boolean;
};

export type BatchOutput = {
  status: number;
  stderr: string;
  /** One per values file, in order (empty `text` when the alias renders nothing). */
  outputs: AliasOutput[];
  /** Aliases named in Helm's error message (for a failed render). */
  failedAliases: string[];
  /** Wall time of the Helm process, in ms. */
  millis: number;
};

const UMBRELLA = 'batch';

/** The alias of the values file at `index` in a batch. */
export function aliasOf(index: number): string {
  return `v${String(index).padStart(4, '0')}`;
}

export class BatchRenderer {
  readonly dir: string;
  readonly namespace: string;
  readonly releaseName: string;
  readonly chartDir: string;
  readonly chartName: string;
  readonly chartVersion: string;
  private batches = 0;

  constructor(options: BatchRendererOptions) {
    this.namespace = options.namespace;
    this.releaseName = options.releaseName ?? 'fineract-netpol';
    this.chartDir = options.chartDir ?? CHART_DIR;
    const chart = parse(readFileSync(join(this.chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    this.chartName = chart.name;
    this.chartVersion = chart.version;
    this.dir = mkdtempSync(join(tmpdir(), 'fineract-netpol-batch-'));
  }

  /** Writes an umbrella chart and values file for these values files (one alias each). */
  prepare(valuesList: unknown[]): PreparedBatch {
    const dir = join(this.dir, `b${this.batches++}`);
    mkdirSync(join(dir, 'charts'), { recursive: true });
    cpSync(this.chartDir, join(dir, 'charts', this.chartName), { recursive: true });
    const aliases = valuesList.map((_, i) => aliasOf(i));
    const dependencies = aliases
      .map(
        (alias) =>
          `  - name: ${this.chartName}\n    version: ${JSON.stringify(this.chartVersion)}\n    alias: ${alias}\n    repository: ${JSON.stringify(`file://${this.chartDir}`)}\n`,
      )
      .join('');
    writeFileSync(
      join(dir, 'Chart.yaml'),
      `apiVersion: v2\nname: ${UMBRELLA}\nversion: 0.0.0\ndescription: Batch render of ${aliases.length} values files\ndependencies:\n${dependencies}`,
    );
    const values = Object.fromEntries(aliases.map((alias, i) => [alias, valuesList[i] ?? {}]));
    const valuesFile = join(dir, 'batch-values.json');
    writeFileSync(valuesFile, helmJson(values));
    return new PreparedBatch(this, dir, valuesFile, aliases);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PreparedBatch {
  readonly aliases: string[];
  private readonly renderer: BatchRenderer;
  private readonly chartPath: string;
  private readonly valuesFile: string;

  constructor(renderer: BatchRenderer, chartPath: string, valuesFile: string, aliases: string[]) {
    this.renderer = renderer;
    this.chartPath = chartPath;
    this.valuesFile = valuesFile;
    this.aliases = aliases;
  }

  /** Runs `helm template` (Helm 3 or 4) on the umbrella; resolves with the per-alias outputs. */
  template(version: HelmVersion): Promise<BatchOutput> {
    const r = this.renderer;
    const args = ['template', r.releaseName, this.chartPath, '--namespace', r.namespace, '--values', this.valuesFile];
    const started = performance.now();
    return spawnHelm(version, args).then(({ status, stdout, stderr: bytes }) => {
      const stderr = bytes.toString('utf8');
      const failedAliases = [...new Set([...stderr.matchAll(/charts\/(v\d{4})\//g)].map((m) => m[1] ?? ''))];
      return {
        status,
        stderr,
        outputs: status === 0 ? this.split(stdout) : [],
        failedAliases,
        millis: performance.now() - started,
      };
    });
  }

  /** Splits the stream at its `# Source:` comments, per alias, and rewrites each part as standalone. */
  private split(stdout: Buffer): AliasOutput[] {
    const r = this.renderer;
    // latin1: one character per byte, so offsets found in the text are byte offsets.
    const text = stdout.toString('latin1');
    const marker = /^---\n# Source: ([^\n]*)\n/gm;
    const starts = [...text.matchAll(marker)].map((m) => ({ at: m.index, path: m[1] ?? '' }));
    const parts = new Map<string, { raw: Buffer[]; utf8: boolean }>();
    const prefix = `${UMBRELLA}/charts/`;
    starts.forEach(({ at, path }, i) => {
      if (!path.startsWith(prefix)) throw new Error(`unexpected # Source: ${path} in the batch render`);
      const alias = path.slice(prefix.length).split('/')[0] ?? '';
      const bytes = stdout.subarray(at, starts[i + 1]?.at ?? stdout.length);
      const part = parts.get(alias) ?? { raw: [], utf8: true };
      part.raw.push(bytes);
      part.utf8 &&= isUtf8(bytes);
      parts.set(alias, part);
    });
    if (starts.length === 0 && text.trim() !== '') throw new Error(`no # Source: comment in the batch render`);
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.aliases.map((alias) => {
      const part = parts.get(alias);
      const raw = part ? Buffer.concat(part.raw).toString('utf8') : '';
      const standalone = raw
        .replaceAll(`# Source: ${prefix}${alias}/`, `# Source: ${r.chartName}/`)
        .replace(new RegExp(`^(\\s+app\\.kubernetes\\.io/name: )${escape(alias)}$`, 'gm'), `$1${r.chartName}`)
        .replace(
          new RegExp(`^(\\s+helm\\.sh/chart: )${escape(alias)}-${escape(r.chartVersion.replace('+', '_'))}$`, 'gm'),
          `$1${r.chartName}-${r.chartVersion.replace('+', '_')}`,
        );
      return { alias, text: standalone, raw, utf8: part?.utf8 ?? true };
    });
  }
}

/**
 * JSON that Helm's YAML parser reads back unchanged: JSON.stringify escapes C0 controls, and this
 * also escapes what YAML forbids raw (DEL, C1 controls, U+FEFF, U+FFFE/U+FFFF) or reads as a line
 * break inside a quoted scalar (NEL, U+2028, U+2029), which would fold into a space.
 */
export function helmJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
