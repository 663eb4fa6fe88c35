import { readFileSync } from 'node:fs';
import { checkServerIdentity, rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { ErrorClass, TlsDetails } from '../../shared/model.ts';

const DAY_MS = 86_400_000;

/** TLS options as the probes use them, from the check's `tls` block. */
export interface TlsOptions {
  insecure_skip_verify: boolean;
  server_name?: string | undefined;
  ca_file?: string | undefined;
}

const caCache = new Map<string, string[]>();

/**
 * Trust anchors for a check: the system's, plus the PEM file named by `ca_file` (read once and
 * kept: a NOC's internal CA changes rarely, and a probe must not read files every few seconds).
 */
export function trustedCas(options: TlsOptions): string[] | undefined {
  if (!options.ca_file) return undefined;
  let cas = caCache.get(options.ca_file);
  if (!cas) {
    cas = [...rootCertificates, readFileSync(options.ca_file, 'utf8')];
    caCache.set(options.ca_file, cas);
  }
  return cas;
}

function name(entity: Record<string, string | string[] | undefined> | undefined): string {
  if (!entity) return '';
  const cn = entity.CN;
  const o = entity.O;
  return [cn, o].flat().filter(Boolean).join(', ');
}

/** Summarises the presented chain: the earliest expiry anywhere in it is what will break first. */
export function describeChain(socket: TLSSocket, now: number): TlsDetails | null {
  const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  if (!leaf || !leaf.valid_to) return null;
  let notAfter = Date.parse(leaf.valid_to);
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert && cert.valid_to; cert = cert.issuerCertificate) {
    if (seen.has(cert.fingerprint256)) break;
    seen.add(cert.fingerprint256);
    notAfter = Math.min(notAfter, Date.parse(cert.valid_to));
  }
  return {
    daysLeft: Math.floor((notAfter - now) / DAY_MS),
    notAfter,
    subject: name(leaf.subject as unknown as Record<string, string>),
    issuer: name(leaf.issuer as unknown as Record<string, string>),
    authorized: socket.authorized,
  };
}

const AUTH_ERRORS: Record<string, ErrorClass> = {
  CERT_HAS_EXPIRED: 'tls_expired',
  CERT_NOT_YET_VALID: 'tls_error',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls_self_signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls_self_signed',
};

/**
 * Verifies a handshake that was made without rejecting anything, so the chain can be described
 * even when it is bad. Expiry is reported before the hostname, the hostname before trust:
 * the most specific, most actionable cause first.
 */
export function verifyPeer(
  socket: TLSSocket,
  hostname: string,
  details: TlsDetails | null,
): { errorClass: ErrorClass; message: string } | null {
  if (details && Date.now() > details.notAfter) {
    return { errorClass: 'tls_expired', message: `certificate expired on ${new Date(details.notAfter).toISOString()}` };
  }
  const cert = socket.getPeerCertificate();
  const identity = cert && cert.subject ? checkServerIdentity(hostname, cert) : undefined;
  if (identity) return { errorClass: 'tls_hostname', message: identity.message.slice(0, 300) };
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? 'certificate not trusted');
    return { errorClass: AUTH_ERRORS[reason] ?? 'tls_error', message: `certificate not trusted: ${reason}` };
  }
  return null;
}

/**
 * The expiry rule shared by HTTPS and TLS checks: below `min_days_left` the probe succeeds but
 * counts as slow (towards degraded); below a third of it, it fails as tls_expiring.
 */
export function expiryVerdict(
  details: TlsDetails | null,
  minDaysLeft: number | undefined,
): { fail: boolean; slow: boolean; message: string } | null {
  if (!details || minDaysLeft === undefined || details.daysLeft >= minDaysLeft) return null;
  const message = `certificate expires in ${details.daysLeft} days (want at least ${minDaysLeft})`;
  return { fail: details.daysLeft < minDaysLeft / 3, slow: true, message };
}
