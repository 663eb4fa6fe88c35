/**
 * node bench/store-rows.ts: what the centre's store thread pays per result row, by index.
 *
 * The history store on a real file (a temp directory), written as the store thread writes an
 * agent's results: groups of PER_COMMIT results (about what one group commit carries at the
 * vantages benchmark's pace) from 2,000 checks probed from three vantages, each group with an
 * agent cursor in one durable (synchronous=FULL) transaction (HistoryStore.commitStates, the
 * path of StoreClient.commitWith). The table first holds ROWS_S_PREFILL seconds of results at
 * 600 a second (as the open hour does), loaded through the bulk path. Then MEASURED results are
 * written and this thread's CPU (user + system: SQLite's writes and fsyncs are system time) is
 * taken per 1,000 results. One JSON line per variant:
 *
 *   product          the schema as it is (results_by_check and results_by_time)
 *   no-check-index   results_by_check dropped before the measured part: what that index costs
 *                    (every new row lands on another check's leaf page: one page written per row)
 *   checkpoint       the product's schema with wal_autocheckpoint ROWS_CHECKPOINT_PAGES (10,000)
 *                    pages instead of SQLite's 1,000
 *   staging          the group commits append to a table with no index (time order) and once a
 *                    minute of results (36,000 rows) everything staged is moved into the
 *                    indexed table in one transaction, `INSERT … SELECT … ORDER BY check_key,
 *                    started_at` then `DELETE … WHERE rowid <= last moved` (each check's rows of
 *                    the minute then share a leaf page of results_by_check); the moves are in
 *                    the measured CPU, and a last one at the end moves what is left
 *   staging-rows     staging with the move row by row (read in that order, one insert each)
 *   staging-unordered staging with the move in the staging table's (time) order
 *   cache            the product with cache_size ROWS_CACHE_MB (64) MB instead of 2
 *   page-1024        the product in a file of 1,024-byte pages instead of 4,096 (a leaf page
 *                    written per row is a quarter of the bytes)
 *
 * Environment: ROWS_VARIANTS (all, comma-separated), ROWS_PER_COMMIT (100), ROWS_MEASURED
 * (120000), ROWS_PREFILL_S (1200), ROWS_CHECKPOINT_PAGES (10000), ROWS_CACHE_MB (64), ROWS_MOVE_ROWS
 * (36000). Not a
 * product path: every variant but product changes the bench's own database only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../src/engine/clock.ts';
import { DB_FILE, HistoryStore } from '../src/engine/store/index.ts';
import type { StoreDatabase } from '../src/engine/store/database.ts';
import type { ProbeResult } from '../src/shared/model.ts';
import { HttpResults } from './http-results.ts';

const ALL = [
  'product',
  'no-check-index',
  'checkpoint',
  'staging',
  'staging-rows',
  'staging-unordered',
  'cache',
  'page-1024',
] as const;
type Variant = (typeof ALL)[number];
const CHECKS = 2_000;
const VANTAGES = ['a1', 'a2', 'a3'];
const PER_S = 600;
const PER_COMMIT = Number(process.env.ROWS_PER_COMMIT ?? 100);
const MEASURED = Number(process.env.ROWS_MEASURED ?? 120_000);
const PREFILL_S = Number(process.env.ROWS_PREFILL_S ?? 1_200);
const CHECKPOINT_PAGES = Number(process.env.ROWS_CHECKPOINT_PAGES ?? 10_000);
const CACHE_MB = Number(process.env.ROWS_CACHE_MB ?? 64);
/** How often the staging variants move: a minute of results at PER_S unless ROWS_MOVE_ROWS says. */
const MOVE_ROWS = Number(process.env.ROWS_MOVE_ROWS ?? PER_S * 60);
const ROW_COLUMNS = 'check_key, started_at, ok, latency_ms, error_class, message, details';

const gen = new HttpResults(1_000);
/** The n-th result of the stream: check after check, each vantage in turn, 600 a second. */
function nth(n: number, t0: number): ProbeResult {
  const c = n % CHECKS;
  const vantage = VANTAGES[Math.floor(n / CHECKS) % VANTAGES.length]!;
  const t = t0 + Math.floor((n * 1000) / PER_S);
  return { ...gen.next(c % 1_000, t, `c${c}`), vantage };
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
  try {
    const t0 = Date.now() - (PREFILL_S + MEASURED / PER_S) * 1000;
    const prefill = PREFILL_S * PER_S;
    for (let from = 0; from < prefill; from += 10_000) {
      const batch: ProbeResult[] = [];
      for (let n = from; n < Math.min(prefill, from + 10_000); n++) batch.push(nth(n, t0));
      store.importResults(batch);
    }
    if (variant === 'no-check-index') {
      const other = new DatabaseSync(join(dir, DB_FILE));
      other.exec('DROP INDEX results_by_check');
      other.close();
    }
    // The store's own connection: these pragmas are per connection.
    const db = (store as unknown as { store: StoreDatabase }).store.db;
    if (variant === 'checkpoint') db.exec(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    if (variant === 'cache') db.exec(`PRAGMA cache_size = ${-CACHE_MB * 1024}`);
    const staging = variant.startsWith('staging');
    if (staging) {
      // The store writes `INSERT INTO results`: that name becomes the staging table (no index);
      // the indexed table (its indexes follow the rename) is `results_main`.
      db.exec(`ALTER TABLE results RENAME TO results_main;
        CREATE TABLE results (check_key INTEGER NOT NULL, started_at INTEGER NOT NULL, ok INTEGER NOT NULL,
          latency_ms REAL, error_class TEXT, message TEXT NOT NULL, details TEXT);`);
    }
    const prepareMove = () => {
      const lastStaged = db.prepare('SELECT max(rowid) AS r FROM results');
      const moveOrdered = db.prepare(
        `INSERT INTO results_main (${ROW_COLUMNS}) SELECT ${ROW_COLUMNS} FROM results WHERE rowid <= ? ORDER BY check_key, started_at`,
      );
      const moveUnordered = db.prepare(
        `INSERT INTO results_main (${ROW_COLUMNS}) SELECT ${ROW_COLUMNS} FROM results WHERE rowid <= ?`,
      );
      const readOrdered = db.prepare(
        `SELECT ${ROW_COLUMNS} FROM results WHERE rowid <= ? ORDER BY check_key, started_at`,
      );
      readOrdered.setReturnArrays(true);
      const insertMain = db.prepare(`INSERT INTO results_main (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      const unstage = db.prepare('DELETE FROM results WHERE rowid <= ?');
      return { lastStaged, moveOrdered, moveUnordered, readOrdered, insertMain, unstage };
    };
    const m = staging ? prepareMove() : null;
    let moves = 0;
    let moveCpuUs = 0;
    const move = () => {
      const { lastStaged, moveOrdered, moveUnordered, readOrdered, insertMain, unstage } = m!;
      const last = (lastStaged.get() as { r: number | null }).r;
      if (last === null) return;
      moves++;
      const m0 = process.threadCpuUsage();
      db.exec('BEGIN IMMEDIATE');
      if (variant === 'staging') moveOrdered.run(last);
      else if (variant === 'staging-unordered') moveUnordered.run(last);
      else {
        for (const row of readOrdered.iterate(last) as unknown as Iterable<
          [number, number, number, number | null, string | null, string, string | null]
        >) {
          insertMain.run(...row);
        }
      }
      unstage.run(last);
      db.exec('COMMIT');
      const used = process.threadCpuUsage(m0);
      moveCpuUs += used.user + used.system;
    };
    const results: ProbeResult[] = [];
    for (let n = prefill; n < prefill + MEASURED; n++) results.push(nth(n, t0));
    const c0 = process.threadCpuUsage();
    let at = Date.now();
    let sinceMove = 0;
    for (let i = 0; i < results.length; i += PER_COMMIT) {
      for (const r of results.slice(i, i + PER_COMMIT)) store.record(r);
      store.commitStates([{ key: 'agent-cursor:a1:bench', at: at++, body: String(i) }]);
      sinceMove += PER_COMMIT;
      if (staging && sinceMove >= MOVE_ROWS) {
        move();
        sinceMove = 0;
      }
    }
    if (staging) move();
    const c = process.threadCpuUsage(c0);
    let stagedReadMs: number | null = null;
    if (staging) {
      const main = db.prepare('SELECT count(*) AS n FROM results_main').get() as { n: number };
      if (main.n !== prefill + MEASURED) throw new Error(`staging: ${main.n} rows moved, not ${prefill + MEASURED}`);
      // What a reader pays for the staged rows: a minute staged, one check's rows read (no index: a scan).
      for (let n = prefill + MEASURED; n < prefill + MEASURED + MOVE_ROWS; n += PER_COMMIT) {
        for (let k = n; k < n + PER_COMMIT; k++) store.record(nth(k, t0));
        store.commitStates([{ key: 'agent-cursor:a1:bench', at: at++, body: String(n) }]);
      }
      const read = db.prepare(
        `SELECT ${ROW_COLUMNS} FROM results WHERE check_key = ? ORDER BY started_at DESC LIMIT 50`,
      );
      const w0 = performance.now();
      for (let k = 1; k <= 100; k++) read.all(k * 17);
      stagedReadMs = Math.round(((performance.now() - w0) / 100) * 100) / 100;
    }
    const round = (n: number) => Math.round(n * 10_000) / 10_000;
    return {
      variant,
      ...(variant === 'checkpoint' ? { checkpoint_pages: CHECKPOINT_PAGES } : {}),
      ...(variant === 'cache' ? { cache_mb: CACHE_MB } : {}),
      ...(staging ? { move_rows: MOVE_ROWS, moves } : {}),
      per_commit: PER_COMMIT,
      results: MEASURED,
      cpu_s_per_1000_results: round((c.user + c.system) / 1e6 / (MEASURED / 1000)),
      system_s_per_1000_results: round(c.system / 1e6 / (MEASURED / 1000)),
      ...(staging
        ? { of_it_moves_s_per_1000_results: round(moveCpuUs / 1e6 / (MEASURED / 1000)), staged_read_ms: stagedReadMs }
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
