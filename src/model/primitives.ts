// Building blocks of the values model: names, Kubernetes label syntax, selectors, ports, CIDRs.
//
// Every pattern here ends up in chart/values.schema.json and is evaluated by Helm's JSON Schema
// validator, which uses Go's RE2 engine: no lookahead, lookbehind or backreferences. Keep every
// regular expression within the subset JavaScript and RE2 share.
import { Buffer } from 'node:buffer';
import { z } from 'zod';

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

export const Name = z
  .string()
  .max(63)
  .regex(DNS1123_LABEL)
  .meta({
    title: 'Name',
    description:
      'A DNS-1123 label: at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit.',
    patternErrorMessage:
      'Not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit (such as fineract-redis).',
    examples: ['fineract'],
  });

export const NamespaceName = Name.meta({
  title: 'Namespace',
  description: 'A namespace name (DNS-1123 label).',
  examples: ['ingress-nginx'],
});

export const PolicyName = z
  .string()
  .max(253)
  .regex(DNS1123_SUBDOMAIN)
  .meta({
    title: 'NetworkPolicy name',
    description: 'metadata.name of the rendered NetworkPolicy: a DNS-1123 subdomain of at most 253 characters.',
    patternErrorMessage:
      'Not a DNS-1123 subdomain: use lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit (such as fineract-network-policy).',
    examples: ['fineract-network-policy'],
  });

export const LabelKey = z
  .string()
  .min(1)
  .max(317)
  .regex(LABEL_KEY)
  .meta({
    title: 'Label key',
    description:
      'A Kubernetes label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters of letters, digits, "-", "_" and "." that starts and ends with a letter or digit.',
    patternErrorMessage:
      'Not a Kubernetes label key: an optional lowercase DNS prefix and one "/", then at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit (such as app.kubernetes.io/name).',
    examples: ['app.kubernetes.io/name'],
  });

export const LabelValue = z
  .string()
  .max(63)
  .regex(LABEL_VALUE)
  .meta({
    title: 'Label value',
    description:
      'A Kubernetes label value: empty, or at most 63 characters of letters, digits, "-", "_" and "." that starts and ends with a letter or digit.',
    patternErrorMessage:
      'Not a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (no spaces, no "/"), or empty.',
    examples: ['fineract'],
  });

export const Description = z
  .string()
  .max(500)
  .regex(SINGLE_LINE_TEXT)
  .meta({
    title: 'Description',
    description:
      'Why this exists, on one line. Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
    patternErrorMessage:
      'Write the description on one line: remove line breaks (\\n, \\r, U+0085, U+2028, U+2029), tabs and other control characters (U+0000-U+001F, U+007F-U+009F), U+FFFE and U+FFFF.',
    examples: ['External API requests'],
  });

export const AnnotationValue = z
  .string()
  .max(4096)
  .regex(ANNOTATION_TEXT)
  .meta({
    title: 'Annotation value',
    description:
      'Any text of at most 4096 characters; line breaks (\\n) and tabs are kept. Remove other control characters (\\r, NUL, ESC, DEL, C1 controls such as U+0085) and U+2028, U+2029, U+FFFE, U+FFFF: Helm and YAML readers would change or drop them.',
    patternErrorMessage:
      'Write the annotation value without control characters other than line breaks (\\n) and tabs: remove \\r, NUL, ESC, DEL, the C1 controls (such as U+0085), U+2028, U+2029, U+FFFE and U+FFFF.',
    examples: ['platform@example.com'],
  });

const MatchLabels = z.record(LabelKey, LabelValue).meta({
  title: 'matchLabels',
  description: 'Pods (or namespaces) whose labels include every key/value pair listed here.',
  examples: [{ 'app.kubernetes.io/name': 'fineract' }],
});

const SetExpression = z
  .strictObject({
    key: LabelKey,
    operator: z.enum(['In', 'NotIn']).meta({
      description: 'In: the label value is one of `values`. NotIn: it is none of them (or the label is absent).',
      enumDescriptions: [
        'The label value is one of `values`.',
        'The label value is none of `values`, or the label is absent.',
      ],
    }),
    values: z
      .array(LabelValue)
      .min(1)
      .meta({ description: 'The values compared with the label (at least one).', examples: [['read', 'write']] }),
  })
  .meta({ title: 'Set-based requirement', description: 'The label `key` is In (or NotIn) the listed values.' });

const ExistsExpression = z
  .strictObject({
    key: LabelKey,
    operator: z.enum(['Exists', 'DoesNotExist']).meta({
      description: 'Exists: the label is present. DoesNotExist: it is absent.',
      enumDescriptions: ['The label is present (any value).', 'The label is absent.'],
    }),
  })
  .meta({ title: 'Existence requirement', description: 'The label `key` exists (or does not); takes no values.' });

export const LabelSelector = z
  .strictObject({
    matchLabels: MatchLabels.optional(),
    matchExpressions: z
      .array(z.union([SetExpression, ExistsExpression]))
      .optional()
      .meta({
        description: 'Label requirements, all of which must hold (ANDed with matchLabels).',
        examples: [[{ key: 'app.kubernetes.io/component', operator: 'In', values: ['read', 'write'] }]],
      }),
  })
  .meta({
    id: 'LabelSelector',
    title: 'LabelSelector',
    description:
      'A Kubernetes LabelSelector. matchLabels and matchExpressions are ANDed. An empty selector selects every pod, which this chart refuses: list at least one label.',
    examples: [{ matchLabels: { app: 'keycloak' } }],
  });

export const Protocol = z.enum(['TCP', 'UDP', 'SCTP']).meta({
  title: 'Protocol',
  description: 'Transport protocol: TCP, UDP or SCTP.',
  enumDescriptions: [
    'TCP (the default).',
    'UDP, such as DNS queries (port 53 needs both UDP and TCP).',
    'SCTP (needs a network plugin that supports it).',
  ],
  default: 'TCP',
  examples: ['TCP'],
});

export const PortNumber = z
  .int()
  .min(1)
  .max(65535)
  .meta({
    title: 'Port number',
    description: 'A port number from 1 to 65535.',
    examples: [8080],
  });

export const PortName = z
  .string()
  .min(1)
  .max(15)
  .regex(PORT_NAME)
  .meta({
    title: 'Port name',
    description:
      'A named container port (IANA service name: 1-15 characters of a-z, 0-9 and "-", at least one letter). Only towards components and peers, never networks, never with endPort.',
    patternErrorMessage:
      'Not a port name: 1-15 lowercase letters, digits and "-", at least one letter, no leading, trailing or doubled "-" (such as http). Write a port number without quotes.',
    examples: ['http'],
  });

export const Port = z
  .strictObject({
    port: z.union([PortNumber, PortName]).meta({
      description: 'Destination port: a number (1-65535) or the name of a container port of the destination pods.',
      examples: [8080, 'http'],
    }),
    protocol: Protocol.optional(),
    endPort: PortNumber.optional().meta({
      description:
        'Last port of a range starting at `port` (inclusive). Needs a numeric `port` no greater than endPort.',
      examples: [8090],
    }),
  })
  .meta({
    id: 'Port',
    title: 'Port',
    description: 'A destination port (or range) and protocol. protocol defaults to TCP.',
    examples: [{ port: 8080 }, { port: 53, protocol: 'UDP' }, { port: 30000, endPort: 32767 }],
    defaultSnippets: [
      { label: 'TCP port', description: 'A TCP port (the default protocol).', body: { port: '^${1:8080}' } },
      { label: 'UDP port', description: 'A UDP port.', body: { port: '^${1:53}', protocol: 'UDP' } },
      {
        label: 'port range',
        description: 'The ports from port to endPort (numbers only).',
        body: { port: '^${1:30000}', endPort: '^${2:32767}' },
      },
    ],
  });

export const Ports = z
  .array(Port)
  .min(1)
  .meta({
    title: 'Ports',
    description: 'Destination ports of the flow (at least one: this chart never renders "all ports").',
    examples: [[{ port: 8080 }, { port: 8443 }]],
  });

export const Cidr = z
  .string()
  .regex(CIDR)
  .meta({
    title: 'CIDR',
    description: 'An IPv4 or IPv6 CIDR block with its prefix length, such as 10.20.0.0/16 or fd00::/8.',
    patternErrorMessage:
      'Not a CIDR block: write an IPv4 or IPv6 address with its prefix length, such as 10.20.0.0/16 or fd00::/8 (a single address is 10.20.0.1/32).',
    examples: ['10.20.0.0/16'],
  });

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
