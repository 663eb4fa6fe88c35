/**
 * Upgrading a database written by the store at schema 6 (the open rows indexed by key and time,
 * three results staged): test/fixtures/history-v6.db, made by test/fixtures/make-history-fixture.ts
 * with that store, has data in every table, open rows, staged rows and sealed chunks. After the
 * upgrade the open rows are indexed by minute (results_by_minute) and no longer by time (schema
 * 8), the staged rows are still
 * staged, and every key reads back each of its results once: before and after they are moved,
 * and after they are sealed.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../../src/engine/store/index.ts';
import { SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { T0, fixtureCopy } from './helpers.ts';

const HOUR = 3_600_000;

describe('a schema 6 database opened by this store', () => {
  const { openAt, query, n, logs } = fixtureCopy('history-v6.db');

  /** Each key's times as the file holds them (open rows through the view, and the chunks' counts). */
  const stored = () => ({
    open: query<{ id: string; vantage: string; t: number }>(
      'SELECT c.id AS id, c.vantage AS vantage, r.started_at AS t FROM results r JOIN checks c ON c.key = r.check_key ORDER BY id, vantage, t',
    ),
    sealed: n('SELECT sum(n) AS n FROM result_chunks'),
  });

  const readAll = (store: HistoryStore, now: number) => ({
    local: store.recent('hk-lb', 1_000, ''),
    sg: store.recent('hk-lb', 1_000, 'sg'),
    sgApi: store.recent('sg-api', 1_000),
    hour: store.series('hk-lb', '1h', 60, now, ''),
    day: store.series('hk-lb', '24h', 1_440, now),
    availability: [store.availability('hk-lb', '24h', now, ''), store.availability('hk-lb', '24h', now, 'sg')],
    all: store.availabilityAll('7d', now),
    since: [store.firstAt('hk-lb'), store.firstAt('sg-api')],
  });

  it('indexes the open rows by minute in place; every result is read once, staged, moved and sealed', () => {
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '6' }]);
    const before = stored();
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(3);
    expect(before.open.length).toBeGreaterThan(3);
    expect(before.sealed).toBeGreaterThan(0);

    const store = openAt(T0);
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    // The upgrade is said, before and after: a large one takes seconds at start-up.
    expect(logs.filter((line) => line.includes('upgrad'))).toEqual([
      `info history: upgrading the database from schema 6 to ${SCHEMA_VERSION} (in place; a large one takes a while)`,
      expect.stringMatching(new RegExp(`^info history: database upgraded to schema ${SCHEMA_VERSION} in \\d+ ms$`)),
    ]);
    expect(
      query<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'result_rows' ORDER BY name",
      ).map((r) => r.name),
    ).toEqual(['results_by_minute']);
    // Nothing moved or lost by the upgrade itself.
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(3);
    expect(stored()).toEqual(before);

    // Every open row of each key is found by the minute index, with its sealed hours, once.
    const answers = readAll(store, T0);
    const openOf = (id: string, vantage: string) =>
      before.open.filter((r) => r.id === id && r.vantage === vantage).map((r) => r.t);
    const times = (list: { startedAt: number }[]) => list.map((r) => r.startedAt);
    for (const [list, id, vantage] of [
      [answers.local, 'hk-lb', ''],
      [answers.sg, 'hk-lb', 'sg'],
      [answers.sgApi, 'sg-api', ''],
    ] as const) {
      const seen = times(list);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort((x, y) => y - x));
      expect(seen.slice(0, openOf(id, vantage).length)).toEqual([...openOf(id, vantage)].reverse());
    }
    // The fixture: hk-lb every minute for two hours and once staged; from sg half an hour and
    // once staged; sg-api every two minutes and once staged.
    expect([answers.local.length, answers.sg.length, answers.sgApi.length]).toEqual([121, 31, 61]);
    expect(answers.local[0]).toMatchObject({ startedAt: T0 - 30_000, latencyMs: 12 });
    expect(answers.day.reduce((sum, p) => sum + p.count, 0)).toBe(121 + 31);
    // The oldest kept is the first hour's rollup, which starts on the hour.
    const firstHour = Math.floor((T0 - 2 * HOUR) / HOUR) * HOUR;
    expect(answers.since).toEqual([firstHour, firstHour]);
    store.close();

    // Two hours later: moved, rolled up and sealed; the same answers from chunks.
    const later = T0 + 2 * HOUR;
    const sealed = openAt(later);
    // Opened again at the current schema: nothing to say.
    expect(logs.filter((line) => line.includes('upgrad'))).toHaveLength(2);
    while (sealed.maintain(later, 1_000));
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(0);
    expect(n('SELECT count(*) AS n FROM results')).toBe(0);
    expect(n('SELECT sum(n) AS n FROM result_chunks')).toBe(before.sealed + before.open.length);
    expect(readAll(sealed, T0)).toEqual(answers);
  });
});
