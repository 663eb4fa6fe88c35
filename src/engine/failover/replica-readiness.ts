/**
 * A replica as the backup a failover switches to. Its own check is down as soon as its primary
 * is (replication_stopped), which would hold every failover onto it; what matters for promoting
 * it is whether it had caught up: the lag it last reported under its check's `lag.down` (or
 * nothing left to replay, without a limit). Such a replica counts as a healthy backup.
 */
import type { ProbeResult, Status } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';

export function backupStatus(check: ResolvedCheck, status: Status, result: ProbeResult | null): Status {
  if (check.type !== 'postgres' && check.type !== 'mysql' && check.type !== 'redis') return status;
  const r = result?.replication;
  if (status !== 'down' || result?.errorClass !== 'replication_stopped' || r?.role !== 'replica') return status;
  const caughtUp: boolean[] = [];
  if (r.lagSeconds !== null) {
    caughtUp.push(check.lag.down !== undefined ? r.lagSeconds * 1000 < check.lag.down : r.lagSeconds === 0);
  }
  if (r.lagBytes !== null) {
    caughtUp.push(check.lag.down_bytes !== undefined ? r.lagBytes < check.lag.down_bytes : r.lagBytes === 0);
  }
  // Lag unknown (MySQL's NULL Seconds_Behind): not caught up, as far as anyone can tell.
  return caughtUp.length > 0 && caughtUp.every(Boolean) ? 'up' : status;
}
