// Stage 5 of validate: the problems as text (`file:line:column  path  message  (fix)  [rule]`, on a
// terminal wrapped with continuation lines indented, with the offending line and a caret under
// the key, drawn by @babel/code-frame) or as JSON.
//
// Usage: process.stdout.write(formatValidation(result, 'text'));
import { codeFrameColumns } from '@babel/code-frame';
import { wrapLine } from '../../text.ts';
import { CHART_DEFAULT, type Problem, type ValidationResult } from './types.ts';

export { VALIDATE_FORMATS, type ValidateFormat } from '../../cli/formats.ts';
import type { ValidateFormat } from '../../cli/formats.ts';

/** `width`: wrap each problem's line there (continuation lines indented); undefined keeps lines whole. */
export function formatValidation(result: ValidationResult, format: ValidateFormat, width?: number): string {
  return format === 'json' ? formatJson(result) : formatText(result, width);
}

/**
 * Text safe to print on a terminal or in a CI log: every control character but line feed and tab
 * written as a `\uXXXX` escape. A values file (and so a message quoting it, or its code frame) may
 * hold ESC or the C1 control CSI (U+009B), which would move the cursor or recolour the terminal;
 * JSON.stringify escapes the C0 controls only. In JSON text they can only be inside strings, where
 * the escape means the same character.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One line per problem (and its code frame), then a one-line summary. */
export function formatText(result: ValidationResult, width?: number): string {
  const lines = new Map<string, string[]>();
  const linesOf = (file: string, text: string) => {
    let found = lines.get(file);
    if (!found) lines.set(file, (found = text.split(NEWLINE)));
    return found;
  };
  const blocks = result.problems.map((problem) => {
    const frame = codeFrame(result, problem, linesOf);
    const line = width === undefined ? problemLine(problem) : wrapLine(problemLine(problem), width, 4);
    return `${line}\n${frame ? `${frame}\n` : ''}`;
  });
  return printable(`${blocks.join('\n')}${blocks.length > 0 ? '\n' : ''}${summaryLine(result)}\n`);
}

/** `file:line:column  path  message  (fix)  [rule]`; a warning's message starts with `warning:`. */
export function problemLine(problem: Problem): string {
  const where = problem.file === CHART_DEFAULT ? CHART_DEFAULT : `${problem.file}:${problem.line}:${problem.column}`;
  const message = problem.severity === 'warning' ? `warning: ${problem.message}` : problem.message;
  return `${where}  ${problem.path}  ${message}${problem.fix ? `  (${problem.fix})` : ''}${problem.rule ? `  [${problem.rule}]` : ''}`;
}

/** `values/uat.yaml: valid (4 components, 12 connections, 3 networks)`, or the count of problems. */
export function summaryLine(result: ValidationResult): string {
  const names = result.files.length > 0 ? result.files.join(', ') : CHART_DEFAULT;
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const { components, connections, networks } = result.summary;
  const counts = `${plural(components, 'component')}, ${plural(connections, 'connection')}, ${plural(networks, 'network')}`;
  if (errors > 0)
    return `${names}: ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`;
  return `${names}: valid${warnings > 0 ? ` with ${plural(warnings, 'warning')}` : ''} (${counts})`;
}

export function formatJson(result: ValidationResult): string {
  const { files, valid, summary, problems } = result;
  return printable(`${JSON.stringify({ files, valid, summary, problems }, null, 2)}\n`);
}

/** Where @babel/code-frame breaks lines. */
const NEWLINE = /\r\n|[\n\r\u2028\u2029]/;

/**
 * The problem's line and the one above it, numbered as in the file, a caret under the columns.
 * code-frame is given those two lines only (with their first line's number), not the whole file:
 * it splits what it is given on every call, which made a frame per problem quadratic in a large file.
 */
function codeFrame(
  result: ValidationResult,
  problem: Problem,
  linesOf: (file: string, text: string) => string[],
): string | undefined {
  const text = result.sources[problem.file];
  if (text === undefined || problem.line < 1) return undefined;
  const lines = linesOf(problem.file, text);
  const first = Math.max(1, problem.line - 1);
  const inFile = problem.line <= lines.length;
  const window = inFile ? lines.slice(first - 1, problem.line).join('\n') : text;
  const frame = codeFrameColumns(
    window,
    // @babel/code-frame 8 counts columns from 0.
    {
      start: { line: problem.line, column: problem.column - 1 },
      end: { line: problem.line, column: problem.endColumn - 1 },
    },
    { linesAbove: 1, linesBelow: 0, highlightCode: false, startLine: inFile ? first : 1 },
  );
  return frame
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
