import { cellFromSamples, IN_MAINTENANCE_SQL, type Cell, type Sample } from './rollup-math.ts';
import type { StoreDatabase } from './database.ts';
import { CHUNK_SPAN, type Chunks } from './chunks.ts';
import { keyRangeRowsSql, keysPerPiece, rowsIn, type Staging } from './staging.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/**
 * A minute (or hour) is rolled up this long after it ends, so results of probes that started
 * in it and were still running, or still queued, are in. Results that arrive later still are
 * caught: their check's minute and hour are rolled up again.
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
/**
 * What one unit of rollup work covers, and the step the watermark moves by: an hour's cells at
 * a time, and ten minutes' minute cells at a time. The minute rollup table is keyed by (key,
 * time), so each key's cells sit on pages of their own: a minute rolled up alone wrote one page
 * per key (6,000 a minute at 600 results a second), ten at once write each key's page once for
 * all ten, in key order. Queries read raw results after the watermark (at most about ten
 * minutes and a half of them), so they lose nothing meanwhile.
 */
export const BLOCK = { minute: 10 * MINUTE, hour: HOUR } as const;
const WATERMARK = { minute: 'minute_rolled_until', hour: 'hour_rolled_until' } as const;

/** A maintenance step stops starting new work after this long: the engine thread stays responsive. */
export const STEP_BUDGET_MS = 20;
/** Results read at once when rolling up; a bigger unit is done in pieces of checks. */
export const READ_LIMIT = 20_000;

interface RawRow extends Sample {
  check_key: number;
  started_at: number;
}

/** What a cell needs of a raw row. */
const RAW_COLUMNS =
  'check_key, started_at, ok, latency_ms AS latencyMs, error_class AS errorClass, ' +
  `${IN_MAINTENANCE_SQL} AS maintenance`;
/** A piece of a big unit's rows: a range of keys, by the minute index. */
const RAW_RANGE_SQL = keyRangeRowsSql(RAW_COLUMNS);

interface UnitCursor {
  /** The unit: [t, end), within one BLOCK. */
  t: number;
  end: number;
  /** The next check key to roll up. */
  nextKey: number;
  /** Checks per piece; null when the whole unit is read at once. */
  chunk: number | null;
}

interface Dirty {
  level: RollupLevel;
  t: number;
  key: number;
}

/**
 * Rollups and pruning. Every rollup is computed from raw results, so percentiles are exact for
 * minutes and hours alike (raw results are kept at least 2 hours, longer than an hour takes
 * to close). A watermark per level says up to where rollups are complete; queries read
 * rollups before it and raw results after it.
 */
export class Rollups {
  private readonly store: StoreDatabase;
  /** Raw results, sealed and open: rollups read them, and so do raw-level queries. */
  readonly chunks: Chunks;
  /** (level, unit, check) rolled up already when a late result for it was written. */
  private readonly dirty = new Map<string, Dirty>();
  private readonly watermarks: Record<RollupLevel, number | null>;
  /** The minute or hour being rolled up, piece by piece. */
  private readonly cursors: Record<RollupLevel, UnitCursor | null> = { minute: null, hour: null };

  /** The results staged before they are indexed: moved before any rollup that needs them. */
  private readonly staging: Staging;

  constructor(store: StoreDatabase, chunks: Chunks, staging: Staging) {
    this.store = store;
    this.chunks = chunks;
    this.staging = staging;
    this.watermarks = { minute: this.readWatermark('minute'), hour: this.readWatermark('hour') };
  }

  /** Rollups of `level` are complete before this time; null before the first rollup. */
  watermark(level: RollupLevel): number | null {
    return this.watermarks[level];
  }

  /** A result written behind a watermark: its check's minute and hour are rolled up again. */
  noteLate(key: number, startedAt: number): void {
    for (const level of ['minute', 'hour'] as const) {
      const w = this.watermarks[level];
      if (w === null || startedAt >= w) continue;
      const t = floorTo(startedAt, SPAN[level]);
      this.dirty.set(`${level}:${t}:${key}`, { level, t, key });
    }
  }

  /**
   * Rolls up what is due for about `budgetMs` (always at least one piece), in one transaction,
   * then prunes one batch per table. Returns true when work is left, so the caller comes back
   * soon rather than blocking the engine for long. Throws when the database fails (the caller
   * logs it); nothing of a failed step is kept.
   */
  maintain(now: number, retention: Retention, budgetMs = STEP_BUDGET_MS): boolean {
    // Everything below works before the minute about to close (late rows' units, sealed hours
    // and pruned rows are older still) and reads result_rows alone (no scan of the staged table
    // per key): staged rows that started before it move first, about once a minute
    // (staging.ts), a piece per step. Until they have, nothing else is done.
    const close = floorTo(now - ROLLUP_LATENESS_MS, MINUTE);
    if (this.staging.due(close) && (!this.staging.move() || this.staging.due(close))) return true;
    const deadline = performance.now() + budgetMs;
    const done: string[] = [];
    let more: boolean;
    try {
      // One transaction for the whole step: a commit per minute would cost more than the minute.
      more = this.store.transaction(() => this.rollUpDue(now, deadline, done));
    } catch (error) {
      this.watermarks.minute = this.readWatermark('minute');
      this.watermarks.hour = this.readWatermark('hour');
      this.cursors.minute = null;
      this.cursors.hour = null;
      throw error;
    }
    for (const id of done) this.dirty.delete(id);
    // Hours rolled up at both levels are sealed into chunks (rollups of the open part read rows only).
    const sealed = this.sealCut();
    if (sealed !== null && this.chunks.seal(sealed, deadline)) more = true;
    return this.prune(now, retention) || more;
  }

  /** Hours before this are rolled up at both levels and may be sealed; null before the first rollups. */
  private sealCut(): number | null {
    const { minute, hour } = this.watermarks;
    if (minute === null || hour === null) return null;
    return floorTo(Math.min(minute, hour), CHUNK_SPAN);
  }

  private rollUpDue(now: number, deadline: number, done: string[]): boolean {
    let worked = false;
    // Always make progress, however slow the machine: the budget only stops the next piece.
    const outOfTime = () => worked && performance.now() >= deadline;
    for (const [id, d] of this.dirty) {
      if (outOfTime()) return true;
      this.rollUpCheck(d.level, d.t, d.key);
      done.push(id);
      worked = true;
    }
    for (const level of ['minute', 'hour'] as const) {
      const block = BLOCK[level];
      const close = floorTo(now - ROLLUP_LATENESS_MS, block);
      let w = this.watermarks[level] ?? floorTo(this.firstResultAt(close), SPAN[level]);
      while (w < close) {
        if (outOfTime()) {
          this.saveWatermark(level, w);
          return true;
        }
        let cursor = this.cursors[level];
        if (!cursor || cursor.t < w) {
          const next = this.nextResultAt(w, close);
          if (next === null) {
            w = close;
            break;
          }
          // A watermark inside a block (one from before blocks) starts the unit there.
          const start = floorTo(next, block);
          cursor = this.startUnit(level, Math.max(w, start), start + block);
        }
        worked = true;
        if (cursor.chunk === null || this.rollUpChunk(level, cursor)) {
          if (cursor.chunk === null) this.rollUpUnit(level, cursor.t, cursor.end);
          w = cursor.end;
          this.cursors[level] = null;
        }
      }
      this.saveWatermark(level, w);
    }
    return false;
  }

  /**
   * Begins rolling up one unit, [t, end): ten minutes' minute cells or an hour's cell. A unit
   * with few enough results is read at once; a bigger one (an hour of 1,000 checks at 10 s is
   * 360,000 results) is done a piece of checks at a time, each piece about READ_LIMIT results,
   * so no step blocks the engine for long.
   */
  private startUnit(level: RollupLevel, t: number, end: number): UnitCursor {
    const rows = rowsIn(this.store, t, end);
    let chunk: number | null = null;
    if (rows > READ_LIMIT) {
      chunk = keysPerPiece(this.store, rows, READ_LIMIT);
      this.store.run(`DELETE FROM ${TABLE[level]} WHERE t >= ? AND t < ?`, t, end);
    }
    const cursor = { t, end, nextKey: 0, chunk };
    this.cursors[level] = cursor;
    return cursor;
  }

  /**
   * Rolls up the next piece of checks of a big unit, a range of `chunk` keys read in one
   * statement by the minute index (the unit's rows of those keys sit together in it, and only
   * the columns a cell needs are read); true when the unit is complete. The unit is open (not
   * sealed: sealing waits for both levels' watermarks), so its rows are all in result_rows;
   * startUnit cleared its cells.
   */
  private rollUpChunk(level: RollupLevel, cursor: UnitCursor): boolean {
    const to = cursor.nextKey + cursor.chunk!;
    const rows = this.store.all<RawRow>(RAW_RANGE_SQL, cursor.t, cursor.end, cursor.nextKey, to);
    this.insertCells(level, rows);
    const last = this.store.get<{ k: number | null }>('SELECT max(key) AS k FROM checks')?.k ?? 0;
    if (to > last) return true;
    cursor.nextKey = to;
    return false;
  }

  /**
   * The cells of `rows` (of one unit, any keys): one per key and minute or hour, inserted key
   * by key in time order (each key's page of the table written once for the unit's cells).
   */
  private insertCells(level: RollupLevel, rows: readonly RawRow[]): void {
    const byKey = new Map<number, Map<number, RawRow[]>>();
    for (const row of rows) {
      const t = floorTo(row.started_at, SPAN[level]);
      let cells = byKey.get(row.check_key);
      if (!cells) byKey.set(row.check_key, (cells = new Map()));
      const list = cells.get(t);
      if (list) list.push(row);
      else cells.set(t, [row]);
    }
    const ascending = (a: number, b: number) => a - b;
    for (const key of [...byKey.keys()].sort(ascending)) {
      const cells = byKey.get(key)!;
      for (const t of [...cells.keys()].sort(ascending)) {
        const cell = cellFromSamples(t, cells.get(t)!);
        if (cell) insertCell(this.store, TABLE[level], key, cell);
      }
    }
  }

  /** Deletes one batch of expired rows per table; true when a batch was full (more to delete). */
  private prune(now: number, retention: Retention): boolean {
    // Raw results are the source of rollups: never delete any that are not rolled up yet.
    const rawCut = Math.min(now - retention.raw, this.watermarks.minute ?? 0, this.watermarks.hour ?? 0);
    const raw = this.store.run(
      'DELETE FROM result_rows WHERE rowid IN (SELECT rowid FROM result_rows WHERE started_at < ? LIMIT ?)',
      rawCut,
      PRUNE_BATCH,
    );
    let full = raw === PRUNE_BATCH || this.chunks.prune(rawCut, PRUNE_BATCH) === PRUNE_BATCH;
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

  /** A whole unit of every check, in one read (at most READ_LIMIT results). */
  private rollUpUnit(level: RollupLevel, t: number, end: number): void {
    const rows = this.store.all<RawRow>(
      `SELECT ${RAW_COLUMNS} FROM result_rows WHERE started_at >= ? AND started_at < ?`,
      t,
      end,
    );
    this.store.run(`DELETE FROM ${TABLE[level]} WHERE t >= ? AND t < ?`, t, end);
    this.insertCells(level, rows);
  }

  /** One check's minute or hour, sealed or open (a late result may be for a sealed hour). */
  private rollUpCheck(level: RollupLevel, t: number, key: number): void {
    const samples: Sample[] = this.chunks.read(key, t, t + SPAN[level], '', undefined, 'result_rows');
    const table = TABLE[level];
    this.store.run(`DELETE FROM ${table} WHERE check_key = ? AND t = ?`, key, t);
    const cell = cellFromSamples(t, samples);
    if (cell) insertCell(this.store, table, key, cell);
  }

  private nextResultAt(from: number, before: number): number | null {
    const t = this.store.get<{ t: number | null }>(
      'SELECT min(started_at) AS t FROM result_rows WHERE started_at >= ? AND started_at < ?',
      from,
      before,
    )?.t;
    return t === null || t === undefined ? null : t;
  }

  private firstResultAt(fallback: number): number {
    const first = this.store.get<{ t: number | null }>('SELECT min(started_at) AS t FROM result_rows')?.t;
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
    `INSERT INTO ${table} (check_key, t, count, failures, lat_count, lat_min, lat_sum, lat_max, p50, p95, p99, sketch) ` +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
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
    c.hist && c.hist.count > 0 ? c.hist.encode() : null,
  );
}

export function floorTo(t: number, span: number): number {
  return Math.floor(t / span) * span;
}
