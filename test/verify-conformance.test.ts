// Conformance of our analyzer (src/verify/analyze.ts) with Kubernetes NetworkPolicy semantics and
// with an independent implementation, np-guard's netpol-analyzer (the real binary).
//
// A case is a folder of test/fixtures/verify/ (see its README.md) with NetworkPolicies, workloads
// and `expected.txt`, the pod-to-pod connectivity written by hand from the Kubernetes
// documentation. Every case is read by our loader (src/verify/load.ts) and, independently, by
// netpol-analyzer (`netpolicy list --dirpath <case>`), and:
//   (a) our pod-to-pod connectivity equals expected.txt;
//   (b) our pod-to-pod connectivity equals netpol-analyzer's, except on a case with a
//       `netpol-analyzer.txt`: a known difference, documented in the README, where netpol-analyzer
//       must report exactly that file instead.
// The last line of the run says on how many cases (b) holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.ts';
import { analyze } from '../src/verify/analyze.ts';
import { loadManifests } from '../src/verify/load.ts';
import { analysisLines, expectedLines, formatPorts, parsePorts } from './helpers/conformance.ts';
import { netpolAnalyzerLines, netpolAnalyzerWorkload } from './helpers/netpol-analyzer.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'verify');
const CASES = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const conforming = new Set<string>();
const differences = new Set<string>();

describe('verify conformance fixtures', () => {
  it('has at least 24 cases, each with policies, workloads and a hand-written expectation', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(24);
    for (const name of CASES) {
      for (const file of ['policies.yaml', 'workloads.yaml', 'expected.txt']) {
        expect(existsSync(join(FIXTURES, name, file)), `${name}/${file}`).toBe(true);
      }
    }
  });
});

describe('canonical connectivity lines', () => {
  it("reads netpol-analyzer's and our port notations into the same canonical text", () => {
    expect(formatPorts(parsePorts('SCTP 5,TCP 80,443,UDP 1000-2000'))).toBe('TCP 80,443; UDP 1000-2000; SCTP 5');
    expect(formatPorts(parsePorts('UDP 53; TCP 53'))).toBe('TCP 53; UDP 53');
    expect(formatPorts(parsePorts('TCP 80,81-82'))).toBe('TCP 80-82');
    expect(formatPorts(parsePorts('All Connections'))).toBe('All Connections');
    expect(formatPorts(parsePorts('TCP 1-65535,UDP 1-65535,SCTP 1-65535'))).toBe('All Connections');
    expect(() => parsePorts('ICMP 8')).toThrow(/unknown protocol/);
  });

  it('keeps workloads and drops address ranges of netpol-analyzer', () => {
    expect(netpolAnalyzerWorkload('fineract-uat/fineract-redis[StatefulSet]')).toBe('fineract-uat/fineract-redis');
    expect(netpolAnalyzerWorkload('0.0.0.0-9.255.255.255')).toBeUndefined();
    expect(netpolAnalyzerWorkload('::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBeUndefined();
  });

  it('refuses a pair listed twice in a hand-written expectation', () => {
    expect(() => expectedLines('x/a => x/b : TCP 80\nx/a => x/b : TCP 81\n')).toThrow(/twice/);
  });
});

describe.each(CASES)('%s', (name) => {
  const dir = join(FIXTURES, name);
  const ours = async () => analysisLines(analyze(await loadManifests([dir])));

  it('our analyzer allows exactly the hand-written connectivity', async () => {
    const expected = expectedLines(readFileSync(join(dir, 'expected.txt'), 'utf8'));
    expect(await ours()).toEqual(expected);
  });

  it('our analyzer equals netpol-analyzer, or differs only as documented', async () => {
    const theirs = netpolAnalyzerLines(dir);
    const documented = join(dir, 'netpol-analyzer.txt');
    if (existsSync(documented)) {
      // A known difference (README.md): netpol-analyzer reports this instead of expected.txt. When
      // a new netpol-analyzer changes its answer, this fails, and the case is to be reviewed.
      expect(theirs).toEqual(expectedLines(readFileSync(documented, 'utf8')));
      expect(await ours()).not.toEqual(theirs);
      differences.add(name);
      return;
    }
    expect(await ours()).toEqual(theirs);
    conforming.add(name);
  });
});

afterAll(() => {
  const failing = CASES.filter((name) => !conforming.has(name) && !differences.has(name));
  console.log(
    `verify conformance: ours == netpol-analyzer on ${conforming.size} of ${CASES.length} fixtures` +
      (differences.size > 0 ? `; documented differences: ${[...differences].join(', ')}` : '') +
      (failing.length > 0 ? `; failing: ${failing.join(', ')}` : ''),
  );
});
