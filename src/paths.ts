// Paths of the repository, for the build, the CLI and the tests.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in <root>/src). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(REPO_ROOT, 'chart');
export const VALUES_DIR = join(REPO_ROOT, 'values');
