import type { CheckView } from '../../shared/model.ts';

/**
 * The checks part of a delta, applied without rebuilding anything per batch: the shared reducer
 * (board-state.ts) builds a Map and a Set of every check on each delta, which at thousands of
 * checks and four deltas a second is garbage the wall does not need. Same result, kept exact by
 * test/renderer/apply-checks.test.ts: changed checks replace theirs by id, new ones are
 * appended, removed ones dropped, and the array is always a new one.
 */
const indexes = new WeakMap<readonly CheckView[], Map<string, number>>();

/** Each check's position in the array, made once per array and carried to the next while ids stay put. */
function indexOf(checks: readonly CheckView[]): Map<string, number> {
  let index = indexes.get(checks);
  if (!index) {
    index = new Map(checks.map((c, i) => [c.id, i]));
    indexes.set(checks, index);
  }
  return index;
}

/** One check by id, in constant time (what a tile selects from the store four times a second). */
export function checkById(checks: readonly CheckView[], id: string): CheckView | undefined {
  const i = indexOf(checks).get(id);
  return i === undefined ? undefined : checks[i];
}

export function applyCheckChanges(current: CheckView[], changed: CheckView[], removed: string[]): CheckView[] {
  if (changed.length === 0 && removed.length === 0) return current;
  const index = indexOf(current);
  let next = current.slice();
  let reordered = false;
  for (const check of changed) {
    const i = index.get(check.id);
    if (i === undefined) {
      next.push(check);
      reordered = true;
    } else next[i] = check;
  }
  if (removed.length > 0) {
    const gone = new Set(removed);
    next = next.filter((c) => !gone.has(c.id));
    reordered = true;
  }
  // Same ids in the same places: the index carries over to the new array.
  if (!reordered) indexes.set(next, index);
  return next;
}

/**
 * What a delta changes for the views that lay checks out. `roster`: a check added or removed,
 * renamed or moved to another region (the grid sorts names again). `moves`: a check's status,
 * target or error class (what the grid groups, orders, counts and searches by). `none`: only
 * latency, times and heartbeats, which change every second and move nothing; each tile reads
 * those for itself. O(changed): only the delta's checks are looked at.
 */
export type LayoutChange = 'none' | 'moves' | 'roster';

export function layoutChange(
  current: readonly CheckView[],
  changed: readonly CheckView[],
  removed: string[],
): LayoutChange {
  if (removed.length > 0) return 'roster';
  const index = indexOf(current);
  let change: LayoutChange = 'none';
  for (const check of changed) {
    const i = index.get(check.id);
    if (i === undefined) return 'roster';
    const before = current[i]!;
    if (before.name !== check.name || before.region !== check.region) return 'roster';
    if (before.status !== check.status || before.target !== check.target || before.errorClass !== check.errorClass)
      change = 'moves';
  }
  return change;
}
