import { describe, expect, it } from 'vitest';
import { ChangeBatcher } from '../../src/engine/batcher.ts';
import { FakeClock } from '../support/fake-clock.ts';

function batcher() {
  const clock = new FakeClock(1_000_000);
  const flushes: { at: number; changed: string[]; removed: string[] }[] = [];
  const b = new ChangeBatcher(clock, 250, (changed, removed) => flushes.push({ at: clock.now(), changed, removed }));
  return { clock, flushes, b };
}

describe('ChangeBatcher: a few deltas a second however many probes finish', () => {
  it('sends the changes of one interval together, an interval after the first', async () => {
    const { clock, flushes, b } = batcher();
    b.changed('a');
    await clock.advance(100);
    b.changed('b');
    b.changed('a');
    b.remove('c');
    await clock.advance(149);
    expect(flushes).toEqual([]);
    await clock.advance(1);
    expect(flushes).toEqual([{ at: 1_000_250, changed: ['a', 'b'], removed: ['c'] }]);
  });

  it('flushes a poke with no change, and nothing once stopped', async () => {
    const { clock, flushes, b } = batcher();
    b.poke();
    await clock.advance(250);
    expect(flushes).toEqual([{ at: 1_000_250, changed: [], removed: [] }]);
    b.changed('a');
    b.stop();
    await clock.advance(1_000);
    expect(flushes).toHaveLength(1);
  });
});

describe('ChangeBatcher.flushNow without a gather: what is pending goes at once', () => {
  it('sends what is pending at once when no delta went out within an interval', async () => {
    const { clock, flushes, b } = batcher();
    b.changed('a');
    await clock.advance(40);
    b.flushNow();
    expect(flushes).toEqual([{ at: 1_000_040, changed: ['a'], removed: [] }]);
    // The timer it replaced does not fire a second, empty delta.
    await clock.advance(1_000);
    expect(flushes).toHaveLength(1);
  });

  it('does nothing when nothing is pending', async () => {
    const { clock, flushes, b } = batcher();
    b.flushNow();
    await clock.advance(1_000);
    expect(flushes).toEqual([]);
  });

  it('keeps at most one delta an interval: too soon after the last, it goes an interval after it', async () => {
    const { clock, flushes, b } = batcher();
    b.changed('a');
    b.flushNow();
    await clock.advance(100);
    b.changed('b');
    b.flushNow();
    expect(flushes).toHaveLength(1);
    await clock.advance(149);
    expect(flushes).toHaveLength(1);
    await clock.advance(1);
    // 250 ms after the first delta, not 250 ms after 'b' changed.
    expect(flushes).toEqual([
      { at: 1_000_000, changed: ['a'], removed: [] },
      { at: 1_000_250, changed: ['b'], removed: [] },
    ]);
  });
});

describe('ChangeBatcher.flushNow with a gather: the syncs of one beat in one delta', () => {
  it('sends gatherMs after the first flushNow, with what came meanwhile, and keeps the interval between deltas', async () => {
    const clock = new FakeClock(1_000_000);
    const flushes: { at: number; changed: string[] }[] = [];
    const b = new ChangeBatcher(clock, 250, (changed) => flushes.push({ at: clock.now(), changed }), 25);
    b.changed('a');
    b.flushNow();
    await clock.advance(10);
    b.changed('b');
    b.flushNow();
    await clock.advance(14);
    expect(flushes).toEqual([]);
    await clock.advance(1);
    expect(flushes).toEqual([{ at: 1_000_025, changed: ['a', 'b'] }]);
    // The next beat's sync, soon after: no sooner than an interval after that delta.
    await clock.advance(100);
    b.changed('c');
    b.flushNow();
    await clock.advance(149);
    expect(flushes).toHaveLength(1);
    await clock.advance(1);
    expect(flushes.at(-1)).toEqual({ at: 1_000_275, changed: ['c'] });
  });
});
