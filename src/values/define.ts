// Values written in TypeScript: `defineValues` types an environment's values as the chart reads
// them (a `helm -f` file over the chart's defaults), so that a typo'd key or a wrong type is a
// compile error and an editor completes and documents every key.
//
// Usage (values/uat.ts; `fineract-netpol emit values/uat.ts -o values/uat.yaml` writes the YAML):
//   import { defineValues } from 'fineract-netpol';
//   export default defineValues({
//     commonLabels: { environment: 'uat' },
//     networks: { rds: { cidrs: ['10.20.32.0/24'], excludePrivate: false } },
//   });
//
// The types come from schema/values.d.ts, which `npm run build` generates from the model (through
// the JSON Schema), because it carries each field's description for the editor's hover and
// completion, and non-empty lists as tuples ([Port, ...Port[]]).
import type { Endpoint, FineractNetpolValues } from '../../schema/values.js';
import { validateValues } from './check.ts';

/**
 * An endpoint: exactly one of a component, a peer or a network (naming two is a compile error).
 * Helm merges an endpoint with the default connection's: to change its kind, set the default's
 * key to null (`from: {component: 'keycloak', peer: null}`).
 */
export type EndpointOverride =
  | {
      /** Name of an entry of `components`: the pods of a component of this chart (same namespace). */
      component: string;
      peer?: null;
      network?: null;
    }
  | {
      /** Name of an entry of `peers`: the pods of an in-cluster workload outside this chart. */
      peer: string;
      component?: null;
      network?: null;
    }
  | {
      /** Name of an entry of `networks`: IP blocks outside the cluster. */
      network: string;
      component?: null;
      peer?: null;
    };

/**
 * A values document as Helm merges it over the chart's defaults: every key optional, maps merged
 * key by key, lists replaced wholesale, and `null` removing a key and its default (`<name>: null`
 * removes a connection).
 */
export type Override<T> = [T] extends [Endpoint]
  ? EndpointOverride
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { [K in keyof T]?: Override<T[K]> | null }
      : T;

/** The values of one environment (a `-f` file): any part of the chart's values, checked by the compiler. */
export type ValuesOverride = Override<FineractNetpolValues>;

export type { FineractNetpolValues };

/**
 * Types the values of an environment and checks them when called: merged over the chart's
 * defaults, they must satisfy the model and the chart must be able to render them (every name a
 * connection uses defined, ports and CIDRs consistent).
 *
 * Throws ValuesValidationError listing every problem (path and message), so a values module that
 * would make `helm install` fail fails as soon as it is imported. Returns its argument unchanged.
 *
 * @example
 * export default defineValues({ components: { keycloak: { enabled: false } } });
 */
export function defineValues(values: ValuesOverride): ValuesOverride {
  validateValues([values], 'defineValues');
  return values;
}
