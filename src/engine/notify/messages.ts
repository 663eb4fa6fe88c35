/** What each kind of receiver is sent, built from the incident alone. */
import type { IncidentView, Notice } from '../../shared/model.ts';
import { alertNotes, descriptions } from './alert-notes.ts';

export type NotifyAction = 'firing' | 'resolved' | 'acknowledged';

function impactedText(incident: IncidentView): string {
  if (incident.impacted.length === 0) return 'no dependents';
  const names = incident.impacted.map((i) => i.name);
  return `impacted (${names.length}): ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
}

/** The rules' own descriptions, one sentence after another, for a message's text. */
function describedText(incident: IncidentView): string {
  const lines = descriptions(incident);
  return lines.length === 0 ? '' : ` ${lines.join(' ')}`;
}

export function headline(incident: IncidentView, action: NotifyAction): string {
  const tag = action === 'firing' ? `FIRING:${incident.severity}` : action.toUpperCase();
  return `[${tag}] ${incident.title}`;
}

export function desktopNotice(incident: IncidentView, action: NotifyAction, sequence: number): Notice {
  return {
    id: `${incident.id}:${action}:${sequence}`,
    title: headline(incident, action),
    body:
      action === 'resolved'
        ? `Root cause ${incident.rootCause.name} resolved.`
        : `Root cause: ${incident.rootCause.name}; ${impactedText(incident)}.${describedText(incident)}`,
    severity: action === 'resolved' ? 'info' : incident.severity,
    incidentId: incident.id,
  };
}

/** Slack's incoming-webhook format: `text` is the fallback, `blocks` the layout. */
export function slackMessage(incident: IncidentView, action: NotifyAction): { text: string; blocks: unknown[] } {
  const text = `${headline(incident, action)}: root cause ${incident.rootCause.name}; ${impactedText(incident)}${
    action === 'resolved' ? '' : describedText(incident)
  }`;
  const described = action === 'resolved' ? [] : descriptions(incident);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline(incident, action)}*` } },
      ...described.map((line) => ({ type: 'section', text: { type: 'plain_text', text: line.slice(0, 3000) } })),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Root cause: ${incident.rootCause.name} · ${impactedText(incident)}` }],
      },
    ],
  };
}

/** The generic webhook: a stable, versioned JSON document. */
export function webhookMessage(incident: IncidentView, action: NotifyAction): Record<string, unknown> {
  const { events: _events, ...rest } = incident;
  return {
    version: 1,
    status: action,
    summary: headline(incident, action),
    alerts: alertNotes(incident),
    incident: rest,
  };
}

const PD_SEVERITY = { critical: 'critical', warning: 'warning', info: 'info' } as const;

/**
 * PagerDuty Events API v2 (POST /v2/enqueue): trigger with a payload; acknowledge and resolve
 * with the routing key and dedup key only. The incident id is the dedup key, so PagerDuty keeps
 * one alert per Knockon incident.
 */
export function pagerDutyEvent(
  incident: IncidentView,
  action: NotifyAction,
  routingKey: string,
): Record<string, unknown> {
  const event_action = action === 'firing' ? 'trigger' : action === 'resolved' ? 'resolve' : 'acknowledge';
  const base = { routing_key: routingKey, event_action, dedup_key: incident.id };
  if (event_action !== 'trigger') return base;
  return {
    ...base,
    client: 'Knockon',
    payload: {
      summary: headline(incident, action).slice(0, 1024),
      source: incident.rootCause.id,
      severity: PD_SEVERITY[incident.severity],
      timestamp: new Date(incident.openedAt).toISOString(),
      component: incident.rootCause.name,
      class: incident.rootCause.kind,
      custom_details: {
        impacted: incident.impacted.map((i) => i.id),
        alerts: alertNotes(incident),
        detected_at: new Date(incident.detectedAt).toISOString(),
      },
    },
  };
}
