import { WireResultSchema, type WireResult } from '../shared/agent-protocol.ts';
import type { ProbeResult } from '../shared/model.ts';

/**
 * One result's JSON at most: a DNS check with many resolvers and answers can describe far more
 * than a sync should carry, so past this the details go and the verdict stays.
 */
export const MAX_WIRE_RESULT_CHARS = 64 * 1024;

/**
 * A probe result as the centre accepts it (src/shared/agent-protocol.ts): the fields the wire
 * knows, text within its bounds, details dropped when they would not fit. Null only for a
 * result no schema could carry (no check id), which the caller counts. With its JSON, made once:
 * the size check needs it, and the buffer keeps it.
 */
export function wireEntry(result: ProbeResult, observerOffline: boolean): { result: WireResult; json: string } | null {
  const full = {
    checkId: result.checkId,
    startedAt: result.startedAt,
    ok: result.ok,
    latencyMs: result.latencyMs,
    errorClass: result.errorClass,
    message: clip(result.message, 2_000),
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result.degraded !== undefined ? { degraded: result.degraded } : {}),
    ...(result.phases !== undefined ? { phases: result.phases } : {}),
    ...(result.tls !== undefined
      ? {
          tls: { ...result.tls, subject: clip(result.tls.subject, 1_000), issuer: clip(result.tls.issuer, 1_000) },
        }
      : {}),
    ...(result.dns !== undefined ? { dns: result.dns } : {}),
    ...(result.finalUrl !== undefined ? { finalUrl: clip(result.finalUrl, 8_192) } : {}),
    ...(result.shortage !== undefined ? { shortage: result.shortage } : {}),
    ...(observerOffline ? { observerOffline: true } : {}),
  };
  const parsed = WireResultSchema.safeParse(full);
  if (parsed.success) {
    const json = JSON.stringify(parsed.data);
    if (json.length <= MAX_WIRE_RESULT_CHARS) return { result: parsed.data, json };
  }
  // The verdict alone: whatever detail was out of bounds is described in the message.
  const bare = WireResultSchema.safeParse({
    checkId: result.checkId,
    startedAt: result.startedAt,
    ok: result.ok,
    latencyMs:
      typeof result.latencyMs === 'number' && Number.isFinite(result.latencyMs) && result.latencyMs >= 0
        ? result.latencyMs
        : null,
    errorClass: WireResultSchema.shape.errorClass.safeParse(result.errorClass).data ?? null,
    message: clip(`${String(result.message)} (details too large to send)`, 2_000),
    ...(observerOffline ? { observerOffline: true } : {}),
  });
  return bare.success ? { result: bare.data, json: JSON.stringify(bare.data) } : null;
}

function clip(text: unknown, max: number): string {
  const s = typeof text === 'string' ? text : String(text);
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
