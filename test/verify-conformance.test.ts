// Conformance of our analyzer (src/verify/analysis/analyze.ts) with Kubernetes NetworkPolicy semantics and
// with an independent implementation, np-guard's netpol-analyzer (the real binary).
//
// A case is a folder of test/fixtures/verify/ (see its README.md) with NetworkPolicies, workloads
// and `expected.txt`, the pod-to-pod connectivity written by hand from the Kubernetes
// documentation. Every case is read by our loader (src/verify/readers/load.ts) and, independently, by
// netpol-analyzer (`netpolicy list --dirpath <case>`), and:
//   (a) our pod-to-pod connectivity equals expected.txt;
//   (b) our pod-to-pod connectivity equals netpol-analyzer's, except on a case with a
//       `netpol-analyzer.txt`: a known difference, documented in the README, where netpol-analyzer
//       must report exactly that file instead (or, for `error: <text>`, refuse the case with it);
//   (c) on a case with an `external.txt`, our connectivity between its workloads and IP addresses
//       equals that file, and so does netpol-analyzer's for IPv4 addresses (it lists no IPv6
//       range), except on a known difference.
// The last line of the run says on how many cases (b) holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.ts';
import { analyze } from '../src/verify/analysis/analyze.ts';
import { loadManifests } from '../src/verify/readers/load.ts';
import {
  analysisExternalLines,
  analysisLines,
  expectedLines,
  externalExpectation,
  formatPorts,
  pairAddress,
  parsePorts,
  type ExternalExpectation,
} from './helpers/conformance.ts';
import {
  netpolAnalyzerExternalLines,
  netpolAnalyzerLines,
  netpolAnalyzerRange,
  netpolAnalyzerWorkload,
} from './helpers/netpol-analyzer.ts';

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
    expect(formatPorts(parsePorts('No Connections'))).toBe('No Connections');
    expect(() => parsePorts('ICMP 8')).toThrow(/unknown protocol/);
  });

  it('keeps workloads and drops address ranges of netpol-analyzer', () => {
    expect(netpolAnalyzerWorkload('fineract-uat/fineract-redis[StatefulSet]')).toBe('fineract-uat/fineract-redis');
    expect(netpolAnalyzerWorkload('0.0.0.0-9.255.255.255')).toBeUndefined();
    expect(netpolAnalyzerWorkload('::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBeUndefined();
  });

  it('refuses a pair listed twice in a hand-written expectation', () => {
    expect(() => expectedLines('x/a => x/b : TCP 80\nx/a => x/b : TCP 81\n')).toThrow(/twice/);
    expect(() => externalExpectation('x/a => 1.2.3.4 : TCP 80\nx/a => 1.2.3.4 : TCP 81\n')).toThrow(/twice/);
  });

  it('reads external.txt pairs: one side a workload, the other an IPv4 or IPv6 address', () => {
    const external = externalExpectation('x/a => 8.8.8.8 : TCP 443 # comment\nfd00::1 => x/b : No Connections\n');
    expect(external.map((e) => pairAddress(e.pair))).toEqual(['8.8.8.8', 'fd00::1']);
    expect(external.map((e) => e.line)).toEqual(['x/a => 8.8.8.8 : TCP 443', 'fd00::1 => x/b : No Connections']);
    expect(() => externalExpectation('x/a => x/b : TCP 80')).toThrow(/IP address/);
    expect(() => externalExpectation('1.2.3.4 => 8.8.8.8 : TCP 80')).toThrow(/IP address/);
  });

  it("reads netpol-analyzer's address ranges", () => {
    expect(netpolAnalyzerRange('10.0.0.0-10.255.255.255')).toEqual({ family: 4, start: 0x0a000000n, end: 0x0affffffn });
    expect(netpolAnalyzerRange('10.0.0.0/8')).toEqual({ family: 4, start: 0x0a000000n, end: 0x0affffffn });
    expect(netpolAnalyzerRange('8.8.8.8')).toEqual({ family: 4, start: 0x08080808n, end: 0x08080808n });
    expect(netpolAnalyzerRange('::-::ffff')).toEqual({ family: 6, start: 0n, end: 0xffffn });
  });
});

describe.each(CASES)('%s', (name) => {
  const dir = join(FIXTURES, name);
  const ours = async () => analysisLines(analyze(await loadManifests([dir])));
  const documented = join(dir, 'netpol-analyzer.txt');

  it('our analyzer allows exactly the hand-written connectivity', async () => {
    const expected = expectedLines(readFileSync(join(dir, 'expected.txt'), 'utf8'));
    expect(await ours()).toEqual(expected);
  });

  it('our analyzer equals netpol-analyzer, or differs only as documented', async () => {
    if (existsSync(documented)) {
      // A known difference (README.md): netpol-analyzer reports this instead of expected.txt, or
      // refuses the case with `error: <text>`. When a new netpol-analyzer changes its answer, this
      // fails, and the case is to be reviewed.
      const text = readFileSync(documented, 'utf8');
      const refusal = /^error: (.+)$/m.exec(text)?.[1];
      if (refusal !== undefined) {
        expect(() => netpolAnalyzerLines(dir)).toThrow(refusal);
      } else {
        const theirs = netpolAnalyzerLines(dir);
        expect(theirs).toEqual(expectedLines(text));
        expect(await ours()).not.toEqual(theirs);
      }
      differences.add(name);
      return;
    }
    expect(await ours()).toEqual(netpolAnalyzerLines(dir));
    conforming.add(name);
  });

  const externalFile = join(dir, 'external.txt');
  if (existsSync(externalFile)) {
    it('external addresses: ours, and netpol-analyzer for IPv4 addresses, allow exactly external.txt', async () => {
      const external = externalExpectation(readFileSync(externalFile, 'utf8'));
      const lines = (entries: ExternalExpectation[]) => entries.map((e) => e.line).sort();
      const pairs = (entries: ExternalExpectation[]) => entries.map((e) => e.pair);
      expect(analysisExternalLines(await loadManifests([dir]), pairs(external))).toEqual(lines(external));
      if (existsSync(documented)) return; // a known difference: netpol-analyzer is checked above
      const ipv4 = external.filter((e) => isIPv4(pairAddress(e.pair)));
      expect(netpolAnalyzerExternalLines(dir, pairs(ipv4))).toEqual(lines(ipv4));
    });
  }
});

afterAll(() => {
  const failing = CASES.filter((name) => !conforming.has(name) && !differences.has(name));
  console.log(
    `verify conformance: ours == netpol-analyzer on ${conforming.size} of ${CASES.length} fixtures` +
      (differences.size > 0 ? `; documented differences: ${[...differences].join(', ')}` : '') +
      (failing.length > 0 ? `; failing: ${failing.join(', ')}` : ''),
  );
});
