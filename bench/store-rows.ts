/**
 * node bench/store-rows.ts: what the centre's store thread pays per result row, by variant.
 *
 * The history store on a real file (a temp directory), written as the store thread writes an
 * agent's results: groups of PER_COMMIT results (about what one group commit carries at the
 * vantages benchmark's pace) from 2,000 checks probed from three vantages, each group with an
 * agent cursor in one durable (synchronous=FULL) transaction (HistoryStore.commitStates, the
 * path of StoreClient.commitWith). The indexed table first holds ROWS_PREFILL_S seconds of
 * results at 600 a second (as the open hour does), loaded through the bulk path. Then MEASURED
 * results are written and this thread's CPU (user + system: SQLite's writes and fsyncs are
 * system time) is taken per 1,000 results. Where results are staged (schema 6, staging.ts),
 * every ROWS_MOVE_ROWS results (a minute at 600 a second) what is staged is moved into the
 * indexed table, as maintenance does about once a minute; the moves are in the measured CPU,
 * and a last one at the end moves what is left. One JSON line per variant:
 *
 *   product          the store as it is: staged, moved by the store's own Staging.move (a piece
 *                    of check keys at a time: INSERT … SELECT … ORDER BY check_key, started_at,
 *                    then DELETE of those rows)
 *   unstaged         every batch written straight into the indexed table (result_rows): the
 *                    product before schema 6, with schema 7's index (every row of a commit lands
 *                    among its minute's rows: a few hundred leaf pages per commit)
 *   no-key-index     unstaged with results_by_minute dropped: what a per-key index costs
 *   checkpoint       unstaged with wal_autocheckpoint ROWS_CHECKPOINT_PAGES (10,000) pages
 *                    instead of SQLite's 1,000
 *   cache            unstaged with cache_size ROWS_CACHE_MB (64) MB instead of 2
 *   page-1024        unstaged in a file of 1,024-byte pages instead of 4,096 (a leaf page
 *                    written per row is a quarter of the bytes)
 *   move-rows        staged, the move in one transaction, row by row (read in check order, one
 *                    insert each), then DELETE by rowid
 *   move-unordered   staged, the move in one transaction in the staged table's (arrival)
 *                    order, then DELETE by rowid
 *   states           product, with the checks' state rows as the history module writes them
 *                    (history-module.ts): each check's row rewritten at most every
 *                    ROWS_STATE_EVERY_S seconds of the results' time (60, the module's
 *                    STATE_EVERY_MS), a row as the centre's (three vantages' views, about 1.4 kB)
 *   maintained       product with the store's whole maintenance as the store thread runs it
 *                    (HistoryStore.maintain: the move, minute and hour rollups, sealing, pruning)
 *                    every ROWS_MAINTAIN_S (10) seconds of results, each call until it has nothing
 *                    left, at the time of the last result written; after the prefill, maintenance
 *                    first catches up (not in the figure per result; its own per 1,000 rows
 *                    prefilled: catch_up_s_per_1000_prefilled). Reports its share
 *                    (of_it_maintenance_s_per_1000_results). With ROWS_ROLLUP_PREFILL_H (0), the
 *                    minute rollups of that many hours before are written first (a centre that
 *                    has run a while: each key's cells on pages of their own)
 *   check-index      product with schema 6's index of the indexed table, (key, time) instead of
 *                    (minute, key, time): each key's rows of a move land on that key's own leaf
 *                    page, one page written per key per move
 *
 * Staged variants also say what a reader pays for the staged rows: with a minute of them
 * staged, one check's newest 50 results read as the store reads them (keyRowsSql; for
 * check-index through the `results` view, a scan of the staged table: it has no index; the others seek the key's
 * staged rows by rowid, Staging.rowidsOf), in ms (staged_read_ms), and a move's wall time (move_ms, the longest;
 * for product, whose move is in pieces of check keys, one per maintenance step, also the
 * pieces and the longest piece, piece_ms).
 *
 * Environment: ROWS_VARIANTS (all, comma-separated), ROWS_PER_COMMIT (100), ROWS_MEASURED
 * (120000), ROWS_PREFILL_S (1200), ROWS_CHECKPOINT_PAGES (10000), ROWS_CACHE_MB (64),
 * ROWS_MOVE_ROWS (36000), ROWS_MAINTAIN_S (10), ROWS_ROLLUP_PREFILL_H (0). Not a product path: every variant but product changes the bench's own
 * database or store only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../src/engine/clock.ts';
import { DB_FILE, HistoryStore } from '../src/engine/store/index.ts';
import type { StoreDatabase } from '../src/engine/store/database.ts';
import { ANY_TIME, ROW_COLUMNS, keyRowsSql, type Staging } from '../src/engine/store/staging.ts';
import type { CheckView, ProbeResult } from '../src/shared/model.ts';
import type { SavedCheckState } from '../src/engine/store/history-store.ts';
import { HttpResults } from './http-results.ts';

const ALL = [
  'product',
  'unstaged',
  'no-key-index',
  'checkpoint',
  'cache',
  'page-1024',
  'move-rows',
  'move-unordered',
  'states',
  'check-index',
  'maintained',
] as const;
type Variant = (typeof ALL)[number];
const STAGED: readonly Variant[] = ['product', 'move-rows', 'move-unordered', 'states', 'check-index', 'maintained'];
const CHECKS = 2_000;
const VANTAGES = ['a1', 'a2', 'a3'];
const PER_S = 600;
const PER_COMMIT = Number(process.env.ROWS_PER_COMMIT ?? 100);
const MEASURED = Number(process.env.ROWS_MEASURED ?? 120_000);
const PREFILL_S = Number(process.env.ROWS_PREFILL_S ?? 1_200);
const CHECKPOINT_PAGES = Number(process.env.ROWS_CHECKPOINT_PAGES ?? 10_000);
const CACHE_MB = Number(process.env.ROWS_CACHE_MB ?? 64);
const MOVE_ROWS = Number(process.env.ROWS_MOVE_ROWS ?? PER_S * 60);
const STATE_EVERY_MS = Number(process.env.ROWS_STATE_EVERY_S ?? 60) * 1000;
const MAINTAIN_ROWS = Number(process.env.ROWS_MAINTAIN_S ?? 10) * PER_S;
const ROLLUP_PREFILL_H = Number(process.env.ROWS_ROLLUP_PREFILL_H ?? 0);
const HOUR_MS = 3_600_000;

const gen = new HttpResults(1_000);
/** The n-th result of the stream: check after check, each vantage in turn, 600 a second. */
function nth(n: number, t0: number): ProbeResult {
  const c = n % CHECKS;
  const vantage = VANTAGES[Math.floor(n / CHECKS) % VANTAGES.length]!;
  const t = t0 + Math.floor((n * 1000) / PER_S);
  return { ...gen.next(c % 1_000, t, `c${c}`), vantage };
}

type Row = [number, number, number, number | null, string | null, string, string | null];

/** A check's state row as the centre writes it for a check probed from three vantages. */
function savedState(result: ProbeResult): SavedCheckState {
  const { checkId, startedAt, latencyMs, errorClass, message } = result;
  const since = startedAt - 3_600_000;
  const own = (v: string) => ({
    vantage: v,
    status: 'up' as const,
    since,
    lastProbeAt: startedAt,
    latencyMs: latencyMs === null ? null : Math.round(latencyMs * 10) / 10,
    errorClass,
    message,
    voting: true,
  });
  return {
    state: {
      status: 'up',
      since,
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      consecutiveSlow: 0,
      consecutiveFast: 1,
      recentFailures: [],
      outUntil: null,
    },
    view: {
      id: checkId,
      name: checkId,
      type: 'http',
      target: `GET http://127.0.0.1:33301/health?c=${checkId}`,
      region: null,
      intervalMs: 10_000,
      timeoutMs: 5_000,
      status: 'up',
      since,
      lastProbeAt: startedAt,
      latencyMs,
      errorClass,
      message,
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      degradedLatencyMs: null,
      vantages: VANTAGES.map(own),
      quorum: { rule: 'majority of 3', voters: 3, of: 3, failing: [], held: false, pathProblem: false },
      details: {
        httpStatus: 200,
        phases: { dnsMs: 0.977, connectMs: 27.846, tlsMs: 0, ttfbMs: 2.366, transferMs: 0.331 },
      },
      beats: 'uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu',
    } as unknown as CheckView,
    // As the module keeps it: the result without its timings (they are in the results table).
    lastResult: { ...result, phases: undefined },
    savedAt: startedAt,
  };
}

function run(variant: Variant): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'knockon-rows-'));
  if (variant === 'page-1024') {
    // The page size is fixed when the first table is made: before the store's migrations.
    const empty = new DatabaseSync(join(dir, DB_FILE));
    empty.exec('PRAGMA page_size = 1024; CREATE TABLE page_size_set (x); DROP TABLE page_size_set;');
    empty.close();
  }
  const store = new HistoryStore({ dataDir: dir, clock: systemClock, timers: false });
  const inside = store as unknown as { store: StoreDatabase; staging: Staging };
  try {
    // The measured part starts ten minutes past an hour, in the past, whenever the bench runs:
    // which of the store's hourly and ten-minute jobs fall inside it depends on that, so runs
    // compare only when it is fixed. An hour measured (ROWS_MEASURED=2160000) then holds each
    // job once: six closes of ten minutes' minute rollups, one hour sealed and rolled up whole
    // (the prefill holds its first ten minutes).
    const hours = Math.ceil(MEASURED / PER_S / 3600) + 1;
    const measuredFrom = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hours * HOUR_MS + 10 * 60_000;
    const t0 = measuredFrom - PREFILL_S * 1000;
    const prefill = PREFILL_S * PER_S;
    for (let from = 0; from < prefill; from += 10_000) {
      const batch: ProbeResult[] = [];
      for (let n = from; n < Math.min(prefill, from + 10_000); n++) batch.push(nth(n, t0));
      store.importResults(batch);
    }
    // The store's own connection: these pragmas are per connection.
    const db = inside.store.db;
    if (variant === 'no-key-index') db.exec('DROP INDEX results_by_minute');
    if (variant === 'check-index') {
      // Schema 6's index of the open rows: by key, then time.
      db.exec('DROP INDEX results_by_minute; CREATE INDEX results_by_check ON result_rows (check_key, started_at)');
    }
    if (variant === 'checkpoint') db.exec(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    if (variant === 'cache') db.exec(`PRAGMA cache_size = ${-CACHE_MB * 1024}`);
    const staged = STAGED.includes(variant);
    if (!staged) {
      // The write path before schema 6: the batch's inserts go to the indexed table.
      const direct = db.prepare(`INSERT INTO result_rows (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      inside.staging.insert = (...row) => void direct.run(...row);
    }
    const benchMove = (ordered: boolean, rowByRow: boolean) => {
      const last = db.prepare('SELECT max(rowid) AS r FROM result_staged');
      const select = `SELECT ${ROW_COLUMNS} FROM result_staged WHERE rowid <= ?${ordered ? ' ORDER BY check_key, started_at' : ''}`;
      const bulk = db.prepare(`INSERT INTO result_rows (${ROW_COLUMNS}) ${select}`);
      const read = db.prepare(select);
      read.setReturnArrays(true);
      const insert = db.prepare(`INSERT INTO result_rows (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      const unstage = db.prepare('DELETE FROM result_staged WHERE rowid <= ?');
      return () => {
        const upTo = (last.get() as { r: number | null }).r;
        if (upTo === null) return;
        db.exec('BEGIN IMMEDIATE');
        if (rowByRow) for (const row of read.iterate(upTo) as unknown as Iterable<Row>) insert.run(...row);
        else bulk.run(upTo);
        unstage.run(upTo);
        db.exec('COMMIT');
      };
    };
    const moveOnce =
      variant === 'move-rows'
        ? benchMove(true, true)
        : variant === 'move-unordered'
          ? benchMove(false, false)
          : () => {
              // A piece per maintenance step in the product: each timed on its own.
              for (;;) {
                const w0 = performance.now();
                const done = inside.staging.move();
                pieceMsMax = Math.max(pieceMsMax, performance.now() - w0);
                pieces++;
                if (done) break;
              }
            };
    let moves = 0;
    let pieces = 0;
    let pieceMsMax = 0;
    let moveCpuUs = 0;
    let moveMsMax = 0;
    const move = () => {
      moves++;
      const m0 = process.threadCpuUsage();
      const w0 = performance.now();
      moveOnce();
      moveMsMax = Math.max(moveMsMax, performance.now() - w0);
      const used = process.threadCpuUsage(m0);
      moveCpuUs += used.user + used.system;
    };
    const results: ProbeResult[] = [];
    for (let n = prefill; n < prefill + MEASURED; n++) results.push(nth(n, t0));
    // When each check's state row was last written (the results' time), for the states variant:
    // every check has its row before the measured part, written at times spread over the
    // cadence, as in a centre that has run a while.
    const stateAt = new Map<string, number>();
    let stateRows = 0;
    if (variant === 'states') {
      for (const r of results.slice(0, CHECKS)) {
        stateAt.set(r.checkId, r.startedAt - Math.random() * STATE_EVERY_MS);
        store.queueCheckState(r.checkId, savedState(r));
      }
      store.commitStates([]);
    }
    let maintainCpuUs = 0;
    const maintain = (now: number) => {
      const m0 = process.threadCpuUsage();
      while (store.maintain(now, 20));
      const used = process.threadCpuUsage(m0);
      maintainCpuUs += used.user + used.system;
    };
    let catchUpCpuUs = 0;
    if (variant === 'maintained' && ROLLUP_PREFILL_H > 0) {
      // A centre that has run a while: each key's minute rollups of the hours before, written
      // as the centre writes them (a minute's cells at a time), so each key has pages of its own.
      const first = Math.floor(t0 / 60_000) * 60_000 - ROLLUP_PREFILL_H * HOUR_MS;
      const keys = (db.prepare('SELECT key FROM checks').all() as { key: number }[]).map((r) => r.key);
      const cell = db.prepare(
        'INSERT INTO rollup_minute (check_key, t, count, failures, lat_count, lat_min, lat_sum, lat_max, p50, p95, p99, sketch) ' +
          'VALUES (?, ?, 6, 0, 6, 10, 75, 15, 12, 15, 15, ?)',
      );
      const sketch = new Uint8Array(48).fill(7);
      for (let t = first; t < Math.floor(t0 / 60_000) * 60_000; t += 60_000) {
        db.exec('BEGIN');
        for (const key of keys) cell.run(key, t, sketch);
        db.exec('COMMIT');
      }
    }
    if (variant === 'maintained') {
      maintain(results[0]!.startedAt);
      catchUpCpuUs = maintainCpuUs;
      maintainCpuUs = 0;
    }
    const c0 = process.threadCpuUsage();
    let at = Date.now();
    let sinceMove = 0;
    for (let i = 0; i < results.length; i += PER_COMMIT) {
      for (const r of results.slice(i, i + PER_COMMIT)) {
        store.record(r);
        if (variant !== 'states') continue;
        if (r.startedAt - stateAt.get(r.checkId)! < STATE_EVERY_MS) continue;
        stateAt.set(r.checkId, r.startedAt);
        store.queueCheckState(r.checkId, savedState(r));
        stateRows++;
      }
      store.commitStates([{ key: 'agent-cursor:a1:bench', at: at++, body: String(i) }]);
      sinceMove += PER_COMMIT;
      if (variant === 'maintained') {
        if (Math.floor((i + PER_COMMIT) / MAINTAIN_ROWS) > Math.floor(i / MAINTAIN_ROWS)) {
          maintain(results[Math.min(results.length, i + PER_COMMIT) - 1]!.startedAt);
        }
        continue;
      }
      if (staged && sinceMove >= MOVE_ROWS) {
        move();
        sinceMove = 0;
      }
    }
    if (variant === 'maintained') maintain(results.at(-1)!.startedAt);
    else if (staged) move();
    const c = process.threadCpuUsage(c0);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    if (variant !== 'maintained' && count('SELECT count(*) AS n FROM result_rows') !== prefill + MEASURED) {
      throw new Error(`${variant}: the indexed table does not hold every row`);
    }
    let stagedReadMs: number | null = null;
    if (staged) {
      // What a reader pays for the staged rows: a minute staged, one check's newest read.
      for (let n = prefill + MEASURED; n < prefill + MEASURED + MOVE_ROWS; n += PER_COMMIT) {
        for (let k = n; k < n + PER_COMMIT; k++) store.record(nth(k, t0));
        store.commitStates([{ key: 'agent-cursor:a1:bench', at: at++, body: String(n) }]);
      }
      const read =
        variant === 'check-index'
          ? db.prepare(`SELECT ${ROW_COLUMNS} FROM results WHERE check_key = ?3 ORDER BY started_at DESC LIMIT 50`)
          : db.prepare(keyRowsSql(ROW_COLUMNS, 'results', 'ORDER BY started_at DESC LIMIT 50'));
      const w0 = performance.now();
      for (let k = 1; k <= 100; k++) {
        if (variant === 'check-index') read.all(...ANY_TIME, k * 17);
        else read.all(...ANY_TIME, k * 17, inside.staging.rowidsOf(k * 17));
      }
      stagedReadMs = Math.round(((performance.now() - w0) / 100) * 100) / 100;
    }
    const round = (n: number) => Math.round(n * 10_000) / 10_000;
    return {
      variant,
      ...(variant === 'checkpoint' ? { checkpoint_pages: CHECKPOINT_PAGES } : {}),
      ...(variant === 'cache' ? { cache_mb: CACHE_MB } : {}),
      per_commit: PER_COMMIT,
      results: MEASURED,
      ...(variant === 'states' ? { state_every_s: STATE_EVERY_MS / 1000, state_rows: stateRows } : {}),
      cpu_s_per_1000_results: round((c.user + c.system) / 1e6 / (MEASURED / 1000)),
      system_s_per_1000_results: round(c.system / 1e6 / (MEASURED / 1000)),
      ...(staged
        ? {
            move_rows: MOVE_ROWS,
            moves,
            of_it_moves_s_per_1000_results: round(moveCpuUs / 1e6 / (MEASURED / 1000)),
            ...(variant === 'maintained'
              ? {
                  of_it_maintenance_s_per_1000_results: round(maintainCpuUs / 1e6 / (MEASURED / 1000)),
                  catch_up_s_per_1000_prefilled: round(catchUpCpuUs / 1e6 / (prefill / 1000)),
                }
              : {}),
            move_ms: Math.round(moveMsMax),
            ...(variant === 'product' ? { pieces, piece_ms: Math.round(pieceMsMax) } : {}),
            staged_read_ms: stagedReadMs,
          }
        : {}),
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants = (process.env.ROWS_VARIANTS?.split(',') ?? [...ALL]) as Variant[];
for (const variant of variants) {
  if (!ALL.includes(variant)) throw new Error(`ROWS_VARIANTS: unknown variant ${variant}`);
  console.log(JSON.stringify({ bench: 'store-rows', ...run(variant) }));
}
