import { clearLongTimeout, setLongTimeout, type LongTimer } from './long-timer.ts';

/** Time as the engine sees it. Injected so status rules and the scheduler test exactly. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers of any length: alarms, silences, repeat intervals and cooldowns may exceed 24.8 days. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (handle) => clearLongTimeout(handle as LongTimer),
};
