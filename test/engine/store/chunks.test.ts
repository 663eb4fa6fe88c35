/**
 * Raw results are sealed per (check, vantage) and hour into compact chunks once that hour is
 * rolled up; every query reads chunks and the open rows together.
 */
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, type HistoryStore } from '../../../src/engine/store/index.ts';
import { SEAL_ROWS } from '../../../src/engine/store/chunks.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, every10s as resultsEvery10s, openStore, result, tempDir } from './helpers.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
/** An hour boundary a little after T0: the sealed hours are whole. */
const H = Math.ceil(T0 / HOUR) * HOUR;

/** This file's results: see helpers.ts. */
function every10s(checkId: string, from: number, to: number, vantage?: string): ProbeResult[] {
  return resultsEvery10s(checkId, from, to, {
    vantage,
    failEvery: 30,
    failAt: 7,
    phases: { connectMs: 1.25, tlsMs: 3, transferMs: 0.25 },
  });
}

describe('sealed chunks', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  let db: DatabaseSync;
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const reopen = () => {
    store.close();
    store = openStore(dir.path, clock, { timers: false }).store;
  };

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(H + 2 * HOUR + 5 * MIN);
    store = openStore(dir.path, clock, { timers: false }).store;
    db = new DatabaseSync(join(dir.path, DB_FILE));
  });

  afterEach(() => {
    db.close();
    store.close();
    dir.remove();
  });

  it('seals each rolled-up hour of each (check, vantage) into one chunk, leaving the open hour as rows', () => {
    const local = every10s('hk-lb', H, H + 2 * HOUR + 5 * MIN);
    const sg = every10s('hk-lb', H + 3, H + 2 * HOUR + 5 * MIN, 'sg');
    for (const r of [...local, ...sg]) store.record(r);
    store.flush();
    while (store.maintain(clock.now(), 1_000));

    expect(count('SELECT count(*) AS n FROM result_chunks')).toBe(4);
    expect(count('SELECT sum(n) AS n FROM result_chunks')).toBe(4 * 360);
    // The hour not rolled up yet stays in rows: 5 minutes of both vantages.
    expect(count('SELECT count(*) AS n FROM results')).toBe(2 * 30);

    reopen();
    const all = store.recent('hk-lb', 10_000);
    expect(all).toHaveLength(local.length + sg.length);
    expect(store.recent('hk-lb', 10_000, '')).toEqual([...local].reverse());
    expect(store.recent('hk-lb', 10_000, 'sg')).toEqual([...sg].reverse());
    // The newest across a chunk boundary: the open rows first, then the last sealed hour.
    expect(store.recent('hk-lb', 40, '').map((r) => r.startedAt)).toEqual(
      [...local]
        .reverse()
        .slice(0, 40)
        .map((r) => r.startedAt),
    );
  });

  it('seals an hour too big for one step a piece of keys at a time, each result once', () => {
    // 72 checks × 360 results an hour: more than SEAL_ROWS, so the hour goes in pieces.
    const ids = Array.from({ length: 72 }, (_, i) => `c${i}`);
    const all = ids.flatMap((id) => every10s(id, H, H + HOUR));
    expect(all.length).toBeGreaterThan(SEAL_ROWS);
    store.importResults(all);
    const before = ids.map((id) => store.recent(id, 1_000));
    // Rolled up, not sealed yet, then one step at a time with no budget: one piece a step.
    const now = H + HOUR + 31_000;
    const chunkCounts = new Set<number>();
    while (store.maintain(now, 0)) chunkCounts.add(count('SELECT count(*) AS n FROM result_chunks'));
    expect([...chunkCounts].some((n) => n > 0 && n < ids.length)).toBe(true);
    expect(count('SELECT count(*) AS n FROM result_chunks')).toBe(ids.length);
    expect(count('SELECT count(*) AS n FROM result_rows')).toBe(0);
    expect(ids.map((id) => store.recent(id, 1_000))).toEqual(before);
  });

  it('answers series and availability the same from chunks as from rows', () => {
    store.importResults(every10s('hk-lb', H, H + 2 * HOUR + 5 * MIN));
    const now = clock.now();
    const before = {
      series1h: store.series('hk-lb', '6h', 72, now),
      availability: store.availability('hk-lb', '6h', now),
      recent: store.recent('hk-lb', 5),
    };
    while (store.maintain(now, 1_000));
    expect(count('SELECT count(*) AS n FROM result_chunks')).toBe(2);
    expect(store.series('hk-lb', '6h', 72, now)).toEqual(before.series1h);
    expect(store.availability('hk-lb', '6h', now)).toBe(before.availability);
    expect(store.recent('hk-lb', 5)).toEqual(before.recent);
  });

  it('merges a late result for a sealed hour into its chunk and rolls its minute and hour up again', () => {
    store.importResults(every10s('hk-lb', H, H + 2 * HOUR + 5 * MIN));
    while (store.maintain(clock.now(), 1_000));
    const hourCell = () => db.prepare(`SELECT count, lat_max FROM rollup_hour WHERE t = ${H}`).get();
    expect(hourCell()).toMatchObject({ count: 360 });
    store.record(result('hk-lb', H + 30 * MIN + 5, 900));
    store.flush();
    while (store.maintain(clock.now(), 1_000));
    expect(count('SELECT count(*) AS n FROM results WHERE started_at < ' + (H + 2 * HOUR))).toBe(0);
    expect(count(`SELECT n FROM result_chunks WHERE t = ${H}`)).toBe(361);
    expect(hourCell()).toEqual({ count: 361, lat_max: 900 });
    const late = store.series('hk-lb', '6h', 360, clock.now()).find((p) => p.t === H + 30 * MIN);
    expect(late).toMatchObject({ count: 7, max: 900 });
  });

  it('prunes a chunk only once its whole hour is past raw retention', () => {
    store.importResults(every10s('hk-lb', H, H + 2 * HOUR + 5 * MIN));
    while (store.maintain(clock.now(), 1_000));
    store.setRetention({ raw: 2 * HOUR, minute: 90 * 86_400_000, hour: 365 * 86_400_000 });
    // now - 2 h falls inside the first hour: it is kept whole.
    while (store.maintain(clock.now(), 1_000));
    expect(count('SELECT count(*) AS n FROM result_chunks')).toBe(2);
    while (store.maintain(clock.now() + HOUR, 1_000));
    expect(count(`SELECT count(*) AS n FROM result_chunks WHERE t = ${H}`)).toBe(0);
  });
});
