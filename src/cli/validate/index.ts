// `fineract-netpol validate -f FILE…`: every problem of values files, each as
// `file:line:column  path  message  (fix)`, or a one-line summary when they are valid.
//
// Usage: const { output, messages, exitCode } = validate({ values: ['values/uat.yaml'], output: 'text' });
//        // exitCode 0: valid (warnings are printed but allowed); 1: at least one error.
//        // A file that cannot be read or is not YAML throws InputError (exit 2).
import {
  formatValidation,
  validateValuesFiles,
  type ValidateFormat,
  type ValidationResult,
} from '../../values/report/index.ts';

export type ValidateOptions = {
  /** Values files, merged in order like `helm -f a.yaml -f b.yaml`. */
  values: string[];
  output: ValidateFormat;
  /** Wrap problems at this width (src/text.ts outputWidth); undefined keeps each on one line. */
  width?: number;
};

/**
 * `output` for stdout, `messages` for stderr: in text, the problems go to stderr (as emit's do)
 * and the one-line verdict to stdout; JSON is all stdout.
 */
export type ValidateCommandResult = { result: ValidationResult; output: string; messages: string; exitCode: 0 | 1 };

export function validate(options: ValidateOptions): ValidateCommandResult {
  const result = validateValuesFiles(options.values);
  const text = formatValidation(result, options.output, options.width);
  const exitCode = result.valid ? 0 : 1;
  if (options.output !== 'text') return { result, output: text, messages: '', exitCode };
  const lines = text.trimEnd().split('\n');
  const verdict = lines.pop() ?? '';
  const problems = lines.join('\n').trim();
  return { result, output: `${verdict}\n`, messages: problems === '' ? '' : `${problems}\n\n`, exitCode };
}
