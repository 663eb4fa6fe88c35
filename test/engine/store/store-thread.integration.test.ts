import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, HistoryStore, StoreClient } from '../../../src/engine/store/index.ts';
import { runStoreThread } from '../../../src/engine/store/store-thread.ts';
import { COMMIT_GAP_MS } from '../../../src/engine/store/store-client.ts';
import { BEAT_GATHER_MS } from '../../../src/engine/vantages/beat.ts';
import {
  FromStoreSchema,
  WRITTEN_MARK,
  type FromStore,
  type ToStore,
} from '../../../src/engine/store/thread-protocol.ts';
import type { StorageHealthView } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, queryFile, result, tempDir } from './helpers.ts';

describe('the history store on its own thread (StoreClient)', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let logs: string[];
  const clients: StoreClient[] = [];

  let health: StorageHealthView[];
  /** Emits 'saving' each time the client reports history being saved again. */
  const healthEvents = new EventEmitter();

  function open(dataDir: string | null = dir.path): StoreClient {
    const log = (level: string, message: string) => logs.push(`${level} ${message}`);
    const durable = new HistoryStore({ dataDir, clock, log, timers: false });
    const client = new StoreClient({
      durable,
      dataDir,
      clock,
      log,
      onHealth: (h) => {
        health.push(h);
        if (h.saving) healthEvents.emit('saving', h);
      },
    });
    clients.push(client);
    return client;
  }

  /** commitWith, its gather passed on the engine's clock. */
  async function commitNow(store: StoreClient, key: string, value: unknown): Promise<boolean> {
    const committed = store.commitWith(key, value);
    await clock.advance(BEAT_GATHER_MS);
    return committed;
  }

  const rows = () => queryFile<{ n: number }>(join(dir.path, DB_FILE), 'SELECT count(*) AS n FROM results')[0]!.n;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
    logs = [];
    health = [];
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    dir.remove();
  });

  it('writes results on the store thread, durable once flush() resolves, and answers the chart queries there', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) store.record(result('hk-lb', T0 + i * 10_000, 10 + i));
    expect(store.stats().queued).toBe(3);
    await store.flush();
    expect(store.stats()).toMatchObject({ queued: 0, flushed: 3, dropped: 0 });
    // Another connection (this thread's) sees them: they are in the file, committed.
    expect(rows()).toBe(3);
    await clock.advance(30_000);
    expect((await store.recent('hk-lb', 10)).map((r) => r.latencyMs)).toEqual([12, 11, 10]);
    expect(await store.availability('hk-lb', '1h')).toBe(1);
    expect((await store.series('hk-lb', '1h', 60)).length).toBeGreaterThan(0);
    expect(await store.firstAt('hk-lb')).toBe(T0);
  });

  it('sends the buffer once a second on the engine’s clock, check states with it', async () => {
    const store = open();
    store.record(result('hk-lb', T0, 10));
    store.queueCheckState('hk-lb', {
      state: { status: 'up' } as never,
      view: { id: 'hk-lb', status: 'up' } as never,
      lastResult: null,
      savedAt: T0,
    });
    await clock.advance(1_000);
    // The timer sent it; an empty flush() waits for everything sent before it.
    await store.flush();
    expect(rows()).toBe(1);
    expect(store.loadCheckStates().get('hk-lb')).toMatchObject({ view: { status: 'up' } });
  });

  it('counts the once-a-second flush from the last write sent: a commit that took the buffer puts it off', async () => {
    const store = open();
    await clock.advance(600);
    store.record({ ...result('api', T0 + 500, 4), vantage: 'sg' });
    expect(await commitNow(store, 'agent-cursor:sg:s1', 1)).toBe(true);
    store.record({ ...result('api', T0 + 600, 5), vantage: 'sg' });
    // The beat from the start would send it now; a second after the commit's write is when it goes.
    await clock.advance(400 - BEAT_GATHER_MS);
    // A query is answered after every write sent before it (the thread takes messages in order).
    await store.recent('api', 10, 'sg');
    expect(rows()).toBe(1);
    await clock.advance(600 + BEAT_GATHER_MS);
    await store.recent('api', 10, 'sg');
    expect(rows()).toBe(2);
  });

  it('commits an agent batch with its cursor in one write; loadState answers it, in memory too', async () => {
    for (const dataDir of [dir.path, null]) {
      const store = open(dataDir);
      store.record({ ...result('api', T0, 4), vantage: 'sg' });
      store.record({ ...result('api', T0 + 1_000, 5), vantage: 'sg' });
      expect(await commitNow(store, 'agent-cursor:sg:s1', 2)).toBe(true);
      expect(store.loadState('agent-cursor:sg:s1')).toBe(2);
      expect((await store.recent('api', 10, 'sg')).map((r) => r.latencyMs)).toEqual([5, 4]);
    }
  });

  it('commits the agent batches of one beat in one write, and those that come after it together after the gap', async () => {
    const store = open();
    const settled: string[] = [];
    const commit = (key: string, value: number) =>
      store.commitWith(key, value).then((ok) => {
        settled.push(key);
        return ok;
      });
    // Two agents' syncs a few ms apart (one beat): one write, the gather after the first.
    store.record({ ...result('api', T0, 4), vantage: 'sg' });
    const first = commit('agent-cursor:sg:s1', 1);
    await clock.advance(3);
    store.record({ ...result('api', T0 + 1_000, 5), vantage: 'tyo' });
    const second = commit('agent-cursor:tyo:s2', 7);
    await clock.advance(BEAT_GATHER_MS - 4);
    expect(settled).toEqual([]);
    expect(rows()).toBe(0);
    await clock.advance(1);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(rows()).toBe(2);
    expect(store.loadState(WRITTEN_MARK)).toMatchObject({ seq: 1 });
    // A sync that comes soon after waits for the gap since that write (the engine's clock);
    // another in the meantime goes with it.
    store.record({ ...result('api', T0 + 2_000, 6), vantage: 'sg' });
    const third = commit('agent-cursor:sg:s1', 2);
    await clock.advance(100);
    store.record({ ...result('api', T0 + 3_000, 7), vantage: 'tyo' });
    const fourth = commit('agent-cursor:tyo:s2', 8);
    await clock.advance(COMMIT_GAP_MS - 101);
    expect(settled).toHaveLength(2);
    expect(store.loadState('agent-cursor:tyo:s2')).toBe(7);
    await clock.advance(1);
    expect(await Promise.all([third, fourth])).toEqual([true, true]);
    expect(rows()).toBe(4);
    expect(store.loadState('agent-cursor:tyo:s2')).toBe(8);
    expect(store.loadState('agent-cursor:sg:s1')).toBe(2);
    // Two writes in all, the second with both cursors and both results: its number is in the file.
    expect(store.loadState(WRITTEN_MARK)).toMatchObject({ seq: 2 });
    // A lone batch after a quiet gap goes the gather after it.
    await clock.advance(COMMIT_GAP_MS);
    store.record({ ...result('api', T0 + 4_000, 8), vantage: 'sg' });
    expect(await commitNow(store, 'agent-cursor:sg:s1', 3)).toBe(true);
    expect(rows()).toBe(5);
  });

  it('never writes an agent batch without its cursor, when a durable note in the middle of the batch asks for a write', async () => {
    const store = open();
    const cursor = () =>
      queryFile<{ body: string }>(
        join(dir.path, DB_FILE),
        "SELECT body FROM module_state WHERE key = 'agent-cursor:sg:s1'",
      )[0]?.body;
    store.record({ ...result('api', T0, 4), vantage: 'sg' });
    expect(await commitNow(store, 'agent-cursor:sg:s1', 1)).toBe(true);
    // One task, as the agent door's: results applied (a module writes a note and waits for it
    // to be written before it acts), more results, then the batch's cursor.
    let shown: { rows: number; cursor: string | undefined } | null = null;
    const written = new Promise<void>((resolve) => {
      store.record({ ...result('api', T0 + 1_000, 5), vantage: 'sg' });
      store.saveState('failover:note', { step: 1 });
      store.afterWritten(() => {
        shown = { rows: rows(), cursor: cursor() };
        resolve();
      });
      store.record({ ...result('api', T0 + 2_000, 6), vantage: 'sg' });
      void store.commitWith('agent-cursor:sg:s1', 3);
    });
    await written;
    // The note's write took the whole batch and its cursor: results never on disk without it.
    expect(shown).toEqual({ rows: 3, cursor: '3' });
  });

  it('loses nothing when the store thread dies: unacknowledged writes go to the next one', async () => {
    const store = open();
    for (let i = 0; i < 3; i++) store.record(result('hk-lb', T0 + i * 10_000, 10));
    await store.flush();
    store.record(result('hk-lb', T0 + 30_000, 10));
    store.record(result('hk-lb', T0 + 40_000, 10));
    const flushed = store.flush();
    const savingAgain = once(healthEvents, 'saving');
    // The thread is killed with the write sent but (most likely) not yet acknowledged.
    const worker = (store as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await clock.advance(500);
    await flushed;
    // The write may have been acknowledged before the kill; the new thread opens on its own time.
    await savingAgain;
    expect(store.threadRestarts()).toBe(1);
    expect(logs.some((l) => l.startsWith('error history: the store thread exited'))).toBe(true);
    // The board was told while the thread was away, and told again once it was back.
    expect(health.map((h) => [h.saving, h.reason])).toEqual([
      [false, 'history not being saved: the store thread stopped and is restarting'],
      [true, null],
    ]);
    expect(rows()).toBe(5);
    expect((await store.recent('hk-lb', 10)).map((r) => r.startedAt)).toEqual(
      [40_000, 30_000, 20_000, 10_000, 0].map((d) => T0 + d),
    );
  });

  it('writes the failover audit and module state on the store thread, in order, once each across a thread that dies', async () => {
    const store = open();
    store.appendAudit({ policyId: 'p', at: T0, step: 'decided', detail: { run: 1 } });
    store.saveState('failover:p', { state: 'running', run: 1 });
    // Answered from memory at once: a read never misses a write still on its way.
    expect(store.loadState('failover:p')).toEqual({ state: 'running', run: 1 });
    let acted = 0;
    store.afterWritten(() => acted++);
    // The acknowledgement is a message from the thread: it cannot have come yet.
    expect(acted).toBe(0);
    const savingAgain = once(healthEvents, 'saving');
    await (store as unknown as { worker: Worker }).worker.terminate();
    store.appendAudit({ policyId: 'p', at: T0 + 1, step: 'started', detail: { run: 1 } });
    store.saveState('failover:p', { state: 'failed_over', run: 1 });
    store.afterWritten(() => acted++);
    await clock.advance(500);
    await savingAgain;
    await store.flush();
    expect(acted).toBe(2);
    const file = join(dir.path, DB_FILE);
    // Sent again to the new thread, yet each entry is in the file once (the session mark), in order.
    expect(queryFile<{ step: string }>(file, 'SELECT step FROM failover_audit ORDER BY seq')).toEqual([
      { step: 'decided' },
      { step: 'started' },
    ]);
    const [state] = queryFile<{ body: string }>(file, "SELECT body FROM module_state WHERE key = 'failover:p'");
    expect(JSON.parse(state!.body)).toEqual({ state: 'failed_over', run: 1 });
    expect(store.loadState('failover:p')).toEqual({ state: 'failed_over', run: 1 });
  });

  it('answers a query asked while the thread is restarting with an error, not a hang', async () => {
    const store = open();
    const worker = (store as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await expect(store.recent('hk-lb', 10)).rejects.toThrow(/restarting/);
    await clock.advance(500);
    await store.flush();
    expect(await store.recent('hk-lb', 10)).toEqual([]);
  });
});

describe('the store thread after a restart', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  /** The store thread's code on a MessageChannel in this thread: it answers like the real one. */
  function thread(session: string) {
    const channel = new MessageChannel();
    runStoreThread({ role: 'knockon-store', session, dataDir: dir.path, now: T0 }, channel.port2, () => {});
    const messages: FromStore[] = [];
    channel.port1.on('message', (m) => messages.push(FromStoreSchema.parse(m)));
    const until = async (test: (m: FromStore) => boolean) => {
      while (!messages.some(test)) await once(channel.port1, 'message');
    };
    const send = (m: ToStore) => channel.port1.postMessage(m);
    const close = async () => {
      send({ kind: 'close' });
      await until((m) => m.kind === 'closed');
      channel.port1.close();
    };
    return { send, until, close };
  }

  const write = (seq: number, startedAt: number): ToStore => ({
    kind: 'write',
    seq,
    now: T0,
    results: [result('hk-lb', startedAt, 10)],
    checkStates: [],
    touches: [],
    // An incident write with each: committed with the batch, so recognised with it.
    durable: [{ op: 'event', incidentId: 'inc-1', event: { at: startedAt, kind: 'note', message: `write ${seq}` } }],
    states: [],
  });

  const rows = () => queryFile<{ n: number }>(join(dir.path, DB_FILE), 'SELECT count(*) AS n FROM results')[0]!.n;
  const events = () =>
    queryFile<{ body: string }>(join(dir.path, DB_FILE), 'SELECT body FROM incident_events ORDER BY seq').map(
      (r) => (JSON.parse(r.body) as { message: string }).message,
    );

  it('skips a write its predecessor committed but never acknowledged, and acknowledges it', async () => {
    const first = thread('session-a');
    first.send(write(1, T0));
    first.send(write(2, T0 + 10_000));
    await first.until((m) => m.kind === 'acked' && m.upTo === 2);
    await first.close();
    expect(rows()).toBe(2);

    // The engine never saw the acknowledgement of write 2: it sends it again, then write 3.
    const second = thread('session-a');
    second.send(write(2, T0 + 10_000));
    second.send(write(3, T0 + 20_000));
    await second.until((m) => m.kind === 'acked' && m.upTo === 3);
    await second.close();
    expect(rows()).toBe(3);
    expect(events()).toEqual(['write 1', 'write 2', 'write 3']);

    // Another client's numbers are its own: its write 1 is new.
    const other = thread('session-b');
    other.send(write(1, T0 + 30_000));
    await other.until((m) => m.kind === 'acked' && m.upTo === 1);
    await other.close();
    expect(rows()).toBe(4);
    expect(events()).toEqual(['write 1', 'write 2', 'write 3', 'write 1']);
  });
});
