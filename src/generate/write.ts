// Stage: put generated files on disk, or report which committed files are stale.
//
// Usage: writeGenerated(files)         // writes changed files atomically, removes orphans in chart/
//        const stale = findStale(files) // paths whose committed content differs (for CI)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { CHART_DIR, REPO_ROOT } from '../paths.ts';
import type { GeneratedFile } from './chart.ts';

/** chart/ is generated except for these folders (hand-written helm-unittest suites). */
const CHART_KEEP = ['tests'];

export function findStale(files: GeneratedFile[], root = REPO_ROOT): string[] {
  const stale = files.filter((f) => read(join(root, f.path)) !== f.content).map((f) => f.path);
  return [...stale, ...orphans(files, root)].sort();
}

export function writeGenerated(files: GeneratedFile[], root = REPO_ROOT): string[] {
  const changed = files.filter((f) => read(join(root, f.path)) !== f.content);
  // Write every file to a temporary sibling first, then rename them all: a failure while
  // writing leaves the previous files in place, never a half-written chart.
  const staged = changed.map((f) => {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, f.content);
    return { temp, target };
  });
  for (const { temp, target } of staged) renameSync(temp, target);
  const removed = orphans(files, root);
  for (const path of removed) rmSync(join(root, path));
  return [...changed.map((f) => f.path), ...removed].sort();
}

/** Files in chart/ that the build no longer generates. */
function orphans(files: GeneratedFile[], root: string): string[] {
  const chartDir = join(root, relative(REPO_ROOT, CHART_DIR));
  if (!existsSync(chartDir)) return [];
  const generated = new Set(files.map((f) => f.path));
  return readdirSync(chartDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((path) => !generated.has(path) && !CHART_KEEP.some((keep) => path.startsWith(`chart/${keep}/`)));
}

function read(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
