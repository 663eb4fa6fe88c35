/**
 * One HTTP POST of a JSON message, bounded: every attempt has a timeout, failures that may pass
 * (network errors, timeouts, 429, 5xx) are retried with exponential back-off up to a bounded
 * number of attempts, and the answer read is capped.
 */
import { request } from 'undici';
import { readBounded } from '../bounded-body.ts';
import type { Clock } from '../clock.ts';

export interface DeliveryOutcome {
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt; null when none came back. */
  status: number | null;
  /** What went wrong on the last attempt; null on success. */
  error: string | null;
}

export interface DeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  clock: Clock;
  /** Ends retries early (the engine stopping). */
  signal?: AbortSignal;
  /** Sent with every attempt (an Authorization header). */
  headers?: Readonly<Record<string, string>>;
}

const MAX_RESPONSE_BYTES = 16 * 1024;
const MAX_BACKOFF_MS = 5 * 60_000;

export async function postJson(url: string, body: unknown, options: DeliveryOptions): Promise<DeliveryOutcome> {
  let last: DeliveryOutcome = { ok: false, attempts: 0, status: null, error: 'not attempted' };
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (options.signal?.aborted) break;
    last = { ...(await attemptOnce(url, body, options)), attempts: attempt };
    if (last.ok || !retryable(last.status)) return last;
    if (attempt < options.maxAttempts) {
      await sleep(Math.min(MAX_BACKOFF_MS, options.backoffMs * 2 ** (attempt - 1)), options);
    }
  }
  return last;
}

function retryable(status: number | null): boolean {
  return status === null || status === 429 || status >= 500;
}

async function attemptOnce(
  url: string,
  body: unknown,
  options: DeliveryOptions,
): Promise<Omit<DeliveryOutcome, 'attempts'>> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Knockon', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const text = await readCapped(response.body);
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return {
      ok,
      status: response.statusCode,
      error: ok ? null : `HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`,
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, status: null, error: message };
  }
}

/** A receiver's answer, for the log: its first 16 KiB. */
export async function readCapped(body: AsyncIterable<Uint8Array> & { destroy?: () => void }): Promise<string> {
  return (await readBounded(body, MAX_RESPONSE_BYTES)).text;
}

function sleep(ms: number, options: DeliveryOptions): Promise<void> {
  return new Promise((resolve) => {
    const handle = options.clock.setTimeout(done, ms);
    function done() {
      options.signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      options.clock.clearTimeout(handle);
      resolve();
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
