/**
 * The rendered annotations of the alerts in an incident, read back from its timeline's
 * "firing" events (where the incident book keeps them), so every receiver can carry what the
 * rule's author wrote (`description`, `runbook_url`…), not only the board's timeline.
 */
import type { IncidentView } from '../../shared/model.ts';

export interface AlertNote {
  alert: string;
  subject: string;
  annotations: Record<string, string>;
}

/** Most alerts a message lists: an incident can gather hundreds, a message should not. */
const MAX_NOTES = 10;

export function alertNotes(incident: IncidentView): AlertNote[] {
  const latest = new Map<string, AlertNote>();
  for (const event of incident.events) {
    if (event.kind !== 'firing' || !event.data) continue;
    const { alert, subject, annotations } = event.data;
    if (typeof alert !== 'string' || annotations === null || typeof annotations !== 'object') continue;
    const strings = Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (strings.length === 0) continue;
    const subjectText = subjectId(subject);
    // A re-fired alert's latest words replace its earlier ones.
    latest.set(`${alert}\u0000${subjectText}`, {
      alert,
      subject: subjectText,
      annotations: Object.fromEntries(strings),
    });
  }
  return [...latest.values()].slice(-MAX_NOTES);
}

/** A subject as the timeline keeps it: `{ kind, id }`, or a bare id from older records. */
function subjectId(subject: unknown): string {
  if (typeof subject === 'string') return subject;
  const id = subject !== null && typeof subject === 'object' ? (subject as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}

/** The descriptions (else summaries) to show in a message's text, one per alert. */
export function descriptions(incident: IncidentView): string[] {
  return alertNotes(incident)
    .map((n) => n.annotations.description ?? n.annotations.summary)
    .filter((text): text is string => text !== undefined && text !== '');
}
