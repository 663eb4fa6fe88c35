import { describe, expect, it } from 'vitest';
import { checkView } from '../support/board.ts';
import { applyCheckDelta, checkById } from '../../src/shared/board-state.ts';
import type { CheckView } from '../../src/shared/model.ts';
import type { CheckPatch } from '../../src/shared/protocol.ts';
import { layoutChange } from '../../src/renderer/src/apply-checks.ts';

const check = (id: string, latencyMs = 1): CheckView =>
  checkView(id, { type: 'http', since: null, lastProbeAt: null, latencyMs, consecutiveSuccesses: 0 });

const delta = (checks: CheckView[], patches: CheckPatch[] = [], removed: string[] = []) => ({
  checks,
  patches,
  removed,
});

describe('layoutChange', () => {
  const before = [check('a'), check('b')];
  it('says nothing moves when only live fields change', () => {
    expect(layoutChange(before, delta([], [{ id: 'a', set: { latencyMs: 7 }, beatsAdded: 'u' }]))).toBe('none');
    expect(layoutChange(before, delta([check('a', 7)]))).toBe('none');
  });
  it('says checks move on a status, target or error class change', () => {
    expect(layoutChange(before, delta([], [{ id: 'a', set: { status: 'down' } }]))).toBe('moves');
    expect(layoutChange(before, delta([], [{ id: 'b', set: { errorClass: 'connect_refused' } }]))).toBe('moves');
    expect(layoutChange(before, delta([{ ...check('b'), target: 'elsewhere' }]))).toBe('moves');
  });
  it('says the roster changed when a check is added, removed, renamed or moved', () => {
    expect(layoutChange(before, delta([check('c')]))).toBe('roster');
    expect(layoutChange(before, delta([], [], ['a']))).toBe('roster');
    expect(layoutChange(before, delta([], [{ id: 'a', set: { name: 'A' } }]))).toBe('roster');
    expect(layoutChange(before, delta([], [{ id: 'a', set: { region: 'hk' } }]))).toBe('roster');
  });
});

describe('checkById', () => {
  it('finds a check in a later array without building a new index', () => {
    const next = applyCheckDelta([check('a'), check('b')], delta([], [{ id: 'b', set: { latencyMs: 3 } }]));
    expect(checkById(next, 'b')?.latencyMs).toBe(3);
    expect(checkById(next, 'z')).toBeUndefined();
  });
});
