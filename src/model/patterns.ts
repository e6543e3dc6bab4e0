// The syntax of names, labels, ports, CIDRs and free text in the values: regular expressions and
// limits, without zod, so that validate (which checks values with the JSON Schema compiled from the
// model) loads none of the model's schemas. src/model/primitives.ts builds the model's types on them.
//
// Every pattern here ends up in chart/values.schema.json and is evaluated by Helm's JSON Schema
// validator, which uses Go's RE2 engine: no lookahead, lookbehind or backreferences. Keep every
// regular expression within the subset JavaScript and RE2 share.
import { Buffer } from 'node:buffer';

/** DNS-1123 label: the names of components, peers, networks and connections, and namespaces. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** DNS-1123 subdomain, used for NetworkPolicy names (metadata.name). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * Qualified label/annotation key: an optional DNS-1123 subdomain prefix and `/`, then a name of
 * at most 63 characters that starts and ends with an alphanumeric character.
 */
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Label value: empty, or at most 63 characters starting and ending with an alphanumeric. */
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * IANA service name (a named container port): 1–15 characters of a–z, 0–9 and `-`, at least one
 * letter, no leading, trailing or doubled hyphen. Written without lookahead for RE2.
 */
export const PORT_NAME = /^([a-z0-9]+-)*[a-z0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const HEX = '[0-9a-fA-F]{1,4}';
const IPV6 = [
  `(${HEX}:){7}${HEX}`,
  `(${HEX}:){1,7}:`,
  `(${HEX}:){1,6}:${HEX}`,
  `(${HEX}:){1,5}(:${HEX}){1,2}`,
  `(${HEX}:){1,4}(:${HEX}){1,3}`,
  `(${HEX}:){1,3}(:${HEX}){1,4}`,
  `(${HEX}:){1,2}(:${HEX}){1,5}`,
  `${HEX}:(:${HEX}){1,6}`,
  `:((:${HEX}){1,7}|:)`,
].join('|');

/** IPv4 CIDR such as `10.0.0.0/8`. */
export const CIDR_V4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}/([0-9]|[12][0-9]|3[0-2])$`);
/** IPv6 CIDR such as `fd00::/8`. */
export const CIDR_V6 = new RegExp(`^(${IPV6})/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$`);
/** IPv4 or IPv6 CIDR (one pattern, so that JSON Schema reports one clear error). */
export const CIDR = new RegExp(
  `^((${OCTET}\\.){3}${OCTET}/([0-9]|[12][0-9]|3[0-2])|(${IPV6})/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$`,
);

/** A DNS name as Cilium's toFQDNs matchName takes it: dot-separated labels, an optional final dot. */
export const FQDN_NAME = /^[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?)*\.?$/;

/**
 * A toFQDNs matchPattern: a DNS name whose labels may hold `*` (0 or more DNS characters), with an
 * optional `**.` prefix (any number of subdomain levels); the last label names something (a bare
 * `*` would allow every name: say `entities: [world]` for that).
 */
export const FQDN_PATTERN = /^(\*\*\.)?([-A-Za-z0-9_*]+\.)*[-A-Za-z0-9_*]*[-A-Za-z0-9_][-A-Za-z0-9_*]*\.?$/;

/**
 * Pod label keys Cilium's default label filter (pkg/labelsfilter of v1.20.2, no
 * --label-prefix-file) leaves out of security identities, so that no CiliumNetworkPolicy can
 * select by them: io.kubernetes*, kubernetes.io*, k8s.io*, *beta.kubernetes.io*,
 * topology.kubernetes.io*, the controllers' hashes and indexes, annotation*, etcd_node.
 * (app.kubernetes.io is kept: Cilium includes it explicitly.)
 */
export const CILIUM_IGNORED_LABEL_KEY =
  /^(io\.kubernetes|kubernetes\.io|k8s\.io|.*beta\.kubernetes\.io|topology\.kubernetes\.io|statefulset\.kubernetes\.io\/pod-name|apps\.kubernetes\.io\/pod-index|batch\.kubernetes\.io\/(job-completion-index|controller-uid)|pod-template-generation|pod-template-hash|controller-revision-hash|controller-uid|annotation|etcd_node)/;

/**
 * An IPv4-mapped IPv6 CIDR (::ffff:a.b.c.d written in hexadecimal, in any spelling of the zero
 * groups), which the API server's strict CIDR validation refuses. Case-insensitive (the `i` flag;
 * Go: `(?i)`). The chart checks it with this pattern; TypeScript with isIPv4Mapped (src/model/cidr.ts).
 */
export const IPV4_MAPPED_CIDR =
  /^((0{1,4}:){5}|(0{1,4}:){0,4}(0{1,4})?::(0{1,4}:){0,4})ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\//i;

/** An AWS region code such as eu-west-1 or us-gov-west-1. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

/**
 * Characters that free text (descriptions, annotation values) may not hold, as the body of a
 * character class, in the syntax RE2 and JavaScript with the `u` flag (as Ajv and editors compile
 * schema patterns) share:
 *   - DEL and the C1 controls, NEL (U+0085) included: Helm 3 refuses them anywhere in the values
 *     without naming the field ("yaml: control characters are not allowed"), Helm 4 drops a whole
 *     `annotations:` block holding one, and YAML 1.1 readers fold NEL into a space;
 *   - \p{Zl} and \p{Zp}, U+2028 and U+2029: YAML 1.1 readers (Helm's, kubectl's) take them for line
 *     breaks, which changes the value;
 *   - U+FFFE and U+FFFF, which YAML forbids, written as themselves: no escape for them exists in
 *     both engines (the build writes them as JSON escapes, \uFFFE, in the generated files).
 * The C0 controls are added by each pattern below. See docs/injection.md.
 */
export const REFUSED_IN_TEXT = '\\x7f-\\x9f\\p{Zl}\\p{Zp}\uFFFE\uFFFF';

/** The C0 controls a description refuses: all of them (tab and line feed too). */
export const REFUSED_IN_LINE = `\\x00-\\x1f${REFUSED_IN_TEXT}`;

/** The C0 controls an annotation value refuses: all but tab (\t) and line feed (\n). */
export const REFUSED_IN_ANNOTATION = `\\x00-\\x08\\x0b-\\x1f${REFUSED_IN_TEXT}`;

/** Single-line text: none of REFUSED_IN_LINE (control characters, line and paragraph separators…). */
export const SINGLE_LINE_TEXT = new RegExp(`^[^${REFUSED_IN_LINE}]*$`, 'u');

/** Annotation text: any text with line breaks and tabs, but none of REFUSED_IN_ANNOTATION. */
export const ANNOTATION_TEXT = new RegExp(`^[^${REFUSED_IN_ANNOTATION}]*$`, 'u');

/**
 * What the values of each pattern are, in words: the descriptions of the model's types (below in
 * primitives.ts) and validate's explanation of a value that does not match.
 */
export const PATTERN_DESCRIPTIONS = {
  name: 'A DNS-1123 label: at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit.',
  policyName: 'metadata.name of the rendered NetworkPolicy: a DNS-1123 subdomain of at most 253 characters.',
  labelKey:
    'A Kubernetes label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters of letters, digits, "-", "_" and "." that starts and ends with a letter or digit.',
  labelValue:
    'A Kubernetes label value: empty, or at most 63 characters of letters, digits, "-", "_" and "." that starts and ends with a letter or digit.',
  description:
    'Why this exists, on one line. Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
  annotationValue:
    'Any text of at most 4096 characters; line breaks (\\n) and tabs are kept. Remove other control characters (\\r, NUL, ESC, DEL, C1 controls such as U+0085) and U+2028, U+2029, U+FFFE, U+FFFF: Helm and YAML readers would change or drop them.',
  portName:
    'A named container port (IANA service name: 1-15 characters of a-z, 0-9 and "-", at least one letter). Only towards components and peers, never networks, never with endPort.',
  cidr: 'An IPv4 or IPv6 CIDR block with its prefix length, such as 10.20.0.0/16 or fd00::/8.',
  fqdnName: 'A DNS name such as s3.eu-west-1.amazonaws.com: labels of letters, digits, "-" and "_" separated by dots.',
  fqdnPattern:
    'A DNS name pattern such as *.s3.eu-west-1.amazonaws.com: "*" matches 0 or more DNS characters within a label, a leading "**." any number of subdomain levels; the last label names something.',
  awsRegion: 'An AWS region code, such as eu-west-1.',
};

/** The API server's limit on the total size of an object's annotations (TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/**
 * The size the API server counts against ANNOTATIONS_SIZE_LIMIT: the UTF-8 bytes of every key and
 * every string value.
 * Usage: if (annotationsSize(metadata.annotations) > ANNOTATIONS_SIZE_LIMIT) …
 */
export function annotationsSize(annotations: Record<string, unknown>): number {
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    size += Buffer.byteLength(key, 'utf8') + (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  }
  return size;
}
