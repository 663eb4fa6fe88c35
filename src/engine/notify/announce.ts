/**
 * Announcements: a state an engineer must act on now that is not an incident's own lifecycle
 * (a failover waiting for approval, a failed or interrupted run, a refusal because the backup is
 * down, traffic on a dead backup). They go out at once, not after `group_wait`, and carry the
 * incident they belong to, so receivers group them with it: PagerDuty by the incident's dedup
 * key, Slack and webhooks by naming it.
 */
import type { Severity } from '../../shared/model.ts';

export interface Announcement {
  /** What it is about, for the webhook's consumers: `failover.<step>`. */
  kind: string;
  /** One line, the headline. */
  title: string;
  /** The detail in a sentence or two. */
  text: string;
  severity: Severity;
  at: number;
  /** The incident it belongs to, when one is open or known. */
  incident: { id: string; title: string } | null;
  /** Structured detail for webhooks (policy, state, run, approval expiry…). */
  data: Record<string, unknown>;
  /** Receiver ids to tell; every receiver when null. */
  receivers: readonly string[] | null;
}

function incidentLine(a: Announcement): string {
  return a.incident ? `Incident ${a.incident.id}: ${a.incident.title}` : 'No incident is open for it yet';
}

export function slackAnnouncement(a: Announcement): { text: string; blocks: unknown[] } {
  return {
    text: `[${a.severity.toUpperCase()}] ${a.title}: ${a.text}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${a.title}*\n${a.text}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: incidentLine(a) }] },
    ],
  };
}

export function webhookAnnouncement(a: Announcement): Record<string, unknown> {
  return {
    version: 1,
    status: 'announcement',
    kind: a.kind,
    summary: `${a.title}: ${a.text}`,
    severity: a.severity,
    at: new Date(a.at).toISOString(),
    incident: a.incident,
    data: a.data,
  };
}

/** Events API v2: a trigger under the incident's dedup key, so PagerDuty keeps it with the incident. */
export function pagerDutyAnnouncement(a: Announcement, routingKey: string): Record<string, unknown> {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: a.incident?.id ?? `${a.kind}:${String(a.data.policyId ?? '')}`,
    client: 'Knockon',
    payload: {
      summary: `${a.title}: ${a.text}`.slice(0, 1024),
      source: String(a.data.policyId ?? 'knockon'),
      severity: a.severity,
      timestamp: new Date(a.at).toISOString(),
      class: a.kind,
      custom_details: { incident: a.incident?.id ?? null, ...a.data },
    },
  };
}
