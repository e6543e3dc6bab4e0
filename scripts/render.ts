// `npm run render`: render the chart with real Helm, after `npm run build` has refreshed it.
//
//   render [ENV…]                  values/<env>.yaml → out/<env>.yaml, namespace fineract-<env>
//                                  (`all`: every environment and `defaults`, the chart alone;
//                                  no ENV: uat)
//   render -f FILE [-f FILE…]      any values files, merged like helm -f, → out/<name>.yaml, where
//          [-n NS] [--name NAME]   NAME is the last file's name (local.yaml → local) and NS is
//          [-o FILE|-]             fineract-<name> unless given; -o writes elsewhere (- = stdout)
//   --helm 3|4                     the Helm major version (default 4, what Argo CD v3 runs)
//   --out DIR                      the output folder (default out)
//
// Each output is written atomically (never half-written). Exit 0 when everything rendered, 1
// when Helm refused a values file (its message is printed), 2 on wrong usage.
//
// Usage: scripts/run npm run render -- uat
//        scripts/run npm run render -- -f values/uat.yaml -f local.yaml -n fineract-uat
import { readdirSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../src/errors.ts';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { writeAtomic } from '../src/files.ts';
import { helmTemplate, parseManifests } from '../test/helpers/helm.ts';

const USAGE = `Usage: npm run render -- [ENV…] [--helm 3|4] [--out DIR]
       npm run render -- -f FILE [-f FILE…] [-n NAMESPACE] [--name NAME] [-o FILE|-] [--helm 3|4]

Renders the chart with real Helm into out/ (atomically).

  ENV                 an environment of values/ (${environments().join(', ')}), defaults (the chart
                      alone) or all; values/<env>.yaml → out/<env>.yaml in namespace fineract-<env>
  -f, --values FILE   values files, merged in order like helm -f (repeatable)
  -n, --namespace NS  the release namespace (default: fineract-<name>)
      --name NAME     the output's name (default: the last values file's name without extension)
  -o, --output FILE   write here instead of <out>/<name>.yaml; - writes to stdout
      --helm 3|4      the Helm major version (default: 4)
      --out DIR       the output folder (default: out)
  -h, --help          print this help
`;

type Job = { name: string; namespace: string; valuesFiles: string[]; target: string };

function environments(): string[] {
  return readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** The renders the arguments ask for; throws InputError on wrong usage. */
function plan(argv: string[]): { helm: 3 | 4; jobs: Job[] } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        helm: { type: 'string', default: '4' },
        out: { type: 'string', default: 'out' },
        values: { type: 'string', short: 'f', multiple: true },
        namespace: { type: 'string', short: 'n' },
        name: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new InputError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const helm = Number(values.helm);
  if (helm !== 3 && helm !== 4) throw new InputError(`--helm must be 3 or 4, not "${values.helm}"`);
  const outDir = join(REPO_ROOT, values.out);
  const files = values.values ?? [];
  if (files.length > 0) {
    if (positionals.length > 0) {
      throw new InputError(`give environments (${positionals.join(' ')}) or -f files, not both`);
    }
    const name = values.name ?? basename(files.at(-1) ?? 'values', extname(files.at(-1) ?? ''));
    const target = values.output === '-' ? '-' : (values.output ?? join(outDir, `${name}.yaml`));
    return { helm, jobs: [{ name, namespace: values.namespace ?? `fineract-${name}`, valuesFiles: files, target }] };
  }
  for (const option of ['namespace', 'name', 'output'] as const) {
    if (values[option] !== undefined) throw new InputError(`--${option} goes with -f FILE (not with environments)`);
  }
  const known = environments();
  const requested =
    positionals.length === 0 ? ['uat'] : positionals.flatMap((p) => (p === 'all' ? ['defaults', ...known] : [p]));
  const unknown = requested.filter((env) => env !== 'defaults' && !known.includes(env));
  if (unknown.length > 0) {
    throw new InputError(
      `no values file for ${unknown.join(', ')}: choose from defaults, ${known.join(', ')} or all, or give -f FILE`,
    );
  }
  return {
    helm,
    jobs: requested.map((env) => ({
      name: env,
      namespace: env === 'defaults' ? 'fineract' : `fineract-${env}`,
      valuesFiles: env === 'defaults' ? [] : [join(VALUES_DIR, `${env}.yaml`)],
      target: join(outDir, `${env}.yaml`),
    })),
  };
}

function main(argv: string[]): number {
  let planned;
  try {
    planned = plan(argv);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    process.stderr.write(`render: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (planned === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let failed = 0;
  for (const job of planned.jobs) {
    const result = helmTemplate({ helm: planned.helm, namespace: job.namespace, valuesFiles: job.valuesFiles });
    if (result.status !== 0) {
      process.stderr.write(`render: ${job.name}: helm template failed:\n${result.stderr.trim()}\n`);
      failed += 1;
      continue;
    }
    const names = parseManifests(result.stdout).map((o) => (o.metadata as { name?: string } | undefined)?.name ?? '?');
    const summary = `${names.length} NetworkPolicies in ${job.namespace}: ${names.join(', ')}`;
    if (job.target === '-') {
      process.stdout.write(result.stdout);
      process.stderr.write(`render: ${job.name} (${summary})\n`);
      continue;
    }
    try {
      writeAtomic(job.target, result.stdout, 'render');
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      process.stderr.write(`render: ${error.message}\n`);
      failed += 1;
      continue;
    }
    process.stdout.write(`render: ${job.name} → ${relative(process.cwd(), job.target)} (${summary})\n`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
