import { z } from 'zod';
import { formatDuration, retentionDuration } from './duration.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Minute rollups are read by the charts up to 7 days (24 h and 7 d series, short availability);
 * 30 days keeps a month of them for a closer look while a year of history at 1,000 checks
 * every 10 s stays under 10 GB (docs/BENCHMARKS.md; 90 days of them alone were 15 GB).
 */
export const HISTORY_DEFAULTS = { raw: 7 * DAY, minute: 30 * DAY, hour: 365 * DAY } as const;

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
