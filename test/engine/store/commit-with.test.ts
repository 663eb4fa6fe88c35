import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, HistoryStore, type SavedCheckState } from '../../../src/engine/store/index.ts';
import type { IncidentView } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, result, tempDir } from './helpers.ts';

const CURSOR = 'agent:sg:cursor';

function savedState(savedAt: number): SavedCheckState {
  return {
    state: {
      status: 'up',
      since: T0,
      consecutiveFailures: 0,
      consecutiveSuccesses: 2,
      consecutiveSlow: 0,
      consecutiveFast: 0,
    },
    view: {
      id: 'hk-lb',
      name: 'HK',
      type: 'tcp',
      target: '127.0.0.1:1',
      region: null,
      intervalMs: 10_000,
      timeoutMs: 1_000,
      status: 'up',
      since: T0,
      lastProbeAt: T0,
      latencyMs: 3,
      errorClass: null,
      message: 'connected',
      consecutiveFailures: 0,
      consecutiveSuccesses: 2,
    },
    lastResult: null,
    savedAt,
  };
}

function incident(id: string): IncidentView {
  return {
    id,
    title: 'HK edge load balancer down',
    severity: 'critical',
    state: 'open',
    rootCause: { kind: 'component', id: 'hk-lb', name: 'HK edge load balancer' },
    impacted: [],
    openedAt: T0,
    detectedAt: T0,
    resolvedAt: null,
    acknowledged: null,
    events: [],
  };
}

describe('HistoryStore.commitWith', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  let logs: { level: string; message: string }[];
  /** A second connection to the same file, to see what is committed and to provoke failures. */
  let other: DatabaseSync;
  const count = (sql: string) => (other.prepare(sql).get() as { n: number }).n;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
    ({ store, logs } = openStore(dir.path, clock, { timers: false }));
    other = new DatabaseSync(join(dir.path, DB_FILE));
  });

  afterEach(() => {
    other.close();
    store.close();
    dir.remove();
  });

  it('commits the queued results, check states and the module state together', () => {
    const flushes: number[] = [];
    store.close();
    ({ store } = openStore(dir.path, clock, { timers: false, onFlush: (n: number) => flushes.push(n) }));
    for (let i = 0; i < 3; i++) store.record(result('hk-lb', T0 + i * 1_000, 5 + i));
    store.queueCheckState('hk-lb', savedState(T0 + 2_000));
    expect(store.commitWith(CURSOR, { seq: 3 })).toBe(true);
    expect(store.stats()).toMatchObject({ queued: 0, flushed: 3 });
    expect(flushes).toEqual([3]);
    // Committed: another connection sees all of it.
    expect(count('SELECT count(*) AS n FROM results')).toBe(3);
    expect(count('SELECT count(*) AS n FROM check_states')).toBe(1);
    expect(other.prepare('SELECT body FROM module_state WHERE key = ?').get(CURSOR)).toEqual({ body: '{"seq":3}' });
    expect(store.loadState(CURSOR)).toEqual({ seq: 3 });
    // The connection is back to NORMAL for the next batches.
    expect(store['store'].db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
  });

  it('saves the state alone when nothing is queued', () => {
    expect(store.commitWith(CURSOR, 7)).toBe(true);
    expect(store.loadState(CURSOR)).toBe(7);
  });

  it('writes nothing of a failed commit: the results are queued again, and the next flush writes the state with them', () => {
    store.record(result('hk-lb', T0, 5));
    store.queueCheckState('hk-lb', savedState(T0));
    // The results and the check state are written, then the state's insert fails: all or nothing.
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON module_state BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    expect(store.commitWith(CURSOR, { seq: 1 })).toBe(false);
    expect(count('SELECT count(*) AS n FROM results')).toBe(0);
    expect(count('SELECT count(*) AS n FROM check_states')).toBe(0);
    expect(store.stats()).toMatchObject({ queued: 1, flushed: 0, flushFailures: 1 });
    expect(logs).toContainEqual({
      level: 'error',
      message: expect.stringMatching(/writing 1 results and state agent:sg:cursor failed.*disk says no/),
    });

    other.exec('DROP TRIGGER refuse');
    store.record(result('hk-lb', T0 + 1_000, 6));
    expect(store.flush()).toBe(2);
    expect(store.recent('hk-lb', 10).map((r) => r.latencyMs)).toEqual([6, 5]);
    expect(store.loadCheckStates().get('hk-lb')?.savedAt).toBe(T0);
    // Never the results without the cursor that acknowledges them (a crash would bring them again).
    expect(store.loadState(CURSOR)).toEqual({ seq: 1 });
  });

  it('writes held durable writes first, in the same transaction, and holds them still when it fails', () => {
    other.exec('BEGIN IMMEDIATE');
    store.saveIncident(incident('inc-1'));
    expect(store.health().heldWrites).toBe(1);
    store.record(result('hk-lb', T0, 5));
    expect(store.commitWith(CURSOR, { seq: 1 })).toBe(false);
    expect(store.health()).toMatchObject({ saving: false, heldWrites: 1, heldResults: 1 });
    other.exec('ROLLBACK');

    expect(count('SELECT count(*) AS n FROM incidents')).toBe(0);
    expect(store.commitWith(CURSOR, { seq: 1 })).toBe(true);
    expect(store.health()).toEqual({ saving: true, reason: null, heldWrites: 0, heldResults: 0 });
    expect(count('SELECT count(*) AS n FROM incidents')).toBe(1);
    expect(count('SELECT count(*) AS n FROM results')).toBe(1);
    expect(store.loadState(CURSOR)).toEqual({ seq: 1 });
    expect(logs.some((l) => /the disk takes writes again; 1 held/.test(l.message))).toBe(true);
  });

  it('refuses a value that is not JSON without throwing, leaving the queue for the next flush', () => {
    store.record(result('hk-lb', T0, 5));
    expect(store.commitWith(CURSOR, { seq: 1n })).toBe(false);
    expect(store.commitWith(CURSOR, undefined)).toBe(false);
    expect(store.loadState(CURSOR)).toBeNull();
    expect(store.stats().queued).toBe(1);
    expect(store.flush()).toBe(1);
  });

  it('answers false once the store is closed', () => {
    store.close();
    expect(store.commitWith(CURSOR, 1)).toBe(false);
  });

  it('keeps results and state together across a reopen', () => {
    store.record(result('hk-lb', T0, 5));
    expect(store.commitWith(CURSOR, { seq: 1 })).toBe(true);
    store.close();
    const reopened = new HistoryStore({ dataDir: dir.path, clock, timers: false });
    expect(reopened.loadState(CURSOR)).toEqual({ seq: 1 });
    expect(reopened.recent('hk-lb', 10)).toHaveLength(1);
    reopened.close();
  });
});
