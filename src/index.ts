// The fineract-netpol package: the typed values SDK.
//
//   import { defineValues } from 'fineract-netpol';
//   export default defineValues({ networks: { rds: { cidrs: ['10.20.32.0/24'], excludePrivate: false } } });
//
// - defineValues and ValuesOverride: values written in TypeScript, checked by the compiler (typos,
//   wrong types) and, when called, by the model and the chart's plan (throws ValuesValidationError).
// - Values (the zod model) and its inferred types; the model's parts (Component, Peer, Network,
//   Connection, Endpoint, Port, LabelSelector…).
// - readValuesFile / writeValuesFile / formatValuesYaml, readValuesFiles / parseValues /
//   checkValues / validateValues: values files read as Helm reads them and written with the
//   yaml-language-server modeline and the key order of the chart's values.yaml.
// - mergeHelmValues (Helm's -f merge), expandConnections (every flow the chart renders).
// The JSON Schema is `fineract-netpol/schema` (schema/values.schema.json); the chart is in chart/.
import type { z } from 'zod';
import type { Component, Connection, Network, Peer } from './model/values.ts';
import type { LabelSelector, Port } from './model/primitives.ts';

export {
  defineValues,
  type EndpointOverride,
  type FineractNetpolValues,
  type OneKindOnly,
  type PortNumberOrNameWithALetter,
  type PortOverride,
  type ValuesOverride,
} from './values/define.ts';
export {
  checkValues,
  isValuesValidationError,
  parseValues,
  validateValues,
  ValuesValidationError,
  type ValuesIssue,
} from './values/check.ts';
export {
  formatValuesYaml,
  readValuesFile,
  readValuesFiles,
  schemaRef,
  writeValuesFile,
  type FormatOptions,
} from './values/file.ts';
export {
  Component,
  Connection,
  DefaultDeny,
  Dns,
  Endpoint,
  Monitoring,
  Network,
  Peer,
  Values,
  type EndpointRef,
  type PortSpec,
  type ValuesInput,
  type ValuesOutput,
} from './model/values.ts';
export { Cidr, LabelSelector, Name, Port, Ports, Protocol } from './model/primitives.ts';
export { DEFAULT_VALUES } from './model/defaults.ts';
export { mergeHelmValues, type ValuesMap } from './values/merge.ts';
export {
  expandConnections,
  expansionProblems,
  skippedConnections,
  type ExpandedConnection,
  type ExpandOptions,
  type FlowPort,
  type IpBlock,
  type ResolvedEndpoint,
  type SkippedConnection,
} from './model/expand.ts';
export { InputError } from './errors.ts';
export { SCHEMA_FILE } from './paths.ts';

/** A component as written in a values file (defaults may be omitted). */
export type ComponentInput = z.input<typeof Component>;
/** A peer as written in a values file. */
export type PeerInput = z.input<typeof Peer>;
/** A network as written in a values file. */
export type NetworkInput = z.input<typeof Network>;
/** A connection as written in a values file. */
export type ConnectionInput = z.input<typeof Connection>;
/** A port: `{port, protocol?, endPort?}`. */
export type PortInput = z.input<typeof Port>;
/** A Kubernetes LabelSelector (matchLabels and matchExpressions). */
export type LabelSelectorInput = z.input<typeof LabelSelector>;
