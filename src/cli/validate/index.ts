// `fineract-netpol validate -f FILE…`: every problem of values files, each as
// `file:line:column  path  message  (fix)`, or a one-line summary when they are valid.
//
// Usage: const { output, exitCode } = validate({ values: ['values/uat.yaml'], output: 'text' });
//        // exitCode 0: valid (warnings are printed but allowed); 1: at least one error.
//        // A file that cannot be read or is not YAML throws InputError (exit 2).
import {
  formatValidation,
  validateValuesFiles,
  type ValidateFormat,
  type ValidationResult,
} from '../../validate/index.ts';

export type ValidateOptions = {
  /** Values files, merged in order like `helm -f a.yaml -f b.yaml`. */
  values: string[];
  output: ValidateFormat;
};

export type ValidateCommandResult = { result: ValidationResult; output: string; exitCode: 0 | 1 };

export function validate(options: ValidateOptions): ValidateCommandResult {
  const result = validateValuesFiles(options.values);
  return { result, output: formatValidation(result, options.output), exitCode: result.valid ? 0 : 1 };
}
