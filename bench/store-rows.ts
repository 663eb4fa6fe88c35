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
 *
 * Environment: ROWS_VARIANTS (all, comma-separated), ROWS_PER_COMMIT (100), ROWS_MEASURED
 * (120000), ROWS_PREFILL_S (1200), ROWS_CHECKPOINT_PAGES (10000). Not a product path: no-check-index
 * and checkpoint change the bench's own database only.
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

const ALL = ['product', 'no-check-index', 'checkpoint'] as const;
type Variant = (typeof ALL)[number];
const CHECKS = 2_000;
const VANTAGES = ['a1', 'a2', 'a3'];
const PER_S = 600;
const PER_COMMIT = Number(process.env.ROWS_PER_COMMIT ?? 100);
const MEASURED = Number(process.env.ROWS_MEASURED ?? 120_000);
const PREFILL_S = Number(process.env.ROWS_PREFILL_S ?? 1_200);
const CHECKPOINT_PAGES = Number(process.env.ROWS_CHECKPOINT_PAGES ?? 10_000);

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
    if (variant === 'checkpoint') {
      // The store's own connection: wal_autocheckpoint is per connection.
      const db = (store as unknown as { store: StoreDatabase }).store.db;
      db.exec(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    }
    const results: ProbeResult[] = [];
    for (let n = prefill; n < prefill + MEASURED; n++) results.push(nth(n, t0));
    const c0 = process.threadCpuUsage();
    let at = Date.now();
    for (let i = 0; i < results.length; i += PER_COMMIT) {
      for (const r of results.slice(i, i + PER_COMMIT)) store.record(r);
      store.commitStates([{ key: 'agent-cursor:a1:bench', at: at++, body: String(i) }]);
    }
    const c = process.threadCpuUsage(c0);
    const round = (n: number) => Math.round(n * 10_000) / 10_000;
    return {
      variant,
      ...(variant === 'checkpoint' ? { checkpoint_pages: CHECKPOINT_PAGES } : {}),
      per_commit: PER_COMMIT,
      results: MEASURED,
      cpu_s_per_1000_results: round((c.user + c.system) / 1e6 / (MEASURED / 1000)),
      system_s_per_1000_results: round(c.system / 1e6 / (MEASURED / 1000)),
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
