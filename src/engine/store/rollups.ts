import {
  CELL_COLUMNS,
  cellFromSamples,
  IN_MAINTENANCE_SQL,
  mergeCells,
  rowToCell,
  type Cell,
  type CellRow,
  type Sample,
} from './rollup-math.ts';
import type { StoreDatabase } from './database.ts';
import { CHUNK_SPAN, type Chunks } from './chunks.ts';
import { ANY_TIME, TIME_RANGE, firstRowAt, keyRangeRowsSql, keysPerPiece, rowsIn, type Staging } from './staging.ts';

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
/**
 * What one unit of minute rollup work covers, and the step the minute watermark moves by: ten
 * minutes' cells at a time. The minute rollup table is keyed by (key, time), so each key's cells
 * sit on pages of their own: a minute rolled up alone wrote one page per key (6,000 a minute at
 * 600 results a second), ten at once write each key's page once for all ten, in key order.
 * Queries read raw results after the watermark (at most about ten minutes and a half of them),
 * so they lose nothing meanwhile. Hours are rolled up as they are sealed (sealHours).
 */
export const MINUTE_BLOCK = 10 * MINUTE;
const WATERMARK = { minute: 'minute_rolled_until', hour: 'hour_rolled_until' } as const;
/** The meta key of the time before which every raw result is pruned (Rollups.expired). */
const RAW_PRUNED = 'raw_pruned_until';

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
  /** The unit: [t, end), within one MINUTE_BLOCK. */
  t: number;
  end: number;
  /** The next check key to roll up. */
  nextKey: number;
  /** Checks per piece; null when the whole unit is read at once. */
  chunk: number | null;
}

/** A minute of one check rolled up already when a late result for it was written. */
interface Dirty {
  t: number;
  key: number;
}

/** A result whose raw results are pruned already (Rollups.expired), with its key. */
export interface ExpiredResult {
  key: number;
  result: Sample & { startedAt: number };
}

/**
 * Rollups, sealing and pruning. Every rollup is computed from raw results, so percentiles are
 * exact for minutes and hours alike (raw results are kept at least 2 hours, longer than an hour
 * takes to close). Minutes are rolled up ten at a time from the open rows; an hour is rolled up
 * as it is sealed, from the rows sealing reads (so an hour's rows are read once, not twice). A
 * watermark per level says up to where rollups are complete; queries read rollups before it
 * and raw results after it.
 */
export class Rollups {
  private readonly store: StoreDatabase;
  /** Raw results, sealed and open: rollups read them, and so do raw-level queries. */
  readonly chunks: Chunks;
  /** Minutes of checks rolled up already when a late result for them was written. */
  private readonly dirty = new Map<string, Dirty>();
  private readonly watermarks: Record<RollupLevel, number | null>;
  /** The minutes being rolled up, piece by piece. */
  private cursor: UnitCursor | null = null;
  /** Every raw result (row or chunk) that started before this is pruned; null before a prune has completed. */
  private rawPruned: number | null;

  /** The results staged before they are indexed: moved before any rollup that needs them. */
  private readonly staging: Staging;

  constructor(store: StoreDatabase, chunks: Chunks, staging: Staging) {
    this.store = store;
    this.chunks = chunks;
    this.staging = staging;
    this.watermarks = { minute: this.readWatermark('minute'), hour: this.readWatermark('hour') };
    this.rawPruned = this.readMeta(RAW_PRUNED);
  }

  /**
   * True when a result that started at `t` is behind pruning: every raw result of its hour is
   * gone, so its minute and hour cannot be rolled up again from raw results (that would replace
   * their cells with the late results alone). Such a result is merged into its cells instead
   * (mergeExpired), and not kept raw: its raw retention is over.
   */
  expired(t: number): boolean {
    return this.rawPruned !== null && t < this.rawPruned;
  }

  /**
   * Merges `expired` results into their keys' minute and hour cells, in the caller's
   * transaction: a cell gains their counts, failures and latencies (percentiles from the merged
   * histograms), or is made from them where none is. A cell past its level's retention is not
   * made again (pruning would take it).
   */
  mergeExpired(expired: readonly ExpiredResult[], now: number, retention: Retention): void {
    for (const level of ['minute', 'hour'] as const) {
      const unit = level === 'minute' ? MINUTE : HOUR;
      const kept = now - retention[level];
      const cells = new Map<string, { key: number; t: number; samples: Sample[] }>();
      for (const { key, result } of expired) {
        const t = floorTo(result.startedAt, unit);
        if (t < kept) continue;
        const id = `${key}:${t}`;
        const cell = cells.get(id);
        if (cell) cell.samples.push(result);
        else cells.set(id, { key, t, samples: [result] });
      }
      for (const { key, t, samples } of cells.values()) {
        const late = cellFromSamples(t, samples);
        if (!late) continue;
        const [row] = this.store.arrays(
          `SELECT ${CELL_COLUMNS} FROM ${TABLE[level]} WHERE check_key = ? AND t = ?`,
          key,
          t,
        );
        replaceCell(this.store, TABLE[level], key, t, row ? mergeCells(t, [rowToCell(row as CellRow), late]) : late);
      }
    }
  }

  /** Rollups of `level` are complete before this time; null before the first rollup. */
  watermark(level: RollupLevel): number | null {
    return this.watermarks[level];
  }

  /**
   * A result written behind the minute watermark: its check's minute is rolled up again. (Its
   * hour is too, when the row is sealed into the hour's chunk: every row before the minute
   * watermark is sealed at the next maintenance.) Not one behind pruning: it was merged into
   * its cells as it was written (mergeExpired), and is not a row.
   */
  noteLate(key: number, startedAt: number): void {
    const w = this.watermarks.minute;
    if (w === null || startedAt >= w || this.expired(startedAt)) return;
    const t = floorTo(startedAt, MINUTE);
    this.dirty.set(`${t}:${key}`, { t, key });
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
      this.forget();
      throw error;
    }
    for (const id of done) this.dirty.delete(id);
    try {
      if (this.sealHours(deadline)) more = true;
    } catch (error) {
      this.forget();
      throw error;
    }
    return this.prune(now, retention) || more;
  }

  /** After a failed step: what it may have moved in memory goes back to what the file says. */
  private forget(): void {
    this.watermarks.minute = this.readWatermark('minute');
    this.watermarks.hour = this.readWatermark('hour');
    this.cursor = null;
  }

  /**
   * Seals the hours whose minutes are rolled up into chunks and rolls each up as it goes, from
   * the rows sealing reads: each key's hour cell from all its results (its chunk's too, when a
   * late row is merged into a sealed hour, so a late result's hour is rolled up again here).
   * The hour watermark moves to the oldest hour with rows left, or to the cut when none are,
   * in the same transaction. True while rows before the cut are left.
   */
  private sealHours(deadline: number): boolean {
    const minute = this.watermarks.minute;
    if (minute === null) return false;
    const cut = floorTo(minute, CHUNK_SPAN);
    return this.store.transaction(() => {
      const left = this.chunks.seal(cut, deadline, (t, key, results) => {
        replaceCell(this.store, TABLE.hour, key, t, cellFromSamples(t, results));
      });
      this.saveWatermark('hour', Math.max(this.watermarks.hour ?? -Infinity, left ?? cut));
      return left !== null;
    });
  }

  private rollUpDue(now: number, deadline: number, done: string[]): boolean {
    let worked = false;
    // Always make progress, however slow the machine: the budget only stops the next piece.
    const outOfTime = () => worked && performance.now() >= deadline;
    for (const [id, d] of this.dirty) {
      if (outOfTime()) return true;
      this.rollUpCheck(d.t, d.key);
      done.push(id);
      worked = true;
    }
    const close = floorTo(now - ROLLUP_LATENESS_MS, MINUTE_BLOCK);
    let w = this.watermarks.minute ?? this.firstResultAt(close);
    while (w < close) {
      if (outOfTime()) {
        this.saveWatermark('minute', w);
        return true;
      }
      let cursor = this.cursor;
      if (!cursor || cursor.t < w) {
        const next = firstRowAt(this.store, w, close);
        if (next === null) {
          w = close;
          break;
        }
        // A watermark inside a block (one from before blocks) starts the unit there.
        const start = floorTo(next, MINUTE_BLOCK);
        cursor = this.startUnit(Math.max(w, start), start + MINUTE_BLOCK);
      }
      worked = true;
      if (cursor.chunk === null || this.rollUpChunk(cursor)) {
        if (cursor.chunk === null) this.rollUpUnit(cursor.t, cursor.end);
        w = cursor.end;
        this.cursor = null;
      }
    }
    this.saveWatermark('minute', w);
    return false;
  }

  /**
   * Begins rolling up one unit, [t, end): ten minutes' minute cells. A unit with few enough
   * results is read at once; a bigger one (ten minutes of 6,000 checks at 10 s is 360,000
   * results) is done a piece of checks at a time, each piece about READ_LIMIT results, so no
   * step blocks the engine for long.
   */
  private startUnit(t: number, end: number): UnitCursor {
    const rows = rowsIn(this.store, t, end);
    let chunk: number | null = null;
    if (rows > READ_LIMIT) {
      chunk = keysPerPiece(this.store, rows, READ_LIMIT);
      this.store.run(`DELETE FROM ${TABLE.minute} WHERE t >= ? AND t < ?`, t, end);
    }
    const cursor = { t, end, nextKey: 0, chunk };
    this.cursor = cursor;
    return cursor;
  }

  /**
   * Rolls up the next piece of checks of a big unit, a range of `chunk` keys read in one
   * statement by the minute index (the unit's rows of those keys sit together in it, and only
   * the columns a cell needs are read); true when the unit is complete. The unit is open (not
   * sealed: sealing waits for the minute watermark), so its rows are all in result_rows;
   * startUnit cleared its cells.
   */
  private rollUpChunk(cursor: UnitCursor): boolean {
    const to = cursor.nextKey + cursor.chunk!;
    const rows = this.store.all<RawRow>(RAW_RANGE_SQL, cursor.t, cursor.end, cursor.nextKey, to);
    this.insertCells(rows);
    const last = this.store.get<{ k: number | null }>('SELECT max(key) AS k FROM checks')?.k ?? 0;
    if (to > last) return true;
    cursor.nextKey = to;
    return false;
  }

  /**
   * The minute cells of `rows` (of one unit, any keys): one per key and minute, inserted key by
   * key in time order (each key's page of the table written once for the unit's cells).
   */
  private insertCells(rows: readonly RawRow[]): void {
    const byKey = new Map<number, Map<number, RawRow[]>>();
    for (const row of rows) {
      const t = floorTo(row.started_at, MINUTE);
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
        if (cell) insertCell(this.store, TABLE.minute, key, cell);
      }
    }
  }

  /** Deletes one batch of expired rows per table; true when a batch was full (more to delete). */
  private prune(now: number, retention: Retention): boolean {
    // Raw results are the source of rollups: never delete any that are not rolled up yet.
    const rawCut = Math.min(now - retention.raw, this.watermarks.minute ?? 0, this.watermarks.hour ?? 0);
    const raw = this.store.run(
      `DELETE FROM result_rows WHERE rowid IN (SELECT rowid FROM result_rows WHERE ${TIME_RANGE} LIMIT ?3)`,
      ANY_TIME[0],
      rawCut,
      PRUNE_BATCH,
    );
    let full = raw === PRUNE_BATCH || this.chunks.prune(rawCut, PRUNE_BATCH) === PRUNE_BATCH;
    // Every row before the cut is gone, and every chunk of an hour before the cut's (a chunk is
    // pruned once all its hour is past): a late result there is merged into its cells from now on.
    const pruned = floorTo(rawCut, CHUNK_SPAN);
    if (!full && pruned > (this.rawPruned ?? -Infinity)) {
      this.saveMeta(RAW_PRUNED, pruned);
      this.rawPruned = pruned;
    }
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
  private rollUpUnit(t: number, end: number): void {
    const rows = this.store.all<RawRow>(`SELECT ${RAW_COLUMNS} FROM result_rows WHERE ${TIME_RANGE}`, t, end);
    this.store.run(`DELETE FROM ${TABLE.minute} WHERE t >= ? AND t < ?`, t, end);
    this.insertCells(rows);
  }

  /** One check's minute, sealed or open (a late result may be for a sealed hour). */
  private rollUpCheck(t: number, key: number): void {
    const samples: Sample[] = this.chunks.read(key, t, t + MINUTE, '', undefined, 'result_rows');
    replaceCell(this.store, TABLE.minute, key, t, cellFromSamples(t, samples));
  }

  private firstResultAt(fallback: number): number {
    const first = firstRowAt(this.store, ...ANY_TIME);
    return first === null ? fallback : floorTo(first, MINUTE);
  }

  private readWatermark(level: RollupLevel): number | null {
    return this.readMeta(WATERMARK[level]);
  }

  private readMeta(key: string): number | null {
    const row = this.store.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key);
    return row ? Number(row.value) : null;
  }

  private saveWatermark(level: RollupLevel, value: number): void {
    if (this.watermarks[level] === value) return;
    this.saveMeta(WATERMARK[level], value);
    this.watermarks[level] = value;
  }
  private saveMeta(key: string, value: number): void {
    this.store.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, String(value));
  }
}

/** One key's cell at `t` replaced by `cell` (null: none left). */
function replaceCell(store: StoreDatabase, table: string, key: number, t: number, cell: Cell | null): void {
  store.run(`DELETE FROM ${table} WHERE check_key = ? AND t = ?`, key, t);
  if (cell) insertCell(store, table, key, cell);
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
