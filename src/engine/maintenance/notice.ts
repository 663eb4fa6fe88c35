import type { Notice } from '../../shared/model.ts';
import type { WindowChange } from './schedule.ts';

/** What the board says when a maintenance window starts or ends. */
export function maintenanceNotice(change: WindowChange, now: number): Notice {
  const name = change.window.name ?? change.window.id;
  const checks = `${change.checks.length} check${change.checks.length === 1 ? '' : 's'}`;
  return {
    id: `maintenance-${change.window.id}-${now}`,
    title: change.started ? `Maintenance started: ${name}` : `Maintenance ended: ${name}`,
    body: change.started
      ? `${checks} in maintenance until ${new Date(change.until!).toISOString().slice(0, 16).replace('T', ' ')} UTC; their alerts are held.`
      : `${checks} back to their own status; alerts apply again.`,
    severity: 'info',
    incidentId: null,
  };
}
