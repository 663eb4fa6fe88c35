/**
 * Knockon's incidents as Alertmanager alerts (POST /api/v2/alerts, a JSON array of postable
 * alerts), so a team that routes everything through Alertmanager keeps doing so. One alert per
 * incident: its labels identify it (Alertmanager fingerprints alerts by their labels), so the
 * firing and the resolved message name the same alert.
 */
import type { IncidentView } from '../../shared/model.ts';
import { descriptions } from './alert-notes.ts';
import { headline, type NotifyAction } from './messages.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export function alertmanagerAlerts(
  incident: IncidentView,
  action: NotifyAction,
  extraLabels: Readonly<Record<string, string>>,
  now: number,
  /**
   * How long Alertmanager should keep a firing alert without hearing again: Knockon re-sends an
   * open incident every repeat interval (Prometheus, too, sets endsAt ahead and re-sends).
   */
  validForMs: number,
): PostableAlert[] {
  const resolved = action === 'resolved';
  const description = descriptions(incident).join(' ');
  return [
    {
      labels: {
        ...extraLabels,
        alertname: 'KnockonIncident',
        incident: incident.id,
        severity: incident.severity,
        root_cause: incident.rootCause.id,
        root_cause_kind: incident.rootCause.kind,
      },
      annotations: {
        summary: headline(incident, action).slice(0, 1_000),
        ...(description ? { description: description.slice(0, 4_000) } : {}),
        impacted: incident.impacted.map((i) => i.id).join(', '),
        ...(incident.acknowledged ? { acknowledged_by: incident.acknowledged.by } : {}),
      },
      startsAt: new Date(incident.openedAt).toISOString(),
      endsAt: new Date(resolved ? (incident.resolvedAt ?? now) : now + validForMs).toISOString(),
    },
  ];
}
