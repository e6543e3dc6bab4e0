// Installing CustomResourceDefinitions into the sandbox's API server (e.g. Cilium's
// CiliumNetworkPolicy CRD, copied from its Go module by scripts/run), waiting until the API server
// serves them.
//
// Usage: const names = await installCrds(box.kubectl, [ciliumCrdFile()]);   // ['ciliumnetworkpolicies.cilium.io']
//        await box.kubectl(['create', '--dry-run=server', '--validate=strict', '-f', '-'], { input });
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { waitFor, type ExecOptions } from './exec.ts';

type Kubectl = (args: string[], options?: ExecOptions) => Promise<string>;

/** Applies the CRD files (server-side) and waits until each CRD is Established; returns their names. */
export async function installCrds(kubectl: Kubectl, files: readonly string[]): Promise<string[]> {
  const names = files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
      .filter((object) => object?.kind === 'CustomResourceDefinition')
      .map((object) => String(object?.metadata?.name)),
  );
  for (const file of files)
    await kubectl(['apply', '--server-side', '--field-manager=fineract-netpol-sandbox', '-f', file]);
  // Polled: `kubectl wait` fails when the CRD has no status conditions yet, right after the apply.
  const established = '{.status.conditions[?(@.type=="Established")].status}';
  for (const name of names) {
    await waitFor(
      `the CRD ${name} to be established`,
      async () =>
        (await kubectl(['get', `crd/${name}`, '-o', `jsonpath=${established}`])) === 'True' ? true : undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }
  return names;
}
