// Stage: the values reference, a Markdown table generated from the schema, for README.md and
// chart/README.md; the table of the rule registry for docs/values-checks.md.
//
// Usage: const markdown = generateValuesReference(schema);
//        const rules = generateRulesTable(RULES);
import type { Rule } from '../model/rules/index.ts';
import { resolve, type JsonSchema } from './schema.ts';

type Row = { key: string; type: string; default: string; description: string };

export function generateValuesReference(schema: JsonSchema): string {
  const rows: Row[] = [];
  collect(schema, schema, '', rows, new Set());
  const header = '| Key | Type | Default | Description |\n| --- | --- | --- | --- |';
  return [header, ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.default} | ${cell(r.description)} |`)].join(
    '\n',
  );
}

function collect(root: JsonSchema, node: JsonSchema, prefix: string, rows: Row[], seen: Set<string>): void {
  const resolved = resolve(root, node);
  for (const [key, child] of Object.entries(resolved.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const c = resolve(root, child);
    rows.push({ key: path, type: typeOf(root, c), default: defaultOf(c), description: c.description ?? '' });
    if (c.properties) collect(root, c, path, rows, seen);
    // Maps keyed by name: document the entry's fields once per entry type.
    const entry = typeof c.additionalProperties === 'object' ? resolve(root, c.additionalProperties) : undefined;
    if (entry?.properties && !seen.has(entry.title ?? path)) {
      seen.add(entry.title ?? path);
      collect(root, entry, `${path}.<name>`, rows, seen);
    }
  }
}

function typeOf(root: JsonSchema, node: JsonSchema): string {
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return variants.map((v) => typeOf(root, resolve(root, v))).join(' \\| ');
  if (node.enum) return node.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (node.type === 'array' && node.items) return `list of ${typeOf(root, resolve(root, node.items))}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    const entry = resolve(root, node.additionalProperties);
    return `map of ${entry.title ?? typeOf(root, entry)}`;
  }
  if (node.title && node.type === 'object') return node.title;
  return String(node.type ?? 'any');
}

function defaultOf(node: JsonSchema): string {
  if (node.default === undefined) return '';
  const json = JSON.stringify(node.default);
  return json.length > 60 ? '(see values.yaml)' : `\`${json.replaceAll('|', '\\|')}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * Every rule of the registry: its id, severity, who refuses it (the chart too, or TypeScript only
 * and why), what it finds, and its message (placeholders as ‹name›).
 */
export function generateRulesTable(rules: readonly Rule[]): string {
  const header = '| Rule | Severity | Refused by | Finds | Message; fix |\n| --- | --- | --- | --- | --- |';
  const rows = rules.map((rule) => {
    const by =
      rule.severity === 'warning'
        ? 'a warning of the SDK and `validate`'
        : rule.chart === true
          ? '`helm install`, the SDK, `validate`'
          : `the SDK and \`validate\` (${rule.chart.why})`;
    const messages = Object.values(rule.messages).map((m) => `${placeholders(m.message)}; ${placeholders(m.fix)}`);
    return `| \`${rule.id}\` | ${rule.severity} | ${cell(by)} | ${cell(rule.summary)} | ${cell([...new Set(messages)].join(' — or — '))} |`;
  });
  return [header, ...rows].join('\n');
}

/** `%{name:q}` written as ‹name›, for a reader. */
function placeholders(template: string): string {
  return template.replace(/%\{([A-Za-z0-9]+)(?::[a-z]+)?\}/g, '‹$1›');
}
