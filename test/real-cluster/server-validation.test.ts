// The API server as the ground truth for "the API server would refuse it" (`kubectl apply
// --dry-run=server` against the sandbox's real kube-apiserver v1.34):
//   - the bad-values corpus: every case the chart renders with the schema skipped goes to the
//     API server; verify's model of the API server's rules (validateKubernetesObject) must agree
//     with it object for object, and `validate` must refuse every case the API server refuses;
//   - the property test's values: 240 random valid values (its arbitrary, a fixed seed), rendered
//     by Helm 4, and every object they render is accepted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHART_DIR } from '../../src/paths.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import { pool } from '../../src/sandbox/layout.ts';
import { validateKubernetesObject } from '../../src/verify/kubernetes.ts';
import { helmOverride, valuesArbitrary } from '../helpers/arbitraries.ts';
import { BatchRenderer } from '../helpers/batch-render.ts';
import { readCorpus, validateRefuses } from '../helpers/corpus.ts';
import { helm } from '../helpers/helm.ts';
import { withSandbox } from './helpers.ts';

const NS = 'fineract-uat';
const PROPERTY_NS = 'fineract-prop';
const PROPERTY_SAMPLE = 240;
const PROPERTY_SEED = 20_261_203;

type Verdict = { accepted: boolean; message: string };

/** `kubectl apply --dry-run=server` of each object on its own (a few kubectl processes at a time). */
function dryRun(box: Sandbox, objects: unknown[]): Promise<Verdict[]> {
  return pool(objects, 6, (object) =>
    box
      .kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(object) })
      .then(() => ({ accepted: true, message: '' }))
      .catch((error: Error) => ({ accepted: false, message: error.message })),
  );
}

/** `kubectl create --dry-run=server` of many objects in one process: the names of those accepted, or the errors. */
async function dryRunAll(box: Sandbox, objects: unknown[]): Promise<{ accepted: number; errors: string }> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  try {
    const out = await box.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
      input,
      timeoutMs: 300_000,
    });
    return { accepted: out.split('\n').filter((l) => l.trim() !== '').length, errors: '' };
  } catch (error) {
    return { accepted: 0, errors: (error as Error).message };
  }
}

function objectsOf(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null);
}

describe.skipIf(sandboxUnavailable() !== undefined)('real cluster: server-side validation', () => {
  it('the bad-values corpus and 240 random values against the real API server', async () => {
    const namespaces = [
      { name: NS, labels: {} },
      { name: PROPERTY_NS, labels: {} },
    ];
    await withSandbox(
      { inventory: { namespaces, workloads: [] }, policies: [], controlPlaneOnly: true },
      async (box) => {
        // ---- the corpus ----
        const cases = readCorpus().filter((c) => c.layers['chart-helper'].kind === 'passes');
        expect(cases.length).toBeGreaterThan(20);
        let objects = 0;
        const refusedByServer: string[] = [];
        const disagreements: string[] = [];
        for (const c of cases) {
          const rendered = helm(4, [
            'template',
            'fineract-netpol',
            CHART_DIR,
            '-n',
            NS,
            '--skip-schema-validation',
            '-f',
            c.file,
          ]);
          expect(rendered.status, `${c.name}: the chart's checks pass, so Helm renders it: ${rendered.stderr}`).toBe(0);
          const docs = objectsOf(rendered.stdout);
          objects += docs.length;
          const verdicts = await dryRun(box, docs);
          docs.forEach((doc, i) => {
            const server = verdicts[i] as Verdict;
            const ours = validateKubernetesObject(doc);
            if (server.accepted !== (ours.length === 0)) {
              disagreements.push(
                `${c.name}: API server ${server.accepted ? 'accepts' : `refuses (${server.message})`}, validateKubernetesObject ${ours.length === 0 ? 'accepts' : `refuses (${ours.map((x) => x.message).join('; ')})`}`,
              );
            }
            if (!server.accepted) refusedByServer.push(c.name);
          });
        }
        expect(disagreements, 'verify models the API server').toEqual([]);
        const notRefusedByValidate = [...new Set(refusedByServer)].filter(
          (name) => !validateRefuses(cases.find((c) => c.name === name) as (typeof cases)[number]),
        );
        expect(notRefusedByValidate, 'validate refuses every case the API server refuses').toEqual([]);

        // ---- the property test's values ----
        const defaults: unknown = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
        const values = fc.sample(valuesArbitrary({ releaseNamespace: PROPERTY_NS }), {
          seed: PROPERTY_SEED,
          numRuns: PROPERTY_SAMPLE,
        });
        const renderer = new BatchRenderer({ namespace: PROPERTY_NS });
        let propertyObjects: number | undefined;
        try {
          const batch = renderer.prepare(values.map((v) => helmOverride(v, defaults)));
          const output = await batch.template(4);
          expect(output.status, output.stderr).toBe(0);
          const all = output.outputs.flatMap((o) => objectsOf(o.text));
          propertyObjects = all.length;
          const result = await dryRunAll(box, all);
          expect(result.errors, 'every object the property test renders is accepted').toBe('');
          expect(result.accepted).toBe(all.length);
        } finally {
          renderer.dispose();
        }
        expect(propertyObjects ?? 0).toBeGreaterThanOrEqual(PROPERTY_SAMPLE);
        console.log(
          `[real-cluster] server-side validation: ${cases.length} corpus cases rendered (${objects} objects), ` +
            `the API server refuses ${new Set(refusedByServer).size} of them, validate refuses each of those, ` +
            `validateKubernetesObject agrees on every object; ${PROPERTY_SAMPLE} random values → ${propertyObjects} objects, all accepted`,
        );
      },
    );
  });
});
