import type { ProbeResult } from '../../shared/model.ts';
import { decodeChunk, encodeChunk } from './chunk-codec.ts';
import type { StoreDatabase } from './database.ts';
import {
  ANY_TIME,
  DELETE_KEY_RANGE_ROWS_SQL,
  FIRST_KEY_SQL,
  firstRowAt,
  keyRangeRowsSql,
  keyRowsSql,
  keysPerPiece,
  rowsIn,
  type Staging,
} from './staging.ts';

/**
 * Raw results live in two places: the `results` view, one row per result, for the open part
 * (written in the batch transaction, as durable as ever; staged first, then indexed: see
 * staging.ts), and `result_chunks`, one compact blob per (check, vantage) and hour
 * (chunk-codec.ts), once that hour's minutes are rolled up. Sealing moves an hour's indexed rows
 * into its chunk, a piece of keys per transaction, and the hour's rollup is made from the same
 * read (Rollups.sealHours; maintenance has moved every staged row of the hour before it seals);
 * a late result for a sealed hour is a row until the next seal merges it in. Readers take both.
 */
export const CHUNK_SPAN = 3_600_000;
/**
 * Rows a piece of sealing takes at most, about: a bound on one step's read, delete and time
 * (about 80 ms on the bench machine). Each piece deletes a range of keys from every minute of
 * the hour and its commit writes the pages it left partly full and the index pages above them:
 * pieces of 24,000 rows wrote 0.89 GB to seal an hour of 2.16 million results against 1.45 GB
 * at 6,000, for a fifth less CPU (docs/BENCHMARKS.md, "The centre's hour, unprofiled").
 */
export const SEAL_ROWS = 24_000;

export interface ResultRow {
  started_at: number;
  ok: number;
  latency_ms: number | null;
  error_class: string | null;
  message: string;
  details: string | null;
}

const ROW_COLUMNS = 'started_at, ok, latency_ms, error_class, message, details';

export function rowToResult(row: ResultRow, checkId: string, vantage?: string): ProbeResult {
  // The parsed details are a new object of this call's own: the columns are set on it, in the
  // order a copy would have them (details first), without copying it (sealing reads an hour).
  const r = parseDetails(row.details) as unknown as ProbeResult;
  r.checkId = checkId;
  r.startedAt = row.started_at;
  r.ok = row.ok === 1;
  r.latencyMs = row.latency_ms;
  r.errorClass = row.error_class as ProbeResult['errorClass'];
  r.message = row.message;
  if (vantage !== undefined) r.vantage = vantage;
  return r;
}

function parseDetails(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** A chunk's results, or none when it cannot be read (a damaged chunk costs its hour, not the query). */
function decodeSafely(body: Uint8Array, checkId: string, vantage?: string): ProbeResult[] {
  try {
    return decodeChunk(body, checkId, vantage);
  } catch {
    return [];
  }
}

/** Told, as sealing goes, of one key's hour at `t` sealed: all its results, oldest first. */
export type SealedHour = (t: number, key: number, results: readonly ProbeResult[]) => void;

/** A piece of sealing's rows: every column, with its key. */
const SEAL_READ_SQL = keyRangeRowsSql(`check_key, ${ROW_COLUMNS}`);

export class Chunks {
  private readonly store: StoreDatabase;
  /** The staged rows' rowids by key: a read of one key's open rows seeks its staged rows. */
  readonly staging: Staging;
  /** Keys a piece of sealing takes in the hour at `t` (counted once per hour). */
  private sealWidth: { t: number; keys: number } | null = null;

  constructor(store: StoreDatabase, staging: Staging) {
    this.store = store;
    this.staging = staging;
  }

  /**
   * Results of one key with startedAt in [from, to), sealed and open, oldest first. `checkId`
   * and `vantage` are put on each result as given. `open` is where the open rows are read:
   * `results` (staged and indexed: queries) or `result_rows` alone (maintenance, which has
   * moved every staged row it needs first: it spares a scan of the staged table per key).
   */
  read(
    key: number,
    from: number,
    to: number,
    checkId = '',
    vantage?: string,
    open: 'results' | 'result_rows' = 'results',
  ): ProbeResult[] {
    const out: ProbeResult[] = [];
    const chunks = this.store.all<{ body: Uint8Array }>(
      'SELECT body FROM result_chunks WHERE check_key = ? AND t >= ? AND t < ? ORDER BY t',
      key,
      from - CHUNK_SPAN + 1,
      to,
    );
    for (const c of chunks) {
      for (const r of decodeSafely(c.body, checkId, vantage)) if (r.startedAt >= from && r.startedAt < to) out.push(r);
    }
    const sql = keyRowsSql(ROW_COLUMNS, open, 'ORDER BY started_at');
    const rows =
      open === 'results'
        ? this.store.all<ResultRow>(sql, from, to, key, this.staging.rowidsOf(key))
        : this.store.all<ResultRow>(sql, from, to, key);
    for (const row of rows) out.push(rowToResult(row, checkId, vantage));
    if (chunks.length > 0 && rows.length > 0) out.sort((a, b) => a.startedAt - b.startedAt);
    return out;
  }

  /** The newest `limit` results of one key, newest first. */
  recent(key: number, limit: number, checkId: string, vantage?: string): ProbeResult[] {
    const out = this.store
      .all<ResultRow>(
        keyRowsSql(ROW_COLUMNS, 'results', 'ORDER BY started_at DESC LIMIT ?5'),
        ...ANY_TIME,
        key,
        this.staging.rowidsOf(key),
        limit,
      )
      .map((row) => rowToResult(row, checkId, vantage));
    // Chunks cover disjoint hours: once `limit` sealed results are in hand, older chunks cannot hold newer ones.
    let sealed = 0;
    const chunks = this.store.stmt('SELECT n, body FROM result_chunks WHERE check_key = ? ORDER BY t DESC');
    for (const c of chunks.iterate(key) as Iterable<{ n: number; body: Uint8Array }>) {
      if (sealed >= limit) break;
      const results = decodeSafely(c.body, checkId, vantage);
      for (let i = results.length - 1; i >= 0; i--) out.push(results[i]!);
      sealed += c.n;
    }
    if (sealed > 0) out.sort((a, b) => b.startedAt - a.startedAt);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /**
   * Seals hours that end at or before `cut` into chunks, oldest hour first, a piece of keys at a
   * time (about SEAL_ROWS rows: one read and one delete of a range of keys by the minute index,
   * whose rows of each minute sit together), until `deadline` (performance.now()); at least one
   * piece. `sealed` is given each key's whole hour as it is sealed (its chunk's results and its
   * rows, in time order): the hour's rollup is made from them, so an hour's rows are read once.
   * Returns the hour (its start) of the oldest row left before `cut`, or null when none is. The
   * caller may hold a transaction; otherwise the call is one.
   */
  seal(cut: number, deadline: number, sealed: SealedHour): number | null {
    return this.store.transaction(() => {
      for (let pieces = 0; ; pieces++) {
        const next = firstRowAt(this.store, ANY_TIME[0], cut);
        if (next === null) return null;
        const t = Math.floor(next / CHUNK_SPAN) * CHUNK_SPAN;
        if (pieces > 0 && performance.now() >= deadline) return t;
        this.sealPiece(t, sealed);
      }
    });
  }

  /**
   * The next piece of one hour: the keys from the smallest that has rows in it, as many as hold
   * about SEAL_ROWS rows (from the hour's rows per key, counted once per hour); each key's rows
   * and its chunk (if any: a late result for a sealed hour) become one chunk, and the rows go.
   */
  private sealPiece(t: number, sealed: SealedHour): void {
    const end = t + CHUNK_SPAN;
    const first = this.store.get<{ k: number | null }>(FIRST_KEY_SQL, t, end)?.k;
    if (first === null || first === undefined) {
      // firstRowAt found a row in this hour that FIRST_KEY_SQL does not find: never
      // expected (record() refuses times outside a Date's range), but looping on it would spin.
      throw new Error(`sealing: the rows of the hour at ${t} are not found by the minute index`);
    }
    if (this.sealWidth?.t !== t) {
      this.sealWidth = { t, keys: keysPerPiece(this.store, rowsIn(this.store, t, end), SEAL_ROWS) };
    }
    const to = first + this.sealWidth.keys;
    // By minute, then key, then time: each key's rows come in time order.
    const byKey = new Map<number, ResultRow[]>();
    for (const row of this.store.all<ResultRow & { check_key: number }>(SEAL_READ_SQL, t, end, first, to)) {
      const list = byKey.get(row.check_key);
      if (list) list.push(row);
      else byKey.set(row.check_key, [row]);
    }
    const existing = new Map(
      this.store
        .all<{ key: number; body: Uint8Array }>(
          'SELECT check_key AS key, body FROM result_chunks WHERE t = ? AND check_key >= ? AND check_key < ?',
          t,
          first,
          to,
        )
        .map((c) => [c.key, c.body]),
    );
    for (const [key, rows] of [...byKey].sort((a, b) => a[0] - b[0])) {
      let results = rows.map((row) => rowToResult(row, ''));
      const body = existing.get(key);
      if (body) {
        results = decodeSafely(body, '').concat(results);
        results.sort((a, b) => a.startedAt - b.startedAt);
      }
      this.store.run(
        'INSERT INTO result_chunks (check_key, t, n, body) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (check_key, t) DO UPDATE SET n = excluded.n, body = excluded.body',
        key,
        t,
        results.length,
        encodeChunk(results),
      );
      sealed(t, key, results);
    }
    this.store.run(DELETE_KEY_RANGE_ROWS_SQL, t, end, first, to);
  }

  /** Deletes up to `limit` chunks whose whole hour is before `cut`; returns how many. */
  prune(cut: number, limit: number): number {
    return this.store.run(
      'DELETE FROM result_chunks WHERE rowid IN (SELECT rowid FROM result_chunks WHERE t <= ? LIMIT ?)',
      cut - CHUNK_SPAN,
      limit,
    );
  }
}
