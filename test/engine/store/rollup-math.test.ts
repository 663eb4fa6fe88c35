import { describe, expect, it } from 'vitest';
import { cellFromSamples, mergeCells, percentile } from '../../../src/engine/store/rollup-math.ts';

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

  it('merges cells: exact sums, min, max and weighted average; p95 and p99 the largest part', () => {
    const a = cellFromSamples(
      0,
      [10, 10, 10].map((l) => ({ ok: true, latencyMs: l, errorClass: null })),
    )!;
    const b = cellFromSamples(60_000, [{ ok: true, latencyMs: 100, errorClass: null }])!;
    const merged = mergeCells(0, [a, b]);
    expect(merged).toMatchObject({ count: 4, latCount: 4, latMin: 10, latMax: 100, latSum: 130, p95: 100, p99: 100 });
    expect(merged.p50).toBe((10 * 3 + 100) / 4);
  });
});
