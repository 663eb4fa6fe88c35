import type { CheckView } from '../../shared/model.ts';

/**
 * A check's data is stale when no result has arrived for two intervals plus its timeout, when
 * it is the last known state from before a restart, or when the board has lost its connection:
 * stale data must look stale, never current.
 */
export function isStale(check: CheckView, now: number, connected: boolean): boolean {
  if (!connected || check.restored) return true;
  if (check.lastProbeAt === null) return false;
  return now - check.lastProbeAt > 2 * check.intervalMs + check.timeoutMs;
}

export function formatAge(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1_000) return '0s';
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h ${Math.floor((ms % 3_600_000) / 60_000)}m`;
  return `${Math.floor(ms / 86_400_000)}d`;
}
