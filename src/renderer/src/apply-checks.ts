import { checkById } from '../../shared/board-state.ts';
import type { CheckView } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';

/**
 * The checks part of a delta is applied by the shared reducer (applyCheckDelta in
 * shared/board-state.ts): O(changed), with each check's position kept in an index carried from
 * array to array, so a tile finds its check in constant time (`checkById`).
 */
export { checkById };

/**
 * What a delta changes for the views that lay checks out. `roster`: a check added or removed,
 * renamed or moved to another region (the grid sorts names again). `moves`: a check's status,
 * target or error class (what the grid groups, orders, counts and searches by). `none`: only
 * latency, times and heartbeats, which change every second and move nothing; each tile reads
 * those for itself. O(changed): only the delta's checks and patches are looked at.
 */
export type LayoutChange = 'none' | 'moves' | 'roster';

type ChecksDelta = Pick<Extract<BoardMessage, { kind: 'delta' }>, 'checks' | 'patches' | 'removed'>;

export function layoutChange(current: readonly CheckView[], delta: ChecksDelta): LayoutChange {
  if (delta.removed.length > 0) return 'roster';
  let change: LayoutChange = 'none';
  for (const check of delta.checks) {
    const before = checkById(current, check.id);
    if (!before || before.name !== check.name || before.region !== check.region) return 'roster';
    if (before.status !== check.status || before.target !== check.target || before.errorClass !== check.errorClass)
      change = 'moves';
  }
  for (const { set } of delta.patches) {
    if (!set) continue;
    if ('name' in set || 'region' in set) return 'roster';
    if ('status' in set || 'target' in set || 'errorClass' in set) change = 'moves';
  }
  return change;
}
