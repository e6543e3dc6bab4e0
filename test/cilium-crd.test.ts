// The CRD schema check of the chart's CiliumNetworkPolicies (policyEngine: cilium):
//   - the vendored schema (schema/vendor/) is the v2 openAPIV3Schema of the CRD in the pinned
//     github.com/cilium/cilium module, byte for byte (re-extracted from the CRD that scripts/run
//     copies out of the module; the Go-tools lane: a missing CRD is an error, not a skip);
//   - src/verify/readers/cilium-crd.ts, which validates with it, accepts the hand-written renders of
//     test/fixtures/cilium/spec-shape.yaml and every render of the chart (every environment, Helm 3
//     and 4), and refuses exactly the cases of test/fixtures/cilium/refused.yaml marked `schema`;
//   - its linear rewrites of the schema's patterns match what the Go patterns match, and no pattern
//     backtracks for long on hostile input.
// The real API server with the same CRD installed is the judge of the validator:
// test/real-cluster/server-validation.test.ts compares the two object by object.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pinnedCiliumVersion, vendoredText } from '../scripts/vendor-cilium-crd.ts';
import {
  CILIUM_VERSION,
  ciliumSchemaFile,
  goPatternMatcher,
  isGoCidr,
  LINEAR_PATTERNS,
  validateCiliumNetworkPolicy,
} from '../src/verify/readers/cilium-crd.ts';
import { formatIssue } from '../src/verify/readers/kubernetes.ts';
import { chartHasCiliumEngine, ciliumCases, ciliumCrdFile, ciliumRenders } from './helpers/cilium.ts';

const messages = (object: unknown) => validateCiliumNetworkPolicy(object).map(formatIssue);

describe('the vendored CiliumNetworkPolicy schema', () => {
  it('is the v2 openAPIV3Schema of the CRD in the pinned Cilium module, unchanged', () => {
    const version = pinnedCiliumVersion();
    expect(
      CILIUM_VERSION,
      'src/verify/readers/cilium-crd.ts and test/oracles/cilium-check/go.mod pin one version',
    ).toBe(version);
    const crd = readFileSync(ciliumCrdFile(), 'utf8');
    const vendored = readFileSync(ciliumSchemaFile(version), 'utf8');
    const provenance = (JSON.parse(vendored) as { provenance: { sha256: string } }).provenance;
    expect(provenance.sha256, 'the CRD file is the one the provenance names').toBe(
      createHash('sha256').update(crd).digest('hex'),
    );
    expect(
      vendored === vendoredText(crd, version),
      'run `FINERACT_NETPOL_TOOLS=all scripts/run node scripts/vendor-cilium-crd.ts`',
    ).toBe(true);
  });

  it('checks the patterns JavaScript would backtrack on with equivalent linear checks', () => {
    const unit = fc.constantFrom('a', 'Z', '0', '7', '6', '5', '-', '.', '_', '*', '!');
    for (const [go, linear] of Object.entries(LINEAR_PATTERNS)) {
      const original = new RegExp(go, 'u');
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 14 }), (s) => linear(s) === original.test(s)),
        { numRuns: 3000, seed: 12 },
      );
    }
  });

  it('has no pattern that backtracks for long on hostile input (a manifest cannot hang verify)', () => {
    const patterns = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.add(value);
          else collect(value);
        }
      }
    };
    collect(JSON.parse(readFileSync(ciliumSchemaFile(), 'utf8')));
    expect(patterns.size).toBeGreaterThan(3);
    const hostile = ['a', 'a.', 'a-', '0', 'a0-', 'a.a', '*'].flatMap((unit) => [
      `${unit.repeat(20_000)}!`,
      `!${unit.repeat(20_000)}`,
    ]);
    for (const pattern of patterns) {
      const matches = goPatternMatcher(pattern);
      const started = performance.now();
      for (const input of hostile) matches(input);
      // Linear: ~40 ms for all 14 (at load 10); quadratic would take seconds, exponential forever.
      expect(performance.now() - started, pattern).toBeLessThan(1000);
    }
  });
});

describe('validateCiliumNetworkPolicy', () => {
  it('accepts the hand-written renders of the spec (every construct the cilium engine renders)', () => {
    for (const c of ciliumCases('spec-shape.yaml')) expect(messages(c.object), c.name).toEqual([]);
  });

  it('refuses exactly the broken cases the CRD schema refuses, each with a path', () => {
    const cases = ciliumCases('refused.yaml');
    expect(cases.length).toBeGreaterThanOrEqual(10);
    for (const c of cases) {
      const issues = validateCiliumNetworkPolicy(c.object);
      expect(issues.length > 0, `${c.name}: ${c.why} (${issues.map(formatIssue).join('; ')})`).toBe(
        c.refusedBy.has('schema'),
      );
    }
  });

  it('says where and what, with the fix where there is one', () => {
    const policy = (spec: unknown) => ({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec,
    });
    expect(messages(policy({ endpointSelector: {}, egress: [{ toFQDN: [] }] }))).toEqual([
      expect.stringMatching(/^spec\.egress\[0\]\.toFQDN: unknown field \(did you mean "toFQDNs"\?\)/),
    ]);
    expect(
      messages(policy({ endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: '10.0.0.0/8', cidrGroupRef: 'g' }] }] })),
    ).toEqual([
      'spec.egress[0].toCIDRSet[0]: must set exactly one of cidr, cidrGroupRef, cidrGroupSelector (it sets cidr and cidrGroupRef)',
    ]);
    expect(messages(policy({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: 80 }] }] }] }))).toEqual([
      'spec.ingress[0].toPorts[0].ports[0].port: must be a string (got 80)',
    ]);
    expect(messages({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' })).toEqual([
      'kind: "NetworkPolicy" (networking.k8s.io/v1) is not a cilium.io/v2 CiliumNetworkPolicy',
    ]);
  });

  it("reads CIDRs as the API server's cidr format does (Go's lenient parser)", () => {
    for (const ok of ['10.0.0.0/8', '10.0.0.1/8', '010.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::ffff:10.0.0.0/104']) {
      expect(isGoCidr(ok), ok).toBe(true);
    }
    for (const bad of [
      '10.0.0.0',
      '10.0.0.0/33',
      '10.0.0.0/',
      '256.0.0.0/8',
      'fe80::1%eth0/64',
      '2001:db8::/129',
      'a/8',
    ]) {
      expect(isGoCidr(bad), bad).toBe(false);
    }
  });

  // Waits for the lead's cilium engine: until chart/values.schema.json has `policyEngine`, only the
  // hand-written renders above are checked.
  it.skipIf(!chartHasCiliumEngine())(
    'accepts every cilium render of the chart: every environment, Helm 3 and 4',
    () => {
      const renders = ciliumRenders();
      for (const render of renders) {
        expect(render.objects.length, render.label).toBeGreaterThan(0);
        for (const object of render.objects) {
          const name = String((object['metadata'] as { name?: string } | undefined)?.name);
          expect(messages(object), `${render.label}: ${name}`).toEqual([]);
        }
      }
    },
  );
});
