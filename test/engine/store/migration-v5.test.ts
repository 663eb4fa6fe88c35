/**
 * Upgrading a database written by the store at schema 5 (results written straight into the
 * indexed table): test/fixtures/history-v5.db, made by test/fixtures/make-history-fixture.ts
 * with that store, has data in every table, open rows and sealed chunks. After the upgrade the
 * old rows are the indexed table's, nothing is staged, and everything reads back the same; new
 * results are staged, then moved, and read once throughout.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../../src/engine/store/index.ts';
import { SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { T0, fixtureCopy } from './helpers.ts';

const HOUR = 3_600_000;

describe('a schema 5 database opened by this store', () => {
  const { openAt, query, n } = fixtureCopy('history-v5.db');

  const readAll = (store: HistoryStore, now: number) => ({
    local: store.recent('hk-lb', 1_000, ''),
    sg: store.recent('hk-lb', 1_000, 'sg'),
    sgApi: store.recent('sg-api', 1_000),
    availability: [store.availability('hk-lb', '24h', now, ''), store.availability('hk-lb', '24h', now, 'sg')],
    all: store.availabilityAll('7d', now),
    day: store.series('hk-lb', '24h', 1_440, now, ''),
    sixHours: store.series('hk-lb', '6h', 360, now),
    since: store.firstAt('hk-lb'),
    incidents: store.loadIncidents({ since: 0 }),
    audit: store.loadAudit('hk-to-sg'),
    state: store.loadState('failover:hk-to-sg'),
    checkStates: store.loadCheckStates(),
    tokens: store.listAgentTokens(),
  });

  it('upgrades in place: old rows indexed, new ones staged, each read once before and after sealing', () => {
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '5' }]);
    const openRows = n('SELECT count(*) AS n FROM results');
    const sealedRows = n('SELECT sum(n) AS n FROM result_chunks');
    expect(openRows).toBeGreaterThan(0);
    expect(sealedRows).toBeGreaterThan(0);

    const store = openAt(T0);
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    expect(n('SELECT count(*) AS n FROM result_rows')).toBe(openRows);
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(0);
    expect(n('SELECT count(*) AS n FROM results')).toBe(openRows);
    // The index stays with the indexed table (by minute since schema 7, not by time since schema 8).
    expect(
      query<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'result_rows' ORDER BY name",
      ).map((r) => r.name),
    ).toEqual(['results_by_minute']);

    const before = readAll(store, T0);
    expect(before.local).toHaveLength(120);
    expect(before.local[0]).toMatchObject({ startedAt: T0 - 60_000, ok: false, errorClass: 'connect_refused' });
    expect(before.local[1]).toMatchObject({ ok: true, latencyMs: 18, httpStatus: 200, phases: { ttfbMs: 12 } });
    expect(before.sg).toHaveLength(30);
    expect(before.sgApi).toHaveLength(60);
    expect(before.availability).toEqual([0.9, 1]);
    expect(before.all).toEqual(
      new Map([
        ['hk-lb', 138 / 150],
        ['sg-api', 1],
      ]),
    );
    expect(before.day.reduce((sum, p) => sum + p.count, 0)).toBe(120);
    expect(before.incidents).toMatchObject([{ id: 'inc-1', state: 'resolved' }]);
    expect(before.tokens).toMatchObject([{ vantage: 'sg', name: 'sg agent' }]);

    // A new result after the upgrade is staged and read once, with the old rows.
    const fresh = { checkId: 'hk-lb', startedAt: T0, ok: true, latencyMs: 11, errorClass: null, message: 'HTTP 200' };
    store.record(fresh);
    store.flush();
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(1);
    expect(store.recent('hk-lb', 2, '')).toEqual([fresh, before.local[0]]);
    const withFresh = readAll(store, T0);
    expect(withFresh.local).toEqual([fresh, ...before.local]);
    expect(withFresh.day.reduce((sum, p) => sum + p.count, 0)).toBe(121);
    store.close();

    // Two hours later: the rows are moved, rolled up and sealed; the same answers from chunks.
    const later = T0 + 2 * HOUR;
    const sealed = openAt(later);
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(1);
    while (sealed.maintain(later, 1_000));
    expect(n('SELECT count(*) AS n FROM result_staged')).toBe(0);
    expect(n('SELECT count(*) AS n FROM results')).toBe(0);
    expect(n('SELECT sum(n) AS n FROM result_chunks')).toBe(sealedRows + openRows + 1);
    expect(readAll(sealed, T0)).toEqual(withFresh);
  });
});
