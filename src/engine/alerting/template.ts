const PLACEHOLDER = /\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

/**
 * Expands Prometheus-style annotation templates: `{{ $labels.<name> }}` and `{{ $value }}`.
 * Only these forms are understood; anything else is left as written so a typo shows on the wall
 * instead of vanishing. A missing label expands to nothing, as in Prometheus.
 */
export function expandTemplate(
  template: string,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): string {
  return template.replace(PLACEHOLDER, (_match, what: string, label: string | undefined) => {
    if (what === 'value') return formatValue(value);
    return labels[label!] ?? '';
  });
}

export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}
