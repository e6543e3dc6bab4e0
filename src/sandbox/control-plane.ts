// Starting the control plane inside the node namespace: etcd and kube-apiserver on the node's own
// loopback (never reachable from the host), a static token in group system:masters, RBAC, and
// service-account keys generated for this run. There is no controller-manager, scheduler or
// kubelet: the sandbox writes Pods with their nodeName and status itself (layout.ts).
//
// Usage: const plane = await startControlPlane(net, tools, workDir);
//        await kubectl(plane, ['get', 'nodes']);   // runs in the node namespace with its kubeconfig
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, execResult, spawnIn, waitFor, type ExecOptions } from './exec.ts';
import type { Network } from './network.ts';
import type { Tools } from './tools.ts';

export type ControlPlane = {
  net: Network;
  tools: Tools;
  workDir: string;
  kubeconfig: string;
  /** Environment for kubectl and Helm: KUBECONFIG, and Helm kept away from the user's config. */
  env: Record<string, string>;
  logs: { etcd: string; apiserver: string };
};

const ETCD_CLIENT = 'http://127.0.0.1:2379';
const ETCD_PEER = 'http://127.0.0.1:2380';
const SECURE_PORT = 6443;
/** The Services' range (no Service is used; the API server needs one). */
export const SERVICE_CIDR = '10.96.0.0/16';

export async function startControlPlane(net: Network, tools: Tools, workDir: string): Promise<ControlPlane> {
  const pki = join(workDir, 'pki');
  mkdirSync(pki, { recursive: true });
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(pki, 'tokens.csv'), `${token},sandbox-admin,sandbox-admin,"system:masters"\n`, { mode: 0o600 });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(pki, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(pki, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const kubeconfig = join(workDir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText(token), { mode: 0o600 });
  const logs = { etcd: join(workDir, 'etcd.log'), apiserver: join(workDir, 'kube-apiserver.log') };
  const helmHome = join(workDir, 'helm');
  const env = {
    KUBECONFIG: kubeconfig,
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };

  const etcd = spawnIn(
    net.node,
    [
      tools.etcd,
      '--name=sandbox',
      `--data-dir=${join(workDir, 'etcd')}`,
      `--listen-client-urls=${ETCD_CLIENT}`,
      `--advertise-client-urls=${ETCD_CLIENT}`,
      `--listen-peer-urls=${ETCD_PEER}`,
      `--initial-advertise-peer-urls=${ETCD_PEER}`,
      `--initial-cluster=sandbox=${ETCD_PEER}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    { log: logs.etcd },
  );
  net.ledger.process(etcd.pid, 'etcd');

  const apiserver = spawnIn(
    net.node,
    [
      tools.kubeApiserver,
      `--etcd-servers=${ETCD_CLIENT}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${SECURE_PORT}`,
      `--advertise-address=${net.nodeAddress}`,
      `--cert-dir=${pki}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // No controller-manager issues tokens: Pods must not wait for a service account.
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--allow-privileged=true',
      '--v=1',
    ],
    { log: logs.apiserver },
  );
  net.ledger.process(apiserver.pid, 'kube-apiserver');

  const plane: ControlPlane = { net, tools, workDir, kubeconfig, env, logs };
  await waitFor(
    'kube-apiserver /readyz',
    async () => {
      const result = await execResult([tools.kubectl, 'get', '--raw', '/readyz'], {
        netns: net.node,
        env,
        allowFailure: true,
        timeoutMs: 5000,
      });
      return result.code === 0 && result.stdout.trim() === 'ok' ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, hint: () => tail(logs.apiserver) + tail(logs.etcd) },
  );
  // The bootstrap controller creates the default namespaces shortly after /readyz.
  await waitFor(
    'the default namespace',
    async () => {
      const result = await execResult([tools.kubectl, 'get', 'namespace', 'default', '-o', 'name'], {
        netns: net.node,
        env,
        allowFailure: true,
      });
      return result.code === 0 ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  return plane;
}

/** Runs kubectl in the node namespace against the sandbox's API server. */
export function kubectl(plane: ControlPlane, args: string[], options: ExecOptions = {}): Promise<string> {
  return exec([plane.tools.kubectl, ...args], { netns: plane.net.node, env: plane.env, ...options });
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
    return `\n--- last lines of ${file}:\n${text.join('\n')}`;
  } catch {
    return '';
  }
}

function kubeconfigText(token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: sandbox',
    '    cluster:',
    `      server: https://127.0.0.1:${SECURE_PORT}`,
    // The API server's certificate is self-signed at start and reached only on the node's loopback.
    '      insecure-skip-tls-verify: true',
    'users:',
    '  - name: sandbox-admin',
    '    user:',
    `      token: ${token}`,
    'contexts:',
    '  - name: sandbox',
    '    context: {cluster: sandbox, user: sandbox-admin}',
    'current-context: sandbox',
    '',
  ].join('\n');
}
