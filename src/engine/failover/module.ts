/**
 * The failover module: feeds the watched checks' and components' statuses to each policy's
 * pure decision function, persists every state before acting on it, writes each step to the
 * audit log (durable on return) and the incident timeline, publishes the board's FailoverView,
 * and runs the actions in the background, never inline with a probe update.
 */
import type { Config } from '../../shared/config/schema.ts';
import type { FailoverPolicyConfig } from '../../shared/config/failover.ts';
import type { StatusRule } from '../../shared/config/topology.ts';
import type { BoardSnapshot, FailoverView, IncidentEventKind, Notice, Status } from '../../shared/model.ts';
import { componentStatus } from '../analysis/component-status.ts';
import type { ResolvedCheck } from '../checks.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { BoardPart, CheckUpdate, EngineModule, QuorumChange } from '../engine.ts';
import type { CheckState } from '../status.ts';
import type { IncidentLog } from '../incidents/api.ts';
import { RpcError, type RpcRegistry } from '../rpc.ts';
import { createAction } from './actions/index.ts';
import type { FailoverAction } from './actions/types.ts';
import {
  INITIAL_POLICY_STATE,
  decide,
  type PolicyEvent,
  type PolicyRules,
  type PolicyState,
  type RunRequest,
} from './policy.ts';
import { dnsCheckQuery, type PropagationRow, type ResolverQuery } from './propagation.ts';
import { backupStatus } from './replica-readiness.ts';
import { runPolicy } from './runner.ts';

/** What the module needs from the store: durable on return (src/engine/store). */
export interface FailoverStore {
  appendAudit(entry: { policyId: string; at: number; step: string; detail: Record<string, unknown> }): void;
  loadAudit(
    policyId: string,
    limit?: number,
  ): { policyId: string; at: number; step: string; detail: Record<string, unknown> }[];
  saveState(key: string, value: unknown): void;
  loadState<T = unknown>(key: string): T | null;
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
  lastView: string;
}

const STATE_KEY = (policyId: string) => `failover:${policyId}`;
/** Longest a stopping engine waits for aborted runs to write their last audit entries. */
const STOP_WAIT_MS = 3_000;

export function rulesOf(policy: FailoverPolicyConfig): PolicyRules {
  return {
    mode: policy.mode,
    minVantages: policy.trigger.min_vantages,
    approvalTimeoutMs: policy.approval_timeout,
    failback: { mode: policy.failback.mode, rise: policy.failback.rise, holdMs: policy.failback.hold },
    cooldownMs: policy.cooldown,
  };
}

export class FailoverModule implements EngineModule {
  readonly name = 'failover';
  private readonly options: FailoverModuleOptions;
  private readonly clock: Clock;
  private readonly policies = new Map<string, Runtime>();
  private components = new Map<string, { checks: string[]; rule: StatusRule }>();
  private readonly stopController = new AbortController();
  private stopped = false;

  constructor(options: FailoverModuleOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    if (options.rpc) this.registerRpc(options.rpc);
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
        this.publish(existing);
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
        lastView: '',
      };
      this.policies.set(policy.id, runtime);
      if (stored) {
        this.options.log('info', `failover ${policy.id}: restored state ${stored.state}`);
        this.apply(runtime, { kind: 'restored' });
      }
      this.publish(runtime);
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
    board.failovers = [...this.policies.values()].map((r) => this.view(r));
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

  /** The policy's latest audit entries, oldest first (for tests and drill-down). */
  audit(policyId: string, limit = 200) {
    return this.options.store.loadAudit(policyId, limit);
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

  /** Decides, then: audit (durable), save the state (durable), publish, and only then act. */
  private apply(runtime: Runtime, event: PolicyEvent): string | null {
    if (this.stopped) return 'the engine is stopping';
    const now = this.clock.now();
    const decision = decide(runtime.state, event, runtime.rules, now);
    for (const note of decision.audit) this.record(runtime, note.step, note.detail, now);
    // Observations (down, upSince, successes) are cleared on restore, so saving them would only
    // cost a durable write per probe of the watched check.
    const changed = JSON.stringify(persisted(decision.state)) !== JSON.stringify(persisted(runtime.state));
    runtime.state = decision.state;
    if (changed) this.save(runtime.config.id, decision.state);
    this.schedule(runtime, decision.wakeAt);
    this.publish(runtime);
    if (decision.run) this.startRun(runtime, decision.run);
    return decision.refused;
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
    if (request.direction === 'failover') runtime.propagation = null;
    const policy = runtime.config;
    const running = runPolicy(policy, runtime.actions, request, {
      audit: (step, detail) => this.record(runtime, step, detail, this.clock.now()),
      propagation: (rows) => {
        runtime.propagation = rows;
        this.publish(runtime);
      },
      query: this.options.query ?? dnsCheckQuery,
      env: this.options.env ?? process.env,
      now: () => this.clock.now(),
      checkStatus: (id) => this.options.engine.checkViews().find((v) => v.id === id)?.status,
      signal: this.stopController.signal,
    })
      .then((outcome) => {
        runtime.running = null;
        this.apply(runtime, { kind: 'run_finished', run: request.run, ok: outcome.ok, message: outcome.message });
      })
      .catch((error: unknown) => {
        runtime.running = null;
        this.options.log('error', `failover ${policy.id}: ${error instanceof Error ? error.message : String(error)}`);
      });
    runtime.running = running;
  }

  /** One step: the audit log first (durable), then the incident timeline. */
  private record(runtime: Runtime, step: string, detail: Record<string, unknown>, at: number): void {
    const policyId = runtime.config.id;
    if (this.stopped) {
      this.options.log('warn', `failover ${policyId}: ${step} after the engine stopped; not recorded`);
      return;
    }
    try {
      this.options.store.appendAudit({ policyId, at, step, detail });
    } catch (error) {
      // The audit is the record of what ran: failing to write it is loud, never silent.
      this.options.log('error', `failover ${policyId}: audit write failed for ${step}: ${(error as Error).message}`);
    }
    const watch = runtime.config.watch;
    const subject = 'check' in watch ? watch.check : watch.component;
    this.noticeFor(runtime, step, detail, at, subject);
    const incidents = this.options.incidents;
    if (!incidents) return;
    const kind: IncidentEventKind = step === 'dns_propagation' ? 'dns_propagation' : 'failover';
    try {
      incidents.addEvent(subject, {
        at,
        kind,
        message: timelineText(runtime.config, step, detail),
        data: { policyId, step, ...detail },
      });
    } catch (error) {
      this.options.log('warn', `failover ${policyId}: timeline event ${step} not added: ${(error as Error).message}`);
    }
  }

  /** The steps people must see at once, as native notifications: asked to approve, or a switch that failed. */
  private noticeFor(
    runtime: Runtime,
    step: string,
    detail: Record<string, unknown>,
    at: number,
    subject: string,
  ): void {
    const name = runtime.config.name ?? runtime.config.id;
    const notice = (title: string, severity: Notice['severity']) => {
      const incidentId = this.incidentOf(subject);
      this.options.engine.notify({
        id: `failover:${runtime.config.id}:${step}:${at}`,
        title,
        body: timelineText(runtime.config, step, detail),
        severity,
        incidentId,
      });
    };
    if (step === 'approval_requested') notice(`${name}: failover needs approval`, 'critical');
    else if (step === 'failed' || step === 'interrupted') notice(`${name}: failover needs an engineer`, 'critical');
    else if (step === 'failed_over' && !detail.dryRun) notice(`${name}: failed over`, 'warning');
    else if (step === 'failed_back' && !detail.dryRun) notice(`${name}: failed back`, 'info');
  }

  private incidentOf(subject: string): string | null {
    try {
      return this.options.incidents?.openIncidentFor(subject)?.id ?? null;
    } catch {
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
      watches: 'check' in watch ? watch.check : watch.component,
      since: s.since,
      lastMessage: s.message,
      approval: s.state === 'awaiting_approval' ? s.approval : null,
      propagation: runtime.propagation,
    };
  }

  private publish(runtime: Runtime): void {
    const view = this.view(runtime);
    const text = JSON.stringify(view);
    if (text === runtime.lastView) return;
    runtime.lastView = text;
    this.options.engine.publish({ failovers: [view] });
  }

  private registerRpc(rpc: RpcRegistry): void {
    const answer = (runtime: Runtime, event: PolicyEvent, done: string) => {
      const refused = this.apply(runtime, event);
      return refused ? { ok: false, message: refused } : { ok: true, message: done };
    };
    rpc.register('failover.approve', (params) => {
      const { runtime, by } = this.validate(params);
      return answer(runtime, { kind: 'approve', by }, `approved by ${by}: failing over`);
    });
    rpc.register('failover.reject', (params) => {
      const { runtime, by } = this.validate(params);
      return answer(runtime, { kind: 'reject', by }, `rejected by ${by}`);
    });
    rpc.register('failover.start', (params) => {
      const { runtime, by } = this.validate(params);
      const reason = params.reason;
      return answer(runtime, { kind: 'start', by, reason }, `failover started by ${by}`);
    });
    rpc.register('failover.failback', (params) => {
      const { runtime, by } = this.validate(params);
      return answer(runtime, { kind: 'failback', by }, `failback started by ${by}`);
    });
  }

  private validate({ policyId, by }: { policyId: string; by: string }): { runtime: Runtime; by: string } {
    const runtime = this.policies.get(policyId);
    if (!runtime) {
      throw new RpcError(
        `unknown failover policy "${policyId}"; policies: ${[...this.policies.keys()].join(', ') || 'none'}`,
      );
    }
    return { runtime, by };
  }
}

function persisted(state: PolicyState): Omit<PolicyState, 'down' | 'upSince' | 'successes'> {
  const { down: _down, upSince: _upSince, successes: _successes, ...rest } = state;
  return rest;
}

/** One sentence per step for the timeline; the detail travels alongside as data. */
function timelineText(policy: FailoverPolicyConfig, step: string, d: Record<string, unknown>): string {
  const name = policy.name ?? policy.id;
  const dry = d.dryRun ? ' (dry run)' : '';
  switch (step) {
    case 'decided':
      return `${name}: decided to ${d.direction === 'failback' ? 'fail back' : 'fail over'} (${String(d.reason)})`;
    case 'approval_requested':
      return `${name}: failover needs approval (${String(d.reason)})`;
    case 'approved':
      return `${name}: approved by ${String(d.by)}`;
    case 'rejected':
      return `${name}: rejected by ${String(d.by)}`;
    case 'approval_expired':
      return `${name}: approval request expired; nothing ran`;
    case 'approval_cancelled':
      return `${name}: approval request withdrawn (${String(d.reason)})`;
    case 'started':
      return `${name}: ${d.direction} started${dry}`;
    case 'would_run':
      return `${name}: dry run, would run ${String(d.action)}`;
    case 'would_verify':
      return `${name}: dry run, would verify ${(d.verify as string[]).join('; ')}`;
    case 'action_request':
      return `${name}: ${String(d.action)} (attempt ${String(d.attempt)} of ${String(d.of)})`;
    case 'action_result':
      return `${name}: ${String(d.action)} ${d.ok ? 'succeeded' : 'failed'}: ${String(d.message)}`;
    case 'dns_propagation':
      if (d.phase === 'following')
        return `${name}: following ${String(d.record)} → ${String(d.value)} through ${(d.resolvers as string[]).length} resolvers`;
      if (d.phase === 'done')
        return `${name}: propagation ${d.converged ? 'complete' : 'incomplete'}: ${String(d.message)}`;
      return `${name}: ${(d.rows as PropagationRow[]).filter((r) => r.converged).length} of ${(d.rows as PropagationRow[]).length} resolvers return the new value`;
    case 'verify_started':
      return `${name}: verifying ${(d.verify as string[]).join('; ')}`;
    case 'verified':
      return `${name}: ${String(d.message)}`;
    case 'verify_failed':
      return `${name}: verification failed: ${String(d.message)}`;
    case 'finished':
      return `${name}: ${d.direction} ${d.ok ? 'finished' : 'failed'}${dry}: ${String(d.message)}`;
    case 'failed_over':
      return `${name}: failed over${dry}`;
    case 'failed_back':
      return `${name}: failed back${dry}`;
    case 'failed':
      return `${name}: ${String(d.direction)} failed: ${String(d.message)}`;
    case 'suppressed':
      return `${name}: down again during the cooldown; not switching`;
    case 'interrupted':
      return `${name}: a ${String(d.direction)} was interrupted by a restart; needs an engineer`;
    case 'restored':
      return `${name}: state ${String(d.state)} restored after a restart`;
    case 'cooldown_ended':
      return `${name}: cooldown ended`;
    case 'refused':
      return `${name}: not failing over${d.by ? ` (asked by ${String(d.by)})` : ''}: the backup (${String(d.backup)}) is down; both sites are down, traffic stays on the primary`;
    default:
      return `${name}: ${step}`;
  }
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
