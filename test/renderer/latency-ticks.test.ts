import { describe, expect, it } from 'vitest';
import { latencyTicks, timeTicks } from '../../src/renderer/src/chart-geometry.ts';

describe('latencyTicks', () => {
  it('ends the axis on a round number at or above the data, in steps of 1, 2, 2.5 or 5 × 10ⁿ', () => {
    expect(latencyTicks(136)).toEqual([0, 50, 100, 150]);
    expect(latencyTicks(36)).toEqual([0, 10, 20, 30, 40]);
    expect(latencyTicks(550)).toEqual([0, 200, 400, 600]);
    expect(latencyTicks(1000)).toEqual([0, 250, 500, 750, 1000]);
    expect(latencyTicks(7.3)).toEqual([0, 2, 4, 6, 8]);
    expect(latencyTicks(0.4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });

  it('never draws an empty axis', () => {
    expect(latencyTicks(0)).toEqual([0, 1]);
    expect(latencyTicks(Number.NaN)).toEqual([0, 1]);
  });

  it('always reaches the data', () => {
    for (const max of [3, 17, 99, 101, 2_345, 98_765]) expect(latencyTicks(max).at(-1)!).toBeGreaterThanOrEqual(max);
  });
});

describe('timeTicks', () => {
  it('ticks on round times across the whole range, at most the number asked for', () => {
    const hour = 3_600_000;
    expect(timeTicks([0, 6 * hour], 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((h) => h * hour));
    expect(timeTicks([hour / 2, 6 * hour], 3)).toEqual([2 * hour, 4 * hour, 6 * hour]);
  });
});
