import type { StorageHealthView } from '../../shared/model.ts';
import type { Clock } from '../clock.ts';
import type { CheckState } from '../status.ts';
import type {
  CheckView,
  IncidentEvent,
  IncidentView,
  ProbeResult,
  SeriesPoint,
  SeriesRange,
} from '../../shared/model.ts';
import { HISTORY_DEFAULTS } from '../../shared/config/history.ts';
import { AgentTokens, noteTokenUse, withTokenUse, type AgentTokenRow, type NewAgentToken } from './agent-tokens.ts';
import { LOCAL_VANTAGE, StoreDatabase, type CheckKey } from './database.ts';
import { Chunks } from './chunks.ts';
import { Rollups, STEP_BUDGET_MS, type ExpiredResult, type Retention } from './rollups.ts';
import { MAX_TIME_MS, ROW_COLUMNS, Staging, type StagedRow } from './staging.ts';
import { queryAvailability, queryAvailabilityAll, queryFirstAt, querySeries } from './series.ts';

export type { Retention } from './rollups.ts';
export type StoreLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface HistoryStoreOptions {
  /** Directory of knockon.db (created if missing); null keeps everything in memory. */
  dataDir: string | null;
  clock: Clock;
  log?: StoreLog;
  retention?: Retention;
  /** How often queued results are written, in one transaction. */
  flushIntervalMs?: number;
  /** How often rollups and pruning run (sooner while they have work left). */
  maintenanceIntervalMs?: number;
  /** Results held in memory at most; beyond it the oldest are dropped and counted. */
  queueLimit?: number;
  /** False for bulk loads and tests that drive flush() and maintain() themselves. */
  timers?: boolean;
  /** Called after each committed batch: (results in it, results committed since open). */
  onFlush?: (flushed: number, total: number) => void;
  /** Called when saving starts failing or works again (the board says so). */
  onHealth?: (health: StorageHealthView) => void;
}

/** A durable write that could not be made: kept, in order, until the disk takes it. */
interface HeldWrite {
  /** Upserts with the same key replace the held value in place (the latest header wins). */
  key: string | null;
  write: () => void;
}

/** Durable writes held in memory at most: past this the oldest go, counted and said. */
export const MAX_HELD_WRITES = 20_000;

/**
 * A durable write made on the store thread, in order, with the batch it came in (the engine
 * shows or acts on it only once that batch is acknowledged: StoreClient.afterWritten): incident
 * writes, failover audit entries, and module state (`body` its JSON, serialised by the caller).
 */
export type DurableOp =
  | { op: 'incident'; incident: IncidentView }
  | { op: 'event'; incidentId: string; event: IncidentEvent }
  | { op: 'deleteIncident'; incidentId: string }
  | { op: 'audit'; entry: AuditEntry }
  | { op: 'state'; key: string; at: number; body: string };

/** Module state to write with a batch (commitWith), as JSON. */
export interface StateWrite {
  key: string;
  at: number;
  body: string;
}

/** A check's last known state, saved so a restarted board starts from it. */
export interface SavedCheckState {
  state: CheckState;
  view: CheckView;
  lastResult: ProbeResult | null;
  savedAt: number;
}

export interface AuditEntry {
  policyId: string;
  at: number;
  step: string;
  detail: Record<string, unknown>;
}

export interface StoreStats {
  path: string;
  queued: number;
  flushed: number;
  /** Results dropped because the queue overflowed (writes failing or too slow). */
  dropped: number;
  /** Results refused by record() (no check id, no start time or one outside a Date's range, a vantage that is not text) and check states that were not JSON. */
  malformed: number;
  flushFailures: number;
  lastError: string | null;
}

/** SQLite's words for a full or failing disk, as the board says them. */
function describeWriteError(message: string | null): string {
  if (!message) return 'writes are failing';
  if (/SQLITE_FULL|database or disk is full|ENOSPC/i.test(message)) return 'disk full';
  if (/readonly|EROFS|SQLITE_READONLY/i.test(message)) return 'the database is read-only';
  if (/SQLITE_IOERR|disk I\/O error|EIO/i.test(message)) return 'disk I/O error';
  if (/locked|SQLITE_BUSY/i.test(message)) return 'the database is locked by another process';
  return message.slice(0, 200);
}

export const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 10_000;
export const DEFAULT_QUEUE_LIMIT = 100_000;
/** Pause between maintenance steps while rollups or pruning catch up. */
const CATCH_UP_DELAY_MS = 50;

/** The durable history: see index.ts for the API at a glance and database.ts for durability. */
export class HistoryStore {
  private readonly store: StoreDatabase;
  private readonly rollups: Rollups;
  private readonly staging: Staging;
  private readonly clock: Clock;
  private readonly log: StoreLog;
  private readonly queueLimit: number;
  private readonly flushIntervalMs: number;
  private readonly maintenanceIntervalMs: number;
  private readonly onFlush: HistoryStoreOptions['onFlush'];
  private retention: Retention;
  private queue: ProbeResult[] = [];
  /** Index of the oldest kept result in `queue`: dropping the oldest is O(1). */
  private head = 0;
  private pendingStates = new Map<string, SavedCheckState>();
  /** Agent token id → last use, written with the next batch. */
  private pendingTouches = new Map<string, number>();
  /**
   * Module states of failed commitWith calls, by key. Their results went back to the queue, so
   * whichever transaction writes those results next (a flush too) must write these with them.
   */
  private pendingModuleStates = new Map<string, StateWrite>();
  /** Incident writes to make, in order, durably, with the next batch (queueDurable). */
  private pendingOps: DurableOp[] = [];
  /** Written with every batch of results (setMark): where the queued results came from. */
  private mark: StateWrite | null = null;
  private readonly tokens: AgentTokens;
  private flushed = 0;
  private dropped = 0;
  private droppedReported = 0;
  private malformed = 0;
  private malformedReported = 0;
  private flushFailures = 0;
  private lastError: string | null = null;
  private failing = { flush: false, maintain: false };
  private held: HeldWrite[] = [];
  private heldDropped = 0;
  private readonly onHealth: HistoryStoreOptions['onHealth'];
  private lastHealth: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
  private flushTimer: unknown = null;
  private maintenanceTimer: unknown = null;
  private closed = false;

  constructor(options: HistoryStoreOptions) {
    this.clock = options.clock;
    this.log = options.log ?? (() => {});
    this.retention = options.retention ?? { ...HISTORY_DEFAULTS };
    this.queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maintenanceIntervalMs = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    this.onHealth = options.onHealth;
    this.onFlush = options.onFlush;
    this.store = new StoreDatabase(options.dataDir, (message) => this.log('info', message));
    this.staging = new Staging(this.store);
    this.rollups = new Rollups(this.store, new Chunks(this.store, this.staging), this.staging);
    this.tokens = new AgentTokens(this.store);
    if (options.timers !== false) {
      this.scheduleFlush();
      this.scheduleMaintenance(this.maintenanceIntervalMs);
    }
  }

  get path(): string {
    return this.store.path;
  }

  setRetention(retention: Retention): void {
    this.retention = { ...retention };
  }

  /** Queues a result; it is written with the next batch. Cheap: safe on the probe path. */
  record(result: ProbeResult): void {
    if (this.closed) return;
    const clean = sanitize(result);
    if (!clean) {
      this.malformed++;
      return;
    }
    this.queue.push(clean);
    if (this.queue.length - this.head > this.queueLimit) {
      this.head++;
      this.dropped++;
    }
  }

  /**
   * Module state `key = value` to write with every batch of results from now on, in the same
   * transaction: what is on disk then says how far the queue it wrote went (the store thread
   * keeps the number of the last write it queued there, so a restarted thread skips what its
   * predecessor committed). Not durable by itself: it is as durable as the batch it goes with.
   */
  setMark(key: string, value: unknown): void {
    this.mark = { key, at: this.clock.now(), body: stateJson(key, value, this.log) ?? 'null' };
  }

  /**
   * Queues a durable write (incident, audit entry, module state): made with the next batch, in order, in its durable transaction
   * (with the mark: a restarted store thread knows it was made). Until then, and while the disk
   * refuses it, it is held here and counted as a held write.
   */
  queueDurable(op: DurableOp): void {
    if (this.closed) return;
    this.pendingOps.push(op);
    // Bounded as the held writes are: the oldest go, counted and said when the disk takes writes.
    if (this.pendingOps.length > MAX_HELD_WRITES) {
      this.pendingOps.shift();
      this.heldDropped++;
    }
  }

  /** Durable writes queued or held, not yet committed. */
  durablePending(): number {
    return this.pendingOps.length;
  }

  /** Nothing is queued, held or pending here: a flush now would have nothing to write or retry. */
  idle(): boolean {
    return (
      this.queue.length === this.head &&
      this.held.length === 0 &&
      this.pendingOps.length === 0 &&
      this.pendingStates.size === 0 &&
      this.pendingTouches.size === 0 &&
      this.pendingModuleStates.size === 0
    );
  }

  /** Queues a check's latest state; written with the next batch (only the newest per check). */
  queueCheckState(checkId: string, saved: SavedCheckState): void {
    if (!this.closed) this.pendingStates.set(checkId, saved);
  }

  /**
   * Writes every queued result and state in one transaction. On failure (disk full, database
   * locked) they go back to the queue, the failure is logged once until writes recover, and
   * nothing is thrown: the probes go on.
   */
  flush(): number {
    if (this.closed) return 0;
    this.reportDrops();
    this.writeHeld();
    return this.commitQueued([]) ?? 0;
  }

  /**
   * Writes every queued result and check state and the module state `key = value` in one
   * durable (synchronous=FULL) transaction, after any held durable writes: the state can never
   * be on disk without the results queued before it, nor they without it. Returns true when
   * committed. On failure (disk full, database locked, a value that is not JSON) it returns
   * false and never throws: the results go back to the queue as in flush(), held writes stay
   * held, and the state stays with its results: whichever write takes them next (a flush too)
   * writes it with them, so a crash can never leave them on disk without it.
   */
  commitWith(key: string, value: unknown): boolean {
    if (this.closed) return false;
    const body = stateJson(key, value, this.log);
    if (body === undefined) return false;
    return this.commitStates([{ key, at: this.clock.now(), body }]);
  }

  /**
   * commitWith for several module states at once, already as JSON (the store thread's group of
   * agent cursors): one durable transaction, all of them or none.
   */
  commitStates(states: readonly StateWrite[]): boolean {
    if (this.closed) return false;
    this.reportDrops();
    return this.commitQueued(states) !== null;
  }

  /**
   * Writes the queue in one transaction: with `states`, durably, held durable writes first and
   * the states last. Returns the results written, or null when the write failed and everything
   * went back to the queue.
   */
  private commitQueued(states: readonly StateWrite[]): number | null {
    const batch = this.head > 0 ? this.queue.slice(this.head) : this.queue;
    const checkStates = this.pendingStates;
    const touches = this.pendingTouches;
    // A requeued batch's module states, then this call's (newest last: it wins on its key).
    const moduleStates = this.pendingModuleStates;
    for (const state of states) moduleStates.set(state.key, state);
    const ops = this.pendingOps;
    this.queue = [];
    this.head = 0;
    this.pendingStates = new Map();
    this.pendingTouches = new Map();
    this.pendingModuleStates = new Map();
    this.pendingOps = [];
    if (
      batch.length === 0 &&
      checkStates.size === 0 &&
      touches.size === 0 &&
      moduleStates.size === 0 &&
      ops.length === 0
    )
      return 0;
    // Serialised before the transaction: a state that cannot be is skipped, not the batch.
    const stateBodies = new Map<string, { savedAt: number; json: string }>();
    for (const [id, saved] of checkStates) {
      try {
        stateBodies.set(id, { savedAt: saved.savedAt, json: JSON.stringify(saved) });
      } catch {
        this.malformed++;
      }
    }
    const opWrites = ops.flatMap((op) => this.prepareOp(op));
    const durable = moduleStates.size > 0 || ops.length > 0;
    const held = durable ? this.held : [];
    const write = () => {
      for (const h of held) h.write();
      for (const w of opWrites) w();
      this.insertResults(batch);
      for (const [id, body] of stateBodies) this.writeCheckState(id, body.savedAt, body.json);
      for (const [id, at] of touches) this.tokens.touch(id, at);
      for (const m of moduleStates.values()) this.writeModuleState(m.key, m.at, m.body);
      if (this.mark !== null) this.writeModuleState(this.mark.key, this.mark.at, this.mark.body);
    };
    try {
      if (durable) this.store.durableTransaction(write);
      else this.store.transaction(write);
      this.staging.committed();
    } catch (error) {
      this.staging.dropped();
      this.requeue(batch, checkStates, touches);
      this.pendingModuleStates = moduleStates;
      this.pendingOps = ops.concat(this.pendingOps);
      const what =
        (moduleStates.size > 0 ? ` and state ${[...moduleStates.keys()].join(', ')}` : '') +
        (ops.length > 0 ? ` and ${ops.length} durable writes (incidents, audit, state)` : '');
      this.failed('flush', `history: writing ${batch.length} results${what} failed, kept in memory to retry`, error);
      this.reportHealth();
      return null;
    }
    if (held.length > 0 || (ops.length > 0 && this.heldDropped > 0)) this.heldWritten(held.length + ops.length);
    this.recovered('flush', 'history: writes work again');
    this.reportHealth();
    this.noteLate(batch);
    this.flushed += batch.length;
    this.onFlush?.(batch.length, this.flushed);
    this.postponeFlush();
    return batch.length;
  }

  /**
   * A write just took everything queued: the timer's next flush is due an interval after it, not
   * on a fixed beat. On the store thread, whose writes come from the engine twice a second on a
   * busy centre, the beat would wake the thread once a second to find nothing to write. While
   * writes are held or queued (a full disk), the beat stays: their retries ride on it.
   */
  private postponeFlush(): void {
    if (this.flushTimer === null || this.closed || !this.idle()) return;
    this.clock.clearTimeout(this.flushTimer);
    this.scheduleFlush();
  }

  /**
   * Rolls up closed minutes and hours and prunes expired rows, for about `budgetMs` per call
   * (bulk loads pass more: each step has a fixed cost). Returns true while work is left.
   * Failures are logged, never thrown.
   */
  maintain(now = this.clock.now(), budgetMs = STEP_BUDGET_MS): boolean {
    if (this.closed) return false;
    try {
      const more = this.rollups.maintain(now, this.retention, budgetMs);
      this.recovered('maintain', 'history: rollups and pruning work again');
      return more;
    } catch (error) {
      this.failed('maintain', 'history: rollups or pruning failed; will retry', error);
      return false;
    }
  }

  /**
   * Writes results straight to the database in one transaction (imports, benchmarks): into the
   * indexed table, not staged (a bulk load's rows are many per check already).
   */
  importResults(results: readonly ProbeResult[]): number {
    this.store.transaction(() => this.insertResults(results, false));
    this.noteLate(results);
    return results.length;
  }

  /** Results written behind a rollup watermark get their minute and hour rolled up again. */
  private noteLate(results: readonly ProbeResult[]): void {
    for (const r of results) this.rollups.noteLate(this.store.keyOf(r.checkId, vantageOf(r), true), r.startedAt);
  }

  /**
   * Inserts raw results, staged (a batch: see staging.ts) or straight into the indexed table;
   * the caller holds the transaction.
   */
  private insertResults(results: readonly ProbeResult[], staged = true): void {
    const direct = staged
      ? null
      : this.store.stmt(`INSERT INTO result_rows (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    let expired: ExpiredResult[] | null = null;
    for (const r of results) {
      const key = this.store.keyOf(r.checkId, vantageOf(r), true);
      if (this.rollups.expired(r.startedAt)) {
        (expired ??= []).push({ key, result: r });
        continue;
      }
      const row: StagedRow = [key, r.startedAt, r.ok ? 1 : 0, r.latencyMs, r.errorClass, r.message, detailsOf(r)];
      if (direct) direct.run(...row);
      else this.staging.insert(...row);
    }
    // Behind pruning (a backlog older than raw retention): added to its cells, not kept raw.
    if (expired) this.rollups.mergeExpired(expired, this.clock.now(), this.retention);
  }

  /**
   * A check's series as seen from `vantage` ('' = this machine), or from all its vantages
   * together when `vantage` is undefined (percentiles from merged histograms: see mergeVantages).
   */
  series(checkId: string, range: SeriesRange, points: number, now = this.clock.now(), vantage?: string): SeriesPoint[] {
    return querySeries(this.store, this.rollups, checkId, range, points, now, vantage);
  }

  /** A check's availability from `vantage` ('' = this machine), or from all its vantages together. */
  availability(checkId: string, range: SeriesRange, now = this.clock.now(), vantage?: string): number | null {
    return queryAvailability(this.store, this.rollups, checkId, range, now, vantage);
  }

  /** When a check's kept history starts, from `vantage` or from all its vantages; null without any. */
  firstAt(checkId: string, vantage?: string): number | null {
    return queryFirstAt(this.store, this.staging, checkId, vantage);
  }

  /** Availability of every check with data in the range, all its vantages together. */
  availabilityAll(range: SeriesRange, now = this.clock.now()): Map<string, number> {
    return queryAvailabilityAll(this.store, this.rollups, range, now);
  }

  /**
   * A check's latest results, newest first, with their details (phases, tls, dns…): from
   * `vantage` ('' = this machine), or from every vantage when it is undefined. A remote
   * vantage's results carry its id as `vantage`.
   */
  recent(checkId: string, limit: number, vantage?: string): ProbeResult[] {
    let keys: readonly CheckKey[];
    if (vantage === undefined) keys = this.store.keysOf(checkId);
    else {
      const key = this.store.keyOf(checkId, vantage);
      keys = key === undefined ? [] : [{ key, vantage }];
    }
    const out: ProbeResult[] = [];
    for (const { key, vantage: v } of keys) {
      out.push(...this.rollups.chunks.recent(key, limit, checkId, v === LOCAL_VANTAGE ? undefined : v));
    }
    // Each vantage's are newest first already; together they are sorted once (stable: ties keep vantage order).
    if (keys.length > 1) out.sort((a, b) => b.startedAt - a.startedAt);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** Upserts an incident's header (everything but `events`, which appendIncidentEvent adds). Durable on return. */
  saveIncident(incident: IncidentView): void {
    const [write] = this.prepareOp({ op: 'incident', incident });
    if (write) this.durably(`incident:${incident.id}`, write);
  }

  /** Appends one event to an incident's timeline. Durable on return. */
  appendIncidentEvent(incidentId: string, event: IncidentEvent): void {
    const [write] = this.prepareOp({ op: 'event', incidentId, event });
    if (write) this.durably(null, write);
  }

  /**
   * Incidents open at or after `since` (opened, resolved or still open then), newest opened
   * first, each with its events in the order they were appended.
   */
  loadIncidents(options: { since?: number; limit?: number; openOnly?: boolean } = {}): IncidentView[] {
    const since = options.since ?? 0;
    const rows = this.store.all<{ id: string; header: string }>(
      "SELECT id, header FROM incidents WHERE (state = 'open' OR opened_at >= ? OR resolved_at >= ?) " +
        (options.openOnly ? "AND state = 'open' " : '') +
        'ORDER BY opened_at DESC, id LIMIT ?',
      since,
      since,
      options.limit ?? 100,
    );
    return rows.flatMap((row) => {
      const header = parseJson<Omit<IncidentView, 'events'> | null>(row.header, null);
      if (!header) return [];
      const events = this.store
        .all<{ body: string }>('SELECT body FROM incident_events WHERE incident_id = ? ORDER BY seq', row.id)
        .flatMap((e) => {
          const event = parseJson<IncidentEvent | null>(e.body, null);
          return event ? [event] : [];
        });
      return [{ ...header, events }];
    });
  }

  /** loadIncidents, under the name the board's history queries use (history-rpc.ts). */
  listIncidents(options: { since?: number; limit?: number; openOnly?: boolean } = {}): IncidentView[] {
    return this.loadIncidents(options);
  }

  /** Deletes an incident and its timeline (incidents are otherwise kept for ever). */
  deleteIncident(incidentId: string): void {
    this.durably(null, this.prepareOp({ op: 'deleteIncident', incidentId })[0]!);
  }

  /**
   * An incident write as a statement to run in the caller's transaction. Serialised now: one
   * that has no JSON (a BigInt) is counted as malformed and skipped (none: an empty list), so it
   * cannot fail the transaction of every write after it.
   */
  private prepareOp(op: DurableOp): (() => void)[] {
    try {
      if (op.op === 'incident') {
        const { events: _events, ...header } = op.incident;
        const { id, openedAt, state, resolvedAt } = op.incident;
        const body = JSON.stringify(header);
        return [
          () =>
            this.store.run(
              'INSERT INTO incidents (id, opened_at, state, resolved_at, header) VALUES (?, ?, ?, ?, ?) ' +
                'ON CONFLICT (id) DO UPDATE SET opened_at = excluded.opened_at, state = excluded.state, ' +
                'resolved_at = excluded.resolved_at, header = excluded.header',
              id,
              openedAt,
              state,
              resolvedAt,
              body,
            ),
        ];
      }
      if (op.op === 'event') {
        const { incidentId, event } = op;
        const body = JSON.stringify(event);
        return [
          () =>
            this.store.run(
              'INSERT INTO incident_events (incident_id, at, body) VALUES (?, ?, ?)',
              incidentId,
              event.at,
              body,
            ),
        ];
      }
      if (op.op === 'audit') {
        const { policyId, at, step, detail } = op.entry;
        const body = JSON.stringify(detail);
        return [
          () =>
            this.store.run(
              'INSERT INTO failover_audit (policy_id, at, step, detail) VALUES (?, ?, ?, ?)',
              policyId,
              at,
              step,
              body,
            ),
        ];
      }
      if (op.op === 'state') {
        const { key, at, body } = op;
        return [() => this.writeModuleState(key, at, body)];
      }
      const { incidentId } = op;
      return [
        () => {
          this.store.run('DELETE FROM incident_events WHERE incident_id = ?', incidentId);
          this.store.run('DELETE FROM incidents WHERE id = ?', incidentId);
        },
      ];
    } catch {
      this.malformed++;
      return [];
    }
  }

  /** Appends a failover audit entry. Durable on return. */
  appendAudit(entry: AuditEntry): void {
    const [write] = this.prepareOp({ op: 'audit', entry });
    if (write) this.durably(null, write);
  }

  /** Runs `show` at once: this store's durable writes are on disk (or held, said) when they return. */
  afterWritten(show: () => void): void {
    show();
  }

  /** A policy's latest audit entries, oldest first. */
  loadAudit(policyId: string, limit = 100): AuditEntry[] {
    const rows = this.store.all<{ at: number; step: string; detail: string }>(
      'SELECT at, step, detail FROM (SELECT seq, at, step, detail FROM failover_audit WHERE policy_id = ? ' +
        'ORDER BY seq DESC LIMIT ?) ORDER BY seq',
      policyId,
      limit,
    );
    return rows.map((r) => ({ policyId, at: r.at, step: r.step, detail: parseJson(r.detail, {}) }));
  }

  /** Saves a module's durable state (failover, alerting) under `key`. Durable on return. */
  saveState(key: string, value: unknown): void {
    // undefined has no JSON: kept as null (what loadState answers for no state), so the write
    // cannot fail for ever and block the held writes behind it.
    const body = JSON.stringify(value) ?? 'null';
    const [write] = this.prepareOp({ op: 'state', key, at: this.clock.now(), body });
    this.durably(`state:${key}`, write!);
  }

  loadState<T = unknown>(key: string): T | null {
    const row = this.store.get<{ body: string }>('SELECT body FROM module_state WHERE key = ?', key);
    return row ? parseJson<T | null>(row.body, null) : null;
  }

  /** Writes check states now, in one transaction (the module queues them with results instead). */
  saveCheckStates(states: ReadonlyMap<string, SavedCheckState>): void {
    this.store.transaction(() => {
      for (const [id, saved] of states) this.writeCheckState(id, saved.savedAt, JSON.stringify(saved));
    });
  }

  loadCheckStates(): Map<string, SavedCheckState> {
    const out = new Map<string, SavedCheckState>();
    for (const row of this.store.all<{ check_id: string; body: string }>('SELECT check_id, body FROM check_states')) {
      const saved = parseJson<SavedCheckState | null>(row.body, null);
      if (saved?.state && saved.view) out.set(row.check_id, saved);
    }
    return out;
  }

  /**
   * A new agent token bound to `vantage`: the token is returned once and only its SHA-256 is
   * kept. Durable on return; throws when the write fails (an operator must not be handed a
   * token the centre does not know).
   */
  createAgentToken(spec: NewAgentToken): { id: string; token: string } {
    const now = this.clock.now();
    return this.store.durableTransaction(() => this.tokens.insert(spec, now));
  }

  /** Every agent token, oldest first, without secrets. */
  listAgentTokens(): AgentTokenRow[] {
    return this.tokens.list().map((row) => this.withPendingTouch(row));
  }

  /**
   * The token with this SHA-256 (hashAgentToken), or null when unknown. Revoked and expired
   * tokens are returned too, so the caller can say why it refuses them (agentTokenRefusal).
   */
  findAgentToken(sha256: string): AgentTokenRow | null {
    const row = this.tokens.find(sha256);
    return row ? this.withPendingTouch(row) : null;
  }

  /**
   * Revokes a token now. True when it was revoked by this call; false when it is unknown or was
   * revoked already. Durable on return; throws when the write fails.
   */
  revokeAgentToken(id: string): boolean {
    const now = this.clock.now();
    return this.store.durableTransaction(() => this.tokens.revoke(id, now));
  }

  /** Notes a token's use; written with the next batch (a lost one costs nothing). */
  touchAgentToken(id: string, at: number): void {
    if (!this.closed) noteTokenUse(this.pendingTouches, id, at);
  }

  private withPendingTouch(row: AgentTokenRow): AgentTokenRow {
    return withTokenUse(row, this.pendingTouches.get(row.id));
  }

  /** Moves the WAL into the database file (before measuring its size). */
  checkpoint(): void {
    this.store.checkpoint();
  }

  stats(): StoreStats {
    return {
      path: this.store.path,
      queued: this.queue.length - this.head,
      flushed: this.flushed,
      dropped: this.dropped,
      malformed: this.malformed,
      flushFailures: this.flushFailures,
      lastError: this.lastError,
    };
  }

  /** Writes what is queued, then closes the database. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    if (this.flushTimer !== null) this.clock.clearTimeout(this.flushTimer);
    if (this.maintenanceTimer !== null) this.clock.clearTimeout(this.maintenanceTimer);
    this.flush();
    this.closed = true;
    if (this.held.length > 0) {
      this.log(
        'error',
        `history: stopping with ${this.held.length} incident, audit and state writes the disk never took (${this.lastError}); they are lost`,
      );
    }
    try {
      this.store.checkpoint();
    } catch {
      // A checkpoint is an optimisation; the WAL is replayed on the next open anyway.
    }
    this.store.close();
  }

  private writeModuleState(key: string, at: number, body: string): void {
    this.store.run('INSERT OR REPLACE INTO module_state (key, saved_at, body) VALUES (?, ?, ?)', key, at, body);
  }

  private writeCheckState(id: string, savedAt: number, json: string): void {
    this.store.run(
      'INSERT OR REPLACE INTO check_states (check_id, saved_at, body) VALUES (?, ?, ?)',
      id,
      savedAt,
      json,
    );
  }

  /** Whether history is being saved, and what is held in memory meanwhile: for the board. */
  health(): StorageHealthView {
    const failing = this.failing.flush || this.held.length > 0;
    const heldResults = this.queue.length - this.head;
    if (!failing) return { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
    return {
      saving: false,
      reason: `history not being saved: ${describeWriteError(this.lastError)}`,
      heldWrites: this.held.length + this.pendingOps.length,
      heldResults,
    };
  }

  /**
   * A write that must be durable before it is shown. When the disk refuses it (full, read-only,
   * I/O error) it is held in memory, in order, and written first thing on every flush until the
   * disk takes it; later durable writes queue behind it so the order on disk stays the order of
   * events. Never throws: incidents, acknowledgements and failover go on, and the board says,
   * loudly, that they are not being saved yet.
   */
  private durably(key: string | null, write: () => void): void {
    if (this.held.length === 0) {
      try {
        this.store.durableTransaction(write);
        return;
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.log(
          'error',
          `history: a durable write failed (${this.lastError}); incidents and failover go on, held in memory until the disk takes them`,
        );
      }
    }
    const same = key === null ? -1 : this.held.findIndex((h) => h.key === key);
    if (same >= 0) this.held[same] = { key, write };
    else this.held.push({ key, write });
    if (this.held.length > MAX_HELD_WRITES) {
      this.held.shift();
      this.heldDropped++;
    }
    this.reportHealth();
  }

  /** Writes the held durable writes, oldest first, as far as the disk takes them. */
  private writeHeld(): void {
    if (this.held.length === 0) return;
    try {
      this.store.durableTransaction(() => {
        for (const h of this.held) h.write();
      });
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      return;
    }
    this.heldWritten();
  }

  /** The held writes are on disk: forget them and say so. */
  private heldWritten(count = this.held.length): void {
    this.held = [];
    const lost =
      this.heldDropped > 0 ? `; ${this.heldDropped} older ones were dropped when memory's bound was reached` : '';
    this.log(
      'info',
      `history: the disk takes writes again; ${count} held incident, audit and state writes saved${lost}`,
    );
    this.heldDropped = 0;
    this.reportHealth();
  }

  private reportHealth(): void {
    const next = this.health();
    const last = this.lastHealth;
    if (next.saving === last.saving && next.reason === last.reason) {
      this.lastHealth = next;
      return;
    }
    this.lastHealth = next;
    this.onHealth?.(next);
  }

  private requeue(batch: ProbeResult[], states: Map<string, SavedCheckState>, touches: Map<string, number>): void {
    let queue = batch.concat(this.queue.slice(this.head));
    const excess = queue.length - this.queueLimit;
    if (excess > 0) {
      queue = queue.slice(excess);
      this.dropped += excess;
    }
    this.queue = queue;
    this.head = 0;
    for (const [id, saved] of states) if (!this.pendingStates.has(id)) this.pendingStates.set(id, saved);
    for (const [id, at] of touches) this.touchAgentToken(id, at);
  }

  private reportDrops(): void {
    if (this.malformed !== this.malformedReported) {
      this.log(
        'warn',
        `history: skipped ${this.malformed - this.malformedReported} malformed results (no check id or start time, or a vantage that is not text)`,
      );
      this.malformedReported = this.malformed;
    }
    if (this.dropped === this.droppedReported) return;
    this.log(
      'warn',
      `history: queue full, dropped the ${this.dropped - this.droppedReported} oldest results ` +
        `(${this.dropped} since start)`,
    );
    this.droppedReported = this.dropped;
  }

  private failed(what: 'flush' | 'maintain', message: string, error: unknown): void {
    if (what === 'flush') this.flushFailures++;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (!this.failing[what]) this.log('error', `${message}: ${this.lastError}`);
    this.failing[what] = true;
  }

  private recovered(what: 'flush' | 'maintain', message: string): void {
    if (!this.failing[what]) return;
    this.failing[what] = false;
    this.log('info', message);
  }

  private scheduleFlush(): void {
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      if (this.closed) return;
      this.flush();
      this.scheduleFlush();
    }, this.flushIntervalMs);
  }

  private scheduleMaintenance(delay: number): void {
    this.maintenanceTimer = this.clock.setTimeout(() => {
      this.maintenanceTimer = null;
      if (this.closed) return;
      const more = this.maintain();
      this.scheduleMaintenance(more ? CATCH_UP_DELAY_MS : this.maintenanceIntervalMs);
    }, delay);
  }
}

/** The fields stored as columns; `vantage` is in the check's key. */
const COLUMNS = new Set(['checkId', 'vantage', 'startedAt', 'ok', 'latencyMs', 'errorClass', 'message']);

/** The vantage a result is stored under: '' for this machine. */
function vantageOf(result: ProbeResult): string {
  return result.vantage ?? LOCAL_VANTAGE;
}

/**
 * Every field of a result beyond the columns, as JSON: new optional fields are kept without a
 * migration. Timings (fields named …Ms) are kept to the microsecond: the digits beyond are
 * timer noise, and on a real probe they are most of the bytes.
 */
function detailsOf(result: ProbeResult): string | null {
  let extra: Record<string, unknown> | null = null;
  // Rounded here, field by field, for what most results carry (numbers, strings, a flat object
  // of timings such as `phases`); a replacer, which JSON.stringify calls for every key at every
  // level, only for the rest (TLS chains, DNS answers, replication, series): it took a fifth of
  // the store thread.
  let nested = false;
  const fields = result as unknown as Record<string, unknown>;
  for (const k in fields) {
    let v = fields[k];
    if (v === undefined || COLUMNS.has(k)) continue;
    if (typeof v === 'number') v = roundTiming(k, v);
    else if (isFlatNumbers(v)) v = roundedTimings(v);
    else if (typeof v === 'object' && v !== null) nested = true;
    (extra ??= {})[k] = v;
  }
  if (!extra) return null;
  try {
    return nested ? JSON.stringify(extra, roundTimings) : JSON.stringify(extra);
  } catch {
    // Not JSON-able (a BigInt, a cycle): the columns are still worth keeping.
    return null;
  }
}

/** An object whose values are all numbers (an HTTP result's phases). */
function isFlatNumbers(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const k in value) if (typeof (value as Record<string, unknown>)[k] !== 'number') return false;
  return true;
}

function roundedTimings(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in values) out[k] = roundTiming(k, values[k]!);
  return out;
}

/** Messages are capped: a hostile target's error text must not bloat the database. */
export const MAX_MESSAGE_CHARS = 2_000;

/**
 * A result fit to store, or null. One bad result must never fail a whole batch: a batch that
 * fails is retried, so a result SQLite refuses would block every write after it.
 */
function sanitize(r: ProbeResult): ProbeResult | null {
  if (typeof r !== 'object' || r === null || typeof r.checkId !== 'string' || r.checkId === '') return null;
  // A time a Date can hold: hours and minutes of it are exact, and the minute index finds it
  // (a start of -1e300, from an agent's broken clock, made an hour with no room in it, and
  // sealing looked for its rows forever).
  if (typeof r.startedAt !== 'number' || !(Math.abs(r.startedAt) <= MAX_TIME_MS)) return null;
  // Filing a result under the wrong observer would be worse than not keeping it.
  if (r.vantage !== undefined && typeof r.vantage !== 'string') return null;
  const latencyOk = r.latencyMs === null || (typeof r.latencyMs === 'number' && Number.isFinite(r.latencyMs));
  const messageOk = typeof r.message === 'string' && r.message.length <= MAX_MESSAGE_CHARS;
  if (
    typeof r.ok === 'boolean' &&
    latencyOk &&
    messageOk &&
    (r.errorClass === null || typeof r.errorClass === 'string')
  ) {
    return r;
  }
  return {
    ...r,
    ok: r.ok === true,
    latencyMs: latencyOk ? r.latencyMs : null,
    errorClass: typeof r.errorClass === 'string' ? r.errorClass : null,
    message: String(r.message ?? '').slice(0, MAX_MESSAGE_CHARS),
  };
}

function roundTimings(key: string, value: unknown): unknown {
  return typeof value === 'number' ? roundTiming(key, value) : value;
}

/** A timing (a field named …Ms) to the microsecond; any other number as it is. */
function roundTiming(key: string, value: number): number {
  return key.endsWith('Ms') && !Number.isInteger(value) ? Math.round(value * 1_000) / 1_000 : value;
}

/** A module state's JSON, or undefined (said in the log) when it has none: not saved then. */
export function stateJson(key: string, value: unknown, log: StoreLog): string | undefined {
  let body: string | undefined;
  try {
    body = JSON.stringify(value);
  } catch {
    body = undefined;
  }
  if (body === undefined) log('error', `history: state ${key} is not JSON, not saved`);
  return body;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
