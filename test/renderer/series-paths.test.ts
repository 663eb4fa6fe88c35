import { describe, expect, it } from 'vitest';
import { linearMap, linePath, nearestRow, stepRows, tenths } from '../../src/renderer/src/chart-geometry.ts';

const x = (t: number) => t / 10;
const y = (v: number) => 100 - v;

describe('linePath', () => {
  it('draws one path through the values, to a tenth of a pixel', () => {
    const rows = [
      { t: 0, p95: 10 },
      { t: 10, p95: 20.04 },
      { t: 20, p95: 30 },
    ];
    expect(linePath(rows, 'p95', x, y)).toBe('M0,90L1,80L2,70');
  });

  it('leaves a gap where a bucket has no value, so downtime is not drawn as a line', () => {
    const rows = [
      { t: 0, p95: 10 },
      { t: 10, p95: null },
      { t: 20, p95: 30 },
      { t: 30, p95: 40 },
    ];
    expect(linePath(rows, 'p95', x, y)).toBe('M0,90M2,70L3,60');
  });

  it('skips points the scale cannot place, and draws nothing for a series without values', () => {
    const rows = [
      { t: 0, p95: 10 },
      { t: 10, p95: 20 },
    ];
    expect(linePath(rows, 'p95', (t: number) => (t === 0 ? undefined : t), y)).toBe('M10,80');
    expect(linePath(rows, 'p50', x, y)).toBe('');
  });
});

describe('stepRows', () => {
  it('keeps the first and last rows and each row where the value changes: a step line through them is the same shape', () => {
    const rows = [0, 0, 0.5, 0.5, 0.5, 0, null, null, 0].map((down, i) => ({ t: i, down }));
    expect(stepRows(rows, 'down').map((r) => r.t)).toEqual([0, 2, 5, 6, 8]);
  });

  it('keeps one or two rows as they are', () => {
    expect(stepRows([{ t: 1, down: 0 }], 'down')).toEqual([{ t: 1, down: 0 }]);
    expect(stepRows([], 'down')).toEqual([]);
  });
});

describe('nearestRow', () => {
  const rows = [0, 10, 20, 30].map((t) => ({ t }));
  it('finds the row nearest in time, the earlier on a tie, and clamps at both ends', () => {
    expect(nearestRow(rows, 14)).toBe(1);
    expect(nearestRow(rows, 16)).toBe(2);
    expect(nearestRow(rows, 15)).toBe(1);
    expect(nearestRow(rows, -100)).toBe(0);
    expect(nearestRow(rows, 1000)).toBe(3);
    expect(nearestRow([], 5)).toBe(-1);
  });
});

describe('linearMap', () => {
  it('maps a time domain across a plot area and a latency domain up it, as linear scales do', () => {
    const x = linearMap([1_700_000_000_000, 1_700_086_400_000], [60, 1860]);
    expect(x(1_700_000_000_000)).toBe(60);
    expect(x(1_700_086_400_000)).toBeCloseTo(1860, 9);
    expect(x(1_700_043_200_000)).toBeCloseTo(960, 9);
    const y = linearMap([0, 600], [500, 20]);
    expect(y(0)).toBe(500);
    expect(y(600)).toBeCloseTo(20, 9);
    expect(y(150)).toBeCloseTo(380, 9);
  });

  it('puts everything at the start of the range when the domain is a single value', () => {
    expect(linearMap([5, 5], [10, 90])(5)).toBe(10);
  });
});

describe('tenths', () => {
  it('writes a number to a tenth exactly as String(Math.round(v * 10) / 10) does', () => {
    const values = [0, -0, 0.04, -0.04, -0.05, 0.05, -0.15, 0.96, -1.26, 3.96, 123.45, -123.45, 1919.99, -2000.06];
    for (let v = -30; v <= 30; v += 0.037) values.push(v);
    for (const v of values) expect(tenths(v)).toBe(String(Math.round(v * 10) / 10));
  });
});
