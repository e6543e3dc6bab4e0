// Kubernetes validity of what the chart renders: every object is one the API
// server accepts, checked by validateKubernetesObject (src/verify/readers/kubernetes.ts) — the OpenAPI
// schema of networking.k8s.io/v1 NetworkPolicy (kubernetes-models), no unknown field, and the API
// server's own rules (ValidateObjectMeta, ValidateNetworkPolicy) with strict CIDRs.
//
// - the chart's defaults and every values/*.yaml, rendered by the real Helm 4 and Helm 3 (and the
//   defaults with every optional part on: deny-all, common labels and annotations), validate with
//   zero issues, and are only networking.k8s.io/v1 NetworkPolicies;
// - the validator can fail: a table of hand-made invalid NetworkPolicies, one per rule, each refused
//   with exactly one issue at the right path (and what 'read' mode, used by verify, lets through).
// test/property.test.ts applies the same check to 1,000 random values (its property (f)).
//
// Run: scripts/run npx vitest run test/kubernetes-validity.test.ts
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VALUES_DIR } from '../src/paths.ts';
import {
  ANNOTATIONS_SIZE_LIMIT,
  formatIssue,
  formatPath,
  validateKubernetesObject,
  type ValidationMode,
} from '../src/verify/readers/kubernetes.ts';
import { readManifestObjects } from '../src/verify/readers/load.ts';
import { helmTemplate, type HelmVersion } from './helpers/helm.ts';
import { isolateHelmHome } from './helpers/helm-home.ts';

isolateHelmHome();

const ENVIRONMENTS = readdirSync(VALUES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

/** One way to render the chart: as `npm run render` does (defaults in `fineract`, env in fineract-<env>). */
type Render = { name: string; namespace: string; valuesFiles: string[]; set?: Record<string, string> };

const RENDERS: Render[] = [
  { name: 'defaults', namespace: 'fineract', valuesFiles: [] },
  ...ENVIRONMENTS.map((env) => ({
    name: `values/${env}.yaml`,
    namespace: `fineract-${env}`,
    valuesFiles: [join(VALUES_DIR, `${env}.yaml`)],
  })),
  {
    name: 'defaults with deny-all, common labels and annotations',
    namespace: 'fineract',
    valuesFiles: [],
    set: {
      'defaultDeny.enabled': 'true',
      'commonLabels.app\\.kubernetes\\.io/part-of': 'fineract',
      'commonAnnotations.example\\.com/owner': 'platform team',
    },
  },
];

/** Renders with real Helm and returns the objects as kubectl would parse them. */
function renderObjects(render: Render, helm: HelmVersion): Record<string, unknown>[] {
  const out = helmTemplate({
    helm,
    namespace: render.namespace,
    valuesFiles: render.valuesFiles,
    ...(render.set ? { set: render.set } : {}),
  });
  expect(out.status, out.stderr).toBe(0);
  return readManifestObjects(out.stdout, `${render.name}.yaml`);
}

describe('every object the chart renders for the defaults and each environment is valid Kubernetes', () => {
  let validated = 0;

  for (const render of RENDERS) {
    for (const helm of [4, 3] as const) {
      it(`${render.name}, Helm ${helm}`, () => {
        const objects = renderObjects(render, helm);
        expect(objects.length).toBeGreaterThanOrEqual(4);
        const problems = objects.flatMap((object, i) =>
          validateKubernetesObject(object).map((issue) => `object ${i}: ${formatIssue(issue)}`),
        );
        expect(problems).toEqual([]);
        for (const object of objects) {
          expect([object['apiVersion'], object['kind']]).toEqual(['networking.k8s.io/v1', 'NetworkPolicy']);
          expect((object['metadata'] as { namespace?: unknown }).namespace).toBe(render.namespace);
        }
        validated += objects.length;
      });
    }
  }

  it('validated every object (printed for the record)', () => {
    console.log(
      `[kubernetes-validity] ${validated} rendered objects validated, ${RENDERS.length} renders × Helm 4 and 3`,
    );
    expect(validated).toBeGreaterThanOrEqual(RENDERS.length * 2 * 4);
  });
});

// ---- the validator refuses each kind of invalid object -------------------------------------------

/** A valid NetworkPolicy exercising every part the rules look at; each case breaks one thing. */
function validPolicy(): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: 'fineract-network-policy',
      namespace: 'fineract-uat',
      labels: { 'app.kubernetes.io/name': 'fineract-netpol', environment: 'uat' },
      annotations: { 'example.com/owner': 'platform team' },
    },
    spec: {
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'fineract' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'batch'] }],
      },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
            },
          ],
          ports: [
            { protocol: 'TCP', port: 8080 },
            { protocol: 'TCP', port: 'https' },
            { protocol: 'TCP', port: 30000, endPort: 30010 },
          ],
        },
      ],
      egress: [
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } },
            { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } },
          ],
          ports: [{ protocol: 'TCP', port: 443 }],
        },
      ],
    },
  };
}

/**
 * One invalid object: the valid policy with `set` values written (paths as formatPath prints them,
 * e.g. `spec.ingress[0].ports[2].endPort`) and `remove` paths deleted, or `object` instead.
 */
type Case = {
  name: string;
  /** The API server rule it mirrors (or the schema, the unknown-field check, the chart's own rule). */
  rule: string;
  set?: Record<string, unknown>;
  remove?: string[];
  object?: (valid: Record<string, unknown>) => unknown;
  /** Where the one issue is, as formatPath prints it. */
  path: string;
  /** What its message says. */
  message: RegExp;
  /** True when verify's 'read' mode accepts it (legacy CIDRs, fields the server writes). */
  readAccepts?: boolean;
};

const PEER0 = 'spec.egress[0].to[0]';
const BLOCK0 = `${PEER0}.ipBlock`;
const BLOCK1 = 'spec.egress[0].to[1].ipBlock';
const PORTS = 'spec.ingress[0].ports';
const EXPRESSION = 'spec.podSelector.matchExpressions[0]';

const CASES: Case[] = [
  // ValidateIPBlock: cidr and except valid CIDRs, each except strictly inside the cidr
  {
    name: 'except outside its cidr',
    rule: 'ValidateIPBlock: except a strict subset of cidr',
    set: { [`${BLOCK0}.cidr`]: '10.0.0.0/8', [`${BLOCK0}.except`]: ['172.16.0.0/12'] },
    path: `${BLOCK0}.except[0]`,
    message: /must be a strict subset of cidr "10\.0\.0\.0\/8"/,
  },
  {
    name: 'except equal to its cidr',
    rule: 'ValidateIPBlock: except a strict subset of cidr',
    set: { [`${BLOCK0}.except`]: ['0.0.0.0/0'] },
    path: `${BLOCK0}.except[0]`,
    message: /must be a strict subset of cidr "0\.0\.0\.0\/0"/,
  },
  {
    name: 'except of the other IP family',
    rule: 'ValidateIPBlock: except a strict subset of cidr',
    set: { [`${BLOCK1}.except`]: ['10.0.0.0/8'] },
    path: `${BLOCK1}.except[0]`,
    message: /must be a strict subset/,
  },
  {
    name: 'a cidr that is not one',
    rule: 'ValidateIPBlock: IsValidCIDRForLegacyField',
    set: { [`${BLOCK0}.cidr`]: 'not-a-cidr' },
    path: `${BLOCK0}.cidr`,
    message: /"not-a-cidr" must be a valid CIDR value/,
  },
  {
    name: 'a prefix length beyond 32',
    rule: 'ValidateIPBlock: IsValidCIDRForLegacyField',
    set: { [`${BLOCK0}.cidr`]: '10.0.0.0/33' },
    remove: [`${BLOCK0}.except`],
    path: `${BLOCK0}.cidr`,
    message: /"10\.0\.0\.0\/33" must be a valid CIDR value/,
  },
  {
    name: 'an address without its mask',
    rule: 'ValidateIPBlock: IsValidCIDRForLegacyField',
    set: { [`${BLOCK0}.cidr`]: '10.0.0.1' },
    remove: [`${BLOCK0}.except`],
    path: `${BLOCK0}.cidr`,
    message: /the mask is missing in "10\.0\.0\.1"\. Did you mean "10\.0\.0\.1\/32"\?/,
  },
  {
    name: 'an except that is not a CIDR',
    rule: 'ValidateIPBlock: IsValidCIDRForLegacyField',
    set: { [`${BLOCK0}.except`]: ['10.0.0.0/x'] },
    path: `${BLOCK0}.except[0]`,
    message: /must be a valid CIDR value/,
  },
  {
    name: 'an empty cidr',
    rule: 'ValidateIPBlock: cidr required',
    set: { [`${BLOCK0}.cidr`]: '' },
    path: `${BLOCK0}.cidr`,
    message: /is required/,
  },
  {
    name: 'host bits set',
    rule: 'strict CIDR validation (KEP-4858): no bits beyond the prefix length',
    set: { [`${BLOCK0}.cidr`]: '10.0.0.1/8' },
    remove: [`${BLOCK0}.except`],
    path: `${BLOCK0}.cidr`,
    message: /must not have bits set beyond the prefix length: did you mean "10\.0\.0\.0\/8"\?/,
    readAccepts: true,
  },
  {
    name: 'leading zeros in an IPv4 address',
    rule: 'strict CIDR validation (KEP-4858): no leading zeros',
    set: { [`${BLOCK0}.cidr`]: '010.0.0.0/8' },
    remove: [`${BLOCK0}.except`],
    path: `${BLOCK0}.cidr`,
    message: /must not have leading zeros/,
    readAccepts: true,
  },
  {
    name: 'a leading zero in the prefix length',
    rule: 'strict CIDR validation (KEP-4858): no leading zeros',
    set: { [`${BLOCK0}.except`]: ['10.0.0.0/08'] },
    path: `${BLOCK0}.except[0]`,
    message: /must not have leading zeros/,
    readAccepts: true,
  },
  {
    name: 'an IPv4-mapped IPv6 CIDR',
    rule: 'strict CIDR validation (KEP-4858): no IPv4-mapped IPv6 address',
    set: { [`${BLOCK1}.cidr`]: '::ffff:10.0.0.0/104' },
    remove: [`${BLOCK1}.except`],
    path: `${BLOCK1}.cidr`,
    message: /must not be an IPv4-mapped IPv6 address/,
    readAccepts: true,
  },
  {
    name: 'a non-canonical IPv6 CIDR (upper case)',
    rule: 'RFC 5952 canonical form (otherwise the API server warns)',
    set: { [`${BLOCK1}.cidr`]: '2001:DB8::/32' },
    path: `${BLOCK1}.cidr`,
    message: /must be in canonical form \("2001:db8::\/32"\)/,
    readAccepts: true,
  },
  {
    name: 'a non-canonical IPv6 CIDR (not compressed)',
    rule: 'RFC 5952 canonical form (otherwise the API server warns)',
    set: { [`${BLOCK1}.except`]: ['2001:db8:1:0:0:0:0:0/48'] },
    path: `${BLOCK1}.except[0]`,
    message: /must be in canonical form \("2001:db8:1::\/48"\)/,
    readAccepts: true,
  },
  // ValidateNetworkPolicyPeer: at least one of the three, and an ipBlock alone
  {
    name: 'ipBlock with podSelector in one peer',
    rule: 'ValidateNetworkPolicyPeer: ipBlock alone',
    set: { [`${PEER0}.podSelector`]: { matchLabels: { app: 'x' } } },
    path: PEER0,
    message: /may not specify both ipBlock and podSelector/,
  },
  {
    name: 'ipBlock with namespaceSelector in one peer',
    rule: 'ValidateNetworkPolicyPeer: ipBlock alone',
    set: { 'spec.egress[0].to[1].namespaceSelector': {} },
    path: 'spec.egress[0].to[1]',
    message: /may not specify both ipBlock and namespaceSelector/,
  },
  {
    name: 'an empty peer',
    rule: 'ValidateNetworkPolicyPeer: must specify a peer',
    set: { 'spec.ingress[0].from[0]': {} },
    path: 'spec.ingress[0].from[0]',
    message: /must specify a peer/,
  },
  // ValidateNetworkPolicyPort: protocol, port numbers and names, endPort
  {
    name: 'endPort below port',
    rule: 'ValidateNetworkPolicyPort: endPort >= port',
    set: { [`${PORTS}[2].endPort`]: 29999 },
    path: `${PORTS}[2].endPort`,
    message: /29999 must be greater than or equal to port \(30000\)/,
  },
  {
    name: 'endPort with a named port',
    rule: 'ValidateNetworkPolicyPort: endPort only with a numeric port',
    set: { [`${PORTS}[1].endPort`]: 8443 },
    path: `${PORTS}[1].endPort`,
    message: /may not be specified when port is a name \("https"\)/,
  },
  {
    name: 'endPort without port',
    rule: 'ValidateNetworkPolicyPort: endPort only with a port',
    remove: [`${PORTS}[2].port`],
    path: `${PORTS}[2].endPort`,
    message: /may not be specified when port is not specified/,
  },
  {
    name: 'endPort above 65535',
    rule: 'ValidateNetworkPolicyPort: IsValidPortNum',
    set: { [`${PORTS}[2].endPort`]: 65536 },
    path: `${PORTS}[2].endPort`,
    message: /65536 must be between 1 and 65535/,
  },
  {
    name: 'port 0',
    rule: 'ValidateNetworkPolicyPort: IsValidPortNum',
    set: { [`${PORTS}[0].port`]: 0 },
    path: `${PORTS}[0].port`,
    message: /0 must be between 1 and 65535/,
  },
  {
    name: 'a port name with an underscore',
    rule: 'ValidateNetworkPolicyPort: IsValidPortName (IANA_SVC_NAME)',
    set: { [`${PORTS}[1].port`]: 'https_alt' },
    path: `${PORTS}[1].port`,
    message: /"https_alt" is not a valid port name: must contain only a-z, 0-9 and "-"/,
  },
  {
    name: 'a port name longer than 15 characters',
    rule: 'ValidateNetworkPolicyPort: IsValidPortName (IANA_SVC_NAME)',
    set: { [`${PORTS}[1].port`]: 'https-management' },
    path: `${PORTS}[1].port`,
    message: /must be no more than 15 characters/,
  },
  {
    name: 'a port number written as a string',
    rule: 'ValidateNetworkPolicyPort: IsValidPortName (IANA_SVC_NAME)',
    set: { [`${PORTS}[0].port`]: '8080' },
    path: `${PORTS}[0].port`,
    message: /must contain at least one letter \(a-z\): for a port number, write 8080 without quotes/,
  },
  {
    name: 'protocol ICMP',
    rule: 'schema (enum), as ValidateNetworkPolicyPort: TCP, UDP or SCTP',
    set: { [`${PORTS}[0].protocol`]: 'ICMP' },
    path: `${PORTS}[0].protocol`,
    message: /must be one of SCTP, TCP, UDP \(got "ICMP"\)/,
  },
  {
    name: 'protocol in lower case',
    rule: 'schema (enum), as ValidateNetworkPolicyPort: TCP, UDP or SCTP',
    set: { 'spec.egress[0].ports[0].protocol': 'tcp' },
    path: 'spec.egress[0].ports[0].protocol',
    message: /must be one of SCTP, TCP, UDP \(got "tcp"\)/,
  },
  // ValidateLabelSelector: matchLabels as labels, matchExpressions' keys, operators and values
  {
    name: 'a bad label key in a selector',
    rule: 'ValidateLabelSelector → ValidateLabels: qualified-name keys',
    set: { 'spec.podSelector.matchLabels': { 'app name': 'fineract' } },
    path: 'spec.podSelector.matchLabels[app name]',
    message: /label key "app name" must be a qualified name/,
  },
  {
    name: 'a label key with an upper-case prefix',
    rule: 'ValidateLabelSelector → ValidateLabels: the prefix a DNS subdomain',
    set: { 'spec.ingress[0].from[0].podSelector.matchLabels': { 'Example.com/app': 'x' } },
    path: 'spec.ingress[0].from[0].podSelector.matchLabels[Example.com/app]',
    message: /label key "Example\.com\/app" must be a qualified name/,
  },
  {
    name: 'a bad label value in a selector',
    rule: 'ValidateLabelSelector → ValidateLabels: label values',
    set: { 'spec.ingress[0].from[0].podSelector.matchLabels': { app: 'ingress nginx' } },
    path: 'spec.ingress[0].from[0].podSelector.matchLabels[app]',
    message: /label value "ingress nginx" must be empty or at most 63 characters/,
  },
  {
    name: 'a label value of 64 characters',
    rule: 'ValidateLabelSelector → ValidateLabels: label values',
    set: { 'spec.ingress[0].from[0].namespaceSelector.matchLabels': { team: 'a'.repeat(64) } },
    path: 'spec.ingress[0].from[0].namespaceSelector.matchLabels[team]',
    message: /label value "a+" must be empty or at most 63 characters/,
  },
  {
    name: 'a number as a label value',
    rule: 'schema (type string)',
    set: { 'spec.podSelector.matchLabels': { version: 2 } },
    path: 'spec.podSelector.matchLabels[version]',
    message: /must be a string/,
  },
  {
    name: 'an unknown selector operator',
    rule: 'ValidateLabelSelectorRequirement: In, NotIn, Exists or DoesNotExist',
    set: { [`${EXPRESSION}.operator`]: 'Equals' },
    path: `${EXPRESSION}.operator`,
    message: /"Equals" is not a valid selector operator/,
  },
  {
    name: 'In without values',
    rule: 'ValidateLabelSelectorRequirement: values for In and NotIn',
    set: { [`${EXPRESSION}.values`]: [] },
    path: `${EXPRESSION}.values`,
    message: /must be specified when operator is In/,
  },
  {
    name: 'Exists with values',
    rule: 'ValidateLabelSelectorRequirement: no values for Exists and DoesNotExist',
    set: { [`${EXPRESSION}.operator`]: 'Exists' },
    path: `${EXPRESSION}.values`,
    message: /may not be specified when operator is Exists/,
  },
  {
    name: 'a bad key in matchExpressions',
    rule: 'ValidateLabelSelectorRequirement: ValidateLabelName',
    set: { [`${EXPRESSION}.key`]: '-tier' },
    path: `${EXPRESSION}.key`,
    message: /"-tier" must be a qualified name/,
  },
  {
    name: 'a bad value in matchExpressions',
    rule: 'ValidateLabelSelectorRequirement: label values',
    set: { [`${EXPRESSION}.values`]: ['api', 'batch jobs'] },
    path: `${EXPRESSION}.values[1]`,
    message: /"batch jobs" must be empty or at most 63 characters/,
  },
  // ValidateNetworkPolicySpec: policyTypes
  {
    name: 'an unknown policy type',
    rule: 'schema (enum), as ValidateNetworkPolicySpec: Ingress or Egress',
    set: { 'spec.policyTypes': ['Ingress', 'Sideways'] },
    path: 'spec.policyTypes[1]',
    message: /must be one of Egress, Ingress \(got "Sideways"\)/,
  },
  {
    name: 'three policy types',
    rule: 'ValidateNetworkPolicySpec: at most two policyTypes',
    set: { 'spec.policyTypes': ['Ingress', 'Egress', 'Ingress'] },
    path: 'spec.policyTypes',
    message: /may not specify more than two policyTypes/,
  },
  // ValidateObjectMeta: name, generateName, namespace, labels, annotations
  {
    name: 'a name longer than 253 characters',
    rule: 'ValidateObjectMeta → ValidateNetworkPolicyName: a DNS-1123 subdomain',
    set: { 'metadata.name': `${`${'a'.repeat(60)}.`.repeat(4)}${'a'.repeat(10)}` },
    path: 'metadata.name',
    message: /must be a DNS-1123 subdomain: at most 253 characters/,
  },
  {
    name: 'a name in upper case',
    rule: 'ValidateObjectMeta → ValidateNetworkPolicyName: a DNS-1123 subdomain',
    set: { 'metadata.name': 'Fineract' },
    path: 'metadata.name',
    message: /"Fineract" must be a DNS-1123 subdomain/,
  },
  {
    name: 'no name',
    rule: 'ValidateObjectMeta: name required',
    remove: ['metadata.name'],
    path: 'metadata.name',
    message: /is required/,
  },
  {
    name: 'a bad generateName',
    rule: 'ValidateObjectMeta: generateName a name prefix',
    set: { 'metadata.generateName': 'Fineract_' },
    path: 'metadata.generateName',
    message: /must be the prefix of a DNS-1123 subdomain/,
  },
  {
    name: 'a namespace with a dot',
    rule: 'ValidateObjectMeta → ValidateNamespaceName: a DNS-1123 label',
    set: { 'metadata.namespace': 'fineract.uat' },
    path: 'metadata.namespace',
    message: /"fineract\.uat" must be a DNS-1123 label/,
  },
  {
    name: 'a namespace of 64 characters',
    rule: 'ValidateObjectMeta → ValidateNamespaceName: a DNS-1123 label',
    set: { 'metadata.namespace': 'n'.repeat(64) },
    path: 'metadata.namespace',
    message: /must be a DNS-1123 label: at most 63 characters/,
  },
  {
    name: 'a bad metadata label key',
    rule: 'ValidateObjectMeta → ValidateLabels: qualified-name keys',
    set: { 'metadata.labels': { 'example.com/': 'x' } },
    path: 'metadata.labels[example.com/]',
    message: /label key "example\.com\/" must be a qualified name/,
  },
  {
    name: 'a bad metadata label value',
    rule: 'ValidateObjectMeta → ValidateLabels: label values',
    set: { 'metadata.labels': { environment: 'uat/eu' } },
    path: 'metadata.labels[environment]',
    message: /label value "uat\/eu" must be empty or at most 63 characters/,
  },
  {
    name: 'a bad annotation key',
    rule: 'ValidateObjectMeta → ValidateAnnotations: qualified-name keys',
    set: { 'metadata.annotations': { 'owner team': 'platform' } },
    path: 'metadata.annotations[owner team]',
    message: /annotation key "owner team" must be a qualified name/,
  },
  {
    name: 'annotations over 256 KiB in all',
    rule: 'ValidateObjectMeta → ValidateAnnotations: at most 256 KiB in all',
    set: {
      'metadata.annotations': {
        'example.com/a': 'x'.repeat(ANNOTATIONS_SIZE_LIMIT / 2),
        'example.com/b': 'é'.repeat(ANNOTATIONS_SIZE_LIMIT / 4), // 2 bytes each in UTF-8: 1 byte too many with the keys
      },
    },
    path: 'metadata.annotations',
    message: /are 262170 bytes in all \(keys and values\): the API server allows at most 262144 \(256 KiB\)/,
  },
  {
    name: 'a number as an annotation value',
    rule: 'schema (type string)',
    set: { 'metadata.annotations': { 'example.com/replicas': 3 } },
    path: 'metadata.annotations[example.com/replicas]',
    message: /must be a string/,
  },
  // unknown fields: kubernetes-models' schema lets them through, strict field validation does not
  {
    name: 'a typo in a rule (form: instead of from:)',
    rule: 'unknown field (strict field validation)',
    set: { 'spec.ingress[0].form': [{ podSelector: {} }] },
    remove: ['spec.ingress[0].from'],
    path: 'spec.ingress[0].form',
    message: /unknown field \(did you mean "from"\?\)/,
  },
  {
    name: 'a typo in the metadata (lables:)',
    rule: 'unknown field (strict field validation)',
    set: { 'metadata.lables': { app: 'x' } },
    path: 'metadata.lables',
    message: /unknown field \(did you mean "labels"\?\)/,
  },
  {
    name: 'an unknown field in an ipBlock',
    rule: 'unknown field (strict field validation)',
    set: { [`${BLOCK0}.exclude`]: ['10.0.0.0/8'] },
    path: `${BLOCK0}.exclude`,
    message: /unknown field/,
  },
  {
    name: 'an unknown top-level field',
    rule: 'unknown field (strict field validation)',
    set: { data: {} },
    path: 'data',
    message: /unknown field: NetworkPolicy has apiVersion, kind, metadata, spec, status/,
  },
  // the OpenAPI schema (kubernetes-models)
  {
    name: 'ingress as a mapping',
    rule: 'schema (type array)',
    set: { 'spec.ingress': { from: [] } },
    path: 'spec.ingress',
    message: /must be a list \(got a mapping\)/,
  },
  {
    name: 'an ipBlock without cidr',
    rule: 'schema (required)',
    remove: [`${BLOCK0}.cidr`],
    path: `${BLOCK0}.cidr`,
    message: /is required/,
  },
  {
    name: 'a port as a boolean',
    rule: 'schema (int-or-string)',
    set: { [`${PORTS}[0].port`]: true },
    path: `${PORTS}[0].port`,
    message: /must be an integer or a string \(got true\)/,
  },
  // what a manifest to apply must not carry, and objects the chart never renders
  {
    name: 'a status',
    rule: 'the chart: no field the cluster writes',
    set: { status: {} },
    path: 'status',
    message: /is written by the cluster, never by a manifest/,
    readAccepts: true,
  },
  {
    name: 'a resourceVersion',
    rule: 'the chart: no field the API server writes (it refuses a resourceVersion on create)',
    set: { 'metadata.resourceVersion': '12345' },
    path: 'metadata.resourceVersion',
    message: /is written by the API server, never by a manifest/,
    readAccepts: true,
  },
  {
    name: 'another kind',
    rule: 'the chart renders only networking.k8s.io/v1 NetworkPolicy',
    object: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    path: 'kind',
    message: /"ConfigMap" \(v1\) is not an object this chart renders/,
  },
  {
    name: 'a List of policies',
    rule: 'the chart renders only networking.k8s.io/v1 NetworkPolicy',
    object: (valid) => ({ apiVersion: 'v1', kind: 'List', items: [valid] }),
    path: 'kind',
    message: /"List" \(v1\) is not an object this chart renders/,
  },
  {
    name: 'a removed NetworkPolicy API',
    rule: 'the API server no longer serves extensions/v1beta1',
    set: { apiVersion: 'extensions/v1beta1' },
    path: 'apiVersion',
    message: /extensions\/v1beta1 NetworkPolicy is no longer served: use networking\.k8s\.io\/v1/,
  },
  {
    name: 'no kind',
    rule: 'every object has apiVersion and kind',
    remove: ['kind'],
    path: 'kind',
    message: /is required/,
  },
];

/** `spec.ingress[0].ports` → ['spec', 'ingress', 0, 'ports'] (map keys in brackets stay strings). */
function parsePath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)].map(([, name, bracket]) =>
    name !== undefined ? name : /^\d+$/.test(bracket ?? '') ? Number(bracket) : (bracket ?? ''),
  );
}

/** Writes (or, with `remove`, deletes) the value at a path of plain objects and arrays. */
function edit(root: unknown, path: string, value: unknown, remove = false): void {
  const segments = parsePath(path);
  const last = segments.pop();
  let node: unknown = root;
  for (const segment of segments) node = (node as Record<string | number, unknown>)[segment];
  if (typeof node !== 'object' || node === null || last === undefined) throw new Error(`no ${path} in the policy`);
  const target = node as Record<string | number, unknown>;
  if (remove) {
    if (!(last in target)) throw new Error(`no ${path} in the policy to remove`);
    delete target[last];
  } else target[last] = value;
}

/** The object of a case: the valid policy with the case's changes. */
function caseObject(c: Case): unknown {
  const policy = validPolicy();
  if (c.object) return c.object(policy);
  for (const [path, value] of Object.entries(c.set ?? {})) edit(policy, path, value);
  for (const path of c.remove ?? []) edit(policy, path, undefined, true);
  return policy;
}

/** `path: message` of every issue, for readable failures. */
function issuesOf(object: unknown, mode: ValidationMode = 'manifest'): string[] {
  return validateKubernetesObject(object, { mode }).map(formatIssue);
}

describe('validateKubernetesObject refuses each invalid NetworkPolicy with the right path', () => {
  it('accepts the valid policy every case starts from (in both modes)', () => {
    expect(issuesOf(validPolicy())).toEqual([]);
    expect(issuesOf(validPolicy(), 'read')).toEqual([]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const object = caseObject(c);
    const issues = validateKubernetesObject(object);
    expect(
      issues.map((issue) => formatPath(issue.path)),
      `${c.rule}: ${issues.map(formatIssue).join(' | ')}`,
    ).toEqual([c.path]);
    expect(issues[0]?.message, c.rule).toMatch(c.message);
    // 'read' (verify's mode) refuses it too, except what only a manifest to apply must avoid.
    expect(issuesOf(object, 'read').length > 0, `read mode: ${issuesOf(object, 'read').join(' | ')}`).toBe(
      !c.readAccepts,
    );
  });

  it('reports every issue of an object at once, not only the first', () => {
    const policy = validPolicy();
    edit(policy, `${PORTS}[2].endPort`, 1);
    edit(policy, `${BLOCK0}.except`, ['0.0.0.0/0']);
    edit(policy, 'metadata.name', 'Bad_Name');
    expect(validateKubernetesObject(policy).map((issue) => formatPath(issue.path))).toEqual([
      'metadata.name',
      `${PORTS}[2].endPort`,
      `${BLOCK0}.except[0]`,
    ]);
  });

  it('refuses what is not a mapping', () => {
    expect(issuesOf(['a list'])).toEqual(['must be a mapping (a Kubernetes object), not a list']);
    expect(issuesOf('text')).toEqual(['must be a mapping (a Kubernetes object), not "text"']);
  });
});
