import type { Status } from '../../shared/model.ts';

export interface VantageInput {
  offlineWhen: 'all' | 'any';
  references: readonly { id: string; name: string; status: Status }[];
}

/**
 * Whether this observer can be trusted. Reference checks (the local gateway, a resolver) that
 * are down say the failure is ours: while offline, nothing is alerted as down. Unknown
 * references (not probed yet) never make the vantage offline: that would silence alerts at
 * start-up on no evidence. Without references the vantage is always online.
 */
export function vantageState(input: VantageInput): { online: boolean; reason: string | null } {
  const down = input.references.filter((r) => r.status === 'down');
  if (down.length === 0) return { online: true, reason: null };
  const offline = input.offlineWhen === 'any' || down.length === input.references.length;
  if (!offline) return { online: true, reason: null };
  const names = down.map((r) => r.name).join(', ');
  return {
    online: false,
    reason: `reference check${down.length > 1 ? 's' : ''} ${names} down: this machine's own network is failing, so targets seen down here are not alerted`,
  };
}
