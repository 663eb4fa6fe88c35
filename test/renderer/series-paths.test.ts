import { describe, expect, it } from 'vitest';
import { linePath } from '../../src/renderer/src/chart-geometry.ts';

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
