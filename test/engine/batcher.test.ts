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
