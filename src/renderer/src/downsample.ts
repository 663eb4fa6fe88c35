import type { SeriesPoint } from '../../shared/model.ts';

/**
 * Guards the chart against more points than it has pixels for: the engine already downsamples
 * to the `points` asked for, but a series from elsewhere (or an engine that ignores the hint)
 * must not reach recharts whole. Buckets keep the worst of each percentile (max), so a spike
 * survives downsampling; p50 and averages are count-weighted means.
 */
export function downsampleSeries(points: SeriesPoint[], max: number): SeriesPoint[] {
  if (max < 1 || points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    const end = Math.min(points.length, i + size);
    let count = 0;
    let failures = 0;
    let availWeighted = 0;
    let min: number | null = null;
    let max_: number | null = null;
    let p95: number | null = null;
    let p99: number | null = null;
    let p50Sum = 0;
    let avgSum = 0;
    let weight = 0;
    for (let j = i; j < end; j++) {
      const p = points[j]!;
      count += p.count;
      failures += p.failures;
      availWeighted += p.availability * Math.max(p.count, 1);
      if (p.min !== null && (min === null || p.min < min)) min = p.min;
      if (p.max !== null && (max_ === null || p.max > max_)) max_ = p.max;
      if (p.p95 !== null && (p95 === null || p.p95 > p95)) p95 = p.p95;
      if (p.p99 !== null && (p99 === null || p.p99 > p99)) p99 = p.p99;
      if (p.p50 !== null) {
        const w = Math.max(p.count, 1);
        p50Sum += p.p50 * w;
        avgSum += (p.avg ?? p.p50) * w;
        weight += w;
      }
    }
    let availWeight = 0;
    for (let j = i; j < end; j++) availWeight += Math.max(points[j]!.count, 1);
    out.push({
      t: points[i]!.t,
      count,
      failures,
      availability: availWeight > 0 ? availWeighted / availWeight : 1,
      min,
      max: max_,
      p50: weight > 0 ? p50Sum / weight : null,
      avg: weight > 0 ? avgSum / weight : null,
      p95,
      p99,
    });
  }
  return out;
}

/** Points to ask the engine for: about one per two pixels of chart width. */
export function pointsForWidth(widthPx: number): number {
  return Math.max(30, Math.min(2000, Math.round(widthPx / 2)));
}
