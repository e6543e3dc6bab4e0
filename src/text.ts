// Text for terminals: every command wraps what it prints for people (findings, problems,
// messages) to a 100-column terminal, the same way.
//
// Usage: process.stderr.write(`${wrapText(message, TEXT_WIDTH, 12).join('\n')}\n`);
//        wrapLine('file:1:2  path  a long message', TEXT_WIDTH, 4)  // continuation lines indented by 4
//        const width = outputWidth(process.stderr);  // undefined: a pipe or a CI log, keep lines whole

/** The width of text output: what a 100-column terminal shows without wrapping. */
export const TEXT_WIDTH = 100;

/**
 * Text wrapped at spaces to `width` columns, every line indented by `indent` spaces; the spaces
 * inside a line are kept as written (`a  b` stays two spaces), a word longer than the line (a long
 * path, a CIDR list without spaces) stays whole.
 */
export function wrapText(text: string, width: number, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  let gap = '';
  for (const part of text.split(/( +)/)) {
    if (part === '') continue;
    if (part.startsWith(' ')) {
      gap = part;
      continue;
    }
    if (line !== '' && indent + line.length + gap.length + part.length > width) {
      lines.push(pad + line);
      line = part;
    } else {
      line = line === '' ? part : `${line}${gap}${part}`;
    }
    gap = '';
  }
  if (line !== '') lines.push(pad + line);
  return lines;
}

/** One line as it starts (unindented), continued on lines indented by `indent`. */
export function wrapLine(text: string, width: number, indent: number): string {
  return wrapText(text, width, indent)
    .map((line, i) => (i === 0 ? line.slice(indent) : line))
    .join('\n');
}

/**
 * The width to wrap one-problem-per-line output at: `COLUMNS` when set, else the terminal's
 * width (at most TEXT_WIDTH), else undefined (a pipe, a file, a CI log: lines are kept whole, so
 * that `file:line:column  message` stays one line for grep and CI problem matchers).
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  const columns = Number(process.env['COLUMNS']);
  if (Number.isInteger(columns) && columns >= 40) return columns;
  if (stream.isTTY) return Math.min(stream.columns ?? TEXT_WIDTH, TEXT_WIDTH);
  return undefined;
}
