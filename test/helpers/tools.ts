// Paths of the external tools that scripts/run installs (Helm 3, Helm 4, helm-unittest,
// netpol-analyzer, cilium-check).
//
// scripts/run exports HELM3, HELM4, HELM_UNITTEST, NETPOL_ANALYZER and CILIUM_CHECK; when a test
// runs without it (an editor, a bare `npx vitest`) the installed copies under .tools/ are used if
// present. A missing tool is an error, never a skipped test.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.ts';

const TOOLS_DIR = join(REPO_ROOT, '.tools');

/**
 * Absolute path of the Helm 3 or Helm 4 binary, e.g. `spawnSync(helmBinary(4), ['template', …])`.
 * Throws when it is not installed.
 */
export function helmBinary(version: 3 | 4): string {
  const variable = version === 3 ? 'HELM3' : 'HELM4';
  return findTool(`Helm ${version}`, variable, join(TOOLS_DIR, `helm${version}`, 'helm'));
}

/**
 * Absolute path of the standalone helm-unittest binary (Helm 3.21 libraries compiled in, no helm
 * binary or plugin needed), e.g. `spawnSync(helmUnittestBinary(), ['-f', 'tests/*_test.yaml', chartDir])`.
 * Throws when it is not installed.
 */
export function helmUnittestBinary(): string {
  return findTool('helm-unittest', 'HELM_UNITTEST', join(TOOLS_DIR, 'bin', 'helm-unittest'));
}

/**
 * Absolute path of np-guard's netpol-analyzer CLI (`netpolicy`, v1.4.4, the conformance oracle of
 * `verify`), e.g. `spawnSync(netpolAnalyzerBinary(), ['list', '--dirpath', dir, '-o', 'json'])`.
 * Throws when it is not installed.
 */
export function netpolAnalyzerBinary(): string {
  return findTool('netpol-analyzer', 'NETPOL_ANALYZER', join(TOOLS_DIR, 'bin', 'netpolicy'));
}

/**
 * Absolute path of cilium-check (test/oracles/cilium-check/: Cilium's own CiliumNetworkPolicy.Parse
 * and Rule.Sanitize), e.g. `spawnSync(ciliumCheckBinary(), ['-'], { input: manifests })`.
 * Throws when it is not installed.
 */
export function ciliumCheckBinary(): string {
  return findTool('cilium-check', 'CILIUM_CHECK', join(TOOLS_DIR, 'bin', 'cilium-check'));
}

function findTool(name: string, variable: string, fallback: string): string {
  const fromEnv = process.env[variable];
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const source = fromEnv ? `${variable}=${fromEnv}` : `${fallback} (${variable} is not set)`;
    throw new Error(
      `${name} not found at ${source}: run the tests through \`scripts/run npm test\`, which installs it`,
    );
  }
  return path;
}
