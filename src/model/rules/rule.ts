// What a rule of the values is: a stable id, its messages (templates written once, formatted here
// for TypeScript and turned into Go `printf` calls for the chart by the generator), and a check
// that finds its problems in merged values (as Helm sees them: plain data, maybe malformed).
//
// Usage (a rule file):
//   export const policyNameUnique = defineRule({
//     id: 'policy-name-unique',
//     summary: 'Two policies of the release have the same name.',
//     severity: 'error',
//     chart: true,
//     messages: {
//       default: {
//         message: '%{policyName:q} is already the name of the policy of %{owner}: the second would replace the first',
//         fix: 'give each policy its own name',
//       },
//     },
//     check(view) { … return [this.problem(path, {policyName, owner})]; },
//   });
//
// Templates: `%{name}` is replaced by the argument as text, `%{name:q}` quoted (JSON, Go's %q),
// `%{name:d}` a whole number, `%{name:json}` as JSON (Go: toJson). Anything else is literal.
import type { ValuesView } from './view.ts';

/** A path in the values: map keys and list indices. */
export type Path = readonly (string | number)[];

/** `error`: Helm (or the API server) refuses the values, or they do not mean what they say. */
export type Severity = 'error' | 'warning';

/** One problem a rule found. */
export type RuleProblem = {
  /** The id of the rule that found it (`policy-name-unique`). */
  rule: string;
  path: Path;
  message: string;
  /** How to correct it ('' when the message says it all). */
  fix: string;
  severity: Severity;
  /** Other paths that explain the problem (shown when `path` was not written by the user). */
  related?: Path[];
};

/** A message and its fix, as templates. */
export type MessageTemplate = { message: string; fix: string };

/** The arguments of a template, by placeholder name. */
export type TemplateArgs = Record<string, string | number | readonly unknown[] | undefined>;

export type RuleDefinition = {
  /** Stable, kebab-case: tests, documents and users refer to a rule by it. */
  id: string;
  /** What the rule refuses, in one sentence (docs/values-checks.md). */
  summary: string;
  severity: Severity;
  /**
   * `true`: the chart refuses it too (its Go twin in chart/templates uses these messages through
   * the generator). Otherwise why only TypeScript checks it (`helm install` lets it through).
   */
  chart: true | { why: string };
  /** The messages, by variant (`default` when there is one). */
  messages: Record<string, MessageTemplate>;
  /** Pieces of text a message takes as an argument, by name (the chart has them too). */
  phrases?: Record<string, string>;
  check: (this: Rule, view: ValuesView) => RuleProblem[];
};

export type Rule = RuleDefinition & {
  /** A problem of this rule: the variant's message and fix formatted with the arguments. */
  problem(path: Path, args?: TemplateArgs, options?: { variant?: string; related?: Path[]; fix?: string }): RuleProblem;
  /** A phrase of this rule, formatted. */
  phrase(name: string, args?: TemplateArgs): string;
};

export function defineRule(definition: RuleDefinition): Rule {
  const rule: Rule = {
    ...definition,
    problem(path, args = {}, options = {}) {
      const variant = options.variant ?? 'default';
      const template = definition.messages[variant];
      if (!template) throw new Error(`rule ${definition.id}: no message "${variant}"`);
      return {
        rule: definition.id,
        path,
        message: formatTemplate(template.message, args),
        fix: options.fix ?? formatTemplate(template.fix, args),
        severity: definition.severity,
        ...(options.related ? { related: options.related } : {}),
      };
    },
    phrase(name, args = {}) {
      const template = definition.phrases?.[name];
      if (template === undefined) throw new Error(`rule ${definition.id}: no phrase "${name}"`);
      return formatTemplate(template, args);
    },
  };
  return rule;
}

/** A placeholder: `%{name}` or `%{name:format}`. */
export const PLACEHOLDER = /%\{([A-Za-z][A-Za-z0-9]*)(?::(q|d|json))?\}/g;

export type Placeholder = { name: string; format: 'text' | 'q' | 'd' | 'json' };

/** The placeholders of a template, in order. */
export function placeholdersOf(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({
    name: m[1] ?? '',
    format: (m[2] as Placeholder['format'] | undefined) ?? 'text',
  }));
}

/** A template with its placeholders replaced; a missing argument throws (a rule's bug). */
export function formatTemplate(template: string, args: TemplateArgs): string {
  return template.replace(PLACEHOLDER, (_, name: string, format: string | undefined) => {
    if (!Object.hasOwn(args, name)) throw new Error(`template "${template}": no argument "${name}"`);
    const value = args[name];
    switch (format) {
      case 'q':
        return JSON.stringify(String(value));
      case 'd':
        return String(Math.trunc(Number(value)));
      case 'json':
        return JSON.stringify(value);
      default:
        return String(value);
    }
  });
}

/**
 * A values path as the chart's messages write it: keys joined with dots, indices in brackets
 * (`networks.rds.cidrs[0]`, `commonLabels.app.kubernetes.io/name`).
 */
export function chartPath(path: Path): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

/**
 * A problem as one line of the chart's refusal (and of the SDK's): `path: message; fix [rule]`.
 * The chart's Go twin prints the same line for the same values.
 */
export function chartLine(problem: Pick<RuleProblem, 'rule' | 'path' | 'message' | 'fix'>): string {
  return `${chartPath(problem.path)}: ${problem.message}${problem.fix ? `; ${problem.fix}` : ''} [${problem.rule}]`;
}
