import { KNOCKON_VERSION } from '../shared/version.ts';
import type { Config } from '../shared/config/schema.ts';
import type {
  AgentLinkView,
  BoardSnapshot,
  CheckVantageView,
  CheckView,
  ComponentView,
  ConfigIssue,
  ConfigState,
  FailoverView,
  IncidentView,
  Notice,
  ObserverHealthView,
  StorageHealthView,
  RemoteWriteHealth,
  ProbeResult,
  QuorumView,
  VantageView,
} from '../shared/model.ts';
import { isObserverFault } from '../shared/model.ts';
import { addBeat, beatOf } from '../shared/beats.ts';
import { describeQuorum } from '../shared/config/vantages.ts';
import { applyBoardParts } from '../shared/board-state.ts';
import { diffCheck } from '../shared/check-patch.ts';
import { DELTA_INTERVAL_MS, PROTOCOL_VERSION, type BoardMessage, type CheckPatch } from '../shared/protocol.ts';
import { Alarm } from './alarm.ts';
import { maintenanceNotice } from './maintenance/notice.ts';
import { MaintenanceSchedule } from './maintenance/schedule.ts';
import { ObserverHealth } from './analysis/observer-health.ts';
import { describeError, RepeatedErrors } from './repeated-errors.ts';
import { ChangeBatcher, NO_BOARD, type ChangeSink } from './batcher.ts';
import { describeTarget, initialView, probeDetails, resolveChecks, type ResolvedCheck } from './checks.ts';
import type { Clock } from './clock.ts';
import { HeartbeatBook } from './heartbeat/book.ts';
import { HeartbeatModule } from './heartbeat/module.ts';
import {
  countInstances,
  instanceView,
  nextInstances,
  parentOf,
  restoredInstances,
  type Instance,
  type InstanceRules,
} from './instances.ts';
import { restoreProbeMemory, runProbe } from './probes/index.ts';
import type { RpcRegistry } from './rpc.ts';
import { Scheduler } from './scheduler.ts';
import { INITIAL_STATE, isChanging, nextState, type CheckState } from './status.ts';
import { BEAT_GATHER_MS } from './vantages/beat.ts';
import { VantageBook } from './vantages/book.ts';
import { decideQuorum, sameDecision, type QuorumDecision, type VantageVote } from './vantages/quorum.ts';

export type ProbeFn = (check: ResolvedCheck, signal: AbortSignal) => Promise<ProbeResult>;

export interface EngineOptions {
  clock: Clock;
  /**
   * Where board messages go. Without it there is no board (a probe agent): no snapshots or
   * deltas are built, so no view is compared with the one sent before it.
   */
  emit?: (message: BoardMessage) => void;
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

/**
 * What a module learns when a probe result has updated a check. The unit of observation is
 * (check, vantage): `result` came from `vantage` (this machine's id for local probes), and
 * `state`/`view` are the check's status as its vantages decide it together (the quorum).
 */
export interface CheckUpdate {
  check: ResolvedCheck;
  result: ProbeResult;
  vantage: string;
  /**
   * The result as evidence about the target: `result` when its vantage votes and it agrees with
   * the decided status; null when it does not bear on the decision (a path problem seen from
   * one vantage, an observer offline), so analysis neither blames nor clears the target on it.
   */
  evidence: ProbeResult | null;
  previous: CheckState;
  /** As shown: `maintenance` while a window covers the check. */
  state: CheckState;
  /**
   * As decided from the results, whatever the maintenance windows say: what the history keeps, so
   * that a restart after the window does not bring back a check stuck in `maintenance`.
   */
  own: CheckState;
  view: CheckView;
  now: number;
}

/**
 * The decided status of a check changed without a new result from it: a vantage went stale or
 * offline (or came back), so the quorum moved. `evidence` is the latest result that agrees with
 * the new status, or a stand-in saying so when there is none.
 */
export interface QuorumChange {
  check: ResolvedCheck;
  evidence: ProbeResult;
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
  /** The decided status moved because vantages went stale, offline or online, not on a result. */
  onQuorumChange?(change: QuorumChange): void;
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

/** One vantage's view of one check. */
interface Observation {
  vantage: string;
  state: CheckState;
  view: CheckVantageView;
  /** Until when its data votes (engine clock); 0 before the first result. */
  freshUntil: number;
  /** Its latest result that said something about the target. */
  last: ProbeResult | null;
  /** Its vote, rewritten at each decision (decide() and quorum keep none). */
  vote: VantageVote;
}

interface Tracked {
  check: ResolvedCheck;
  /** The check's status as its vantages decide it together. */
  state: CheckState;
  view: CheckView;
  /** One per vantage the check is probed from, config order. */
  obs: Map<string, Observation>;
  /** Probed from more than this machine: the view carries the matrix and the quorum. */
  multi: boolean;
  decision: QuorumDecision | null;
  /** The board's view of `decision`, made when the decision or the config changes (null until then). */
  quorumView: QuorumView | null;
  /**
   * No voting vantage's data goes stale before this (at most the earliest such `freshUntil`):
   * the sweep passes the check by until then. -Infinity when not known (looked at next sweep).
   */
  staleAt: number;
  /** A prometheus check with `instances: true`: one per series, keyed by series id (instances.ts). */
  instances: Map<string, Instance>;
  /** Their board views, keyed by instance id. */
  instanceViews: Map<string, CheckView>;
}

/** Agents send results in batches: their data stays fresh this much longer than the interval says. */
const AGENT_SLACK_MS = 5_000;
/** How often vantages' freshness and agents' links are re-read when there are agents. */
const SWEEP_MS = 1_000;

export const DEFAULT_MAX_IN_FLIGHT = 256;

const LOCAL_VANTAGE: VantageView = { id: 'local', name: 'this machine', online: true, reason: null };

/**
 * The engine's core, free of threads and files: config in, probes scheduled, results turned
 * into check states, changes batched out as board messages.
 */
export class Engine {
  private readonly clock: Clock;
  private readonly emitRaw: ((message: BoardMessage) => void) | null;
  private readonly probe: ProbeFn;
  private readonly onResult: EngineOptions['onResult'];
  private readonly log: NonNullable<EngineOptions['log']>;
  private readonly scheduler: Scheduler;
  private readonly batcher: ChangeSink;
  private readonly abort = new AbortController();
  private tracked = new Map<string, Tracked>();
  private config: Config | null = null;
  private configState: ConfigState = { source: 'none', appliedAt: 0, error: null };
  private seq = 0;
  /** Each check's view as the receivers have it: the last snapshot's, then each delta's. */
  private sent = new Map<string, CheckView>();
  /** The rest of the board as the receivers have it (components, incidents...): null before a snapshot. */
  private sentParts: Omit<BoardSnapshot, 'checks'> | null = null;
  private readonly modules: EngineModule[] = [];
  private pendingPart: Required<Omit<BoardPart, 'vantage'>> & { vantage?: VantageView; vantages?: VantageView[] } = {
    components: [],
    incidents: [],
    failovers: [],
  };
  /** Probes that could not run for want of the observer's own resources, over a sliding window. */
  private readonly observer = new ObserverHealth();
  private observerView: ObserverHealthView;
  private readonly moduleErrors: RepeatedErrors;
  private storage: StorageHealthView = { saving: true, reason: null, heldWrites: 0, heldResults: 0 };
  /** Remote-write queues retrying or dropping (src/engine/remote-write): shown, never alarmed. */
  private remoteWrite: RemoteWriteHealth[] = [];
  /** Wakes the observer's health when its window next moves, so recovery shows without results. */
  private readonly observerAlarm: Alarm;
  /** The vantage as modules last described it, before observer health is added. */
  private baseVantage: VantageView = LOCAL_VANTAGE;
  private readonly book = new VantageBook();
  /** Re-reads freshness and links while agents are configured. */
  private readonly sweepAlarm: Alarm;
  /** Planned maintenance: which checks show `maintenance` now, re-read at each window's edge. */
  private readonly maintenance = new MaintenanceSchedule();
  private readonly maintenanceAlarm: Alarm;
  /** Results from agents for checks they are not assigned (a stale agent config), counted. */
  private unassigned = 0;
  /** decide()'s list of votes, emptied after each use. */
  private readonly votes: VantageVote[] = [];

  /** Heartbeats received; heartbeat checks are "probed" by reading it. */
  readonly heartbeats: HeartbeatBook;
  readonly heartbeatModule: HeartbeatModule;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.emitRaw = options.emit ?? null;
    this.heartbeats = new HeartbeatBook(options.clock);
    this.log = options.log ?? (() => {});
    this.moduleErrors = new RepeatedErrors(options.clock, this.log);
    this.heartbeatModule = new HeartbeatModule(this.heartbeats, this.log);
    this.modules.push(this.heartbeatModule);
    this.probe = options.probe ?? ((check, signal) => runProbe(check, signal, { heartbeats: this.heartbeats }));
    this.onResult = options.onResult;
    this.observerView = this.observer.view(this.clock.now());
    this.observerAlarm = new Alarm(this.clock, () => this.refreshObserver());
    this.sweepAlarm = new Alarm(this.clock, () => this.sweep());
    this.maintenanceAlarm = new Alarm(this.clock, () => this.refreshMaintenance(true));
    this.scheduler = new Scheduler({
      clock: this.clock,
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
      run: (id) => this.probeOnce(id),
      onDropped: (id) => this.dropped(id),
    });
    this.batcher = this.emitRaw
      ? new ChangeBatcher(
          this.clock,
          DELTA_INTERVAL_MS,
          (changed, removed) => this.emitDelta(changed, removed),
          BEAT_GATHER_MS,
        )
      : NO_BOARD;
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
      this.pendingPart.vantages = this.vantageViews();
    }
    this.batcher.poke();
  }

  /** A notice for people (a native notification on desktops, the browser's on walls): sent at once. */
  notify(notice: Notice): void {
    this.emit({ kind: 'notice', at: this.clock.now(), notice });
  }

  /**
   * The current view of every check, for modules that need the whole picture: the config's
   * checks only (instances are rows of the board, not checks of their own).
   */
  checkViews(): CheckView[] {
    return [...this.tracked.values()].map((t) => t.view);
  }

  /** How many checks the config has (instances not counted), without building their views. */
  checkCount(): number {
    return this.tracked.size;
  }

  now(): number {
    return this.clock.now();
  }

  /** Applies a valid config. Checks whose target is unchanged keep their state and phase. */
  applyConfig(config: Config, source: string): void {
    const first = this.config === null;
    const next = new Map<string, Tracked>();
    for (const check of resolveChecks(config)) {
      const old = this.tracked.get(check.id);
      if (old && old.check.type === check.type && describeTarget(old.check) === describeTarget(check)) {
        // The same object, updated in place: a probe in flight during the reload keeps its result.
        old.check = check;
        old.view = { ...old.view, ...pickStatic(initialView(check)) };
        old.obs = observations(check, old.obs, old.state);
        old.staleAt = -Infinity;
        old.multi = isMulti(check, config.vantage.id);
        // The rule or the vantages may have changed: the quorum's view is made again.
        old.quorumView = null;
        if (!hasInstances(check)) old.instances = new Map();
        next.set(check.id, old);
      } else {
        const restored = this.restored(check);
        if (restored) restoreProbeMemory(check, restored.view.details);
        const state = restored?.state ?? INITIAL_STATE;
        const answer = restored?.view.details?.prometheus;
        const seenAt = restored?.view.lastProbeAt;
        next.set(check.id, {
          check,
          state,
          view: restored?.view ?? initialView(check),
          obs: observations(check, null, state),
          multi: isMulti(check, config.vantage.id),
          decision: null,
          quorumView: null,
          staleAt: -Infinity,
          instances:
            hasInstances(check) && answer && seenAt != null
              ? restoredInstances(check.id, answer, seenAt, instanceRules(check))
              : new Map(),
          instanceViews: new Map(),
        });
      }
    }
    this.tracked = next;
    this.config = config;
    this.book.configure(config, (v) => [...next.values()].filter((t) => t.obs.has(v)).length);
    this.book.setLocalDegraded(this.observerView.degraded);
    this.book.refresh(this.statusAt, this.nameOf);
    for (const t of next.values()) this.redecide(t, this.clock.now(), false);
    for (const t of next.values()) this.showInstances(t, null, []);
    this.maintenance.configure(config);
    // A reload's edges are news (a window ended or started from the board); the first config's are not.
    this.refreshMaintenance(!first);
    this.sweepAlarm.set(config.vantages.length > 0 ? this.clock.now() + SWEEP_MS : null);
    this.configState = { source, appliedAt: this.clock.now(), error: null };
    this.scheduler.setMaxInFlight(config.engine.max_in_flight);
    // This machine probes the checks listing it; the agents probe the rest.
    this.scheduler.setJobs(
      [...next.values()]
        .filter((t) => t.obs.has(config.vantage.id) && t.check.enabled !== false)
        .map((t) => ({ id: t.check.id, intervalMs: t.check.intervalMs })),
    );
    this.batcher.clear();
    const checks = [...next.values()].map((t) => t.check);
    for (const module of this.modules) this.guarded(module, 'onConfig', () => module.onConfig?.(config, checks));
    this.clearPendingPart();
    if (this.emitRaw) this.emit({ kind: 'snapshot', snapshot: this.snapshot() });
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
      checks: [...this.tracked.values()].flatMap((t) =>
        t.instanceViews.size === 0 ? [t.view] : [t.view, ...t.instanceViews.values()],
      ),
      components: [],
      incidents: [],
      vantage: this.baseVantage,
      failovers: [],
    };
    for (const module of this.modules) this.guarded(module, 'contribute', () => module.contribute?.(board));
    this.baseVantage = board.vantage;
    board.vantage = this.withHealth(board.vantage);
    board.vantages = this.vantageViews();
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
    this.sweepAlarm.cancel();
    this.maintenanceAlarm.cancel();
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

  private apply(tracked: Tracked, result: ProbeResult, vantage = this.book.local): void {
    const id = tracked.check.id;
    const obs = tracked.obs.get(vantage);
    if (!obs) return;
    if (result.errorClass === 'probe_error' && result.shortage && vantage === this.book.local)
      this.noteShortage(result);
    this.onResult?.(result, tracked.check);
    const now = this.clock.now();
    // A probe that could not run, or ran while its observer's own network was failing, says
    // nothing new about the target: that vantage's state and the data's age stay as they are.
    const observed = !isObserverFault(result.errorClass) && result.observerOffline !== true;
    obs.state = observed ? nextState(obs.state, result, tracked.check, now) : obs.state;
    if (observed) {
      obs.last = result;
      // A result stamped in the future (a clock the skew correction missed) is fresh from now, no longer.
      const observedAt = Math.min(result.startedAt, now);
      obs.freshUntil = Math.max(obs.freshUntil, observedAt + this.staleAfter(tracked.check, vantage));
    }
    obs.view = {
      vantage,
      status: obs.state.status,
      since: obs.state.since,
      lastProbeAt: observed ? result.startedAt : obs.view.lastProbeAt,
      latencyMs: roundLatency(result.latencyMs),
      errorClass: result.errorClass,
      message: result.message,
      voting: obs.view.voting,
    };
    if (vantage === this.book.local && tracked.check.fastIntervalMs !== null) {
      this.scheduler.retime(id, isChanging(obs.state) ? tracked.check.fastIntervalMs : tracked.check.intervalMs);
    }
    const previous = tracked.state;
    this.decide(tracked, now, vantage);
    const agrees =
      tracked.decision !== null &&
      obs.view.voting &&
      (tracked.multi ? result.ok === (tracked.state.status !== 'down') : true);
    const evidence = observed && agrees ? result : null;
    // Probed since the restart: what it shows is current again.
    if (observed && tracked.view.restored) tracked.view = withoutRestored(tracked.view);
    // The check's own line on the board: from this result when it bears on the decision (a
    // single vantage's result always does, as before vantages existed).
    const line: Partial<CheckView> | null =
      !tracked.multi || evidence !== null || tracked.view.lastProbeAt === null
        ? {
            lastProbeAt: observed ? result.startedAt : tracked.view.lastProbeAt,
            latencyMs: roundLatency(result.latencyMs),
            errorClass: result.errorClass,
            message: result.message,
            details: probeDetails(result),
            beats: addBeat(tracked.view.beats, beatOf(result, tracked.check.degradedLatencyMs)),
          }
        : null;
    // Instances follow the results the check's own line shows.
    const step =
      observed && (!tracked.multi || evidence !== null) && hasInstances(tracked.check)
        ? nextInstances(id, tracked.instances, result, instanceRules(tracked.check), now)
        : null;
    if (step) tracked.instances = step.instances;
    // One copy of the view per result: the line, the decided status and the matrix together.
    tracked.view = this.decidedView(tracked, line);
    if (step) this.showInstances(tracked, step.changed, step.removed);
    this.batcher.changed(id);
    const update: CheckUpdate = {
      check: tracked.check,
      result,
      vantage,
      evidence: tracked.multi ? evidence : observed ? result : null,
      previous: this.shown(tracked, previous),
      state: this.shown(tracked, tracked.state),
      own: tracked.state,
      view: tracked.view,
      now,
    };
    // As guarded(), without a closure per module per result: this runs for every result.
    for (const module of this.modules) {
      if (!module.onCheckUpdate) continue;
      try {
        module.onCheckUpdate(update);
      } catch (error) {
        this.moduleFailed(module, 'onCheckUpdate', error);
      }
    }
    if (this.book.referencesOf(id).includes(vantage)) this.refreshVantages(now);
  }

  /** How long a vantage's data votes after the probe that made it. */
  private staleAfter(check: ResolvedCheck, vantage: string): number {
    const base = 2 * check.intervalMs + check.timeoutMs;
    return vantage === this.book.local ? base : base + AGENT_SLACK_MS;
  }

  /** Decides the check's status from its vantages' views (the quorum); sets state and decision. */
  private decide(tracked: Tracked, now: number, latest: string | null): void {
    // The votes are the observations' own, rewritten in place: decideQuorum keeps none of them.
    const votes = this.votes;
    votes.length = 0;
    let staleAt = Infinity;
    for (const obs of tracked.obs.values()) {
      const eligible =
        obs.freshUntil > now && (this.book.online(obs.vantage) || this.book.isReference(tracked.check.id, obs.vantage));
      obs.view = obs.view.voting === eligible ? obs.view : { ...obs.view, voting: eligible };
      obs.vote.status = obs.state.status;
      obs.vote.eligible = eligible;
      votes.push(obs.vote);
      if (eligible && obs.freshUntil < staleAt) staleAt = obs.freshUntil;
    }
    tracked.staleAt = staleAt;
    const previous = tracked.state;
    const decided = decideQuorum(tracked.check.quorumRule, tracked.check.missingVantage, votes, previous.status);
    votes.length = 0;
    // The same decision as before keeps its object: most results change no vote, and a check's
    // decision lives until its next result (seconds), so a new one each time is old-generation garbage.
    const decision = sameDecision(tracked.decision, decided) ? tracked.decision! : decided;
    if (decision !== tracked.decision) tracked.quorumView = null;
    tracked.decision = decision;
    const source = latest !== null ? tracked.obs.get(latest) : undefined;
    if (!tracked.multi && source && !decision.held) {
      // One vantage: its state is the check's, exactly as before vantages existed.
      tracked.state = source.state;
      return;
    }
    const counters = source?.state ?? previous;
    tracked.state = {
      ...counters,
      status: decision.status,
      since: decision.status !== previous.status ? now : previous.since,
    };
  }

  /**
   * The check's view with its decided status, and for several vantages the matrix and quorum;
   * with `line`, the check's own line from a new result too. Always a new object.
   */
  private decidedView(tracked: Tracked, line: Partial<CheckView> | null = null): CheckView {
    const state = tracked.state;
    const view: CheckView = {
      ...tracked.view,
      ...line,
      status: this.shown(tracked, state).status,
      since: state.since,
      consecutiveFailures: state.consecutiveFailures,
      consecutiveSuccesses: state.consecutiveSuccesses,
    };
    if (tracked.check.enabled === false) view.paused = true;
    else delete view.paused;
    if (hasInstances(tracked.check)) view.instanceCounts = countInstances(tracked.instances);
    else delete view.instanceCounts;
    const skipped = this.scheduler.skippedOf(tracked.check.id);
    if (skipped > 0) view.skippedSlots = skipped;
    if (!tracked.multi || tracked.decision === null) return view;
    const d = tracked.decision;
    // Made once per decision: most results leave it as it was, and a view kept is one fewer
    // object living until the next result.
    tracked.quorumView ??= {
      rule: describeQuorum(tracked.check.quorumRule, tracked.obs.size),
      voters: d.voters,
      of: tracked.obs.size,
      failing: d.failing,
      held: d.held,
      pathProblem: d.pathProblem,
    };
    const vantages: CheckVantageView[] = [];
    for (const obs of tracked.obs.values()) vantages.push(obs.view);
    view.vantages = vantages;
    // The median of the vantages' latest, not whichever answered last (a check slow from one far
    // vantage would show that vantage's time one result in n).
    view.latencyMs = medianLatency(vantages) ?? view.latencyMs;
    view.quorum = tracked.quorumView;
    return view;
  }

  /**
   * Decides again without a new result (a vantage went stale, offline or online). Tells the
   * modules when the decided status or the quorum's picture moved.
   */
  private redecide(tracked: Tracked, now: number, tell = true): void {
    const before = tracked.decision;
    const previous = tracked.state;
    this.decide(tracked, now, null);
    // decide() keeps the decision's object when it says the same (sameDecision).
    const same = before === tracked.decision;
    tracked.view = this.decidedView(tracked);
    if (same || !tell) return;
    this.batcher.changed(tracked.check.id);
    if (previous.status === tracked.state.status) return;
    const change: QuorumChange = {
      check: tracked.check,
      evidence: this.agreeingResult(tracked, now),
      previous: this.shown(tracked, previous),
      state: this.shown(tracked, tracked.state),
      view: tracked.view,
      now,
    };
    for (const module of this.modules) this.guarded(module, 'onQuorumChange', () => module.onQuorumChange?.(change));
  }

  /** A check's state as the board and the modules see it: `maintenance` while a window covers it. */
  private shown(tracked: Tracked, state: CheckState): CheckState {
    // A paused check has no data worth showing as current: unknown, which holds its alerts.
    if (tracked.check.enabled === false) return { ...state, status: 'unknown' };
    return this.maintenance.covers(tracked.check.id) ? { ...state, status: 'maintenance' } : state;
  }

  /**
   * Re-reads the maintenance windows: checks that entered or left one are shown again and the
   * modules told (alerts are held while a check shows maintenance); at a window's edge, a notice.
   */
  private refreshMaintenance(announce: boolean): void {
    const now = this.clock.now();
    const before = this.maintenance.coveredIds();
    const changes = this.maintenance.refresh(now);
    const after = this.maintenance.coveredIds();
    for (const tracked of this.tracked.values()) {
      const id = tracked.check.id;
      if (before.has(id) === after.has(id)) continue;
      tracked.view = this.decidedView(tracked);
      this.batcher.changed(id);
      this.showInstances(tracked, null, []);
      const state = this.shown(tracked, tracked.state);
      const change: QuorumChange = {
        check: tracked.check,
        evidence: after.has(id)
          ? { checkId: id, startedAt: now, ok: true, latencyMs: null, errorClass: null, message: 'in maintenance' }
          : this.agreeingResult(tracked, now),
        previous: { ...tracked.state, status: before.has(id) ? 'maintenance' : tracked.state.status },
        state,
        view: tracked.view,
        now,
      };
      for (const module of this.modules) this.guarded(module, 'onQuorumChange', () => module.onQuorumChange?.(change));
    }
    if (announce) for (const change of changes) this.notify(maintenanceNotice(change, now));
    this.maintenanceAlarm.set(this.maintenance.nextChange(now));
  }

  /**
   * Rebuilds the board views of a check's instances (`changed`; null for all of them, as after a
   * reload or a maintenance edge) and drops the removed ones; the batcher sends both.
   */
  private showInstances(tracked: Tracked, changed: readonly string[] | null, removed: readonly string[]): void {
    for (const id of removed) {
      tracked.instanceViews.delete(id);
      this.batcher.remove(id);
    }
    const chosen = tracked.check.type === 'prometheus' ? tracked.check.instance_labels : undefined;
    const shown = (state: CheckState) => this.shown(tracked, state);
    const ids = changed ?? [...tracked.instances.values()].map((i) => i.id);
    if (changed === null) {
      const kept = new Set(ids);
      for (const id of tracked.instanceViews.keys()) if (!kept.has(id)) this.batcher.remove(id);
      tracked.instanceViews = new Map();
    }
    const prefix = tracked.check.id.length + 1;
    for (const id of ids) {
      const instance = tracked.instances.get(id.slice(prefix));
      if (!instance) continue;
      tracked.instanceViews.set(id, instanceView(tracked.view, instance, chosen, shown));
      this.batcher.changed(id);
    }
  }

  /** The latest voting result that agrees with the decided status, or a stand-in saying what moved. */
  private agreeingResult(tracked: Tracked, now: number): ProbeResult {
    const down = tracked.state.status === 'down';
    let best: ProbeResult | null = null;
    for (const obs of tracked.obs.values()) {
      if (!obs.view.voting || !obs.last || obs.last.ok === down) continue;
      if (!best || obs.last.startedAt > best.startedAt) best = obs.last;
    }
    if (best) return best;
    const d = tracked.decision!;
    return {
      checkId: tracked.check.id,
      startedAt: now,
      ok: !down,
      latencyMs: null,
      errorClass: down ? 'timeout' : null,
      message: d.held
        ? `no quorum: ${d.voters} of ${tracked.obs.size} vantages have fresh data`
        : `decided by ${d.voters} of ${tracked.obs.size} vantages`,
    };
  }

  /** A vantage's status of a check (reference checks are read this way). */
  private readonly statusAt = (checkId: string, vantage: string) =>
    this.tracked.get(checkId)?.obs.get(vantage)?.state.status ?? 'unknown';

  private readonly nameOf = (checkId: string) => this.tracked.get(checkId)?.check.name ?? checkId;

  /** Re-reads which vantages may vote; decides again every check of those that flipped. */
  private refreshVantages(now: number): void {
    const flipped = this.book.refresh(this.statusAt, this.nameOf);
    if (flipped.length === 0) return;
    for (const t of this.tracked.values()) {
      if (flipped.some((v) => t.obs.has(v))) this.redecide(t, now);
    }
    this.pendingPart.vantages = this.vantageViews();
    this.batcher.poke();
  }

  /** Once a second while agents exist: links that went quiet, and data that went stale. */
  private sweep(): void {
    if (this.abort.signal.aborted || !this.config) return;
    const now = this.clock.now();
    let linksChanged = false;
    for (const id of this.book.ids()) {
      const link = this.book.link(id);
      if (!link?.connected || link.lastSeenAt === null) continue;
      if (now - link.lastSeenAt > this.book.offlineAfter(id)) {
        this.book.setLink(id, { ...link, connected: false }, { online: true, reason: null });
        linksChanged = true;
      }
    }
    // A refusal not repeated for a while no longer says why a vantage is offline.
    if (this.book.expireRefusals(now)) linksChanged = true;
    if (linksChanged) {
      this.refreshVantages(now);
      this.pendingPart.vantages = this.vantageViews();
      this.batcher.poke();
    }
    for (const t of this.tracked.values()) {
      // Only checks whose votes would change: a vantage whose data just went stale. A check's
      // staleAt (set where its votes are counted; a result only makes data fresher) spares
      // looking at its vantages every second.
      if (!t.multi || !t.decision || t.staleAt > now) continue;
      let moved = false;
      let staleAt = Infinity;
      for (const obs of t.obs.values()) {
        if (!obs.view.voting) continue;
        if (obs.freshUntil <= now) moved = true;
        else if (obs.freshUntil < staleAt) staleAt = obs.freshUntil;
      }
      if (moved) this.redecide(t, now);
      else t.staleAt = staleAt;
    }
    this.sweepAlarm.set(now + SWEEP_MS);
  }

  /**
   * Results probed by an agent at a remote vantage, in the agent's order (its clock already
   * corrected by the caller). Results for checks not assigned to that vantage are dropped and
   * counted. Returns how many were applied. A result already tagged with the vantage is kept
   * as it is (the caller's to give): the agents module builds each one fresh.
   */
  ingest(vantageId: string, results: readonly ProbeResult[]): number {
    if (vantageId === this.book.local || !this.book.has(vantageId) || this.abort.signal.aborted) return 0;
    let applied = 0;
    for (const result of results) {
      const tracked = this.tracked.get(result.checkId);
      if (!tracked?.obs.has(vantageId)) {
        this.unassigned++;
        continue;
      }
      this.apply(tracked, result.vantage === vantageId ? result : { ...result, vantage: vantageId }, vantageId);
      applied++;
    }
    // These results waited at the agent already: to the board with the beat's other syncs, not later.
    if (applied > 0) this.batcher.flushNow();
    return applied;
  }

  /** An agent's link to this engine, and what it says of its own network, after each sync. */
  setAgentLink(vantageId: string, link: AgentLinkView, observer: { online: boolean; reason: string | null }): void {
    if (!this.book.has(vantageId)) return;
    this.book.setLink(vantageId, link, observer);
    this.refreshVantages(this.clock.now());
    this.pendingPart.vantages = this.vantageViews();
    this.batcher.poke();
  }

  /**
   * The centre refused a sync made with this agent vantage's token (agents-module.ts): the
   * vantage's reason says so while no sync comes through (VantageBook.setRefused). Only a change
   * of what the vantage shows makes a delta: a refusal while its link is up shows nothing yet.
   */
  noteAgentRefused(vantageId: string, reason: string): void {
    const now = this.clock.now();
    const before = this.book.reason(vantageId);
    if (!this.book.setRefused(vantageId, reason, now)) return;
    this.refreshVantages(now);
    if (this.book.reason(vantageId) === before) return;
    this.pendingPart.vantages = this.vantageViews();
    this.batcher.poke();
  }

  /** The voting vantages that see a check down now (failover's k of n). */
  failingVantages(checkId: string): string[] {
    return this.tracked.get(checkId)?.decision?.failing ?? [];
  }

  /** Results from agents for checks not assigned to them, since start. */
  unassignedResults(): number {
    return this.unassigned;
  }

  /** Every vantage, this machine first (with its health and storage), then the agents. */
  vantageViews(): VantageView[] {
    const local = this.withHealth(this.baseVantage);
    return this.book
      .views()
      .map((v) => (v.kind === 'local' ? { ...v, ...local, kind: 'local', version: KNOCKON_VERSION } : v));
  }

  private restored(check: ResolvedCheck): RestoredCheck | null {
    for (const module of this.modules) {
      let restored: ReturnType<NonNullable<EngineModule['restore']>> | null = null;
      this.guarded(module, 'restore', () => {
        restored = module.restore?.(check) ?? null;
      });
      const found = restored as ReturnType<NonNullable<EngineModule['restore']>> | null;
      if (found) {
        return { state: found.state, view: { ...found.view, ...pickStatic(initialView(check)), restored: true } };
      }
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
      this.moduleFailed(module, hook, error);
    }
  }

  private moduleFailed(module: EngineModule, hook: string, error: unknown): void {
    this.moduleErrors.reportError(`${module.name}:${hook}`, `module ${module.name} failed in ${hook}`, error);
  }

  /**
   * Each check's changes since the view last sent for it: a patch (shared/check-patch.ts), or
   * the whole view for a check the receivers do not have yet. Compared by reference, field by
   * field: O(changed checks), and views are never mutated in place.
   */
  private emitDelta(changed: string[], removed: string[]): void {
    const checks: CheckView[] = [];
    const patches: CheckPatch[] = [];
    for (const id of changed) {
      const parent = parentOf(id);
      const view = parent === null ? this.tracked.get(id)?.view : this.tracked.get(parent)?.instanceViews.get(id);
      if (!view) continue;
      const sent = this.sent.get(id);
      if (!sent) checks.push(view);
      else {
        const patch = diffCheck(sent, view);
        if (patch) patches.push(patch);
      }
      this.sent.set(id, view);
    }
    for (const id of removed) this.sent.delete(id);
    const part = this.pendingPart;
    this.clearPendingPart();
    this.emit({
      kind: 'delta',
      at: this.clock.now(),
      checks,
      patches,
      removed,
      ...(part.components.length > 0 ? { components: lastById(part.components, 'id') } : {}),
      ...(part.incidents.length > 0 ? { incidents: lastById(part.incidents, 'id') } : {}),
      ...(part.failovers.length > 0 ? { failovers: lastById(part.failovers, 'policyId') } : {}),
      ...(part.vantage ? { vantage: part.vantage } : {}),
      ...(part.vantages ? { vantages: part.vantages } : {}),
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
        this.book.setLocalDegraded(view.degraded);
        this.refreshVantages(now);
      }
      this.pendingPart.vantage = this.withHealth(this.baseVantage);
      this.pendingPart.vantages = this.vantageViews();
      this.batcher.poke();
    }
    this.observerAlarm.set(this.abort.signal.aborted ? null : this.observer.nextChangeAt(now));
  }

  /** Whether probes recently could not run for want of this machine's own resources. */
  observerDegraded(): boolean {
    return this.observerView.degraded;
  }

  private withHealth(vantage: VantageView): VantageView {
    return {
      ...vantage,
      health: this.observerView,
      ...(this.storage.saving ? {} : { storage: this.storage }),
      ...(this.remoteWrite.length > 0 ? { remoteWrite: this.remoteWrite } : {}),
    };
  }

  /** The store says whether it is saving (a full disk, a read-only file): the board shows it. */
  setStorageHealth(health: StorageHealthView): void {
    this.storage = health;
    this.publishVantage();
  }

  /** Remote-write queues in trouble (empty when all are well): the board shows them. */
  setRemoteWriteHealth(troubled: RemoteWriteHealth[]): void {
    this.remoteWrite = troubled;
    this.publishVantage();
  }

  private publishVantage(): void {
    this.pendingPart.vantage = this.withHealth(this.baseVantage);
    this.pendingPart.vantages = this.vantageViews();
    this.batcher.poke();
  }

  private clearPendingPart(): void {
    this.pendingPart = { components: [], incidents: [], failovers: [] };
  }

  /**
   * The board as the receivers have it after the last message sent, numbered as that message: a
   * host that skipped applying deltas resets to it (the worker's port keeps it in order with the
   * deltas). Null before the first snapshot.
   */
  boardAsSent(): Extract<BoardMessage, { kind: 'snapshot' }> | null {
    if (!this.sentParts) return null;
    const snapshot = { ...this.sentParts, checks: [...this.sent.values()] };
    return { v: PROTOCOL_VERSION, seq: this.seq, kind: 'snapshot', snapshot };
  }

  private emit(message: DistributiveOmit<BoardMessage, 'v' | 'seq'>): void {
    if (!this.emitRaw) return;
    switch (message.kind) {
      case 'snapshot': {
        this.sent = new Map(message.snapshot.checks.map((c) => [c.id, c]));
        const { checks: _, ...parts } = message.snapshot;
        this.sentParts = parts;
        break;
      }
      case 'config':
        if (this.sentParts) this.sentParts = { ...this.sentParts, config: message.config };
        break;
      case 'delta':
        if (this.sentParts) this.sentParts = applyBoardParts(this.sentParts, message);
        break;
    }
    // The envelope first: a host checks the serialised message's start against it.
    this.emitRaw({ v: PROTOCOL_VERSION, seq: ++this.seq, ...message } as BoardMessage);
  }
}

/** Keeps the last published version of each item. */
function lastById<T, K extends keyof T>(items: T[], key: K): T[] {
  return [...new Map(items.map((item) => [item[key], item])).values()];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function roundLatency(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 10) / 10;
}

/** A prometheus check whose series are rows of their own (paused, it has none). */
function hasInstances(check: ResolvedCheck): boolean {
  return check.type === 'prometheus' && check.instances && check.enabled !== false;
}

function instanceRules(check: ResolvedCheck): InstanceRules {
  return {
    fall: check.fall,
    rise: check.rise,
    degradedLatencyMs: null,
    failWindow: check.failWindow ?? null,
    maxSeries: check.type === 'prometheus' ? check.max_series : 0,
  };
}

function isMulti(check: ResolvedCheck, localId: string): boolean {
  return check.vantageIds.length > 1 || check.vantageIds[0] !== localId;
}

/**
 * One observation per vantage of the check, keeping those it had. A new vantage starts unknown;
 * for a check new to the engine, this machine starts from the restored state.
 */
function observations(
  check: ResolvedCheck,
  old: ReadonlyMap<string, Observation> | null,
  restored: CheckState,
): Map<string, Observation> {
  const out = new Map<string, Observation>();
  for (const [i, vantage] of check.vantageIds.entries()) {
    const kept = old?.get(vantage);
    if (kept) {
      out.set(vantage, kept);
      continue;
    }
    const state = old === null && i === 0 ? restored : INITIAL_STATE;
    out.set(vantage, {
      vantage,
      state,
      freshUntil: 0,
      last: null,
      vote: { vantage, status: state.status, eligible: false },
      view: {
        vantage,
        status: state.status,
        since: state.since,
        lastProbeAt: null,
        latencyMs: null,
        errorClass: null,
        message: 'not probed yet',
        voting: false,
      },
    });
  }
  return out;
}

function withoutRestored(view: CheckView): CheckView {
  const { restored: _restored, ...current } = view;
  return current;
}

function pickStatic(view: CheckView): Partial<CheckView> {
  const { name, type, target, region, intervalMs, timeoutMs, degradedLatencyMs } = view;
  return { name, type, target, region, intervalMs, timeoutMs, degradedLatencyMs };
}

/**
 * A multi-vantage check's latency: the median of the latest of its voting vantages that see it
 * up or degraded (the mean of the middle two for an even count), as the matrix shows them; null
 * when none has one (the check keeps the figure it has).
 */
function medianLatency(vantages: readonly CheckVantageView[]): number | null {
  const latencies: number[] = [];
  for (const v of vantages) {
    // A vantage that sees it down times a failure, not the service.
    if (v.voting && v.status !== 'down' && v.latencyMs !== null) latencies.push(v.latencyMs);
  }
  if (latencies.length === 0) return null;
  // An insertion sort: a handful of vantages, and Array.prototype.sort allocates a work copy.
  for (let i = 1; i < latencies.length; i++) {
    const x = latencies[i]!;
    let j = i - 1;
    for (; j >= 0 && latencies[j]! > x; j--) latencies[j + 1] = latencies[j]!;
    latencies[j + 1] = x;
  }
  const mid = latencies.length >> 1;
  return roundLatency(latencies.length % 2 === 1 ? latencies[mid]! : (latencies[mid - 1]! + latencies[mid]!) / 2);
}
