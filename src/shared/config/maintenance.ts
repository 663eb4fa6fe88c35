import { z } from 'zod';
import { id, isTimeZone } from './common.ts';
import { durationAtMost } from './duration.ts';

const DAY = 86_400_000;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const instant = z
  .string({ error: 'expected a time with its zone, such as 2026-12-05T02:00:00Z' })
  .refine((text) => /(Z|[+-]\d\d:\d\d)$/.test(text) && Number.isFinite(Date.parse(text)), {
    error: 'expected an ISO 8601 time with its zone (Z or +hh:mm), such as 2026-12-05T02:00:00Z',
  })
  .transform((text) => Date.parse(text));

/**
 * A recurring window: on the given weekdays (every day when absent), at a local time in a named
 * zone (UTC when absent), lasting `for`. A window may cross midnight (23:30 for 2h); local times
 * follow the zone's daylight-saving changes.
 */
const recurringSchema = z.strictObject({
  days: z
    .array(z.enum(WEEKDAYS, { error: `expected a weekday: ${WEEKDAYS.join(', ')}` }))
    .min(1)
    .optional(),
  at: z
    .string({ error: 'expected a local time such as "23:30"' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a local time HH:MM such as "23:30"' }),
  for: durationAtMost(7 * DAY),
  timezone: z.string().refine(isTimeZone, { error: 'expected an IANA time zone such as Europe/London' }).default('UTC'),
});

/**
 * An occurrence of a recurring window ended early from the board ("End now"): the occurrence that
 * starts at `occurrence` ends at `at` instead; the schedule and its later occurrences stay.
 */
const endedSchema = z.strictObject({ occurrence: instant, at: instant });

/**
 * A planned maintenance window: its checks show `maintenance`, their alerts are held and their
 * availability is not charged. One-off (`start` and `end`) or recurring (`every`).
 */
export const maintenanceWindowSchema = z
  .strictObject({
    id,
    name: z.string().min(1).optional(),
    checks: z.array(id).default([]),
    components: z.array(id).default([]),
    regions: z.array(id).default([]),
    start: instant.optional(),
    end: instant.optional(),
    every: recurringSchema.optional(),
    ended: z.array(endedSchema).max(1_000).default([]),
  })
  .superRefine((w, ctx) => {
    const oneOff = w.start !== undefined || w.end !== undefined;
    if (oneOff === (w.every !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a window has either start and end (one-off) or every (recurring)' });
    } else if (oneOff && (w.start === undefined || w.end === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [w.start === undefined ? 'start' : 'end'],
        message: 'expected both start and end',
      });
    } else if (oneOff && w.end! <= w.start!) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'expected end after start' });
    }
    if (w.ended.length > 0 && w.every === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ended'],
        message: 'only a recurring window (every) has ended occurrences; a one-off window ends at its end',
      });
    }
    w.ended.forEach((e, i) => {
      if (e.at <= e.occurrence) {
        ctx.addIssue({ code: 'custom', path: ['ended', i, 'at'], message: 'expected at after the occurrence start' });
      }
    });
    if (w.checks.length + w.components.length + w.regions.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected checks, components or regions for the window to cover' });
    }
  });

export const maintenanceSchema = z.array(maintenanceWindowSchema).max(1_000).default([]);

export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;

/** Each window names checks, components and regions the config defines. */
export function validateMaintenance(
  config: {
    maintenance: MaintenanceWindow[];
    checks: { id: string }[];
    components: { id: string }[];
    regions: { id: string }[];
  },
  ctx: z.RefinementCtx,
): void {
  const known = {
    checks: new Set(config.checks.map((c) => c.id)),
    components: new Set(config.components.map((c) => c.id)),
    regions: new Set(config.regions.map((r) => r.id)),
  };
  const seen = new Set<string>();
  config.maintenance.forEach((w, i) => {
    if (seen.has(w.id)) {
      ctx.addIssue({ code: 'custom', path: ['maintenance', i, 'id'], message: `duplicate window id "${w.id}"` });
    }
    seen.add(w.id);
    for (const field of ['checks', 'components', 'regions'] as const) {
      w[field].forEach((ref, j) => {
        if (!known[field].has(ref)) {
          ctx.addIssue({
            code: 'custom',
            path: ['maintenance', i, field, j],
            message: `unknown ${field.slice(0, -1)} "${ref}"`,
          });
        }
      });
    }
  });
}
