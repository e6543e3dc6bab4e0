// Reading and writing the user's files with errors a user can act on: never a raw `ENOENT:` or
// `EISDIR:` text, always the file and what to do. `-` is standard input wherever a file is read.
//
// Usage: const { text, name } = readInput(path, 'values file');   // `-` → stdin, named <stdin>
//        writeAtomic('out/uat.yaml', text, 'render');                // never half-written
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.ts';

/** The path that means standard input. */
export const STDIN_PATH = '-';
/** The file name given to standard input in messages. */
export const STDIN_NAME = '<stdin>';

/** What went wrong with a file, in words (`no such file or folder`, `is a folder, not a file`). */
export function fileErrorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EAGAIN':
      return 'standard input is not ready (pipe the file in: cat values.yaml | …)';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return error instanceof Error ? error.message.replace(/^E[A-Z]+: /, '') : String(error);
  }
}

/**
 * The text of a file, or of standard input for `-` (read once per process: a second `-` is
 * refused by the CLI before it gets here). Throws InputError naming the file and what to fix.
 */
export function readInput(path: string, what: string): { text: string; name: string } {
  const name = path === STDIN_PATH ? STDIN_NAME : path;
  try {
    return { text: readFileSync(path === STDIN_PATH ? 0 : path, 'utf8'), name };
  } catch (error) {
    throw new InputError(`${name}: cannot read the ${what} (${fileErrorText(error)})`);
  }
}

/**
 * Writes a file through a flushed temporary sibling and a rename, so that a reader never sees a
 * half-written file and a failure leaves the old one. Throws InputError naming the file and `what`.
 */
export function writeAtomic(file: string, text: string, what: string): void {
  const target = resolve(file);
  const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    const fd = openSync(temp, 'wx');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new InputError(`${file}: cannot write the ${what} (${fileErrorText(error)})`);
  }
}
