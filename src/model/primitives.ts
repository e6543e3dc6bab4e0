// Building blocks of the values model: names, Kubernetes label syntax, selectors, ports, CIDRs.
// Their patterns (regular expressions within what RE2 and JavaScript share) are in patterns.ts.
import { z } from 'zod';
import {
  ANNOTATION_TEXT,
  AWS_REGION,
  CIDR,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  FQDN_NAME,
  FQDN_PATTERN,
  LABEL_KEY,
  LABEL_VALUE,
  PATTERN_DESCRIPTIONS,
  PORT_NAME,
  SINGLE_LINE_TEXT,
} from './patterns.ts';

// The patterns and limits, for the model's users that import them from here.
export {
  ANNOTATIONS_SIZE_LIMIT,
  ANNOTATION_TEXT,
  AWS_REGION,
  CIDR,
  CIDR_V4,
  CILIUM_IGNORED_LABEL_KEY,
  CIDR_V6,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  FQDN_NAME,
  FQDN_PATTERN,
  IPV4_MAPPED_CIDR,
  LABEL_KEY,
  LABEL_VALUE,
  PORT_NAME,
  REFUSED_IN_ANNOTATION,
  REFUSED_IN_LINE,
  REFUSED_IN_TEXT,
  SINGLE_LINE_TEXT,
  annotationsSize,
} from './patterns.ts';

export const Name = z
  .string()
  .max(63)
  .regex(DNS1123_LABEL)
  .meta({
    title: 'Name',
    description: PATTERN_DESCRIPTIONS.name,
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
    description: PATTERN_DESCRIPTIONS.policyName,
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
    description: PATTERN_DESCRIPTIONS.labelKey,
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
    description: PATTERN_DESCRIPTIONS.labelValue,
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
    description: PATTERN_DESCRIPTIONS.description,
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
    description: PATTERN_DESCRIPTIONS.annotationValue,
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
    description: PATTERN_DESCRIPTIONS.portName,
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
    description: PATTERN_DESCRIPTIONS.cidr,
    patternErrorMessage:
      'Not a CIDR block: write an IPv4 or IPv6 address with its prefix length, such as 10.20.0.0/16 or fd00::/8 (a single address is 10.20.0.1/32).',
    examples: ['10.20.0.0/16'],
  });

/** The regional endpoints of Amazon S3 in region R, as an `awsS3Region: R` fqdns entry expands (keep in step with _plan.tpl). */
export function awsS3Endpoints(region: string): ({ matchName: string } | { matchPattern: string })[] {
  return [
    { matchName: `s3.${region}.amazonaws.com` },
    { matchPattern: `*.s3.${region}.amazonaws.com` },
    { matchName: `s3.dualstack.${region}.amazonaws.com` },
    { matchPattern: `*.s3.dualstack.${region}.amazonaws.com` },
  ];
}

export const FqdnSelector = z
  .union([
    z
      .strictObject({
        matchName: z
          .string()
          .max(255)
          .regex(FQDN_NAME)
          .meta({
            description: PATTERN_DESCRIPTIONS.fqdnName,
            patternErrorMessage:
              'Not a DNS name: write dot-separated labels of letters, digits, "-" and "_" (such as s3.eu-west-1.amazonaws.com); for wildcards use matchPattern.',
            examples: ['s3.eu-west-1.amazonaws.com'],
          }),
      })
      .meta({ title: 'DNS name', description: 'Exactly this DNS name (Cilium toFQDNs matchName).' }),
    z
      .strictObject({
        matchPattern: z
          .string()
          .max(255)
          .regex(FQDN_PATTERN)
          .meta({
            description: PATTERN_DESCRIPTIONS.fqdnPattern,
            patternErrorMessage:
              'Not a DNS name pattern: write a DNS name whose labels may hold "*" (such as *.s3.eu-west-1.amazonaws.com); a bare "*" would allow every name (use entities: [world] to say so).',
            examples: ['*.s3.eu-west-1.amazonaws.com'],
          }),
      })
      .meta({
        title: 'DNS name pattern',
        description: 'DNS names matching a wildcard pattern (Cilium toFQDNs matchPattern).',
      }),
    z
      .strictObject({
        awsS3Region: z
          .string()
          .max(32)
          .regex(AWS_REGION)
          .meta({
            description: PATTERN_DESCRIPTIONS.awsRegion,
            patternErrorMessage: 'Not a region code of AWS: write it like eu-west-1 or us-gov-west-1.',
            examples: ['eu-west-1'],
          }),
      })
      .meta({
        title: 'Amazon S3 in a region',
        description:
          'The regional endpoints of Amazon S3: s3.<region>.amazonaws.com, *.s3.<region>.amazonaws.com (virtual-hosted buckets) and their dualstack forms.',
      }),
  ])
  .meta({
    id: 'FqdnSelector',
    title: 'DNS name selector',
    description: 'Exactly one of {matchName: name}, {matchPattern: pattern} or {awsS3Region: region}.',
    examples: [
      { matchName: 'login.microsoftonline.com' },
      { matchPattern: '*.s3.eu-west-1.amazonaws.com' },
      { awsS3Region: 'eu-west-1' },
    ],
    defaultSnippets: [
      { label: 'matchName', description: 'Exactly one DNS name.', body: { matchName: '${1:login.example.com}' } },
      {
        label: 'matchPattern',
        description: 'DNS names matching a pattern.',
        body: { matchPattern: '*.${1:example.com}' },
      },
      { label: 'awsS3Region', description: 'Amazon S3 in one region.', body: { awsS3Region: '${1:eu-west-1}' } },
    ],
  });

export const Entity = z.enum(['kube-apiserver', 'world']).meta({
  title: 'Cilium entity',
  description: "kube-apiserver: the cluster's API server, wherever it runs. world: every address outside the cluster.",
  enumDescriptions: [
    "The Kubernetes API server (Cilium's kube-apiserver entity): no fragile CIDR of the control plane.",
    'Every address outside the cluster: the explicit form of "the internet".',
  ],
  examples: ['kube-apiserver'],
});
