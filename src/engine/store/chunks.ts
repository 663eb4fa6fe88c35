import type { ProbeResult } from '../../shared/model.ts';
import { decodeChunk, encodeChunk } from './chunk-codec.ts';
import type { StoreDatabase } from './database.ts';
import { ANY_TIME, DELETE_KEY_ROWS_SQL, keyRowsSql } from './staging.ts';

/**
 * Raw results live in two places: the `results` view, one row per result, for the open part
 * (written in the batch transaction, as durable as ever; staged first, then indexed: see
 * staging.ts), and `result_chunks`, one compact blob per (check, vantage) and hour
 * (chunk-codec.ts), once that hour is rolled up. Sealing moves an hour's indexed rows into its
 * chunk in one transaction (maintenance has moved every staged row of a rolled-up hour before
 * it seals); a late result for a sealed hour is a row until the next seal merges it in. Readers
 * take both.
 */
export const CHUNK_SPAN = 3_600_000;
/** Chunks sealed at most per call, whatever the budget: a bound on one transaction. */
const SEAL_LIMIT = 5_000;

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
  const r: ProbeResult = {
    ...parseDetails(row.details),
    checkId,
    startedAt: row.started_at,
    ok: row.ok === 1,
    latencyMs: row.latency_ms,
    errorClass: row.error_class as ProbeResult['errorClass'],
    message: row.message,
  };
  if (vantage !== undefined) r.vantage = vantage;
  return r;
}

function parseDetails(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
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

export class Chunks {
  private readonly store: StoreDatabase;

  constructor(store: StoreDatabase) {
    this.store = store;
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
    const rows = this.store.all<ResultRow>(keyRowsSql(ROW_COLUMNS, open, 'ORDER BY started_at'), from, to, key);
    for (const row of rows) out.push(rowToResult(row, checkId, vantage));
    if (chunks.length > 0 && rows.length > 0) out.sort((a, b) => a.startedAt - b.startedAt);
    return out;
  }

  /** The newest `limit` results of one key, newest first. */
  recent(key: number, limit: number, checkId: string, vantage?: string): ProbeResult[] {
    const out = this.store
      .all<ResultRow>(keyRowsSql(ROW_COLUMNS, 'results', 'ORDER BY started_at DESC LIMIT ?4'), ...ANY_TIME, key, limit)
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
   * Seals hours that end at or before `cut` (rolled up already) into chunks, oldest first,
   * until `deadline` (performance.now()); at least one. Returns true while rows before `cut`
   * are left. The caller holds no transaction: each call is one.
   */
  seal(cut: number, deadline: number): boolean {
    return this.store.transaction(() => {
      for (let sealed = 0; sealed < SEAL_LIMIT; sealed++) {
        const next = this.store.get<{ key: number; t: number }>(
          'SELECT check_key AS key, started_at AS t FROM result_rows WHERE started_at < ? ORDER BY started_at LIMIT 1',
          cut,
        );
        if (!next) return false;
        if (sealed > 0 && performance.now() >= deadline) return true;
        this.sealOne(next.key, Math.floor(next.t / CHUNK_SPAN) * CHUNK_SPAN);
      }
      return true;
    });
  }

  /** One key's hour: its rows and its chunk (if any) become one chunk. */
  private sealOne(key: number, t: number): void {
    const rows = this.store.all<ResultRow>(
      keyRowsSql(ROW_COLUMNS, 'result_rows', 'ORDER BY started_at'),
      t,
      t + CHUNK_SPAN,
      key,
    );
    const existing = this.store.get<{ body: Uint8Array }>(
      'SELECT body FROM result_chunks WHERE check_key = ? AND t = ?',
      key,
      t,
    );
    let results = rows.map((row) => rowToResult(row, ''));
    if (existing) {
      results = decodeSafely(existing.body, '').concat(results);
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
    this.store.run(DELETE_KEY_ROWS_SQL, t, t + CHUNK_SPAN, key);
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
