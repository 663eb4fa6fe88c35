/**
 * Failed sign-ins are counted per user name and per client address in a sliding window; past
 * the limit, sign-in is refused (without checking the password) until the oldest failure leaves
 * the window. Per user stops guessing one account from many addresses; per address stops one
 * address trying many accounts. The clock is injected; memory is bounded.
 */
import type { Clock } from '../../engine/clock.ts';

export interface LoginLimits {
  maxFailures: number;
  windowMs: number;
}

/** Keys remembered at most: beyond it the stalest are dropped (an attacker cycling names). */
const MAX_KEYS = 10_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly clock: Clock;
  private readonly limits: LoginLimits;

  constructor(clock: Clock, limits: LoginLimits) {
    this.clock = clock;
    this.limits = limits;
  }

  /** Ms until a sign-in for this user from this address may be tried; 0 when it may now. */
  retryAfterMs(user: string, address: string): number {
    const now = this.clock.now();
    let wait = 0;
    for (const key of keys(user, address)) {
      const recent = this.recent(key, now);
      if (recent.length >= this.limits.maxFailures) {
        wait = Math.max(wait, recent[recent.length - this.limits.maxFailures]! + this.limits.windowMs - now);
      }
    }
    return wait;
  }

  fail(user: string, address: string): void {
    const now = this.clock.now();
    for (const key of keys(user, address)) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key);
      this.failures.set(key, recent.slice(-this.limits.maxFailures));
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A good sign-in clears the user's count (not the address's: it may be trying others). */
  succeed(user: string): void {
    this.failures.delete(`user:${user.toLowerCase()}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.limits.windowMs);
  }
}

function keys(user: string, address: string): string[] {
  return [`user:${user.toLowerCase()}`, `address:${address}`];
}
