/**
 * Results are staged (an unindexed table) when a batch commits and moved into the indexed table
 * by maintenance about once a minute (staging.ts). Every query sees a result exactly once,
 * staged or moved; rollups, sealing and pruning take staged rows in.
 */
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, type HistoryStore } from '../../../src/engine/store/index.ts';
import { StoreDatabase } from '../../../src/engine/store/database.ts';
import {
  ANY_TIME,
  DELETE_KEY_RANGE_ROWS_SQL,
  FIRST_KEY_SQL,
  FIRST_ROW_SQL,
  Staging,
  TIME_RANGE,
  firstRowAt,
  keyRowsSql,
  rowsIn,
} from '../../../src/engine/store/staging.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, every10s as resultsEvery10s, openStore, result, tempDir } from './helpers.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
/** An hour boundary a little after T0. */
const H = Math.ceil(T0 / HOUR) * HOUR;

/** This file's results: see helpers.ts. */
function every10s(checkId: string, from: number, to: number, vantage?: string): ProbeResult[] {
  return resultsEvery10s(checkId, from, to, {
    vantage,
    failEvery: 6,
    failAt: 5,
    phases: { connectMs: 1, tlsMs: 2, transferMs: 0 },
  });
}

describe('staged results', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  let db: DatabaseSync;
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const staged = () => count('SELECT count(*) AS n FROM result_staged');
  const indexed = () => count('SELECT count(*) AS n FROM result_rows');

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(H + 10 * MIN);
    store = openStore(dir.path, clock, { timers: false }).store;
    db = new DatabaseSync(join(dir.path, DB_FILE));
  });

  afterEach(() => {
    db.close();
    store.close();
    dir.remove();
  });

  /** What every query answers for `hk-lb` (and the all-checks availability). */
  const answers = (now: number) => ({
    recent: store.recent('hk-lb', 1_000),
    recentLocal: store.recent('hk-lb', 1_000, ''),
    recentSg: store.recent('hk-lb', 5, 'sg'),
    series: store.series('hk-lb', '1h', 3_600, now),
    seriesSg: store.series('hk-lb', '1h', 60, now, 'sg'),
    day: store.series('hk-lb', '24h', 1_440, now),
    availability: store.availability('hk-lb', '1h', now),
    all: store.availabilityAll('24h', now),
    since: store.firstAt('hk-lb'),
  });

  it('answers every query the same, each result once, while staged and after the move', () => {
    const local = every10s('hk-lb', H, H + 10 * MIN);
    const sg = every10s('hk-lb', H + 3, H + 10 * MIN, 'sg');
    for (const r of [...local, ...sg]) store.record(r);
    store.flush();
    expect(staged()).toBe(120);
    expect(indexed()).toBe(0);
    // The view every ad-hoc reader uses counts each row once.
    expect(count('SELECT count(*) AS n FROM results')).toBe(120);

    const now = clock.now();
    const before = answers(now);
    expect(before.recentLocal).toEqual([...local].reverse());
    expect(before.recent).toHaveLength(120);
    expect(before.recentSg.map((r) => r.startedAt)).toEqual(
      [...sg]
        .reverse()
        .slice(0, 5)
        .map((r) => r.startedAt),
    );
    expect(before.series.reduce((n, p) => n + p.count, 0)).toBe(120);
    expect(before.seriesSg.reduce((n, p) => n + p.count, 0)).toBe(60);
    expect(before.day.reduce((n, p) => n + p.count, 0)).toBe(120);
    expect(before.availability).toBe(100 / 120);
    expect(before.all).toEqual(new Map([['hk-lb', 100 / 120]]));
    expect(before.since).toBe(H);

    // Maintenance moves what started before the minute it closes (here: everything staged).
    store.maintain(now);
    expect(staged()).toBe(0);
    expect(indexed()).toBe(120);
    expect(count('SELECT count(*) AS n FROM rollup_minute')).toBe(0);
    expect(answers(now)).toEqual(before);

    // Rolled up once the ten minutes close, 30 s after their end: their rows, each once.
    store.maintain(now + 30_000);
    expect(count('SELECT sum(count) AS n FROM rollup_minute')).toBe(10 * 12);
    expect(answers(now)).toEqual(before);
    expect(answers(now)).toEqual(before);
  });

  it('moves a minute at a time, in check order, and only once a minute is due', () => {
    const now = clock.now();
    for (const r of every10s('b', now - 2 * MIN, now)) store.record(r);
    for (const r of every10s('a', now - 2 * MIN, now)) store.record(r);
    store.flush();
    store.maintain(now);
    expect(staged()).toBe(0);
    // Moved sorted by check key (b was keyed first) then time, whatever order they came in.
    const keys = db.prepare('SELECT check_key AS k, started_at AS t FROM result_rows ORDER BY rowid').all() as {
      k: number;
      t: number;
    }[];
    const sorted = [...keys].sort((x, y) => x.k - y.k || x.t - y.t);
    expect(keys).toEqual(sorted);

    // The open minute's rows wait: nothing staged started before the minute maintenance closes.
    for (const r of every10s('a', now, now + 20_000)) store.record(r);
    store.flush();
    store.maintain(now + 20_000);
    expect(staged()).toBe(2);
    expect(store.recent('a', 3).map((r) => r.startedAt)).toEqual([now + 10_000, now, now - 10_000]);
    // Once their minute closes (30 s after it ends), they move.
    store.maintain(now + MIN + 30_000);
    expect(staged()).toBe(0);
    expect(store.recent('a', 3).map((r) => r.startedAt)).toEqual([now + 10_000, now, now - 10_000]);
  });

  it('rolls a late result up again, staged or moved, counted once', () => {
    const now = clock.now();
    for (const r of every10s('hk-lb', now - 5 * MIN, now)) store.record(r);
    store.flush();
    // The ten minutes before `now` close 30 s after it.
    store.maintain(now + 30_000);
    const minute = now - 3 * MIN;
    const cell = () =>
      db.prepare('SELECT count, failures FROM rollup_minute WHERE t = ?').get(minute) as {
        count: number;
        failures: number;
      };
    expect(cell()).toEqual({ count: 6, failures: 1 });

    // A result for that minute arrives late (an agent catching up): staged, then rolled up.
    store.record(result('hk-lb', minute + 5_000, null, false));
    store.flush();
    expect(staged()).toBe(1);
    expect(store.series('hk-lb', '1h', 3_600, now).reduce((n, p) => n + p.count, 0)).toBe(31);
    store.maintain(now);
    expect(staged()).toBe(0);
    expect(cell()).toEqual({ count: 7, failures: 2 });
    store.maintain(now);
    expect(cell()).toEqual({ count: 7, failures: 2 });
    expect(store.series('hk-lb', '1h', 3_600, now).reduce((n, p) => n + p.count, 0)).toBe(31);
  });

  it('seals staged rows of a closed hour into its chunk once, and prunes expired staged rows', () => {
    const hour = every10s('hk-lb', H, H + HOUR);
    for (const r of hour) store.record(r);
    store.flush();
    expect(staged()).toBe(360);
    const later = H + 2 * HOUR;
    while (store.maintain(later, 1_000));
    expect(staged()).toBe(0);
    expect(indexed()).toBe(0);
    expect(count('SELECT sum(n) AS n FROM result_chunks')).toBe(360);
    expect(store.recent('hk-lb', 1_000)).toEqual([...hour].reverse());

    // A result older than raw retention (an agent's backlog): staged, then moved and pruned.
    store.setRetention({ raw: 3 * HOUR, minute: 10 * 24 * HOUR, hour: 60 * 24 * HOUR });
    store.record(result('old', later - 5 * HOUR, 12));
    store.flush();
    expect(staged()).toBe(1);
    while (store.maintain(later, 1_000));
    expect(staged()).toBe(0);
    expect(count("SELECT count(*) AS n FROM results r JOIN checks c ON c.key = r.check_key WHERE c.id = 'old'")).toBe(
      0,
    );
  });

  it("keeps each check's rows in the order written, in the view's rowid, staged and moved", () => {
    const now = clock.now();
    const order = () =>
      (
        db
          .prepare(
            "SELECT r.started_at AS t FROM results r JOIN checks c ON c.key = r.check_key WHERE c.id = 'a' ORDER BY r.rowid",
          )
          .all() as { t: number }[]
      ).map((r) => r.t);
    // Written out of time order (a backlog after newer results), interleaved with another check.
    for (const t of [now - 50_000, now - 90_000, now - 70_000]) {
      store.record(result('a', t, 5));
      store.record(result('b', t, 5));
    }
    store.flush();
    expect(order()).toEqual([now - 50_000, now - 90_000, now - 70_000]);
    store.maintain(now);
    expect(staged()).toBe(0);
    expect(order()).toEqual([now - 50_000, now - 90_000, now - 70_000]);
    // Staged rows come after their check's moved ones.
    store.record(result('a', now - 100_000, 5));
    store.flush();
    expect(order()).toEqual([now - 50_000, now - 90_000, now - 70_000, now - 100_000]);
  });

  it('keeps staged rows across a restart and moves them after it', () => {
    const rows = every10s('hk-lb', H, H + 5 * MIN);
    for (const r of rows) store.record(r);
    store.flush();
    store.close();
    store = openStore(dir.path, clock, { timers: false }).store;
    expect(staged()).toBe(30);
    expect(store.recent('hk-lb', 100)).toEqual([...rows].reverse());
    store.maintain(clock.now());
    expect(staged()).toBe(0);
    expect(store.recent('hk-lb', 100)).toEqual([...rows].reverse());
  });
});

describe('Staging.move', () => {
  it('moves a piece of check keys per call, at most a bound of rows per move, each row in exactly one table', () => {
    const dir = tempDir();
    const store = new StoreDatabase(dir.path);
    try {
      // 4 keys, 5 rows each (20 rows); pieces of about 5 rows, moves of at most 12 rows.
      const staging = new Staging(store, { pieceRows: 5, moveLimit: 12 });
      const keys = ['a', 'b', 'c', 'd'].map((id) => store.keyOf(id, '', true));
      store.transaction(() => {
        for (let i = 0; i < 5; i++) {
          for (const key of keys) {
            staging.insert(key, T0 + i * 1_000, 1, 5, null, 'ok', null);
          }
        }
      });
      staging.committed();
      const total = () => store.get<{ n: number }>('SELECT count(*) AS n FROM results')!.n;
      const indexed = () =>
        store.all<{ k: number; t: number }>('SELECT check_key AS k, started_at AS t FROM result_rows ORDER BY rowid');
      expect(staging.due(T0)).toBe(false);
      expect(staging.due(T0 + 1)).toBe(true);
      // The first move takes the oldest 12 rows (times 0..2 s), a few keys per piece.
      let pieces = 1;
      while (!staging.move()) pieces++;
      expect(pieces).toBeGreaterThan(1);
      expect(total()).toBe(20);
      expect(indexed()).toHaveLength(12);
      // Each key's rows together, in the order written (here in time): keys in order, then times.
      expect(indexed()).toEqual([...indexed()].sort((x, y) => x.k - y.k || x.t - y.t));
      // What is left started at 3 s: due before a later time only.
      expect(staging.due(T0 + 3_000)).toBe(false);
      expect(staging.due(T0 + 3_001)).toBe(true);
      while (!staging.move());
      expect(staging.due(Infinity)).toBe(false);
      expect(total()).toBe(20);
      expect(indexed()).toHaveLength(20);
      expect(staging.move()).toBe(true);
    } finally {
      store.close();
      dir.remove();
    }
  });
});

describe('one key’s staged rows, by rowid', () => {
  it('finds exactly each key’s staged rows after a rolled-back batch, a partial move and a restart', () => {
    const dir = tempDir();
    let store = new StoreDatabase(dir.path);
    try {
      let staging = new Staging(store, { pieceRows: 2, moveLimit: 3 });
      const a = store.keyOf('a', '', true);
      const b = store.keyOf('b', '', true);
      const stage = (key: number, times: number[]) => {
        for (const t of times) staging.insert(key, t, 1, 5, null, 'ok', null);
      };
      const read = (key: number) =>
        store
          .all<{ t: number }>(
            keyRowsSql('started_at AS t', 'results', 'ORDER BY t'),
            ...ANY_TIME,
            key,
            staging.rowidsOf(key),
          )
          .map((r) => r.t);
      store.transaction(() => stage(a, [1, 2]));
      staging.committed();
      // A batch that fails: its rows are rolled back, and their rowids are handed out again.
      expect(() =>
        store.transaction(() => {
          stage(a, [3, 4]);
          throw new Error('disk full');
        }),
      ).toThrow('disk full');
      staging.dropped();
      store.transaction(() => stage(b, [10, 11, 12]));
      staging.committed();
      expect(read(a)).toEqual([1, 2]);
      expect(read(b)).toEqual([10, 11, 12]);
      // What was rolled back is not kept (a disk full for an hour retries its batch every second).
      expect(JSON.parse(staging.rowidsOf(a))).toHaveLength(2);
      // A move of the oldest three rows (a's two and b's first), then more of a staged.
      while (!staging.move());
      store.transaction(() => stage(a, [5]));
      staging.committed();
      expect(store.get<{ n: number }>('SELECT count(*) AS n FROM result_staged')!.n).toBe(3);
      expect(read(a)).toEqual([1, 2, 5]);
      expect(read(b)).toEqual([10, 11, 12]);
      // A restart reads what is staged from the table.
      store.close();
      store = new StoreDatabase(dir.path);
      staging = new Staging(store);
      expect(read(a)).toEqual([1, 2, 5]);
      expect(read(b)).toEqual([10, 11, 12]);
      expect(JSON.parse(staging.rowidsOf(b))).toHaveLength(2);
      while (!staging.move());
      expect(staging.rowidsOf(a)).toBe('[]');
      expect(read(a)).toEqual([1, 2, 5]);
      expect(read(b)).toEqual([10, 11, 12]);
    } finally {
      store.close();
      dir.remove();
    }
  });
});

describe("one key's open rows, found by minute (schema 7)", () => {
  it('reads and deletes exactly that key in a range, staged or moved: minute edges, a fractional time, far times', () => {
    const dir = tempDir();
    const store = new StoreDatabase(dir.path);
    try {
      const staging = new Staging(store);
      const a = store.keyOf('a', '', true);
      const b = store.keyOf('b', '', true);
      // A late row hours old, both sides of a minute's edge, a time that is not a whole ms, far ahead.
      const times = [H - 3 * HOUR, H - 1, H, H + MIN - 1, H + MIN - 0.5, H + MIN, H + 5 * MIN + 0.25, H + 200 * HOUR];
      store.transaction(() => {
        for (const t of times) {
          for (const [key, at] of [
            [a, t],
            [b, t + 7],
          ] as const) {
            staging.insert(key, at, 1, 5, null, 'ok', null);
          }
        }
      });
      staging.committed();
      const read = (table: 'results' | 'result_rows', from: number, to: number, key = a) => {
        const sql = keyRowsSql('started_at AS t', table, 'ORDER BY t');
        const rows =
          table === 'results'
            ? store.all<{ t: number }>(sql, from, to, key, staging.rowidsOf(key))
            : store.all<{ t: number }>(sql, from, to, key);
        return rows.map((r) => r.t);
      };
      const within = (from: number, to: number) => times.filter((t) => t >= from && t < to);
      const ranges: [number, number][] = [
        [...ANY_TIME],
        [H, H + MIN],
        [H - 1, H + MIN - 0.5],
        [H + MIN - 0.5, H + 6 * MIN],
        [H + MIN, H + MIN],
        [H + 10 * MIN, H + 300 * HOUR],
      ];
      for (const [from, to] of ranges) {
        expect(read('results', from, to)).toEqual(within(from, to));
        expect(read('result_rows', from, to)).toEqual([]);
      }
      while (!staging.move());
      expect(store.get<{ n: number }>('SELECT count(*) AS n FROM result_staged')!.n).toBe(0);
      for (const [from, to] of ranges) {
        expect(read('results', from, to)).toEqual(within(from, to));
        expect(read('result_rows', from, to)).toEqual(within(from, to));
      }
      // The first key with rows in a range, by a seek per minute.
      expect(store.get<{ k: number }>(FIRST_KEY_SQL, H, H + HOUR)!.k).toBe(a);
      expect(store.get<{ k: number | null }>(FIRST_KEY_SQL, H + 6 * MIN, H + 7 * MIN)!.k).toBeNull();
      // A key's hour goes; the rest of it, and the other key, stay.
      store.run(DELETE_KEY_RANGE_ROWS_SQL, H, H + HOUR, a, a + 1);
      expect(read('result_rows', ...ANY_TIME)).toEqual(times.filter((t) => t < H || t >= H + HOUR));
      expect(read('result_rows', ...ANY_TIME, b)).toEqual(times.map((t) => t + 7));
      // Found by seeks on the minute index, never a scan of the indexed table.
      const plan = store
        .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${keyRowsSql('started_at', 'results', '')}`, H, H + MIN, a, '[]')
        .map((r) => r.detail)
        .join('\n');
      expect(plan).toMatch(/SEARCH result_rows USING (COVERING )?INDEX results_by_minute \(<expr>=\? AND check_key=\?/);
      expect(plan).not.toMatch(/SCAN result_rows/);
      // The staged rows by their rowids (Staging.rowidsOf), never a scan of the staged table.
      expect(plan).toMatch(/SEARCH result_staged USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(plan).not.toMatch(/SCAN result_staged/);
    } finally {
      store.close();
      dir.remove();
    }
  });

  it('counts a range and finds its first row by the minute index alone (schema 8), exactly, negative times too', () => {
    const dir = tempDir();
    const store = new StoreDatabase(dir.path);
    try {
      const staging = new Staging(store);
      const keys = ['a', 'b', 'c'].map((id) => store.keyOf(id, '', true));
      // A broken clock's times before 1970 (a minute's truncating division groups (-60 s, 60 s)
      // together), minute edges, a fraction, a late row, a far one.
      const times = [-90_000.5, -60_000, -59_999, -30_000, 0, 30_000, H - 3 * HOUR, H - 1, H, H + MIN - 0.5, H + MIN];
      times.push(H + 59 * MIN + 59_999, H + HOUR, H + 200 * HOUR);
      store.transaction(() => {
        times.forEach((t, i) => {
          const key = keys[i % keys.length]!;
          staging.insert(key, t, 1, 5, null, 'ok', null);
        });
      });
      staging.committed();
      while (!staging.move());
      const within = (from: number, to: number) => times.filter((t) => t >= from && t < to);
      const bounds = [...ANY_TIME, ...times, ...times.map((t) => t + 1), -120_000, -1, 1, H + 30 * MIN, H + 2 * HOUR];
      for (const from of bounds) {
        for (const to of bounds) {
          const expected = within(from, to);
          expect(rowsIn(store, from, to)).toBe(expected.length);
          expect(firstRowAt(store, from, to)).toBe(expected.length > 0 ? Math.min(...expected) : null);
        }
      }
      // Searches of the minute index, never a scan of the indexed table (it has no index by time).
      for (const sql of [`SELECT count(*) FROM result_rows WHERE ${TIME_RANGE}`, FIRST_ROW_SQL]) {
        const plan = store
          .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, H, H + HOUR)
          .map((r) => r.detail)
          .join('\n');
        expect(plan).toMatch(/SEARCH result_rows USING COVERING INDEX results_by_minute/);
        expect(plan).not.toMatch(/SCAN result_rows|TEMP B-TREE/);
      }
    } finally {
      store.close();
      dir.remove();
    }
  });
});
