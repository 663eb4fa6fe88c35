import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, HistoryStore, type SavedCheckState } from '../../../src/engine/store/index.ts';
import { MAX_MESSAGE_CHARS } from '../../../src/engine/store/history-store.ts';
import { SCHEMA_VERSION } from '../../../src/engine/store/migrations.ts';
import type { IncidentView, ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, result, tempDir } from './helpers.ts';

function incident(id: string, openedAt: number, state: 'open' | 'resolved' = 'open'): IncidentView {
  return {
    id,
    title: `HK edge load balancer down (${id})`,
    severity: 'critical',
    state,
    rootCause: { kind: 'component', id: 'hk-lb', name: 'HK edge load balancer' },
    impacted: [{ kind: 'component', id: 'hk-api', name: 'HK API', region: 'hk' }],
    openedAt,
    detectedAt: openedAt - 5_000,
    resolvedAt: state === 'resolved' ? openedAt + 60_000 : null,
    acknowledged: null,
    events: [],
  };
}

describe('HistoryStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  const open: HistoryStore[] = [];
  const openHere = (extra = {}) => {
    const opened = openStore(dir.path, clock, extra);
    open.push(opened.store);
    return opened;
  };

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
  });

  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    dir.remove();
  });

  it('creates knockon.db in WAL mode with the current schema version', () => {
    openHere();
    const db = new DatabaseSync(join(dir.path, DB_FILE));
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: String(SCHEMA_VERSION),
    });
    db.close();
  });

  it('refuses a database written by a newer version, naming both versions', () => {
    openHere().store.close();
    const db = new DatabaseSync(join(dir.path, DB_FILE));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => new HistoryStore({ dataDir: dir.path, clock })).toThrow(
      new RegExp(`schema version 99, newer than this Knockon's ${SCHEMA_VERSION}`),
    );
  });

  it('writes queued results only when the flush timer fires, all in one batch', async () => {
    const flushes: number[] = [];
    const { store } = openHere({ onFlush: (n: number) => flushes.push(n) });
    for (let i = 0; i < 5; i++) store.record(result('hk-lb', T0 + i * 100, 10 + i));
    expect(store.recent('hk-lb', 10)).toEqual([]);
    await clock.advance(1_000);
    expect(flushes).toEqual([5]);
    expect(store.recent('hk-lb', 10).map((r) => r.latencyMs)).toEqual([14, 13, 12, 11, 10]);
  });

  it('keeps a result’s details (phases, certificate, DNS answers) and returns them newest first', () => {
    const { store } = openHere({ timers: false });
    const detailed: ProbeResult = {
      ...result('hk-lb', T0, 42.5),
      httpStatus: 200,
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 30, transferMs: 6.5 },
      tls: { daysLeft: 12, notAfter: T0 + 12 * 86_400_000, subject: 'CN=hk', issuer: 'CN=ca', authorized: true },
      finalUrl: 'https://hk-lb.example.net/health',
    };
    store.record(detailed);
    store.record(result('hk-lb', T0 + 5_000, null, false));
    store.flush();
    const [newest, older] = store.recent('hk-lb', 10);
    expect(newest).toMatchObject({ ok: false, errorClass: 'connect_refused', latencyMs: null });
    expect(newest).not.toHaveProperty('phases');
    expect(older).toEqual(detailed);
  });

  it('keeps detail timings to the microsecond, the digits beyond being timer noise', () => {
    const { store } = openHere({ timers: false });
    store.record({
      ...result('hk-lb', T0, 12.3456789),
      phases: { dnsMs: 1.23456789, connectMs: 2, tlsMs: 0, ttfbMs: 9.0004999, transferMs: 0.1 },
      heartbeat: { lastBeatAt: T0, ageMs: 1_000.5555, reportedStatus: 'up', message: null, value: 0.123456789 },
    });
    store.flush();
    const [stored] = store.recent('hk-lb', 1);
    expect(stored?.phases).toEqual({ dnsMs: 1.235, connectMs: 2, tlsMs: 0, ttfbMs: 9, transferMs: 0.1 });
    expect(stored?.heartbeat).toMatchObject({ ageMs: 1_000.556, value: 0.123456789 });
    expect(stored?.latencyMs).toBe(12.3456789);
  });

  it('never lets one malformed result block the batch it is in', () => {
    const { store, logs } = openHere({ timers: false });
    store.record({ ...result('hk-lb', T0, 1), startedAt: Number.NaN });
    // A finite time no clock has: an agent's, broken. Its hour had no room for it.
    store.record({ ...result('hk-lb', T0, 1), startedAt: -1e300 });
    store.record({ ...result('', T0, 1) });
    store.record({ ...result('hk-lb', T0 + 1, Number.POSITIVE_INFINITY), message: 'x'.repeat(100_000) });
    store.record({ ...result('hk-lb', T0 + 2, 3), finalUrl: 10n as unknown as string });
    store.record(result('hk-lb', T0 + 3, 4));
    store.queueCheckState('hk-lb', { savedAt: 10n } as unknown as SavedCheckState);
    expect(store.flush()).toBe(3);
    const [last, withBigInt, capped] = store.recent('hk-lb', 10);
    expect(last?.latencyMs).toBe(4);
    expect(withBigInt).toMatchObject({ latencyMs: 3 });
    expect(withBigInt).not.toHaveProperty('finalUrl');
    expect(capped?.latencyMs).toBeNull();
    expect(capped?.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(store.stats().malformed).toBe(4);
    expect(store.loadCheckStates().size).toBe(0);
    expect(logs).toContainEqual({ level: 'warn', message: expect.stringMatching(/skipped 3 malformed results/) });
  });

  it('drops the oldest results when the queue overflows, counts them and says so in the log', () => {
    const { store, logs } = openHere({ timers: false, queueLimit: 3 });
    for (let i = 0; i < 5; i++) store.record(result('hk-lb', T0 + i, i));
    expect(store.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(store.flush()).toBe(3);
    expect(store.recent('hk-lb', 10).map((r) => r.latencyMs)).toEqual([4, 3, 2]);
    expect(logs).toContainEqual({ level: 'warn', message: expect.stringMatching(/dropped the 2 oldest results/) });
  });

  it('survives a locked database: logs once, keeps the batch and writes it when the lock is gone', () => {
    const { store, logs } = openHere({ timers: false });
    const other = new DatabaseSync(join(dir.path, DB_FILE));
    other.exec('BEGIN IMMEDIATE');
    store.record(result('hk-lb', T0, 1));
    expect(store.flush()).toBe(0);
    store.record(result('hk-lb', T0 + 1, 2));
    expect(store.flush()).toBe(0);
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(logs[0]!.message).toMatch(/locked/);
    expect(store.stats()).toMatchObject({ queued: 2, flushFailures: 2 });
    other.exec('ROLLBACK');
    other.close();
    expect(store.flush()).toBe(2);
    expect(store.recent('hk-lb', 10)).toHaveLength(2);
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'history: writes work again' });
  });

  it('logs a failed rollup step instead of throwing, and rolls up once the database is free', () => {
    const { store, logs } = openHere({ timers: false });
    // Past the close of the ten minutes holding T0 (22:14): its minute is rolled up then.
    const rolled = T0 + 10 * 60_000;
    store.importResults([result('hk-lb', T0, 5)]);
    const other = new DatabaseSync(join(dir.path, DB_FILE));
    other.exec('BEGIN IMMEDIATE');
    expect(store.maintain(rolled)).toBe(false);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringMatching(/^history: rollups or pruning failed; will retry: .*locked/),
    ]);
    other.exec('ROLLBACK');
    store.maintain(rolled);
    expect(store.series('hk-lb', '24h', 1440, rolled)).toMatchObject([{ t: T0, count: 1, max: 5 }]);
    expect((other.prepare('SELECT count(*) AS n FROM rollup_minute').get() as { n: number }).n).toBe(1);
    other.close();
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'history: rollups and pruning work again' });
  });

  it('flushes on close, so a clean stop loses nothing', () => {
    const first = openStore(dir.path, clock).store;
    first.record(result('hk-lb', T0, 7));
    first.close();
    expect(openHere().store.recent('hk-lb', 1)[0]?.latencyMs).toBe(7);
  });

  it('keeps incidents, their timeline in order and acknowledgements across a reopen', () => {
    const first = openStore(dir.path, clock).store;
    first.saveIncident(incident('inc-1', T0));
    first.appendIncidentEvent('inc-1', { at: T0, kind: 'detected', message: 'hk-lb down' });
    first.appendIncidentEvent('inc-1', { at: T0 + 60_000, kind: 'firing', message: 'for 1m', data: { rule: 'down' } });
    first.saveIncident({
      ...incident('inc-1', T0),
      acknowledged: { by: 'mei', note: 'on it', at: T0 + 90_000 },
    });
    first.appendIncidentEvent('inc-1', { at: T0 + 90_000, kind: 'acknowledged', message: 'mei: on it' });
    first.close();

    const [loaded] = openHere().store.loadIncidents();
    expect(loaded?.acknowledged).toEqual({ by: 'mei', note: 'on it', at: T0 + 90_000 });
    expect(loaded?.events.map((e) => e.kind)).toEqual(['detected', 'firing', 'acknowledged']);
    expect(loaded?.events[1]?.data).toEqual({ rule: 'down' });
  });

  it('writes queued incident writes in order with the next batch, durably, bounded while they wait', () => {
    const { store, logs } = openHere({ timers: false });
    store.queueDurable({ op: 'incident', incident: incident('inc-1', T0) });
    store.queueDurable({ op: 'event', incidentId: 'inc-1', event: { at: T0, kind: 'detected', message: 'first' } });
    store.queueDurable({ op: 'deleteIncident', incidentId: 'inc-1' });
    store.queueDurable({ op: 'incident', incident: incident('inc-2', T0) });
    expect(store.loadIncidents()).toEqual([]);
    store.flush();
    expect(store.loadIncidents().map((i) => [i.id, i.events.length])).toEqual([['inc-2', 0]]);

    // More events than the bound while nothing is written: the oldest go, counted and said.
    for (let i = 0; i < 20_005; i++) {
      store.queueDurable({ op: 'event', incidentId: 'inc-2', event: { at: T0 + i, kind: 'note', message: `n${i}` } });
    }
    expect(store.durablePending()).toBe(20_000);
    store.flush();
    expect(store.durablePending()).toBe(0);
    const [kept] = store.loadIncidents();
    expect(kept?.events).toHaveLength(20_000);
    expect(kept?.events[0]?.message).toBe('n5');
    expect(logs.some((l) => /5 older ones were dropped/.test(l.message))).toBe(true);
  });

  it('lists incidents newest first, by window, limit and open-only', () => {
    const { store } = openHere();
    store.saveIncident(incident('old-resolved', T0 - 10 * 86_400_000, 'resolved'));
    store.saveIncident(incident('old-open', T0 - 9 * 86_400_000));
    store.saveIncident(incident('recent-resolved', T0 - 3_600_000, 'resolved'));
    store.saveIncident(incident('newest', T0));
    const since = T0 - 86_400_000;
    expect(store.loadIncidents({ since }).map((i) => i.id)).toEqual(['newest', 'recent-resolved', 'old-open']);
    expect(store.loadIncidents({ since, openOnly: true }).map((i) => i.id)).toEqual(['newest', 'old-open']);
    expect(store.loadIncidents({ since: 0, limit: 2 }).map((i) => i.id)).toEqual(['newest', 'recent-resolved']);
    store.deleteIncident('newest');
    expect(store.loadIncidents({ since }).map((i) => i.id)).toEqual(['recent-resolved', 'old-open']);
  });

  it('keeps the failover audit per policy, the latest entries oldest first', () => {
    const { store } = openHere();
    for (let i = 0; i < 5; i++) {
      store.appendAudit({ policyId: 'hk-to-sg', at: T0 + i, step: `step-${i}`, detail: { i } });
    }
    store.appendAudit({ policyId: 'other', at: T0, step: 'x', detail: {} });
    expect(store.loadAudit('hk-to-sg', 2)).toEqual([
      { policyId: 'hk-to-sg', at: T0 + 3, step: 'step-3', detail: { i: 3 } },
      { policyId: 'hk-to-sg', at: T0 + 4, step: 'step-4', detail: { i: 4 } },
    ]);
  });

  it('keeps module state by key across a reopen', () => {
    const first = openStore(dir.path, clock).store;
    first.saveState('failover:hk-to-sg', { state: 'failed_over', since: T0 });
    first.saveState('failover:hk-to-sg', { state: 'cooldown', since: T0 + 1 });
    first.close();
    const { store } = openHere();
    expect(store.loadState('failover:hk-to-sg')).toEqual({ state: 'cooldown', since: T0 + 1 });
    expect(store.loadState('missing')).toBeNull();
    store.saveState('cleared', undefined);
    expect(store.loadState('cleared')).toBeNull();
    expect(store.health().heldWrites).toBe(0);
  });

  it('keeps the newest queued state per check and writes it with the results', () => {
    const first = openStore(dir.path, clock, { timers: false }).store;
    const view = {
      id: 'hk-lb',
      name: 'HK',
      type: 'http',
      target: 'GET http://x/',
      region: null,
      intervalMs: 5_000,
      timeoutMs: 1_000,
      status: 'down' as const,
      since: T0,
      lastProbeAt: T0,
      latencyMs: null,
      errorClass: 'connect_refused' as const,
      message: 'refused',
      consecutiveFailures: 3,
      consecutiveSuccesses: 0,
    };
    const state = {
      status: 'down' as const,
      since: T0,
      consecutiveFailures: 3,
      consecutiveSuccesses: 0,
      consecutiveSlow: 0,
      consecutiveFast: 0,
    };
    first.queueCheckState('hk-lb', { state: { ...state, consecutiveFailures: 2 }, view, lastResult: null, savedAt: 1 });
    first.queueCheckState('hk-lb', { state, view, lastResult: null, savedAt: 2 });
    first.flush();
    first.close();
    const saved = openHere().store.loadCheckStates().get('hk-lb');
    expect(saved).toMatchObject({ savedAt: 2, state: { status: 'down', consecutiveFailures: 3 } });
  });

  it('keeps everything in memory when there is no data directory', () => {
    const store = new HistoryStore({ dataDir: null, clock, timers: false });
    store.record(result('a', T0, 1));
    store.flush();
    expect(store.path).toBe(':memory:');
    expect(store.recent('a', 5)).toHaveLength(1);
    store.close();
  });
});
