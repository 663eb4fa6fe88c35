import { z } from 'zod';
import { formatDuration, retentionDuration } from './duration.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const HISTORY_DEFAULTS = { raw: 7 * DAY, minute: 90 * DAY, hour: 365 * DAY } as const;

/** A retention that must be at least `min` (hour rollups are computed from raw results). */
const retention = (min: number, fallback: number) =>
  retentionDuration.refine((ms) => ms >= min, { error: `expected at least ${formatDuration(min)}` }).default(fallback);

/** How long the history database keeps each kind of data. Incidents are kept until deleted. */
export const historySchema = z
  .strictObject({
    retention: z
      .strictObject({
        /** Every probe result, with its details (phases, certificate, DNS answers). */
        raw: retention(2 * HOUR, HISTORY_DEFAULTS.raw),
        /** Per-minute rollups: count, failures, availability, latency min/avg/max and p50/p95/p99. */
        minute: retention(DAY, HISTORY_DEFAULTS.minute),
        /** Per-hour rollups, the same figures. */
        hour: retention(DAY, HISTORY_DEFAULTS.hour),
      })
      .default({ ...HISTORY_DEFAULTS }),
  })
  .default({ retention: { ...HISTORY_DEFAULTS } });

export type HistoryConfig = z.output<typeof historySchema>;
