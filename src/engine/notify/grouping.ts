/**
 * Alertmanager's notification timing, per incident (the group) and receiver, as a pure
 * function of (group state, incident, timing, now):
 *
 * - the first message waits `group_wait` after the incident opens, so the impact can settle
 *   (alerts of impacted components fold in meanwhile, and an incident that turns out to be
 *   downstream of another is folded before anyone is told);
 * - a change worth telling (the severity) waits `group_interval` after the last message;
 * - an incident still open is repeated every `repeat_interval`;
 * - once resolved, one resolved message `group_interval` after the last message, and only when
 *   the firing one was sent: nobody hears of an incident that ended before it was told.
 * - while silenced nothing is sent but the resolved message.
 */
import type { Severity } from '../../shared/model.ts';

export interface GroupTiming {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export interface GroupState {
  lastSentAt: number | null;
  /** What the last firing message said (its severity); null before the first. */
  sentSignature: string | null;
  resolvedSent: boolean;
}

export const NEW_GROUP: GroupState = { lastSentAt: null, sentSignature: null, resolvedSent: false };

export interface GroupIncident {
  state: 'open' | 'resolved';
  openedAt: number;
  severity: Severity;
  silencedUntil: number | null;
}

export interface GroupDecision {
  send: 'firing' | 'resolved' | null;
  /** When to decide again without news; null when this group has nothing more to say. */
  nextAt: number | null;
}

export function decide(
  group: GroupState,
  incident: GroupIncident,
  timing: GroupTiming,
  options: { sendResolved: boolean; eligible: boolean },
  now: number,
): GroupDecision {
  if (incident.state === 'resolved') {
    if (group.sentSignature === null || group.resolvedSent || !options.sendResolved)
      return { send: null, nextAt: null };
    const due = (group.lastSentAt ?? now) + timing.groupIntervalMs;
    return now >= due ? { send: 'resolved', nextAt: null } : { send: null, nextAt: due };
  }
  if (!options.eligible) return { send: null, nextAt: null };
  if (incident.silencedUntil !== null && incident.silencedUntil > now)
    return { send: null, nextAt: incident.silencedUntil };
  let due: number;
  if (group.sentSignature === null) due = incident.openedAt + timing.groupWaitMs;
  else if (group.sentSignature !== signature(incident)) due = (group.lastSentAt ?? now) + timing.groupIntervalMs;
  else due = (group.lastSentAt ?? now) + timing.repeatIntervalMs;
  return now >= due ? { send: 'firing', nextAt: null } : { send: null, nextAt: due };
}

export function signature(incident: Pick<GroupIncident, 'severity'>): string {
  return incident.severity;
}

/** The group after a message was handed to its receiver. */
export function afterSend(
  group: GroupState,
  incident: GroupIncident,
  sent: 'firing' | 'resolved',
  now: number,
): GroupState {
  if (sent === 'resolved') return { ...group, lastSentAt: now, resolvedSent: true };
  return { ...group, lastSentAt: now, sentSignature: signature(incident) };
}
