/**
 * A small text template language for messages: `{{ name }}` or `{{ name.field }}` placeholders
 * (Prometheus's `{{ $labels.team }}` and `{{ $value }}` are the same form with a `$` root).
 * Nothing is evaluated: a placeholder is a path looked up in plain data, so a template from a
 * config file can never run code or reach anything it was not given.
 */

/** A root name (optionally `$`-prefixed) and dotted fields, between `{{` and `}}`. */
const PLACEHOLDER = /\{\{\s*(\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

export type TemplateValue = string | number | boolean | null | undefined | { readonly [key: string]: TemplateValue };
export type TemplateData = { readonly [root: string]: TemplateValue };

/** Longest rendered text: a message, not a document. */
export const MAX_RENDERED = 4_000;

/**
 * Fills every placeholder whose root is in `data`; a missing field renders as nothing (as a
 * missing label does in Prometheus). A placeholder with an unknown root is left as written, so
 * a typo shows in the message rather than vanishing.
 */
export function renderTemplate(template: string, data: TemplateData): string {
  const text = template.replace(PLACEHOLDER, (match, path: string) => {
    const [root, ...fields] = path.split('.');
    if (!Object.hasOwn(data, root!)) return match;
    let node: TemplateValue = data[root!];
    for (const field of fields) {
      node = node !== null && typeof node === 'object' && Object.hasOwn(node, field) ? node[field] : undefined;
    }
    return scalarText(node);
  });
  return text.length > MAX_RENDERED ? `${text.slice(0, MAX_RENDERED - 1)}…` : text;
}

function scalarText(value: TemplateValue): string {
  if (value === null || value === undefined || typeof value === 'object') return '';
  return String(value);
}

/**
 * The placeholders a template uses that `fields` does not know (`fields` maps each root to its
 * field names, or to null for a root that is a value itself), for config validation.
 */
export function unknownPlaceholders(
  template: string,
  fields: Readonly<Record<string, readonly string[] | null>>,
): string[] {
  const unknown: string[] = [];
  for (const [, path] of template.matchAll(PLACEHOLDER)) {
    const [root, field, ...rest] = path!.split('.');
    const known = fields[root!];
    const ok =
      Object.hasOwn(fields, root!) &&
      (known === null ? field === undefined : field !== undefined && rest.length === 0 && known!.includes(field));
    if (!ok) unknown.push(path!);
  }
  return unknown;
}

/** Text between `{{` and `}}` that is not a placeholder: most likely a typo worth refusing. */
export function malformedPlaceholder(template: string): string | null {
  for (const [whole] of template.matchAll(/\{\{[^}]*\}\}|\{\{/g)) {
    if (!new RegExp(PLACEHOLDER.source).test(whole)) return whole;
  }
  return null;
}
