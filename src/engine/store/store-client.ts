import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { IncidentEvent, IncidentView, ProbeResult, SeriesPoint, SeriesRange } from '../../shared/model.ts';
import type { StorageHealthView } from '../../shared/model.ts';
import type { Clock } from '../clock.ts';
import { BEAT_GATHER_MS } from '../vantages/beat.ts';
import { noteTokenUse, withTokenUse, type AgentTokenRow, type NewAgentToken } from './agent-tokens.ts';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_QUEUE_LIMIT,
  MAX_HELD_WRITES,
  stateJson,
  type AuditEntry,
  type DurableOp,
  type HistoryStore,
  type Retention,
  type SavedCheckState,
  type StoreLog,
  type StoreStats,
} from './history-store.ts';
import {
  CLOSE_TIMEOUT_MS,
  FromStoreSchema,
  type FromStore,
  type ModuleStateWrite,
  type QueryMethod,
  type StoreThreadData,
  type ThreadStats,
  type ToStore,
} from './thread-protocol.ts';

export interface StoreClientOptions {
  /** The engine thread's connection: agent tokens and start-up reads (see below). */
  durable: HistoryStore;
  /** The database's directory, or null for memory (the store thread then has its own). */
  dataDir: string | null;
  clock: Clock;
  log: StoreLog;
  onHealth?: (health: StorageHealthView) => void;
  /** The store thread's entry: src/engine/worker.ts or its bundle; store-thread-entry.ts by default. */
  entry?: string | URL;
  flushIntervalMs?: number;
  /** Results held unacknowledged at most; beyond it the oldest are dropped and counted. */
  queueLimit?: number;
  /** The least time between two writes sent for commitWith (COMMIT_GAP_MS); the calls between go together. */
  commitGapMs?: number;
  /** How long a commitWith call waits for others (BEAT_GATHER_MS); 0 sends a lone one at once. */
  commitGatherMs?: number;
}

/** One numbered write: kept until the store thread acknowledges it. */
interface Write {
  seq: number;
  results: ProbeResult[];
  checkStates: [string, SavedCheckState][];
  touches: [string, number][];
  /** Durable writes (incidents, audit, module state), in order: what shows them waits for the acknowledgement. */
  durable: DurableOp[];
  /** Module states committed with it, durably (commitWith calls, newest per key). */
  states: ModuleStateWrite[];
}

/**
 * The least time between two writes sent for commitWith. Each write costs about a millisecond
 * of CPU whatever it holds (the message, the store thread's parse and durable commit with its
 * fsync, the answers), and every agent sync asks for one: the syncs that come within this
 * time, or while the last such write is still being committed, go in one write, one fsync (a
 * group commit). Agents are answered before their commit (agent-protocol.ts, `after`), so this
 * delays only their acknowledgements, never the board: 500 ms makes at most two commits a second
 * for any number of agents (100 ms made eight to ten for three agents, a fifth of the centre's
 * CPU; docs/BENCHMARKS.md); on the centre's beat, one a beat for each group of agents: a call
 * waits BEAT_GATHER_MS for the beat's others, or the first would go alone and hold the rest for
 * the gap, two commits a beat instead of one.
 */
export const COMMIT_GAP_MS = 500;

/** Restart back-off of a store thread that died: doubles from the first to the last. */
const RESTART_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** How long close() waits for the store thread to write what is queued and exit. */
/** Module states written this run, remembered for loadState (the thread may not have committed them yet). */
const MAX_COMMITTED_STATES = 10_000;

/** Held in a variable: a bundler must not take the source file for an asset to copy. */
const ENTRY_SOURCE = './store-thread-entry.ts';

/**
 * The history store as the engine thread sees it (src/engine/store/index.ts lists the API).
 *
 * Results, check states, agent batches (commitWith), rollups, pruning and the chart queries
 * belong to the store thread (store-thread.ts): record() only buffers, the buffer goes to the
 * thread once a second as one numbered write, and queries are answered asynchronously. Each
 * write is kept here until the thread acknowledges it as committed; a thread that dies is
 * restarted with back-off and sent every unacknowledged write again, in order.
 *
 * Incidents and their events (acknowledgements, silences, notes are incident writes too), the
 * failover audit and module state (failover run state, alerts, notification groups) go to the
 * store thread as ordered operations with the next write, made durable in its transaction;
 * `afterWritten` runs what shows or acts on them once they are committed ("written before
 * shown"; failover sends a webhook only then). Agent tokens are written on this thread's own
 * connection (`durable`), synchronously and durably: rare, operator-driven, and the operator must
 * not get a token the centre does not know (docs/ARCHITECTURE.md). Start-up reads (open
 * incidents, audit, module state, check states) use that connection too, before anything of this
 * run is written. Both connections share the file in WAL mode (one writer at a time; readers
 * never wait); with no data directory each has its own in-memory database, and module state
 * written through the thread is remembered here for loadState.
 */
export class StoreClient {
  private readonly durable: HistoryStore;
  private readonly dataDir: string | null;
  private readonly clock: Clock;
  private readonly log: StoreLog;
  private readonly onHealth: StoreClientOptions['onHealth'];
  private readonly entry: string | URL;
  private readonly flushIntervalMs: number;
  private readonly queueLimit: number;
  private readonly commitGapMs: number;
  private readonly commitGatherMs: number;
  private worker: Worker | null = null;
  private running = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private restarts = 0;
  private restartTimer: unknown = null;
  private flushTimer: unknown = null;
  private retention: Retention | undefined;
  private markOpened: () => void = () => {};
  private readonly opened = new Promise<void>((resolve) => (this.markOpened = resolve));
  /** Names this client's write numbers in the database (WRITTEN_MARK). */
  private readonly session = randomUUID();

  private results: ProbeResult[] = [];
  private checkStates = new Map<string, SavedCheckState>();
  private touches = new Map<string, number>();
  private ops: DurableOp[] = [];
  private unacked: Write[] = [];
  private unackedResults = 0;
  private unackedOps = 0;
  /** Durable writes dropped by the bound while the store thread could not take them. */
  private droppedOps = 0;
  private seq = 0;
  /** The last write number the store thread acknowledged, and the last that carried durable writes. */
  private ackedUpTo = 0;
  private lastOpsSeq = 0;
  /** Up to which write the store thread holds what the disk refused (shown, not acknowledged). */
  private heldUpTo = 0;
  /** Publications waiting for the durable writes before them (afterWritten), in order. */
  private shownAfter: { upTo: number; show: () => void }[] = [];
  /** A send of the queued durable writes is due at the end of this task (afterWritten). */
  private opsSoon = false;
  /** flush() calls waiting for their writes to be acknowledged. */
  private ackWaiters: { upTo: number; resolve: () => void }[] = [];
  /** Callers of commitWith, by the write that carries their state. */
  private readonly commits = new Map<number, ((ok: boolean) => void)[]>();
  /** commitWith states not sent yet (newest per key), and their callers. */
  private pendingStates = new Map<string, ModuleStateWrite>();
  private pendingCommits: ((ok: boolean) => void)[] = [];
  /** When the first of the waiting commitWith calls came. */
  private firstPendingAt = 0;
  /** When the last write with states was sent (engine clock), and the timer that sends the next. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private commitTimer: unknown = null;
  private readonly committedStates = new Map<string, unknown>();
  private askSeq = 0;
  private readonly asks = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private threadStats: ThreadStats = { flushed: 0, dropped: 0, malformed: 0, flushFailures: 0, lastError: null };
  private dropped = 0;
  private threadHealth: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
  private durableHealth: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
  private lastHealth: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };

  constructor(options: StoreClientOptions) {
    this.durable = options.durable;
    this.dataDir = options.dataDir;
    this.clock = options.clock;
    this.log = options.log;
    this.onHealth = options.onHealth;
    this.entry = options.entry ?? new URL(ENTRY_SOURCE, import.meta.url);
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.commitGapMs = options.commitGapMs ?? COMMIT_GAP_MS;
    this.commitGatherMs = options.commitGatherMs ?? BEAT_GATHER_MS;
    this.start();
    this.scheduleFlush();
  }

  /**
   * Resolves once the first store thread has opened the database (or has failed to: it is then
   * restarted in the background). The engine starts probing after it, so loading the thread
   * never competes with the first probes for the CPU.
   */
  ready(): Promise<void> {
    return this.opened;
  }

  /** The database file (':memory:' without one): the engine thread's connection's. */
  get path(): string {
    return this.durable.path;
  }

  /** Told by the durable connection when its writes start failing or work again. */
  durableHealthChanged(health: StorageHealthView): void {
    this.durableHealth = health;
    this.reportHealth();
  }

  setRetention(retention: Retention): void {
    this.retention = { ...retention };
    this.post({ kind: 'retention', retention: this.retention });
  }

  /** Buffers a result for the next write to the store thread (within a second). Cheap. */
  record(result: ProbeResult): void {
    if (!this.closing) this.results.push(result);
  }

  /** Buffers a check's latest state for the next write (only the newest per check). */
  queueCheckState(checkId: string, saved: SavedCheckState): void {
    if (!this.closing) this.checkStates.set(checkId, saved);
  }

  /** Notes a token's use; written with the next batch (a lost one costs nothing). */
  touchAgentToken(id: string, at: number): void {
    if (!this.closing) noteTokenUse(this.touches, id, at);
  }

  /**
   * Writes every buffered result and check state with the module state `key = value`, in one
   * durable transaction on the store thread (an agent's results and its cursor). True once
   * committed; false when the write failed or the thread died first: the state then stays with
   * its results, and whichever write takes them writes it too (HistoryStore.commitWith).
   *
   * Calls close together share a write (see COMMIT_GAP_MS and BEAT_GATHER_MS): sent the
   * gather after the first call when no such write is being committed and the last went at
   * least the gap ago, else when all three are true; any write
   * sent before then (the second's batch, a flush) takes them with it. Results buffered before
   * the call are in the same write or an earlier one, so never committed after the state.
   */
  commitWith(key: string, value: unknown): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    const body = stateJson(key, value, this.log);
    if (body === undefined) return Promise.resolve(false);
    this.pendingStates.delete(key);
    this.pendingStates.set(key, { key, at: this.clock.now(), body });
    if (this.pendingCommits.length === 0) this.firstPendingAt = this.clock.now();
    const committed = new Promise<boolean>((resolve) => {
      this.pendingCommits.push((ok) => {
        if (ok) this.remember(key, value);
        resolve(ok);
      });
    });
    this.scheduleCommit();
    return committed;
  }

  /** Sends what is buffered now; resolves once the store thread has committed every write so far. */
  flush(): Promise<void> {
    if (this.closing) return Promise.resolve();
    const upTo = this.send().seq;
    return new Promise<void>((resolve) => this.ackWaiters.push({ upTo, resolve }));
  }

  // The chart queries, answered on the store thread (HistoryStore documents each).

  series(
    checkId: string,
    range: SeriesRange,
    points: number,
    now = this.clock.now(),
    vantage?: string,
  ): Promise<SeriesPoint[]> {
    return this.ask('series', now, [checkId, range, points, vantage]) as Promise<SeriesPoint[]>;
  }

  availability(checkId: string, range: SeriesRange, now = this.clock.now(), vantage?: string): Promise<number | null> {
    return this.ask('availability', now, [checkId, range, vantage]) as Promise<number | null>;
  }

  firstAt(checkId: string, vantage?: string): Promise<number | null> {
    return this.ask('firstAt', this.clock.now(), [checkId, vantage]) as Promise<number | null>;
  }

  availabilityAll(range: SeriesRange, now = this.clock.now()): Promise<Map<string, number>> {
    return this.ask('availabilityAll', now, [range]) as Promise<Map<string, number>>;
  }

  recent(checkId: string, limit: number, vantage?: string): Promise<ProbeResult[]> {
    return this.ask('recent', this.clock.now(), [checkId, limit, vantage]) as Promise<ProbeResult[]>;
  }

  // Incident writes: ordered messages to the store thread, shown after its acknowledgement.

  saveIncident(incident: IncidentView): void {
    this.queueOp({ op: 'incident', incident });
  }

  appendIncidentEvent(incidentId: string, event: IncidentEvent): void {
    this.queueOp({ op: 'event', incidentId, event });
  }

  deleteIncident(incidentId: string): void {
    this.queueOp({ op: 'deleteIncident', incidentId });
  }

  /**
   * Calls `show` once every durable write (incident, audit, module state) made so far is committed by the store thread: at
   * once when none is waiting, else when the thread acknowledges them (in order of the calls;
   * writes waiting are sent now). While the thread is away, `show` waits with the writes (the
   * board says history is not being saved); when the disk refuses them, the running thread
   * holds them and `show` runs (as for HistoryStore's held writes). At close, what was never
   * written is never shown.
   */
  afterWritten(show: () => void): void {
    if (this.ops.length > 0) {
      // The next write carries them, whoever sends it: sent at the end of this task, not now,
      // so the writes a task makes go together (one write, however many notes), and the task
      // can finish what must be committed with them (an agent sync's results and its cursor,
      // which a write sent halfway through would split: a crash then would store the results
      // without the cursor, and the agent's resend would store them twice).
      this.shownAfter.push({ upTo: this.seq + 1, show });
      this.sendOpsSoon();
      return;
    }
    if (this.lastOpsSeq <= this.showableUpTo()) {
      show();
      return;
    }
    this.shownAfter.push({ upTo: this.lastOpsSeq, show });
  }

  /**
   * Incidents as the store thread has them (the board's incident list): only what was written,
   * the incident writes made before this call included (sent first; the thread takes messages in
   * order). With no data directory, the only copy of the incidents is the store thread's.
   */
  listIncidents(options: { since?: number; limit?: number; openOnly?: boolean } = {}): Promise<IncidentView[]> {
    if (this.ops.length > 0 && this.running) this.send();
    return this.ask('listIncidents', this.clock.now(), [options]) as Promise<IncidentView[]>;
  }

  // Failover audit and module state: ordered writes like the incidents' (afterWritten says when).

  /** Queues a failover audit entry for the store thread; committed once afterWritten runs. */
  appendAudit(entry: AuditEntry): void {
    this.queueOp({ op: 'audit', entry });
  }

  /**
   * Queues a module's durable state `key = value` for the store thread, in order with the other
   * durable writes (committed once afterWritten runs); loadState answers it from now on. A value
   * that has no JSON is logged and not saved.
   */
  saveState(key: string, value: unknown): void {
    if (this.closing) return;
    // undefined has no JSON: kept as null, what loadState answers for no state (as HistoryStore).
    const body = value === undefined ? 'null' : stateJson(key, value, this.log);
    if (body === undefined) return;
    // A copy, as a later read of the file would give: the caller may change its objects after.
    this.remember(key, JSON.parse(body));
    this.queueOp({ op: 'state', key, at: this.clock.now(), body });
  }

  /** Module state: as last saved or committed this run, else as the file had it at start-up. */
  loadState<T = unknown>(key: string): T | null {
    if (this.committedStates.has(key)) return this.committedStates.get(key) as T;
    return this.durable.loadState<T>(key);
  }

  // The engine thread's own connection: start-up reads, and agent tokens (durable on return).

  /**
   * Open and recent incidents, read at start-up on this thread's connection (before anything of
   * this run is written: everything committed before is in the file). Not for later reads: the
   * store thread may hold writes this connection has not seen (listIncidents).
   */
  loadIncidents(options: { since?: number; limit?: number; openOnly?: boolean } = {}): IncidentView[] {
    return this.durable.loadIncidents(options);
  }

  /**
   * A policy's audit as the file had it at start-up (the failover module reads it once per policy
   * and keeps it in memory: audit entries of this run may not be committed yet).
   */
  loadAudit(policyId: string, limit?: number): AuditEntry[] {
    return this.durable.loadAudit(policyId, limit);
  }

  loadCheckStates(): Map<string, SavedCheckState> {
    return this.durable.loadCheckStates();
  }

  createAgentToken(spec: NewAgentToken): { id: string; token: string } {
    return this.durable.createAgentToken(spec);
  }

  listAgentTokens(): AgentTokenRow[] {
    return this.durable.listAgentTokens().map((row) => withTokenUse(row, this.touches.get(row.id)));
  }

  findAgentToken(sha256: string): AgentTokenRow | null {
    const row = this.durable.findAgentToken(sha256);
    return row ? withTokenUse(row, this.touches.get(row.id)) : null;
  }

  revokeAgentToken(id: string): boolean {
    return this.durable.revokeAgentToken(id);
  }

  stats(): StoreStats {
    const s = this.threadStats;
    return {
      path: this.path,
      queued: this.results.length + this.unackedResults,
      flushed: s.flushed,
      dropped: s.dropped + this.dropped,
      malformed: s.malformed,
      flushFailures: s.flushFailures,
      lastError: s.lastError,
    };
  }

  /** How many times the store thread died and was restarted. */
  threadRestarts(): number {
    return this.restarts;
  }

  /** Sends what is buffered, lets the store thread write it and stop, then closes this thread's connection. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = this.stop();
    return this.closed;
  }

  private async stop(): Promise<void> {
    if (this.flushTimer !== null) this.clock.clearTimeout(this.flushTimer);
    if (this.commitTimer !== null) this.clock.clearTimeout(this.commitTimer);
    if (this.restartTimer !== null) this.clock.clearTimeout(this.restartTimer);
    this.send();
    this.closing = true;
    const worker = this.worker;
    if (worker && this.running) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ kind: 'close' } satisfies ToStore);
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    } else await worker?.terminate();
    if (this.unackedResults > 0) {
      this.log(
        'error',
        `history: stopping with ${this.unackedResults} results the store thread never wrote; they are lost`,
      );
    }
    this.failCommits();
    for (const waiter of this.ackWaiters.splice(0)) waiter.resolve();
    if (this.shownAfter.length > 0) {
      this.log(
        'error',
        `history: stopping with ${this.shownAfter.length} changes never written, so never shown or acted on`,
      );
      this.shownAfter = [];
    }
    this.failAsks('the history store is closed');
    this.durable.close();
  }

  private remember(key: string, value: unknown): void {
    this.committedStates.delete(key);
    this.committedStates.set(key, value);
    if (this.committedStates.size > MAX_COMMITTED_STATES) {
      this.committedStates.delete(this.committedStates.keys().next().value!);
    }
  }

  /**
   * Sends the commitWith states waiting once the gather since the first of them has passed, the
   * write before them is committed and the gap since it has passed (a timer on the engine clock).
   */
  private scheduleCommit(): void {
    if (this.pendingCommits.length === 0 || this.commitTimer !== null || this.commits.size > 0) return;
    const due = Math.max(this.lastCommitAt + this.commitGapMs, this.firstPendingAt + this.commitGatherMs);
    const wait = due - this.clock.now();
    if (wait <= 0) {
      this.send();
      return;
    }
    this.commitTimer = this.clock.setTimeout(() => {
      this.commitTimer = null;
      if (!this.closing) this.scheduleCommit();
    }, wait);
  }

  /** Moves the buffer, and the commitWith states waiting, into a numbered write, kept until acknowledged, and posts it. */
  private send(): Write {
    const write: Write = {
      seq: ++this.seq,
      results: this.results,
      checkStates: [...this.checkStates],
      touches: [...this.touches],
      durable: this.ops,
      states: [...this.pendingStates.values()],
    };
    this.results = [];
    this.checkStates = new Map();
    this.touches = new Map();
    this.ops = [];
    if (this.pendingCommits.length > 0) {
      this.commits.set(write.seq, this.pendingCommits);
      this.pendingCommits = [];
      this.pendingStates = new Map();
      this.lastCommitAt = this.clock.now();
      if (this.commitTimer !== null) this.clock.clearTimeout(this.commitTimer);
      this.commitTimer = null;
    }
    this.unacked.push(write);
    this.unackedResults += write.results.length;
    if (write.durable.length > 0) {
      this.unackedOps += write.durable.length;
      this.lastOpsSeq = write.seq;
    }
    this.bound();
    this.postWrite(write);
    this.postponeFlush();
    return write;
  }

  /**
   * The flush timer counts from the last write sent, which took everything buffered (as
   * HistoryStore.postponeFlush does on the store thread, and for the same reason). While the
   * durable connection holds writes (a full disk) the fixed beat stays: their retries ride on it.
   */
  private postponeFlush(): void {
    if (this.flushTimer === null || this.closing || !this.durable.idle()) return;
    this.clock.clearTimeout(this.flushTimer);
    this.scheduleFlush();
  }

  private postWrite(write: Write): void {
    this.post({ kind: 'write', now: this.clock.now(), ...write });
  }

  /** Sends the durable writes queued in this task once it ends (unless a write took them first). */
  private sendOpsSoon(): void {
    if (this.opsSoon) return;
    this.opsSoon = true;
    queueMicrotask(() => {
      this.opsSoon = false;
      if (this.ops.length > 0 && !this.closing) this.send();
    });
  }

  private queueOp(op: DurableOp): void {
    if (!this.closing) this.ops.push(op);
  }

  /**
   * Keeps the unacknowledged results and durable writes within their limits: the oldest go
   * first, counted (and said, for durable writes: they are lost).
   */
  private bound(): void {
    for (const write of this.unacked) {
      const excess = this.unackedOps - MAX_HELD_WRITES;
      if (excess <= 0) break;
      const drop = Math.min(excess, write.durable.length);
      write.durable = write.durable.slice(drop);
      this.unackedOps -= drop;
      // Said once per outage (until the next acknowledgement): the count is in the log then.
      if (this.droppedOps === 0) {
        this.log(
          'error',
          'history: durable writes (incidents, audit, state) held too long are being dropped, oldest first (the store cannot write)',
        );
      }
      this.droppedOps += drop;
    }
    for (const write of this.unacked) {
      const excess = this.unackedResults - this.queueLimit;
      if (excess <= 0) return;
      const drop = Math.min(excess, write.results.length);
      write.results = write.results.slice(drop);
      this.unackedResults -= drop;
      this.dropped += drop;
    }
  }

  private ask(method: QueryMethod, now: number, args: unknown[]): Promise<unknown> {
    if (!this.running || this.closing) {
      return Promise.reject(new Error('history is not available right now (the store is restarting); try again'));
    }
    const id = ++this.askSeq;
    return new Promise((resolve, reject) => {
      this.asks.set(id, { resolve, reject });
      this.post({ kind: 'query', id, now, method, args });
    });
  }

  private post(message: ToStore): void {
    if (this.running && this.worker) this.worker.postMessage(message);
  }

  private start(): void {
    const data: StoreThreadData = {
      role: 'knockon-store',
      session: this.session,
      dataDir: this.dataDir,
      now: this.clock.now(),
      ...(this.retention ? { retention: this.retention } : {}),
    };
    const worker = new Worker(this.entry, { workerData: data });
    this.worker = worker;
    this.running = true;
    // Unacknowledged writes go again, in order: the thread that had them is gone.
    for (const write of this.unacked) this.postWrite(write);
    worker.on('message', (raw: unknown) => this.receive(raw));
    worker.on('error', (error) => this.log('error', `history: the store thread failed: ${error.message}`));
    worker.on('exit', (code) => this.exited(worker, code));
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.running = false;
    this.heldUpTo = 0;
    this.markOpened();
    this.failCommits();
    this.failAsks('the history store thread stopped; try again');
    if (this.closing) return;
    // States that waited for the lost write go in a write of their own, sent to the next thread.
    this.scheduleCommit();
    this.threadHealth = {
      saving: false,
      reason: 'history not being saved: the store thread stopped and is restarting',
      heldWrites: this.unackedOps,
      heldResults: this.unackedResults,
    };
    this.reportHealth();
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)]!;
    this.restarts++;
    this.log('error', `history: the store thread exited (code ${code}); restarting in ${delay} ms, results kept`);
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = null;
      if (!this.closing) this.start();
    }, delay);
  }

  private receive(raw: unknown): void {
    const parsed = FromStoreSchema.safeParse(raw);
    if (!parsed.success) {
      this.log('error', 'history: ignored a malformed message from the store thread');
      return;
    }
    const message: FromStore = parsed.data;
    switch (message.kind) {
      case 'opened':
        this.markOpened();
        if (this.threadHealth.reason?.includes('restarting')) {
          this.threadHealth = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
          this.reportHealth();
        }
        return;
      case 'acked':
        this.threadStats = message.stats;
        while (this.unacked.length > 0 && this.unacked[0]!.seq <= message.upTo) {
          const write = this.unacked.shift()!;
          this.unackedResults -= write.results.length;
          this.unackedOps -= write.durable.length;
        }
        this.ackedUpTo = Math.max(this.ackedUpTo, message.upTo);
        if (this.droppedOps > 0 && this.unackedOps === 0) {
          this.log('error', `history: ${this.droppedOps} durable writes were dropped while the store could not write`);
          this.droppedOps = 0;
        }
        this.ackWaiters = this.ackWaiters.filter((w) => w.upTo > message.upTo || void w.resolve());
        this.showWritten();
        return;
      case 'held':
        this.heldUpTo = Math.max(this.heldUpTo, message.upTo);
        this.showWritten();
        return;
      case 'committed': {
        const callers = this.commits.get(message.seq) ?? [];
        this.commits.delete(message.seq);
        for (const resolve of callers) resolve(message.ok);
        // The next group of commitWith states goes once its gather and the gap have passed.
        this.scheduleCommit();
        return;
      }
      case 'answer': {
        const ask = this.asks.get(message.id);
        this.asks.delete(message.id);
        if (message.error !== undefined) ask?.reject(new Error(`history: ${message.error}`));
        else ask?.resolve(message.value);
        return;
      }
      case 'health':
        this.threadHealth = message.health;
        this.reportHealth();
        return;
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'closed':
        return;
    }
  }

  /**
   * Up to which write incident changes may be shown: committed, or held by a running store
   * thread because the disk refuses them (as HistoryStore's held writes: incidents go on, and the
   * board says they are not being saved). Never what only this thread holds (the store thread away).
   */
  private showableUpTo(): number {
    return Math.max(this.ackedUpTo, this.heldUpTo);
  }

  /** Runs the publications whose durable writes are now committed (or held), in order. */
  private showWritten(): void {
    const upTo = this.showableUpTo();
    const due = this.shownAfter.findIndex((s) => s.upTo > upTo);
    const ready = this.shownAfter.splice(0, due < 0 ? this.shownAfter.length : due);
    for (const { show } of ready) {
      try {
        show();
      } catch (error) {
        this.log('error', `history: publishing a written change failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Answers false to the commitWith callers whose write was sent (the thread that had it is
   * gone, or the client closes); their states stay with their results in that write, resent.
   */
  private failCommits(): void {
    const callers = [...this.commits.values()].flat();
    this.commits.clear();
    for (const resolve of callers) resolve(false);
  }

  private failAsks(reason: string): void {
    for (const ask of this.asks.values()) ask.reject(new Error(reason));
    this.asks.clear();
  }

  /** Both connections' health as one: saving only when both are. */
  private reportHealth(): void {
    const t = this.threadHealth;
    const d = this.durableHealth;
    const next: StorageHealthView = {
      saving: t.saving && d.saving,
      reason: t.reason ?? d.reason,
      heldWrites: t.heldWrites + d.heldWrites,
      heldResults: t.heldResults + d.heldResults,
    };
    const last = this.lastHealth;
    this.lastHealth = next;
    if (next.saving !== last.saving || next.reason !== last.reason) this.onHealth?.(next);
  }

  private scheduleFlush(): void {
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      if (this.closing) return;
      if (this.results.length > 0 || this.checkStates.size > 0 || this.touches.size > 0 || this.ops.length > 0)
        this.send();
      // Held durable writes (a full disk) are retried on this thread's connection.
      this.durable.flush();
      this.scheduleFlush();
    }, this.flushIntervalMs);
  }
}
