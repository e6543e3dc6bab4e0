// The chart's defaults: the intent of the seed's four hand-written policies
// (docs/seed/network-policies-README.md), with the defects listed in docs/design.md fixed:
//   - the Fineract selector is app.kubernetes.io/name=fineract (the pods are labelled
//     app=fineract-read|write|batch, so `app: fineract` would select nothing);
//   - DNS and Prometheus are ONE peer item each (namespace AND pods), never two ORed items and
//     never a whole namespace;
//   - no `from: []` anywhere (kubelet probes need no rule);
//   - OAuth2 Proxy -> fineract-redis 6379 (session storage) and Fineract -> Fineract 8080
//     (inter-instance) are declared once as connections, so both sides render.
// Beyond the seed: an optional (disabled) connection for traces to the OpenTelemetry collector,
// labelled as the fineract-gitops deployment labels it.
// The database networks keep the seed's "0.0.0.0/0 excluding RFC 1918" (and, since the seed,
// the other ranges that are not the internet: privateCidrs below): an RDS in private VPC
// subnets is unreachable that way, which is why values/uat.yaml and values/production.yaml set
// the real database subnets.

export const DEFAULT_VALUES = {
  policyEngine: 'kubernetes' as 'kubernetes' | 'cilium',
  namespaceLabelKey: 'kubernetes.io/metadata.name',
  commonLabels: {},
  commonAnnotations: {},
  defaultDeny: { enabled: false, policyName: 'default-deny-all' },
  dns: {
    enabled: true,
    namespace: 'kube-system',
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    ports: [
      { port: 53, protocol: 'UDP' as const },
      { port: 53, protocol: 'TCP' as const },
    ],
  },
  monitoring: {
    enabled: true,
    namespace: 'monitoring',
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  },
  // Not the internet: RFC 1918, the shared address space of carrier-grade NAT and EKS custom
  // networking (RFC 6598), and link-local (the cloud metadata services, EKS Pod Identity's agent);
  // in IPv6, unique local (RFC 4193: EKS's fd00:ec2::254 and fd00:ec2::23), link-local, the
  // local-use translation prefix (RFC 8215), and the same IPv4 ranges behind NAT64's well-known
  // prefix (RFC 6052: 64:ff9b::10.0.0.0/104 and so on), which a NAT64 gateway may translate.
  privateCidrs: [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '100.64.0.0/10',
    '169.254.0.0/16',
    'fc00::/7',
    'fe80::/10',
    '64:ff9b:1::/48',
    '64:ff9b::a00:0/104',
    '64:ff9b::ac10:0/108',
    '64:ff9b::c0a8:0/112',
    '64:ff9b::6440:0/106',
    '64:ff9b::a9fe:0/112',
  ],
  // The address families of the cluster (a Service's ipFamilies): with IPv6, a network holding
  // 0.0.0.0/0 and no IPv6 block also gets ::/0, so "the internet" means both families.
  ipFamilies: ['IPv4'] as ('IPv4' | 'IPv6')[],
  components: {
    fineract: {
      enabled: true,
      policyName: 'fineract-network-policy',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fineract' } },
      metricsPorts: [{ port: 8080 }],
      description: 'Fineract read, write and batch instances',
    },
    'fineract-redis': {
      enabled: true,
      policyName: 'fineract-redis-network-policy',
      podSelector: { matchLabels: { app: 'fineract-redis' } },
      metricsPorts: [{ port: 9121 }],
      description: 'Redis cache and session store (StatefulSet)',
    },
    keycloak: {
      enabled: true,
      policyName: 'keycloak-network-policy',
      podSelector: { matchLabels: { app: 'keycloak' } },
      metricsPorts: [{ port: 8080 }],
      description: 'Keycloak identity provider',
    },
    'oauth2-proxy': {
      enabled: true,
      policyName: 'oauth2-proxy-network-policy',
      podSelector: { matchLabels: { app: 'oauth2-proxy' } },
      metricsPorts: [{ port: 4180 }],
      description: 'OAuth2 Proxy in front of Fineract',
    },
  },
  peers: {
    'ingress-nginx': {
      namespace: 'ingress-nginx',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      description: 'Ingress NGINX controller pods',
    },
    'otel-collector': {
      namespace: 'tracing',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'otel-collector' } },
      description: 'OpenTelemetry collector (traces), as fineract-gitops deploys it: set your own labels',
    },
  },
  networks: {
    rds: {
      cidrs: ['0.0.0.0/0'],
      excludePrivate: true,
      description: 'AWS RDS PostgreSQL (set the real database subnets per environment)',
    },
    s3: {
      cidrs: ['0.0.0.0/0'],
      excludePrivate: true,
      description: 'AWS S3 document storage (public endpoints)',
    },
    'oidc-federation': {
      cidrs: ['0.0.0.0/0'],
      excludePrivate: true,
      description: 'External identity providers Keycloak federates with',
    },
    's3-by-name': {
      fqdns: [{ awsS3Region: 'eu-west-1' }],
      excludePrivate: false,
      description: 'AWS S3 by DNS name (policyEngine cilium): the regional endpoints; set awsS3Region to your region',
    },
    'oidc-federation-by-name': {
      fqdns: [] as ({ matchName: string } | { matchPattern: string })[],
      excludePrivate: false,
      description: 'External identity providers by DNS name (policyEngine cilium): fill in their host names',
    },
  },
  connections: {
    'api-from-ingress': {
      enabled: true,
      from: { peer: 'ingress-nginx' },
      to: { component: 'fineract' },
      ports: [{ port: 8080 }, { port: 8443 }],
      description: 'External API requests',
    },
    'fineract-inter-instance': {
      enabled: true,
      from: { component: 'fineract' },
      to: { component: 'fineract' },
      ports: [{ port: 8080 }],
      description: 'Inter-instance communication',
    },
    'fineract-to-rds': {
      enabled: true,
      from: { component: 'fineract' },
      to: { network: 'rds' },
      ports: [{ port: 5432 }],
      description: 'AWS RDS PostgreSQL',
    },
    'fineract-to-s3': {
      enabled: true,
      from: { component: 'fineract' },
      to: { network: 's3' },
      ports: [{ port: 443 }],
      description: 'AWS S3 document storage',
    },
    'fineract-to-s3-by-name': {
      enabled: false,
      from: { component: 'fineract' },
      to: { network: 's3-by-name' },
      ports: [{ port: 443 }],
      description: 'AWS S3 document storage, by DNS name (Cilium): enable it and disable fineract-to-s3',
    },
    'fineract-to-otel-collector': {
      enabled: false,
      from: { component: 'fineract' },
      to: { peer: 'otel-collector' },
      ports: [{ port: 4317 }, { port: 4318 }],
      description: 'Traces over OTLP (gRPC 4317, HTTP 4318): enable it when Fineract exports traces',
    },
    'fineract-to-redis': {
      enabled: true,
      from: { component: 'fineract' },
      to: { component: 'fineract-redis' },
      ports: [{ port: 6379 }],
      description: 'Redis caching',
    },
    'fineract-to-keycloak': {
      enabled: true,
      from: { component: 'fineract' },
      to: { component: 'keycloak' },
      ports: [{ port: 8080 }],
      description: 'OAuth2 token validation',
    },
    'keycloak-admin-from-ingress': {
      enabled: true,
      from: { peer: 'ingress-nginx' },
      to: { component: 'keycloak' },
      ports: [{ port: 8080 }],
      description: 'Admin console access',
    },
    'keycloak-to-rds': {
      enabled: true,
      from: { component: 'keycloak' },
      to: { network: 'rds' },
      ports: [{ port: 5432 }],
      description: 'AWS RDS PostgreSQL (Keycloak database)',
    },
    'keycloak-to-oidc-federation': {
      enabled: true,
      from: { component: 'keycloak' },
      to: { network: 'oidc-federation' },
      ports: [{ port: 443 }],
      description: 'OIDC federation with external identity providers',
    },
    'keycloak-to-oidc-federation-by-name': {
      enabled: false,
      from: { component: 'keycloak' },
      to: { network: 'oidc-federation-by-name' },
      ports: [{ port: 443 }],
      description:
        'OIDC federation by DNS name (Cilium): fill in the network, enable it, disable keycloak-to-oidc-federation',
    },
    'oauth2-proxy-from-ingress': {
      enabled: true,
      from: { peer: 'ingress-nginx' },
      to: { component: 'oauth2-proxy' },
      ports: [{ port: 4180 }],
      description: 'Authentication requests',
    },
    'oauth2-proxy-to-keycloak': {
      enabled: true,
      from: { component: 'oauth2-proxy' },
      to: { component: 'keycloak' },
      ports: [{ port: 8080 }],
      description: 'OIDC provider communication',
    },
    'oauth2-proxy-to-redis': {
      enabled: true,
      from: { component: 'oauth2-proxy' },
      to: { component: 'fineract-redis' },
      ports: [{ port: 6379 }],
      description: 'Session storage',
    },
  },
};
