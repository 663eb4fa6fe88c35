/**
 * npm run bench:store
 *
 * The history store on a real file in a temp directory, one JSON line:
 * - write rate: results through record() + flush() (the path the 1 s timer takes), batches of
 *   10,000 (what 1,000 checks at 100 ms, or 10,000 at 1 s, produce between two flushes);
 * - bytes on disk per raw result, after a checkpoint (table and both indexes);
 * - query time for 24 h of one check (series, 300 points, from minute rollups), and of one check
 *   probed from three vantages (this machine and two agents), all together and one vantage;
 * - 7 days of 1,000 checks, loaded through the bulk path (importResults) at one result per
 *   check every 5 minutes (2,016,000 raw results) and rolled up by the store's own maintenance
 *   (in 1 s steps):
 *   availability of all 1,000 checks over 7 d in one query, and a 7 d series (300 points) for
 *   every one of the 1,000 checks, one after the other.
 * Medians of repeated runs; runtime about a minute on a 2-core machine.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/engine/clock.ts';
import { DB_FILE, HistoryStore } from '../src/engine/store/index.ts';
import type { ProbeResult } from '../src/shared/model.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const now = Math.floor(Date.now() / MIN) * MIN;

/** A result as an HTTP probe makes it: timings are performance.now() differences, full doubles. */
function httpResult(checkId: string, startedAt: number, i: number): ProbeResult {
  const ok = i % 50 !== 0;
  const jitter = ((i * 0.6180339887498949) % 1) * 7.123456789;
  const latency = 20 + (i % 37) + jitter + (i % 997 === 0 ? 800 : 0);
  return ok
    ? {
        checkId,
        startedAt,
        ok,
        latencyMs: latency,
        errorClass: null,
        message: 'HTTP 200',
        httpStatus: 200,
        phases: {
          dnsMs: 0.4 + jitter / 100,
          connectMs: 1.2 + jitter / 10,
          tlsMs: 3.1 + jitter / 7,
          ttfbMs: latency - 5 - jitter / 3,
          transferMs: 0.3 + jitter / 50,
        },
      }
    : {
        checkId,
        startedAt,
        ok,
        latencyMs: 5000.123456789,
        errorClass: 'read_timeout',
        message: 'no response within 5000 ms',
      };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void, runs: number): number {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return Math.round(median(samples) * 100) / 100;
}

const dirs: string[] = [];
function openStore(): { store: HistoryStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'knockon-bench-store-'));
  dirs.push(dir);
  return { store: new HistoryStore({ dataDir: dir, clock: systemClock, timers: false, queueLimit: 1_000_000 }), dir };
}

function writeRate() {
  const { store, dir } = openStore();
  const total = 500_000;
  const batch = 10_000;
  const start = performance.now();
  for (let i = 0; i < total;) {
    for (let j = 0; j < batch; j++, i++) store.record(httpResult(`check-${i % 1_000}`, now - DAY + i * 10, i));
    store.flush();
  }
  const seconds = (performance.now() - start) / 1_000;
  store.checkpoint();
  const bytes = statSync(join(dir, DB_FILE)).size;
  store.close();
  return { resultsPerSecond: Math.round(total / seconds), bytesPerResult: Math.round((bytes / total) * 10) / 10 };
}

function oneCheckDay() {
  const { store } = openStore();
  const results: ProbeResult[] = [];
  for (let t = now - DAY, i = 0; t < now; t += 10_000, i++) results.push(httpResult('hk-lb', t, i));
  store.importResults(results);
  while (store.maintain(now));
  const points = store.series('hk-lb', '24h', 300, now).length;
  const ms = time(() => store.series('hk-lb', '24h', 300, now), 50);
  store.close();
  return { rawResults: results.length, points, seriesMs: ms };
}

function threeVantagesDay() {
  const { store } = openStore();
  const results: ProbeResult[] = [];
  for (const vantage of [undefined, 'sg', 'fra']) {
    for (let t = now - DAY, i = 0; t < now; t += 10_000, i++) {
      const r = httpResult('hk-lb', t + (vantage ? vantage.length : 0), i);
      results.push(vantage ? { ...r, vantage } : r);
    }
  }
  store.importResults(results);
  while (store.maintain(now));
  const allMs = time(() => store.series('hk-lb', '24h', 300, now), 50);
  const oneMs = time(() => store.series('hk-lb', '24h', 300, now, 'sg'), 50);
  store.close();
  return { allMs, oneMs };
}

function thousandChecksWeek() {
  const { store, dir } = openStore();
  const checks = 1_000;
  const every = 5 * MIN;
  const loadStart = performance.now();
  let rows = 0;
  // Oldest first, one 5-minute round of all checks per chunk: the order a live engine writes in.
  for (let t = now - 7 * DAY; t < now; t += every * 12) {
    const chunk: ProbeResult[] = [];
    for (let s = t; s < Math.min(t + every * 12, now); s += every) {
      for (let c = 0; c < checks; c++) chunk.push(httpResult(`check-${c}`, s + c * 250, rows + chunk.length));
    }
    rows += store.importResults(chunk);
  }
  const loadSeconds = (performance.now() - loadStart) / 1_000;
  const rollStart = performance.now();
  // A bulk load catches up in big steps; the engine's own steps stop after 20 ms.
  while (store.maintain(now, 1_000));
  const rollupSeconds = (performance.now() - rollStart) / 1_000;
  store.checkpoint();
  const fileBytes = statSync(join(dir, DB_FILE)).size;
  const all = store.availabilityAll('7d', now);
  const availabilityAllMs = time(() => store.availabilityAll('7d', now), 5);
  const seriesAllMs = time(() => {
    for (let c = 0; c < checks; c++) store.series(`check-${c}`, '7d', 300, now);
  }, 3);
  store.close();
  return {
    checks,
    rawResults: rows,
    checksWithAvailability: all.size,
    loadResultsPerSecond: Math.round(rows / loadSeconds),
    rollupSeconds: Math.round(rollupSeconds * 10) / 10,
    fileMB: Math.round(fileBytes / 1e5) / 10,
    availabilityAllMs,
    series1000ChecksMs: seriesAllMs,
  };
}

try {
  const write = writeRate();
  const day = oneCheckDay();
  const vantages = threeVantagesDay();
  const week = thousandChecksWeek();
  console.log(
    JSON.stringify({
      bench: 'store',
      node: process.version,
      writeResultsPerSecond: write.resultsPerSecond,
      bytesPerResult: write.bytesPerResult,
      series24hOneCheckMs: day.seriesMs,
      series24hPoints: day.points,
      series24hThreeVantagesMs: vantages.allMs,
      series24hOneOfThreeVantagesMs: vantages.oneMs,
      week1000: week,
    }),
  );
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
