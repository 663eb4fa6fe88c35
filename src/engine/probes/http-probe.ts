import { Client } from 'undici';
import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { classifyError } from './classify.ts';

type HttpCheck = Extract<ResolvedCheck, { type: 'http' }>;

/** Body bytes read at most; the rest is discarded unread. */
export const BODY_CAP_BYTES = 8 * 1024;
/** Connect timeout unless the check's own timeout is shorter (nginx's proxy_connect_timeout). */
const CONNECT_TIMEOUT_MS = 2_000;

function statusAccepted(check: HttpCheck, status: number): boolean {
  const accepted = check.expect.status;
  return accepted ? accepted.includes(status) : status >= 200 && status < 300;
}

/**
 * One HTTP probe on a fresh connection (so connect time is part of what is measured), bounded
 * by the check's timeout overall and by a cap on the body read.
 */
export async function httpProbe(check: HttpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const url = new URL(check.url);
  const deadline = AbortSignal.timeout(check.timeoutMs);
  const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const client = new Client(url.origin, {
    connectTimeout: Math.min(CONNECT_TIMEOUT_MS, check.timeoutMs),
    headersTimeout: check.timeoutMs,
    bodyTimeout: check.timeoutMs,
    pipelining: 0,
  });
  const fail = (errorClass: ProbeResult['errorClass'], message: string, httpStatus?: number): ProbeResult => ({
    checkId: check.id,
    startedAt,
    ok: false,
    latencyMs: performance.now() - t0,
    errorClass,
    message,
    ...(httpStatus === undefined ? {} : { httpStatus }),
  });
  try {
    const response = await client.request({
      path: url.pathname + url.search,
      method: check.method,
      headers: { 'user-agent': 'Knockon/0.1', ...check.headers },
      body: check.body ?? null,
      signal: abort,
    });
    const needBody = check.expect.body_contains !== undefined;
    let body = '';
    let truncated = false;
    if (needBody) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const room = BODY_CAP_BYTES - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (chunk.length >= room) {
          truncated = true;
          break;
        }
      }
      body = Buffer.concat(chunks).toString('utf8');
    }
    // Discard the rest unread. Destroying an unread body emits an AbortError: expected here.
    response.body.on('error', () => {});
    response.body.destroy();
    const latencyMs = performance.now() - t0;
    const status = response.statusCode;
    if (!statusAccepted(check, status)) return fail('http_status', `HTTP ${status}`, status);
    if (needBody && !body.includes(check.expect.body_contains!)) {
      return truncated
        ? fail('body_too_large', `"${check.expect.body_contains}" not in the first ${BODY_CAP_BYTES} bytes`, status)
        : fail('body_mismatch', `body does not contain "${check.expect.body_contains}"`, status);
    }
    return {
      checkId: check.id,
      startedAt,
      ok: true,
      latencyMs,
      errorClass: null,
      message: `HTTP ${status}`,
      httpStatus: status,
    };
  } catch (error) {
    if (deadline.aborted) return fail('timeout', `no answer within ${check.timeoutMs} ms`);
    const { errorClass, message } = classifyError(error);
    return fail(errorClass, message);
  } finally {
    client.destroy().catch(() => {});
  }
}
