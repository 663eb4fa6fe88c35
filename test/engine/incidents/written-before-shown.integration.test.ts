/**
 * "Written before shown" through the store thread: the knock-on module on a real StoreClient (a
 * real SQLite file, a real store thread), on a fake clock. An incident change reaches the board
 * (a delta, the snapshot, an RPC answer) only once its row is committed in the file; while the
 * store thread is away nothing of it is shown, and it is shown once the restarted thread has
 * written it.
 */
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, HistoryStore, StoreClient } from '../../../src/engine/store/index.ts';
import type { IncidentView, StorageHealthView } from '../../../src/shared/model.ts';
import { ADMIN } from '../../support/actors.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, queryFile, tempDir } from '../store/helpers.ts';
import { Harness, TOPOLOGY } from './harness.ts';

const RULE = `alerts:
  - { name: ServerDown, condition: down, for: 0s, severity: critical }
  - { name: GatewayDown, condition: down, on: checks, ids: [gw], for: 0s, severity: warning }
`;

describe('incidents are written before they are shown (store thread)', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: StoreClient;
  let health: StorageHealthView[];
  const healthEvents = new EventEmitter();

  beforeEach(async () => {
    dir = tempDir();
    clock = new FakeClock(T0);
    health = [];
    const log = () => {};
    store = new StoreClient({
      durable: new HistoryStore({ dataDir: dir.path, clock, log, timers: false }),
      dataDir: dir.path,
      clock,
      log,
      onHealth: (h) => {
        health.push(h);
        healthEvents.emit(h.saving ? 'saving' : 'stopped', h);
      },
    });
    await store.ready();
  });

  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  /** The incident's row in the file, read on a connection of its own: committed or absent. */
  const row = (id: string) => {
    const rows = queryFile<{ id: string; header: string }>(join(dir.path, DB_FILE), 'SELECT id, header FROM incidents');
    const found = rows.find((r) => r.id === id);
    return found ? (JSON.parse(found.header) as Omit<IncidentView, 'events'>) : null;
  };
  const rowCount = () => queryFile<{ n: number }>(join(dir.path, DB_FILE), 'SELECT count(*) AS n FROM incidents')[0]!.n;
  const publishedIncidents = (h: Harness) => h.published.flatMap((p) => p.incidents ?? []);

  it('publishes an incident only after the store thread has committed it', async () => {
    const h = new Harness(TOPOLOGY + RULE, { repository: store, clock });
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');
    h.result('lb', 'down');
    // Opened in the book, sent to the store thread, not yet acknowledged: not shown anywhere.
    expect(publishedIncidents(h)).toEqual([]);
    expect(h.incidents()).toEqual([]);
    await store.flush();
    const [incident] = publishedIncidents(h);
    expect(incident).toMatchObject({ state: 'open', rootCause: { id: 'lb' } });
    expect(row(incident!.id)).toMatchObject({ state: 'open' });
    expect(h.open().map((i) => i.id)).toEqual([incident!.id]);
    // At each publication the harness read the incident back from the file: all there.
    expect(h.unsaved).toEqual([]);
  });

  it('shows nothing of a change while the store thread is away, and shows it once the new thread wrote it', async () => {
    const h = new Harness(TOPOLOGY + RULE, { repository: store, clock });
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');
    h.result('lb', 'down');
    await store.flush();
    const [incident] = h.open();
    const id = incident!.id;
    const publishedBefore = h.published.length;

    const stopped = once(healthEvents, 'stopped');
    await (store as unknown as { worker: Worker }).worker.terminate();
    await stopped;

    // An acknowledgement and a second root cause while nothing can be written.
    let answered: IncidentView | null = null;
    const ack = h.rpc
      .dispatch('incidents.acknowledge', { incidentId: id, note: 'on it' }, ADMIN)
      .then((view) => (answered = view as IncidentView));
    h.result('gw', 'down');
    expect(h.open().map((i) => i.id)).toEqual([id]);
    // The board was told history is not being saved.
    expect(health.at(-1)).toMatchObject({ saving: false });
    // Up to the restart's back-off (500 ms): the thread is still away.
    await clock.advance(499);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(answered).toBeNull();
    expect(h.published.slice(publishedBefore).flatMap((p) => p.incidents ?? [])).toEqual([]);
    expect(h.open()[0]!.acknowledged).toBeNull();
    expect(row(id)!.acknowledged).toBeNull();
    expect(rowCount()).toBe(1);

    // The thread is restarted: the held writes go to it, in order.
    const saving = once(healthEvents, 'saving');
    await clock.advance(1);
    await saving;
    await ack;
    expect(answered!.acknowledged).toMatchObject({ by: 'Ada', note: 'on it' });
    expect(row(id)!.acknowledged).toMatchObject({ by: 'Ada', note: 'on it' });
    const shown = h.published.slice(publishedBefore).flatMap((p) => p.incidents ?? []);
    expect(shown.some((v) => v.id === id && v.acknowledged !== null)).toBe(true);
    await store.flush();
    expect(rowCount()).toBe(2);
    expect(h.open()).toHaveLength(2);
    expect(h.unsaved).toEqual([]);
  });
});
