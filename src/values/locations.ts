// Stage 2 of validate: merge the files over the chart's defaults the way `helm -f a -f b` does
// (src/values/merge.ts), and merge where each key was written the same way, so that every values
// path maps back to the file (the LAST one that sets it) and line where it was written.
//
// Usage: const merged = mergeSources(sources);
//        merged.values                                   // what Helm validates and renders
//        locate(merged.locations, finding)               // {file, line, column, endColumn} or undefined
import { DEFAULT_VALUES } from '../model/defaults.ts';
import { mergeHelmValues, type ValuesMap } from './merge.ts';
import type { LocationNode, SourceFile } from './read.ts';
import type { Finding, Path, Position } from './report/types.ts';

export type MergedSources = {
  /** The files merged over the chart's defaults. */
  values: ValuesMap;
  /** Where each key of the files was written, merged as the values are (later files win). */
  locations: LocationNode | undefined;
};

export function mergeSources(sources: SourceFile[]): MergedSources {
  const values = mergeHelmValues(DEFAULT_VALUES, ...sources.map((s) => s.data));
  const locations = sources.reduce<LocationNode | undefined>(
    (acc, source) => (source.tree ? mergeLocations(acc, source.tree) : acc),
    undefined,
  );
  return { values, locations };
}

/** As Helm merges -f files: maps merge key by key, anything else (lists, scalars, null) replaces. */
function mergeLocations(base: LocationNode | undefined, over: LocationNode): LocationNode {
  if (!base?.keys || !over.keys) return over;
  const keys = new Map(base.keys);
  for (const [name, node] of over.keys) keys.set(name, mergeLocations(keys.get(name), node));
  return { ...over, keys };
}

/** Where the user wrote a path: the node itself, or undefined. */
function nodeAt(root: LocationNode | undefined, path: Path): LocationNode | undefined {
  let node = root;
  for (const key of path) {
    if (!node) return undefined;
    node = typeof key === 'number' ? node.items?.[key] : node.keys?.get(key);
  }
  return node;
}

/** The deepest written ancestor of a path (not the document itself), or undefined. */
function closestWritten(root: LocationNode | undefined, path: Path): LocationNode | undefined {
  let node = root;
  let found: LocationNode | undefined;
  for (const key of path) {
    node = typeof key === 'number' ? node?.items?.[key] : node?.keys?.get(key);
    if (!node) break;
    found = node;
  }
  return found;
}

/** True when the user's files wrote this exact path. */
export function isWritten(root: LocationNode | undefined, path: Path): boolean {
  return nodeAt(root, path) !== undefined && path.length > 0;
}

/** True when the user's files set this path to null (which deletes the chart's default). */
export function isDeleted(root: LocationNode | undefined, path: Path): boolean {
  return nodeAt(root, path)?.isNull === true;
}

/** The scalar as written at a path (for hints such as "YAML 1.1 reads `yes` as a boolean"). */
export function scalarAt(root: LocationNode | undefined, path: Path): { source: string; plain: boolean } | undefined {
  return nodeAt(root, path)?.scalar;
}

/**
 * Where to show a finding: its own position; else the path itself, else a related path, as
 * written by the LAST file that sets it; else the closest ancestor the user wrote; else
 * undefined (a problem of the chart's defaults the files did not touch).
 */
export function locate(root: LocationNode | undefined, finding: Finding): Position | undefined {
  if (finding.at) return finding.at;
  if (finding.path.length > 0) {
    const exact = nodeAt(root, finding.path);
    if (exact) return exact.at;
  }
  for (const related of finding.related ?? []) {
    const node = related.length > 0 ? nodeAt(root, related) : undefined;
    if (node) return node.at;
  }
  return closestWritten(root, finding.path)?.at;
}
