import { describe, expect, it } from 'vitest';
import { linePath, nearestRow, stepRows } from '../../src/renderer/src/chart-geometry.ts';

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
