/**
 * The store thread: owns the results side of the history database (results, check states,
 * rollups and pruning on the store's own timers, the chart queries), so no result write, rollup or query runs on the
 * engine thread that schedules and times probes. The engine speaks to it through StoreClient
 * (thread-protocol.ts). Started by src/engine/worker.ts (one entry file for both threads, so a
 * bundle needs nothing more) with StoreThreadData as workerData.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { HistoryStore } from './history-store.ts';
import {
  StoreThreadDataSchema,
  QUERY_ARGS,
  ToStoreSchema,
  type FromStore,
  type StoreThreadData,
  type ToStore,
  WRITTEN_MARK,
  WrittenMarkSchema,
} from './thread-protocol.ts';

/** The workerData of a store thread, or null for any other thread. */
export function storeThreadData(data: unknown): StoreThreadData | null {
  const parsed = StoreThreadDataSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/**
 * The engine's time, followed here: each message carries the engine clock's `now`, and between
 * messages it advances with this thread's own. Queries and rollups then agree with the engine
 * (and with a test's fake clock) about what "the last 24 hours" and "a closed minute" are.
 */
function followedClock(start: number): { clock: Clock; set: (now: number) => void } {
  let offset = start - Date.now();
  return {
    clock: { ...systemClock, now: () => Date.now() + offset },
    set: (now) => (offset = now - Date.now()),
  };
}

/**
 * Runs the store on `port` until the engine closes it; then `exit` (the thread exits; a test
 * running it on a MessageChannel passes its own).
 */
export function runStoreThread(
  data: StoreThreadData,
  port: MessagePort = parentPort!,
  exit: () => void = () => process.exit(0),
): void {
  // Typed here; the engine side parses what arrives (StoreClient).
  const send = (message: FromStore) => port.postMessage(message);
  const time = followedClock(data.now);
  let received = 0;
  let acked = 0;
  const store = new HistoryStore({
    dataDir: data.dataDir,
    clock: time.clock,
    retention: data.retention,
    log: (level, message) => send({ kind: 'log', level, message }),
    onHealth: (health) => send({ kind: 'health', health }),
    // The store's own flush timer retries what a failed write kept; acknowledge what it writes.
    onFlush: () => ack(),
  });
  send({ kind: 'opened', path: store.path });
  // Writes of this session a thread before this one committed: acknowledged, not written twice.
  const mark = WrittenMarkSchema.safeParse(store.loadState(WRITTEN_MARK));
  const committedBefore = mark.success && mark.data.session === data.session ? mark.data.seq : 0;

  /** Everything received so far is committed once the queue is empty after a write. */
  function ack(): void {
    const { queued, flushed, dropped, malformed, flushFailures, lastError } = store.stats();
    if (received === acked || queued > 0 || store.durablePending() > 0) return;
    acked = received;
    send({ kind: 'acked', upTo: acked, stats: { flushed, dropped, malformed, flushFailures, lastError } });
  }

  function write(message: Extract<ToStore, { kind: 'write' }>): void {
    if (message.seq <= committedBefore) {
      received = message.seq;
      if (message.states.length > 0) send({ kind: 'committed', seq: message.seq, ok: true });
      ack();
      return;
    }
    for (const result of message.results) store.record(result);
    for (const [checkId, saved] of message.checkStates) store.queueCheckState(checkId, saved);
    for (const [id, at] of message.touches) store.touchAgentToken(id, at);
    for (const op of message.durable) store.queueDurable(op);
    received = message.seq;
    store.setMark(WRITTEN_MARK, { session: data.session, seq: received });
    if (message.states.length > 0) {
      send({ kind: 'committed', seq: message.seq, ok: store.commitStates(message.states) });
    } else store.flush();
    // The disk refused incident writes: they are held here, in order, written first when it
    // takes writes again; the engine may show them meanwhile (the board says they are not saved).
    if (store.durablePending() > 0) send({ kind: 'held', upTo: received });
    ack();
  }

  function query(message: Extract<ToStore, { kind: 'query' }>): void {
    const { method, args, now } = message;
    try {
      let value: unknown;
      if (method === 'series') {
        const [id, range, points, vantage] = QUERY_ARGS.series.parse(args);
        value = store.series(id, range, points, now, vantage);
      } else if (method === 'availability') {
        const [id, range, vantage] = QUERY_ARGS.availability.parse(args);
        value = store.availability(id, range, now, vantage);
      } else if (method === 'firstAt') value = store.firstAt(...QUERY_ARGS.firstAt.parse(args));
      else if (method === 'availabilityAll')
        value = store.availabilityAll(QUERY_ARGS.availabilityAll.parse(args)[0], now);
      else if (method === 'listIncidents') value = store.listIncidents(QUERY_ARGS.listIncidents.parse(args)[0]);
      else value = store.recent(...QUERY_ARGS.recent.parse(args));
      send({ kind: 'answer', id: message.id, value });
    } catch (error) {
      send({
        kind: 'answer',
        id: message.id,
        value: null,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  port.on('message', (raw: unknown) => {
    const parsed = ToStoreSchema.safeParse(raw);
    if (!parsed.success) {
      send({ kind: 'log', level: 'error', message: `history: the store thread ignored a malformed message` });
      return;
    }
    const message = parsed.data;
    if (message.kind === 'write') {
      time.set(message.now);
      write(message);
    } else if (message.kind === 'query') query(message);
    else if (message.kind === 'retention') store.setRetention(message.retention);
    else {
      store.close();
      ack();
      send({ kind: 'closed' });
      port.close();
      exit();
    }
  });
}
