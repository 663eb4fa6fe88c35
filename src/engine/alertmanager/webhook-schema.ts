/**
 * Alertmanager's webhook body, version 4 (its documented webhook_config payload), parsed before
 * anything reads it. Extra fields a newer Alertmanager adds are ignored, not refused.
 */
import { z } from 'zod';

const labels = z
  .record(z.string().max(256), z.string().max(4_000))
  .refine((l) => Object.keys(l).length <= 128, { error: 'expected at most 128 labels' });

const time = z.string().max(64);

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: time,
  endsAt: time,
  generatorURL: z.string().max(8_192).optional(),
  /** Alertmanager's hash of the labels (0.19 and later); computed from the labels when absent. */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{1,32}$/)
    .optional(),
});

export const webhookSchema = z.object({
  version: z.literal('4', { error: 'expected version "4" (Alertmanager\'s webhook format)' }),
  groupKey: z.string().max(8_192),
  truncatedAlerts: z.int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1_000),
  alerts: z.array(webhookAlertSchema).max(1_000),
});

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type Webhook = z.output<typeof webhookSchema>;

/** RFC 3339 to ms; null for Go's zero time (0001-01-01, "not set") and anything unreadable. */
export function webhookTime(text: string): number | null {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
