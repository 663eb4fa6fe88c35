import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, type HistoryStore } from '../../../src/engine/store/index.ts';
import { MINUTE_BLOCK, PRUNE_BATCH, READ_LIMIT, ROLLUP_LATENESS_MS } from '../../../src/engine/store/rollups.ts';
import { SEAL_ROWS } from '../../../src/engine/store/chunks.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, result, tempDir } from './helpers.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
/** When the ten minutes holding `t` are rolled up: their end, plus lateness. */
const rolledAt = (t: number) => Math.floor(t / MINUTE_BLOCK) * MINUTE_BLOCK + MINUTE_BLOCK + ROLLUP_LATENESS_MS;

/** Latencies 1..n in a scrambled order, one result each, inside the minute starting at `t`. */
function minuteOf(checkId: string, t: number, n: number): ProbeResult[] {
  return Array.from({ length: n }, (_, i) => result(checkId, t + ((i * 37) % n) * 10, ((i * 37) % n) + 1));
}

describe('rollups and pruning', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  let db: DatabaseSync;
  const rows = (table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY check_key, t`).all();
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
    store = openStore(dir.path, clock, { timers: false }).store;
    db = new DatabaseSync(join(dir.path, DB_FILE));
  });

  afterEach(() => {
    db.close();
    store.close();
    dir.remove();
  });

  it('rolls a closed minute up with exact nearest-rank percentiles over successes only', () => {
    store.importResults(minuteOf('hk-lb', T0, 100));
    store.importResults([
      result('hk-lb', T0 + 1, 5_000, false),
      result('hk-lb', T0 + 2, 5_000, false),
      { ...result('hk-lb', T0 + 3, 1, false), errorClass: 'probe_error' },
      // Probed inside a maintenance window: kept, not charged.
      { ...result('hk-lb', T0 + 4, 9_000, false), maintenance: true },
      { ...result('hk-lb', T0 + 5, 9_000), maintenance: true },
    ]);
    store.maintain(rolledAt(T0));
    expect(rows('rollup_minute')).toEqual([
      {
        check_key: 1,
        t: T0,
        count: 102, // the probe_error result says nothing about the target, maintenance is not charged
        failures: 2,
        lat_count: 100,
        lat_min: 1,
        lat_sum: 5050,
        lat_max: 100,
        p50: 50,
        p95: 95,
        p99: 99,
        sketch: expect.any(Uint8Array),
      },
    ]);
  });

  it('rolls minutes up ten at a time, once the ten have closed, plus lateness for probes still running', () => {
    // T0's minute and the next, in the same ten minutes (T0 is 22:14).
    store.importResults([...minuteOf('hk-lb', T0, 10), ...minuteOf('hk-lb', T0 + MIN, 10)]);
    store.maintain(T0 + 2 * MIN + ROLLUP_LATENESS_MS);
    expect(count('rollup_minute')).toBe(0);
    // Until then a query reads the raw results of those minutes: nothing is missing meanwhile.
    expect(store.series('hk-lb', '1h', 60, T0 + 2 * MIN + ROLLUP_LATENESS_MS).reduce((n, p) => n + p.count, 0)).toBe(
      20,
    );
    store.maintain(rolledAt(T0) - 1);
    expect(count('rollup_minute')).toBe(0);
    store.maintain(rolledAt(T0));
    expect(rows('rollup_minute')).toMatchObject([
      { t: T0, count: 10 },
      { t: T0 + MIN, count: 10 },
    ]);
    expect(store.series('hk-lb', '1h', 60, rolledAt(T0)).reduce((n, p) => n + p.count, 0)).toBe(20);
  });

  it('rolls a minute up again when a result for it arrives after its rollup', () => {
    store.importResults(minuteOf('hk-lb', T0, 10));
    store.maintain(rolledAt(T0));
    store.record(result('hk-lb', T0 + 59_000, 1_000));
    store.flush();
    store.maintain(rolledAt(T0) + 1);
    expect(rows('rollup_minute')).toMatchObject([{ t: T0, count: 11, lat_max: 1_000 }]);
  });

  it('computes hour rollups from raw results, so their p99 is exact rather than a max of minutes', () => {
    const hour = Math.floor(T0 / HOUR) * HOUR + HOUR;
    // 60 minutes; in each, 19 fast results and one slow one: the slow ones are 5 % of the hour.
    const results: ProbeResult[] = [];
    for (let m = 0; m < 60; m++) {
      for (let i = 0; i < 19; i++) results.push(result('hk-lb', hour + m * MIN + i * 100, 10));
      results.push(result('hk-lb', hour + m * MIN + 5_000, 500 + m));
    }
    store.importResults(results);
    while (store.maintain(hour + HOUR + ROLLUP_LATENESS_MS));
    const [hourRow] = rows('rollup_hour') as { count: number; p95: number; p99: number }[];
    // Nearest rank: p99 is the 1,188th of 1,200, the 48th slow one (500 + 47).
    expect(hourRow).toMatchObject({ count: 1_200, p95: 10, p99: 547 });
    // Every minute's own p99 is its slow result: merging minutes would have said 559.
    expect(Math.max(...(rows('rollup_minute') as { p99: number }[]).map((r) => r.p99))).toBe(559);
  });

  it('prunes expired rows in batches of PRUNE_BATCH, never one huge delete', () => {
    const DAY = 86_400_000;
    // One result an hour: once rolled up, each is sealed into a chunk of its own.
    const old = Math.floor((T0 - 120 * DAY) / HOUR) * HOUR;
    const n = PRUNE_BATCH + 500;
    store.importResults(Array.from({ length: n }, (_, i) => result('hk-lb', old + i * HOUR, 1)));
    store.setRetention({ raw: 200 * DAY, minute: 365 * DAY, hour: 365 * DAY });
    while (store.maintain(T0, 1_000));
    const sealed = () =>
      db.prepare('SELECT count(*) AS c, sum(n) AS n FROM result_chunks').get() as { c: number; n: number };
    expect(count('results')).toBe(0);
    expect(sealed()).toEqual({ c: n, n });

    store.setRetention({ raw: 7 * DAY, minute: 365 * DAY, hour: 365 * DAY });
    expect(store.maintain(T0)).toBe(true);
    expect(sealed().c).toBe(500);
    expect(store.maintain(T0)).toBe(false);
    expect(sealed().c).toBe(0);
    // The minute and hour rollups are within their retention: kept.
    expect(count('rollup_minute')).toBe(n);
    expect(count('rollup_hour')).toBe(n);

    store.setRetention({ raw: 2 * HOUR, minute: 7 * DAY, hour: 365 * DAY });
    while (store.maintain(T0));
    expect(count('rollup_minute')).toBe(0);
    expect(count('rollup_hour')).toBe(n);
  });

  it('never prunes raw results that are not rolled up yet', () => {
    const old = T0 - 8 * 86_400_000;
    store.importResults([result('hk-lb', old, 1), result('hk-lb', old + 2 * HOUR, 2)]);
    // Rollups are due for both results; whatever a step gets to, no result goes before its rollups.
    const units = (table: string) =>
      new Set((db.prepare(`SELECT t FROM ${table}`).all() as { t: number }[]).map((r) => r.t));
    do {
      const left = new Set(
        (db.prepare('SELECT started_at AS t FROM results').all() as { t: number }[]).map((r) => r.t),
      );
      const minutes = units('rollup_minute');
      const hours = units('rollup_hour');
      for (const t of [old, old + 2 * HOUR].filter((t) => !left.has(t))) {
        expect(minutes.has(Math.floor(t / MIN) * MIN)).toBe(true);
        expect(hours.has(Math.floor(t / HOUR) * HOUR)).toBe(true);
      }
    } while (store.maintain(T0));
    expect(count('results')).toBe(0);
    expect(count('rollup_hour')).toBe(2);
    expect(count('rollup_minute')).toBe(2);
  });

  it('rolls an hour too big to read at once up in pieces of checks, each check exact', () => {
    const hour = Math.floor(T0 / HOUR) * HOUR + HOUR;
    // More rows than a read or a piece of sealing takes, so the hour goes in pieces.
    const checks = 120;
    const perCheck = Math.ceil((Math.max(READ_LIMIT, SEAL_ROWS) * 1.2) / checks);
    const results: ProbeResult[] = [];
    for (let c = 0; c < checks; c++) {
      for (let i = 0; i < perCheck; i++) results.push(result(`check-${c}`, hour + i * 8_000, c + (i % 10)));
    }
    store.importResults(results);
    // A zero budget does one piece per step: some step left the hour half done.
    const hourRowsSeen = new Set<number>();
    while (store.maintain(hour + HOUR + ROLLUP_LATENESS_MS, 0)) hourRowsSeen.add(count('rollup_hour'));
    expect([...hourRowsSeen].some((n) => n > 0 && n < checks)).toBe(true);
    const hourRows = rows('rollup_hour') as { count: number; lat_min: number; lat_max: number }[];
    expect(hourRows).toHaveLength(checks);
    expect(hourRows.every((r, c) => r.count === perCheck && r.lat_min === c && r.lat_max === c + 9)).toBe(true);
  });

  it('rolls an hour up as it seals it: counted once at every step, exact across a restart mid-hour', () => {
    const hour = Math.floor(T0 / HOUR) * HOUR + HOUR;
    // Three pieces of sealing or so.
    const checks = Math.ceil((SEAL_ROWS * 2.5) / 360);
    const results: ProbeResult[] = [];
    for (let c = 0; c < checks; c++) {
      for (let i = 0; i < 360; i++) {
        const r = result(`check-${c}`, hour + i * 10_000, c + (i % 10));
        results.push(i % 36 === 5 ? { ...r, ok: false, latencyMs: null, errorClass: 'timeout' } : r);
      }
    }
    store.importResults(results);
    const now = hour + HOUR + ROLLUP_LATENESS_MS;
    const ids = Array.from({ length: checks }, (_, c) => `check-${c}`);
    const counts = () => ids.map((id) => store.series(id, '30d', 30, now).map((p) => [p.count, p.failures]));
    const expected = ids.map(() => [[360, 10]]);
    expect(counts()).toEqual(expected);
    // A zero budget seals one piece per step; the store is reopened halfway through the hour.
    let steps = 0;
    let reopened = false;
    while (store.maintain(now, 0)) {
      steps++;
      expect(counts()).toEqual(expected);
      const sealed = count('result_chunks');
      if (!reopened && sealed > 0 && sealed < checks) {
        store.close();
        store = openStore(dir.path, clock, { timers: false }).store;
        reopened = true;
      }
    }
    expect(reopened).toBe(true);
    expect(steps).toBeGreaterThan(2);
    expect(count('result_rows')).toBe(0);
    expect(counts()).toEqual(expected);
    const hourRows = rows('rollup_hour') as { t: number; count: number; failures: number; lat_min: number }[];
    expect(hourRows).toHaveLength(checks);
    expect(hourRows.every((r, c) => r.t === hour && r.count === 360 && r.failures === 10 && r.lat_min === c)).toBe(
      true,
    );
  });

  it('adds a late result behind pruning to its minute and hour, never replacing them with it alone', () => {
    const DAY = 86_400_000;
    const retention = { raw: 2 * HOUR, minute: DAY, hour: 7 * DAY };
    store.setRetention(retention);
    const h = Math.floor((T0 - 5 * HOUR) / HOUR) * HOUR;
    // An hour at 10 s, every result 10 ms: rolled up, sealed, then its raw results pruned.
    store.importResults(Array.from({ length: 360 }, (_, i) => result('hk-lb', h + i * 10_000, 10)));
    while (store.maintain(T0, 1_000));
    expect(count('results') + count('result_chunks')).toBe(0);
    const cell = (table: string, t: number) =>
      db
        .prepare(
          `SELECT count, failures, lat_count AS latCount, lat_max AS latMax FROM ${table} WHERE check_key = 1 AND t = ?`,
        )
        .get(t);
    expect(cell('rollup_hour', h)).toEqual({ count: 360, failures: 0, latCount: 360, latMax: 10 });
    expect(cell('rollup_minute', h + MIN)).toEqual({ count: 6, failures: 0, latCount: 6, latMax: 10 });

    // An agent's backlog: a failure and a slow success in that hour's second minute.
    store.record(result('hk-lb', h + MIN + 1_000, null, false));
    store.record(result('hk-lb', h + MIN + 2_000, 500));
    store.flush();
    while (store.maintain(T0, 1_000));
    expect(cell('rollup_hour', h)).toEqual({ count: 362, failures: 1, latCount: 361, latMax: 500 });
    expect(cell('rollup_minute', h + MIN)).toEqual({ count: 8, failures: 1, latCount: 7, latMax: 500 });
    // Its raw retention is over: not kept raw.
    expect(count('results') + count('result_chunks')).toBe(0);

    // After a restart too (what pruning has done is in the file).
    store.close();
    store = openStore(dir.path, clock, { timers: false, retention }).store;
    store.record(result('hk-lb', h + MIN + 3_000, 20));
    // Past the minute's retention: its hour is made, no minute. Past every retention: nothing.
    const day = Math.floor((T0 - 2 * DAY) / HOUR) * HOUR;
    store.record(result('hk-lb', day + 5_000, 30));
    store.record(result('hk-lb', T0 - 8 * DAY, 40));
    store.flush();
    while (store.maintain(T0, 1_000));
    expect(cell('rollup_hour', h)).toEqual({ count: 363, failures: 1, latCount: 362, latMax: 500 });
    expect(cell('rollup_minute', h + MIN)).toEqual({ count: 9, failures: 1, latCount: 8, latMax: 500 });
    expect(cell('rollup_hour', day)).toEqual({ count: 1, failures: 0, latCount: 1, latMax: 30 });
    expect(cell('rollup_minute', day)).toBeUndefined();
    expect(count('rollup_hour')).toBe(2);
    expect(count('results') + count('result_chunks')).toBe(0);
    // The series reads the merged cells.
    const hour = store.series('hk-lb', '30d', 720, T0).find((p) => p.t === h);
    expect(hour).toMatchObject({ count: 363, failures: 1, max: 500 });
  });

  it('keeps raw results within retention', () => {
    store.importResults([result('hk-lb', T0 - 86_400_000, 1), result('hk-lb', T0 - 8 * 86_400_000, 1)]);
    while (store.maintain(T0));
    expect(store.recent('hk-lb', 10).map((r) => r.startedAt)).toEqual([T0 - 86_400_000]);
  });
});
