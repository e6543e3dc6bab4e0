// Keeps Helm away from the user's configuration: scripts/run exports HELM_CONFIG_HOME,
// HELM_CACHE_HOME and HELM_DATA_HOME; when a test runs without it (an editor, a bare
// `npx vitest`), each unset one points into one fixed folder of the temporary directory, shared by
// every run (`helm template` and `helm lint` of a local chart write nothing there, so nothing piles up).
//
// Usage (at the top of a test file that runs Helm):
//   isolateHelmHome();
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const VARIABLES = ['HELM_CONFIG_HOME', 'HELM_CACHE_HOME', 'HELM_DATA_HOME'] as const;

/** Sets every unset HELM_*_HOME variable of this process (inherited by spawned Helm processes). */
export function isolateHelmHome(): void {
  const home = join(tmpdir(), `fineract-netpol-helm-home-${userInfo().username}`);
  for (const name of VARIABLES) {
    process.env[name] ||= join(home, name.toLowerCase());
  }
}
