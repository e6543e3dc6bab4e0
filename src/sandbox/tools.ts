// The binaries of the real-cluster test bed, as scripts/run installs them: kube-apiserver, etcd and
// kube-router (built from Go modules into .tools/bin), the probe agent (built from
// src/sandbox/agent/ into .tools/bin/probe-agent), kubectl (from the npm package that ships Helm 4,
// into .tools/kubectl), Helm 3 and Helm 4 (.tools/helm3, .tools/helm4). scripts/run exports their
// paths (KUBE_APISERVER, ETCD, KUBE_ROUTER, PROBE_AGENT, KUBECTL, HELM3, HELM4); without it the
// copies under .tools/ are used. Also the host commands the sandbox drives: ip, iptables, ipset,
// sysctl.
//
// Usage: const tools = findTools();   // throws SandboxError naming what is missing and how to get it
//        await exec([tools.kubectl, 'version', '--client']);
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import { SandboxError } from './exec.ts';

export type Tools = {
  kubeApiserver: string;
  etcd: string;
  kubeRouter: string;
  probeAgent: string;
  kubectl: string;
  helm3: string;
  helm4: string;
};

const TOOLS_DIR = join(REPO_ROOT, '.tools');

const BINARIES: Record<keyof Tools, { variable: string; fallback: string }> = {
  kubeApiserver: { variable: 'KUBE_APISERVER', fallback: join(TOOLS_DIR, 'bin', 'kube-apiserver') },
  etcd: { variable: 'ETCD', fallback: join(TOOLS_DIR, 'bin', 'etcd') },
  kubeRouter: { variable: 'KUBE_ROUTER', fallback: join(TOOLS_DIR, 'bin', 'kube-router') },
  probeAgent: { variable: 'PROBE_AGENT', fallback: join(TOOLS_DIR, 'bin', 'probe-agent') },
  kubectl: { variable: 'KUBECTL', fallback: join(TOOLS_DIR, 'kubectl', 'kubectl') },
  helm3: { variable: 'HELM3', fallback: join(TOOLS_DIR, 'helm3', 'helm') },
  helm4: { variable: 'HELM4', fallback: join(TOOLS_DIR, 'helm4', 'helm') },
};

/** Host commands the sandbox runs (Debian: iproute2, iptables, ipset, procps). */
export const HOST_COMMANDS = ['ip', 'iptables', 'iptables-save', 'ipset', 'sysctl'] as const;

export function findTools(): Tools {
  const missing: string[] = [];
  const found = {} as Tools;
  for (const [key, { variable, fallback }] of Object.entries(BINARIES) as [
    keyof Tools,
    (typeof BINARIES)[keyof Tools],
  ][]) {
    const fromEnv = process.env[variable];
    const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
    if (isExecutable(path)) found[key] = path;
    else missing.push(`${key} (${fromEnv ? `${variable}=${fromEnv}` : fallback})`);
  }
  for (const command of HOST_COMMANDS) {
    if (!onPath(command)) missing.push(`${command} (on PATH)`);
  }
  if (missing.length > 0) {
    throw new SandboxError(
      `the real-cluster tools are missing: ${missing.join(', ')}`,
      'run through scripts/run (e.g. `scripts/run npm run sandbox -- -f values/uat.yaml`), which builds and installs them',
    );
  }
  return found;
}

/** The version a tool was installed at, from its stamp (for reports), or undefined. */
export function toolVersions(): Record<string, string> {
  const stamps: Record<string, string> = {
    'kube-apiserver': join(TOOLS_DIR, 'bin', '.kube-apiserver.stamp'),
    etcd: join(TOOLS_DIR, 'bin', '.etcd.stamp'),
    'kube-router': join(TOOLS_DIR, 'bin', '.kube-router.stamp'),
    'probe-agent': join(TOOLS_DIR, 'bin', '.probe-agent.stamp'),
    kubectl: join(TOOLS_DIR, 'kubectl', '.stamp'),
    helm3: join(TOOLS_DIR, 'helm3', '.stamp'),
    helm4: join(TOOLS_DIR, 'helm4', '.stamp'),
  };
  const versions: Record<string, string> = {};
  for (const [name, stamp] of Object.entries(stamps)) {
    if (existsSync(stamp)) versions[name] = readFileSync(stamp, 'utf8').trim();
  }
  return versions;
}

/**
 * Why the real-cluster sandbox cannot run on this machine, or undefined when it can: it needs
 * Linux, root (network namespaces, iptables) and the `ip` command.
 */
export function sandboxUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'needs root (network namespaces and iptables)';
  if (!onPath('ip')) return 'needs the ip command (iproute2)';
  if (!existsSync('/proc/sys/net/bridge') && !existsSync('/sys/module/br_netfilter')) {
    return 'needs the br_netfilter kernel module (modprobe br_netfilter)';
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, command)));
}
