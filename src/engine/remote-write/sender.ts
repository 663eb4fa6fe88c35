/**
 * One remote-write queue and its sender: samples in (cheap, never blocking), batches out as
 * HTTP POSTs by the remote write 1.0 spec, one request at a time.
 *
 * The probe path only pushes onto a bounded ring; encoding, compression and I/O run later on
 * a timer. Retries follow the spec: network errors, timeouts, 5xx and 429 are retried with
 * exponential back-off and jitter (Retry-After honoured); any other 4xx means the receiver will
 * never take the batch, so it is dropped and counted. While a batch is retried the ring keeps
 * filling and, once full, drops its oldest samples: memory stays bounded by `capacity` plus
 * one batch of `max_samples_per_send`.
 */
import { Agent } from 'undici';
import type { RemoteWriteConfig } from '../../shared/config/remote-write.ts';
import type { RemoteWriteHealth } from '../../shared/model.ts';
import type { Clock } from '../clock.ts';
import { readCapped } from '../notify/deliver.ts';
import { emptyBatch, SampleQueue, type Batch } from './queue.ts';
import { WriteRequestEncoder, type EncodedLabels } from './wire.ts';

export interface SenderOptions {
  clock: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /** [0, 1); injected so back-off tests are exact. */
  random?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** The longest Retry-After honoured: a receiver asking for more is capped, not obeyed blindly. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

type Attempt = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterMs: number | null };

export class RemoteWriteSender {
  readonly name: string;
  private readonly config: RemoteWriteConfig;
  private readonly options: SenderOptions;
  private readonly queue: SampleQueue;
  /** Kept and reused: one batch is taken, encoded and sent at a time. */
  private readonly batch: Batch;
  private readonly encoder = new WriteRequestEncoder();
  private readonly agent: Agent;
  /** The URL taken apart once (undici would parse it again for every request). */
  private readonly origin: string;
  private readonly path: string;
  private readonly abort = new AbortController();
  private timer: unknown = null;
  /** Whether the pending timer is the full batch's (no delay): pushes meanwhile leave it alone. */
  private timerNow = false;
  private sending = false;
  private stopped = false;
  private counts = { sent: 0, droppedRejected: 0, failedRequests: 0 };
  private retrying = false;
  private lastError: string | null = null;
  private lastSentAt: number | null = null;
  /** Resolves when the sender goes idle; for stop() and tests. */
  private idleWaiters: (() => void)[] = [];

  constructor(config: RemoteWriteConfig, options: SenderOptions) {
    this.config = config;
    this.options = options;
    const url = new URL(config.url);
    this.name = config.name ?? url.host;
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    this.queue = new SampleQueue(config.queue.capacity);
    this.batch = emptyBatch(config.queue.max_samples_per_send);
    this.agent = new Agent({ connections: 1, connectTimeout: config.remote_timeout });
  }

  push(labels: EncodedLabels, value: number, timestampMs: number): void {
    if (this.stopped) return;
    this.queue.push(labels, value, timestampMs);
    this.schedule();
  }

  health(): RemoteWriteHealth {
    return {
      name: this.name,
      queued: this.queue.length,
      capacity: this.queue.capacity,
      ...this.counts,
      droppedQueueFull: this.queue.dropped,
      retrying: this.retrying,
      lastError: this.lastError,
      lastSentAt: this.lastSentAt,
    };
  }

  /** Waits until nothing is queued or in flight (bounded by the caller's own timeout). */
  drained(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.abort.abort();
    await this.agent.close().catch(() => undefined);
  }

  /** A full batch goes out on the next turn; a partial one waits at most batch_send_deadline. */
  private schedule(): void {
    if (this.sending || this.stopped || this.queue.length === 0) return;
    const full = this.queue.length >= this.config.queue.max_samples_per_send;
    if (this.timer !== null) {
      if (!full || this.timerNow) return;
      this.options.clock.clearTimeout(this.timer);
    }
    this.timerNow = full;
    this.timer = this.options.clock.setTimeout(
      () => {
        this.timer = null;
        void this.sendBatch();
      },
      full ? 0 : this.config.queue.batch_send_deadline,
    );
  }

  private async sendBatch(): Promise<void> {
    if (this.sending || this.stopped) return;
    this.sending = true;
    const batch = this.queue.take(this.config.queue.max_samples_per_send, this.batch);
    // The encoder's own buffer: this batch's attempts are over before the next is encoded.
    const body = this.encoder.body(batch);
    for (let attempt = 0; !this.stopped; attempt++) {
      const outcome = await this.post(body);
      if (outcome.ok) {
        this.counts.sent += batch.length;
        this.lastSentAt = Date.now();
        this.lastError = null;
        break;
      }
      this.lastError = outcome.error;
      if (!outcome.retry) {
        this.counts.droppedRejected += batch.length;
        this.options.log?.('warn', `remote write ${this.name}: ${batch.length} samples refused: ${outcome.error}`);
        break;
      }
      this.counts.failedRequests++;
      if (!this.retrying) this.options.log?.('warn', `remote write ${this.name}: retrying: ${outcome.error}`);
      this.retrying = true;
      await this.sleep(outcome.retryAfterMs ?? this.backoff(attempt));
    }
    if (this.retrying && !this.stopped) this.options.log?.('info', `remote write ${this.name}: sending again`);
    this.retrying = false;
    this.sending = false;
    if (this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.schedule();
  }

  /** Exponential back-off with equal jitter: half the step fixed, half random. */
  private backoff(attempt: number): number {
    const { min_backoff, max_backoff } = this.config.queue;
    const step = Math.min(max_backoff, min_backoff * 2 ** Math.min(attempt, 30));
    return step / 2 + (this.options.random ?? Math.random)() * (step / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.options.clock.setTimeout(finish, ms);
      const signal = this.abort.signal;
      function finish() {
        signal.removeEventListener('abort', cancel);
        resolve();
      }
      const cancel = () => {
        this.options.clock.clearTimeout(handle);
        resolve();
      };
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  private headers(): Record<string, string> | string {
    const env = this.options.env ?? process.env;
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'Knockon',
    };
    const { bearer_token_env, basic_auth } = this.config;
    const secretName = bearer_token_env ?? basic_auth?.password_env;
    if (secretName === undefined) return headers;
    const secret = env[secretName];
    if (secret === undefined || secret === '') return `environment variable ${secretName} is not set`;
    headers.authorization = basic_auth
      ? `Basic ${Buffer.from(`${basic_auth.username}:${secret}`).toString('base64')}`
      : `Bearer ${secret}`;
    return headers;
  }

  private async post(body: Uint8Array): Promise<Attempt> {
    const headers = this.headers();
    // A secret not set yet may be set later (the service's environment is fixed): retry, not drop.
    if (typeof headers === 'string') return { ok: false, retry: true, error: headers, retryAfterMs: null };
    const timeout = this.config.remote_timeout;
    // One controller and one timer per request, cleared when it ends: AbortSignal.any and
    // AbortSignal.timeout cost more than the rest of a request's own work (bench/remote-write.ts).
    const controller = new AbortController();
    const stop = () => controller.abort(this.abort.signal.reason);
    const timer = setTimeout(
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeout,
    );
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      const response = await this.agent.request({
        origin: this.origin,
        path: this.path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await readCapped(response.body);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      return {
        ok: false,
        retry: status === 429 || status >= 500,
        error: `HTTP ${status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`,
        retryAfterMs: retryAfter(response.headers['retry-after'], Date.now()),
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, retry: true, error: message, retryAfterMs: null };
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', stop);
    }
  }
}

/** Retry-After in seconds or as an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfter(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(seconds)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds));
}
