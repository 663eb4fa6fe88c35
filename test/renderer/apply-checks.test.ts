import { describe, expect, it } from 'vitest';
import { applyBoardMessage } from '../../src/shared/board-state.ts';
import type { BoardSnapshot, CheckView } from '../../src/shared/model.ts';
import { applyCheckChanges, checkById, layoutChange } from '../../src/renderer/src/apply-checks.ts';

const check = (id: string, latencyMs = 1): CheckView => ({
  id,
  name: id,
  type: 'http',
  target: id,
  region: null,
  intervalMs: 1000,
  timeoutMs: 500,
  status: 'up',
  since: null,
  lastProbeAt: null,
  latencyMs,
  errorClass: null,
  message: '',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
});

/** What the shared reducer does with the same delta: the fast path must agree with it. */
function reference(checks: CheckView[], changed: CheckView[], removed: string[]): CheckView[] {
  const board = { checks, components: [], incidents: [], failovers: [] } as unknown as BoardSnapshot;
  return applyBoardMessage(board, { v: 1, seq: 1, kind: 'delta', at: 0, checks: changed, removed })!.checks;
}

describe('applyCheckChanges', () => {
  it('replaces changed checks in place and returns a new array', () => {
    const before = [check('a'), check('b'), check('c')];
    const after = applyCheckChanges(before, [check('b', 9)], []);
    expect(after).not.toBe(before);
    expect(after).toEqual(reference(before, [check('b', 9)], []));
    expect(before[1]!.latencyMs).toBe(1);
  });

  it('appends new checks and drops removed ones, like the shared reducer', () => {
    const before = [check('a'), check('b'), check('c')];
    const changed = [check('d'), check('a', 5)];
    expect(applyCheckChanges(before, changed, ['b'])).toEqual(reference(before, changed, ['b']));
  });

  it('stays right over many deltas, including after the ids change', () => {
    let fast = [check('a'), check('b')];
    let slow = fast;
    const deltas: [CheckView[], string[]][] = [
      [[check('a', 2)], []],
      [[check('c')], []],
      [[check('c', 3), check('b', 4)], ['a']],
      [[check('a', 7)], []],
      [[check('b', 8)], []],
    ];
    for (const [changed, removed] of deltas) {
      fast = applyCheckChanges(fast, changed, removed);
      slow = reference(slow, changed, removed);
      expect(fast).toEqual(slow);
    }
  });
});

describe('layoutChange', () => {
  const before = [check('a'), check('b')];
  it('says nothing moves when only live fields change', () => {
    expect(layoutChange(before, [check('a', 7)], [])).toBe('none');
  });
  it('says checks move on a status or error class change', () => {
    expect(layoutChange(before, [{ ...check('a'), status: 'down' }], [])).toBe('moves');
    expect(layoutChange(before, [{ ...check('b'), errorClass: 'connect_refused' }], [])).toBe('moves');
  });
  it('says the roster changed when a check is added, removed, renamed or moved', () => {
    expect(layoutChange(before, [check('c')], [])).toBe('roster');
    expect(layoutChange(before, [], ['a'])).toBe('roster');
    expect(layoutChange(before, [{ ...check('a'), name: 'A' }], [])).toBe('roster');
    expect(layoutChange(before, [{ ...check('a'), region: 'hk' }], [])).toBe('roster');
  });
});

describe('checkById', () => {
  it('finds a check in a later array without building a new index', () => {
    const next = applyCheckChanges([check('a'), check('b')], [check('b', 3)], []);
    expect(checkById(next, 'b')?.latencyMs).toBe(3);
    expect(checkById(next, 'z')).toBeUndefined();
  });
});
