// `fineract-netpol emit`: a values module written in TypeScript (its default export, usually from
// defineValues) checked and written as a YAML values file for Helm and Argo CD.
//
// Usage: const { output, messages, exitCode } = await emit({ file: 'values/uat.ts' });        // YAML in output
//        await emit({ file: 'values/uat.ts', out: 'values/uat.yaml' });                       // written atomically
//
// The module is loaded by ./load.ts: Node (22.18+ or 23.6+) strips the types of .ts, .mts and .cts
// files itself, as ES modules whatever the consumer's package type, so the module may use only
// erasable TypeScript syntax (no enum, namespace or parameter properties). It is evaluated as
// code: emit only modules you trust.
//
// The modeline's $schema is relative to where the YAML goes: the folder of `out`, or, on stdout,
// the current folder (`emit values/uat.ts > uat.yaml`); `--schema` sets it as given.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { InputError, UsageError } from '../../errors.ts';
import { checkValues, isValuesValidationError, type ValuesIssue } from '../../values/check.ts';
import type { ValuesOverride } from '../../values/define.ts';
import { formatValuesYaml, schemaRef, writeFileAtomic } from '../../values/file.ts';
import { loadDefaultExport, MODULE_EXTENSIONS } from './load.ts';

export type EmitOptions = {
  /** The values module: .ts, .mts, .cts (or .js, .mjs, .cjs) with a default export. */
  file: string;
  /** Where to write the YAML; without it the YAML is returned as `output` (for stdout). */
  out?: string;
  /**
   * `$schema` of the modeline. Default: this package's schema/values-override.schema.json
   * relative to the folder of `out`, or to the current folder when printing (where
   * `emit values.ts > values.yaml` puts it).
   */
  schema?: string;
};

/** exitCode 1: the values are invalid (`messages` lists each problem); unusable input throws. */
export type EmitResult = { output: string; messages: string; exitCode: 0 | 1; issues: ValuesIssue[] };

export async function emit(options: EmitOptions): Promise<EmitResult> {
  const file = options.file;
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase())) {
    throw new UsageError(
      `${file}: emit loads a TypeScript or JavaScript module (${MODULE_EXTENSIONS.join(', ')}); a YAML values file is already what emit writes: give the module that default-exports defineValues({…})`,
    );
  }
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);

  let values: unknown;
  try {
    values = await loadDefaultExport(file);
  } catch (error) {
    if (isValuesValidationError(error)) return invalid(file, error.issues);
    throw error;
  }
  const issues = checkValues([values]);
  if (issues.length > 0) return invalid(file, issues);

  const target = options.out;
  const yamlDir = target === undefined ? process.cwd() : dirname(resolve(target));
  const text = formatValuesYaml(values as ValuesOverride, {
    schema: options.schema ?? schemaRef(yamlDir),
    header: `Generated from ${slash(relative(yamlDir, resolve(file)))} by \`fineract-netpol emit\`; edit that file instead.`,
  });
  if (target === undefined) return { output: text, messages: '', exitCode: 0, issues: [] };
  writeFileAtomic(target, text);
  return { output: '', messages: `emit: wrote ${target} from ${file}\n`, exitCode: 0, issues: [] };
}

function invalid(file: string, issues: ValuesIssue[]): EmitResult {
  const lines = issues.map((issue) => `${file}  ${issue.path}  ${issue.message}\n`);
  return {
    output: '',
    messages: `${lines.join('')}emit: ${issues.length} problem(s) in ${basename(file)}; nothing written\n`,
    exitCode: 1,
    issues,
  };
}

function slash(path: string): string {
  return path.split(sep).join('/');
}
