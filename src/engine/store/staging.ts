import type { StoreDatabase } from './database.ts';

/**
 * The open results' two tables (schema 6). A batch appends its results to `result_staged`,
 * which has no index: a commit writes the few pages at the table's end. About once a minute
 * everything staged moves into `result_rows` (indexed by check and by time) in one
 * transaction, in (check, time) order, so each check's rows of that minute land together on one
 * leaf page of `results_by_check` instead of one page written per row per commit. The view
 * `results` is both tables: every query over the open part reads it, so a row is seen exactly
 * once whichever table it is in (one statement reads one snapshot of both).
 *
 * Maintenance (rollups, sealing, pruning) reads and deletes in `result_rows` and needs every row
 * it works on there: Rollups.maintain moves first whenever a staged row started before the
 * minute it is about to close (`due`). The move and the batches run on the same thread, so none
 * can land in between.
 */
export const ROW_COLUMNS = 'check_key, started_at, ok, latency_ms, error_class, message, details';

/** Rows moved at most per step (about 80 s at 600 results/s): a bound on one transaction. */
export const MOVE_LIMIT = 50_000;

export class Staging {
  private readonly store: StoreDatabase;
  /**
   * The earliest start of a staged row, or Infinity when none is. Kept as rows are staged, so
   * `due` costs nothing; never later than the truth (a rolled-back batch leaves it lower).
   */
  private earliest: number;

  constructor(store: StoreDatabase) {
    this.store = store;
    this.earliest = this.readEarliest();
  }

  /** The insert a batch uses (the caller holds the transaction and calls noteStaged). */
  insertSql(): string {
    return `INSERT INTO result_staged (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
  }

  noteStaged(startedAt: number): void {
    if (startedAt < this.earliest) this.earliest = startedAt;
  }

  /** True when a staged row started before `t`: maintenance working before `t` must move first. */
  due(t: number): boolean {
    return this.earliest < t;
  }

  /**
   * Moves the oldest staged rows (at most `limit`) into result_rows, in check and time order,
   * in one transaction. Returns true when nothing is left staged.
   */
  move(limit = MOVE_LIMIT): boolean {
    // Two subqueries: each is a single min or max, which SQLite answers from the b-tree's ends.
    const span = this.store.get<{ first: number | null; last: number | null }>(
      'SELECT (SELECT min(rowid) FROM result_staged) AS first, (SELECT max(rowid) FROM result_staged) AS last',
    );
    if (!span || span.first === null || span.last === null) {
      this.earliest = Infinity;
      return true;
    }
    const upTo = Math.min(span.last, span.first + limit - 1);
    this.store.transaction(() => {
      this.store.run(
        `INSERT INTO result_rows (${ROW_COLUMNS}) SELECT ${ROW_COLUMNS} FROM result_staged ` +
          'WHERE rowid <= ? ORDER BY check_key, started_at',
        upTo,
      );
      this.store.run('DELETE FROM result_staged WHERE rowid <= ?', upTo);
    });
    if (upTo === span.last) {
      this.earliest = Infinity;
      return true;
    }
    this.earliest = this.readEarliest();
    return false;
  }

  private readEarliest(): number {
    const t = this.store.get<{ t: number | null }>('SELECT min(started_at) AS t FROM result_staged')?.t;
    return t === null || t === undefined ? Infinity : t;
  }
}
