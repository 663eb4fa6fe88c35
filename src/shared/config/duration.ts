import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses "500ms", "2s", "1.5m", "1h", "7d" to milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** No setting needs more, and a bound keeps timers and arithmetic sane (history retention fits). */
export const MAX_DURATION_DAYS = 3650;
const MAX_DURATION_MS = MAX_DURATION_DAYS * 86_400_000;

/**
 * A duration written with its unit. Bare numbers are refused on purpose: "5" could mean
 * seconds or milliseconds, and a wall display must not guess.
 */
export const duration = z
  .string({ error: 'expected a duration with a unit (ms, s, m, h, d), such as "500ms", "5s", "1m"' })
  .regex(DURATION, {
    error: (issue) => `expected a duration with a unit (ms, s, m, h, d) such as "5s", got "${String(issue.input)}"`,
  })
  .transform((text) => parseDuration(text)!)
  .refine((ms) => ms <= MAX_DURATION_MS, { error: `at most ${MAX_DURATION_DAYS}d (ten years)` })
  .meta({ description: 'A duration with its unit: "500ms", "5s", "1m", "1h", "7d".' });

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
