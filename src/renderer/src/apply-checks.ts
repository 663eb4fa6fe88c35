import type { CheckView } from '../../shared/model.ts';

/**
 * The checks part of a delta, applied without rebuilding anything per batch: the shared reducer
 * (board-state.ts) builds a Map and a Set of every check on each delta, which at thousands of
 * checks and four deltas a second is garbage the wall does not need. Same result, kept exact by
 * test/renderer/apply-checks.test.ts: changed checks replace theirs by id, new ones are
 * appended, removed ones dropped, and the array is always a new one.
 */
const indexes = new WeakMap<CheckView[], Map<string, number>>();

function indexOf(checks: CheckView[]): Map<string, number> {
  let index = indexes.get(checks);
  if (!index) {
    index = new Map(checks.map((c, i) => [c.id, i]));
    indexes.set(checks, index);
  }
  return index;
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
