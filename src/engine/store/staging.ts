import type { StoreDatabase } from './database.ts';

/**
 * The open results' two tables (schema 6). A batch appends its results to `result_staged`,
 * which has no index: a commit writes the few pages at the table's end. About once a minute
 * everything staged moves into `result_rows` (indexed by minute: schema 7, 8), in check order
 * (each check's rows in the order written). Its `results_by_minute` is keyed (minute, key,
 * time) (schema 7), so a move's rows, of the last minute or two, are appended at the index's
 * end in key order: before, keyed (key, time), each key's rows of the minute went to that key's
 * own leaf page, one page written per key per move. The view `results` is both tables; a query
 * of one key reads both with keyRowsSql; either way a row is seen exactly once whichever table
 * it is in (one statement reads one snapshot of both).
 *
 * Maintenance (rollups, sealing, pruning) reads and deletes in `result_rows` and needs every row
 * it works on there: Rollups.maintain moves first whenever a staged row started before the
 * minute it is about to close (`due`). The move and the batches run on the same thread, so none
 * can land in between.
 */
export const ROW_COLUMNS = 'check_key, started_at, ok, latency_ms, error_class, message, details';

/**
 * A row's minute as `results_by_minute` (schema 7) keys it: (minute, key, time), so a minute's
 * move appends at the index's end. The expression is the index's own: a query must spell it
 * exactly so for SQLite to use the index (SQLite's integer division, also for a REAL time).
 */
export const MINUTE_SQL = 'CAST(started_at / 60000 AS INTEGER)';

/**
 * `minute(m)`: the minutes from the minute of ?1 (a time, ms) to the minute of ?2 in which
 * result_rows holds rows, each found by one seek on `results_by_minute` (a few hundred for the
 * open hours; never the rows themselves). Computed in the statement, from its own snapshot.
 */
const OPEN_MINUTES =
  'WITH RECURSIVE minute(m) AS (' +
  `SELECT (SELECT ${MINUTE_SQL} FROM result_rows WHERE ${MINUTE_SQL} >= CAST(?1 / 60000 AS INTEGER) ORDER BY ${MINUTE_SQL} LIMIT 1) ` +
  `UNION ALL SELECT (SELECT ${MINUTE_SQL} FROM result_rows WHERE ${MINUTE_SQL} > minute.m ORDER BY ${MINUTE_SQL} LIMIT 1) ` +
  'FROM minute WHERE minute.m < CAST(?2 / 60000 AS INTEGER))';

/** One key's rows in [?1, ?2) (?3 the key). */
const KEY_TIME = 'check_key = ?3 AND started_at >= ?1 AND started_at < ?2';
/**
 * The staged rows of ?4, a JSON array of their rowids (Staging.rowidsOf): a seek each, not a
 * scan of the table (it has no index; a minute or two of every key's rows).
 */
const STAGED_OF_KEY = 'rowid IN (SELECT value FROM json_each(?4))';
/** The rows in [?1, ?2) of the keys in [?3, ?4). */
const KEY_RANGE_TIME = 'check_key >= ?3 AND check_key < ?4 AND started_at >= ?1 AND started_at < ?2';

/**
 * A statement over one key's open rows with started_at in [?1, ?2) (?3 the key): `columns`
 * from result_rows and, for `results`, from result_staged too, where ?4 is the key's staged
 * rowids (Staging.rowidsOf: seeks, not a scan), then `tail` (an ORDER BY over the two, a LIMIT;
 * its parameters are the caller's, from ?5 on for `results`, ?4 for `result_rows`).
 */
export function keyRowsSql(columns: string, from: 'results' | 'result_rows', tail: string): string {
  const staged =
    from === 'results' ? ` UNION ALL SELECT ${columns} FROM result_staged WHERE ${STAGED_OF_KEY} AND ${KEY_TIME}` : '';
  return `${OPEN_MINUTES} SELECT ${columns} FROM result_rows WHERE ${MINUTE_SQL} IN minute AND ${KEY_TIME}${staged} ${tail}`;
}

/**
 * `columns` of the rows of result_rows in [?1, ?2) of the keys in [?3, ?4), by the minute
 * index: one range of it per minute (a unit's rows of a piece of keys, as rollups read them).
 */
export function keyRangeRowsSql(columns: string): string {
  return `${OPEN_MINUTES} SELECT ${columns} FROM result_rows WHERE ${MINUTE_SQL} IN minute AND ${KEY_RANGE_TIME}`;
}

/** Deletes the rows of result_rows in [?1, ?2) of the keys in [?3, ?4), a range of the minute index per minute. */
export const DELETE_KEY_RANGE_ROWS_SQL = `${OPEN_MINUTES} DELETE FROM result_rows WHERE ${MINUTE_SQL} IN minute AND ${KEY_RANGE_TIME}`;

/**
 * The rows of result_rows in [?1, ?2), by the minute index (schema 8 has no index by time): a
 * row's minute is never before the minute of ?1 nor after the minute of ?2 (the truncating
 * division is monotonic, for negative times too), and the time bounds are exact.
 */
export const TIME_RANGE =
  `${MINUTE_SQL} >= CAST(?1 / 60000 AS INTEGER) AND ${MINUTE_SQL} <= CAST(?2 / 60000 AS INTEGER) ` +
  'AND started_at >= ?1 AND started_at < ?2';

/** The rows of result_rows in [from, to), counted on the minute index. */
export function rowsIn(store: StoreDatabase, from: number, to: number): number {
  return store.get<{ n: number }>(`SELECT count(*) AS n FROM result_rows WHERE ${TIME_RANGE}`, from, to)!.n;
}

/**
 * The earliest start of a row of result_rows in [?1, ?2): the first minute that holds one (the
 * index walked in order, stopping at the first), then the least time in that minute (a later
 * minute's rows all start later).
 */
export const FIRST_ROW_SQL =
  `SELECT min(started_at) AS t FROM result_rows WHERE ${MINUTE_SQL} = ` +
  `(SELECT ${MINUTE_SQL} FROM result_rows WHERE ${TIME_RANGE} ORDER BY ${MINUTE_SQL} LIMIT 1) ` +
  'AND started_at >= ?1 AND started_at < ?2';

/** The earliest start of a row of result_rows in [from, to), or null when there is none. */
export function firstRowAt(store: StoreDatabase, from: number, to: number): number | null {
  return store.get<{ t: number | null }>(FIRST_ROW_SQL, from, to)?.t ?? null;
}

/**
 * How many keys a piece of work over `inRange` rows takes so that it reads about `perPiece` of
 * them (rollups and sealing go a range of keys at a time): from the rows per key, at least one.
 */
export function keysPerPiece(store: StoreDatabase, inRange: number, perPiece: number): number {
  const keys = store.get<{ n: number }>('SELECT count(*) AS n FROM checks')!.n;
  return Math.max(1, Math.floor(perPiece / Math.max(1, inRange / Math.max(1, keys))));
}

/**
 * The smallest key with rows of result_rows in [?1, ?2): the first key of each minute that
 * holds rows (a seek each), the least of them.
 */
export const FIRST_KEY_SQL =
  `${OPEN_MINUTES} SELECT min(k) AS k FROM (SELECT (SELECT check_key FROM result_rows ` +
  `WHERE ${MINUTE_SQL} = minute.m AND started_at >= ?1 AND started_at < ?2 ORDER BY check_key LIMIT 1) AS k FROM minute)`;

/**
 * The largest time a JavaScript Date holds, in ms either side of the epoch: the store refuses a
 * result that starts beyond it (HistoryStore.record), so hours and minutes of every stored time
 * are exact and the minute index finds it.
 */
export const MAX_TIME_MS = 8.64e15;

/** Bounds for "any time" in keyRowsSql: every time the store keeps. */
export const ANY_TIME: readonly [number, number] = [-MAX_TIME_MS, MAX_TIME_MS + 1];

/** Staged rows one move takes at most (about 80 s at 600 results/s): a bound on a backlog's move. */
export const MOVE_LIMIT = 50_000;
/**
 * About this many rows are moved per piece (one transaction, one maintenance step): a move of a
 * minute at 600 results/s is a few pieces, each a few tens of ms, so the store thread's commits
 * and queries never wait for a whole minute's move. A piece is a range of check keys: each
 * check's rows of the minute still move together.
 */
export const PIECE_ROWS = 6_000;

/** A staged row's values, in ROW_COLUMNS' order. */
export type StagedRow = [
  key: number,
  startedAt: number,
  ok: number,
  latencyMs: number | null,
  errorClass: string | null,
  message: string,
  details: string | null,
];

const INSERT_SQL = `INSERT INTO result_staged (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;

/** A move under way: staged rows up to `upTo` (rowid), keys from `from` on, `width` keys a piece. */
interface Move {
  upTo: number;
  from: number;
  width: number;
  lastKey: number;
}

export class Staging {
  private readonly store: StoreDatabase;
  /**
   * The earliest start of a staged row, or Infinity when none is. Kept as batches commit, so
   * `due` costs nothing; never later than the truth (a move reads it again).
   */
  private earliest: number;
  /**
   * Each key's staged rows' rowids, ascending (rowidsOf): noted as batches commit, forgotten by
   * the move that takes them, read from the table at start-up.
   */
  private readonly rowids = new Map<number, number[]>();
  /** The rows inserted in the transaction under way (key, rowid pairs, flat) and their earliest start. */
  private pending: number[] = [];
  private pendingEarliest = Infinity;
  private current: Move | null = null;
  private readonly limits: { pieceRows: number; moveLimit: number };

  constructor(store: StoreDatabase, limits = { pieceRows: PIECE_ROWS, moveLimit: MOVE_LIMIT }) {
    this.store = store;
    this.limits = limits;
    this.earliest = this.readEarliest();
    for (const { k, r } of store.all<{ k: number; r: number }>(
      'SELECT check_key AS k, rowid AS r FROM result_staged ORDER BY rowid',
    )) {
      this.noteRowid(k, r);
    }
  }

  /**
   * Appends a row to the staged table, in the caller's transaction; once it commits the caller
   * says so (committed), or that it failed (dropped).
   */
  insert(...row: StagedRow): void {
    const rowid = Number(this.store.stmt(INSERT_SQL).run(...row).lastInsertRowid);
    this.pending.push(row[0], rowid);
    if (row[1] < this.pendingEarliest) this.pendingEarliest = row[1];
  }

  /** The rows inserted since the last commit are in the table. */
  committed(): void {
    for (let i = 0; i < this.pending.length; i += 2) this.noteRowid(this.pending[i]!, this.pending[i + 1]!);
    if (this.pendingEarliest < this.earliest) this.earliest = this.pendingEarliest;
    this.dropped();
  }

  /** The rows inserted since the last commit were rolled back. */
  dropped(): void {
    this.pending = [];
    this.pendingEarliest = Infinity;
  }

  /** The rowids of `key`'s staged rows, as keyRowsSql's ?4 takes them (a JSON array). */
  rowidsOf(key: number): string {
    const list = this.rowids.get(key);
    return list ? JSON.stringify(list) : '[]';
  }

  private noteRowid(key: number, rowid: number): void {
    const list = this.rowids.get(key);
    if (list) list.push(rowid);
    else this.rowids.set(key, [rowid]);
  }

  /** True when a staged row started before `t`: maintenance working before `t` must move first. */
  due(t: number): boolean {
    return this.earliest < t;
  }

  /**
   * Moves one piece of what is staged into result_rows, in check order, in one
   * transaction: the rows (at most MOVE_LIMIT, oldest first, taken when the move starts) of a
   * range of check keys. Returns true when that move is complete and nothing staged then is
   * left (rows staged since wait for the next move); a move cut short (a restart, a failed
   * piece) simply starts again from what is staged.
   */
  move(): boolean {
    const move = this.current ?? this.start();
    if (move === null) return true;
    const to = move.from + move.width;
    try {
      this.store.transaction(() => {
        this.store.run(
          `INSERT INTO result_rows (${ROW_COLUMNS}) SELECT ${ROW_COLUMNS} FROM result_staged ` +
            'WHERE rowid <= ? AND check_key >= ? AND check_key < ? ORDER BY check_key, rowid',
          move.upTo,
          move.from,
          to,
        );
        this.store.run(
          'DELETE FROM result_staged WHERE rowid <= ? AND check_key >= ? AND check_key < ?',
          move.upTo,
          move.from,
          to,
        );
      });
    } catch (error) {
      this.current = null;
      throw error;
    }
    for (let key = move.from; key < to; key++) {
      const list = this.rowids.get(key);
      if (!list) continue;
      let moved = 0;
      while (moved < list.length && list[moved]! <= move.upTo) moved++;
      if (moved === list.length) this.rowids.delete(key);
      else if (moved > 0) list.splice(0, moved);
    }
    if (to <= move.lastKey) {
      this.current = { ...move, from: to };
      return false;
    }
    this.current = null;
    this.earliest = this.readEarliest();
    return true;
  }

  private start(): Move | null {
    // Each a single min or max, which SQLite answers from the b-tree's ends.
    const first = this.store.get<{ r: number | null }>('SELECT min(rowid) AS r FROM result_staged')?.r ?? null;
    if (first === null) {
      this.earliest = Infinity;
      return null;
    }
    const last = this.store.get<{ r: number | null }>('SELECT max(rowid) AS r FROM result_staged')!.r!;
    const lastKey = this.store.get<{ k: number | null }>('SELECT max(key) AS k FROM checks')?.k ?? 0;
    const upTo = Math.min(last, first + this.limits.moveLimit - 1);
    const rows = upTo - first + 1;
    // Keys are small integers handed out in order: a key range of PIECE_ROWS / rows of them.
    const width = Math.max(1, Math.ceil(((lastKey + 1) * this.limits.pieceRows) / rows));
    this.current = { upTo, from: 0, width, lastKey };
    return this.current;
  }

  private readEarliest(): number {
    const t = this.store.get<{ t: number | null }>('SELECT min(started_at) AS t FROM result_staged')?.t;
    return t === null || t === undefined ? Infinity : t;
  }
}
