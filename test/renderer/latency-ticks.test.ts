import { describe, expect, it } from 'vitest';
import { axisReach, latencyTicks, thresholdDrawn, timeTicks } from '../../src/renderer/src/chart-geometry.ts';

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

describe('a shared y-axis', () => {
  // Each chart: the highest latency it draws and its degraded threshold (null: none).
  const charts: [number, number | null][] = [
    [4, 700], // fast, its threshold far above: not drawn on its own axis
    [250, 700], // a busy machine's slow probe: the threshold within reach (≤ 3 × 250)
    [0, 700], // every probe failed: the threshold alone sets the axis
    [120, null],
    [900, 2_000],
  ];
  const top = (dataMax: number, threshold: number | null, shared: number | null) =>
    latencyTicks(axisReach(dataMax, threshold, shared) * 1.1).at(-1);

  it('ends every chart at the same tick, whichever thresholds each one draws', () => {
    const shared = Math.max(...charts.map(([d, t]) => axisReach(d, t, null)));
    const tops = new Set(charts.map(([d, t]) => top(d, t, shared)));
    expect([...tops]).toEqual([latencyTicks(shared * 1.1).at(-1)]);
    // Each chart's own axis differs, so the agreement is the shared axis's doing.
    expect(new Set(charts.map(([d, t]) => top(d, t, null))).size).toBeGreaterThan(1);
  });

  it('draws a threshold inside the shared axis, and one far above every chart nowhere', () => {
    expect(thresholdDrawn(700, 4, null)).toBe(false);
    expect(thresholdDrawn(700, 4, 900)).toBe(true);
    expect(thresholdDrawn(2_000, 250, 900)).toBe(false);
    expect(thresholdDrawn(700, 250, null)).toBe(true);
    expect(thresholdDrawn(null, 0, 900)).toBe(false);
  });
});
