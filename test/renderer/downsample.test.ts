import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../src/shared/model.ts';
import { downsampleSeries, pointsForWidth } from '../../src/renderer/src/downsample.ts';
import { formatAxisLatency } from '../../src/renderer/src/format.ts';

const point = (t: number, p99: number): SeriesPoint => ({
  t,
  count: 1,
  failures: 0,
  availability: 1,
  min: p99,
  avg: p99,
  max: p99,
  p50: p99,
  p95: p99,
  p99,
});

describe('downsampleSeries', () => {
  it('leaves a series that already fits untouched', () => {
    const series = [point(0, 1), point(1, 2)];
    expect(downsampleSeries(series, 10)).toBe(series);
  });

  it('reduces 8,640 points to at most the limit and keeps a single spike', () => {
    const series = Array.from({ length: 8640 }, (_, i) => point(i * 300_000, i === 4321 ? 900 : 10));
    const out = downsampleSeries(series, 960);
    expect(out.length).toBeLessThanOrEqual(960);
    expect(Math.max(...out.map((p) => p.p99 ?? 0))).toBe(900);
    expect(out[0]!.t).toBe(0);
  });

  it('adds counts and failures across a bucket', () => {
    const series = [
      { ...point(0, 1), count: 2, failures: 1, availability: 0.5 },
      { ...point(1, 1), count: 2, failures: 0, availability: 1 },
    ];
    const [only] = downsampleSeries(series, 1);
    expect(only).toMatchObject({ count: 4, failures: 1, availability: 0.75 });
  });
});

describe('pointsForWidth', () => {
  it('asks for about one point per two pixels, within bounds', () => {
    expect(pointsForWidth(1200)).toBe(600);
    expect(pointsForWidth(10)).toBe(30);
    expect(pointsForWidth(100_000)).toBe(2000);
  });
});

describe('latency axis labels', () => {
  it('uses one unit and precision for a whole axis, chosen from its top', () => {
    expect([0, 5, 9.5].map((v) => formatAxisLatency(v, 10))).toEqual(['0.0 ms', '5.0 ms', '9.5 ms']);
    expect([0, 400, 800].map((v) => formatAxisLatency(v, 900))).toEqual(['0 ms', '400 ms', '800 ms']);
    expect([0, 1_500, 3_000].map((v) => formatAxisLatency(v, 3_300))).toEqual(['0.0 s', '1.5 s', '3.0 s']);
  });
});
