/**
 * The knock-on module: topology and impact, vantage, flap detection, alerting, incidents and
 * notifications, wired to the engine. Every hook is guarded: bad input is logged and the engine
 * keeps running.
 */
import { z } from 'zod';
import type { AlertRuleConfig } from '../../shared/config/alerts.ts';
import type { Config } from '../../shared/config/schema.ts';
import { actorRef, type Actor } from '../../shared/actor.ts';
import type { RpcParams } from '../../shared/rpc.ts';
import { RepeatedErrors } from '../repeated-errors.ts';
import type {
  BoardSnapshot,
  CheckView,
  IncidentEvent,
  IncidentView,
  Notice,
  ObserverHealthView,
  ProbeResult,
  VantageView,
} from '../../shared/model.ts';
import { buildCandidates } from '../alerting/conditions.ts';
import { evaluateAlerts, type AlertInstance, type AlertTransition } from '../alerting/evaluate.ts';
import { LatencyWindows } from '../alerting/latency-window.ts';
import { subjectKey, Topology, type SubjectRef } from '../analysis/topology.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { Clock } from '../clock.ts';
import type { BoardPart, CheckUpdate, EngineModule, QuorumChange } from '../engine.ts';
import type { GroupState } from '../notify/grouping.ts';
import { Notifier } from '../notify/notifier.ts';
import { RpcError, type RpcRegistry } from '../rpc.ts';
import type { AlertSignal, IncidentLog } from './api.ts';
import type { Announcement } from '../notify/announce.ts';
import { alertLabels } from '../alerting/conditions.ts';
import { IncidentBook } from './book.ts';
import { alertDescription } from './describe.ts';
import type { IncidentRepository } from './repository.ts';
import { Alarm } from '../alarm.ts';
import { ExternalAlerts, type ExternalAlert } from '../alerting/external.ts';

export interface KnockOnOptions {
  clock: Clock;
  repository: IncidentRepository;
  publish: (part: BoardPart) => void;
  notify: (notice: Notice) => void;
  /** The engine's current check views (statuses at config time). */
  checkViews: () => CheckView[];
  rpc?: RpcRegistry;
  /** Where receivers' secrets are read from; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Durable module state (the history store's saveState/loadState); nothing survives a restart without it. */
  state?: {
    saveState(key: string, value: unknown): void;
    loadState<T>(key: string): T | null;
    /** Runs `show` once what was saved so far is written (StoreClient); at once when absent. */
    afterWritten?(show: () => void): void;
  };
}

const NOTIFY_STATE_KEY = 'knock-on.notifications';
/** Written incidents remembered for the snapshot before the ones the book no longer shows are forgotten. */
const MAX_WRITTEN = 1_000;
/** Pending and firing alerts, kept across restarts (Prometheus's ALERTS_FOR_STATE). */
const ALERTS_STATE_KEY = 'knock-on.alerts';

export class KnockOnModule implements EngineModule, IncidentLog {
  readonly name = 'knock-on';
  private readonly options: KnockOnOptions;
  private readonly log: NonNullable<KnockOnOptions['log']>;
  private readonly errors: RepeatedErrors;
  private observerDegraded = false;
  private readonly topology = new Topology();
  private readonly latencies = new LatencyWindows();
  private readonly book: IncidentBook;
  private readonly notifier: Notifier;
  private rules = new Map<string, AlertRuleConfig>();
  /** The rules' values, made once per config: evaluate runs on every result. */
  private ruleList: AlertRuleConfig[] = [];
  private alerts = new Map<string, AlertInstance>();
  /** Alerts from Alertmanager's webhook, evaluated with the rules' own. */
  private readonly external = new ExternalAlerts();
  private readonly alarm: Alarm;
  private restored = false;
  private stopped = false;
  private lastVantage: VantageView | null = null;
  /** Per check: the subjects a result of it gives new inputs to (it and its components), by config. */
  private subjectsOf = new Map<string, ReadonlySet<string>>();
  /** The topology's status revision at the last reconcile (-1: none yet). */
  private reconciledAt = -1;
  private flapping = new Set<string>();
  private readonly openedListeners = new Set<(incident: IncidentView) => void>();
  private readonly alertListeners = new Set<(signal: AlertSignal) => void>();
  /** Incidents told to `onOpened` listeners already (and still open). */
  private readonly known = new Set<string>();
  /** While `onOpened` listeners run: the `then` of their own flushes, called with this one's. */
  private listening: ((changed: IncidentView[]) => void)[] | null = null;
  /** Each incident as last written (and so published): what the board's snapshot shows. */
  private readonly written = new Map<string, IncidentView>();
  /** What was last saved of the alerts (keys, states, times), so unchanged alerts cost no write. */
  private savedAlerts = '';

  constructor(options: KnockOnOptions) {
    this.options = options;
    this.log = options.log ?? (() => {});
    this.errors = new RepeatedErrors(options.clock, this.log);
    this.alarm = new Alarm(options.clock, () => this.guard('timer', () => this.evaluate(this.options.clock.now())));
    this.book = new IncidentBook(
      options.repository,
      alertDescription(() => this.rules, this.topology),
    );
    this.notifier = new Notifier({
      clock: options.clock,
      env: options.env ?? process.env,
      showNotice: options.notify,
      record: (id, event) => this.guard('notification outcome', () => this.addEventToIncident(id, event)),
      log: this.log,
      persist: options.state && {
        save: (groups) => options.state!.saveState(NOTIFY_STATE_KEY, groups),
        load: () => options.state!.loadState<[string, GroupState][]>(NOTIFY_STATE_KEY),
        written: (send) => (options.state!.afterWritten ? options.state!.afterWritten(send) : send()),
      },
    });
    options.rpc?.register('incidents.acknowledge', (params, actor) => this.acknowledge(params, actor));
    options.rpc?.register('incidents.silence', (params, actor) => this.silence(params, actor));
    options.rpc?.register('incidents.unsilence', (params, actor) => this.unsilence(params, actor));
    options.rpc?.register('incidents.note', (params, actor) => this.note(params, actor));
    options.rpc?.register('incidents.resolve', (params, actor) => this.resolveByHand(params, actor));
  }

  onConfig(config: Config, _checks: readonly ResolvedCheck[]): void {
    this.guard('config', () => {
      const now = this.options.clock.now();
      const first = !this.restored;
      if (!this.restored) {
        this.restored = true;
        this.book.restore(now);
        for (const view of this.book.views(now)) {
          this.written.set(view.id, view);
          // Open before the restart: not news to onOpened listeners.
          if (view.state === 'open') this.known.add(view.id);
        }
      }
      this.rules = new Map(config.alerts.map((r) => [r.name, r]));
      this.ruleList = [...this.rules.values()];
      this.topology.configure(config, this.options.checkViews());
      this.subjectsOf = new Map();
      if (first) this.restoreAlerts(now);
      const windows = config.alerts.flatMap((r) => (r.condition === 'latency' ? [r.window] : []));
      this.latencies.setRetention(Math.max(0, ...windows));
      this.latencies.forget(new Set(this.topology.checkIds()));
      this.notifier.configure(config.receivers, {
        groupWaitMs: config.notifications.group_wait,
        groupIntervalMs: config.notifications.group_interval,
        repeatIntervalMs: config.notifications.repeat_interval,
      });
      this.lastVantage = this.topology.vantage();
      this.evaluate(now);
      // Incidents still open from before a restart: the notifier takes up where it left off.
      this.notifier.update(this.book.views(now).filter((i) => i.state === 'open'));
    });
  }

  /** While the observer is degraded, alerts are held as when it is offline; re-evaluated on each flip. */
  onObserverHealth(health: ObserverHealthView): void {
    if (health.degraded === this.observerDegraded) return;
    this.observerDegraded = health.degraded;
    this.guard('observer health', () => this.evaluate(this.options.clock.now()));
  }

  onCheckUpdate(update: CheckUpdate): void {
    // Guarded as guard() does, without a closure or a label made for every result.
    try {
      // A result that does not bear on the decided status (one vantage's path problem, an
      // observer offline) neither blames nor clears the target; unless the status itself moved,
      // there is nothing new to analyse.
      if (update.evidence === null && update.previous.status === update.state.status) return;
      this.analyse(update, update.evidence ?? standIn(update));
    } catch (error) {
      this.failed(`check ${update.check?.id}`, error);
    }
  }

  /** Vantages went stale, offline or online, and the decided status moved with them. */
  onQuorumChange(change: QuorumChange): void {
    try {
      this.analyse(change, change.evidence);
    } catch (error) {
      this.failed(`check ${change.check?.id}`, error);
    }
  }

  /** Unguarded: its two callers (a result, a quorum change) each catch what it throws. */
  private analyse(update: CheckUpdate | QuorumChange, result: ProbeResult): void {
    const checkId = update.check.id;
    const status = update.state.status;
    const now = update.now;
    const quorum = update.view.quorum;
    this.topology.setQuorum(checkId, {
      multi: quorum !== undefined,
      held: quorum?.held ?? false,
      failing: quorum?.failing ?? (status === 'down' ? [this.topology.vantage().id] : []),
    });
    const changed = this.topology.update(checkId, status, result, now);
    if (result.ok && result.latencyMs !== null) this.latencies.add(checkId, now, result.latencyMs);
    const components = changed.flatMap((id) => {
      const view = this.topology.componentView(id);
      return view ? [view] : [];
    });
    this.noteFlapping(components, now);
    if (components.length > 0) this.options.publish({ components });
    // Only this check and its components have new inputs, unless the vantage changed (it holds
    // or releases every alert): evaluating every rule on every result would not scale.
    const vantage = this.topology.vantage();
    const vantageChanged = this.lastVantage?.online !== vantage.online;
    const only = this.subjects(checkId);
    if (status === 'down') this.book.widenSeenBy({ kind: 'check', id: checkId }, this.topology);
    this.evaluate(now, vantageChanged ? undefined : only);
  }

  /** The notifier hears of incidents that changed (evaluate's flush). */
  private readonly notifyChanged = (changed: IncidentView[]): void => {
    if (changed.length > 0) this.notifier.update(changed);
  };

  /** The subjects whose rules a result of the check gives new inputs: the check and its components. */
  private subjects(checkId: string): ReadonlySet<string> {
    let subjects = this.subjectsOf.get(checkId);
    if (!subjects) {
      subjects = new Set([
        subjectKey({ kind: 'check', id: checkId }),
        ...this.topology.componentsOf(checkId).map((id) => subjectKey({ kind: 'component', id })),
      ]);
      this.subjectsOf.set(checkId, subjects);
    }
    return subjects;
  }

  contribute(board: BoardSnapshot): void {
    this.guard('snapshot', () => {
      board.components = this.topology.componentViews();
      // The book's incidents as written: a change not yet committed is not shown.
      board.incidents = this.book.views(this.options.clock.now()).flatMap((v) => this.written.get(v.id) ?? []);
      board.vantage = this.topology.vantage();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.alarm.cancel();
    await this.notifier.stop();
  }

  /**
   * Alerts from Alertmanager (see alertmanager/inbox.ts): firing ones join the analysis at once,
   * resolved ones end. Returns how many new alerts were refused for the bound.
   */
  receiveExternal(batch: readonly ExternalAlert[]): number {
    let refused = 0;
    this.guard('alertmanager alerts', () => {
      refused = this.external.apply(batch);
      this.evaluate(this.options.clock.now());
    });
    return refused;
  }

  // IncidentLog, for the failover module.

  addEventsToIncident(id: string, events: readonly IncidentEvent[], options: { detectedAt?: number } = {}): boolean {
    const ok = this.book.addEventsTo(id, events, options.detectedAt);
    this.flush();
    return ok;
  }

  onOpened(listener: (incident: IncidentView) => void): () => void {
    this.openedListeners.add(listener);
    return () => this.openedListeners.delete(listener);
  }

  onAlert(listener: (signal: AlertSignal) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  pendingWork(ask: (incidentId: string) => string | null): void {
    this.book.pendingWork = ask;
  }

  announce(announcement: Announcement): void {
    this.notifier.announce(announcement);
  }

  /** Messages handed to receivers since start, by receiver and outcome (engine.health). */
  notificationCounts(): ReturnType<Notifier['counts']> {
    return this.notifier.counts();
  }

  private addEventToIncident(id: string, event: IncidentEvent): boolean {
    return this.addEventsToIncident(id, [event]);
  }

  openIncidentFor(subjectId: string): IncidentView | null {
    const subject: SubjectRef = this.topology.hasComponent(subjectId)
      ? { kind: 'component', id: subjectId }
      : { kind: 'check', id: subjectId };
    return this.book.openFor(subject, this.topology);
  }

  list(): IncidentView[] {
    return this.book.views(this.options.clock.now());
  }

  // An engineer's action is answered, published and notified once it is written.

  private acknowledge(
    { incidentId: id, note }: RpcParams<'incidents.acknowledge'>,
    actor: Actor,
  ): Promise<IncidentView> {
    const view = this.book.acknowledge(id, actorRef(actor), note, this.options.clock.now());
    if (!view) throw new RpcError(`no open incident "${id}"`);
    return this.answerWhenWritten(view, () => this.notifier.acknowledged(view));
  }

  private silence({ incidentId: id, forMs }: RpcParams<'incidents.silence'>, actor: Actor): Promise<IncidentView> {
    const view = this.book.silence(id, actorRef(actor), forMs, this.options.clock.now());
    if (!view) throw new RpcError(`no open incident "${id}"`);
    return this.answerWhenWritten(view, () => this.notifier.update([view]));
  }

  private unsilence({ incidentId: id }: RpcParams<'incidents.unsilence'>, actor: Actor): Promise<IncidentView> {
    const view = this.book.unsilence(id, actorRef(actor), this.options.clock.now());
    if (!view) throw new RpcError(`no silenced open incident "${id}"`);
    return this.answerWhenWritten(view, () => this.notifier.update([view]));
  }

  private note({ incidentId: id, note }: RpcParams<'incidents.note'>, actor: Actor): Promise<IncidentView> {
    const view = this.book.addNote(id, actorRef(actor), note, this.options.clock.now());
    if (!view) throw new RpcError(`no incident "${id}" open or recently resolved`);
    return this.answerWhenWritten(view);
  }

  private resolveByHand({ incidentId: id, note }: RpcParams<'incidents.resolve'>, actor: Actor): Promise<IncidentView> {
    const view = this.book.resolveByHand(id, actorRef(actor), note, this.topology, this.options.clock.now());
    if (!view) throw new RpcError(`no open incident "${id}"`);
    return this.answerWhenWritten(view, (changed) => changed.length > 0 && this.notifier.update(changed));
  }

  /** Publishes the book's changes once written, then `then` (the notifier), then answers `view`. */
  private answerWhenWritten(view: IncidentView, then?: (changed: IncidentView[]) => void): Promise<IncidentView> {
    return new Promise((resolve) =>
      this.flush((changed) => {
        if (!this.stopped) this.guard(`incident ${view.id}`, () => then?.(changed));
        resolve(view);
      }),
    );
  }

  /**
   * Re-evaluates the rules (for `only` these subjects, or all), applies the transitions to
   * incidents, and schedules the next evaluation.
   */
  private evaluate(now: number, only?: ReadonlySet<string>): void {
    if (this.stopped) return;
    // One array for both kinds: this runs on every result.
    const candidates = buildCandidates(
      this.ruleList,
      this.topology,
      this.latencies,
      now,
      only,
      this.observerDegraded,
      this.alerts,
    );
    for (const c of this.external.candidates(now, (id) => this.topology.hasComponent(id), only)) candidates.push(c);
    const evaluation = evaluateAlerts(this.alerts, candidates, now, only ? 'some' : 'all', this.alerts);
    const expiry = this.external.nextExpiry(now);
    if (expiry !== null) evaluation.nextDueAt = Math.min(evaluation.nextDueAt ?? expiry, expiry);
    this.alerts = evaluation.alerts;
    this.book.applyTransitions(evaluation.transitions, this.topology, now);
    // Reconciling reads only statuses and the book's alerts: after a result that moved neither
    // (most of them), it would find what it found last time.
    if (!only || evaluation.transitions.length > 0 || this.topology.statusRevision !== this.reconciledAt) {
      this.reconciledAt = this.topology.statusRevision;
      this.book.reconcile(this.topology, now);
    }
    // What is saved of an alert (state, start, severity) moves only with a transition, or with
    // a config change (a full evaluation): a result that changes neither costs no serialisation.
    if (evaluation.transitions.length > 0 || !only) this.saveAlerts();
    this.flush(this.notifyChanged);
    this.tellAlerts(evaluation.transitions, now);
    this.publishVantage(now);
    // A partial evaluation knows only its own due times: keep an earlier timer (a full
    // evaluation when it fires sets the exact next one).
    const next =
      only && this.alarm.due !== null && evaluation.nextDueAt !== null
        ? Math.min(this.alarm.due, evaluation.nextDueAt)
        : only && evaluation.nextDueAt === null
          ? this.alarm.due
          : evaluation.nextDueAt;
    this.schedule(next);
  }

  /**
   * Alerts from before a restart take up where they were: a pending alert keeps the start of its
   * `for`, and a firing one stays firing, in its open incident, without a second "firing" event.
   * A firing alert whose incident is gone fires again (at once: its `for` has run).
   */
  private restoreAlerts(now: number): void {
    const stored = storedAlerts.safeParse(this.options.state?.loadState<unknown>(ALERTS_STATE_KEY) ?? []);
    if (!stored.success) {
      this.log('warn', 'alert state from before the restart is unreadable; alerts start afresh');
      return;
    }
    for (const saved of stored.data) {
      if (!this.rules.has(saved.rule)) continue;
      let alert: AlertInstance = { ...saved, lastActiveAt: now };
      if (alert.state === 'firing' && !this.book.adopt(alert, this.topology)) {
        alert = { ...alert, state: 'pending', firedAt: null };
      }
      this.alerts.set(alert.key, alert);
    }
    this.savedAlerts = alertsSignature(this.alerts);
  }

  private saveAlerts(): void {
    const signature = alertsSignature(this.alerts);
    if (signature === this.savedAlerts || !this.options.state) return;
    this.savedAlerts = signature;
    try {
      this.options.state.saveState(ALERTS_STATE_KEY, [...this.alerts.values()]);
    } catch (error) {
      this.log('warn', `alert state not saved (${(error as Error).message}); a restart would run their \`for\` again`);
    }
  }

  /**
   * Takes the book's changes; once the repository has written them (afterWritten: at once for a
   * repository durable on return) publishes them and calls `then` with them (the notifier),
   * keeping the order of the calls. Who waits for new incidents (failover) is told first, before
   * anything is written: that is not showing them, and what the listeners add (a failover's story
   * so far) goes out with the new incident, in the same publication.
   */
  private flush(then?: (changed: IncidentView[]) => void): void {
    if (this.listening) {
      // A listener's own flush: its changes join the publication being made.
      if (then) this.listening.push(then);
      return;
    }
    const first = this.book.takeChanged();
    // Most results change no incident: nothing to write, publish or tell. A caller waiting for its
    // turn (an RPC's answer) still goes through the queue, so it is answered in order.
    if (first.length === 0 && (then === undefined || then === this.notifyChanged)) return;
    const opened: IncidentView[] = [];
    for (const incident of first) {
      if (incident.state === 'open' && !this.known.has(incident.id)) {
        this.known.add(incident.id);
        opened.push(incident);
      }
    }
    const joined: ((changed: IncidentView[]) => void)[] = [];
    this.listening = joined;
    try {
      for (const incident of opened) {
        for (const listener of this.openedListeners) {
          this.guard(`incident ${incident.id} opened`, () => listener(incident));
        }
      }
    } finally {
      this.listening = null;
    }
    // The latest view of each, in the order they first changed.
    const latest = new Map(first.map((v) => [v.id, v]));
    for (const view of this.book.takeChanged()) latest.set(view.id, view);
    const changed = [...latest.values()];
    for (const view of changed) if (view.state !== 'open') this.known.delete(view.id);
    const show = () => {
      for (const view of changed) this.written.set(view.id, view);
      if (this.written.size > MAX_WRITTEN) this.forgetWritten();
      if (changed.length > 0) this.options.publish({ incidents: changed });
      then?.(changed);
      for (const more of joined) more(changed);
    };
    if (this.options.repository.afterWritten) this.options.repository.afterWritten(show);
    else show();
  }

  /** Keeps only the incidents the book still shows. */
  private forgetWritten(): void {
    const shown = new Set(this.book.views(this.options.clock.now()).map((v) => v.id));
    for (const id of this.written.keys()) if (!shown.has(id)) this.written.delete(id);
  }

  private tellAlerts(transitions: readonly AlertTransition[], now: number): void {
    if (this.alertListeners.size === 0) return;
    for (const t of transitions) {
      if (t.kind !== 'firing' && t.kind !== 'resolved') continue;
      const rule = this.rules.get(t.alert.rule);
      const signal: AlertSignal = {
        rule: t.alert.rule,
        subject: t.alert.subject,
        labels: { ...(rule ? alertLabels(rule, t.alert.subject, this.topology) : {}), ...t.alert.labels },
        firing: t.kind === 'firing',
        at: now,
      };
      for (const listener of this.alertListeners) this.guard(`alert ${t.alert.key}`, () => listener(signal));
    }
  }

  private publishVantage(now: number): void {
    const vantage = this.topology.vantage();
    const last = this.lastVantage;
    if (last && last.online === vantage.online && last.reason === vantage.reason) return;
    this.lastVantage = vantage;
    this.options.publish({ vantage });
    // At start only an observer already offline is news: "online again" needs an offline before it.
    if (last ? last.online !== vantage.online : !vantage.online) {
      this.options.notify({
        id: `vantage:${vantage.id}:${now}`,
        title: vantage.online ? `${vantage.name} is online again` : `${vantage.name} is offline`,
        body: vantage.reason ?? 'Reference checks are up: alerts are evaluated again.',
        severity: vantage.online ? 'info' : 'warning',
        incidentId: null,
      });
    }
  }

  /** A flapping component's incident says so once, rather than notifying on every change. */
  private noteFlapping(components: readonly { id: string; flapping: boolean }[], now: number): void {
    for (const c of components) {
      if (c.flapping === this.flapping.has(c.id)) continue;
      if (c.flapping) this.flapping.add(c.id);
      else this.flapping.delete(c.id);
      const incident = this.book.openFor({ kind: 'component', id: c.id }, this.topology);
      if (!incident) continue;
      this.book.addEventsTo(incident.id, [
        {
          at: now,
          kind: 'note',
          message: c.flapping ? `${c.id} is flapping: notifications held until it settles` : `${c.id} stopped flapping`,
          data: { flapping: c.flapping, component: c.id },
        },
      ]);
    }
  }

  private schedule(at: number | null): void {
    if (this.stopped) return;
    this.alarm.set(at);
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.failed(what, error);
    }
  }

  private failed(what: string, error: unknown): void {
    this.errors.reportError('knock-on', `knock-on analysis failed on ${what}`, error);
  }
}

const storedAlerts = z.array(
  z.object({
    key: z.string(),
    rule: z.string(),
    subject: z.object({ kind: z.enum(['check', 'component']), id: z.string() }),
    severity: z.enum(['info', 'warning', 'critical']),
    state: z.enum(['pending', 'firing']),
    activeAt: z.number(),
    firedAt: z.number().nullable(),
    lastActiveAt: z.number(),
    value: z.number().nullable(),
  }),
);

function alertsSignature(alerts: ReadonlyMap<string, AlertInstance>): string {
  return JSON.stringify([...alerts.values()].map((a) => [a.key, a.state, a.activeAt, a.firedAt, a.severity]));
}

/** What a status change without agreeing evidence says, as a result for the analysis. */
function standIn(update: CheckUpdate): ProbeResult {
  const down = update.state.status === 'down';
  return {
    checkId: update.check.id,
    startedAt: update.now,
    ok: !down,
    latencyMs: null,
    errorClass: down ? (update.view.errorClass ?? 'timeout') : null,
    message: update.view.message,
  };
}
