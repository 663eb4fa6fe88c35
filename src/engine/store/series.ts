import type { SeriesPoint, SeriesRange } from '../../shared/model.ts';
import type { StoreDatabase } from './database.ts';
import {
  CELL_COLUMNS,
  cellFromSamples,
  IN_MAINTENANCE_SQL,
  mergeCells,
  mergeVantages,
  rowToCell,
  toPoint,
  type Cell,
  type CellRow,
  type Sample,
} from './rollup-math.ts';
import { ANY_TIME, TIME_RANGE, keyRowsSql, type Staging } from './staging.ts';
import { HOUR, MINUTE, floorTo, type RollupLevel, type Rollups } from './rollups.ts';

export const RANGE_MS: Record<SeriesRange, number> = {
  '1h': HOUR,
  '6h': 6 * HOUR,
  '24h': 24 * HOUR,
  '7d': 7 * 24 * HOUR,
  '30d': 30 * 24 * HOUR,
};

type Level = 'raw' | RollupLevel;

/** The finest data worth reading for a range: raw up to 6 h (≤ 2,160 rows at 10 s), then rollups. */
const LEVEL: Record<SeriesRange, Level> = { '1h': 'raw', '6h': 'raw', '24h': 'minute', '7d': 'minute', '30d': 'hour' };
const GRAIN: Record<Level, number> = { raw: 1000, minute: MINUTE, hour: HOUR };

/**
 * Availability needs no resolution, only counts, so it reads the coarsest rollups that keep the
 * range honest: whole units are counted, so the range starts up to one unit early (at most
 * 1/60 of 1 h, 1/360 of 6 h, 1/1440 of 24 h, 1/168 of 7 d, 1/720 of 30 d).
 */
const AVAILABILITY_LEVEL: Record<SeriesRange, Level> = {
  '1h': 'minute',
  '6h': 'minute',
  '24h': 'minute',
  '7d': 'hour',
  '30d': 'hour',
};

interface Segment {
  level: Level;
  from: number;
  to: number;
}

/**
 * Where to read [from, now] at `level`: rollups up to their watermark, then the next finer
 * level, ending with raw results for the minutes not rolled up yet (so the newest point is
 * never missing).
 */
function segments(level: Level, from: number, now: number, rollups: Rollups): Segment[] {
  const out: Segment[] = [];
  let at = from;
  const order: RollupLevel[] = level === 'hour' ? ['hour', 'minute'] : level === 'minute' ? ['minute'] : [];
  for (const l of order) {
    const w = rollups.watermark(l);
    if (w !== null && w > at) {
      out.push({ level: l, from: at, to: w });
      at = w;
    }
  }
  out.push({ level: 'raw', from: at, to: now + 1 });
  return out;
}

/**
 * Cells of one check in `bucket`-wide buckets over [from, now]. Raw results are summarised per
 * bucket (exact); rollup rows are cells already and are merged by the caller.
 */
function collect(
  store: StoreDatabase,
  rollups: Rollups,
  key: number,
  level: Level,
  from: number,
  now: number,
  bucket: number,
): Map<number, Cell[]> {
  const groups = new Map<number, Cell[]>();
  const add = (cell: Cell) => {
    const t = floorTo(cell.t, bucket);
    const list = groups.get(t);
    if (list) list.push(cell);
    else groups.set(t, [cell]);
  };
  for (const seg of segments(level, from, now, rollups)) {
    if (seg.level === 'raw') {
      const byBucket = new Map<number, Sample[]>();
      for (const row of rollups.chunks.read(key, seg.from, seg.to)) {
        const t = floorTo(row.startedAt, bucket);
        const list = byBucket.get(t);
        if (list) list.push(row);
        else byBucket.set(t, [row]);
      }
      for (const [t, samples] of byBucket) {
        const cell = cellFromSamples(t, samples);
        if (cell) add(cell);
      }
    } else {
      const table = seg.level === 'minute' ? 'rollup_minute' : 'rollup_hour';
      const rows = store.arrays(
        `SELECT ${CELL_COLUMNS} FROM ${table} WHERE check_key = ? AND t >= ? AND t < ? ORDER BY t`,
        key,
        seg.from,
        seg.to,
      );
      for (const row of rows) add(rowToCell(row as CellRow));
    }
  }
  return groups;
}

/** The keys to read: one vantage's ('' = this machine), or every vantage's when it is undefined. */
function keysFor(store: StoreDatabase, checkId: string, vantage: string | undefined): number[] {
  if (vantage === undefined) return store.keysOf(checkId).map((k) => k.key);
  const key = store.keyOf(checkId, vantage);
  return key === undefined ? [] : [key];
}

/**
 * A check's series over `range`, in at most `points` buckets aligned to multiples of the
 * bucket width (so a chart polled again keeps its grid). Buckets without data are left out:
 * a gap in `t` is a gap in the data, never a made-up zero. With `vantage` undefined, every
 * vantage of the check together (see mergeVantages).
 */
export function querySeries(
  store: StoreDatabase,
  rollups: Rollups,
  checkId: string,
  range: SeriesRange,
  points: number,
  now: number,
  vantage?: string,
): SeriesPoint[] {
  const keys = keysFor(store, checkId, vantage);
  if (keys.length === 0) return [];
  const rangeMs = RANGE_MS[range];
  const level = LEVEL[range];
  const grain = GRAIN[level];
  const bucket = Math.max(grain, Math.ceil(rangeMs / points / grain) * grain);
  const from = floorTo(now - rangeMs, bucket);
  let cells: [number, Cell][];
  if (keys.length === 1) {
    const groups = collect(store, rollups, keys[0]!, level, from, now, bucket);
    cells = [...groups].map(([t, list]) => [t, mergeCells(t, list)]);
  } else {
    // One cell per vantage and bucket, then the vantages of each bucket together.
    const byBucket = new Map<number, Cell[]>();
    for (const key of keys) {
      for (const [t, list] of collect(store, rollups, key, level, from, now, bucket)) {
        const cell = mergeCells(t, list);
        const bucketCells = byBucket.get(t);
        if (bucketCells) bucketCells.push(cell);
        else byBucket.set(t, [cell]);
      }
    }
    cells = [...byBucket].map(([t, list]) => [t, mergeVantages(t, list)]);
  }
  const series = cells.sort(([a], [b]) => a - b).map(([, cell]) => toPoint(cell));
  // Aligning the first bucket down can add one bucket: the oldest goes, never the newest.
  return series.length > points ? series.slice(series.length - points) : series;
}

/**
 * Availability (0..1) over [now - range, now]; null when nothing was measured. With `vantage`
 * undefined, of every result of the check, whichever vantage measured it.
 */
export function queryAvailability(
  store: StoreDatabase,
  rollups: Rollups,
  checkId: string,
  range: SeriesRange,
  now: number,
  vantage?: string,
): number | null {
  const level = AVAILABILITY_LEVEL[range];
  const from = floorTo(now - RANGE_MS[range], GRAIN[level]);
  let count = 0;
  let failures = 0;
  for (const key of keysFor(store, checkId, vantage)) {
    for (const cells of collect(store, rollups, key, level, from, now, RANGE_MS[range] * 2).values()) {
      for (const c of cells) {
        count += c.count;
        failures += c.failures;
      }
    }
  }
  return count === 0 ? null : (count - failures) / count;
}

/**
 * Availability of every check with data over [now - range, now], all its vantages together, in
 * one pass per segment.
 */
export function queryAvailabilityAll(
  store: StoreDatabase,
  rollups: Rollups,
  range: SeriesRange,
  now: number,
): Map<string, number> {
  const totals = new Map<number, { count: number; failures: number }>();
  const add = (key: number, count: number, failures: number) => {
    const t = totals.get(key);
    if (t) {
      t.count += count;
      t.failures += failures;
    } else totals.set(key, { count, failures });
  };
  const level = AVAILABILITY_LEVEL[range];
  for (const seg of segments(level, floorTo(now - RANGE_MS[range], GRAIN[level]), now, rollups)) {
    const rows =
      seg.level === 'raw'
        ? store.all<{ key: number; count: number; failures: number }>(
            `SELECT check_key AS key, count(*) AS count, sum(ok = 0) AS failures FROM results WHERE ${TIME_RANGE} AND (error_class IS NULL OR error_class NOT IN ('probe_error', 'config_error')) AND NOT ${IN_MAINTENANCE_SQL} GROUP BY check_key`,
            seg.from,
            seg.to,
          )
        : store.all<{ key: number; count: number; failures: number }>(
            `SELECT check_key AS key, sum(count) AS count, sum(failures) AS failures FROM ${seg.level === 'minute' ? 'rollup_minute' : 'rollup_hour'} WHERE t >= ? AND t < ? GROUP BY check_key`,
            seg.from,
            seg.to,
          );
    for (const r of rows) add(r.key, r.count, r.failures);
  }
  const ids = new Map(store.all<{ key: number; id: string }>('SELECT key, id FROM checks').map((r) => [r.key, r.id]));
  const byCheck = new Map<string, { count: number; failures: number }>();
  for (const [key, t] of totals) {
    const id = ids.get(key);
    if (id === undefined) continue;
    const sum = byCheck.get(id);
    if (sum) {
      sum.count += t.count;
      sum.failures += t.failures;
    } else byCheck.set(id, { ...t });
  }
  const out = new Map<string, number>();
  for (const [id, t] of byCheck) if (t.count > 0) out.set(id, (t.count - t.failures) / t.count);
  return out;
}

/**
 * When a check's kept history starts (its oldest raw result or rollup), or null without any:
 * an availability measured over 8 s must say so, not read as 24 hours at 100%.
 */
export function queryFirstAt(store: StoreDatabase, staging: Staging, checkId: string, vantage?: string): number | null {
  let first: number | null = null;
  for (const key of keysFor(store, checkId, vantage)) {
    for (const t of [
      store.get<{ t: number }>(
        keyRowsSql('started_at AS t', 'results', 'ORDER BY t LIMIT 1'),
        ...ANY_TIME,
        key,
        staging.rowidsOf(key),
      )?.t,
      store.get<{ t: number | null }>('SELECT MIN(t) AS t FROM rollup_minute WHERE check_key = ?', key)?.t,
      store.get<{ t: number | null }>('SELECT MIN(t) AS t FROM rollup_hour WHERE check_key = ?', key)?.t,
    ]) {
      if (t !== null && t !== undefined && (first === null || t < first)) first = t;
    }
  }
  return first;
}
