import { describe, expect, it } from 'vitest';
import type { CheckView } from '../../src/shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage, type CheckPatch } from '../../src/shared/protocol.ts';
import { applyMessagesTo, type BoardData } from '../../src/renderer/src/apply-messages.ts';
import { checkView, emptyBoard } from '../support/board.ts';

const check = (id: string): CheckView => checkView(id);

const empty: BoardData = { board: null, layoutChecks: null, rosterChecks: null, summary: null, notices: [], seq: null };
const snapshot = (seq: number): BoardMessage => ({
  v: PROTOCOL_VERSION,
  seq,
  kind: 'snapshot',
  snapshot: { ...emptyBoard(seq), checks: [check('a'), check('b')] },
});
const delta = (seq: number, patches: CheckPatch[]): BoardMessage => ({
  v: PROTOCOL_VERSION,
  seq,
  kind: 'delta',
  at: seq,
  checks: [],
  patches,
  removed: [],
});

describe('applyMessagesTo', () => {
  it('applies messages in order and keeps the layout array while only live fields change', () => {
    const first = applyMessagesTo(empty, [snapshot(1)]);
    const next = applyMessagesTo(first, [delta(2, [{ id: 'a', set: { latencyMs: 9 } }])]);
    expect(next.inStep).toBe(true);
    expect(next.seq).toBe(2);
    expect(next.board?.checks[0]?.latencyMs).toBe(9);
    expect(next.layoutChecks).toBe(first.layoutChecks);
  });

  it('is out of step after a missed message, applying nothing past it', () => {
    const first = applyMessagesTo(empty, [snapshot(1)]);
    const next = applyMessagesTo(first, [delta(3, [{ id: 'a', set: { latencyMs: 9 } }])]);
    expect(next.inStep).toBe(false);
    expect(next.seq).toBeNull();
    expect(next.board?.checks[0]?.latencyMs).toBe(1);
  });

  it('is out of step on a delta that does not apply to its board, keeping what applied before it', () => {
    const first = applyMessagesTo(empty, [snapshot(1)]);
    const next = applyMessagesTo(first, [
      delta(2, [{ id: 'b', set: { latencyMs: 5 } }]),
      // `vantages` is absent from this board's view of check a: a patch made against another.
      delta(3, [{ id: 'a', items: { vantages: { 0: null } } }]),
      delta(4, [{ id: 'b', set: { latencyMs: 6 } }]),
    ]);
    expect(next.inStep).toBe(false);
    expect(next.seq).toBeNull();
    expect(next.board?.checks[1]?.latencyMs).toBe(5);
    // The snapshot the caller then asks for puts it back in step.
    const again = applyMessagesTo(next, [snapshot(7), delta(8, [{ id: 'a', set: { latencyMs: 3 } }])]);
    expect(again.inStep).toBe(true);
    expect(again.board?.checks[0]?.latencyMs).toBe(3);
  });

  it('is out of step when a list patch meets a field that is text here', () => {
    const first = applyMessagesTo(empty, [snapshot(1)]);
    const next = applyMessagesTo(first, [delta(2, [{ id: 'a', items: { message: { 0: 'x' } } }])]);
    expect(next.inStep).toBe(false);
    expect(next.board?.checks[0]?.message).toBe('');
  });
});

describe('the board summary kept by applyMessagesTo', () => {
  const withChecks = (seq: number, checks: CheckView[]): BoardMessage => ({
    v: PROTOCOL_VERSION,
    seq,
    kind: 'snapshot',
    snapshot: { ...emptyBoard(seq), checks },
  });

  it('counts a snapshot, then follows each delta from its checks alone, as a full count would', () => {
    const first = applyMessagesTo(empty, [
      withChecks(1, [
        check('a'),
        { ...check('b'), restored: true },
        { ...check('i'), instanceOf: 'a', status: 'down' },
      ]),
    ]);
    expect(first.summary).toEqual({
      counts: { down: 0, degraded: 0, up: 2, maintenance: 0, other: 0 },
      restored: 1,
      newestProbeAt: 1,
      total: 2,
    });
    const next = applyMessagesTo(first, [
      delta(2, [{ id: 'a', set: { status: 'down', lastProbeAt: 5 } }]),
      delta(3, [
        { id: 'b', set: { status: 'degraded', lastProbeAt: 6 }, unset: ['restored'] },
        // An instance is counted on its check's tile: not in the header.
        { id: 'i', set: { status: 'up', lastProbeAt: 9 } },
      ]),
    ]);
    expect(next.summary).toEqual({
      counts: { down: 1, degraded: 1, up: 0, maintenance: 0, other: 0 },
      restored: 0,
      newestProbeAt: 6,
      total: 2,
    });
    // Nothing read the whole board for that: the same as counting it.
    const counted = applyMessagesTo(empty, [withChecks(3, next.board!.checks)]);
    expect(next.summary).toEqual(counted.summary);
  });

  it('counts again after a check is removed or added', () => {
    const first = applyMessagesTo(empty, [withChecks(1, [check('a'), { ...check('b'), status: 'down' }])]);
    const gone = applyMessagesTo(first, [
      { ...(delta(2, []) as Extract<BoardMessage, { kind: 'delta' }>), removed: ['b'] },
    ]);
    expect(gone.summary?.counts.down).toBe(0);
    expect(gone.summary?.total).toBe(1);
    const added = applyMessagesTo(gone, [
      { ...(delta(3, []) as Extract<BoardMessage, { kind: 'delta' }>), checks: [{ ...check('c'), status: 'unknown' }] },
    ]);
    expect(added.summary?.counts).toEqual({ down: 0, degraded: 0, up: 1, maintenance: 0, other: 1 });
    expect(added.summary?.total).toBe(2);
  });
});
