/** Turns what a data-tier probe saw into a verdict: role first, then lag, then the canary. */
import type { LagLimits } from '../../shared/config/data-common.ts';
import type { ReplicationDetails } from '../../shared/model.ts';
import type { DataOutcome } from './data-session.ts';

export type Role = 'primary' | 'replica';

/** A failed outcome carrying what was seen, so the board shows lag even when it is down. */
export function failed(
  errorClass: NonNullable<DataOutcome['errorClass']>,
  message: string,
  replication?: ReplicationDetails,
): DataOutcome {
  return { ok: false, errorClass, message, ...(replication ? { replication } : {}) };
}

/** A role other than the one configured: the check is down (role_mismatch), or null. */
export function roleProblem(expected: Role | 'any', actual: Role, replication: ReplicationDetails): DataOutcome | null {
  if (expected === 'any' || expected === actual) return null;
  return failed(
    'role_mismatch',
    `expected a ${expected}, found a ${actual}${actual === 'primary' ? ' (promoted?)' : ''}`,
    replication,
  );
}

function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/** Lag against its limits: down at or above `down`, degraded at or above `degraded`. */
export function judgeLag(limits: LagLimits, replication: ReplicationDetails, what: string): DataOutcome {
  const { lagSeconds, lagBytes } = replication;
  const parts: string[] = [];
  if (lagSeconds !== null) parts.push(`${seconds(lagSeconds)} behind`);
  if (lagBytes !== null) parts.push(`${lagBytes} bytes behind`);
  const said = parts.length > 0 ? parts.join(', ') : 'no lag';
  const overS = (ms: number | undefined) => ms !== undefined && lagSeconds !== null && lagSeconds * 1000 >= ms;
  const overB = (b: number | undefined) => b !== undefined && lagBytes !== null && lagBytes >= b;
  if (overS(limits.down) || overB(limits.down_bytes)) {
    return failed('replication_lag', `${what} ${said}: over the down limit`, replication);
  }
  const degraded = overS(limits.degraded) || overB(limits.degraded_bytes);
  return {
    ok: true,
    errorClass: null,
    message: `${what} ${said}${degraded ? ': over the degraded limit' : ''}`,
    degraded,
    replication,
  };
}

/** Expected names the server does not list (replicas, slots). */
export function missingNames(expected: readonly string[], present: Iterable<string>): string[] {
  const have = new Set(present);
  return expected.filter((name) => !have.has(name));
}
