import { isObserverFault, isSlow, type ProbeResult, type Status } from '../shared/model.ts';

export interface StatusRules {
  /** Consecutive failures before down (HAProxy's fall, Route 53's failure threshold). */
  fall: number;
  /** Consecutive successes before up again (HAProxy's rise). */
  rise: number;
  /** A success this slow or slower counts towards degraded; null disables it. */
  degradedLatencyMs: number | null;
  /** nginx's max_fails/fail_timeout instead of fall/rise for down and back; null for fall/rise. */
  failWindow?: FailWindow | null;
}

export interface FailWindow {
  maxFails: number;
  failTimeoutMs: number;
}

export interface CheckState {
  status: Status;
  since: number | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Consecutive successes at or above the degraded latency. */
  consecutiveSlow: number;
  /** Consecutive successes below the degraded latency. */
  consecutiveFast: number;
  /** With a fail window: times of the failures within it, the latest `maxFails` at most. */
  recentFailures?: readonly number[];
  /** With a fail window: while down, no success counts before this time. */
  outUntil?: number | null;
}

export const INITIAL_STATE: CheckState = {
  status: 'unknown',
  since: null,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  consecutiveSlow: 0,
  consecutiveFast: 0,
  recentFailures: [],
  outUntil: null,
};

/** Shared by every state without failures in a window (never written to: states are values). */
const NO_FAILURES: readonly number[] = Object.freeze([]);

/**
 * The status rules, as a pure function of (state, result, time).
 *
 * - unknown -> up on the first success (nothing was known, and now something good is);
 *   unknown -> down only after `fall` consecutive failures, like any other state.
 * - up/degraded -> down after `fall` consecutive failures; down -> up after `rise` consecutive
 *   successes. A single failure while up leaves the check up, with the count showing.
 * - degraded after `fall` consecutive slow successes; back to up after `rise` fast ones. A
 *   success the probe itself marks `degraded` (a certificate near expiry, a late heartbeat)
 *   counts as slow whatever its latency.
 * - A result that is the observer's own fault (`probe_error`: it could not probe;
 *   `config_error`: the check as configured cannot be asked) is not evidence about the target,
 *   so it changes nothing.
 * - With a fail window (nginx's max_fails/fail_timeout) instead of fall/rise: down once
 *   `maxFails` failures fall within `failTimeoutMs`, whatever successes came between them
 *   (nginx's documented window, not a consecutive count); then out for `failTimeoutMs`: no
 *   success counts before that, a failure starts the period again, and the first success
 *   after it makes the check up (nginx's single trial request), with the window emptied.
 */
export function nextState(prev: CheckState, result: ProbeResult, rules: StatusRules, now: number): CheckState {
  if (isObserverFault(result.errorClass)) return prev;
  const slow = isSlow(result, rules.degradedLatencyMs);
  const consecutiveFailures = result.ok ? 0 : prev.consecutiveFailures + 1;
  const consecutiveSuccesses = result.ok ? prev.consecutiveSuccesses + 1 : 0;
  const consecutiveSlow = slow ? prev.consecutiveSlow + 1 : 0;
  const consecutiveFast = result.ok && !slow ? prev.consecutiveFast + 1 : 0;

  const window = rules.failWindow ?? null;
  const recentFailures = window ? recentWithin(prev, result.ok, window, now) : NO_FAILURES;
  const downNow = window
    ? !result.ok && (recentFailures.length >= window.maxFails || prev.status === 'down')
    : consecutiveFailures >= rules.fall;
  const upAgain = window
    ? result.ok && (prev.outUntil == null || now >= prev.outUntil)
    : consecutiveSuccesses >= rules.rise;

  let status = prev.status;
  if (downNow) status = 'down';
  else if (prev.status === 'unknown' && result.ok) status = slow && consecutiveSlow >= rules.fall ? 'degraded' : 'up';
  else if (prev.status === 'down' && upAgain) status = consecutiveSlow >= rules.fall ? 'degraded' : 'up';
  else if (prev.status === 'up' && consecutiveSlow >= rules.fall) status = 'degraded';
  else if (prev.status === 'degraded' && consecutiveFast >= rules.rise) status = 'up';
  const backUp = prev.status === 'down' && status !== 'down';
  return {
    status,
    since: status !== prev.status ? now : prev.since,
    consecutiveFailures,
    consecutiveSuccesses,
    consecutiveSlow,
    consecutiveFast,
    recentFailures: backUp ? NO_FAILURES : recentFailures,
    outUntil: window && downNow ? now + window.failTimeoutMs : backUp ? null : (prev.outUntil ?? null),
  };
}

/** The failures still inside the window after this result, the latest `maxFails` at most. */
function recentWithin(prev: CheckState, ok: boolean, window: FailWindow, now: number): number[] {
  const kept = (prev.recentFailures ?? []).filter((at) => at > now - window.failTimeoutMs);
  if (!ok) kept.push(now);
  return kept.slice(-window.maxFails);
}

/**
 * Whether the check is part-way through a change of status: failures short of `fall`, or
 * successes (or slow successes) short of what would change it. While it is, a `fast_interval`
 * applies, as HAProxy's fastinter does, so the change is confirmed or dismissed sooner.
 */
export function isChanging(state: CheckState): boolean {
  switch (state.status) {
    case 'down':
      return state.consecutiveSuccesses > 0;
    case 'up':
      return state.consecutiveFailures > 0 || state.consecutiveSlow > 0 || (state.recentFailures?.length ?? 0) > 0;
    case 'degraded':
      return state.consecutiveFailures > 0 || state.consecutiveFast > 0;
    case 'unknown':
      return state.consecutiveFailures > 0;
    default:
      return false;
  }
}
