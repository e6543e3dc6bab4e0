// Stage: the registry's messages (src/model/rules/) as Go template expressions, for the Handlebars
// helpers the chart's templates call where they refuse values. A message is written once, in the
// registry; the chart prints it through `printf`, so both say the same line for the same values.
//
// Usage (in a .hbs file, outside a raw block; each argument a Go expression in single quotes):
//   {{ruleError "policy-name-unique" path='(printf "components.%s.policyName" $name)' policyName='$policyName' owner='$owner'}}
//   → (printf "%s: %q is already the name of the policy of %s: …; give each policy its own name [policy-name-unique]" (printf …) $policyName $owner)
//   {{ruleText "peer-overlaps-component" "narrower" component='$component'}}
//   → (printf "every pod it selects is a %s pod" $component)
// A placeholder without an argument, an argument no placeholder takes, or a rule the chart does not
// enforce fails the build.
import { ruleById } from '../model/rules/index.ts';
import { placeholdersOf, PLACEHOLDER, type Rule } from '../model/rules/rule.ts';

/** The Go expression of a rule's problem line: `path: message; fix [id]`. */
export function goRuleError(id: string, args: Record<string, string>, variant = 'default'): string {
  const rule = ruleById(id);
  if (rule.chart !== true)
    throw new Error(`rule ${id} is not enforced by the chart (chart: ${JSON.stringify(rule.chart)})`);
  const template = rule.messages[variant];
  if (!template) throw new Error(`rule ${id}: no message "${variant}"`);
  const { path, ...rest } = args;
  if (path === undefined) throw new Error(`ruleError ${id}: give path='<Go expression of the values path>'`);
  const text = `${template.message}${template.fix ? `; ${template.fix}` : ''}`;
  return printfOf(rule, `%{path}: ${text} [${id}]`, { path, ...rest });
}

/** The Go expression of one of a rule's phrases. */
export function goRuleText(id: string, phrase: string, args: Record<string, string>): string {
  const rule = ruleById(id);
  const template = rule.phrases?.[phrase];
  if (template === undefined) throw new Error(`rule ${id}: no phrase "${phrase}"`);
  return printfOf(rule, template, args);
}

function printfOf(rule: Rule, template: string, args: Record<string, string>): string {
  const used = new Set<string>();
  const operands: string[] = [];
  const literal = (text: string) => text.replace(/%/g, '%%');
  let format = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    format += literal(template.slice(last, match.index));
    last = match.index + match[0].length;
    const [{ name, format: kind } = { name: '', format: 'text' as const }] = placeholdersOf(match[0]);
    const operand = args[name];
    if (operand === undefined)
      throw new Error(`rule ${rule.id}: the chart gives no argument for %{${name}} in "${template}"`);
    used.add(name);
    format += kind === 'q' ? '%q' : kind === 'd' ? '%d' : '%s';
    operands.push(kind === 'json' ? `(toJson ${operand})` : kind === 'd' ? `(int ${operand})` : operand);
  }
  format += literal(template.slice(last));
  const unused = Object.keys(args).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`rule ${rule.id}: "${template}" takes no ${unused.join(', ')}`);
  return `(printf ${JSON.stringify(format)}${operands.map((o) => ` ${o}`).join('')})`;
}
