import { checkById } from '../../shared/board-state.ts';
import type { CheckView } from '../../shared/model.ts';

/**
 * What the header says about the whole board: the config's checks (instances are counted on
 * their check) by status, those restored from before a restart, and the newest probe. Kept by
 * the store as deltas arrive, at the cost of the delta's checks, not the board's: 10,000 checks
 * are counted once per snapshot or roster change, not on every delta.
 */
export interface BoardSummary {
  counts: { down: number; degraded: number; up: number; maintenance: number; other: number };
  /** Checks whose state is the last known from before a restart (not probed since). */
  restored: number;
  /** The newest `lastProbeAt` of the config's checks, ms since the epoch. */
  newestProbeAt: number | null;
  /** The config's checks (instances apart). */
  total: number;
}

/** The summary of every check, counted: for a snapshot and a change of roster. */
export function summarize(checks: readonly CheckView[]): BoardSummary {
  const summary: BoardSummary = {
    counts: { down: 0, degraded: 0, up: 0, maintenance: 0, other: 0 },
    restored: 0,
    newestProbeAt: null,
    total: 0,
  };
  for (const check of checks) count(summary, check, 1);
  return summary;
}

/**
 * The summary after a delta that kept the roster (the same ids at the same positions), from
 * the checks the delta touched: each counted out as it was and in as it is. O(changed).
 * The newest probe only moves forward this way (probe times do not go back).
 */
export function updateSummary(
  summary: BoardSummary,
  before: readonly CheckView[],
  after: readonly CheckView[],
  changed: Iterable<string>,
): BoardSummary {
  const next: BoardSummary = { ...summary, counts: { ...summary.counts } };
  for (const id of changed) {
    const was = checkById(before, id);
    const is = checkById(after, id);
    if (was === is) continue;
    if (was) count(next, was, -1);
    if (is) count(next, is, 1);
  }
  return next;
}

function count(summary: BoardSummary, check: CheckView, by: 1 | -1): void {
  if (check.instanceOf !== undefined) return;
  if (
    by === 1 &&
    check.lastProbeAt !== null &&
    (summary.newestProbeAt === null || check.lastProbeAt > summary.newestProbeAt)
  )
    summary.newestProbeAt = check.lastProbeAt;
  summary.total += by;
  if (check.restored) summary.restored += by;
  const status = check.status;
  if (status === 'down' || status === 'degraded' || status === 'up' || status === 'maintenance')
    summary.counts[status] += by;
  else summary.counts.other += by;
}
