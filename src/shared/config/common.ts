import { z } from 'zod';
import { duration, timeoutDuration } from './duration.ts';
import { missingVantageSchema, quorumRuleSchema } from './quorum.ts';

/** Whether the runtime knows an IANA time zone name (the board's clock, a maintenance window). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Ids are referenced from other parts of the config and appear in URLs and the database. */
export const id = z
  .string({ error: 'expected an id (letters, digits, "-", "_", ".")' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    error: 'expected an id of 1-64 letters, digits, "-", "_" or "." starting with a letter or digit',
  });

/** Fields every check type shares. Optional ones fall back to `defaults`. */
export const checkCommon = {
  id,
  name: z.string().min(1).optional(),
  region: id.optional(),
  interval: duration.optional(),
  timeout: timeoutDuration.optional(),
  fall: z.int().min(1).max(100).optional(),
  rise: z.int().min(1).max(100).optional(),
  /**
   * nginx's rule instead of fall/rise: down once this many failures fall within `fail_timeout`,
   * then out for `fail_timeout` (nginx's default 10s when only this is given).
   */
  max_fails: z.int().min(1).max(100).optional(),
  /** The window of `max_fails`, and how long a check it marks down stays out (max_fails 1 when alone). */
  fail_timeout: duration.optional(),
  /** Latency at or above this makes a successful probe count towards degraded. */
  degraded_latency: timeoutDuration.optional(),
  /**
   * Probe this often while the check is changing state (failures short of `fall`, or successes
   * short of `rise`), so a real change is confirmed sooner: HAProxy's fastinter.
   */
  fast_interval: duration.optional(),
  /** Where the check is probed from: vantage ids (this machine's `vantage.id`, or `vantages[].id`). */
  vantages: z.array(id).min(1).max(64).optional(),
  /** How those vantages decide together; defaults.quorum when absent. */
  quorum: quorumRuleSchema.optional(),
  missing_vantage: missingVantageSchema.optional(),
  /**
   * `false` pauses the check (Gatus's `enabled`): it is not probed, here or by agents, and the
   * board shows it paused with status unknown, which holds its alerts as they are.
   */
  enabled: z.boolean().optional(),
};
