/**
 * Command: runs a program (no shell) with the switch's context in environment variables,
 * bounded by the attempt's timeout (the whole process group is killed, so a script's children
 * die with it) and with its output captured, capped, for the audit log.
 */
import { spawn } from 'node:child_process';
import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { errorMessage, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'command' }>;

/** Output kept per stream; the rest is counted but dropped. */
export const MAX_OUTPUT_BYTES = 16_384;
const KILL_GRACE_MS = 2_000;

export function commandEnv(ctx: Omit<ActionContext, 'signal'>): Record<string, string> {
  return {
    KNOCKON_POLICY: ctx.policyId,
    KNOCKON_POLICY_NAME: ctx.policyName,
    KNOCKON_DIRECTION: ctx.direction,
    KNOCKON_REASON: ctx.reason,
    KNOCKON_PRIMARY: ctx.primary,
    KNOCKON_BACKUP: ctx.backup,
    KNOCKON_FROM: ctx.previous,
    KNOCKON_TO: ctx.value,
    KNOCKON_RECORD: ctx.record?.name ?? '',
    KNOCKON_RECORD_TYPE: ctx.record?.type ?? '',
    KNOCKON_RECORD_TTL: ctx.record ? String(Math.round(ctx.record.ttlMs / 1000)) : '',
  };
}

export function commandAction(config: Config): FailoverAction {
  return {
    type: 'command',
    name: config.name ?? `command ${config.run[0]}`,
    changesDns: false,
    describe: (ctx) => ({ run: config.run, cwd: config.cwd ?? null, env: commandEnv(ctx), pass_env: config.pass_env }),
    run: (ctx) => runCommand(config, ctx),
  };
}

class Capture {
  text = '';
  dropped = 0;
  add(chunk: Buffer): void {
    const room = MAX_OUTPUT_BYTES - this.text.length;
    if (room > 0) this.text += chunk.toString('utf8', 0, Math.min(chunk.length, room));
    this.dropped += Math.max(0, chunk.length - Math.max(0, room));
  }
  toString(): string {
    return this.dropped > 0 ? `${this.text}\n[${this.dropped} more bytes dropped]` : this.text;
  }
}

function runCommand(config: Config, ctx: ActionContext): Promise<ActionOutcome> {
  const env: Record<string, string> = { PATH: ctx.env.PATH ?? '/usr/bin:/bin', ...commandEnv(ctx) };
  for (const name of config.pass_env) if (ctx.env[name] !== undefined) env[name] = ctx.env[name]!;
  return new Promise((resolve) => {
    const stdout = new Capture();
    const stderr = new Capture();
    let timedOut = false;
    let killTimer: ReturnType<typeof setTimeout> | null = null;
    const [program, ...args] = config.run;
    const child = spawn(program!, args, { cwd: config.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        // Negative pid: the whole process group the detached child leads.
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone, or no process groups (Windows): the child at least.
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      }
    };
    const onAbort = () => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const finish = (outcome: ActionOutcome) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve(outcome);
    };
    // The error listener goes first: a spawn that fails (EMFILE leaves no stdio pipes, so
    // stdout is null) must be an action failure, never an unhandled 'error' that ends the engine.
    child.once('error', (error) =>
      finish({ ok: false, message: `could not start ${program}: ${errorMessage(error)}` }),
    );
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.once('close', (code, signal) => {
      // The group may hold children that outlived the leader: they go too.
      killGroup('SIGKILL');
      const detail = { exitCode: code, signal, stdout: stdout.toString(), stderr: stderr.toString() };
      if (timedOut) finish({ ok: false, message: `${program} timed out and was killed`, detail });
      else if (code === 0) finish({ ok: true, message: `${program} exited 0`, detail });
      else finish({ ok: false, message: `${program} exited ${code ?? signal}`, detail });
    });
  });
}
