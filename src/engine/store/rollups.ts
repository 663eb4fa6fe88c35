import { cellFromSamples, type Cell, type Sample } from './rollup-math.ts';
import type { StoreDatabase } from './database.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/**
 * A minute (or hour) is rolled up this long after it ends, so results of probes that started
 * in it and were still running, or still queued, are in. Results that arrive later still are
 * caught: their minute and hour are marked dirty and rolled up again.
 */
export const ROLLUP_LATENESS_MS = 30_000;

/** Rows deleted per statement when pruning: many small deletes, never one huge one. */
export const PRUNE_BATCH = 2_000;

export interface Retention {
  raw: number;
  minute: number;
  hour: number;
}

export type RollupLevel = 'minute' | 'hour';
const TABLE = { minute: 'rollup_minute', hour: 'rollup_hour' } as const;
const SPAN = { minute: MINUTE, hour: HOUR } as const;
const WATERMARK = { minute: 'minute_rolled_until', hour: 'hour_rolled_until' } as const;

interface RawRow extends Sample {
  check_key: number;
  ok: number;
  latencyMs: number | null;
  errorClass: string | null;
}

/**
 * Rollups and pruning. Every rollup is computed from raw results, so percentiles are exact for
 * minutes and hours alike (raw results are kept at least 2 hours, longer than an hour takes
 * to close). A watermark per level says up to where rollups are complete.
 */
export class Rollups {
  private readonly store: StoreDatabase;
  private readonly dirty = { minute: new Set<number>(), hour: new Set<number>() };
  private readonly watermarks: Record<RollupLevel, number | null>;

  constructor(store: StoreDatabase) {
    this.store = store;
    this.watermarks = { minute: this.readWatermark('minute'), hour: this.readWatermark('hour') };
  }

  /** Rollups of `level` are complete before this time; null before the first rollup. */
  watermark(level: RollupLevel): number | null {
    return this.watermarks[level];
  }

  /** Results written behind a watermark: their minute and hour are rolled up again. */
  noteLate(startedAt: number): void {
    for (const level of ['minute', 'hour'] as const) {
      const w = this.watermarks[level];
      if (w !== null && startedAt < w) this.dirty[level].add(floorTo(startedAt, SPAN[level]));
    }
  }

  /**
   * Does at most `budget` units of work (one unit rolls up one minute; an hour costs 10), then
   * prunes one batch per table. Returns true when work is left, so the caller comes back soon
   * rather than blocking the engine for long.
   */
  maintain(now: number, retention: Retention, budget = 120): boolean {
    let spent = 0;
    for (const level of ['minute', 'hour'] as const) {
      const cost = level === 'minute' ? 1 : 10;
      for (const t of [...this.dirty[level]]) {
        if (spent >= budget) return true;
        this.store.transaction(() => this.rollUp(level, t));
        this.dirty[level].delete(t);
        spent += cost;
      }
      const closeBefore = floorTo(now - ROLLUP_LATENESS_MS, SPAN[level]);
      let w = this.watermarks[level] ?? this.firstResultAt(closeBefore);
      while (w < closeBefore) {
        if (spent >= budget) {
          this.saveWatermark(level, w);
          return true;
        }
        const next = this.store.get<{ t: number | null }>(
          'SELECT min(started_at) AS t FROM results WHERE started_at >= ? AND started_at < ?',
          w,
          closeBefore,
        )?.t;
        if (next === null || next === undefined) {
          w = closeBefore;
          break;
        }
        const t = floorTo(next, SPAN[level]);
        this.store.transaction(() => {
          this.rollUp(level, t);
          this.saveWatermark(level, t + SPAN[level]);
        });
        w = t + SPAN[level];
        spent += cost;
      }
      this.saveWatermark(level, w);
    }
    return this.prune(now, retention);
  }

  /** Deletes one batch of expired rows per table; true when a batch was full (more to delete). */
  private prune(now: number, retention: Retention): boolean {
    // Raw results are the source of rollups: never delete any that are not rolled up yet.
    const rawCut = Math.min(now - retention.raw, this.watermarks.minute ?? 0, this.watermarks.hour ?? 0);
    const raw = this.store.run(
      'DELETE FROM results WHERE rowid IN (SELECT rowid FROM results WHERE started_at < ? LIMIT ?)',
      rawCut,
      PRUNE_BATCH,
    );
    let full = raw === PRUNE_BATCH;
    for (const level of ['minute', 'hour'] as const) {
      const table = TABLE[level];
      const deleted = this.store.run(
        `DELETE FROM ${table} WHERE (check_key, t) IN (SELECT check_key, t FROM ${table} WHERE t < ? LIMIT ?)`,
        now - retention[level],
        PRUNE_BATCH,
      );
      full ||= deleted === PRUNE_BATCH;
    }
    return full;
  }

  private rollUp(level: RollupLevel, t: number): void {
    const rows = this.store.all<RawRow>(
      'SELECT check_key, ok, latency_ms AS latencyMs, error_class AS errorClass FROM results ' +
        'WHERE started_at >= ? AND started_at < ?',
      t,
      t + SPAN[level],
    );
    const byCheck = new Map<number, RawRow[]>();
    for (const row of rows) {
      const list = byCheck.get(row.check_key);
      if (list) list.push(row);
      else byCheck.set(row.check_key, [row]);
    }
    const table = TABLE[level];
    this.store.run(`DELETE FROM ${table} WHERE t = ?`, t);
    for (const [key, samples] of byCheck) {
      const cell = cellFromSamples(t, samples);
      if (cell) insertCell(this.store, table, key, cell);
    }
  }

  private firstResultAt(fallback: number): number {
    const first = this.store.get<{ t: number | null }>('SELECT min(started_at) AS t FROM results')?.t;
    return first === null || first === undefined ? fallback : floorTo(first, MINUTE);
  }

  private readWatermark(level: RollupLevel): number | null {
    const row = this.store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', WATERMARK[level]);
    return row ? Number(row.value) : null;
  }

  private saveWatermark(level: RollupLevel, value: number): void {
    if (this.watermarks[level] === value) return;
    this.store.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', WATERMARK[level], String(value));
    this.watermarks[level] = value;
  }
}

function insertCell(store: StoreDatabase, table: string, key: number, c: Cell): void {
  store.run(
    `INSERT INTO ${table} (check_key, t, count, failures, lat_count, lat_min, lat_sum, lat_max, p50, p95, p99) ` +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    key,
    c.t,
    c.count,
    c.failures,
    c.latCount,
    c.latMin,
    c.latSum,
    c.latMax,
    c.p50,
    c.p95,
    c.p99,
  );
}

export function floorTo(t: number, span: number): number {
  return Math.floor(t / span) * span;
}
