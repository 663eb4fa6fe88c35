import { z } from 'zod';
import { durationAtMost, timeoutDuration } from './duration.ts';
import { httpCredentials, oneCredential } from './http-credentials.ts';

/**
 * Prometheus remote write 1.0: every result pushed as samples to a Prometheus-compatible store
 * (Prometheus, Mimir, Thanos Receive, VictoriaMetrics, Cortex). The queue's names follow
 * Prometheus's own `queue_config` (capacity, max_samples_per_send, batch_send_deadline,
 * min_backoff, max_backoff) so a reader who knows one knows the other.
 */
export const REMOTE_WRITE_QUEUE_DEFAULTS = {
  capacity: 50_000,
  /**
   * Prometheus's default is 2,000; 5,000 halves the posts at 500 results/s and cut the CPU remote
   * write adds under load from 0.026-0.029 to 0.021-0.022 s per 1,000 results (docs/BENCHMARKS.md).
   * A full batch is about 70 kB compressed, far inside any receiver's request limit.
   */
  max_samples_per_send: 5_000,
  batch_send_deadline: 5_000,
  min_backoff: 30,
  max_backoff: 5_000,
} as const;

const queueSchema = z
  .strictObject({
    /** Samples held while the receiver is slow or away; past it the oldest are dropped (and counted). */
    capacity: z.int().min(100).max(10_000_000).default(REMOTE_WRITE_QUEUE_DEFAULTS.capacity),
    max_samples_per_send: z.int().min(1).max(100_000).default(REMOTE_WRITE_QUEUE_DEFAULTS.max_samples_per_send),
    /** The longest a sample waits for a fuller batch. */
    batch_send_deadline: durationAtMost(60_000).default(REMOTE_WRITE_QUEUE_DEFAULTS.batch_send_deadline),
    min_backoff: durationAtMost(60_000).default(REMOTE_WRITE_QUEUE_DEFAULTS.min_backoff),
    max_backoff: durationAtMost(600_000).default(REMOTE_WRITE_QUEUE_DEFAULTS.max_backoff),
  })
  .refine((q) => q.max_samples_per_send <= q.capacity, {
    error: 'max_samples_per_send must not exceed capacity',
    path: ['max_samples_per_send'],
  })
  .refine((q) => q.min_backoff <= q.max_backoff, {
    error: 'min_backoff must not exceed max_backoff',
    path: ['min_backoff'],
  })
  .default({ ...REMOTE_WRITE_QUEUE_DEFAULTS });

export const remoteWriteSchema = z
  .strictObject({
    /** The receiver's write path: Prometheus /api/v1/write, Mimir /api/v1/push, VictoriaMetrics /api/v1/write. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    /** A name for health, logs and /metrics; the url's host when absent. */
    name: z.string().min(1).max(64).optional(),
    ...httpCredentials,
    /** Extra headers, such as X-Scope-OrgID for a multi-tenant Mimir or THANOS-TENANT for Thanos Receive. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
    /** One request, connect to last byte. */
    remote_timeout: timeoutDuration.default(30_000),
    queue: queueSchema,
  })
  .superRefine((w, ctx) => oneCredential(w, ctx));

export const remoteWriteListSchema = z.array(remoteWriteSchema).max(8).default([]);

export type RemoteWriteConfig = z.output<typeof remoteWriteSchema>;
