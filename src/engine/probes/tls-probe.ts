import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { socketProbe } from './socket-probe.ts';
import { describeChain, expiryVerdict, trustedCas, verifyPeer } from './tls-cert.ts';

type TlsCheck = Extract<ResolvedCheck, { type: 'tls' }>;

/**
 * Completes a TLS handshake and judges the certificate: trust, hostname, expiry and the
 * `min_days_left` rule. The chain is described in the result even when it is rejected.
 */
export function tlsProbe(check: TlsCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const servername = check.tls.server_name ?? (isIP(check.host) ? undefined : check.host);
  const timeout = { errorClass: 'timeout', message: `no handshake within ${check.timeoutMs} ms` } as const;
  return socketProbe(check, signal, timeout, (settle) => {
    const secure = connect({
      host: check.host,
      port: check.port,
      servername,
      rejectUnauthorized: false,
      ca: trustedCas(check.tls),
    });
    secure.once('secureConnect', () => {
      const details = describeChain(secure, Date.now());
      const withChain = details ? { tls: details } : {};
      if (!check.tls.insecure_skip_verify) {
        const bad = verifyPeer(secure, check.tls.server_name ?? check.host, details);
        if (bad) return settle(false, bad.errorClass, bad.message, withChain);
      }
      const expiry = expiryVerdict(details, check.expect.min_days_left);
      if (expiry?.fail) return settle(false, 'tls_expiring', expiry.message, withChain);
      if (expiry) return settle(true, null, `handshake ok; ${expiry.message}`, { ...withChain, degraded: true });
      settle(
        true,
        null,
        `handshake ok${details ? `; certificate valid for ${details.daysLeft} more days` : ''}`,
        withChain,
      );
    });
    return secure;
  });
}
