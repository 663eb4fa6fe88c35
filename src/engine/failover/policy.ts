/**
 * The failover decisions, as a pure function of (state, event, now): no I/O, no timers, the
 * clock injected as `now`. The module around it persists the state and runs the effects.
 *
 *   idle ─▶ (awaiting_approval) ─▶ running ─▶ failed_over ─▶ failing_back ─▶ cooldown ─▶ idle
 *                                      └──────────▶ failed ◀──────┘
 *
 * - A failover is decided when the watched thing is down by its rule as seen from at least
 *   `minVantages` vantages. In approval mode the board asks first; unanswered, the request
 *   expires. In dry-run mode everything is decided the same way but the runs execute nothing.
 * - `failed` needs an engineer (start again, or fail back): an automatic retry of a half-done
 *   switch is how outages get worse.
 * - Never onto a dead backup: while the policy's `verify` check (the backup's health) is down,
 *   a failover is refused, automatic, approved or started by hand, and the refusal is audited
 *   once per spell. Both sites down: traffic stays on the primary (Route 53's rule: when every
 *   record is unhealthy, it answers with the primary), and the board says so. When the backup
 *   comes back while the primary is still down, the failover is decided then.
 * - After a failback, `cooldown` holds for the configured time: a flapping primary can cause at
 *   most one failover per cooldown. After a rejected or expired approval, nothing is asked again
 *   until the watched thing has been seen up.
 * - Never leave traffic on a dead site silently. After a failed failover, and when the backup dies
 *   while traffic is on it, the policy rolls back to the primary as soon as the primary is healthy
 *   again (`failback.after_failure: automatic`, the default), whatever the failback mode; with
 *   `manual` it says so and waits for an engineer.
 * - A run interrupted by a restart is resumed from its audit when what is left of it can safely
 *   run again (the module decides that from the audit: see resume.ts); otherwise it is `failed`.
 * - Every note belongs to an episode: from the first step away from quiet watching to the return
 *   to it (cooldown ended, approval withdrawn, the watched thing up again after a refusal). The
 *   module binds an episode to the incident that caused it, for the episode's whole life.
 */
import type { ActorRef } from '../../shared/actor.ts';
import type { FailoverState, Status } from '../../shared/model.ts';

export type FailoverMode = 'automatic' | 'approval' | 'dry_run';

export interface PolicyRules {
  mode: FailoverMode;
  minVantages: number;
  approvalTimeoutMs: number;
  failback: { mode: 'automatic' | 'manual'; rise: number; holdMs: number; afterFailure: 'automatic' | 'manual' };
  cooldownMs: number;
}

export type Direction = 'failover' | 'failback';

export interface PolicyState {
  state: FailoverState;
  since: number | null;
  message: string;
  /** Why the current (or last) failover happened. */
  reason: string | null;
  approval: { requestedAt: number; expiresAt: number; reason: string } | null;
  /** The run in progress (or last run); results of other runs are ignored. */
  run: number;
  /** Direction of that run. */
  direction: Direction | null;
  failedOverAt: number | null;
  cooldownUntil: number | null;
  /** Whether the watched thing is down by the trigger's rule (as last observed). */
  down: boolean;
  /** Since when the watched thing has been up without a break; null when it is not up. */
  upSince: number | null;
  /** Consecutive successes of the watched thing, as last observed. */
  successes: number;
  /** Set after a rejected or expired approval: ask again only once the watched thing was up. */
  rearmOnRecovery: boolean;
  /** The backup's health (the policy's verify check), as last observed; null without one. */
  backup?: { status: Status; detail: string } | null;
  /** A failover was refused because the backup is down, and it has not been up since. */
  refusedBackup?: boolean;
  /** Traffic was on the backup when the backup went down (failed over, or a failed failover). */
  strandedOnBackup?: boolean;
  /** The episode the policy is in (null while quietly watching); see the module for incidents. */
  episode?: Episode | null;
}

export interface Episode {
  /** When its first note was written: its identity, and the earliest the failure was known. */
  startedAt: number;
  /** The incident that caused it, once known (set by the module). */
  incidentId: string | null;
}

export const INITIAL_POLICY_STATE: PolicyState = {
  state: 'idle',
  since: null,
  message: 'watching',
  reason: null,
  approval: null,
  run: 0,
  direction: null,
  failedOverAt: null,
  cooldownUntil: null,
  down: false,
  upSince: null,
  successes: 0,
  rearmOnRecovery: false,
};

export type PolicyEvent =
  /** The watched thing's status after a probe; `downVantages` of the vantages see it down. */
  | { kind: 'observe'; status: Status; downVantages: number; successes: number; detail: string }
  /** The backup's health changed (the policy's verify check). */
  | { kind: 'backup'; status: Status; detail: string }
  /** Time passed (the module wakes the policy at `wakeAt`). */
  | { kind: 'tick' }
  /** A person's step: `by` names them in sentences; `actor` (who, and the way in) goes to the audit. */
  | ({ kind: 'approve' } & ManualStep)
  | ({ kind: 'reject' } & ManualStep)
  | ({ kind: 'start'; reason: string } & ManualStep)
  | ({ kind: 'failback' } & ManualStep)
  /** `interrupted`: the engine is stopping; the run stays in its state, to be resumed at start. */
  | { kind: 'run_finished'; run: number; ok: boolean; message: string; interrupted?: boolean }
  /**
   * The engine restarted with this state loaded from the store. `resume` says whether a run it
   * interrupted can be taken up again from its audit (and if not, why).
   */
  | { kind: 'restored'; resume?: { ok: boolean; why: string } };

interface ManualStep {
  by: string;
  actor?: ActorRef;
}

export interface AuditNote {
  step: string;
  detail: Record<string, unknown>;
  /** The episode it belongs to (its startedAt); null for notes outside any (a restart while idle). */
  episode: number | null;
}

export interface RunRequest {
  run: number;
  direction: Direction;
  reason: string;
  dryRun: boolean;
  /** Taking up a run interrupted by a restart (same run number), from its audit. */
  resume?: boolean;
}

export interface Decision {
  state: PolicyState;
  /** Written to the audit log (and the timeline) before anything else happens. */
  audit: AuditNote[];
  /** A run of the policy's actions to start, after the state is saved. */
  run: RunRequest | null;
  /** When the policy must be woken with a tick; null when nothing is time-dependent. */
  wakeAt: number | null;
  /** Set when a request (RPC) was refused: the message for the person who sent it. */
  refused: string | null;
}

export function decide(prev: PolicyState, event: PolicyEvent, rules: PolicyRules, now: number): Decision {
  const out: Decision = { state: prev, audit: [], run: null, wakeAt: null, refused: null };
  const to = (state: FailoverState, message: string, patch: Partial<PolicyState> = {}) => {
    out.state = { ...out.state, ...patch, state, since: state === out.state.state ? out.state.since : now, message };
  };
  const note = (step: string, detail: Record<string, unknown> = {}) => {
    if (!out.state.episode && step !== 'restored')
      out.state = { ...out.state, episode: { startedAt: now, incidentId: null } };
    out.audit.push({ step, detail, episode: out.state.episode?.startedAt ?? null });
  };
  /** Back to quiet watching: the next note starts a new episode. */
  const endEpisode = () => {
    out.state = { ...out.state, episode: null };
  };
  const refuse = (message: string) => {
    out.refused = message;
  };

  const startRun = (direction: Direction, reason: string) => {
    const run = out.state.run + 1;
    const dryRun = rules.mode === 'dry_run';
    const state: FailoverState = direction === 'failover' ? 'running' : 'failing_back';
    const what = direction === 'failover' ? 'failing over' : 'failing back';
    to(state, dryRun ? `dry run: ${what} (${reason})` : `${what}: ${reason}`, {
      run,
      direction,
      approval: null,
      ...(direction === 'failover' ? { reason } : {}),
    });
    out.run = { run, direction, reason, dryRun };
  };

  const backupDown = () => out.state.backup?.status === 'down';
  const deadBackup = () =>
    `the backup (${out.state.backup!.detail}) is down too: not switching to it; both sites are down and traffic stays on the primary`;
  const trigger = (reason: string) => {
    if (backupDown()) {
      if (!out.state.refusedBackup) note('refused', { reason, why: 'backup down', backup: out.state.backup!.detail });
      out.state = { ...out.state, refusedBackup: true, message: deadBackup() };
      return;
    }
    out.state = { ...out.state, refusedBackup: false };
    if (rules.mode === 'approval') {
      const approval = { requestedAt: now, expiresAt: now + rules.approvalTimeoutMs, reason };
      to('awaiting_approval', `approval needed: ${reason}`, { approval, reason });
      note('approval_requested', { reason, expiresAt: approval.expiresAt });
      return;
    }
    note('decided', { direction: 'failover', reason, mode: rules.mode });
    startRun('failover', reason);
  };

  const failbackDue = () =>
    rules.failback.mode === 'automatic' &&
    out.state.upSince !== null &&
    out.state.successes >= rules.failback.rise &&
    now - out.state.upSince >= rules.failback.holdMs;

  const failBackAutomatically = () => {
    const reason = `primary up for ${out.state.successes} successes and ${now - out.state.upSince!} ms`;
    note('decided', { direction: 'failback', reason, mode: rules.mode });
    startRun('failback', reason);
  };

  /** The primary is healthy by the failback's rise (the hold is for planned failbacks only). */
  const primaryHealthy = () => out.state.upSince !== null && out.state.successes >= rules.failback.rise;
  /**
   * Traffic is (or may be) on a site that is not serving: after a failed failover, or on a backup
   * that died. With `after_failure: automatic` it goes back to a healthy primary at once.
   */
  const rollBackIfDue = (why: string) => {
    if (!primaryHealthy()) return;
    if (rules.failback.afterFailure === 'manual') {
      out.state = {
        ...out.state,
        message: `${why}; the primary is up again: fail back by hand (after_failure: manual)`,
      };
      return;
    }
    const reason = `rolling back to the primary (up for ${out.state.successes} successes): ${why}`;
    note('decided', { direction: 'failback', reason, mode: rules.mode, rollback: true });
    startRun('failback', reason);
  };
  const failedFailover = () => prev.state === 'failed' && prev.direction === 'failover';

  switch (event.kind) {
    case 'observe': {
      const isDown = event.status === 'down' && event.downVantages >= rules.minVantages;
      const isUp = event.status === 'up';
      const wasDown = prev.down;
      out.state = {
        ...prev,
        down: isDown,
        upSince: isUp ? (prev.upSince ?? now) : null,
        successes: isUp ? event.successes : 0,
        rearmOnRecovery: prev.rearmOnRecovery && !isUp,
      };
      const reason = `watched ${event.detail} is down (seen from ${vantages(event.downVantages)}, ${rules.minVantages} required)`;
      switch (prev.state) {
        case 'idle':
          if (isDown && !out.state.rearmOnRecovery) trigger(reason);
          else if (isUp && prev.episode) {
            // A refusal's spell (both sites down) ends when the primary is back.
            out.state = { ...out.state, refusedBackup: false, message: 'watching' };
            endEpisode();
          }
          break;
        case 'failed':
          if (failedFailover()) rollBackIfDue(`the failover failed (${prev.message})`);
          break;
        case 'cooldown':
          if (isDown && !wasDown) {
            note('suppressed', { reason, cooldownUntil: prev.cooldownUntil });
            out.state = {
              ...out.state,
              message: `down again during cooldown (until ${iso(prev.cooldownUntil)}): not switching`,
            };
          }
          break;
        case 'awaiting_approval':
          if (isUp) {
            note('approval_cancelled', { reason: `watched ${event.detail} is up again` });
            to('idle', 'recovered before approval; nothing ran', { approval: null });
            endEpisode();
          }
          break;
        case 'failed_over':
          if (prev.strandedOnBackup)
            rollBackIfDue(`traffic is on the backup (${prev.backup?.detail ?? 'backup'}), which is down`);
          else if (failbackDue()) failBackAutomatically();
          else if (isUp && rules.failback.mode === 'manual' && out.state.successes >= rules.failback.rise) {
            out.state = { ...out.state, message: 'primary is up again; failback is manual' };
          }
          break;
        default:
          break;
      }
      break;
    }
    case 'tick':
      if (prev.state === 'awaiting_approval' && prev.approval && now >= prev.approval.expiresAt) {
        note('approval_expired', { requestedAt: prev.approval.requestedAt, expiresAt: prev.approval.expiresAt });
        to('idle', 'approval request expired; nothing ran', { approval: null, rearmOnRecovery: true });
        endEpisode();
      } else if (prev.state === 'failed_over' && !prev.strandedOnBackup && failbackDue()) {
        failBackAutomatically();
      } else if (prev.state === 'cooldown' && prev.cooldownUntil !== null && now >= prev.cooldownUntil) {
        note('cooldown_ended', {});
        to('idle', 'watching', { cooldownUntil: null });
        endEpisode();
        if (out.state.down) trigger('watched thing still down after the cooldown');
      }
      break;
    case 'backup': {
      const backup = { status: event.status, detail: event.detail };
      out.state = { ...prev, backup };
      const onBackup = prev.state === 'failed_over' || failedFailover();
      if (event.status === 'down' && onBackup && !prev.strandedOnBackup && rules.mode !== 'dry_run') {
        note('backup_down', { backup: event.detail, state: prev.state });
        out.state = {
          ...out.state,
          strandedOnBackup: true,
          message: `traffic may be on the backup (${event.detail}), which is down${prev.state === 'failed_over' ? '' : ' (the failover failed)'}`,
        };
        rollBackIfDue(`the backup (${event.detail}) is down`);
      } else if (event.status === 'up' && prev.strandedOnBackup) {
        out.state = { ...out.state, strandedOnBackup: false };
        if (prev.state === 'failed_over')
          out.state = { ...out.state, message: `failed over; the backup (${event.detail}) is up again` };
      }
      if (event.status !== 'down' && prev.refusedBackup) {
        out.state = { ...out.state, refusedBackup: false };
        if (prev.state === 'idle' && prev.down && !prev.rearmOnRecovery) {
          trigger(`the backup (${event.detail}) is ${event.status} again while the watched thing is still down`);
        } else if (prev.state === 'idle') out.state = { ...out.state, message: 'watching' };
      }
      break;
    }
    case 'approve':
      if (prev.state !== 'awaiting_approval' || !prev.approval) {
        refuse(`nothing to approve: the policy is ${prev.state}`);
      } else if (backupDown()) {
        note('refused', { by: event.by, actor: event.actor, why: 'backup down', backup: prev.backup!.detail });
        refuse(deadBackup());
      } else if (now >= prev.approval.expiresAt) {
        note('approval_expired', { requestedAt: prev.approval.requestedAt, expiresAt: prev.approval.expiresAt });
        to('idle', 'approval request expired; nothing ran', { approval: null, rearmOnRecovery: true });
        refuse('the approval request has expired');
      } else {
        note('approved', { by: event.by, actor: event.actor, reason: prev.approval.reason });
        note('decided', {
          direction: 'failover',
          reason: prev.approval.reason,
          mode: rules.mode,
          approvedBy: event.by,
          actor: event.actor,
        });
        startRun('failover', `${prev.approval.reason}; approved by ${event.by}`);
      }
      break;
    case 'reject':
      if (prev.state !== 'awaiting_approval') {
        refuse(`nothing to reject: the policy is ${prev.state}`);
      } else {
        note('rejected', { by: event.by, actor: event.actor });
        to('idle', `rejected by ${event.by}; nothing ran`, { approval: null, rearmOnRecovery: true });
        endEpisode();
      }
      break;
    case 'start':
      if (prev.state === 'running' || prev.state === 'failing_back') {
        refuse(`a run is in progress (${prev.state})`);
      } else if (prev.state === 'failed_over') {
        refuse('already failed over');
      } else if (backupDown()) {
        note('refused', { by: event.by, actor: event.actor, why: 'backup down', backup: prev.backup!.detail });
        refuse(deadBackup());
      } else {
        const reason = `started by ${event.by}: ${event.reason}`;
        if (prev.state === 'awaiting_approval') note('approved', { by: event.by, actor: event.actor });
        note('decided', { direction: 'failover', reason, mode: rules.mode, manual: true, actor: event.actor });
        startRun('failover', reason);
      }
      break;
    case 'failback':
      if (prev.state !== 'failed_over' && prev.state !== 'failed') {
        refuse(`nothing to fail back: the policy is ${prev.state}`);
      } else {
        const reason = `failback by ${event.by}`;
        note('decided', { direction: 'failback', reason, mode: rules.mode, manual: true, actor: event.actor });
        startRun('failback', reason);
      }
      break;
    case 'run_finished':
      if (event.run !== prev.run || (prev.state !== 'running' && prev.state !== 'failing_back')) break;
      if (event.interrupted) {
        // The engine is stopping: the state stays as it is, and the next start resumes or fails it.
        break;
      }
      if (!event.ok) {
        note('failed', { direction: prev.direction, message: event.message });
        to('failed', `${prev.direction === 'failback' ? 'failback' : 'failover'} failed: ${event.message}`);
        if (prev.direction === 'failover') {
          if (out.state.backup?.status === 'down') out.state = { ...out.state, strandedOnBackup: true };
          rollBackIfDue('the failover failed');
        }
      } else if (prev.state === 'running') {
        note('failed_over', { message: event.message, dryRun: rules.mode === 'dry_run' });
        to(
          'failed_over',
          rules.mode === 'dry_run' ? `dry run: would be failed over (${event.message})` : event.message,
          {
            failedOverAt: now,
          },
        );
        if (failbackDue()) failBackAutomatically();
      } else {
        const cooldownUntil = now + rules.cooldownMs;
        note('failed_back', { message: event.message, cooldownUntil, dryRun: rules.mode === 'dry_run' });
        to(
          'cooldown',
          `${rules.mode === 'dry_run' ? 'dry run: would be failed back' : 'failed back'}; cooldown until ${iso(cooldownUntil)}`,
          {
            cooldownUntil,
            failedOverAt: null,
            strandedOnBackup: false,
          },
        );
      }
      break;
    case 'restored': {
      // Observations from before the restart are no evidence now; the checks start afresh.
      out.state = { ...prev, down: false, upSince: null, successes: 0 };
      note('restored', { state: prev.state, since: prev.since, run: prev.run });
      if (prev.state === 'running' || prev.state === 'failing_back') {
        const what = prev.state === 'running' ? 'failing over' : 'failing back';
        if (event.resume?.ok) {
          note('resumed', { direction: prev.direction, run: prev.run, why: event.resume.why });
          out.state = { ...out.state, message: `resumed after a restart while ${what}: ${event.resume.why}` };
          out.run = {
            run: prev.run,
            direction: prev.direction ?? 'failover',
            reason: `resumed after a restart (${prev.reason ?? what})`,
            dryRun: rules.mode === 'dry_run',
            resume: true,
          };
        } else {
          note('interrupted', { direction: prev.direction, run: prev.run, why: event.resume?.why ?? null });
          to(
            'failed',
            `interrupted by a restart while ${what}: ${event.resume?.why ?? 'actions may have partly run'}; ` +
              'check, then start or fail back by hand',
          );
        }
      }
      break;
    }
  }
  out.wakeAt = wakeAt(out.state, rules);
  return out;
}

/** When time alone can change the decision. */
export function wakeAt(state: PolicyState, rules: PolicyRules): number | null {
  switch (state.state) {
    case 'awaiting_approval':
      return state.approval?.expiresAt ?? null;
    case 'cooldown':
      return state.cooldownUntil;
    case 'failed_over':
      return rules.failback.mode === 'automatic' && state.upSince !== null && state.successes >= rules.failback.rise
        ? state.upSince + rules.failback.holdMs
        : null;
    default:
      return null;
  }
}

function vantages(n: number): string {
  return n === 1 ? '1 vantage' : `${n} vantages`;
}

function iso(at: number | null): string {
  return at === null ? '-' : new Date(at).toISOString();
}
