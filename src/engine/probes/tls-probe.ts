import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { ErrorClass, ObserverShortage, ProbeResult, TlsDetails } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { classifyError } from './classify.ts';
import { describeChain, expiryVerdict, trustedCas, verifyPeer } from './tls-cert.ts';

type TlsCheck = Extract<ResolvedCheck, { type: 'tls' }>;

/**
 * Completes a TLS handshake and judges the certificate: trust, hostname, expiry and the
 * `min_days_left` rule. The chain is described in the result even when it is rejected.
 */
export function tlsProbe(check: TlsCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const servername = check.tls.server_name ?? (isIP(check.host) ? undefined : check.host);
  return new Promise<ProbeResult>((resolve) => {
    let socket: TLSSocket | null = null;
    let settled = false;
    const settle = (
      ok: boolean,
      errorClass: ErrorClass | null,
      message: string,
      tls: TlsDetails | null = null,
      degraded = false,
      shortage?: ObserverShortage,
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve({
        checkId: check.id,
        startedAt,
        ok,
        latencyMs: performance.now() - t0,
        errorClass,
        message,
        ...(tls ? { tls } : {}),
        ...(degraded ? { degraded } : {}),
        ...(shortage ? { shortage } : {}),
      });
    };
    const failWith = (error: unknown) => {
      const { errorClass, message, shortage } = classifyError(error);
      settle(false, errorClass, message, null, false, shortage);
    };
    const onAbort = () => settle(false, 'probe_error', 'probe cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => settle(false, 'timeout', `no handshake within ${check.timeoutMs} ms`),
      check.timeoutMs,
    );
    try {
      socket = connect({
        host: check.host,
        port: check.port,
        servername,
        rejectUnauthorized: false,
        ca: trustedCas(check.tls),
      });
    } catch (error) {
      return failWith(error);
    }
    const secure = socket;
    secure.on('error', failWith);
    secure.once('secureConnect', () => {
      const details = describeChain(secure, Date.now());
      if (!check.tls.insecure_skip_verify) {
        const bad = verifyPeer(secure, check.tls.server_name ?? check.host, details);
        if (bad) return settle(false, bad.errorClass, bad.message, details);
      }
      const expiry = expiryVerdict(details, check.expect.min_days_left);
      if (expiry?.fail) return settle(false, 'tls_expiring', expiry.message, details);
      const days = details ? `; certificate valid for ${details.daysLeft} more days` : '';
      settle(true, null, expiry ? `handshake ok; ${expiry.message}` : `handshake ok${days}`, details, !!expiry);
    });
  });
}
