/**
 * Upgrading a database written by the store at schema 3 (row per result, the layout before
 * chunks): test/fixtures/history-v3.db, made by test/fixtures/make-history-fixture.ts with
 * that store, has data in every table. After the upgrade everything reads back the same, and
 * again once maintenance has sealed the old rows into chunks.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../../src/engine/store/index.ts';
import { SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import { T0, fixtureCopy } from './helpers.ts';

const HOUR = 3_600_000;

describe('a schema 3 database opened by this store', () => {
  const { openAt, query } = fixtureCopy('history-v3.db');

  /** Everything the fixture holds, as the store answers it. */
  const readAll = (store: HistoryStore, now: number) => ({
    local: store.recent('hk-lb', 1_000, ''),
    sg: store.recent('hk-lb', 1_000, 'sg'),
    sgApi: store.recent('sg-api', 1_000),
    availability: [store.availability('hk-lb', '24h', now, ''), store.availability('hk-lb', '24h', now, 'sg')],
    all: store.availabilityAll('7d', now),
    day: store.series('hk-lb', '24h', 1_440, now, ''),
    sixHours: store.series('hk-lb', '6h', 360, now),
    month: store.series('sg-api', '30d', 720, now),
    incidents: store.loadIncidents({ since: 0 }),
    audit: store.loadAudit('hk-to-sg'),
    state: store.loadState('failover:hk-to-sg'),
    checkStates: store.loadCheckStates(),
    tokens: store.listAgentTokens(),
  });

  it('upgrades in place and reads every table back, before and after its rows are sealed', () => {
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '3' }]);
    const store = openAt(T0);
    expect(query("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    const before = readAll(store, T0);

    expect(before.local).toHaveLength(120);
    expect(before.local[0]).toEqual({
      checkId: 'hk-lb',
      startedAt: T0 - 60_000,
      ok: false,
      latencyMs: null,
      errorClass: 'connect_refused',
      message: 'refused',
    });
    expect(before.local[1]).toMatchObject({ ok: true, latencyMs: 18, httpStatus: 200, phases: { ttfbMs: 12 } });
    expect(before.sg).toHaveLength(30);
    expect(before.sg.every((r) => r.vantage === 'sg' && r.latencyMs === 30)).toBe(true);
    expect(before.sgApi).toHaveLength(60);
    expect(before.availability).toEqual([0.9, 1]);
    expect(before.all).toEqual(
      new Map([
        ['hk-lb', 138 / 150],
        ['sg-api', 1],
      ]),
    );
    expect(before.day.reduce((n, p) => n + p.count, 0)).toBe(120);
    expect(before.incidents).toMatchObject([{ id: 'inc-1', state: 'resolved', acknowledged: { by: 'mei' } }]);
    expect(before.incidents[0]?.events.map((e) => e.kind)).toEqual(['detected', 'resolved']);
    expect(before.audit).toMatchObject([{ step: 'armed', detail: { reason: 'fixture' } }]);
    expect(before.state).toEqual({ state: 'idle', since: T0 - HOUR });
    expect(before.checkStates.get('hk-lb')).toMatchObject({ view: { status: 'up' } });
    expect(before.tokens).toMatchObject([{ vantage: 'sg', name: 'sg agent', revokedAt: null }]);

    // Two hours later the fixture's hours are rolled up and sealed: the same answers from chunks.
    store.close();
    const later = T0 + 2 * HOUR;
    const sealed = openAt(later);
    while (sealed.maintain(later, 1_000));
    expect(query('SELECT count(*) AS n FROM results')).toEqual([{ n: 0 }]);
    expect(query('SELECT sum(n) AS n FROM result_chunks')).toEqual([{ n: 210 }]);
    const after = readAll(sealed, T0);
    expect(after).toEqual(before);
  });
});
