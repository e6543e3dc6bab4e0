// The fineract-netpol command line (run by the bin, main.ts). The only place that writes to the
// terminal and sets the exit code: commands are typed functions (src/cli/<command>/index.ts) that
// return their output.
//
// Exit codes: 0 success (no error finding, no difference); 1 error findings (verify), a
// difference (diff) or invalid values (validate); 2 unusable input or wrong usage.
//
// Usage: fineract-netpol verify --manifests out/uat.yaml --workloads inventory.yaml --values values/uat.yaml
//        fineract-netpol diff --before legacy/ --after out/uat.yaml --workloads inventory.yaml
//        fineract-netpol validate -f values/uat.yaml [-f local.yaml] [--output json]
//        fineract-netpol fit --workloads rendered/uat.yaml -f values/uat.yaml --out values/uat-fitted.yaml
//        fineract-netpol sandbox -f values/uat.yaml [--workloads FILE] [--legacy DIR]   (root, Linux)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, SandboxError, UsageError } from '../errors.ts';
import { REPO_ROOT } from '../paths.ts';
import { outputWidth } from '../text.ts';
// Only the options' choices are loaded up front: each command imports its modules when it runs,
// so that --help, --version and a command's start load nothing it does not use.
import {
  DIFF_FORMATS,
  ONLY,
  OUTPUT_FORMATS,
  VALIDATE_FORMATS,
  type Only,
  type OutputFormat,
  type ValidateFormat,
} from './formats.ts';
// Types only: erased, so diff's modules still load when the command runs.
import type { DiffOptions } from './diff/index.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The package's version (package.json next to src/ or dist/). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

export function program(): Command {
  const cli = new Command('fineract-netpol')
    .description('Default-deny NetworkPolicies for Apache Fineract: verify what rendered policies really allow.')
    .version(packageVersion(), '-V, --version', 'print the version of fineract-netpol')
    .showHelpAfterError()
    .exitOverride();

  cli
    .command('verify')
    .description('Show who can talk to whom under the policies, and report what is wrong with them.')
    .requiredOption(
      '-m, --manifests <path>',
      'NetworkPolicy and CiliumNetworkPolicy manifests: a file, a folder, or - for stdin (repeatable)',
      collect,
    )
    .option(
      '-w, --workloads <path>',
      'Namespaces and workloads (Pods, Deployments, StatefulSets, …) to evaluate (repeatable)',
      collect,
    )
    .option(
      '-f, --values <file>',
      'values file(s) of the chart: its connections are the declared intent (repeatable, merged like helm -f)',
      collect,
    )
    .option(
      '-n, --namespace <name>',
      'show only flows and findings touching this namespace (repeatable); the first is the release namespace ' +
        '(default: the namespace of the policies)',
      collect,
    )
    .addOption(
      new Option('--only <part>', 'show one part: flows, findings, errors (error findings), components').choices(ONLY),
    )
    .option(
      '--strict',
      'policies verify cannot analyse (AdminNetworkPolicy, Calico, Antrea …) in the input are an error (exit 2)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .action(
      async (opts: {
        manifests: string[];
        workloads?: string[];
        values?: string[];
        namespace?: string[];
        only?: Only;
        strict?: boolean;
        output: OutputFormat;
      }) => {
        const { verify } = await import('./verify/index.ts');
        const result = await verify({
          ...opts,
          namespace: opts.namespace?.[0],
          view: { namespaces: opts.namespace ?? [], ...(opts.only ? { only: opts.only } : {}) },
        });
        process.stderr.write(result.messages);
        process.stdout.write(result.output);
        process.exitCode = result.exitCode;
      },
    );

  cli
    .command('diff')
    .description('Compare the connectivity of two policy sets over the same workloads.')
    .requiredOption('-b, --before <path>', 'the current policies: a file, a folder or - (repeatable)', collect)
    .requiredOption('-a, --after <path>', 'the new policies (repeatable)', collect)
    .option('-w, --workloads <path>', 'Namespaces and workloads to evaluate (repeatable)', collect)
    .option('-n, --namespace <name>', 'namespace of objects without one (default: "default")')
    .option(
      '--namespace-map <before=after>',
      'compare as if the before policies were in namespace "after" (environments rendered into different namespaces; repeatable)',
      collect,
    )
    .option(
      '--values-before <file>',
      'values file(s) of the before side: each change names its cause (repeatable)',
      collect,
    )
    .option('--values-after <file>', 'values file(s) of the after side (repeatable)', collect)
    .option(
      '--strict',
      'policies diff cannot analyse (AdminNetworkPolicy, Calico, Antrea …) in the input are an error (exit 2)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(DIFF_FORMATS).default('text'))
    .action(async (opts: DiffOptions) => {
      const { diff } = await import('./diff/index.ts');
      const result = await diff(opts);
      process.stderr.write(result.messages);
      process.stdout.write(result.output);
      process.exitCode = result.exitCode;
    });

  cli
    .command('validate')
    .description('Check values files (merged like helm -f) and report every problem with its file, line and fix.')
    .requiredOption('-f, --values <file>', 'values file, YAML or JSON (repeatable, merged like helm -f)', collect)
    .addOption(new Option('-o, --output <format>', 'output format').choices(VALIDATE_FORMATS).default('text'))
    .action(async (opts: { values: string[]; output: ValidateFormat }) => {
      const { validate } = await import('./validate/index.ts');
      const result = validate({ ...opts, width: outputWidth(process.stderr) });
      process.stderr.write(result.messages);
      process.stdout.write(result.output);
      process.exitCode = result.exitCode;
    });

  cli
    .command('emit')
    .description('Write the YAML values file of a TypeScript values module (default export from defineValues).')
    .argument('<file>', 'values module: .ts, .mts or .cts, loaded as an ES module (also .js, .mjs, .cjs)')
    .option('-o, --output <file>', 'write the YAML to this file (atomically) instead of stdout')
    .option(
      '--schema <ref>',
      "the modeline's $schema (default: the package's values-override.schema.json, relative to the -o file's folder, or to the current folder on stdout)",
    )
    .action(async (file: string, opts: { output?: string; schema?: string }) => {
      const { emit } = await import('./emit/index.ts');
      const result = await emit({ file, out: opts.output, schema: opts.schema });
      process.stdout.write(result.output);
      process.stderr.write(result.messages);
      process.exitCode = result.exitCode;
    });
  cli
    .command('fit')
    .description(
      'Propose a values overlay that fits the chart to a deployment, read from its manifests, and report what it inferred from where.',
    )
    .requiredOption(
      '-w, --workloads <path>',
      "the deployment's manifests — workloads, Services, Ingresses, ServiceMonitors/PodMonitors, ConfigMaps: a file, a folder, or - for stdin (repeatable)",
      collect,
    )
    .option(
      '-f, --values <file>',
      'values file(s) to fit over, merged like helm -f (repeatable; default: the chart defaults)',
      collect,
    )
    .option(
      '-n, --namespace <name>',
      'the release namespace, whose workloads are fitted (default: the namespace whose workloads the components select most)',
    )
    .option('--out <file>', 'write the overlay to this file (atomically) instead of stdout')
    .option('--keep-unneeded', 'list the connections no workload needs instead of disabling them')
    .option('--schema <ref>', "the overlay's modeline $schema (default: the package's values-override.schema.json)")
    .addOption(
      new Option(
        '-o, --output <format>',
        'text: the overlay on stdout, the report on stderr; json: the report on stdout',
      )
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(
      async (opts: {
        workloads: string[];
        values?: string[];
        namespace?: string;
        out?: string;
        keepUnneeded?: boolean;
        schema?: string;
        output: 'text' | 'json';
      }) => {
        const { fit } = await import('./fit/index.ts');
        const result = await fit({
          workloads: opts.workloads,
          ...(opts.values ? { values: opts.values } : {}),
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
          ...(opts.out ? { out: opts.out } : {}),
          ...(opts.keepUnneeded ? { keepUnneeded: true } : {}),
          ...(opts.schema ? { schema: opts.schema } : {}),
          format: opts.output,
        });
        process.stdout.write(result.output);
        process.stderr.write(result.messages);
        process.exitCode = result.exitCode;
      },
    );
  cli
    .command('sandbox')
    .description(
      'Install the chart into a throw-away real cluster (kube-apiserver, kube-router) and probe real packets (root, Linux).',
    )
    .requiredOption('-f, --values <file>', 'values file(s), merged like helm -f (repeatable)', collect)
    .option('-w, --workloads <path>', 'Namespaces and workloads to lay out (default: the Fineract inventory)', collect)
    .option(
      '--legacy <path>',
      'hand-written policies to apply first, then migrate as the README tells (repeatable)',
      collect,
    )
    .option('-n, --namespace <name>', 'release namespace (default: the namespace with the most workloads)')
    .option('--release <name>', 'release name', 'fineract-netpol')
    .addOption(new Option('--helm <major>', 'Helm major version to install with').choices(['3', '4']).default('4'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <dir>', 'folder for observed.json (default: out/sandbox/<values names>)')
    .action(
      async (opts: {
        values: string[];
        workloads?: string[];
        legacy?: string[];
        namespace?: string;
        release: string;
        helm: '3' | '4';
        output: 'text' | 'json';
        out?: string;
      }) => {
        // Loaded on demand: the other commands never need the sandbox's modules.
        const { sandbox } = await import('./sandbox/index.ts');
        const result = await sandbox({
          ...opts,
          helm: opts.helm === '3' ? 3 : 4,
          log: (message) => process.stderr.write(`[sandbox] ${message}\n`),
        });
        process.stdout.write(result.output);
        process.exitCode = result.exitCode;
      },
    );
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof InputError) {
      process.stderr.write(`fineract-netpol: ${error.message}\n${error.fix ? `  fix: ${error.fix}\n` : ''}`);
      return 2;
    }
    if (error instanceof SandboxError) {
      process.stderr.write(`fineract-netpol: sandbox: ${error.message}\n${error.fix ? `  fix: ${error.fix}\n` : ''}`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`fineract-netpol: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `fineract-netpol: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nPlease report this with the command you ran.\n`,
    );
    return 70;
  }
}

process.exitCode = await main(process.argv.slice(2));
