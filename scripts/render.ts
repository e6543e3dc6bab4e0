// `npm run render -- <env…> [--helm 3|4] [--out DIR]`: render values/<env>.yaml with real Helm into
// out/<env>.yaml (namespace fineract-<env>), after `npm run build` has refreshed the chart.
// `all` renders every environment of values/; `defaults` renders the chart with no values file.
//
// Usage: scripts/run npm run render -- uat
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, VALUES_DIR } from '../src/paths.ts';
import { helmTemplate, parseManifests } from '../test/helpers/helm.ts';

function environments(): string[] {
  return readdirSync(VALUES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { helm: { type: 'string', default: '4' }, out: { type: 'string', default: 'out' } },
  });
  const helm = Number(values.helm);
  if (helm !== 3 && helm !== 4) {
    console.error(`render: --helm must be 3 or 4, not "${values.helm}".`);
    return 2;
  }
  const known = environments();
  const requested =
    positionals.length === 0 ? ['uat'] : positionals.flatMap((p) => (p === 'all' ? ['defaults', ...known] : [p]));
  const unknown = requested.filter((env) => env !== 'defaults' && !known.includes(env));
  if (unknown.length > 0) {
    console.error(
      `render: no values file for ${unknown.join(', ')}; choose from defaults, ${known.join(', ')} or all.`,
    );
    return 2;
  }
  const outDir = join(REPO_ROOT, values.out);
  mkdirSync(outDir, { recursive: true });
  let failed = 0;
  for (const env of requested) {
    const result = helmTemplate({
      helm,
      namespace: env === 'defaults' ? 'fineract' : `fineract-${env}`,
      valuesFiles: env === 'defaults' ? [] : [join(VALUES_DIR, `${env}.yaml`)],
    });
    if (result.status !== 0) {
      console.error(`render: ${env}: helm template failed:\n${result.stderr.trim()}`);
      failed += 1;
      continue;
    }
    const target = join(outDir, `${env}.yaml`);
    writeFileSync(target, result.stdout);
    const names = parseManifests(result.stdout).map((o) => (o.metadata as { name?: string } | undefined)?.name ?? '?');
    console.log(
      `render: ${env} → ${relative(process.cwd(), target)} (${names.length} NetworkPolicies: ${names.join(', ')})`,
    );
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
