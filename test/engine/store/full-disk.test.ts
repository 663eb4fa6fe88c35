/**
 * A full disk under a running store: a real SQLite file on a small tmpfs, filled during the run
 * and then freed. Incidents keep opening and resolving, the board is told history is not being
 * saved, the log says it once rather than per result, and everything held is written when the
 * disk has room again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEmitter, once } from 'node:events';
import { HistoryStore } from '../../../src/engine/store/history-store.ts';
import { StoreClient } from '../../../src/engine/store/store-client.ts';
import type { StorageHealthView } from '../../../src/shared/model.ts';
import { Harness, TOPOLOGY } from '../incidents/harness.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { fill, freeUp, mountTmpfs, unmount } from '../../support/full-disk.ts';

const MINUTE = 60_000;
const RULE = `alerts:
  - { name: ServerDown, condition: down, for: 1m, severity: critical }
`;

const dir = mkdtempSync(join(tmpdir(), 'knockon-full-'));
const skipped = mountTmpfs(dir, '4m');
if (skipped) console.warn(`full-disk test skipped: ${skipped}`);

describe.skipIf(skipped !== null)('a full disk under the history store', () => {
  afterAll(() => {
    unmount(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(() => {});

  it('keeps incidents working, says once that history is not saved, and writes what it held when the disk has room', async () => {
    const logs: string[] = [];
    const health: StorageHealthView[] = [];
    const store = new HistoryStore({
      dataDir: dir,
      clock: new FakeClock(),
      timers: false,
      log: (level, message) => logs.push(`${level}: ${message}`),
      onHealth: (h) => health.push(h),
    });
    const h = new Harness(TOPOLOGY + RULE, { repository: store });
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');

    fill(dir);
    h.result('lb', 'down');
    await h.clock.advance(MINUTE);
    const opened = h.open();
    expect(opened).toHaveLength(1);
    const incidentId = opened[0]!.id;
    expect(store.health()).toMatchObject({ saving: false, reason: 'history not being saved: disk full' });
    expect(health.at(-1)).toMatchObject({ saving: false, reason: 'history not being saved: disk full' });

    // A busy minute of results on the full disk: each is recorded, none may log a trace.
    for (let i = 0; i < 2_000; i++) {
      store.record({
        checkId: 'api',
        startedAt: h.clock.now() + i,
        ok: true,
        latencyMs: 5,
        errorClass: null,
        message: '',
      });
      h.result('api', 'up');
    }
    store.flush();
    store.flush();
    const errors = logs.filter((l) => l.startsWith('error'));
    expect(errors.length, errors.join('\n')).toBeLessThanOrEqual(2);

    // The outage ends while the disk is still full: the incident resolves in memory.
    h.result('lb', 'up');
    await h.clock.advance(10 * MINUTE);
    expect(h.incidents().find((i) => i.id === incidentId)?.state).toBe('resolved');
    expect(store.health().heldWrites).toBeGreaterThan(0);
    expect(store.loadIncidents({ limit: 10 }).find((i) => i.id === incidentId)?.state).not.toBe('resolved');

    // Room again: the next flush writes the held changes, in order, and the board is told.
    freeUp(dir);
    store.flush();
    expect(store.health()).toEqual({ saving: true, reason: null, heldWrites: 0, heldResults: 0 });
    expect(health.at(-1)?.saving).toBe(true);
    expect(logs.some((l) => /the disk takes writes again; \d+ held/.test(l))).toBe(true);
    store.close();

    const reopened = new HistoryStore({ dataDir: dir, clock: new FakeClock(), timers: false });
    const saved = reopened.loadIncidents({ limit: 10 }).find((i) => i.id === incidentId);
    expect(saved?.state).toBe('resolved');
    expect(saved?.events.map((e) => e.kind)).toEqual(
      h
        .incidents()
        .find((i) => i.id === incidentId)!
        .events.map((e) => e.kind),
    );
    expect(reopened.stats().queued).toBe(0);
    reopened.close();
  });

  it('commits results and an upload cursor together or not at all', () => {
    const sub = join(dir, 'cursor');
    const store = new HistoryStore({ dataDir: sub, clock: new FakeClock(), timers: false, log: () => {} });
    const batch = (from: number) => {
      for (let i = 0; i < 500; i++) {
        store.record({ checkId: 'api', startedAt: from + i, ok: true, latencyMs: 5, errorClass: null, message: '' });
      }
    };
    batch(0);
    expect(store.commitWith('agent:sg:cursor', { seq: 1 })).toBe(true);

    fill(dir);
    batch(1_000);
    expect(store.commitWith('agent:sg:cursor', { seq: 2 })).toBe(false);
    expect(store.stats().queued).toBe(500);
    expect(store.loadState('agent:sg:cursor')).toEqual({ seq: 1 });

    freeUp(dir);
    expect(store.commitWith('agent:sg:cursor', { seq: 2 })).toBe(true);
    store.close();
    const reopened = new HistoryStore({ dataDir: sub, clock: new FakeClock(), timers: false });
    expect(reopened.loadState('agent:sg:cursor')).toEqual({ seq: 2 });
    expect(reopened.recent('api', 2_000)).toHaveLength(1_000);
    reopened.close();
  });
  it('writes a batch whose commitWith failed only with its cursor, even when the 1 s flush takes it', () => {
    const sub = join(dir, 'requeued');
    const store = new HistoryStore({ dataDir: sub, clock: new FakeClock(), timers: false, log: () => {} });
    for (let i = 0; i < 300; i++) {
      store.record({ checkId: 'api', startedAt: i, ok: true, latencyMs: 5, errorClass: null, message: '' });
    }
    fill(dir);
    expect(store.commitWith('agent:sg:cursor', { seq: 300 })).toBe(false);
    freeUp(dir);
    // The store's own flush comes before the agent's next sync.
    expect(store.flush()).toBe(300);
    // A crash now: what another process finds on disk is what a restart would.
    const onDisk = new HistoryStore({ dataDir: sub, clock: new FakeClock(), timers: false });
    expect(onDisk.recent('api', 1_000)).toHaveLength(300);
    expect(onDisk.loadState('agent:sg:cursor')).toEqual({ seq: 300 });
    onDisk.close();
    store.close();
  });
  it('through the store thread: an incident the disk refuses is shown while held, as before, and written when it has room', async () => {
    const sub = join(dir, 'thread');
    const clock = new FakeClock();
    const health: StorageHealthView[] = [];
    const healthEvents = new EventEmitter();
    const store = new StoreClient({
      durable: new HistoryStore({ dataDir: sub, clock, timers: false, log: () => {} }),
      dataDir: sub,
      clock,
      log: () => {},
      onHealth: (h) => {
        health.push(h);
        healthEvents.emit(h.saving ? 'saving' : 'failing', h);
      },
    });
    await store.ready();
    const h = new Harness(TOPOLOGY + RULE, { repository: store, clock });
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');
    await store.flush();

    fill(dir);
    const failing = once(healthEvents, 'failing');
    h.result('lb', 'down');
    await h.clock.advance(MINUTE);
    await failing;
    // The store thread holds the refused writes and said so before it answers this query (one
    // port, in order): the incident is shown, loudly unsaved, and not in the file.
    expect(await store.listIncidents()).toEqual([]);
    const incidentId = h.published.flatMap((p) => p.incidents ?? [])[0]!.id;
    expect(h.open().map((i) => i.id)).toEqual([incidentId]);
    expect(health.at(-1)).toMatchObject({ saving: false, reason: 'history not being saved: disk full' });
    expect(h.unsaved).toContain(incidentId);

    // Room again: the store thread's own flush writes what it held, and the board is told.
    const saving = once(healthEvents, 'saving');
    freeUp(dir);
    await saving;
    await store.flush();
    expect(store.loadIncidents({ limit: 10 }).find((i) => i.id === incidentId)?.state).toBe('open');
    await store.close();
  });
});
