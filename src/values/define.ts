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
import type { Endpoint, FineractNetpolValues, Port } from '../../schema/values.js';
import { validateValues } from './check.ts';

/**
 * The type of the other two keys of an endpoint: naming a second kind fails to compile with
 * `Type '"rds"' is not assignable to type '"an endpoint names one kind: …"'`. `null` (or leaving the
 * key out) is what compiles; null clears the kind of a default connection's endpoint.
 */
export type OneKindOnly = 'an endpoint names one kind: remove this key (null clears the default)';

/**
 * An endpoint: exactly one of a component, a peer or a network (naming two is a compile error
 * that says so, through OneKindOnly). Helm merges an endpoint with the default connection's: to
 * change its kind, set the default's key to null (`from: {component: 'keycloak', peer: null}`).
 */
export type EndpointOverride =
  | {
      /** Name of an entry of `components`: the pods of a component of this chart (same namespace). */
      component: string;
      peer?: OneKindOnly | null;
      network?: OneKindOnly | null;
    }
  | {
      /** Name of an entry of `peers`: the pods of an in-cluster workload outside this chart. */
      peer: string;
      component?: OneKindOnly | null;
      network?: OneKindOnly | null;
    }
  | {
      /** Name of an entry of `networks`: IP blocks outside the cluster. */
      network: string;
      component?: OneKindOnly | null;
      peer?: OneKindOnly | null;
    };

// prettier-ignore
type Letter =
  | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm'
  | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z';

/**
 * A port: a number (1-65535), or the name of a container port, which has at least one letter.
 * A string of digits (`port: '5432'`) fails to compile with `Type '"5432"' is not assignable to
 * type 'PortNumberOrNameWithALetter'`: write the number, `port: 5432`. (Upper-case letters
 * compile; the model then refuses them, as Kubernetes does.)
 */
export type PortNumberOrNameWithALetter = number | `${string}${Letter | Uppercase<Letter>}${string}`;

/** A destination port (or range) and protocol, as the schema's Port, with a checked `port`. */
export type PortOverride = Omit<Port, 'port'> & {
  /** Destination port: a number (1-65535) or the name of a container port of the destination pods. */
  port: PortNumberOrNameWithALetter;
};

/** A list item: written whole (Helm replaces lists), ports with PortOverride. */
type Item<T> = [T] extends [Port] ? PortOverride : T;

/**
 * A values document as Helm merges it over the chart's defaults: every key optional, maps merged
 * key by key, lists replaced wholesale, and `null` removing a key and its default (`<name>: null`
 * removes a connection).
 */
export type Override<T> = [T] extends [Endpoint]
  ? EndpointOverride
  : T extends readonly unknown[]
    ? { [I in keyof T]: Item<T[I]> }
    : T extends object
      ? { [K in keyof T]?: Override<T[K]> | null }
      : T;

/**
 * The values of one environment (a `-f` file): any part of the chart's values, checked by the
 * compiler. An interface, so that a consumer's declaration emit names it (`import("fineract-netpol")
 * .ValuesOverride`) instead of expanding it into the package's internal files (TS2742).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface on purpose (TS2742, above)
export interface ValuesOverride extends Override<FineractNetpolValues> {}

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
