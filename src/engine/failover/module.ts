/**
 * The failover module: feeds the watched checks' and components' statuses to each policy's
 * pure decision function, writes each step to the audit log and every state change to the
 * store, and only once they are written (the store's afterWritten) publishes the board's
 * FailoverView, tells people and starts or continues a run: nothing is shown or acted on before
 * it is on disk. Actions run in the background, never inline with a probe update. Each policy's
 * audit is read from the store once and kept here (the store's own copy may still be on its way).
 */
import { actorRef, type Actor, type ActorRef } from '../../shared/actor.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { FailoverPolicyConfig } from '../../shared/config/failover.ts';
import type { StatusRule } from '../../shared/config/topology.ts';
import type { BoardSnapshot, FailoverView, IncidentView, Notice, Status } from '../../shared/model.ts';
import { componentStatus } from '../analysis/component-status.ts';
import type { ResolvedCheck } from '../checks.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { BoardPart, CheckUpdate, EngineModule, QuorumChange } from '../engine.ts';
import type { CheckState } from '../status.ts';
import type { AlertSignal, IncidentLog } from '../incidents/api.ts';
import { RpcError, type RpcRegistry } from '../rpc.ts';
import { createAction } from './actions/index.ts';
import type { FailoverAction } from './actions/types.ts';
import {
  INITIAL_POLICY_STATE,
  decide,
  type Episode,
  type PolicyEvent,
  type PolicyRules,
  type PolicyState,
  type RunRequest,
} from './policy.ts';
import { dnsCheckQuery, type PropagationRow, type ResolverQuery } from './propagation.ts';
import type { IncidentSummary } from './actions/types.ts';
import { backupStatus } from './replica-readiness.ts';
import { resumePlan } from './resume.ts';
import { runPolicy, selectedActions } from './runner.ts';
import { announcementOf, timelineEvent } from './timeline.ts';

type AuditRow = { policyId: string; at: number; step: string; detail: Record<string, unknown> };

/** What the module needs from the store (src/engine/store: StoreClient, or HistoryStore in tests). */
export interface FailoverStore {
  /** Queues (or makes) an audit entry; written once afterWritten runs. */
  appendAudit(entry: AuditRow): void;
  /** The audit as the file has it: read once per policy, at start-up or when a policy first appears. */
  loadAudit(policyId: string, limit?: number): AuditRow[];
  saveState(key: string, value: unknown): void;
  loadState<T = unknown>(key: string): T | null;
  /** Runs `show` once every write made so far is committed (at once for a store durable on return). */
  afterWritten(show: () => void): void;
}

export interface FailoverModuleOptions {
  engine: {
    publish(part: BoardPart): void;
    notify(notice: Notice): void;
    checkViews(): { id: string; status: Status }[];
    /** The voting vantages that see a check down now (stale, offline or degraded observers never vote). */
    failingVantages(checkId: string): string[];
  };
  rpc: RpcRegistry | null;
  store: FailoverStore;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  incidents?: IncidentLog | null;
  clock?: Clock;
  /** Where `*_env` secrets are read; the process environment by default. */
  env?: Readonly<Record<string, string | undefined>>;
  query?: ResolverQuery;
}

interface Runtime {
  config: FailoverPolicyConfig;
  rules: PolicyRules;
  actions: { config: FailoverPolicyConfig['actions'][number]; action: FailoverAction }[];
  state: PolicyState;
  timer: unknown;
  propagation: PropagationRow[] | null;
  running: Promise<void> | null;
  /** Consecutive up observations of a watched component (components have no success count). */
  componentSuccesses: number;
  /** For a policy watching an alert: its instances firing now, by subject (`kind:id`). */
  firing: Map<string, AlertSignal>;
  /** Actions a run interrupted by a restart had done (from the audit): not run again. */
  resumeDone: number[] | null;
  lastView: string;
  /** The view last published (the board's snapshot shows it): only what is written. */
  shown: FailoverView | null;
}

const STATE_KEY = (policyId: string) => `failover:${policyId}`;
/** Audit entries kept in memory per policy: what resuming a run and binding an incident read. */
const AUDIT_KEPT = 1_000;
/** Longest a stopping engine waits for aborted runs to write their last audit entries. */
const STOP_WAIT_MS = 3_000;

export function rulesOf(policy: FailoverPolicyConfig): PolicyRules {
  return {
    mode: policy.mode,
    minVantages: policy.trigger.min_vantages,
    approvalTimeoutMs: policy.approval_timeout,
    failback: {
      mode: policy.failback.mode,
      rise: policy.failback.rise,
      holdMs: policy.failback.hold,
      afterFailure: policy.failback.after_failure,
    },
    cooldownMs: policy.cooldown,
  };
}

export class FailoverModule implements EngineModule {
  readonly name = 'failover';
  private readonly options: FailoverModuleOptions;
  private readonly clock: Clock;
  private readonly policies = new Map<string, Runtime>();
  /** Each policy's latest audit entries, oldest first; kept after a policy is removed (it may come back). */
  private readonly audits = new Map<string, AuditRow[]>();
  private components = new Map<string, { checks: string[]; rule: StatusRule }>();
  private readonly stopController = new AbortController();
  private stopped = false;

  constructor(options: FailoverModuleOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    if (options.rpc) this.registerRpc(options.rpc);
    const incidents = options.incidents;
    if (incidents) {
      incidents.onOpened((incident) => this.incidentOpened(incident));
      incidents.onAlert((signal) => this.alertSignal(signal));
      incidents.pendingWork((id) => this.pendingFor(id));
    }
  }

  onConfig(config: Config, _checks: readonly ResolvedCheck[]): void {
    this.components = new Map(config.components.map((c) => [c.id, { checks: c.checks, rule: c.status_rule }]));
    const wanted = config.failover?.policies ?? [];
    const ids = new Set(wanted.map((p) => p.id));
    for (const [id, runtime] of this.policies) {
      if (ids.has(id)) continue;
      // A removed policy keeps its stored state: adding it back resumes where it was.
      this.clock.clearTimeout(runtime.timer);
      this.policies.delete(id);
    }
    for (const policy of wanted) {
      const existing = this.policies.get(policy.id);
      const actions = policy.actions.map((config) => ({ config, action: createAction(config) }));
      if (existing) {
        existing.config = policy;
        existing.rules = rulesOf(policy);
        existing.actions = actions;
        // Its state as decided so far: shown once written, as apply shows it.
        const view = this.view(existing);
        this.options.store.afterWritten(() => this.publish(existing, view));
        continue;
      }
      const stored = this.options.store.loadState<PolicyState>(STATE_KEY(policy.id));
      const runtime: Runtime = {
        config: policy,
        rules: rulesOf(policy),
        actions,
        state: stored ? { ...INITIAL_POLICY_STATE, ...stored } : INITIAL_POLICY_STATE,
        timer: null,
        propagation: null,
        running: null,
        componentSuccesses: 0,
        firing: new Map(),
        resumeDone: null,
        lastView: '',
        shown: null,
      };
      this.policies.set(policy.id, runtime);
      if (stored) {
        this.options.log('info', `failover ${policy.id}: restored state ${stored.state}`);
        // The stored state is on disk: the snapshot may show it until what is decided now is written.
        runtime.shown = this.view(runtime);
        this.apply(runtime, { kind: 'restored', resume: this.resumable(runtime) });
        // Its incident may have opened before this module saw the config (an alert whose `for`
        // ran out while the engine was down fires as the knock-on module starts).
        this.bindOpenIncident(runtime);
        // Published by apply once what it decided (taken up again, or failed) is written.
        continue;
      }
      this.publish(runtime, this.view(runtime));
    }
  }

  onCheckUpdate(update: CheckUpdate): void {
    this.checkChanged(update.check.id, update.state, backupStatus(update.check, update.state.status, update.evidence));
  }

  /** Vantages went stale, offline or online, and the watched check's decided status moved. */
  onQuorumChange(change: QuorumChange): void {
    this.checkChanged(change.check.id, change.state);
  }

  /** `backup`: the check's status as a failover target (a caught-up replica is one, its link down or not). */
  private checkChanged(checkId: string, state: CheckState, backup: Status = state.status): void {
    for (const runtime of this.policies.values()) {
      // The backup's health first: a failover decided on this same update must know it.
      if (runtime.config.verify.check === checkId && runtime.state.backup?.status !== backup) {
        this.apply(runtime, { kind: 'backup', status: backup, detail: `check ${checkId}` });
      }
    }
    for (const runtime of this.policies.values()) {
      const watch = runtime.config.watch;
      if ('alert' in watch) continue;
      if ('check' in watch) {
        if (watch.check !== checkId) continue;
        this.observe(runtime, state.status, state.consecutiveSuccesses, `check ${watch.check}`, [checkId]);
      } else {
        const component = this.components.get(watch.component);
        if (!component || !component.checks.includes(checkId)) continue;
        const statuses = new Map(this.options.engine.checkViews().map((v) => [v.id, v.status]));
        const status = componentStatus(
          component.rule,
          component.checks.map((id) => statuses.get(id) ?? 'unknown'),
        );
        runtime.componentSuccesses = status === 'up' ? runtime.componentSuccesses + 1 : 0;
        this.observe(runtime, status, runtime.componentSuccesses, `component ${watch.component}`, component.checks);
      }
    }
  }

  contribute(board: BoardSnapshot): void {
    board.failovers = [...this.policies.values()].map((r) => r.shown ?? this.view(r));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    for (const runtime of this.policies.values()) this.clock.clearTimeout(runtime.timer);
    const running = [...this.policies.values()].flatMap((r) => (r.running ? [r.running] : []));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(running), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    this.stopped = true;
  }

  /** The policy's latest audit entries, oldest first (for tests and drill-down), as this run wrote them. */
  audit(policyId: string, limit = 200): AuditRow[] {
    return this.auditOf(policyId).slice(-limit);
  }

  /**
   * A policy's audit, kept in memory: read from the store the first time (at start-up, or when the
   * policy first appears: nothing of it was written in this run before), then appended to as it
   * is written. The store thread may not have committed the latest entries yet.
   */
  private auditOf(policyId: string): AuditRow[] {
    let audit = this.audits.get(policyId);
    if (!audit) {
      try {
        audit = this.options.store.loadAudit(policyId, AUDIT_KEPT);
      } catch (error) {
        this.options.log('error', `failover ${policyId}: its audit could not be read (${(error as Error).message})`);
        audit = [];
      }
      this.audits.set(policyId, audit);
    }
    return audit;
  }

  views(): FailoverView[] {
    return [...this.policies.values()].map((r) => this.view(r));
  }

  /**
   * k of n: the vantages that see the watched thing down are the voting vantages that see its
   * checks down (for a component, the most any one of its checks has). A vantage that cannot
   * vote (offline, stale, this machine short of descriptors) is no witness at all.
   */
  private observe(
    runtime: Runtime,
    status: Status,
    successes: number,
    detail: string,
    checks: readonly string[],
  ): void {
    const engine = this.options.engine;
    const downVantages = status === 'down' ? Math.max(0, ...checks.map((id) => engine.failingVantages(id).length)) : 0;
    this.apply(runtime, { kind: 'observe', status, downVantages, successes, detail });
  }

  /**
   * Decides, then: audit, save the state, and once both are written (afterWritten) publish and
   * only then act. Returns the refusal (or null) at once; `written` is told it after the publication.
   */
  private apply(runtime: Runtime, event: PolicyEvent, written?: (refused: string | null) => void): string | null {
    if (this.stopped) {
      written?.('the engine is stopping');
      return 'the engine is stopping';
    }
    const now = this.clock.now();
    const before = runtime.state;
    const decision = decide(before, event, runtime.rules, now);
    runtime.state = decision.state;
    for (const note of decision.audit) {
      this.record(runtime, note.step, note.detail, now, note.episode, before.episode ?? null);
    }
    // Observations (down, upSince, successes) are cleared on restore, so saving them would only
    // cost a durable write per probe of the watched check.
    if (JSON.stringify(persisted(runtime.state)) !== JSON.stringify(persisted(before))) {
      this.save(runtime.config.id, runtime.state);
    }
    this.schedule(runtime, decision.wakeAt);
    const view = this.view(runtime);
    this.options.store.afterWritten(() => {
      this.publish(runtime, view);
      if (decision.run) this.startRun(runtime, decision.run);
      written?.(decision.refused);
    });
    return decision.refused;
  }

  /**
   * Whether a run a restart interrupted can be taken up again, from its audit (resume.ts); what
   * it had done is kept for the run.
   */
  private resumable(runtime: Runtime): { ok: boolean; why: string } | undefined {
    const state = runtime.state;
    if (state.state !== 'running' && state.state !== 'failing_back') return undefined;
    const direction = state.direction ?? 'failover';
    const actions = selectedActions(runtime.actions, direction).map(({ config, action }) => ({
      name: action.name,
      type: action.type,
      idempotent: config.idempotent,
    }));
    try {
      const plan = resumePlan(this.auditOf(runtime.config.id), state.run, direction, actions);
      runtime.resumeDone = plan.ok ? plan.done : null;
      return { ok: plan.ok, why: plan.why };
    } catch (error) {
      return { ok: false, why: `its audit could not be read (${(error as Error).message})` };
    }
  }

  private save(policyId: string, state: PolicyState): void {
    try {
      this.options.store.saveState(STATE_KEY(policyId), state);
    } catch (error) {
      // Loud, but the engine keeps probing: a store failure must not take the board down too.
      this.options.log(
        'error',
        `failover ${policyId}: state not saved (${(error as Error).message}); a restart may not know it`,
      );
    }
  }

  private schedule(runtime: Runtime, wakeAt: number | null): void {
    this.clock.clearTimeout(runtime.timer);
    runtime.timer = null;
    if (wakeAt === null) return;
    runtime.timer = this.clock.setTimeout(
      () => {
        runtime.timer = null;
        this.apply(runtime, { kind: 'tick' });
      },
      Math.max(0, wakeAt - this.clock.now()),
    );
  }

  private startRun(runtime: Runtime, request: RunRequest): void {
    // Stopped before its decision was written: the saved state says running; the next start takes it up.
    if (this.stopped) return;
    if (request.direction === 'failover') runtime.propagation = null;
    const policy = runtime.config;
    const resume = request.resume && runtime.resumeDone ? { done: runtime.resumeDone } : null;
    runtime.resumeDone = null;
    const running = runPolicy(
      policy,
      runtime.actions,
      request,
      {
        audit: (step, detail) =>
          new Promise<void>((written) =>
            this.record(runtime, step, detail, this.clock.now(), undefined, null, written),
          ),
        propagation: (rows) => {
          runtime.propagation = rows;
          // The state as written, with the new rows: a decision not yet on disk is never shown here.
          this.publish(runtime, runtime.shown ?? this.view(runtime));
        },
        query: this.options.query ?? dnsCheckQuery,
        env: this.options.env ?? process.env,
        now: () => this.clock.now(),
        // The verify check is read as a backup: a caught-up replica is ready although its own
        // check is down (replication_stopped) once the primary it would replace has gone.
        checkStatus: (id) =>
          id === policy.verify.check && runtime.state.backup
            ? runtime.state.backup.status
            : this.options.engine.checkViews().find((v) => v.id === id)?.status,
        incident: () => this.summaryOf(runtime),
        signal: this.stopController.signal,
      },
      resume,
    )
      .then((outcome) => {
        runtime.running = null;
        this.apply(runtime, {
          kind: 'run_finished',
          run: request.run,
          ok: outcome.ok,
          message: outcome.message,
          ...(outcome.interrupted ? { interrupted: true } : {}),
        });
      })
      .catch((error: unknown) => {
        runtime.running = null;
        this.options.log('error', `failover ${policy.id}: ${error instanceof Error ? error.message : String(error)}`);
      });
    runtime.running = running;
  }

  /**
   * One step: the audit log first, then the timeline of the incident its episode belongs to
   * (written after it, in order), and once the audit is written (afterWritten) the people: a
   * native notice, and receivers for what needs an engineer; then `written` (a run waiting to act).
   */
  private record(
    runtime: Runtime,
    step: string,
    detail: Record<string, unknown>,
    at: number,
    episodeId: number | null = runtime.state.episode?.startedAt ?? null,
    ended: Episode | null = null,
    written: () => void = () => {},
  ): void {
    const policyId = runtime.config.id;
    if (this.stopped) {
      this.options.log('warn', `failover ${policyId}: ${step} after the engine stopped; not recorded`);
      written();
      return;
    }
    const entry = { policyId, at, step, detail };
    const audit = this.auditOf(policyId);
    audit.push(entry);
    if (audit.length > AUDIT_KEPT) audit.splice(0, audit.length - AUDIT_KEPT);
    try {
      this.options.store.appendAudit(entry);
    } catch (error) {
      // The audit is the record of what ran: failing to write it is loud, never silent.
      this.options.log('error', `failover ${policyId}: audit write failed for ${step}: ${(error as Error).message}`);
    }
    const episode =
      runtime.state.episode?.startedAt === episodeId && episodeId !== null
        ? runtime.state.episode
        : ended?.startedAt === episodeId
          ? ended
          : null;
    const incidentId = this.incidents(() => this.incidentOf(runtime, episode));
    const state = runtime.state.state;
    this.options.store.afterWritten(() => {
      this.tell(runtime, step, detail, at, incidentId, state);
      written();
    });
    if (!episode) return;
    const event = timelineEvent(runtime.config, step, detail, at);
    if (!event) return;
    this.incidents(() => {
      if (episode.incidentId) this.options.incidents?.addEventsToIncident(episode.incidentId, [event]);
      else if (incidentId) this.bind(runtime, episode, incidentId);
    });
  }

  /**
   * The incident an episode belongs to: the one it is bound to, or else the open incident of the
   * watched thing's root cause (which the episode is then bound to).
   */
  private incidentOf(runtime: Runtime, episode: Episode | null): string | null {
    if (episode?.incidentId) return episode.incidentId;
    const subject = this.subjectOf(runtime);
    return subject ? (this.options.incidents?.openIncidentFor(subject)?.id ?? null) : null;
  }

  /** The incident a run belongs to, as action messages name it (null when none is known yet). */
  private summaryOf(runtime: Runtime): IncidentSummary | null {
    return this.incidents(() => {
      const id = this.incidentOf(runtime, runtime.state.episode ?? null);
      const view = id ? this.options.incidents?.list().find((i) => i.id === id) : undefined;
      return view ? { id: view.id, title: view.title, severity: view.severity, rootCause: view.rootCause.name } : null;
    });
  }

  /**
   * Binds an episode to its incident for the episode's whole life, and gives the incident the
   * episode's story so far from the durable audit, with the audit's times (steps taken before
   * the incident opened, or before a restart). The incident's detection moves to the episode's
   * start when that was earlier. The audit is the one kept in memory (auditOf).
   */
  private bind(runtime: Runtime, episode: Episode, incidentId: string, from: number | null = null): void {
    const policy = runtime.config;
    const story = this.auditOf(policy.id)
      .filter((e) => e.at >= (from ?? episode.startedAt))
      .flatMap((e) => timelineEvent(policy, e.step, e.detail, e.at) ?? []);
    this.options.incidents?.addEventsToIncident(
      incidentId,
      story,
      from === null ? { detectedAt: episode.startedAt } : undefined,
    );
    if (runtime.state.episode?.startedAt === episode.startedAt) {
      runtime.state = { ...runtime.state, episode: { ...episode, incidentId } };
      this.save(policy.id, runtime.state);
    }
  }

  /** An incident opened: an episode waiting for its incident gets it (and its story). */
  private incidentOpened(incident: IncidentView): void {
    if (this.stopped) return;
    for (const runtime of this.policies.values()) this.bindOpenIncident(runtime, incident.id);
  }

  /**
   * Binds a policy's unbound episode to the open incident of its subject (when it is `only`, if
   * given). An episode whose incident has resolved (a failback, then a cooldown) moves on to a
   * new incident of its subject, taking only what happened from that incident's detection on:
   * each incident's timeline is its own, never the previous outage's failback.
   */
  private bindOpenIncident(runtime: Runtime, only?: string): void {
    const episode = runtime.state.episode;
    if (!episode) return;
    const subject = this.subjectOf(runtime);
    if (!subject) return;
    this.incidents(() => {
      const incidents = this.options.incidents;
      const open = incidents?.openIncidentFor(subject);
      if (!open || (only !== undefined && open.id !== only) || open.id === episode.incidentId) return;
      if (!episode.incidentId) return this.bind(runtime, episode, open.id);
      const bound = incidents!.list().find((i) => i.id === episode.incidentId);
      if (bound?.state === 'open') return;
      this.bind(runtime, { ...episode, incidentId: null }, open.id, open.detectedAt);
    });
  }

  /** Work still pending for an incident that resolves: its failover has not settled. */
  private pendingFor(incidentId: string): string | null {
    const pending: string[] = [];
    for (const runtime of this.policies.values()) {
      if (runtime.state.episode?.incidentId !== incidentId) continue;
      const name = runtime.config.name ?? runtime.config.id;
      const what: Partial<Record<PolicyState['state'], string>> = {
        failed_over: `failback pending (${name} is failed over)`,
        running: `${name} is still failing over`,
        failing_back: `${name} is failing back`,
        failed: `${name} failed and needs an engineer`,
        awaiting_approval: `${name} still awaits approval`,
      };
      const text = what[runtime.state.state];
      if (text) pending.push(text);
    }
    return pending.length > 0 ? pending.join('; ') : null;
  }

  /** For a policy watching an alert rule: its instances that match start or stop firing. */
  private alertSignal(signal: AlertSignal): void {
    if (this.stopped) return;
    for (const runtime of this.policies.values()) {
      const watch = runtime.config.watch;
      if (!('alert' in watch) || watch.alert !== signal.rule) continue;
      const labels = Object.entries(watch.labels ?? {});
      if (!labels.every(([k, v]) => signal.labels[k] === v)) continue;
      const key = `${signal.subject.kind}:${signal.subject.id}`;
      if (signal.firing) runtime.firing.set(key, signal);
      else runtime.firing.delete(key);
      const firing = runtime.firing.size > 0;
      // The rule's own `for` and `keep_firing_for` already debounce: resolved counts as up by `rise`.
      this.apply(runtime, {
        kind: 'observe',
        status: firing ? 'down' : 'up',
        downVantages: firing ? runtime.rules.minVantages : 0,
        successes: firing ? 0 : runtime.rules.failback.rise,
        detail: `alert ${watch.alert}${firing ? ` on ${[...runtime.firing.values()].map((f) => f.subject.id).join(', ')}` : ''}`,
      });
    }
  }

  /** The subject whose incident a policy's steps belong to (for an alert, a subject it fires on). */
  private subjectOf(runtime: Runtime): string | null {
    const watch = runtime.config.watch;
    if ('check' in watch) return watch.check;
    if ('component' in watch) return watch.component;
    const first = runtime.firing.values().next();
    return first.done ? null : first.value.subject.id;
  }

  /**
   * People first: a native notice for the steps people must see at once, and the policy's
   * receivers for those an engineer must act on (announcements, grouped with the incident).
   */
  private tell(
    runtime: Runtime,
    step: string,
    detail: Record<string, unknown>,
    at: number,
    incidentId: string | null,
    state: PolicyState['state'],
  ): void {
    const policy = runtime.config;
    const name = policy.name ?? policy.id;
    const notice = (title: string, severity: Notice['severity']) =>
      this.options.engine.notify({
        id: `failover:${policy.id}:${step}:${at}`,
        title,
        body: timelineEvent(policy, step, detail, at)?.message ?? title,
        severity,
        incidentId,
      });
    if (step === 'approval_requested') notice(`${name}: failover needs approval`, 'critical');
    else if (step === 'failed' || step === 'interrupted') notice(`${name}: failover needs an engineer`, 'critical');
    else if (step === 'backup_down') notice(`${name}: traffic is on a dead backup`, 'critical');
    else if (step === 'failed_over' && !detail.dryRun) notice(`${name}: failed over`, 'warning');
    else if (step === 'failed_back' && !detail.dryRun) notice(`${name}: failed back`, 'info');
    const words = announcementOf(policy, step, detail, at);
    if (!words || !this.options.incidents) return;
    const incident = incidentId ? this.options.incidents.list().find((i) => i.id === incidentId) : undefined;
    this.incidents(() =>
      this.options.incidents?.announce({
        kind: `failover.${step}`,
        ...words,
        at,
        incident: incident ? { id: incident.id, title: incident.title } : null,
        data: { policyId: policy.id, policy: name, step, state, ...detail },
        receivers: policy.notify ?? null,
      }),
    );
  }

  /** Incident calls are guarded: a failing incident log never stops a failover. */
  private incidents<T>(fn: () => T): T | null {
    try {
      return fn();
    } catch (error) {
      this.options.log('warn', `failover: incident log: ${(error as Error).message}`);
      return null;
    }
  }

  private view(runtime: Runtime): FailoverView {
    const watch = runtime.config.watch;
    const s = runtime.state;
    return {
      policyId: runtime.config.id,
      name: runtime.config.name ?? runtime.config.id,
      mode: runtime.config.mode,
      state: s.state,
      watches: 'check' in watch ? watch.check : 'component' in watch ? watch.component : `alert ${watch.alert}`,
      since: s.since,
      lastMessage: s.message,
      approval: s.state === 'awaiting_approval' ? s.approval : null,
      propagation: runtime.propagation,
    };
  }

  /**
   * Shows `view` (a state as written) with the run's propagation rows as they are now: the rows
   * are live observations (a run's DNS polls), never older than what was shown before.
   */
  private publish(runtime: Runtime, written: FailoverView): void {
    const view = { ...written, propagation: runtime.propagation };
    const text = JSON.stringify(view);
    runtime.shown = view;
    if (text === runtime.lastView) return;
    runtime.lastView = text;
    this.options.engine.publish({ failovers: [view] });
  }

  private registerRpc(rpc: RpcRegistry): void {
    // Answered once the decision is written (its audit and state): the engineer sees only what is on disk.
    const answer = (runtime: Runtime, event: PolicyEvent, done: string) =>
      new Promise<{ ok: boolean; message: string }>((resolve) => {
        this.apply(runtime, event, (refused) =>
          resolve(refused ? { ok: false, message: refused } : { ok: true, message: done }),
        );
      });
    rpc.register('failover.approve', (params, actor) => {
      const runtime = this.runtime(params.policyId);
      return answer(runtime, { kind: 'approve', ...manual(actor) }, `approved by ${actor.name}: failing over`);
    });
    rpc.register('failover.reject', (params, actor) => {
      const runtime = this.runtime(params.policyId);
      return answer(runtime, { kind: 'reject', ...manual(actor) }, `rejected by ${actor.name}`);
    });
    rpc.register('failover.start', (params, actor) => {
      const runtime = this.runtime(params.policyId);
      const reason = params.reason;
      return answer(runtime, { kind: 'start', ...manual(actor), reason }, `failover started by ${actor.name}`);
    });
    rpc.register('failover.failback', (params, actor) => {
      const runtime = this.runtime(params.policyId);
      return answer(runtime, { kind: 'failback', ...manual(actor) }, `failback started by ${actor.name}`);
    });
  }

  private runtime(policyId: string): Runtime {
    const runtime = this.policies.get(policyId);
    if (!runtime) {
      throw new RpcError(
        `unknown failover policy "${policyId}"; policies: ${[...this.policies.keys()].join(', ') || 'none'}`,
      );
    }
    return runtime;
  }
}

/** A person's step: the name for the sentences, the actor (who, and the way in) for the audit. */
function manual(actor: Actor): { by: string; actor: ActorRef } {
  return { by: actor.name, actor: actorRef(actor) };
}

function persisted(state: PolicyState): Omit<PolicyState, 'down' | 'upSince' | 'successes'> {
  const { down: _down, upSince: _upSince, successes: _successes, ...rest } = state;
  return rest;
}

/** The one line in installModules. */
export function installFailover(context: {
  engine: FailoverModuleOptions['engine'] & { use(module: EngineModule): void };
  rpc: RpcRegistry;
  store: FailoverStore;
  log: FailoverModuleOptions['log'];
  incidents?: IncidentLog;
  clock?: Clock;
}): FailoverModule {
  const module = new FailoverModule({ ...context, incidents: context.incidents ?? null });
  context.engine.use(module);
  return module;
}
