import { isObserverFault, type SeriesPoint } from '../../shared/model.ts';
import { LatencyHistogram } from './latency-histogram.ts';

/**
 * One stretch of time's figures for one check: a rollup row, or raw results summarised.
 * Latency figures cover successful results only (a timeout's "latency" is the timeout, not the
 * service), and `probe_error` results count nowhere: they say nothing about the target.
 */
export interface Cell {
  t: number;
  count: number;
  failures: number;
  latCount: number;
  latMin: number | null;
  latSum: number | null;
  latMax: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** The latencies' histogram, to merge percentiles; null in rollups made before it existed. */
  hist: LatencyHistogram | null;
}

export interface Sample {
  ok: boolean | number;
  latencyMs: number | null;
  errorClass: string | null;
  /** Probed inside a maintenance window: kept, never charged (true, or 1 from SQL). */
  maintenance?: boolean | number | null;
}

/**
 * In SQL over `results`: 1 when the row was probed in a maintenance window (`maintenance: true`
 * in its details), else 0. The LIKE spares the JSON parse for every other row.
 */
export const IN_MAINTENANCE_SQL =
  "coalesce(details LIKE '%\"maintenance\":true%' AND json_extract(details, '$.maintenance') = 1, 0)";

/** A rollup row's columns, in this order: read as arrays, the cheapest way to read many. */
export const CELL_COLUMNS = 't, count, failures, lat_count, lat_min, lat_sum, lat_max, p50, p95, p99, sketch';
export type CellRow = [
  t: number,
  count: number,
  failures: number,
  latCount: number,
  latMin: number | null,
  latSum: number | null,
  latMax: number | null,
  p50: number | null,
  p95: number | null,
  p99: number | null,
  sketch: Uint8Array | null,
];

export function rowToCell(r: CellRow): Cell {
  const [t, count, failures, latCount, latMin, latSum, latMax, p50, p95, p99, sketch] = r;
  return { t, count, failures, latCount, latMin, latSum, latMax, p50, p95, p99, hist: histogramOf(sketch, latCount) };
}

/** A rollup's histogram; an empty one where it has no latencies, null where it predates them (or is damaged). */
function histogramOf(sketch: Uint8Array | null, latCount: number): LatencyHistogram | null {
  if (sketch === null) return latCount === 0 ? new LatencyHistogram() : null;
  try {
    return LatencyHistogram.decode(sketch);
  } catch {
    return null;
  }
}

/** Nearest-rank percentile: always a latency that was really measured. `sorted` is ascending. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Exact figures from raw results; null when none of them says anything about the target. */
export function cellFromSamples(t: number, samples: Iterable<Sample>): Cell | null {
  let count = 0;
  let failures = 0;
  const latencies: number[] = [];
  for (const s of samples) {
    if (isObserverFault(s.errorClass) || s.maintenance) continue;
    count++;
    if (!s.ok) failures++;
    else if (s.latencyMs !== null) latencies.push(s.latencyMs);
  }
  if (count === 0) return null;
  latencies.sort((a, b) => a - b);
  let sum = 0;
  const hist = new LatencyHistogram();
  for (const l of latencies) {
    sum += l;
    hist.add(l);
  }
  const has = latencies.length > 0;
  return {
    t,
    count,
    failures,
    latCount: latencies.length,
    latMin: has ? latencies[0]! : null,
    latSum: has ? sum : null,
    latMax: has ? latencies[latencies.length - 1]! : null,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    hist,
  };
}

/**
 * Merges cells into one. Counts, failures, min, max and the average are exact. Percentiles
 * come from the merged histograms: those of all the results together, within the histogram's
 * relative error (latency-histogram.ts). Where a part has no histogram (a rollup made before
 * they existed) the merge stays on the side of not hiding a problem: p95 and p99 are the
 * largest of the parts' (an upper bound), p50 the parts' p50s weighted by their latencies.
 * A single cell passes through unchanged, so a bucket that is one rollup stays exact.
 */
export function mergeCells(t: number, cells: readonly Cell[]): Cell {
  if (cells.length === 1) return { ...cells[0]!, t };
  const merged: Cell = {
    t,
    count: 0,
    failures: 0,
    latCount: 0,
    latMin: null,
    latSum: null,
    latMax: null,
    p50: null,
    p95: null,
    p99: null,
    hist: new LatencyHistogram(),
  };
  let p50Weighted = 0;
  for (const c of cells) {
    merged.count += c.count;
    merged.failures += c.failures;
    if (c.latCount === 0) continue;
    merged.latCount += c.latCount;
    merged.latMin = merged.latMin === null ? c.latMin : Math.min(merged.latMin, c.latMin!);
    merged.latMax = merged.latMax === null ? c.latMax : Math.max(merged.latMax, c.latMax!);
    merged.latSum = (merged.latSum ?? 0) + c.latSum!;
    merged.p95 = merged.p95 === null ? c.p95 : Math.max(merged.p95, c.p95!);
    merged.p99 = merged.p99 === null ? c.p99 : Math.max(merged.p99, c.p99!);
    p50Weighted += c.p50! * c.latCount;
    if (c.hist && merged.hist) merged.hist.merge(c.hist);
    else merged.hist = null;
  }
  if (merged.latCount === 0) return merged;
  if (merged.hist) {
    const [p50, p95, p99] = merged.hist.percentiles([0.5, 0.95, 0.99], merged.latMin!, merged.latMax!);
    merged.p50 = p50 ?? null;
    merged.p95 = p95 ?? null;
    merged.p99 = p99 ?? null;
  } else merged.p50 = p50Weighted / merged.latCount;
  return merged;
}

/**
 * Merges one bucket of a check as seen from several vantages, one cell per vantage: as
 * mergeCells, with histograms the percentiles of all their results together. Without them
 * each percentile is the largest of the vantages' (the slowest vantage's): an upper bound.
 */
export function mergeVantages(t: number, cells: readonly Cell[]): Cell {
  const merged = mergeCells(t, cells);
  if (cells.length > 1 && merged.latCount > 0 && merged.hist === null) {
    merged.p50 = null;
    for (const c of cells) if (c.latCount > 0) merged.p50 = Math.max(merged.p50 ?? c.p50!, c.p50!);
  }
  return merged;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);

export function toPoint(cell: Cell): SeriesPoint {
  return {
    t: cell.t,
    count: cell.count,
    failures: cell.failures,
    availability: cell.count === 0 ? 0 : (cell.count - cell.failures) / cell.count,
    min: round(cell.latMin),
    avg: cell.latCount === 0 ? null : round(cell.latSum! / cell.latCount),
    max: round(cell.latMax),
    p50: round(cell.p50),
    p95: round(cell.p95),
    p99: round(cell.p99),
  };
}
