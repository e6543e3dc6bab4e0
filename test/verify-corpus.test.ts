// verify reads what kubectl and netpol-analyzer read: np-guard's own test corpus (the `tests/`
// folder of the netpol-analyzer module that scripts/run builds, 253 folders of real-world and
// deliberately broken manifests), folder by folder.
//
// - A folder verify refuses must be in REFUSED, with the reason it must give: what the API server
//   (or a YAML reader) refuses too. Any other refusal fails: typed lists whose items carry no
//   apiVersion/kind, files that are not manifests (skipped with a warning naming them), duplicates
//   that change nothing, policies of other APIs (warned about, not analysed) are all read.
// - Where netpol-analyzer reads the folder cleanly and the folder holds no policy verify cannot
//   analyse (AdminNetworkPolicy …), the pod-to-pod connectivity is the same. netpol-analyzer names
//   a pod by its owner (`ns/<ReplicaSet>`, unless the owner is a Node), so our pods are renamed so.
//
// Usage: scripts/run npx vitest run test/verify-corpus.test.ts
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/verify/analysis/analyze.ts';
import { isRecord } from '../src/verify/readers/kubernetes.ts';
import { loadManifests, type LoadedManifests } from '../src/verify/readers/load.ts';
import { analysisLines } from './helpers/conformance.ts';
import { netpolAnalyzerLines } from './helpers/netpol-analyzer.ts';

const MODULE = 'github.com/np-guard/netpol-analyzer@v1.4.4';

/** The corpus folder: `go mod download` of the module scripts/run builds (instant when cached). */
function corpusDir(): string {
  const work = mkdtempSync(join(tmpdir(), 'fineract-netpol-corpus-'));
  try {
    const env = { ...process.env, GOFLAGS: '', GOWORK: 'off' };
    const result = spawnSync('go', ['mod', 'download', '-json', MODULE], { cwd: work, env, encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(`go mod download ${MODULE} failed: ${result.error?.message ?? result.stderr}`);
    }
    const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
    if (!dir || !existsSync(join(dir, 'tests'))) throw new Error(`${MODULE} has no tests/ folder at ${dir}`);
    return join(dir, 'tests');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rows of REFUSED for folders refused for one reason. */
function sameReason(folders: string[], reason: string, why: string): [string, string, string][] {
  return folders.map((folder) => [folder, reason, why]);
}

/** Folders verify refuses, with (a part of) the reason it gives, and why that is right. */
const REFUSED: [folder: string, reason: string, why: string][] = [
  ['acs-security-demos-added-workloads', 'invalid YAML', 'a tab indents a flow sequence item (Go reads past it)'],
  ['bad_netpols', 'must be a valid CIDR', 'invalid NetworkPolicies, refused by the API server'],
  ['dirty', 'invalid YAML', 'broken YAML'],
  ['document_with_syntax_error', 'invalid YAML', 'broken YAML'],
  ...sameReason(
    [
      'example_pods_w_same_owner_and_labels_gap_with_bad_match_expression',
      'example_pods_w_same_owner_and_labels_gap_with_good_match_expression',
      'example_pods_w_same_owner_and_labels_gap_with_good_match_expression2',
      'example_pods_w_same_owner_and_labels_gap_with_policy_selector_not_in_gap',
    ],
    'the API server refuses any other name',
    'a policy name with "_"',
  ),
  ['malformed-pod-example-2', 'ports: must be a list', 'a Pod the API server refuses'],
  ['malformed-pod-example-5', 'invalid YAML', 'broken YAML'],
  ['malformed_pod_example', 'containerPort: must be a number', 'a Pod the API server refuses'],
  ...sameReason(
    ['netpol_named_port_test', 'netpol_named_port_test_2'],
    'containerport: unknown field (did you mean "containerPort"?): kubectl apply refuses it',
    'a misspelt field: its port would be dropped',
  ),
  ['np_bad_path_test_1', 'defined twice with different content', 'which of the two is live is unknown'],
  ['np_bad_path_test_2', 'endPort: may not be specified when port is a name', 'refused by the API server'],
  ['np_test_with_empty_port_range', 'endPort: 1 must be greater than or equal to port', 'refused by the API server'],
  ['onlineboutique_with_pods_severe_error', 'invalid YAML', 'broken YAML'],
];

const corpus = corpusDir();
const folders = readdirSync(corpus, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const refused = new Map(REFUSED.map(([folder, reason]) => [folder, reason]));
const tally = { read: 0, refused: 0, compared: 0, unanalysed: 0, skippedDocuments: 0 };

afterAll(() => {
  console.log(
    `netpol-analyzer corpus: ${folders.length} folders, ${tally.read} read (${tally.compared} with the same ` +
      `connectivity as netpol-analyzer, ${tally.unanalysed} holding policies of other APIs), ${tally.refused} refused ` +
      `as the API server would, ${tally.skippedDocuments} non-manifest documents skipped with a warning`,
  );
});

/** Our pod-to-pod lines with pods renamed to their owner, as netpol-analyzer names them. */
function linesByOwner(loaded: LoadedManifests, owners: Map<string, string>): string[] {
  const lines = new Set<string>();
  for (const line of analysisLines(analyze(loaded))) {
    const match = /^(\S+) => (\S+) : (.*)$/.exec(line);
    if (!match) throw new Error(`unexpected line ${line}`);
    const [, from = '', to = '', ports = ''] = match;
    const source = owners.get(from) ?? from;
    const destination = owners.get(to) ?? to;
    if (source !== destination) lines.add(`${source} => ${destination} : ${ports}`);
  }
  return [...lines].sort();
}

/** Pod → its owner (`ns/name`), from the objects as read (List items included). */
function collectOwner(owners: Map<string, string>, object: Record<string, unknown>, listKind?: string): void {
  const items = object['items'];
  if (Array.isArray(items)) {
    const kind = typeof object['kind'] === 'string' ? object['kind'] : undefined;
    for (const item of items) if (isRecord(item)) collectOwner(owners, item, kind);
    return;
  }
  const kind = object['kind'] ?? listKind?.replace(/List$/, '');
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  const references = Array.isArray(metadata['ownerReferences']) ? (metadata['ownerReferences'] as unknown[]) : [];
  const owner = references.find(isRecord);
  if (kind !== 'Pod' || !owner || owner['kind'] === 'Node' || typeof owner['name'] !== 'string') return;
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : 'default';
  owners.set(`${namespace}/${String(metadata['name'])}`, `${namespace}/${owner['name']}`);
}

describe("netpol-analyzer's test corpus", () => {
  it('has the folders this test was written against', () => {
    expect(folders.length).toBeGreaterThanOrEqual(250);
    for (const [folder] of REFUSED) expect(folders).toContain(folder);
  });

  it.each(folders)('%s', async (folder) => {
    const dir = join(corpus, folder);
    const owners = new Map<string, string>();
    const reason = refused.get(folder);
    if (reason !== undefined) {
      await expect(loadManifests([dir])).rejects.toThrow(reason);
      tally.refused += 1;
      return;
    }
    const loaded = await loadManifests([dir], { onObject: (object) => collectOwner(owners, object) });
    tally.read += 1;
    tally.skippedDocuments += loaded.warnings.filter((w) => w.endsWith(': skipped')).length;
    if (loaded.unanalysed.length > 0) {
      tally.unanalysed += 1;
      expect(loaded.warnings.join('\n')).toContain('changes connectivity but is NOT analysed');
      return;
    }
    let theirs: string[];
    try {
      theirs = netpolAnalyzerLines(dir);
    } catch {
      return; // netpol-analyzer refuses or warns (e.g. no NetworkPolicy in the folder): nothing to compare
    }
    expect(linesByOwner(loaded, owners)).toEqual(theirs);
    tally.compared += 1;
  });

  it('compares connectivity on most folders', () => {
    // 120 folders with netpol-analyzer v1.4.4; fewer means folders stopped being read or compared.
    expect(tally.compared).toBeGreaterThanOrEqual(120);
  });
});
