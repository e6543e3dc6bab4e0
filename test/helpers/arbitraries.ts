// fast-check arbitraries of random VALID values of the chart (ValuesInput shapes), for the
// property tests (test/property.test.ts).
//
// Usage:
//   const arb = runCaseArbitrary({ releaseNamespace: 'fineract-prop' });
//   fc.assert(fc.property(arb, ({ values, offPick }) => { … }), { seed: 42, numRuns: 1000 });
//   const override = helmOverride(values, chartDefaults);   // the -f file that makes Helm see exactly `values`
//   writeFileSync('v.json', JSON.stringify(override));
//   console.log(valuesYaml(values));                         // paste-able YAML (YAML 1.1 quoting)
//   workloadsWithNamedPorts(synthesizeFromValues(parsed, …).workloads, values)  // pods that resolve named ports
//
// What "valid" means here: every value passes `Values.parse` (the JSON Schema) AND the chart's
// validation helper (`helm template` renders it). If the chart refuses a generated value, this file
// is wrong, unless the chart is: both are checked by the property test.
// - Names are DNS-1123 labels (sometimes 63 characters long), never YAML 1.1 boolean words
//   (y/n/yes/no/on/off/true/false). Label keys are never such words either; label VALUES may be
//   (`"yes"`, `"0x1F"`, `"null"`…): the chart must quote them.
// - Components: non-empty matchLabels, sometimes matchExpressions on other keys (so every
//   selector is satisfiable); some disabled; sometimes a policyName (containing a dot, so it never
//   collides with another component's default `<name>-network-policy`).
// - Peers, the DNS target and the monitoring source are "workloads outside this chart": their
//   label keys come from a pool disjoint from the components' keys, so a component's selector never
//   selects them and theirs never selects a component's pods. They live in a namespace (never the
//   release namespace), in the namespaces a namespaceSelector selects (non-empty matchLabels whose
//   values never contain "prop", so it never selects the release namespace), or — only when
//   defaultDeny is off — in the release namespace itself.
// - Networks: canonical IPv4/IPv6 CIDRs (host bits zero, RFC 5952 text), excludePrivate only when
//   every cidr strictly contains or is disjoint from each of privateCidrs, excepts strictly inside
//   one of the cidrs; sometimes DNS names (fqdns: names, patterns, awsS3Region; only while DNS is
//   enabled) and entities besides the cidrs, so that both engines render every generated value.
//   Connections name only networks with cidrs (the chart's default s3-by-name has none).
//   ipFamilies is sometimes dual stack or IPv6 (a network with 0.0.0.0/0 then also gets ::/0);
//   dns sometimes has cidrs (NodeLocal DNSCache's addresses).
// - Pod label keys are never ones Cilium's default label filter drops (CILIUM_IGNORED_LABEL_KEY,
//   such as k8s.io/…): the cilium engine refuses them, and property (g) renders every value with both.
// - Connections: endpoints name defined components (enabled or not), peers or networks, at least
//   one end a component; ports are numbers, ranges (endPort >= port) and named ports (only towards
//   components and peers); protocols TCP/UDP/SCTP or omitted. Some connections are disabled.
// - Sometimes the chart's default entries are kept (and some overridden by random ones of the same
//   name), sometimes dns/monitoring/privateCidrs/namespaceLabelKey are left to the chart's defaults.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { DEFAULT_VALUES } from '../../src/model/defaults.ts';
import {
  CILIUM_IGNORED_LABEL_KEY,
  DNS1123_LABEL,
  LABEL_KEY,
  LABEL_VALUE,
  PORT_NAME,
  Description,
} from '../../src/model/primitives.ts';
import type { ValuesInput } from '../../src/model/values.ts';
import type { Workload } from '../../src/verify/model/types.ts';

export type ArbitraryOptions = {
  /** The release namespace (`helm -n`): no generated namespace or namespace selector names it. */
  releaseNamespace: string;
};

/** One run of the property test: the values, and which enabled connection to turn off (index, modulo). */
export type RunCase = { values: ValuesInput; offPick: number };

type Protocol = 'TCP' | 'UDP' | 'SCTP';
type Json = Record<string, unknown>;

/** YAML 1.1 words Helm's parser turns into booleans when they are unquoted keys. */
const YAML11_BOOLEANS = new Set(['y', 'yes', 'n', 'no', 'on', 'off', 'true', 'false']);

const weighted = <T>(...entries: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> =>
  fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const maybe = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { nil: undefined, freq });

// ---- names and labels ------------------------------------------------------------------------------

/** A DNS-1123 label (component, peer, network, connection names): mostly short, sometimes 63 long. */
export const nameArbitrary: fc.Arbitrary<string> = weighted(
  [2, fc.constantFrom('fineract', 'fineract-redis', 'keycloak', 'oauth2-proxy', 'ingress-nginx', 'rds', 'api', 'db')],
  [12, fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}$/)],
  [1, fc.stringMatching(/^[0-9][a-z0-9]{0,4}$/)],
  [1, fc.stringMatching(/^[a-z][-a-z0-9]{61}[a-z0-9]$/)],
).filter((name) => name.length <= 63 && DNS1123_LABEL.test(name) && !YAML11_BOOLEANS.has(name));

/** Namespaces peers, DNS and monitoring live in (never the release namespace). */
const namespaceArbitrary = (release: string): fc.Arbitrary<string> =>
  weighted(
    [4, fc.constantFrom('kube-system', 'monitoring', 'ingress-nginx', 'shared', 'team-a')],
    [1, fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?$/)],
  ).filter((ns) => ns !== release && DNS1123_LABEL.test(ns) && !YAML11_BOOLEANS.has(ns));

const prefixArbitrary = weighted(
  [3, fc.constantFrom('example.com', 'fineract.apache.org', 'a.b', 'x-k8s.io')],
  [1, fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?){0,2}$/)],
);

/** A label key whose name part starts with `first` (keeps the components' and peers' keys apart). */
const randomKey = (first: string): fc.Arbitrary<string> =>
  fc
    .tuple(maybe(prefixArbitrary, 3), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/))
    .map(([prefix, name]) => `${prefix ? `${prefix}/` : ''}${first}${name}`)
    .filter(
      (key) => LABEL_KEY.test(key) && !YAML11_BOOLEANS.has(key.toLowerCase()) && !CILIUM_IGNORED_LABEL_KEY.test(key),
    );

/** Label keys of components' pods (never used by peers). */
const componentKey = weighted(
  [
    3,
    fc.constantFrom('app', 'app.kubernetes.io/name', 'app.kubernetes.io/component', 'tier', 'fineract.apache.org/role'),
  ],
  [2, randomKey('c')],
);

/** Label keys of peers' (and DNS and monitoring) pods (never used by components). */
const peerKey = weighted(
  [3, fc.constantFrom('k8s-app', 'name', 'app.kubernetes.io/instance', 'peer.example.com/kind')],
  [2, randomKey('p')],
);

/** Label keys of namespaces. */
const namespaceKey = weighted(
  [3, fc.constantFrom('kubernetes.io/metadata.name', 'team', 'env', 'name', 'example.com/tier')],
  [1, randomKey('n')],
);

/** A label value, including the empty string and words YAML 1.1 reads as booleans, numbers or null. */
export const labelValueArbitrary: fc.Arbitrary<string> = weighted(
  [4, fc.constantFrom('fineract', 'redis', 'kube-dns', 'prometheus', 'read', 'write', 'batch', 'v1.2_3')],
  [
    2,
    fc.constantFrom(
      '',
      'true',
      'yes',
      'on',
      'No',
      'OFF',
      'y',
      'Y',
      'null',
      'Null',
      '123',
      '0x1F',
      '1_000',
      '1e3',
      '0b101',
      '017',
    ),
  ],
  [4, fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,14}[A-Za-z0-9])?$/)],
  [1, fc.stringMatching(/^[A-Za-z0-9][-A-Za-z0-9_.]{61}[A-Za-z0-9]$/)],
).filter((value) => value.length <= 63 && LABEL_VALUE.test(value));

type Selector = {
  matchLabels: Record<string, string>;
  matchExpressions?: (
    { key: string; operator: 'In' | 'NotIn'; values: string[] } | { key: string; operator: 'Exists' | 'DoesNotExist' }
  )[];
};

/** A satisfiable LabelSelector: non-empty matchLabels, expressions on other (distinct) keys. */
const selectorArbitrary = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<string>): fc.Arbitrary<Selector> =>
  fc
    .record({
      matchLabels: fc.dictionary(keys, values, { minKeys: 1, maxKeys: 3, noNullPrototype: true }),
      matchExpressions: maybe(
        fc.array(
          fc.record({
            key: keys,
            operator: fc.constantFrom('In' as const, 'NotIn' as const, 'Exists' as const, 'DoesNotExist' as const),
            values: fc.array(values, { minLength: 1, maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        3,
      ),
    })
    .map(({ matchLabels, matchExpressions }) => {
      const used = new Set(Object.keys(matchLabels));
      const expressions: NonNullable<Selector['matchExpressions']> = [];
      for (const e of matchExpressions ?? []) {
        if (used.has(e.key)) continue;
        used.add(e.key);
        expressions.push(
          e.operator === 'In' || e.operator === 'NotIn'
            ? { key: e.key, operator: e.operator, values: e.values }
            : { key: e.key, operator: e.operator },
        );
      }
      return expressions.length > 0 ? { matchLabels, matchExpressions: expressions } : { matchLabels };
    });

/** Namespace label values: never containing "prop", so no selector can select the release namespace. */
const namespaceLabelValue = labelValueArbitrary.filter((v) => !v.toLowerCase().includes('prop'));

// ---- ports -----------------------------------------------------------------------------------------

/** Named container ports: a few common ones and random IANA service names. */
const portNameArbitrary = weighted(
  [3, fc.constantFrom('http', 'https', 'metrics', 'grpc', 'dns', 'dns-tcp', 'redis', 'postgres', 'admin-ui')],
  [1, fc.stringMatching(/^[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3}){0,2}$/)],
  [1, fc.stringMatching(/^[a-z][a-z0-9]{14}$/)],
).filter((name) => name.length <= 15 && PORT_NAME.test(name));

const portNumber = weighted(
  [2, fc.constantFrom(1, 53, 80, 443, 4180, 5432, 6379, 8080, 8443, 9121, 65535)],
  [3, fc.integer({ min: 1, max: 65535 })],
);

const protocolChoice = weighted<Protocol | undefined>(
  [4, fc.constant(undefined)],
  [2, fc.constant('TCP')],
  [1, fc.constant('UDP')],
  [1, fc.constant('SCTP')],
);

type PortRaw =
  | { kind: 'number'; port: number; protocol: Protocol | undefined }
  | { kind: 'range'; port: number; span: number; protocol: Protocol | undefined }
  | { kind: 'named'; name: string; matching: boolean; protocol: Protocol | undefined; fallback: number };

const portRaw: fc.Arbitrary<PortRaw> = weighted<PortRaw>(
  [5, fc.record({ kind: fc.constant('number' as const), port: portNumber, protocol: protocolChoice })],
  [
    2,
    fc.record({
      kind: fc.constant('range' as const),
      port: portNumber,
      span: weighted(
        [1, fc.constant(0)],
        [3, fc.integer({ min: 1, max: 100 })],
        [1, fc.integer({ min: 0, max: 65535 })],
      ),
      protocol: protocolChoice,
    }),
  ],
  [
    2,
    fc.record({
      kind: fc.constant('named' as const),
      name: portNameArbitrary,
      matching: weighted([4, fc.constant(true)], [1, fc.constant(false)]),
      protocol: protocolChoice,
      fallback: portNumber,
    }),
  ],
);

const portsRaw = fc.array(portRaw, { minLength: 1, maxLength: 3 });

type Port = { port: number | string; protocol?: Protocol; endPort?: number };

/** Ports from their raw form; named ports become numbers towards networks (ipBlocks). */
function resolvePorts(raw: PortRaw[], towardsNetwork: boolean): Port[] {
  return raw.map((p): Port => {
    const protocol = p.protocol ? { protocol: p.protocol } : {};
    switch (p.kind) {
      case 'number':
        return { port: p.port, ...protocol };
      case 'range':
        return { port: p.port, endPort: Math.min(65535, p.port + p.span), ...protocol };
      case 'named': {
        if (towardsNetwork) return { port: p.fallback, ...protocol };
        const matched = p.matching ? namedPortProtocol(p.name) : p.protocol;
        // protocol omitted when it is TCP half of the time (the default)
        return {
          port: p.name,
          ...(matched && !(matched === 'TCP' && p.fallback % 2 === 0) ? { protocol: matched } : {}),
        };
      }
    }
  });
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The protocol every synthesized pod gives the container port `name` (TCP mostly). */
export function namedPortProtocol(name: string): Protocol {
  const h = hash(name) % 5;
  return h < 3 ? 'TCP' : h === 3 ? 'UDP' : 'SCTP';
}

/** The number the container port `name` has in the pod `workload` (differs from pod to pod). */
export function containerPortFor(name: string, workload: string): number {
  return 1024 + (hash(`${name}/${workload}`) % 60000);
}

/** Every named port the values use (connections, metricsPorts, dns.ports), sorted. */
export function namedPortsOf(values: ValuesInput): string[] {
  const names = new Set<string>();
  const add = (ports: { port: number | string }[] | undefined): void => {
    for (const p of ports ?? []) if (typeof p.port === 'string') names.add(p.port);
  };
  for (const c of Object.values(values.connections ?? {})) add(c.ports);
  for (const c of Object.values(values.components ?? {})) add(c.metricsPorts);
  add(values.dns?.ports);
  return [...names].sort();
}

/**
 * The workloads, each with one container port per named port of the values (number per pod,
 * protocol per name), so that named ports resolve as they would against real pods.
 */
export function workloadsWithNamedPorts(workloads: Workload[], values: ValuesInput): Workload[] {
  const names = namedPortsOf(values);
  return workloads.map((w) => ({
    ...w,
    ports: names.map((name) => ({
      name,
      containerPort: containerPortFor(name, `${w.namespace}/${w.name}`),
      protocol: namedPortProtocol(name),
    })),
  }));
}

// ---- CIDRs -----------------------------------------------------------------------------------------

type Cidr = { family: 4 | 6; start: bigint; prefix: number };

const BITS = { 4: 32, 6: 128 } as const;

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** Canonical text: dotted quad for IPv4, RFC 5952 (lower case, longest zero run compressed) for IPv6. */
export function formatCidr(cidr: Cidr): string {
  if (cidr.family === 4) {
    return `${[24n, 16n, 8n, 0n].map((s) => String((cidr.start >> s) & 255n)).join('.')}/${cidr.prefix}`;
  }
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((cidr.start >> s) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  const text =
    best.at < 0 ? hex(groups) : `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
  return `${text}/${cidr.prefix}`;
}

export function parseCidrText(text: string): Cidr {
  const [address = '', prefixText = ''] = text.split('/');
  const prefix = Number(prefixText);
  if (!address.includes(':')) {
    const start = address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
    return { family: 4, start, prefix };
  }
  const [left = '', right] = address.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const start = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  return { family: 6, start, prefix };
}

/** How `a` relates to `b`: inside (strict subset), equal, contains, or disjoint (as the chart computes it). */
export function cidrRelation(a: Cidr, b: Cidr): 'inside' | 'equal' | 'contains' | 'disjoint' {
  if (a.family !== b.family) return 'disjoint';
  const short = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, short);
  if ((a.start & m) !== (b.start & m)) return 'disjoint';
  if (a.prefix === b.prefix) return 'equal';
  return a.prefix > b.prefix ? 'inside' : 'contains';
}

const V4_BASES: [string, number][] = [
  ['0.0.0.0', 0],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['203.0.113.0', 24],
];
const V6_BASES: [string, number][] = [
  ['::', 0],
  ['2001:db8::', 32],
  ['fd00::', 8],
  ['fe80::', 10],
  ['64:ff9b::', 96],
];

/** A canonical CIDR near interesting ranges (RFC 1918, documentation ranges, ULA…). */
const cidrArbitrary = (options: { minPrefix?: number } = {}): fc.Arbitrary<Cidr> =>
  fc
    .record({
      family: weighted([3, fc.constant(4 as const)], [1, fc.constant(6 as const)]),
      base: fc.nat(),
      useBase: fc.boolean(),
      prefix: weighted(
        [3, fc.constantFrom(0, 8, 12, 16, 24, 32, 48, 64, 96, 112, 128)],
        [2, fc.integer({ min: 0, max: 128 })],
      ),
      bits: fc.bigInt(0n, (1n << 128n) - 1n),
    })
    .map(({ family, base, useBase, prefix, bits }) => {
      const max = BITS[family];
      const p = Math.max(options.minPrefix ?? 0, Math.min(prefix, max));
      const bases = family === 4 ? V4_BASES : V6_BASES;
      const [text, length] = bases[base % bases.length] ?? ['0.0.0.0', 0];
      const random = bits & ((1n << BigInt(max)) - 1n);
      const keep = useBase ? Math.min(length, p) : 0;
      const start = (parseCidrText(`${text}/${length}`).start & mask(family, keep)) | (random & ~mask(family, keep));
      return { family, start: start & mask(family, p), prefix: p };
    });

// ---- entries ---------------------------------------------------------------------------------------

const descriptionArbitrary = weighted(
  [
    3,
    fc.constantFrom(
      'External API requests',
      'Redis caching',
      '{{ .Values.components }} {{ fail "x" }} # not a template',
      'key: value # not a comment',
      '--- not a document',
      'it\'s "quoted" and `ticked`',
      'ünïcödé ✓ 漢字 🙂',
      '  spaces around  ',
      '',
    ),
  ],
  [2, fc.string({ unit: 'grapheme', maxLength: 60 })],
  [1, fc.string({ unit: 'grapheme', minLength: 180, maxLength: 260 })],
  [1, fc.string({ maxLength: 60 })],
).filter((text) => Description.safeParse(text).success);

const enabledArbitrary = (odds: number): fc.Arbitrary<boolean> =>
  weighted([odds, fc.constant(true)], [1, fc.constant(false)]);

const componentRaw = fc.record({
  name: nameArbitrary,
  enabled: enabledArbitrary(5),
  writeEnabled: fc.boolean(),
  policyName: maybe(weighted([1, fc.constant('default')], [2, fc.stringMatching(/^[a-z0-9]{1,8}(\.[a-z0-9]{1,6})?$/)])),
  podSelector: selectorArbitrary(componentKey, labelValueArbitrary),
  metricsPorts: maybe(portsRaw),
  description: maybe(descriptionArbitrary),
});

type Placement = 'namespace' | 'selector' | 'release';

const podsRaw = (release: string) =>
  fc.record({
    placement: weighted<Placement>(
      [3, fc.constant('namespace')],
      [2, fc.constant('selector')],
      [1, fc.constant('release')],
    ),
    namespace: namespaceArbitrary(release),
    namespaceSelector: selectorArbitrary(namespaceKey, namespaceLabelValue),
    podSelector: selectorArbitrary(peerKey, labelValueArbitrary),
  });

const peerRaw = (release: string) =>
  fc.record({ name: nameArbitrary, pods: podsRaw(release), description: maybe(descriptionArbitrary) });

/** DNS names and patterns of a network (Cilium toFQDNs), sometimes upper case or with a final dot. */
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
const dnsName = fc
  .tuple(fc.array(dnsLabel, { minLength: 1, maxLength: 3 }), fc.constantFrom('example.com', 'partner.example', 'io'))
  .map(([labels, domain]) => `${labels.join('.')}.${domain}`);
const fqdnRaw = weighted<Json>(
  [3, dnsName.map((name) => ({ matchName: name }))],
  [1, dnsName.map((name) => ({ matchName: `${name.toUpperCase()}.` }))],
  [2, dnsName.map((name) => ({ matchPattern: `*.${name}` }))],
  [1, dnsName.map((name) => ({ matchPattern: `**.${name}` }))],
  [1, fc.constantFrom('eu-west-1', 'us-east-2', 'ap-southeast-2', 'us-gov-west-1').map((r) => ({ awsS3Region: r }))],
);

const networkRaw = fc.record({
  name: nameArbitrary,
  cidrs: fc.array(cidrArbitrary(), { minLength: 1, maxLength: 3 }),
  fqdns: maybe(fc.array(fqdnRaw, { minLength: 1, maxLength: 3 })),
  entities: maybe(fc.subarray(['kube-apiserver', 'world'] as const, { minLength: 1 })),
  excludePrivate: fc.boolean(),
  writeExcludePrivate: fc.boolean(),
  excepts: fc.array(
    fc.record({ index: fc.nat(), extra: fc.integer({ min: 1, max: 16 }), bits: fc.bigInt(0n, (1n << 128n) - 1n) }),
    { maxLength: 3 },
  ),
  description: maybe(descriptionArbitrary),
});

type EndpointKind = 'component' | 'peer' | 'network';

const endpointRaw = fc.record({
  kind: weighted<EndpointKind>([3, fc.constant('component')], [1, fc.constant('peer')], [1, fc.constant('network')]),
  index: fc.nat(),
});

const connectionRaw = fc.record({
  name: nameArbitrary,
  enabled: enabledArbitrary(6),
  writeEnabled: fc.boolean(),
  from: endpointRaw,
  to: endpointRaw,
  ports: portsRaw,
  description: maybe(descriptionArbitrary),
});

/**
 * Annotation values without the characters the values model refuses in them (ANNOTATION_TEXT in
 * src/model/primitives.ts: control characters but tab and line feed, U+2028, U+2029, U+FFFE,
 * U+FFFF), which Helm 3 and Helm 4 would refuse, drop or change; test/injection.test.ts covers them.
 */
function annotationSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/g, '_');
}

const valuesRaw = (release: string) =>
  fc.record({
    keepDefaultsOdds: fc.integer({ min: 0, max: 9 }),
    namespaceLabelKey: maybe(
      weighted([2, fc.constant('kubernetes.io/metadata.name')], [1, fc.constant('name')], [1, namespaceKey]),
    ),
    commonLabels: maybe(fc.dictionary(namespaceKey, labelValueArbitrary, { maxKeys: 2, noNullPrototype: true }), 4),
    commonAnnotations: maybe(
      fc.dictionary(
        namespaceKey,
        weighted(
          [2, fc.string({ maxLength: 30 })],
          [1, fc.string({ unit: 'grapheme', maxLength: 30 })],
          [1, fc.string({ unit: 'binary-ascii', maxLength: 20 })],
        ).map(annotationSafe),
        { maxKeys: 2, noNullPrototype: true },
      ),
      4,
    ),
    global: maybe(fc.constant({ imageRegistry: 'example.com' }), 6),
    defaultDeny: maybe(
      fc.record({
        enabled: fc.boolean(),
        policyName: maybe(fc.constantFrom('default-deny-all', 'deny.all', 'fineract-deny')),
      }),
      3,
    ),
    dns: maybe(
      fc.record({
        enabled: enabledArbitrary(4),
        pods: podsRaw(release),
        ports: portsRaw,
        cidrs: maybe(fc.array(cidrArbitrary().map(formatCidr), { minLength: 1, maxLength: 2 }), 3),
      }),
      6,
    ),
    monitoring: maybe(fc.record({ enabled: enabledArbitrary(3), pods: podsRaw(release) }), 6),
    privateCidrs: maybe(
      weighted(
        [2, fc.constant([...DEFAULT_VALUES.privateCidrs])],
        [3, fc.array(cidrArbitrary({ minPrefix: 1 }).map(formatCidr), { maxLength: 4 })],
      ),
      5,
    ),
    ipFamilies: maybe(fc.constantFrom<('IPv4' | 'IPv6')[]>(['IPv4'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4'], ['IPv6']), 2),
    components: fc.uniqueArray(componentRaw, { selector: (c) => c.name, minLength: 1, maxLength: 6 }),
    peers: fc.uniqueArray(peerRaw(release), { selector: (p) => p.name, maxLength: 4 }),
    networks: fc.uniqueArray(networkRaw, { selector: (n) => n.name, maxLength: 3 }),
    connections: fc.uniqueArray(connectionRaw, { selector: (c) => c.name, maxLength: 10 }),
  });

type ValuesRaw = typeof valuesRaw extends (release: string) => fc.Arbitrary<infer T> ? T : never;

// ---- resolution: raw parts → values ----------------------------------------------------------------

function compact<T extends Json>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}

function sortedKeys(record: Json): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function resolvePods(
  raw: ValuesRaw['peers'][number]['pods'],
  defaultDeny: boolean,
): { namespace?: string; namespaceSelector?: Selector; podSelector: Selector } {
  // Pods in the release namespace would be isolated by the deny-all policy: not "outside the chart".
  const placement = raw.placement === 'release' && defaultDeny ? 'namespace' : raw.placement;
  if (placement === 'namespace') return { namespace: raw.namespace, podSelector: raw.podSelector };
  if (placement === 'selector') return { namespaceSelector: raw.namespaceSelector, podSelector: raw.podSelector };
  return { podSelector: raw.podSelector };
}

function resolveValues(raw: ValuesRaw): ValuesInput {
  const keepDefaults = raw.keepDefaultsOdds < 1; // one run in ten keeps the chart's entries
  const defaultDeny = raw.defaultDeny?.enabled === true;
  const privateCidrs = raw.privateCidrs ?? DEFAULT_VALUES.privateCidrs;
  const privates = privateCidrs.map(parseCidrText);

  const base = keepDefaults ? structuredClone(DEFAULT_VALUES) : undefined;
  const components: Json = { ...(base?.components ?? {}) };
  for (const c of raw.components) {
    components[c.name] = compact({
      ...(c.writeEnabled || !c.enabled ? { enabled: c.enabled } : {}),
      policyName:
        c.policyName === undefined
          ? undefined
          : c.policyName === 'default'
            ? c.name.length <= 48
              ? `${c.name}-network-policy` // the default, written out (longer ones are no valid policyName)
              : undefined
            : `${c.name}.${c.policyName}`.slice(0, 253),
      podSelector: c.podSelector,
      metricsPorts: c.metricsPorts && resolvePorts(c.metricsPorts, false),
      description: c.description,
    });
  }
  const peers: Json = { ...(base?.peers ?? {}) };
  for (const p of raw.peers)
    peers[p.name] = compact({ ...resolvePods(p.pods, defaultDeny), description: p.description });

  const networks: Json = { ...(base?.networks ?? {}) };
  // DNS names need the DNS rule, without port ranges (Cilium's DNS proxy takes none), with cilium.
  const dnsEnabled =
    raw.dns === undefined ||
    (raw.dns.enabled && resolvePorts(raw.dns.ports, false).every((p) => p.endPort === undefined));
  for (const n of raw.networks) {
    const excludable = n.cidrs.every((c) => privates.every((p) => ['inside', 'disjoint'].includes(cidrRelation(p, c))));
    const excludePrivate = n.excludePrivate && excludable;
    const except: string[] = [];
    for (const e of n.excepts) {
      const cidr = n.cidrs[e.index % n.cidrs.length];
      if (!cidr || cidr.prefix === BITS[cidr.family]) continue;
      const prefix = Math.min(cidr.prefix + e.extra, BITS[cidr.family]);
      const start =
        (cidr.start | (e.bits & ~mask(cidr.family, cidr.prefix) & mask(cidr.family, BITS[cidr.family]))) &
        mask(cidr.family, prefix);
      except.push(formatCidr({ family: cidr.family, start, prefix }));
    }
    networks[n.name] = compact({
      cidrs: n.cidrs.map(formatCidr),
      fqdns: dnsEnabled ? n.fqdns : undefined,
      entities: n.entities,
      ...(excludePrivate || n.writeExcludePrivate ? { excludePrivate } : {}),
      except: except.length > 0 ? except : undefined,
      description: n.description,
    });
  }

  const names = {
    component: sortedKeys(components),
    peer: sortedKeys(peers),
    // Only networks with cidrs: the kubernetes engine refuses a connection through one without.
    network: sortedKeys(networks).filter((name) => (networks[name] as Json)['cidrs'] !== undefined),
  };
  const endpoint = (e: { kind: EndpointKind; index: number }): { kind: EndpointKind; name: string } => {
    const kind = names[e.kind].length > 0 ? e.kind : 'component';
    const list = names[kind];
    return { kind, name: list[e.index % list.length] ?? '' };
  };
  const connections: Json = { ...(base?.connections ?? {}) };
  for (const c of raw.connections) {
    let from = endpoint(c.from);
    const to = endpoint(c.to);
    if (from.kind !== 'component' && to.kind !== 'component')
      from = endpoint({ kind: 'component', index: c.from.index });
    connections[c.name] = compact({
      ...(c.writeEnabled || !c.enabled ? { enabled: c.enabled } : {}),
      from: { [from.kind]: from.name },
      to: { [to.kind]: to.name },
      ports: resolvePorts(c.ports, to.kind === 'network'),
      description: c.description,
    });
  }

  const values: Json = {};
  if (raw.namespaceLabelKey !== undefined) values['namespaceLabelKey'] = raw.namespaceLabelKey;
  if (raw.commonLabels !== undefined) values['commonLabels'] = raw.commonLabels;
  if (raw.commonAnnotations !== undefined) values['commonAnnotations'] = raw.commonAnnotations;
  if (raw.defaultDeny !== undefined) values['defaultDeny'] = compact({ ...raw.defaultDeny });
  if (raw.dns !== undefined) {
    values['dns'] = {
      enabled: raw.dns.enabled,
      ...resolvePods(raw.dns.pods, defaultDeny),
      ports: resolvePorts(raw.dns.ports, false),
      ...(raw.dns.cidrs !== undefined ? { cidrs: raw.dns.cidrs } : {}),
    };
  }
  if (raw.monitoring !== undefined) {
    values['monitoring'] = { enabled: raw.monitoring.enabled, ...resolvePods(raw.monitoring.pods, defaultDeny) };
  }
  if (raw.privateCidrs !== undefined) values['privateCidrs'] = raw.privateCidrs;
  if (raw.ipFamilies !== undefined) values['ipFamilies'] = raw.ipFamilies;
  values['components'] = components;
  values['peers'] = peers;
  values['networks'] = networks;
  values['connections'] = connections;
  if (raw.global !== undefined) values['global'] = raw.global;
  return values;
}

// ---- public arbitraries ----------------------------------------------------------------------------

/** Random valid values of the chart (see the rules at the top of this file). */
export function valuesArbitrary(options: ArbitraryOptions): fc.Arbitrary<ValuesInput> {
  return valuesRaw(options.releaseNamespace).map(resolveValues);
}

/** Values plus a number choosing the connection the "one connection off" property turns off. */
export function runCaseArbitrary(options: ArbitraryOptions): fc.Arbitrary<RunCase> {
  return fc.record({ values: valuesArbitrary(options), offPick: fc.nat() });
}

// ---- helpers for the tests -------------------------------------------------------------------------

const isMap = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The values file (`helm -f`) that makes Helm see exactly `target` over the chart's defaults: the
 * target, plus `null` (which deletes) for every key the defaults have inside a map the target
 * sets but the target does not (Helm merges maps; zod does not). Top-level keys the target leaves
 * out keep the chart's defaults in both.
 */
export function helmOverride(target: unknown, defaults: unknown): Json {
  const walk = (t: Json, d: Json): Json => {
    const out: Json = {};
    for (const [key, value] of Object.entries(t)) {
      const dflt = d[key];
      out[key] = isMap(value) && isMap(dflt) ? walk(value, dflt) : value;
    }
    for (const key of Object.keys(d)) if (!Object.hasOwn(t, key)) out[key] = null;
    return out;
  };
  if (!isMap(target)) throw new Error('values must be a map');
  const d = isMap(defaults) ? defaults : {};
  const out: Json = {};
  for (const [key, value] of Object.entries(target)) {
    const dflt = d[key];
    out[key] = isMap(value) && isMap(dflt) ? walk(value, dflt) : value;
  }
  return out;
}

/** The values as YAML to paste into a file (YAML 1.1 quoting: "yes", "on", "y" stay strings). */
export function valuesYaml(values: unknown): string {
  return stringify(values, { version: '1.1', lineWidth: 0 });
}

/** The value with connection `name` disabled (`enabled: false`), leaving everything else alone. */
export function withConnectionOff(values: ValuesInput, name: string): ValuesInput {
  const copy = structuredClone(values);
  const connection = copy.connections?.[name];
  if (!connection) throw new Error(`no connection ${name}`);
  connection.enabled = false;
  return copy;
}
