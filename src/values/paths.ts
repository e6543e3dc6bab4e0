// Values paths: written as Helm's messages write them, and read from Ajv's JSON pointers.
//
// Usage: formatPath(['networks', 'rds', 'cidrs', 0])   // 'networks.rds.cidrs[0]'
//        formatPath(['commonLabels', 'app.kubernetes.io/name'])  // 'commonLabels["app.kubernetes.io/name"]'
//        pathOfPointer('/networks/rds/cidrs/0', values) // ['networks', 'rds', 'cidrs', 0]
import type { Path } from './report/types.ts';

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: Path): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      if (!PLAIN_KEY.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

/** Ajv's instancePath (a JSON pointer) as a path, list indices as numbers (looked up in `data`). */
export function pathOfPointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index] as unknown;
    } else {
      path.push(key);
      node = isMap(node) ? node[key] : undefined;
    }
  }
  return path;
}

/** The value at a path of plain data (undefined when absent). */
export function valueAt(data: unknown, path: Path): unknown {
  let node = data;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? (node[key] as unknown) : undefined;
    else node = isMap(node) ? node[key] : undefined;
  }
  return node;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
