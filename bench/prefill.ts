/**
 * A centre's history as it is after running a while, written before the centre starts: the
 * `minutes` before now of results for every (check, vantage) key at one result per interval,
 * through the store's bulk path (into the open rows' table), then the store's own maintenance
 * until it has caught up (minute and hour rollups, sealing of closed hours). A benchmark of a
 * fresh file measures a store whose tables are small; a centre's tables are not.
 */
import { systemClock } from '../src/engine/clock.ts';
import { HistoryStore } from '../src/engine/store/index.ts';
import type { ProbeResult } from '../src/shared/model.ts';
import { HttpResults } from './http-results.ts';

export interface Prefill {
  dataDir: string;
  checkIds: readonly string[];
  /** Vantage ids; '' (or none given) is this machine. */
  vantages: readonly string[];
  minutes: number;
  intervalMs: number;
}

/** Writes the history and returns how many results it holds and how long it took. */
export function prefillHistory(p: Prefill): { results: number; ms: number } {
  const started = performance.now();
  const store = new HistoryStore({ dataDir: p.dataDir, clock: systemClock, timers: false });
  const gen = new HttpResults(p.checkIds.length);
  const now = Date.now();
  const from = Math.floor((now - p.minutes * 60_000) / p.intervalMs) * p.intervalMs;
  let results = 0;
  try {
    let batch: ProbeResult[] = [];
    for (let slot = from; slot < now - p.intervalMs; slot += p.intervalMs) {
      for (let c = 0; c < p.checkIds.length; c++) {
        for (const vantage of p.vantages) {
          const r = gen.next(c, slot, p.checkIds[c]);
          batch.push(vantage === '' ? r : { ...r, vantage });
        }
      }
      if (batch.length >= 20_000) {
        results += store.importResults(batch);
        batch = [];
      }
    }
    results += store.importResults(batch);
    while (store.maintain(Date.now(), 1_000));
  } finally {
    store.close();
  }
  return { results, ms: Math.round(performance.now() - started) };
}

/** `node bench/prefill.ts DATA_DIR MINUTES INTERVAL_MS CHECKS VANTAGE…` ('' for this machine): one JSON line. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const [dataDir, minutes, intervalMs, checks, ...vantages] = process.argv.slice(2);
  if (!dataDir || !minutes || !intervalMs || !checks || vantages.length === 0) {
    throw new Error('usage: node bench/prefill.ts DATA_DIR MINUTES INTERVAL_MS CHECKS VANTAGE...');
  }
  const checkIds = Array.from({ length: Number(checks) }, (_, i) => `c${i}`);
  const vantageIds = vantages.map((v) => (v === 'local' ? '' : v));
  const done = prefillHistory({
    dataDir,
    checkIds,
    vantages: vantageIds,
    minutes: Number(minutes),
    intervalMs: Number(intervalMs),
  });
  console.log(JSON.stringify(done));
}
