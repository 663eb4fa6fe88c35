/**
 * npm run bench:store
 *
 * The history store on a real file in a temp directory, one JSON line:
 * - write rate and bytes: 1,000 HTTP checks with phase timings every 10 s for 3 hours
 *   (bench/http-results.ts: up, degraded and down mixed; 1,080,000 results) through record() +
 *   flush() in batches of 10,000 (the 1 s timer's path); then the store's own maintenance rolls
 *   them up and seals them into chunks (sealed results per second). Bytes per result on disk
 *   (dbstat: the pages of the tables and their indexes) as rows before sealing and as chunks
 *   after; bytes per minute and hour rollup row;
 * - the one-year projection at 1,000 checks every 10 s with the default retention, from those
 *   figures: raw results for `raw` (plus the open hour as rows), minute rollups for `minute`,
 *   hour rollups for `hour`;
 * - query time for 24 h of one check (series, 300 points, from minute rollups), and of one check
 *   probed from three vantages (this machine and two agents), all together and one vantage;
 * - 30 days of 1,000 checks, loaded through the bulk path (importResults): the last 7 days at one
 *   result per check every 5 minutes, the 23 days before at one every 30 minutes, rolled up and
 *   sealed by the store's own maintenance (in 1 s steps): availability of all 1,000 checks over
 *   7 d in one query, a 7 d series (300 points) for each check, a 30 d series for each check.
 * Medians of repeated runs; runtime a few minutes on a 2-core machine.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock } from '../src/engine/clock.ts';
import { DB_FILE, HistoryStore } from '../src/engine/store/index.ts';
import { HISTORY_DEFAULTS } from '../src/shared/config/history.ts';
import type { ProbeResult } from '../src/shared/model.ts';
import { HttpResults } from './http-results.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const now = Math.floor(Date.now() / MIN) * MIN;

const HOUR = 60 * MIN;
const gen = new HttpResults(1_000);
/** A result of check `c` (of 1,000) for the slot at `t`. */
function httpResult(checkId: string, t: number, c: number): ProbeResult {
  return gen.next(c % 1_000, t, checkId);
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

/** Bytes of pages of the tables (and their indexes) whose names start with one of `prefixes`. */
function pageBytes(dir: string, ...prefixes: string[]): number {
  const db = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as {
      name: string;
      bytes: number;
    }[];
    return rows.filter((r) => prefixes.some((p) => r.name.startsWith(p))).reduce((n, r) => n + r.bytes, 0);
  } finally {
    db.close();
  }
}

function count(dir: string, table: string): number {
  const db = new DatabaseSync(join(dir, DB_FILE), { readOnly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function writeAndSeal() {
  const { store, dir } = openStore();
  const checks = 1_000;
  const end = Math.floor(now / HOUR) * HOUR;
  const start = end - 3 * HOUR;
  let total = 0;
  const batch = 10_000;
  const writeStart = performance.now();
  for (let t = start; t < end; t += 10_000) {
    for (let c = 0; c < checks; c++) store.record(httpResult(`check-${c}`, t, c));
    total += checks;
    if (total % batch === 0) store.flush();
  }
  store.flush();
  const writeSeconds = (performance.now() - writeStart) / 1_000;
  store.checkpoint();
  const rowBytes = pageBytes(dir, 'results');
  const sealStart = performance.now();
  // Two minutes after the last hour: every hour is rolled up, so every hour is sealed.
  while (store.maintain(end + 2 * MIN, 1_000));
  const sealSeconds = (performance.now() - sealStart) / 1_000;
  store.checkpoint();
  const chunkBytes = pageBytes(dir, 'result_chunks', 'results');
  const minuteRows = count(dir, 'rollup_minute');
  const hourRows = count(dir, 'rollup_hour');
  const minuteBytes = pageBytes(dir, 'rollup_minute') / minuteRows;
  const hourBytes = pageBytes(dir, 'rollup_hour') / hourRows;
  store.close();
  return {
    results: total,
    writeResultsPerSecond: Math.round(total / writeSeconds),
    rollUpAndSealResultsPerSecond: Math.round(total / sealSeconds),
    rowBytesPerResult: round1(rowBytes / total),
    bytesPerResult: Math.round((chunkBytes / total) * 100) / 100,
    minuteRollupBytes: round1(minuteBytes),
    hourRollupBytes: round1(hourBytes),
  };
}

/** One year at 1,000 checks every 10 s with the default retention, in GB. */
function projectYear(w: ReturnType<typeof writeAndSeal>) {
  const checks = 1_000;
  const perCheckPerMs = 1 / 10_000;
  const days = (ms: number) => Math.min(ms, 365 * 86_400_000);
  const raw = checks * perCheckPerMs * days(HISTORY_DEFAULTS.raw) * w.bytesPerResult;
  // The open part: up to an hour (and the lateness) of rows not sealed yet.
  const open = checks * perCheckPerMs * (HOUR + 2 * MIN) * w.rowBytesPerResult;
  const minute = ((checks * days(HISTORY_DEFAULTS.minute)) / MIN) * w.minuteRollupBytes;
  const hour = ((checks * days(HISTORY_DEFAULTS.hour)) / HOUR) * w.hourRollupBytes;
  const gb = (b: number) => Math.round(b / 1e7) / 100;
  return {
    rawGB: gb(raw),
    openGB: gb(open),
    minuteRollupsGB: gb(minute),
    hourRollupsGB: gb(hour),
    totalGB: gb(raw + open + minute + hour),
  };
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

function thousandChecksMonth() {
  const { store, dir } = openStore();
  const checks = 1_000;
  const loadStart = performance.now();
  let rows = 0;
  // Oldest first, an hour of all checks per import: the order a live engine writes in.
  for (let t = now - 30 * DAY; t < now; t += HOUR) {
    const every = t < now - 7 * DAY ? 30 * MIN : 5 * MIN;
    const chunk: ProbeResult[] = [];
    for (let s = t; s < Math.min(t + HOUR, now); s += every) {
      for (let c = 0; c < checks; c++) chunk.push(httpResult(`check-${c}`, s + c * 250, c));
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
  const series7dAllMs = time(() => {
    for (let c = 0; c < checks; c++) store.series(`check-${c}`, '7d', 300, now);
  }, 3);
  const series30dAllMs = time(() => {
    for (let c = 0; c < checks; c++) store.series(`check-${c}`, '30d', 300, now);
  }, 3);
  store.close();
  return {
    checks,
    rawResults: rows,
    checksWithAvailability: all.size,
    loadResultsPerSecond: Math.round(rows / loadSeconds),
    rollUpAndSealSeconds: round1(rollupSeconds),
    fileMB: round1(fileBytes / 1e6),
    availability7dAllMs: availabilityAllMs,
    series7d1000ChecksMs: series7dAllMs,
    series30d1000ChecksMs: series30dAllMs,
  };
}

try {
  const write = writeAndSeal();
  const year = projectYear(write);
  const day = oneCheckDay();
  const vantages = threeVantagesDay();
  const month = thousandChecksMonth();
  console.log(
    JSON.stringify({
      bench: 'store',
      node: process.version,
      ...write,
      targetBytesPerResult: 16,
      yearAt1000ChecksEvery10s: { ...year, targetGB: 10 },
      series24hOneCheckMs: day.seriesMs,
      series24hPoints: day.points,
      series24hThreeVantagesMs: vantages.allMs,
      series24hOneOfThreeVantagesMs: vantages.oneMs,
      month1000: month,
    }),
  );
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
