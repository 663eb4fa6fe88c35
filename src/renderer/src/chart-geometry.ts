/**
 * The latency charts' geometry, as pure functions: round ticks on both axes and each line's
 * SVG path (components/LatencyChart.tsx and SeriesPaths.tsx draw them).
 */

/** A chart row: its time and a value (or a gap) per series. */
export type ChartRowLike = { t: number } & Record<string, number | null | undefined>;

export type Scale = (value: number) => number | undefined;

/**
 * One series as an SVG path: a move to the first value after a gap, a line to each value
 * after it, so a check that was down leaves a gap rather than a line across its downtime.
 * Coordinates to a tenth of a pixel: finer is invisible and only lengthens the path.
 */
export function linePath(rows: readonly ChartRowLike[], key: string, x: Scale, y: Scale): string {
  let d = '';
  let drawing = false;
  for (const row of rows) {
    const value = row[key];
    const px = value === null || value === undefined ? undefined : x(row.t);
    const py = px === undefined ? undefined : y(value!);
    if (px === undefined || py === undefined || !Number.isFinite(px) || !Number.isFinite(py)) {
      drawing = false;
      continue;
    }
    d += (drawing ? 'L' : 'M') + tenths(px) + ',' + tenths(py);
    drawing = true;
  }
  return d;
}

/**
 * The linear map of `domain` onto `range` (a chart's time or latency onto its plot area's
 * pixels), as recharts' own linear and time scales place the axes' ticks. The board draws its
 * lines, grid and cursor with it rather than with recharts' scales: d3's time scale makes a Date
 * per call, and recharts hands out a new scale in each of its passes after a commit (the first
 * of them still the previous domain's), which redrew every line each time.
 */
export function linearMap([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const factor = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + factor * (value - d0);
}

/**
 * A number to a tenth, as `String(Math.round(v * 10) / 10)` writes it, from whole numbers only:
 * about twice as fast as formatting the fraction (ten lines of a thousand points each).
 */
export function tenths(value: number): string {
  const n = Math.round(value * 10);
  const whole = Math.trunc(n / 10);
  const tenth = Math.abs(n - whole * 10);
  if (tenth === 0) return String(whole);
  return (n < 0 && whole === 0 ? '-0' : String(whole)) + '.' + String(tenth);
}

const NICE_STEPS = [1, 2, 2.5, 5, 10];

/**
 * Round y-axis ticks from 0 to at least `max`, about `count` steps of 1, 2, 2.5 or 5 times a
 * power of ten: the axis's top is a number a reader can use ("200 ms", not "183 ms").
 */
export function latencyTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = NICE_STEPS.find((n) => n * power >= rough)! * power;
  const steps = Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6);
  return ticks;
}

/** The highest value of `series` in `rows` (0 without any). */
export function seriesMax(rows: readonly ChartRowLike[], series: readonly { key: string }[]): number {
  let max = 0;
  for (const row of rows) for (const { key } of series) max = Math.max(max, row[key] ?? 0);
  return max;
}

/**
 * Whether a chart draws its degraded threshold: when it is within the axis, that is within the
 * shared axis or at most three times the chart's own data. Further up it would flatten every line
 * to the floor. With no latency at all (every probe failed) the threshold alone sets the axis.
 */
export function thresholdDrawn(thresholdMs: number | null, dataMax: number, sharedMax: number | null): boolean {
  if (thresholdMs === null) return false;
  return dataMax === 0 || thresholdMs <= Math.max(sharedMax ?? 0, dataMax * 3);
}

/**
 * The value a chart's y-axis must reach: its data, its drawn threshold and the shared axis's top.
 * Each chart reports its own reach (`sharedMax` null) and the shared axis is the largest of them;
 * so every chart's threshold drawn on a shared axis is already inside it, and every chart ends its
 * axis at the same tick.
 */
export function axisReach(dataMax: number, thresholdMs: number | null, sharedMax: number | null): number {
  const threshold = thresholdDrawn(thresholdMs, dataMax, sharedMax) ? thresholdMs! : 0;
  return Math.max(sharedMax ?? 0, dataMax, threshold);
}

const TICK_STEPS = [
  60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
  172_800_000, 345_600_000, 604_800_000,
];

/** Round-time ticks across the whole range (recharts would otherwise tick only where data is). */
export function timeTicks([from, to]: [number, number], max = 7): number[] {
  const step = TICK_STEPS.find((s) => (to - from) / s <= max) ?? TICK_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * The rows at which `key` changes (and the first and last): a step line through them draws the
 * same shape as through every row. Recharts gets only these (the downtime area), not every row.
 */
export function stepRows<R extends ChartRowLike>(rows: readonly R[], key: string): R[] {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (i === 0 || i === rows.length - 1 || rows[i]![key] !== rows[i - 1]![key]) out.push(rows[i]!);
  }
  return out;
}

/** The index of the row nearest to time `t` in rows sorted by time (-1 when there are none). */
export function nearestRow(rows: readonly { t: number }[], t: number): number {
  if (rows.length === 0) return -1;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - rows[lo - 1]!.t <= rows[lo]!.t - t ? lo - 1 : lo;
}
