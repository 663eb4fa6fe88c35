/** Words for alerts: the summary of one alert, an incident's title, rendered annotations. */
import type { AlertRuleConfig } from '../../shared/config/alerts.ts';
import type { AlertInstance } from '../alerting/evaluate.ts';
import { alertLabels } from '../alerting/conditions.ts';
import { expandTemplate, formatValue } from '../alerting/template.ts';
import type { Topology } from '../analysis/topology.ts';
import type { AlertDescription } from './book.ts';

export function alertDescription(
  rules: () => ReadonlyMap<string, AlertRuleConfig>,
  topology: Topology,
): AlertDescription {
  const annotations = (alert: AlertInstance): Record<string, string> => {
    // An Alertmanager alert comes with its annotations rendered by the rule that raised it.
    if (alert.annotations) return alert.annotations;
    const rule = rules().get(alert.rule);
    if (!rule) return {};
    const labels = { ...alertLabels(rule, alert.subject, topology), ...alert.labels };
    return Object.fromEntries(
      Object.entries(rule.annotations).map(([k, template]) => [k, expandTemplate(template, labels, alert.value)]),
    );
  };
  const summary = (alert: AlertInstance): string => {
    const rendered = annotations(alert).summary;
    if (rendered) return rendered;
    if (alert.annotations?.description) return alert.annotations.description;
    const name = topology.describe(alert.subject)?.name ?? alert.subject.id;
    const rule = rules().get(alert.rule);
    const value = formatValue(alert.value);
    switch (rule?.condition) {
      case 'down':
        // One alert per PromQL series: its instance says which.
        return alert.labels?.instance ? `${name}: ${alert.labels.instance} is down` : `${name} is down`;
      case 'degraded':
        return `${name} is degraded`;
      case 'latency':
        return `${name}: ${rule.stat} latency ${value} ms above ${rule.above} ms`;
      case 'cert_expiry':
        return `${name}: certificate expires in ${value} days`;
      case 'heartbeat_missing':
        return `${name}: heartbeat missing`;
      default:
        return `${name}: ${alert.rule}`;
    }
  };
  return {
    annotations,
    summary,
    title: (alert, rootName, rootDown) => {
      if (rootDown) return `${rootName} is down`;
      return summary(alert);
    },
  };
}
