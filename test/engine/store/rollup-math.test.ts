import { describe, expect, it } from 'vitest';
import { cellFromSamples, mergeCells, percentile, type Cell } from '../../../src/engine/store/rollup-math.ts';
import { HISTOGRAM_RELATIVE_ERROR, LatencyHistogram } from '../../../src/engine/store/latency-histogram.ts';
import { seeded } from '../../../bench/http-results.ts';

describe('rollup math', () => {
  it('takes percentiles by nearest rank: always a latency that was measured', () => {
    const sorted = [10, 20, 30, 40];
    expect(percentile(sorted, 0.5)).toBe(20);
    expect(percentile(sorted, 0.95)).toBe(40);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('keeps latency figures to successful results and counts nothing for probe errors', () => {
    const cell = cellFromSamples(0, [
      { ok: true, latencyMs: 10, errorClass: null },
      { ok: false, latencyMs: 5_000, errorClass: 'read_timeout' },
      { ok: false, latencyMs: null, errorClass: 'probe_error' },
    ]);
    expect(cell).toMatchObject({ count: 2, failures: 1, latCount: 1, latMax: 10, p99: 10 });
    expect(cellFromSamples(0, [{ ok: false, latencyMs: null, errorClass: 'probe_error' }])).toBeNull();
  });

  it('merges cells: exact sums, min, max and average; percentiles of all their latencies together', () => {
    const a = cellFromSamples(
      0,
      [10, 10, 10].map((l) => ({ ok: true, latencyMs: l, errorClass: null })),
    )!;
    const b = cellFromSamples(60_000, [{ ok: true, latencyMs: 100, errorClass: null }])!;
    const merged = mergeCells(0, [a, b]);
    expect(merged).toMatchObject({ count: 4, latCount: 4, latMin: 10, latMax: 100, latSum: 130, p95: 100, p99: 100 });
    // The 2nd of 4 is 10: within the histogram's error, not the average of the parts' p50s.
    expect(Math.abs(merged.p50! - 10) / 10).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR);
  });

  it('falls back to the largest part (an upper bound) where a part predates histograms', () => {
    const a = {
      ...cellFromSamples(
        0,
        [10, 10, 10].map((l) => ({ ok: true, latencyMs: l, errorClass: null })),
      )!,
      hist: null,
    };
    const b = cellFromSamples(60_000, [{ ok: true, latencyMs: 100, errorClass: null }])!;
    const merged = mergeCells(0, [a, b]);
    expect(merged).toMatchObject({ p95: 100, p99: 100, p50: (10 * 3 + 100) / 4, hist: null });
  });

  it('gives the percentiles of a month of merged hours within 1 % of the exact ones', () => {
    const random = seeded(7);
    const hours: Cell[] = [];
    const all: number[] = [];
    for (let h = 0; h < 30 * 24; h++) {
      // A different spread each hour, and a slow tail in some: the worst hour's p99 is not the month's.
      const base = 20 + 30 * random();
      const samples = Array.from({ length: 360 }, () => {
        const l = base * (1 + random()) + (random() < (h % 24 === 3 ? 0.05 : 0.001) ? 2_000 * random() : 0);
        all.push(l);
        return { ok: true, latencyMs: l, errorClass: null };
      });
      hours.push(cellFromSamples(h * 3_600_000, samples)!);
    }
    const month = mergeCells(0, hours);
    all.sort((x, y) => x - y);
    for (const [p, got] of [
      [0.5, month.p50],
      [0.95, month.p95],
      [0.99, month.p99],
    ] as const) {
      const exact = percentile(all, p)!;
      expect(Math.abs(got! - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    // The old merge (the worst hour's p99) would have been far off.
    expect(Math.max(...hours.map((c) => c.p99!))).toBeGreaterThan(month.p99! * 2);
  });

  it('keeps a histogram in a few bytes a bucket and reads it back the same', () => {
    const h = new LatencyHistogram();
    for (const l of [0, 0.004, 1, 12.5, 12.6, 480, 5_000]) h.add(l);
    const back = LatencyHistogram.decode(h.encode());
    expect(back.count).toBe(7);
    expect(back.zeros).toBe(1);
    expect([...back.buckets]).toEqual([...h.buckets]);
    expect(h.encode().length).toBeLessThan(20);
  });
});
