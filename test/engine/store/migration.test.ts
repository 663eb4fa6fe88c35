/**
 * Upgrading a real database: test/fixtures/history-v1.db was written by the store at schema 1
 * (test/fixtures/make-history-fixture.ts). Opened with this store, its results become this
 * machine's, and results from other vantages are kept apart from them.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, HistoryStore } from '../../../src/engine/store/index.ts';
import { SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, queryFile, result, tempDir } from './helpers.ts';

const FIXTURE = new URL('../../fixtures/history-v1.db', import.meta.url);
const HOUR = 3_600_000;

describe('a schema 1 database opened by this store', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let clock: FakeClock;
  const open: HistoryStore[] = [];
  const openHere = () => {
    const store = new HistoryStore({ dataDir: dir.path, clock, timers: false });
    open.push(store);
    return store;
  };
  const query = <T>(sql: string): T[] => queryFile<T>(path, sql);

  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, DB_FILE);
    copyFileSync(FIXTURE, path);
    // The fixture's "now": its last results are a minute old.
    clock = new FakeClock(T0);
  });

  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    dir.remove();
  });

  it('is a schema 1 file to begin with', () => {
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '1' }]);
    expect(query('SELECT key, id FROM checks ORDER BY key')).toEqual([
      { key: 1, id: 'hk-lb' },
      { key: 2, id: 'sg-api' },
    ]);
  });

  it('keeps every check key, now as this machine’s, and the upgrade is recorded', () => {
    openHere().close();
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    expect(query('SELECT key, id, vantage FROM checks ORDER BY key')).toEqual([
      { key: 1, id: 'hk-lb', vantage: '' },
      { key: 2, id: 'sg-api', vantage: '' },
    ]);
    expect(query('SELECT count(*) AS n FROM agent_tokens')).toEqual([{ n: 0 }]);
  });

  it('answers from the old results and rollups as this machine’s', () => {
    const store = openHere();
    const recent = store.recent('hk-lb', 1_000);
    expect(recent).toHaveLength(120);
    expect(store.recent('hk-lb', 1_000, '')).toEqual(recent);
    expect(store.recent('hk-lb', 10, 'sg')).toEqual([]);
    expect(recent.some((r) => 'vantage' in r)).toBe(false);
    expect(recent[0]).toEqual({
      checkId: 'hk-lb',
      startedAt: T0 - 60_000,
      ok: false,
      latencyMs: null,
      errorClass: 'connect_refused',
      message: 'refused',
    });
    expect(recent[1]).toMatchObject({ ok: true, latencyMs: 18, httpStatus: 200, phases: { ttfbMs: 12 } });
    expect(store.recent('sg-api', 1_000)).toHaveLength(60);

    // One failure in ten for hk-lb; sg-api always up.
    expect(store.availability('hk-lb', '24h')).toBeCloseTo(0.9, 10);
    expect(store.availability('hk-lb', '24h', T0, '')).toBeCloseTo(0.9, 10);
    expect(store.availability('hk-lb', '24h', T0, 'sg')).toBeNull();
    expect(store.availabilityAll('7d')).toEqual(
      new Map([
        ['hk-lb', 0.9],
        ['sg-api', 1],
      ]),
    );

    // 24 h is read from the minute rollups the old store made, then raw results after them.
    const day = store.series('hk-lb', '24h', 1_440);
    expect(day.reduce((n, p) => n + p.count, 0)).toBe(120);
    expect(day.reduce((n, p) => n + p.failures, 0)).toBe(12);
    expect(Math.max(...day.map((p) => p.max ?? 0))).toBe(18);
    const month = store.series('sg-api', '30d', 720);
    expect(month.reduce((n, p) => n + p.count, 0)).toBe(60);
    expect(month.every((p) => p.avg === 50 && p.p95 === 50)).toBe(true);
  });

  it('keeps the incidents, audit, module and check states', () => {
    const store = openHere();
    const [incident] = store.loadIncidents({ since: 0 });
    expect(incident).toMatchObject({ id: 'inc-1', state: 'resolved', acknowledged: { by: 'mei' } });
    expect(incident?.events.map((e) => e.kind)).toEqual(['detected', 'resolved']);
    expect(store.loadAudit('hk-to-sg')).toMatchObject([{ step: 'armed', detail: { reason: 'fixture' } }]);
    expect(store.loadState('failover:hk-to-sg')).toEqual({ state: 'idle', since: T0 - HOUR });
    expect(store.loadCheckStates().get('hk-lb')).toMatchObject({ view: { status: 'up' }, state: { status: 'up' } });
  });

  it('keeps new results from another vantage apart from this machine’s, through rollups and a reopen', () => {
    let store = openHere();
    store.record({ ...result('hk-lb', T0 + 1_000, 100), vantage: 'sg' });
    store.record({ ...result('hk-lb', T0 + 2_000, null, false), vantage: 'sg' });
    store.record(result('hk-lb', T0 + 3_000, 11));
    expect(store.flush()).toBe(3);
    expect(query("SELECT key, id, vantage FROM checks WHERE vantage = 'sg'")).toEqual([
      { key: 3, id: 'hk-lb', vantage: 'sg' },
    ]);
    // Past the close of the ten minutes holding T0: its minute cells are rolled up.
    clock = new FakeClock(T0 + 10 * 60_000);
    store.close();
    store = openHere();
    while (store.maintain(clock.now(), 1_000));

    expect(store.recent('hk-lb', 2, 'sg').map((r) => [r.vantage, r.latencyMs])).toEqual([
      ['sg', null],
      ['sg', 100],
    ]);
    expect(store.recent('hk-lb', 2, '').map((r) => r.latencyMs)).toEqual([11, null]);
    expect(store.recent('hk-lb', 3).map((r) => r.vantage)).toEqual([undefined, 'sg', 'sg']);
    expect(store.availability('hk-lb', '24h', clock.now(), 'sg')).toBe(0.5);
    expect(store.availability('hk-lb', '24h', clock.now(), '')).toBeCloseTo(109 / 121, 10);
    expect(store.availability('hk-lb', '24h')).toBeCloseTo(110 / 123, 10);
    const sg = store.series('hk-lb', '24h', 1_440, clock.now(), 'sg');
    expect(sg).toMatchObject([{ t: T0, count: 2, failures: 1, max: 100 }]);
    const local = store.series('hk-lb', '24h', 1_440, clock.now(), '');
    expect(local.reduce((n, p) => n + p.count, 0)).toBe(121);
    expect(
      query('SELECT check_key AS key, count, failures FROM rollup_minute WHERE t = ' + T0 + ' ORDER BY check_key'),
    ).toEqual([
      { key: 1, count: 1, failures: 0 },
      { key: 3, count: 2, failures: 1 },
    ]);
  });

  it('keeps the old checks table when the rebuild fails half-way, and upgrades on the next open', () => {
    const db = new DatabaseSync(path);
    // The rebuild's first statement now fails: nothing of the step may be kept.
    db.exec('CREATE TABLE checks_v3 (x)');
    db.close();
    expect(() => openHere()).toThrow(/checks_v3 already exists/);
    // Step 2 (agent tokens) went in on its own; step 3 did not.
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '2' }]);
    expect(query('SELECT * FROM checks ORDER BY key')).toEqual([
      { key: 1, id: 'hk-lb' },
      { key: 2, id: 'sg-api' },
    ]);
    const fix = new DatabaseSync(path);
    fix.exec('DROP TABLE checks_v3');
    fix.close();
    expect(openHere().recent('hk-lb', 1_000)).toHaveLength(120);
  });

  it('refuses a file from a newer Knockon and leaves it as it was', () => {
    const db = new DatabaseSync(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();
    const before = readFileSync(path);
    expect(() => openHere()).toThrow(
      new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Knockon's ${SCHEMA_VERSION}`),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(query('SELECT key, id FROM checks ORDER BY key')).toHaveLength(2);
  });
});
