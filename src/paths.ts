// Paths of the repository (or of the installed package), for the build, the CLI and the tests.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The repository root, or the package root when installed: this file is <root>/src/paths.ts when
 * run from source and <root>/dist/src/paths.js in the compiled package (npm pack).
 */
export const REPO_ROOT = import.meta.url.endsWith('.js') ? join(here, '..', '..') : join(here, '..');
export const CHART_DIR = join(REPO_ROOT, 'chart');
export const VALUES_DIR = join(REPO_ROOT, 'values');
/** The JSON Schema (draft-07) of the values Helm checks: one file merged over the chart's defaults. */
export const SCHEMA_FILE = join(REPO_ROOT, 'schema', 'values.schema.json');
/**
 * The JSON Schema of ONE values file before Helm merges it (entries the defaults complete may be
 * partial): the target of the values files' yaml-language-server modeline.
 */
export const OVERRIDE_SCHEMA_FILE = join(REPO_ROOT, 'schema', 'values-override.schema.json');
