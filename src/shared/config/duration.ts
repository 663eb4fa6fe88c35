import { z } from 'zod';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: HOUR, d: DAY } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses "500ms", "2s", "1.5m", "1h", "7d" to milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/**
 * Upper bounds, so a typo ("400d" for "40d") is an error naming the field rather than a timer
 * nobody expects, and arithmetic on due times stays far from overflow. Timers themselves cope
 * with any length (src/engine/long-timer.ts).
 */
export const DURATION_LIMITS = {
  /** Intervals, holds, cooldowns, waits: nothing on a status board is scheduled further out. */
  general: 365 * DAY,
  /** One probe, attempt or delivery: a wait this long is a mistake, and it holds a slot meanwhile. */
  timeout: HOUR,
  /** How long history is kept: rollups are worth keeping for years. */
  retention: 3650 * DAY,
} as const;

/**
 * A duration written with its unit, at most `maxMs`. Bare numbers are refused on purpose: "5"
 * could mean seconds or milliseconds, and a wall display must not guess.
 */
export function durationAtMost(maxMs: number) {
  return z
    .string({ error: 'expected a duration with a unit (ms, s, m, h, d), such as "500ms", "5s", "1m"' })
    .regex(DURATION, {
      error: (issue) => `expected a duration with a unit (ms, s, m, h, d) such as "5s", got "${String(issue.input)}"`,
    })
    .transform((text) => parseDuration(text)!)
    .refine((ms) => ms <= maxMs, {
      error: (issue) => `expected at most ${formatDuration(maxMs)}, got ${formatDuration(issue.input as number)}`,
    })
    .meta({
      description: `A duration with its unit ("500ms", "5s", "1m", "1h", "7d"), at most ${formatDuration(maxMs)}.`,
    });
}

export const duration = durationAtMost(DURATION_LIMITS.general);
export const timeoutDuration = durationAtMost(DURATION_LIMITS.timeout);
export const retentionDuration = durationAtMost(DURATION_LIMITS.retention);

export function formatDuration(ms: number): string {
  if (ms % DAY === 0 && ms > 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0 && ms > 0) return `${ms / HOUR}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
