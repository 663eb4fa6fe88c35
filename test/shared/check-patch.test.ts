import { describe, expect, it } from 'vitest';
import { applyBoardMessage, applyCheckDelta, followsOn, LiveBoard } from '../../src/shared/board-state.ts';
import { BEATS_KEPT } from '../../src/shared/beats.ts';
import { applyCheckPatch, diffCheck } from '../../src/shared/check-patch.ts';
import type { BoardSnapshot, CheckView } from '../../src/shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage, type CheckPatch } from '../../src/shared/protocol.ts';
import { checkView, emptyBoard } from '../support/board.ts';

const check = (id: string, more: Partial<CheckView> = {}): CheckView =>
  checkView(id, { type: 'http', target: `GET http://${id}/`, region: 'hk', message: 'HTTP 200', ...more });

/** The patch between two views, checked to rebuild the second from the first. */
function roundTrip(before: CheckView, after: CheckView): CheckPatch | null {
  const patch = diffCheck(before, after);
  // Through JSON, as it travels: what it says must survive serialisation.
  const sent = patch && (JSON.parse(JSON.stringify(patch)) as CheckPatch);
  expect(sent ? applyCheckPatch(before, sent) : before).toEqual(after);
  return patch;
}

describe('check patches', () => {
  it('carries only the fields that changed, and nothing when none did', () => {
    const details = { httpStatus: 200, headers: { server: 'nginx' } };
    const before = check('a', { details, beats: 'uu' });
    const after = { ...before, lastProbeAt: 2, latencyMs: 3.5 };
    expect(roundTrip(before, after)).toEqual({ id: 'a', set: { lastProbeAt: 2, latencyMs: 3.5 } });
    expect(diffCheck(before, { ...before })).toBeNull();
    // An object field with the same members (a new object, nothing new in it) is not sent.
    expect(diffCheck(before, { ...before, details: { ...details } })).toBeNull();
    const changed = { ...before, details: { ...details, httpStatus: 503 } };
    expect(roundTrip(before, changed)?.set).toEqual({ details: { httpStatus: 503, headers: { server: 'nginx' } } });
  });

  it('unsets optional fields the view no longer has, and sets new ones', () => {
    const before = check('a', { paused: true, skippedSlots: 2, restored: true });
    const { paused: _p, restored: _r, ...rest } = before;
    const after: CheckView = { ...rest, skippedSlots: 3, degradedLatencyMs: 200 };
    const patch = roundTrip(before, after);
    expect(patch?.unset?.sort()).toEqual(['paused', 'restored']);
    expect(patch?.set).toEqual({ skippedSlots: 3, degradedLatencyMs: 200 });
    // A field present as undefined is as good as absent (JSON drops it).
    expect(roundTrip(before, { ...before, paused: undefined })?.unset).toEqual(['paused']);
  });

  it('patches any field, including ones CheckView may gain later', () => {
    const before = check('a');
    const after = { ...before, series: ['up{job="x"}'] } as CheckView;
    expect(roundTrip(before, after)?.set).toEqual({ series: ['up{job="x"}'] });
  });

  it('appends heartbeats, keeping the last BEATS_KEPT, and sends the strip whole otherwise', () => {
    const before = check('a', { beats: 'u'.repeat(BEATS_KEPT) });
    const appended = { ...before, beats: 'u'.repeat(BEATS_KEPT - 2) + 'dd' };
    expect(roundTrip(before, appended)).toEqual({ id: 'a', beatsAdded: 'dd' });
    expect(roundTrip(check('a'), { ...check('a'), beats: 'g' })).toEqual({ id: 'a', beatsAdded: 'g' });
    // A strip that did not grow from the old one (a restart's) is sent whole.
    const replaced = { ...before, beats: 'xd' };
    expect(roundTrip(before, replaced)).toEqual({ id: 'a', set: { beats: 'xd' } });
  });

  it('compares arrays by their members: the same vantage views are not sent again', () => {
    const obs = {
      vantage: 'sg',
      status: 'up' as const,
      since: 1,
      lastProbeAt: 1,
      latencyMs: 2,
      errorClass: null,
      message: '',
      voting: true,
    };
    const before = check('a', { vantages: [obs] });
    expect(diffCheck(before, { ...before, vantages: [obs] })).toBeNull();
    const moved = { ...obs, voting: false };
    expect(roundTrip(before, { ...before, vantages: [moved] })).toEqual({
      id: 'a',
      itemFields: { vantages: { 0: { voting: false } } },
    });
    // Of three vantages one changed: only that member's changed fields travel, by index.
    const [sg, tyo, fra] = ['sg', 'tyo', 'fra'].map((vantage) => ({ ...obs, vantage }));
    const matrix = check('a', { vantages: [sg!, tyo!, fra!] });
    const fresh = { ...tyo!, latencyMs: 9, lastProbeAt: 2 };
    expect(roundTrip(matrix, { ...matrix, vantages: [sg!, fresh, fra!] })).toEqual({
      id: 'a',
      itemFields: { vantages: { 1: { lastProbeAt: 2, latencyMs: 9 } } },
    });
    // Two of three changed: each its own fields.
    const both = [{ ...sg!, voting: false }, fresh, fra!];
    expect(roundTrip(matrix, { ...matrix, vantages: both })).toEqual({
      id: 'a',
      itemFields: { vantages: { 0: { voting: false }, 1: { lastProbeAt: 2, latencyMs: 9 } } },
    });
    // A member that lost a field goes whole; the others still as fields.
    const { since: _since, ...noSince } = sg!;
    const lost = [noSince, fresh, fra!] as CheckView['vantages'];
    expect(roundTrip(matrix, { ...matrix, vantages: lost })).toEqual({
      id: 'a',
      items: { vantages: { 0: noSince } },
      itemFields: { vantages: { 1: { lastProbeAt: 2, latencyMs: 9 } } },
    });
    // Every member replaced by something that is no object: the array whole.
    const numbers = check('a', { series: [1, 2] } as Partial<CheckView>);
    expect(roundTrip(numbers, { ...numbers, series: [3, 4] } as CheckView)?.set).toEqual({ series: [3, 4] });
    // A list of another length: whole.
    const shorter = [sg!, fresh];
    expect(roundTrip(matrix, { ...matrix, vantages: shorter })?.set).toEqual({ vantages: shorter });
    // Fields for a member the receiver does not have as an object: refused, so it takes a snapshot.
    expect(() =>
      applyCheckPatch(check('a', { vantages: [null] } as unknown as Partial<CheckView>), {
        id: 'a',
        itemFields: { vantages: { 0: { voting: true } } },
      }),
    ).toThrow(/vantages\[0\] is not an object/);
    // A new quorum whose new `failing` array names the same vantages is the same quorum.
    const quorum = { rule: '2 of 3', voters: 3, of: 3, failing: ['sg'], held: false, pathProblem: true };
    const voted = check('a', { quorum });
    expect(diffCheck(voted, { ...voted, quorum: { ...quorum, failing: ['sg'] } })).toBeNull();
    const healed = { ...quorum, failing: [], pathProblem: false };
    expect(roundTrip(voted, { ...voted, quorum: healed })?.set).toEqual({ quorum: healed });
  });
});

describe('deltas of patches on a board', () => {
  const board = (checks: CheckView[]): BoardSnapshot => ({ ...emptyBoard(0), checks });
  const message = (seq: number, checks: CheckView[], patches: CheckPatch[], removed: string[] = []): BoardMessage => ({
    v: PROTOCOL_VERSION,
    seq,
    kind: 'delta',
    at: seq,
    checks,
    patches,
    removed,
  });

  it('rebuilds the engine side views exactly: patches, new checks, removed checks, in order', () => {
    // The sender's views over time; the receiver sees only the deltas made from them.
    const sent = new Map([check('a'), check('b'), check('c')].map((c) => [c.id, c]));
    let array: BoardSnapshot | null = board([...sent.values()]);
    const live = new LiveBoard();
    live.apply({ v: PROTOCOL_VERSION, seq: 0, kind: 'snapshot', snapshot: array });
    const steps: { change: CheckView[]; removed: string[] }[] = [
      { change: [{ ...check('a'), latencyMs: 9, beats: 'u' }], removed: [] },
      { change: [{ ...check('b'), status: 'down', errorClass: 'timeout' }, check('d')], removed: ['c'] },
      { change: [{ ...check('a'), latencyMs: 4, beats: 'ud', details: { httpStatus: 500 } }], removed: [] },
      { change: [check('c', { name: 'back' }), { ...check('d'), paused: true }], removed: ['a'] },
    ];
    steps.forEach((step, i) => {
      const added: CheckView[] = [];
      const patches: CheckPatch[] = [];
      for (const view of step.change) {
        const before = sent.get(view.id);
        if (!before) added.push(view);
        else {
          const patch = diffCheck(before, view);
          if (patch) patches.push(patch);
        }
        sent.set(view.id, view);
      }
      for (const id of step.removed) sent.delete(id);
      const delta = JSON.parse(JSON.stringify(message(i + 1, added, patches, step.removed))) as BoardMessage;
      array = applyBoardMessage(array, delta);
      live.apply(delta);
      const expected = [...sent.values()];
      expect(new Map(array!.checks.map((c) => [c.id, c]))).toEqual(new Map(expected.map((c) => [c.id, c])));
      expect(live.current()).toEqual(array);
      expect(live.seq()).toBe(i + 1);
    });
    // Removed, then new again: appended at the end, on both.
    expect(live.current()!.checks.map((c) => c.id)).toEqual(['b', 'd', 'c']);
  });

  it('keeps the array and its index when nothing changed, and makes a snapshot only when asked', () => {
    const checks = [check('a')];
    expect(applyCheckDelta(checks, { checks: [], patches: [], removed: [] })).toBe(checks);
    const live = new LiveBoard();
    expect(live.current()).toBeNull();
    expect(live.started()).toBe(false);
    const snapshot = board(checks);
    live.apply({ v: PROTOCOL_VERSION, seq: 5, kind: 'snapshot', snapshot });
    expect(live.current()).toBe(snapshot);
    live.apply(message(6, [], [{ id: 'a', set: { latencyMs: 2 } }]));
    const first = live.current();
    expect(live.current()).toBe(first);
    expect(live.snapshotMessage()).toEqual({ v: PROTOCOL_VERSION, seq: 6, kind: 'snapshot', snapshot: first });
    live.apply({
      v: PROTOCOL_VERSION,
      seq: 7,
      kind: 'notice',
      at: 7,
      notice: { id: 'n', title: 't', body: '', severity: 'info', incidentId: null },
    });
    expect(live.current()).toBe(first);
    expect(live.snapshotMessage()!.seq).toBe(7);
  });

  it('takes a snapshot after a gap, and nothing but the next message before it', () => {
    const snap: BoardMessage = { v: PROTOCOL_VERSION, seq: 10, kind: 'snapshot', snapshot: board([]) };
    expect(followsOn(null, snap)).toBe(true);
    expect(followsOn(3, snap)).toBe(true);
    expect(followsOn(10, message(11, [], []))).toBe(true);
    expect(followsOn(10, message(12, [], []))).toBe(false);
    expect(followsOn(10, message(10, [], []))).toBe(false);
    expect(followsOn(null, message(1, [], []))).toBe(false);
  });
});
