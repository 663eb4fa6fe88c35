import { describe, expect, it } from 'vitest';
import { DeferredBoard } from '../../src/engine/deferred-board.ts';
import { LiveBoard } from '../../src/shared/board-state.ts';
import { PROTOCOL_VERSION, type BoardMessage } from '../../src/shared/protocol.ts';
import { checkView, emptyBoard } from '../support/board.ts';

const v = PROTOCOL_VERSION;
const snapshot = (seq: number, ids: string[]): BoardMessage => ({
  v,
  seq,
  kind: 'snapshot',
  snapshot: { ...emptyBoard(seq), checks: ids.map((id) => checkView(id)) },
});
const delta = (seq: number, id: string, latencyMs: number): BoardMessage => ({
  v,
  seq,
  kind: 'delta',
  at: seq * 250,
  checks: [],
  patches: [{ id, set: { latencyMs, lastProbeAt: seq * 250 } }],
  removed: [],
});
const notice = (seq: number): BoardMessage => ({
  v,
  seq,
  kind: 'notice',
  at: seq,
  notice: { id: `n${seq}`, title: 'x', body: 'y', severity: 'info', incidentId: null },
});

/** Deltas as the engine's text, the rest as objects: as the host feeds it. */
function feed(board: DeferredBoard, message: BoardMessage): void {
  if (message.kind === 'delta') board.defer(message.seq, JSON.stringify(message));
  else board.apply(message);
}

describe('DeferredBoard', () => {
  it('holds deltas as text until asked, then is the board an eager receiver has, seq included', () => {
    const messages = [
      snapshot(1, ['a', 'b']),
      delta(2, 'a', 5),
      delta(3, 'b', 7),
      notice(4),
      delta(5, 'a', 9),
      { v, seq: 6, kind: 'config', at: 6, config: { source: 'x.yaml', appliedAt: 6, error: null } },
      delta(7, 'b', 11),
    ] satisfies BoardMessage[];
    const eager = new LiveBoard();
    const deferred = new DeferredBoard();
    // Deltas before the first snapshot change nothing, on either.
    deferred.defer(0, JSON.stringify(delta(0, 'a', 1)));
    expect(deferred.deferredBytes()).toBe(0);
    for (const m of messages) {
      eager.apply(m);
      feed(deferred, m);
    }
    // The config caught up what came before it; the last delta waits.
    expect(deferred.deferredBytes()).toBe(JSON.stringify(messages[6]).length);
    expect(deferred.seq()).toBe(7);
    expect(deferred.current()).toEqual(eager.current());
    expect(deferred.deferredBytes()).toBe(0);
    expect(deferred.snapshotMessage()).toEqual(eager.snapshotMessage());
    expect(deferred.current()!.checks.find((c) => c.id === 'b')!.latencyMs).toBe(11);
  });

  it("is reset to the engine's board when it is as of the last message received, and only then", () => {
    const deferred = new DeferredBoard();
    deferred.apply(snapshot(1, ['a']));
    deferred.defer(2, JSON.stringify(delta(2, 'a', 5)));
    deferred.defer(3, JSON.stringify(delta(3, 'a', 6)));
    const engines = new LiveBoard();
    for (const m of [snapshot(1, ['a']), delta(2, 'a', 5), delta(3, 'a', 6)]) engines.apply(m);
    // An answer from before the last delta would lose it: refused, the deltas kept.
    expect(deferred.reset({ ...engines.snapshotMessage()!, seq: 2 })).toBe(false);
    expect(deferred.deferredBytes()).toBeGreaterThan(0);
    expect(deferred.reset(engines.snapshotMessage()!)).toBe(true);
    expect(deferred.deferredBytes()).toBe(0);
    expect(deferred.current()).toEqual(engines.current());
    expect(deferred.seq()).toBe(3);
  });

  it('refuses deferred text that is not a board message when it catches up', () => {
    const deferred = new DeferredBoard();
    deferred.apply(snapshot(1, ['a']));
    deferred.defer(2, '{"v":2,"seq":2}');
    expect(() => deferred.current()).toThrow(/not one/);
  });
});
