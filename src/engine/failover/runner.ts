/**
 * Runs one failover or failback: the policy's actions in order, each bounded by its timeout
 * and retried with a doubling back-off; after a DNS change, propagation is followed through
 * the resolvers; then the result is verified. Every step is audited before it runs and after
 * it ends, and the run goes on only once that audit entry is written (`audit` resolves): an
 * action is never taken before its request is on disk. A dry run audits exactly what would run
 * and runs nothing.
 *
 * Never throws: whatever an action does (rejects, hangs, throws synchronously), the run ends
 * with an outcome, so a failing action can never take the engine down.
 */
import type { FailoverPolicyConfig } from '../../shared/config/failover.ts';
import type { Status } from '../../shared/model.ts';
import { errorMessage, type ActionContext, type FailoverAction, type IncidentSummary } from './actions/types.ts';
import type { RunRequest } from './policy.ts';
import { followPropagation, type PropagationRow, type ResolverQuery } from './propagation.ts';
import { pause } from './pause.ts';

const MAX_BACKOFF_MS = 60_000;
/** After a timeout, how long an action may take to report how it ended (a killed command's output). */
const KILL_REPORT_GRACE_MS = 500;

export interface RunEnvironment {
  /**
   * Records a step (also on the timeline); the run waits for what it returns: resolved once the
   * entry is written (durable), so nothing is acted on before its audit is on disk.
   */
  audit(step: string, detail: Record<string, unknown>): void | Promise<void>;
  propagation(rows: PropagationRow[] | null): void;
  query: ResolverQuery;
  env: Readonly<Record<string, string | undefined>>;
  now(): number;
  /** The watched or verified check's current status. */
  checkStatus(id: string): Status | undefined;
  /** The incident the run belongs to, for action messages. */
  incident?(): IncidentSummary | null;
  /** Aborted when the engine stops: the run ends early, reported as failed. */
  signal: AbortSignal;
}

export interface RunOutcome {
  ok: boolean;
  message: string;
  /** The engine stopped mid-run: nothing failed, the run is to be taken up at the next start. */
  interrupted?: boolean;
}

/** A run taken up after a restart: the actions (indexes among the run's selected ones) already done. */
export interface ResumeFrom {
  done: readonly number[];
}

/** The context the actions see: the value moves to the backup on failover, back on failback. */
export function actionContext(
  policy: FailoverPolicyConfig,
  request: RunRequest,
  env: RunEnvironment,
): Omit<ActionContext, 'signal'> {
  const toBackup = request.direction === 'failover';
  return {
    policyId: policy.id,
    policyName: policy.name ?? policy.id,
    direction: request.direction,
    reason: request.reason,
    primary: policy.primary,
    backup: policy.backup,
    value: toBackup ? policy.backup : policy.primary,
    previous: toBackup ? policy.primary : policy.backup,
    record: policy.record ? { name: policy.record.name, type: policy.record.type, ttlMs: policy.record.ttl } : null,
    run: request.run,
    incident: env.incident?.() ?? null,
    env: env.env,
  };
}

export async function runPolicy(
  policy: FailoverPolicyConfig,
  actions: readonly { config: FailoverPolicyConfig['actions'][number]; action: FailoverAction }[],
  request: RunRequest,
  env: RunEnvironment,
  resume: ResumeFrom | null = null,
): Promise<RunOutcome> {
  try {
    return await runSteps(policy, actions, request, env, resume);
  } catch (error) {
    const message = `internal error: ${errorMessage(error)}`;
    await env.audit('finished', { run: request.run, direction: request.direction, ok: false, message });
    return { ok: false, message };
  }
}

async function runSteps(
  policy: FailoverPolicyConfig,
  actions: readonly { config: FailoverPolicyConfig['actions'][number]; action: FailoverAction }[],
  request: RunRequest,
  env: RunEnvironment,
  resume: ResumeFrom | null,
): Promise<RunOutcome> {
  const base = actionContext(policy, request, env);
  const selected = selectedActions(actions, request.direction);
  const runInfo = { run: request.run, direction: request.direction, dryRun: request.dryRun };
  await env.audit('started', {
    ...runInfo,
    reason: request.reason,
    actions: selected.map((a) => a.action.name),
    ...(resume ? { resumed: true, done: resume.done } : {}),
  });
  let dnsChanged = false;

  for (const [index, { config, action }] of selected.entries()) {
    const label = { ...runInfo, index, action: action.name, type: action.type };
    const done = resume?.done.includes(index) ?? false;
    // An action done before a restart (its success is in the audit) is not run again; its DNS
    // change is still followed below: propagation and verification are reads.
    if (!done && request.dryRun) {
      await env.audit('would_run', { ...label, request: action.describe(base) });
      dnsChanged ||= action.changesDns;
      continue;
    }
    if (!done) {
      const failed = await runAction(config, action, base, label, env, runInfo);
      if (failed) return failed;
    }
    if (action.changesDns) {
      dnsChanged = true;
      const followed = await propagate(policy, base.value, env, runInfo);
      if (env.signal.aborted) return interrupted(env, runInfo, 'following propagation');
      if (followed && !followed.converged) {
        await env.audit('verify_failed', { ...runInfo, message: followed.message });
        return finish(env, runInfo, false, `verification failed: ${followed.message}`);
      }
    }
  }

  const verified = await verify(policy, base.value, request, dnsChanged, env, runInfo);
  if (env.signal.aborted && !verified.ok) return interrupted(env, runInfo, 'verifying');
  if (!verified.ok) return finish(env, runInfo, false, `verification failed: ${verified.message}`);
  return finish(
    env,
    runInfo,
    true,
    request.dryRun
      ? `would switch ${base.previous} → ${base.value}`
      : `switched ${base.previous} → ${base.value}; ${verified.message}`,
  );
}

/**
 * One action with its retries, each attempt audited before and after. Returns the run's outcome
 * when the run must end here (the action failed, or the engine is stopping), else null.
 */
async function runAction(
  config: FailoverPolicyConfig['actions'][number],
  action: FailoverAction,
  base: Omit<ActionContext, 'signal'>,
  label: Record<string, unknown>,
  env: RunEnvironment,
  runInfo: Record<string, unknown>,
): Promise<RunOutcome | null> {
  let outcome = { ok: false, message: 'not run' } as {
    ok: boolean;
    message: string;
    detail?: Record<string, unknown>;
  };
  const attempts = config.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (env.signal.aborted) return interrupted(env, runInfo, `before ${action.name}`);
    await env.audit('action_request', {
      ...label,
      attempt,
      of: attempts,
      timeoutMs: config.timeout,
      request: action.describe(base),
    });
    outcome = await attemptOnce(action, base, config.timeout, env.signal);
    await env.audit('action_result', {
      ...label,
      attempt,
      ok: outcome.ok,
      message: outcome.message,
      ...(outcome.detail ? { detail: outcome.detail } : {}),
      // Cut short by a stop: whether it happened is unknown (see resume.ts).
      ...(!outcome.ok && env.signal.aborted ? { interrupted: true } : {}),
    });
    if (outcome.ok) break;
    if (env.signal.aborted) return interrupted(env, runInfo, `during ${action.name}`);
    if (attempt < attempts) await pause(Math.min(MAX_BACKOFF_MS, config.backoff * 2 ** (attempt - 1)), env.signal);
  }
  return outcome.ok ? null : finish(env, runInfo, false, `${action.name}: ${outcome.message}`);
}

/** The actions a run of this direction takes part in, in order (their indexes are the audit's). */
export function selectedActions<T extends { config: { on: readonly string[] } }>(
  actions: readonly T[],
  direction: RunRequest['direction'],
): T[] {
  return actions.filter((a) => a.config.on.includes(direction));
}

async function finish(
  env: RunEnvironment,
  runInfo: Record<string, unknown>,
  ok: boolean,
  message: string,
): Promise<RunOutcome> {
  await env.audit('finished', { ...runInfo, ok, message });
  return { ok, message };
}

/** The engine is stopping: nothing failed; the state stays, and the next start takes the run up. */
async function interrupted(env: RunEnvironment, runInfo: Record<string, unknown>, where: string): Promise<RunOutcome> {
  const message = `interrupted ${where}: the engine is stopping`;
  await env.audit('stopped', { ...runInfo, where, message });
  return { ok: false, message, interrupted: true };
}

/** One attempt, bounded even if the action ignores its signal. */
async function attemptOnce(
  action: FailoverAction,
  base: Omit<ActionContext, 'signal'>,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<{ ok: boolean; message: string; detail?: Record<string, unknown> }> {
  const controller = new AbortController();
  const onStop = () => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<{ ok: false; message: string }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, message: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const running = Promise.resolve().then(() => action.run({ ...base, signal: controller.signal }));
    // A command killed at the timeout reports its own (better) outcome; give it a moment.
    const first = await Promise.race([running, timedOut]);
    if (first.ok || !controller.signal.aborted) return first;
    return await Promise.race([
      running,
      new Promise<typeof first>((resolve) => setTimeout(() => resolve(first), KILL_REPORT_GRACE_MS)),
    ]);
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

async function propagate(
  policy: FailoverPolicyConfig,
  value: string,
  env: RunEnvironment,
  runInfo: Record<string, unknown>,
): Promise<{ converged: boolean; message: string } | null> {
  if (!policy.record || policy.resolvers.length === 0) return null;
  const record = { name: policy.record.name, type: policy.record.type };
  await env.audit('dns_propagation', {
    ...runInfo,
    phase: 'following',
    record: `${record.name} ${record.type}`,
    value,
    resolvers: policy.resolvers,
  });
  let lastConverged = '';
  const outcome = await followPropagation({
    resolvers: policy.resolvers,
    record,
    value,
    oldTtlMs: policy.record.ttl,
    timeoutMs: policy.verify.timeout,
    intervalMs: policy.verify.interval,
    query: env.query,
    now: env.now,
    signal: env.signal,
    onRound: (rows) => {
      env.propagation(rows);
      // Audit when the set of converged resolvers changes, not on every round.
      const converged = rows
        .filter((r) => r.converged)
        .map((r) => r.resolver)
        .join(',');
      if (converged !== lastConverged) {
        lastConverged = converged;
        // Progress is a read: the rounds go on without waiting for it to be written.
        void env.audit('dns_propagation', { ...runInfo, phase: 'progress', rows });
      }
    },
  });
  const stale = outcome.rows
    .filter((r) => !r.converged)
    .map((r) => `${r.resolver} answers ${r.answers.join(', ') || 'nothing'}`);
  const message = outcome.converged
    ? `all ${outcome.rows.length} resolvers return ${value} after ${outcome.elapsedMs} ms`
    : `${stale.join('; ')} (${outcome.end.replace('_', ' ')} after ${outcome.elapsedMs} ms)`;
  await env.audit('dns_propagation', {
    ...runInfo,
    phase: 'done',
    converged: outcome.converged,
    end: outcome.end,
    rounds: outcome.rounds,
    elapsedMs: outcome.elapsedMs,
    rows: outcome.rows,
    message,
  });
  return { converged: outcome.converged, message };
}

async function verify(
  policy: FailoverPolicyConfig,
  value: string,
  request: RunRequest,
  dnsChanged: boolean,
  env: RunEnvironment,
  runInfo: Record<string, unknown>,
): Promise<{ ok: boolean; message: string }> {
  const what: string[] = [];
  if (dnsChanged && policy.record && policy.resolvers.length > 0)
    what.push(`resolvers ${policy.resolvers.join(', ')} return ${value}`);
  const check = request.direction === 'failover' ? policy.verify.check : undefined;
  if (check) what.push(`check ${check} is up`);
  if (what.length === 0) return { ok: true, message: 'nothing to verify' };
  if (request.dryRun) {
    await env.audit('would_verify', { ...runInfo, verify: what });
    return { ok: true, message: 'dry run' };
  }
  await env.audit('verify_started', { ...runInfo, verify: what });
  // Propagation was already followed and required after each DNS change; what is left is the check.
  if (check) {
    const deadline = env.now() + policy.verify.timeout;
    while (env.checkStatus(check) !== 'up') {
      if (env.signal.aborted) return { ok: false, message: 'interrupted' };
      if (env.now() >= deadline) {
        const message = `check ${check} is ${env.checkStatus(check) ?? 'unknown'} after ${policy.verify.timeout} ms`;
        await env.audit('verify_failed', { ...runInfo, message });
        return { ok: false, message };
      }
      await pause(policy.verify.interval, env.signal);
    }
  }
  const message = `verified: ${what.join('; ')}`;
  await env.audit('verified', { ...runInfo, message });
  return { ok: true, message };
}
