import { renderTemplate } from '../../shared/template.ts';

/**
 * Expands Prometheus-style annotation templates: `{{ $labels.<name> }}` and `{{ $value }}`,
 * through the shared template language (src/shared/template.ts). Any other form is left as
 * written so a typo shows on the wall instead of vanishing; a missing label expands to nothing,
 * as in Prometheus.
 */
export function expandTemplate(
  template: string,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): string {
  return renderTemplate(template, { $labels: labels, $value: formatValue(value) });
}

export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}
