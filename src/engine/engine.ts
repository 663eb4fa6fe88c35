import type { Config } from '../shared/config/schema.ts';
import type {
  BoardSnapshot,
  CheckView,
  ComponentView,
  ConfigIssue,
  ConfigState,
  FailoverView,
  IncidentView,
  Notice,
  ObserverHealthView,
  StorageHealthView,
  ProbeResult,
  VantageView,
} from '../shared/model.ts';
import { DELTA_INTERVAL_MS, PROTOCOL_VERSION, type BoardMessage } from '../shared/protocol.ts';
import { Alarm } from './alarm.ts';
import { ObserverHealth } from './analysis/observer-health.ts';
import { describeError, RepeatedErrors } from './repeated-errors.ts';
import { ChangeBatcher } from './batcher.ts';
import { describeTarget, initialView, probeDetails, resolveChecks, type ResolvedCheck } from './checks.ts';
import type { Clock } from './clock.ts';
import { HeartbeatBook } from './heartbeat/book.ts';
import { HeartbeatModule } from './heartbeat/module.ts';
import { runProbe } from './probes/index.ts';
import type { RpcRegistry } from './rpc.ts';
import { Scheduler } from './scheduler.ts';
import { INITIAL_STATE, isChanging, nextState, type CheckState } from './status.ts';

export type ProbeFn = (check: ResolvedCheck, signal: AbortSignal) => Promise<ProbeResult>;

export interface EngineOptions {
  clock: Clock;
  emit: (message: BoardMessage) => void;
  /** Probes running at once across all checks. */
  maxInFlight?: number;
  /** Due probes waiting for a slot at most; beyond it a probe is dropped as probe_error. */
  maxQueued?: number;
  probe?: ProbeFn;
  /** Where modules register the board's queries and actions. */
  rpc?: RpcRegistry;
  /** Called with every result, for history and benchmarks. */
  onResult?: (result: ProbeResult, check: ResolvedCheck) => void;
  /** Problems the engine can only report, such as a heartbeat listener that cannot bind. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** What a module learns when a probe result has updated a check. */
export interface CheckUpdate {
  check: ResolvedCheck;
  result: ProbeResult;
  previous: CheckState;
  state: CheckState;
  view: CheckView;
  now: number;
}

/** The parts of the board that modules own; published changes go out with the next delta. */
export interface BoardPart {
  components?: ComponentView[];
  incidents?: IncidentView[];
  failovers?: FailoverView[];
  vantage?: VantageView;
}

/**
 * A part of the engine that reacts to check updates (history, impact analysis, alerting,
 * failover) and contributes to the board. Modules are called synchronously, in the order they
 * were added; slow work (I/O) must be queued by the module, never done inline.
 */
export interface EngineModule {
  readonly name: string;
  /** A valid config was applied (also the first one at start). */
  onConfig?(config: Config, checks: readonly ResolvedCheck[]): void;
  onCheckUpdate?(update: CheckUpdate): void;
  /** The observer's own health changed (probes could not run for want of its resources). */
  onObserverHealth?(health: ObserverHealthView): void;
  /** Adds the module's part to a full snapshot. */
  contribute?(board: BoardSnapshot): void;
  /**
   * A check's last known state from before a restart (the history store), or null. Asked for
   * each check the engine does not track yet when a config is applied; the first answer wins.
   * The restored lastProbeAt is old, so the board shows the check stale until a fresh result.
   */
  restore?(check: ResolvedCheck): RestoredCheck | null;
  stop?(): void | Promise<void>;
}

export interface RestoredCheck {
  state: CheckState;
  view: CheckView;
}

interface Tracked {
  check: ResolvedCheck;
  state: CheckState;
  view: CheckView;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;

const LOCAL_VANTAGE: VantageView = { id: 'local', name: 'this machine', online: true, reason: null };

/**
 * The engine's core, free of threads and files: config in, probes scheduled, results turned
 * into check states, changes batched out as board messages.
 */
export class Engine {
  private readonly clock: Clock;
  private readonly emitRaw: (message: BoardMessage) => void;
  private readonly probe: ProbeFn;
  private readonly onResult: EngineOptions['onResult'];
  private readonly log: NonNullable<EngineOptions['log']>;
  private readonly scheduler: Scheduler;
  private readonly batcher: ChangeBatcher;
  private readonly abort = new AbortController();
  private tracked = new Map<string, Tracked>();
  private config: Config | null = null;
  private configState: ConfigState = { source: 'none', appliedAt: 0, error: null };
  private seq = 0;
  private readonly modules: EngineModule[] = [];
  private pendingPart: Required<Omit<BoardPart, 'vantage'>> & { vantage?: VantageView } = {
    components: [],
    incidents: [],
    failovers: [],
  };
  /** Probes that could not run for want of the observer's own resources, over a sliding window. */
  private readonly observer = new ObserverHealth();
  private observerView: ObserverHealthView;
  private readonly moduleErrors: RepeatedErrors;
  private storage: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
  /** Wakes the observer's health when its window next moves, so recovery shows without results. */
  private readonly observerAlarm: Alarm;
  /** The vantage as modules last described it, before observer health is added. */
  private baseVantage: VantageView = LOCAL_VANTAGE;

  /** Heartbeats received; heartbeat checks are "probed" by reading it. */
  readonly heartbeats: HeartbeatBook;
  readonly heartbeatModule: HeartbeatModule;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.emitRaw = options.emit;
    this.heartbeats = new HeartbeatBook(options.clock);
    this.log = options.log ?? (() => {});
    this.moduleErrors = new RepeatedErrors(options.clock, this.log);
    this.heartbeatModule = new HeartbeatModule(this.heartbeats, this.log);
    this.modules.push(this.heartbeatModule);
    this.probe = options.probe ?? ((check, signal) => runProbe(check, signal, { heartbeats: this.heartbeats }));
    this.onResult = options.onResult;
    this.observerView = this.observer.view(this.clock.now());
    this.observerAlarm = new Alarm(this.clock, () => this.refreshObserver());
    this.scheduler = new Scheduler({
      clock: this.clock,
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
      run: (id) => this.probeOnce(id),
      onDropped: (id) => this.dropped(id),
    });
    this.batcher = new ChangeBatcher(this.clock, DELTA_INTERVAL_MS, (changed, removed) =>
      this.emitDelta(changed, removed),
    );
  }

  /** Adds a module; it sees every config applied and every check update from now on. */
  use(module: EngineModule): void {
    this.modules.push(module);
    const config = this.config;
    if (config) {
      const checks = [...this.tracked.values()].map((t) => t.check);
      this.guarded(module, 'onConfig', () => module.onConfig?.(config, checks));
    }
  }

  /** A module's changed board parts: sent whole with the next delta, a few times a second. */
  publish(part: BoardPart): void {
    if (part.components) this.pendingPart.components.push(...part.components);
    if (part.incidents) this.pendingPart.incidents.push(...part.incidents);
    if (part.failovers) this.pendingPart.failovers.push(...part.failovers);
    if (part.vantage) {
      this.baseVantage = part.vantage;
      this.pendingPart.vantage = this.withHealth(part.vantage);
    }
    this.batcher.poke();
  }

  /** A notice for people (a native notification on desktops, the browser's on walls): sent at once. */
  notify(notice: Notice): void {
    this.emit({ kind: 'notice', at: this.clock.now(), notice });
  }

  /** The current view of every check, for modules that need the whole picture. */
  checkViews(): CheckView[] {
    return [...this.tracked.values()].map((t) => t.view);
  }

  now(): number {
    return this.clock.now();
  }

  /** Applies a valid config. Checks whose target is unchanged keep their state and phase. */
  applyConfig(config: Config, source: string): void {
    const next = new Map<string, Tracked>();
    for (const check of resolveChecks(config)) {
      const old = this.tracked.get(check.id);
      if (old && old.check.type === check.type && describeTarget(old.check) === describeTarget(check)) {
        // The same object, updated in place: a probe in flight during the reload keeps its result.
        old.check = check;
        old.view = { ...old.view, ...pickStatic(initialView(check)) };
        next.set(check.id, old);
      } else {
        next.set(check.id, this.restored(check) ?? { check, state: INITIAL_STATE, view: initialView(check) });
      }
    }
    this.tracked = next;
    this.config = config;
    this.configState = { source, appliedAt: this.clock.now(), error: null };
    this.scheduler.setMaxInFlight(config.engine.max_in_flight);
    this.scheduler.setJobs([...next.values()].map((t) => ({ id: t.check.id, intervalMs: t.check.intervalMs })));
    this.batcher.clear();
    const checks = [...next.values()].map((t) => t.check);
    for (const module of this.modules) this.guarded(module, 'onConfig', () => module.onConfig?.(config, checks));
    this.clearPendingPart();
    this.emit({ kind: 'snapshot', snapshot: this.snapshot() });
  }

  /** The file on disk is invalid: say so, and keep running the last good config. */
  reportConfigError(issues: ConfigIssue[]): void {
    this.configState = { ...this.configState, error: { at: this.clock.now(), issues } };
    // A bad config at first start: the board still needs a snapshot to show the error on, or it
    // would wait for the engine for ever.
    if (this.config === null) this.emit({ kind: 'snapshot', snapshot: this.snapshot() });
    else this.emit({ kind: 'config', at: this.clock.now(), config: this.configState });
  }

  snapshot(): BoardSnapshot {
    const config = this.config;
    const board: BoardSnapshot = {
      title: config?.board.title ?? 'Knockon',
      timezone: config?.board.timezone ?? 'UTC',
      generatedAt: this.clock.now(),
      config: this.configState,
      regions: (config?.regions ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        lat: r.lat,
        lon: r.lon,
        providerRegion: r.provider_region ?? null,
      })),
      checks: [...this.tracked.values()].map((t) => t.view),
      components: [],
      incidents: [],
      vantage: this.baseVantage,
      failovers: [],
    };
    for (const module of this.modules) this.guarded(module, 'contribute', () => module.contribute?.(board));
    this.baseVantage = board.vantage;
    board.vantage = this.withHealth(board.vantage);
    return board;
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  /** Start lags per whole millisecond since the engine began (see Scheduler.lagHistogram). */
  schedulerLagHistogram(): number[] {
    return this.scheduler.lagHistogram();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.observerAlarm.cancel();
    this.scheduler.stop();
    this.batcher.stop();
    for (const module of [...this.modules].reverse()) {
      try {
        await module.stop?.();
      } catch (error) {
        this.log('error', `module ${module.name} failed to stop: ${describeError(error)}`);
      }
    }
  }

  private async probeOnce(id: string): Promise<void> {
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    const result = await this.probe(tracked.check, this.abort.signal);
    // The config may have changed while the probe ran; a result for a replaced check is dropped.
    if (this.tracked.get(id) !== tracked || this.abort.signal.aborted) return;
    this.apply(tracked, result);
  }

  /** A due probe the scheduler could not queue: the observer is overloaded, the target unjudged. */
  private dropped(id: string): void {
    const tracked = this.tracked.get(id);
    if (!tracked || this.abort.signal.aborted) return;
    const { maxQueued, inFlight } = this.scheduler.stats();
    this.apply(tracked, {
      checkId: id,
      startedAt: this.clock.now(),
      ok: false,
      latencyMs: null,
      errorClass: 'probe_error',
      message: `observer overloaded: the probe queue is full (${inFlight} running, ${maxQueued} waiting), so this probe was not run`,
      shortage: 'queue',
    });
  }

  private apply(tracked: Tracked, result: ProbeResult): void {
    const id = tracked.check.id;
    if (result.errorClass === 'probe_error' && result.shortage) this.noteShortage(result);
    this.onResult?.(result, tracked.check);
    const now = this.clock.now();
    const previous = tracked.state;
    const state = nextState(previous, result, tracked.check, now);
    tracked.state = state;
    if (tracked.check.fastIntervalMs !== null) {
      this.scheduler.retime(id, isChanging(state) ? tracked.check.fastIntervalMs : tracked.check.intervalMs);
    }
    // A probe that could not run says nothing new about the target: the data stays as old as it is.
    const observed = result.errorClass !== 'probe_error';
    tracked.view = {
      ...tracked.view,
      status: state.status,
      since: state.since,
      lastProbeAt: observed ? result.startedAt : tracked.view.lastProbeAt,
      latencyMs: result.latencyMs === null ? null : Math.round(result.latencyMs * 10) / 10,
      errorClass: result.errorClass,
      message: result.message,
      consecutiveFailures: state.consecutiveFailures,
      consecutiveSuccesses: state.consecutiveSuccesses,
      details: probeDetails(result),
    };
    this.batcher.changed(id);
    const update: CheckUpdate = { check: tracked.check, result, previous, state, view: tracked.view, now };
    for (const module of this.modules) this.guarded(module, 'onCheckUpdate', () => module.onCheckUpdate?.(update));
  }

  private restored(check: ResolvedCheck): Tracked | null {
    for (const module of this.modules) {
      let restored: ReturnType<NonNullable<EngineModule['restore']>> | null = null;
      this.guarded(module, 'restore', () => {
        restored = module.restore?.(check) ?? null;
      });
      const found = restored as ReturnType<NonNullable<EngineModule['restore']>> | null;
      if (found) return { check, state: found.state, view: { ...found.view, ...pickStatic(initialView(check)) } };
    }
    return null;
  }

  /**
   * Runs one module hook: a module that throws is logged and skipped for this call, and the
   * modules after it still run. One broken module must not blind the others or kill the worker.
   */
  private guarded(module: EngineModule, hook: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.moduleErrors.reportError(`${module.name}:${hook}`, `module ${module.name} failed in ${hook}`, error);
    }
  }

  private emitDelta(changed: string[], removed: string[]): void {
    const checks = changed.flatMap((id) => {
      const t = this.tracked.get(id);
      return t ? [t.view] : [];
    });
    const part = this.pendingPart;
    this.clearPendingPart();
    this.emit({
      kind: 'delta',
      at: this.clock.now(),
      checks,
      removed,
      ...(part.components.length > 0 ? { components: lastById(part.components, 'id') } : {}),
      ...(part.incidents.length > 0 ? { incidents: lastById(part.incidents, 'id') } : {}),
      ...(part.failovers.length > 0 ? { failovers: lastById(part.failovers, 'policyId') } : {}),
      ...(part.vantage ? { vantage: part.vantage } : {}),
    });
  }

  private noteShortage(result: ProbeResult): void {
    this.observer.record(result.shortage!, this.clock.now());
    this.refreshObserver();
  }

  /** Publishes the observer's health when it changed, and sets the alarm for its next change. */
  private refreshObserver(): void {
    const now = this.clock.now();
    const view = this.observer.view(now);
    const flipped = view.degraded !== this.observerView.degraded;
    if (flipped) {
      const name = this.baseVantage.name;
      const body = view.reason ?? 'Every probe could run over the last minute: results are fresh again.';
      this.log(view.degraded ? 'warn' : 'info', `observer ${view.degraded ? 'degraded' : 'healthy again'}: ${body}`);
      this.notify({
        id: `observer:${this.baseVantage.id}:${now}`,
        title: view.degraded ? `${name} is degraded: probes cannot run` : `${name} can probe again`,
        body,
        severity: view.degraded ? 'warning' : 'info',
        incidentId: null,
      });
    }
    if (flipped || view.reason !== this.observerView.reason) {
      this.observerView = view;
      if (flipped) {
        for (const module of this.modules) {
          this.guarded(module, 'onObserverHealth', () => module.onObserverHealth?.(view));
        }
      }
      this.pendingPart.vantage = this.withHealth(this.baseVantage);
      this.batcher.poke();
    }
    this.observerAlarm.set(this.abort.signal.aborted ? null : this.observer.nextChangeAt(now));
  }

  /** Whether probes recently could not run for want of this machine's own resources. */
  observerDegraded(): boolean {
    return this.observerView.degraded;
  }

  private withHealth(vantage: VantageView): VantageView {
    return { ...vantage, health: this.observerView, ...(this.storage.saving ? {} : { storage: this.storage }) };
  }

  /** The store says whether it is saving (a full disk, a read-only file): the board shows it. */
  setStorageHealth(health: StorageHealthView): void {
    this.storage = health;
    this.pendingPart.vantage = this.withHealth(this.baseVantage);
    this.batcher.poke();
  }

  private clearPendingPart(): void {
    this.pendingPart = { components: [], incidents: [], failovers: [] };
  }

  private emit(message: DistributiveOmit<BoardMessage, 'v' | 'seq'>): void {
    this.emitRaw({ ...message, v: PROTOCOL_VERSION, seq: ++this.seq } as BoardMessage);
  }
}

/** Keeps the last published version of each item. */
function lastById<T, K extends keyof T>(items: T[], key: K): T[] {
  return [...new Map(items.map((item) => [item[key], item])).values()];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function pickStatic(view: CheckView): Partial<CheckView> {
  const { name, type, target, region, intervalMs, timeoutMs, degradedLatencyMs } = view;
  return { name, type, target, region, intervalMs, timeoutMs, degradedLatencyMs };
}
