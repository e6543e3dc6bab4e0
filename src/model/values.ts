// The values model v1: the chart's public contract (docs/design.md, "The values contract").
//
// This zod schema is the single source of truth. `npm run build` derives from it:
//   - schema/values.schema.json and chart/values.schema.json (draft-07, via z.toJSONSchema),
//   - schema/values-override.schema.json (one values file before Helm merges it: the modeline's),
//   - schema/values.d.ts (via json-schema-to-typescript),
//   - chart/values.yaml (the defaults below, commented with each field's description),
//   - the values reference tables of README.md and chart/README.md.
// Maps are keyed by name (never lists) so that an environment file can override or disable a
// single entry: Helm merges maps but replaces lists wholesale.
import { z } from 'zod';
import {
  AnnotationValue,
  Cidr,
  Description,
  Entity,
  FqdnSelector,
  LabelKey,
  LabelSelector,
  LabelValue,
  Name,
  NamespaceName,
  PolicyName,
  Ports,
} from './primitives.ts';
import { DEFAULT_VALUES } from './defaults.ts';

// Editor support (yaml-language-server, VS Code's YAML extension): besides title, description and
// examples, the meta below carries keywords JSON Schema validators ignore and editors use:
//   - markdownDescription: hover text rendered as Markdown (a plain `description` is escaped).
//     Always the description plus more, written with `markdown(description, more)`: a schema
//     derived from this one that overrides `description` must override this too (the build checks).
//   - defaultSnippets: completion snippets. On a map keyed by name (components, peers, networks,
//     connections) they insert a new named entry; on the entry's schema they fill in its fields.
//     `${n:placeholder}` are tab stops; a string starting with "^" is inserted unquoted (numbers).
//   - patternErrorMessage (primitives.ts): the message shown instead of "does not match the pattern".
//   - enumDescriptions: one line per enum value, shown on completion and hover.

/** A description and its Markdown version (the description, a blank line, then `more`). */
const markdown = (description: string, more: string) => ({
  description,
  markdownDescription: `${description}\n\n${more}`,
});

/** The fields of a new entry, as a snippet body. Tab stops start at 2: 1 is the entry's name. */
const COMPONENT_BODY = {
  podSelector: { matchLabels: { 'app.kubernetes.io/name': '${2:my-app}' } },
  metricsPorts: [{ port: '^${3:8080}' }],
  description: '${4:What this workload is}',
};
const PEER_BODY = {
  namespace: '${2:ingress-nginx}',
  podSelector: { matchLabels: { 'app.kubernetes.io/name': '${3:ingress-nginx}' } },
  description: '${4:What this workload is}',
};
const NETWORK_BODY = {
  cidrs: ['${2:10.20.0.0/16}'],
  excludePrivate: '^false',
  description: '${3:What lives in these addresses}',
};
const INTERNET_BODY = {
  cidrs: ['0.0.0.0/0'],
  excludePrivate: '^true',
  description: '${2:What is reached on the internet}',
};
const CONNECTION_BODY = {
  from: { component: '${2:fineract}' },
  to: { component: '${3:keycloak}' },
  ports: [{ port: '^${4:8080}' }],
  description: '${5:Why this flow exists}',
};

/** A completion snippet that adds a named entry to a map (`components`, …). */
const newEntry = (label: string, name: string, body: object, description: string) => ({
  label,
  description,
  body: { [`\${1:${name}}`]: body },
});

/** The name of an entry of a map keyed by name, titled for completion ("component name"). */
const EntryName = (kind: string) =>
  Name.meta({
    title: `${kind} name`,
    description: `Name of the ${kind}: a DNS-1123 label (lowercase letters, digits and "-").`,
  });

const Enabled = (what: string, dflt: boolean) =>
  z
    .boolean()
    .default(dflt)
    .meta({ title: 'Enabled', description: what, examples: [!dflt] });

export const Endpoint = z
  .union([
    z
      .strictObject({
        component: Name.meta({ description: 'Name of an entry of `components`.', examples: ['fineract'] }),
      })
      .meta({ title: 'Component endpoint', description: 'Pods of a component of this chart (same namespace).' }),
    z
      .strictObject({ peer: Name.meta({ description: 'Name of an entry of `peers`.', examples: ['ingress-nginx'] }) })
      .meta({ title: 'Peer endpoint', description: 'Pods of an in-cluster workload outside this chart.' }),
    z
      .strictObject({ network: Name.meta({ description: 'Name of an entry of `networks`.', examples: ['rds'] }) })
      .meta({ title: 'Network endpoint', description: 'IP blocks outside the cluster.' }),
  ])
  .meta({
    id: 'Endpoint',
    title: 'Endpoint',
    description: 'Exactly one of {component: name}, {peer: name} or {network: name}.',
    examples: [{ component: 'fineract' }, { peer: 'ingress-nginx' }, { network: 'rds' }],
    defaultSnippets: [
      { label: 'component', description: 'A component of this chart.', body: { component: '${1:fineract}' } },
      {
        label: 'peer',
        description: 'An in-cluster workload outside this chart.',
        body: { peer: '${1:ingress-nginx}' },
      },
      { label: 'network', description: 'IP blocks outside the cluster.', body: { network: '${1:rds}' } },
    ],
  });

/** Fields shared by peers, the DNS target and the monitoring source: pods in some namespace(s). */
const podsInNamespace = {
  namespace: NamespaceName.optional().meta({
    description:
      'Namespace of the pods, selected by the label `namespaceLabelKey` (kubernetes.io/metadata.name by default). Omit both this and namespaceSelector for the release namespace.',
    examples: ['ingress-nginx'],
  }),
  namespaceSelector: LabelSelector.optional().meta({
    description:
      'Selects the namespaces by label instead of by name. Set either this or `namespace`, not both (set the other to null in an override).',
    examples: [{ matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }],
  }),
  podSelector: LabelSelector.meta({
    description:
      'Selects the pods within those namespaces. Rendered in the same peer item as the namespace selector (AND), never as a separate item (OR).',
    examples: [{ matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } }],
  }),
};

export const Component = z
  .strictObject({
    enabled: Enabled(
      "Render this component's NetworkPolicy. When false, the component counts as not deployed: every connection naming it is skipped (both sides).",
      true,
    ),
    policyName: PolicyName.optional().meta({
      description: 'metadata.name of the NetworkPolicy. Default: `<component>-network-policy`.',
      examples: ['fineract-network-policy'],
    }),
    podSelector: LabelSelector.meta({
      description:
        "Selects the component's pods in the release namespace. Must select the real pods: check with `kubectl get pods -l …`.",
      examples: [{ matchLabels: { 'app.kubernetes.io/name': 'fineract' } }],
    }),
    metricsPorts: Ports.optional().meta({
      description: 'Ports Prometheus scrapes when `monitoring.enabled` (omit for a component without metrics).',
      examples: [[{ port: 8080 }]],
    }),
    description: Description.optional().meta({
      description:
        'Why this component exists, on one line; rendered as a YAML comment above its NetworkPolicy. Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
    }),
  })
  .meta({
    id: 'Component',
    title: 'Component',
    ...markdown(
      'A workload of this chart: it gets one NetworkPolicy with Ingress and Egress isolation.',
      'Its pods may then talk only as `connections` (and `dns`, `monitoring`) allow. Check that `podSelector` selects the real pods: `kubectl get pods -l app.kubernetes.io/name=…`.',
    ),
    examples: [{ podSelector: { matchLabels: { app: 'keycloak' } }, metricsPorts: [{ port: 8080 }] }],
    defaultSnippets: [{ label: 'component', description: 'The fields of a component.', body: COMPONENT_BODY }],
  });

export const Peer = z
  .strictObject({
    ...podsInNamespace,
    description: Description.optional().meta({
      description:
        'Why this peer exists, on one line; for the readers of the values (not rendered: the connections naming it carry their own descriptions). Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
    }),
  })
  .meta({
    id: 'Peer',
    title: 'Peer',
    description:
      'An in-cluster workload outside this chart, rendered as ONE peer item: namespaceSelector AND podSelector.',
    examples: [
      { namespace: 'ingress-nginx', podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } },
    ],
    defaultSnippets: [{ label: 'peer', description: 'The fields of a peer.', body: PEER_BODY }],
  });

export const Network = z
  .strictObject({
    cidrs: z
      .array(Cidr)
      .min(1)
      .optional()
      .meta({
        title: 'CIDR blocks',
        description:
          'IP blocks of the network, one ipBlock each (toCIDRSet with policyEngine cilium). The only part of a network the kubernetes engine renders.',
        examples: [['10.20.0.0/16']],
      }),
    excludePrivate: z
      .boolean()
      .default(false)
      .meta({
        title: 'Exclude private ranges',
        ...markdown(
          'Add each of `privateCidrs` that lies inside a cidr to its ipBlock `except` (the seed\'s "0.0.0.0/0 excluding RFC1918"). A cidr that lies inside a private range cannot be reached this way: set excludePrivate to false and list the real subnets.',
          [
            '```yaml',
            's3:   {cidrs: [0.0.0.0/0], excludePrivate: true}      # the internet, not the VPC',
            'rds:  {cidrs: [10.20.32.0/24], excludePrivate: false} # a private subnet: list it',
            '```',
          ].join('\n'),
        ),
        examples: [true],
      }),
    except: z
      .array(Cidr)
      .optional()
      .meta({
        title: 'Excluded blocks',
        description: 'Further blocks to exclude; each must lie strictly inside one of `cidrs`.',
        examples: [['10.20.5.0/24']],
      }),
    fqdns: z
      .array(FqdnSelector)
      .optional()
      .meta({
        title: 'DNS names',
        ...markdown(
          'DNS names of the network (Cilium toFQDNs, egress only): needs `policyEngine: cilium` and `dns.enabled`. The kubernetes engine never renders them: a network used by a connection needs `cidrs` there.',
          [
            "Cilium learns the addresses behind these names from the DNS answers its DNS proxy sees, so the policies of the components that use this network get a DNS rule with `rules.dns` (Cilium's DNS visibility).",
            '```yaml',
            's3-by-name:',
            '  fqdns:',
            '    - awsS3Region: eu-west-1          # s3.eu-west-1.amazonaws.com, *.s3.eu-west-1.amazonaws.com, dualstack',
            'identity-providers:',
            '  fqdns:',
            '    - matchName: login.microsoftonline.com',
            '    - matchPattern: "*.okta.com"',
            '```',
          ].join('\n'),
        ),
        examples: [[{ awsS3Region: 'eu-west-1' }], [{ matchName: 'login.microsoftonline.com' }]],
      }),
    entities: z
      .array(Entity)
      .min(1)
      .optional()
      .meta({
        title: 'Cilium entities',
        description:
          'Cilium entities of the network (toEntities/fromEntities): needs `policyEngine: cilium`. kube-apiserver replaces a fragile CIDR of the control plane; world is every address outside the cluster.',
        examples: [['kube-apiserver']],
      }),
    description: Description.optional().meta({
      description:
        'Why this network exists, on one line; for the readers of the values (not rendered: the connections using it carry their own descriptions). Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
    }),
  })
  .meta({
    id: 'Network',
    title: 'Network',
    description:
      'Addresses outside the cluster, such as a database subnet or the internet: IP blocks (cidrs), and with policyEngine cilium DNS names (fqdns) and entities. At least one of cidrs, fqdns and entities.',
    examples: [{ cidrs: ['10.20.0.0/16'], excludePrivate: false }],
    defaultSnippets: [
      { label: 'network (private subnets)', description: 'Subnets such as a database subnet.', body: NETWORK_BODY },
      {
        label: 'network (the internet)',
        description: 'The internet without the private ranges.',
        body: INTERNET_BODY,
      },
    ],
  });

export const Connection = z
  .strictObject({
    enabled: Enabled(
      'Allow this flow. Set false (or set the connection to null) to remove it in an environment.',
      true,
    ),
    from: Endpoint.meta({ description: 'Source of the flow.', examples: [{ peer: 'ingress-nginx' }] }),
    to: Endpoint.meta({ description: 'Destination of the flow.', examples: [{ component: 'fineract' }] }),
    ports: Ports,
    description: Description.optional().meta({
      description:
        'Why this flow exists, on one line; rendered as a YAML comment above each rule it renders. Remove line breaks, tabs and other control characters (U+0085, U+2028, U+2029 included) and U+FFFE, U+FFFF.',
    }),
  })
  .meta({
    id: 'Connection',
    title: 'Connection',
    description:
      "One allowed flow. Between two components it renders both sides (egress on the source, ingress on the destination); with a peer or network, only the component's side.",
    examples: [
      {
        from: { component: 'fineract' },
        to: { component: 'fineract-redis' },
        ports: [{ port: 6379 }],
        description: 'Redis caching',
      },
    ],
    defaultSnippets: [{ label: 'connection', description: 'The fields of a connection.', body: CONNECTION_BODY }],
  });

export const Dns = z
  .strictObject({
    enabled: Enabled('Allow every component to reach the cluster DNS.', true),
    ...podsInNamespace,
    ports: Ports,
    cidrs: z
      .array(Cidr)
      .min(1)
      .optional()
      .meta({
        title: 'DNS addresses',
        ...markdown(
          'Addresses the components also send DNS queries to, on the same ports: a DNS server that is no pod `podSelector` can match, such as NodeLocal DNSCache (a host-network pod at 169.254.20.10) and, in its iptables mode, the kube-dns ClusterIP it binds. Rendered as ipBlocks beside the DNS pods (with policyEngine cilium: a toCIDRSet rule of its own).',
          [
            '```yaml',
            'dns:',
            '  cidrs: [169.254.20.10/32, 172.20.0.10/32]   # NodeLocal DNSCache, the kube-dns ClusterIP',
            '```',
            "`kubectl get svc kube-dns -n kube-system -o jsonpath='{.spec.clusterIP}'` shows the ClusterIP; in IPVS mode 169.254.20.10/32 alone is enough. No privateCidrs are excluded from these blocks.",
          ].join('\n'),
        ),
        examples: [['169.254.20.10/32', '172.20.0.10/32']],
      }),
  })
  .meta({
    title: 'DNS',
    ...markdown(
      'Egress from every component to the cluster DNS pods (one peer item: namespace AND pods).',
      [
        'Rendered in each component policy as one peer, so that only the DNS pods of that namespace match:',
        '```yaml',
        '- to:',
        '    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}',
        '      podSelector: {matchLabels: {k8s-app: kube-dns}}',
        '```',
        'To select the namespace by label instead, set `namespace: null` and `namespaceSelector`; for NodeLocal DNSCache add its addresses as `cidrs`.',
      ].join('\n'),
    ),
  });

export const Monitoring = z
  .strictObject({
    enabled: Enabled("Allow Prometheus to scrape each component's metricsPorts.", true),
    ...podsInNamespace,
  })
  .meta({
    title: 'Monitoring',
    ...markdown(
      "Ingress from the Prometheus pods (not the whole monitoring namespace) to each component's metricsPorts.",
      'Set `podSelector` to the labels of your Prometheus pods; a component without `metricsPorts` is not scraped.',
    ),
  });

export const DefaultDeny = z
  .strictObject({
    enabled: Enabled('Render a namespace-wide deny-all policy (podSelector: {}) for Ingress and Egress.', false),
    policyName: PolicyName.default('default-deny-all').meta({
      description: 'metadata.name of the deny-all policy.',
      examples: ['default-deny-all'],
    }),
  })
  .meta({
    title: 'Default deny',
    description:
      'An extra policy isolating every pod of the namespace, so that workloads no component selects are default-deny too.',
  });

const d = DEFAULT_VALUES;

/**
 * A default that is a deep copy on every parse. zod copies an object default only one level
 * deep, so `.default(d.dns)` would hand every caller the same nested objects (d.dns.ports…):
 * changing one parse result would change DEFAULT_VALUES and every later `Values.parse({})`.
 */
const fresh =
  <T>(value: T) =>
  (): T =>
    structuredClone(value);

export const PolicyEngine = z.enum(['kubernetes', 'cilium']).meta({
  title: 'Policy engine',
  ...markdown(
    'What the chart renders: kubernetes (networking.k8s.io/v1 NetworkPolicy, any CNI) or cilium (cilium.io/v2 CiliumNetworkPolicy: the same flows, plus DNS names and entities of networks).',
    'Choose `cilium` only on clusters running Cilium (its CRDs must be installed). See the README, "Cilium".',
  ),
  enumDescriptions: [
    'NetworkPolicy objects, enforced by any NetworkPolicy implementation (Calico, Cilium, kube-router…).',
    'CiliumNetworkPolicy objects: needed for networks with fqdns or entities.',
  ],
  examples: ['cilium'],
});

export const IpFamily = z.enum(['IPv4', 'IPv6']).meta({
  title: 'IP family',
  description: 'An address family of the cluster.',
  enumDescriptions: ['IPv4 addresses (0.0.0.0/0).', 'IPv6 addresses (::/0).'],
});

export const Values = z
  .strictObject({
    policyEngine: PolicyEngine.default(d.policyEngine),
    namespaceLabelKey: LabelKey.default(d.namespaceLabelKey).meta({
      title: 'Namespace label key',
      description:
        'Namespace label used to select a `namespace: <name>`. Kubernetes >= 1.22 sets kubernetes.io/metadata.name on every namespace.',
      examples: ['kubernetes.io/metadata.name', 'name'],
    }),
    commonLabels: z
      .record(LabelKey, LabelValue)
      .default(fresh(d.commonLabels))
      .meta({
        title: 'Common labels',
        description: 'Labels added to every rendered object.',
        examples: [{ team: 'platform' }],
      }),
    commonAnnotations: z
      .record(LabelKey, AnnotationValue)
      .default(fresh(d.commonAnnotations))
      .meta({
        title: 'Common annotations',
        description: 'Annotations added to every rendered object.',
        examples: [{ owner: 'platform@example.com' }],
      }),
    defaultDeny: DefaultDeny.default(fresh(d.defaultDeny)),
    dns: Dns.default(fresh(d.dns)),
    monitoring: Monitoring.default(fresh(d.monitoring)),
    privateCidrs: z
      .array(Cidr)
      .default(fresh(d.privateCidrs))
      .meta({
        title: 'Private ranges',
        ...markdown(
          "The ranges that are not the internet, which `excludePrivate` networks exclude: by default RFC 1918, 100.64.0.0/10 (carrier-grade NAT, EKS custom networking) and 169.254.0.0/16 (link-local: the metadata service 169.254.169.254, EKS Pod Identity 169.254.170.23); in IPv6 fc00::/7 (unique local: EKS fd00:ec2::254 and fd00:ec2::23), fe80::/10 (link-local), 64:ff9b:1::/48 (local-use translation) and the IPv4 ranges above behind NAT64's 64:ff9b::/96.",
          'A flow to one of them needs a network that lists it with `excludePrivate: false`, such as `{cidrs: [169.254.170.23/32], excludePrivate: false}` for EKS Pod Identity.',
        ),
        examples: [['10.0.0.0/8']],
      }),
    ipFamilies: z
      .array(IpFamily)
      .min(1)
      .max(2)
      .default(fresh(d.ipFamilies))
      .meta({
        title: 'IP families',
        ...markdown(
          'The cluster\'s address families, as a dual-stack Service lists them. With IPv6, each network that holds 0.0.0.0/0 and no IPv6 block also gets ::/0 (its excludePrivate removing the IPv6 privateCidrs), so that "the internet" means both families: an IPv4 rule alone leaves IPv6 closed under default-deny and open without it.',
          "On IPv6, pods, nodes and the VPC usually hold global addresses (on EKS the VPC's /56), which ::/0 contains: add them to `privateCidrs` (validate warns until a global range is there).",
        ),
        examples: [['IPv4', 'IPv6']],
      }),
    components: z
      .record(EntryName('component'), Component)
      .default(fresh(d.components))
      .meta({
        ...markdown(
          'Workloads this chart writes one NetworkPolicy for, keyed by name.',
          'An environment file overrides one field of a component (`fineract: {enabled: false}`) or adds one; `null` removes a default component.',
        ),
        defaultSnippets: [newEntry('new component', 'my-component', COMPONENT_BODY, 'A workload of this chart.')],
      }),
    peers: z
      .record(EntryName('peer'), Peer)
      .default(fresh(d.peers))
      .meta({
        ...markdown(
          'In-cluster workloads outside this chart that connections name, keyed by name.',
          'Name one in a connection with `{peer: <name>}`.',
        ),
        defaultSnippets: [newEntry('new peer', 'my-peer', PEER_BODY, 'An in-cluster workload outside this chart.')],
      }),
    networks: z
      .record(EntryName('network'), Network)
      .default(fresh(d.networks))
      .meta({
        ...markdown(
          'Addresses outside the cluster that connections name, keyed by name: IP blocks, and with policyEngine cilium DNS names and entities.',
          'Name one in a connection with `{network: <name>}`.',
        ),
        defaultSnippets: [
          newEntry(
            'new network (private subnets)',
            'my-network',
            NETWORK_BODY,
            'Private subnets, such as a database subnet.',
          ),
          newEntry(
            'new network (the internet)',
            'my-network',
            INTERNET_BODY,
            'The internet without the private ranges.',
          ),
        ],
      }),
    connections: z
      .record(EntryName('connection'), Connection)
      .default(fresh(d.connections))
      .meta({
        ...markdown(
          'Every allowed flow, declared once, keyed by name.',
          [
            'Between two components both sides are rendered (egress and ingress); a flow with a peer or network renders the component side only.',
            '```yaml',
            'fineract-to-redis:',
            '  from: {component: fineract}',
            '  to: {component: fineract-redis}',
            '  ports: [{port: 6379}]',
            '```',
            'Disable one in an environment with `enabled: false` (or `null`).',
          ].join('\n'),
        ),
        defaultSnippets: [newEntry('new connection', 'my-connection', CONNECTION_BODY, 'An allowed flow.')],
      }),
    global: z.record(z.string(), z.unknown()).optional().meta({
      title: 'Global values',
      description: 'Free-form values shared with umbrella charts and Argo CD; not used by this chart.',
    }),
  })
  .meta({
    title: 'fineract-netpol values',
    description: 'Values of the fineract-netpol chart: default-deny NetworkPolicies for Apache Fineract.',
  });

/** Values as written by an operator (every field with a default may be omitted). */
export type ValuesInput = z.input<typeof Values>;
/** Values after defaults are applied. */
export type ValuesOutput = z.output<typeof Values>;
export type EndpointRef = z.infer<typeof Endpoint>;
export type PortSpec = z.infer<typeof Ports>[number];
