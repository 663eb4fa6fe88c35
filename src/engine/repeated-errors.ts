import type { Clock } from './clock.ts';

type Log = (level: 'error', message: string) => void;

/** Distinct kinds of error remembered at once; a flood of distinct ones is bounded too. */
const MAX_KINDS = 256;

/**
 * Says an error once, then counts its repeats: a fault that recurs on every result (a full
 * disk, a broken module) gives one line a minute with a count, not thousands of stack traces
 * that bury the log and fill the very disk that is full.
 */
export class RepeatedErrors {
  private readonly seen = new Map<string, { since: number; repeats: number }>();
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly windowMs: number;

  constructor(clock: Clock, log: Log, windowMs = 60_000) {
    this.clock = clock;
    this.log = log;
    this.windowMs = windowMs;
  }

  /**
   * An exception caught by a guard: the same `kind` of place with the same error message counts
   * as one error, whatever else its context says (the check it happened on, say).
   */
  reportError(kind: string, context: string, error: unknown): void {
    this.report(
      `${kind}:${error instanceof Error ? error.message : String(error)}`,
      `${context}: ${describeError(error)}`,
    );
  }

  /** Logs `message` unless an error of the same `kind` was logged within the window. */
  report(kind: string, message: string): void {
    const now = this.clock.now();
    const entry = this.seen.get(kind);
    if (entry && now - entry.since < this.windowMs) {
      entry.repeats++;
      return;
    }
    const repeats = entry?.repeats ?? 0;
    const minutes = Math.round(this.windowMs / 60_000);
    this.log('error', repeats > 0 ? `${message} (${repeats} more like it in the last ${minutes} min)` : message);
    this.seen.delete(kind);
    if (this.seen.size >= MAX_KINDS) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(kind, { since: now, repeats: 0 });
  }
}

/** An error for the log: its stack where there is one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
