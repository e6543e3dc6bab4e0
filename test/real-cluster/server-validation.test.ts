// The API server as the ground truth for "the API server would refuse it" (`kubectl apply
// --dry-run=server` against the sandbox's real kube-apiserver v1.34):
//   - the bad-values corpus: every case the chart renders with the schema skipped goes to the
//     API server; verify's model of the API server's rules (validateKubernetesObject) must agree
//     with it object for object, and `validate` must refuse every case the API server refuses;
//   - the property test's values: 240 random valid values (its arbitrary, a fixed seed), rendered
//     by Helm 4, and every object they render is accepted;
//   - CiliumNetworkPolicies (policyEngine: cilium), with the CRD of the pinned Cilium release
//     installed from its Go module (not the vendored copy): the chart's renders of every
//     environment with Helm 3 and 4 are accepted with strict field validation, the broken cases of
//     test/fixtures/cilium/refused.yaml marked `schema` are refused (and the others accepted), and
//     src/verify/readers/cilium-crd.ts (the vendored schema, no Go) agrees with the API server on each object.
// Both tests share one control-plane-only sandbox (one API server start).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR } from '../../src/paths.ts';
import { installCrds } from '../../src/sandbox/crd.ts';
import { sandboxUnavailable } from '../../src/sandbox/tools.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { pool } from '../../src/sandbox/layout.ts';
import { validateCiliumNetworkPolicy } from '../../src/verify/readers/cilium-crd.ts';
import { formatIssue, validateKubernetesObject } from '../../src/verify/readers/kubernetes.ts';
import { helmOverride, valuesArbitrary } from '../helpers/arbitraries.ts';
import { BatchRenderer } from '../helpers/batch-render.ts';
import { readCorpus, validateRefuses } from '../helpers/corpus.ts';
import { helm } from '../helpers/helm.ts';
import { chartHasCiliumEngine, ciliumCases, ciliumCrdFile, ciliumRenders, environments } from '../helpers/cilium.ts';

const NS = 'fineract-uat';
const PROPERTY_NS = 'fineract-prop';
const PROPERTY_SAMPLE = 240;
const PROPERTY_SEED = 20_261_203;

type Verdict = { accepted: boolean; message: string };

/**
 * `kubectl apply --dry-run=server` of each object on its own (a few kubectl processes at a time),
 * with strict field validation (kubectl's default, said explicitly): an unknown field is an error.
 */
function dryRun(box: Sandbox, objects: unknown[]): Promise<Verdict[]> {
  return pool(objects, 6, (object) =>
    box
      .kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: JSON.stringify(object) })
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
  let shared: Sandbox | undefined;
  beforeAll(async () => {
    const names = new Set([NS, PROPERTY_NS, ...environments().map((e) => e.namespace)]);
    const namespaces = [...names].map((name) => ({ name, labels: {} }));
    shared = await startSandbox({ inventory: { namespaces, workloads: [] }, policies: [], controlPlaneOnly: true });
  });
  afterAll(async () => {
    const box = shared;
    shared = undefined;
    if (box) expect(await box.stop(), 'the sandbox teardown left something behind').toEqual([]);
  });
  const sandbox = (): Sandbox => {
    if (!shared) throw new Error('the control plane did not start (see beforeAll)');
    return shared;
  };

  it('the bad-values corpus and 240 random values against the real API server', async () => {
    const box = sandbox();
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
  });

  it("CiliumNetworkPolicies against Cilium's real CRD: the chart's renders, the broken cases, and verify's model", async () => {
    const box = sandbox();
    expect(await installCrds((args, options) => box.kubectl(args, options), [ciliumCrdFile()])).toEqual([
      'ciliumnetworkpolicies.cilium.io',
    ]);
    const accepted = ciliumCases('spec-shape.yaml');
    const refused = ciliumCases('refused.yaml');
    // Not marked refused: only whether verify's model agrees matters (Go's lenient CIDR parser,
    // host bits, IPv6, an int-or-string ICMP type as a number and as a name, a null).
    const probes: { name: string; object: Record<string, unknown> }[] = [
      ['010.0.0.0/8', '10.0.0.1/8', '2001:db8::1/64', '10.0.0.0/08'].map((cidr, i) => ({
        name: `cidr-${i}`,
        spec: { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr }] }] },
      })),
      [8, 'EchoRequest', 'Echo Request'].map((type, i) => ({
        name: `icmp-${i}`,
        spec: { endpointSelector: {}, egress: [{ toEntities: ['world'], icmps: [{ fields: [{ type }] }] }] },
      })),
      // A null where a list is expected: the API server prunes it (not nullable), as verify must read it.
      [{ name: 'null-list', spec: { endpointSelector: {}, egress: [{ toEntities: ['world'], toPorts: null }] } }],
    ]
      .flat()
      .map(({ name, spec }) => ({
        name,
        object: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: NS }, spec },
      }));
    const chart = chartHasCiliumEngine() ? ciliumRenders() : [];
    const all = [
      ...[...accepted, ...refused, ...probes].map((c) => ({ label: `fixture ${c.name}`, object: c.object })),
      ...chart.flatMap((render) =>
        render.objects.map((object) => ({
          label: `${render.label}: ${String((object['metadata'] as { name?: string }).name)}`,
          object,
        })),
      ),
    ];
    const verdicts = await dryRun(
      box,
      all.map((a) => a.object),
    );
    const disagreements: string[] = [];
    all.forEach((item, i) => {
      const server = verdicts[i] as Verdict;
      const ours = validateCiliumNetworkPolicy(item.object);
      if (server.accepted !== (ours.length === 0)) {
        disagreements.push(
          `${item.label}: API server ${server.accepted ? 'accepts' : `refuses (${server.message})`}, validateCiliumNetworkPolicy ${ours.length === 0 ? 'accepts' : `refuses (${ours.map(formatIssue).join('; ')})`}`,
        );
      }
    });
    expect(disagreements, 'verify models the API server with the CRD installed').toEqual([]);
    const verdictOf = (name: string) => verdicts[all.findIndex((a) => a.label === `fixture ${name}`)] as Verdict;
    for (const c of accepted) expect(verdictOf(c.name).message, c.name).toBe('');
    for (const c of refused) {
      expect(verdictOf(c.name).accepted, `${c.name}: ${c.why} (${verdictOf(c.name).message})`).toBe(
        !c.refusedBy.has('schema'),
      );
    }
    const chartObjects = all.slice(accepted.length + refused.length + probes.length);
    const refusedChart = chartObjects.filter(
      (_, i) => !(verdicts[accepted.length + refused.length + probes.length + i] as Verdict).accepted,
    );
    expect(
      refusedChart.map((c) => c.label),
      'the API server accepts every cilium render of the chart',
    ).toEqual([]);
    console.log(
      `[real-cluster] Cilium CRD: ${chart.length} renders (${chartObjects.length} CiliumNetworkPolicies) accepted, ` +
        `${refused.filter((c) => c.refusedBy.has('schema')).length} of ${refused.length} broken cases refused as marked, ` +
        `${probes.length} probes; validateCiliumNetworkPolicy agrees on all ${all.length} objects` +
        (chartHasCiliumEngine() ? '' : ' (the chart has no policyEngine yet: fixtures only)'),
    );
  });
});
