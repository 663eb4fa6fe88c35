import type { FailoverView, IncidentView } from '../../shared/model.ts';
import { formatDuration } from './format.ts';
import { call } from './rpc.ts';
import { useUi } from './ui-store.ts';

/** Opens the confirmation for each action; nothing here calls the engine without one. */

const confirm = useUi.getState().confirm;

export function acknowledgeIncident(incident: IncidentView): void {
  confirm({
    title: `Acknowledge “${incident.title}”?`,
    description: `Escalation stops and the wall shows who is on it. Root cause: ${incident.rootCause.name}.`,
    confirmLabel: 'Acknowledge',
    method: 'incidents.acknowledge',
    note: { label: 'Note', required: false },
    danger: false,
    run: (note) => call('incidents.acknowledge', { incidentId: incident.id, note }),
    done: `Acknowledged ${incident.title}`,
  });
}

export function silenceIncident(incident: IncidentView, forMs: number): void {
  confirm({
    title: `Silence “${incident.title}” for ${formatDuration(forMs)}?`,
    description: 'Notifications for this incident stop until the silence ends; the board keeps showing it.',
    confirmLabel: `Silence ${formatDuration(forMs)}`,
    method: 'incidents.silence',
    note: null,
    danger: false,
    run: () => call('incidents.silence', { incidentId: incident.id, forMs }),
    done: `Silenced ${incident.title}`,
  });
}

export function endSilence(incident: IncidentView): void {
  confirm({
    title: `End the silence on “${incident.title}”?`,
    description: 'Its notifications resume now.',
    confirmLabel: 'End silence',
    method: 'incidents.unsilence',
    note: null,
    danger: false,
    run: () => call('incidents.unsilence', { incidentId: incident.id }),
    done: `Silence ended on ${incident.title}`,
  });
}

export function addIncidentNote(incident: IncidentView): void {
  confirm({
    title: `Add an update to “${incident.title}”`,
    description: 'The note goes on the incident’s timeline, with your name and the time.',
    confirmLabel: 'Add note',
    method: 'incidents.note',
    note: { label: 'Update', required: true },
    danger: false,
    run: (note) => call('incidents.note', { incidentId: incident.id, note }),
    done: `Note added to ${incident.title}`,
  });
}

export function resolveIncident(incident: IncidentView): void {
  confirm({
    title: `Resolve “${incident.title}” by hand?`,
    description:
      'The incident closes now. If its root cause is still failing, a new incident opens only when its alert fires again.',
    confirmLabel: 'Resolve',
    method: 'incidents.resolve',
    note: { label: 'Why', required: false },
    danger: false,
    run: (note) => call('incidents.resolve', { incidentId: incident.id, note }),
    done: `Resolved ${incident.title}`,
  });
}

/** An action whose outcome says it did not happen fails, with its message. */
export async function expectOk(result: Promise<{ ok: boolean; message: string }>): Promise<void> {
  const r = await result;
  if (!r.ok) throw new Error(r.message);
}

export function approveFailover(f: FailoverView): void {
  confirm({
    title: `Approve failover “${f.name}”?`,
    description: `${f.approval?.reason ?? f.lastMessage}. The policy's actions run now (DNS changes, drains, commands).`,
    confirmLabel: 'Approve failover',
    method: 'failover.approve',
    note: null,
    danger: true,
    run: () => expectOk(call('failover.approve', { policyId: f.policyId })),
    done: `Failover ${f.name} approved`,
  });
}

export function rejectFailover(f: FailoverView): void {
  confirm({
    title: `Reject failover “${f.name}”?`,
    description: 'Nothing changes; the policy goes back to watching.',
    confirmLabel: 'Reject',
    method: 'failover.reject',
    note: null,
    danger: false,
    run: () => expectOk(call('failover.reject', { policyId: f.policyId })),
    done: `Failover ${f.name} rejected`,
  });
}

export function startFailover(f: FailoverView): void {
  confirm({
    title: `Start failover “${f.name}” now?`,
    description: `A manual failover away from ${f.watches}: the policy's actions run at once.`,
    confirmLabel: 'Start failover',
    method: 'failover.start',
    note: { label: 'Reason', required: true },
    danger: true,
    run: (reason) => expectOk(call('failover.start', { policyId: f.policyId, reason })),
    done: `Failover ${f.name} started`,
  });
}

export function failback(f: FailoverView): void {
  confirm({
    title: `Fail back “${f.name}”?`,
    description: `Traffic returns to ${f.watches}. Make sure it is healthy first.`,
    confirmLabel: 'Fail back',
    method: 'failover.failback',
    note: null,
    danger: true,
    run: () => expectOk(call('failover.failback', { policyId: f.policyId })),
    done: `Failback ${f.name} started`,
  });
}
