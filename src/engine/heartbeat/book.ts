import { createHash, timingSafeEqual } from 'node:crypto';
import type { HeartbeatDetails, ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { Clock } from '../clock.ts';

type HeartbeatCheck = Extract<ResolvedCheck, { type: 'heartbeat' }>;

export interface Beat {
  status?: 'up' | 'down' | undefined;
  message?: string | undefined;
  value?: number | undefined;
}

interface Slot {
  check: HeartbeatCheck;
  /** SHA-256 of the token, so comparisons take constant time whatever was presented. */
  tokenHash: Buffer | null;
  /** Why there is no token, when there is none. */
  tokenProblem: string | null;
  /** When the engine started waiting for this check's beats: the age before the first one. */
  waitingSince: number;
  last: { at: number; status: 'up' | 'down' | null; message: string | null; value: number | null } | null;
}

export type RecordOutcome = 'recorded' | 'unauthorized';

const MAX_MESSAGE = 200;

function hash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * The heartbeats received so far, and the rule that turns them into results. The listener
 * records beats; the scheduler evaluates each heartbeat check on its interval, with the
 * injected clock, so the thresholds test exactly.
 */
export class HeartbeatBook {
  private slots = new Map<string, Slot>();
  private readonly clock: Clock;
  private readonly env: Record<string, string | undefined>;

  constructor(clock: Clock, env: Record<string, string | undefined> = process.env) {
    this.clock = clock;
    this.env = env;
  }

  /** Takes the heartbeat checks of a new config; beats already received for kept ids stay. */
  configure(checks: readonly ResolvedCheck[]): void {
    const next = new Map<string, Slot>();
    const now = this.clock.now();
    for (const check of checks) {
      if (check.type !== 'heartbeat') continue;
      const old = this.slots.get(check.id);
      const token = check.token_env !== undefined ? this.env[check.token_env] : check.token;
      const tokenProblem =
        token === undefined || token === ''
          ? `environment variable ${check.token_env} is not set: no heartbeat can be accepted`
          : null;
      next.set(check.id, {
        check,
        tokenHash: tokenProblem ? null : hash(token!),
        tokenProblem,
        waitingSince: old?.waitingSince ?? now,
        last: old?.last ?? null,
      });
    }
    this.slots = next;
  }

  /** Records a heartbeat if the token is right. Unknown ids and wrong tokens look alike to the caller. */
  /** Whether a token may beat for this check: asked before the request's body is even read. */
  authorised(id: string, token: string): boolean {
    const slot = this.slots.get(id);
    return Boolean(slot?.tokenHash && timingSafeEqual(slot.tokenHash, hash(token)));
  }

  record(id: string, token: string, beat: Beat): RecordOutcome {
    const slot = this.slots.get(id);
    if (!slot || !this.authorised(id, token)) return 'unauthorized';
    slot.last = {
      at: this.clock.now(),
      status: beat.status ?? null,
      message: beat.message === undefined ? null : beat.message.slice(0, MAX_MESSAGE),
      value: beat.value ?? null,
    };
    return 'recorded';
  }

  /**
   * The result of one evaluation: down (heartbeat_missed) once `down_after` has passed since
   * the last beat, or since the engine started waiting when none came; degraded once
   * `degraded_after` has (without `down_after`, that is as bad as silence gets); down at once when the service itself reported down. Before the
   * first beat and before `down_after`, there is no evidence either way (probe_error, which
   * the status rules ignore).
   */
  evaluate(check: HeartbeatCheck): ProbeResult {
    const now = this.clock.now();
    const slot = this.slots.get(check.id);
    const last = slot?.last ?? null;
    const ageMs = now - (last?.at ?? slot?.waitingSince ?? now);
    const heartbeat: HeartbeatDetails = {
      lastBeatAt: last?.at ?? null,
      ageMs: last ? ageMs : null,
      reportedStatus: last?.status ?? null,
      message: last?.message ?? null,
      value: last?.value ?? null,
    };
    const result = (ok: boolean, errorClass: ProbeResult['errorClass'], message: string, degraded = false) => ({
      checkId: check.id,
      startedAt: now,
      ok,
      latencyMs: null,
      errorClass,
      message,
      heartbeat,
      ...(degraded ? { degraded } : {}),
    });
    if (!slot) return result(false, 'probe_error', 'heartbeat check not configured');
    if (slot.tokenProblem) return result(false, 'probe_error', slot.tokenProblem);
    if (check.down_after !== undefined && ageMs >= check.down_after) {
      return result(
        false,
        'heartbeat_missed',
        last
          ? `no heartbeat for ${ageMs} ms (down after ${check.down_after} ms)`
          : `no heartbeat since the engine started ${ageMs} ms ago`,
      );
    }
    const late = check.degraded_after !== undefined && ageMs >= check.degraded_after;
    // A degraded-only check (no down_after) says "late" even before the first beat: silence is
    // the very thing it watches, and it never claims more than degraded.
    if (!last && late && check.down_after === undefined) {
      return result(
        true,
        null,
        `no heartbeat since the engine started ${ageMs} ms ago (degraded after ${check.degraded_after} ms)`,
        true,
      );
    }
    if (!last) return result(false, 'probe_error', 'waiting for the first heartbeat');
    const said = last.message ? `: ${last.message}` : '';
    if (last.status === 'down') return result(false, 'heartbeat_reported_down', `service reported down${said}`);
    if (late) {
      return result(
        true,
        null,
        `last heartbeat ${ageMs} ms ago (degraded after ${check.degraded_after} ms)${said}`,
        true,
      );
    }
    return result(true, null, `last heartbeat ${ageMs} ms ago${said}`);
  }
}
