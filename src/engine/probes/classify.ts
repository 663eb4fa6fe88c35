import { closeSync, openSync } from 'node:fs';
import { maxHeaderSize } from 'node:http';
import { devNull } from 'node:os';
import type { ErrorClass, ObserverShortage, ProbeResult } from '../../shared/model.ts';

const BY_CODE: Record<string, ErrorClass> = {
  ECONNREFUSED: 'connect_refused',
  ECONNRESET: 'connect_reset',
  EPIPE: 'connect_reset',
  EHOSTUNREACH: 'connect_error',
  ENETUNREACH: 'connect_error',
  EADDRNOTAVAIL: 'connect_error',
  ENOTFOUND: 'dns_nxdomain',
  EAI_AGAIN: 'dns_timeout',
  ETIMEDOUT: 'connect_timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'read_timeout',
  UND_ERR_BODY_TIMEOUT: 'read_timeout',
  UND_ERR_SOCKET: 'connect_reset',
  UND_ERR_CLOSED: 'connect_reset',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'http_protocol',
  UND_ERR_INFO: 'http_protocol',
  UND_ERR_HEADERS_OVERFLOW: 'http_protocol',
  HPE_INVALID_CONSTANT: 'http_protocol',
  HPE_INVALID_VERSION: 'http_protocol',
  HPE_INVALID_STATUS: 'http_protocol',
  HPE_INVALID_HEADER_TOKEN: 'http_protocol',
  HPE_HEADER_OVERFLOW: 'http_protocol',
  CERT_HAS_EXPIRED: 'tls_expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls_hostname',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls_self_signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls_self_signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls_error',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls_error',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls_error',
};

/** undici's limit unless told otherwise, and the probe never tells it otherwise. */
const HEADERS_TOO_LARGE = `response headers larger than ${Math.round(maxHeaderSize / 1024)} KiB`;

/** Messages that say more than the library's own (undici's is "Headers Overflow Error"). */
const MESSAGES: Record<string, string> = {
  UND_ERR_HEADERS_OVERFLOW: HEADERS_TOO_LARGE,
  HPE_HEADER_OVERFLOW: HEADERS_TOO_LARGE,
};

/**
 * Error codes that mean this machine ran short, not that the target misbehaved: the probe could
 * not run, so its result must never count against the target.
 */
const SHORTAGES: Record<string, { shortage: ObserverShortage; message: string }> = {
  EMFILE: { shortage: 'descriptors', message: 'observer out of file descriptors (EMFILE)' },
  ENFILE: {
    shortage: 'descriptors',
    message: 'observer out of file descriptors: the system-wide table is full (ENFILE)',
  },
  ENOMEM: { shortage: 'memory', message: 'observer out of memory (ENOMEM)' },
  ENOBUFS: { shortage: 'memory', message: 'observer out of network buffers (ENOBUFS)' },
  EAI_MEMORY: { shortage: 'memory', message: 'observer out of memory while resolving a name (EAI_MEMORY)' },
  ERR_MEMORY_ALLOCATION_FAILED: { shortage: 'memory', message: 'observer out of memory (allocation failed)' },
};

/**
 * Lookup failures that exhaustion produces too: getaddrinfo that cannot open /etc/hosts or a
 * socket answers "not found" (ENOTFOUND for localhost under EMFILE), which would otherwise be
 * blamed on the target's name.
 */
const AMBIGUOUS_LOOKUP = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_SYSTEM', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * Whether the error is a failed getaddrinfo: whatever its code. Under EMFILE, glibc's name
 * lookup can end in EAI_SYSTEM with the errno of whatever its name service modules tripped on
 * (EBUSY for localhost on one of the machines this ran on), which Node reports as that code.
 */
function isLookupFailure(code: string, error: { syscall?: unknown } | undefined): boolean {
  return AMBIGUOUS_LOOKUP.has(code) || error?.syscall === 'getaddrinfo';
}

/**
 * Failures that mean no exchange with the target took place or finished, for reasons this
 * machine may be the cause of: a probe that timed out while still looking the name up, or
 * failed on an error nothing else names. Asked about descriptors after the fact (runProbe).
 */
const AMBIGUOUS_FAILURES: ReadonlySet<ErrorClass> = new Set<ErrorClass>([
  'timeout',
  'connect_timeout',
  'connect_error',
]);

export interface Classified {
  errorClass: ErrorClass;
  message: string;
  /** Set with probe_error when the observer ran short of something. */
  shortage?: ObserverShortage;
}

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; name?: unknown; errors?: unknown };

/** The error and the errors it wraps (undici's cause, net's AggregateError), breadth first, bounded. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 8) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null) continue;
    const like = e as ErrorLike;
    out.push(like);
    if (like.cause !== undefined) queue.push(like.cause);
    if (Array.isArray(like.errors)) queue.push(...like.errors.slice(0, 4));
  }
  return out;
}

/** Whether the error says the observer ran short (anywhere in what it wraps), and of what. */
export function observerShortage(error: unknown): { shortage: ObserverShortage; message: string } | null {
  for (const e of chain(error)) {
    const known = typeof e.code === 'string' ? SHORTAGES[e.code] : undefined;
    if (known) return known;
    if (e.name === 'RangeError' && typeof e.message === 'string' && /allocation failed/i.test(e.message)) {
      return { shortage: 'memory', message: 'observer out of memory (buffer allocation failed)' };
    }
  }
  return null;
}

/**
 * Whether this process could open one more descriptor right now: null when it can, else the
 * code. Asked only after an ambiguous failure, so the cost (one open and close) is off the
 * path of healthy probes.
 */
export function descriptorShortage(): 'EMFILE' | 'ENFILE' | null {
  try {
    closeSync(openSync(devNull, 'r'));
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'EMFILE' || code === 'ENFILE' ? code : null;
  }
}

/** Whether a descriptor can be opened now (descriptorShortage; tests give their own). */
type DescriptorCheck = typeof descriptorShortage;

/**
 * OpenSSL's error strings carry its error code, function and source path
 * ("…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/…:354:");
 * the reason is the only part for people.
 */
export function cleanOpenSslMessage(message: string): string {
  const parts = message.split(':');
  const at = parts.findIndex((p, i) => p.trim() === 'error' && /^[0-9A-F]{6,}$/i.test(parts[i + 1] ?? ''));
  if (at < 0 || parts.length < at + 5) return message;
  const reason = parts[at + 4]!.trim();
  if (!reason) return message;
  if (reason === 'wrong version number') {
    return 'TLS handshake failed: the server did not answer with TLS (wrong version number; a plain-text port?)';
  }
  return `TLS handshake failed: ${reason}`;
}

/**
 * Maps a thrown error (Node, undici, TLS) to a stable error class and a short human message.
 * The observer's own shortages come first: they are probe_error whatever the probe was doing.
 */
export function classifyError(error: unknown, descriptors: DescriptorCheck = descriptorShortage): Classified {
  const short = observerShortage(error);
  if (short) return { errorClass: 'probe_error', ...short };
  let e = error as { code?: string; message?: string; cause?: unknown; name?: string; syscall?: unknown } | undefined;
  // undici wraps the socket's error; the innermost code is the informative one.
  for (let depth = 0; depth < 4 && e && !(e.code && BY_CODE[e.code]) && e.cause; depth++) {
    e = e.cause as typeof e;
  }
  const code = typeof e?.code === 'string' ? e.code : '';
  if (isLookupFailure(code, e)) {
    const lacking = descriptors();
    if (lacking) {
      return {
        errorClass: 'probe_error',
        shortage: 'descriptors',
        message: `${SHORTAGES[lacking]!.message}; the name lookup failed (${code}) because of it`,
      };
    }
  }
  const raw = (e?.message ?? String(error)).split('\n')[0]!;
  const cleaned = cleanOpenSslMessage(raw);
  const message = (MESSAGES[code] ?? cleaned).slice(0, 300);
  const known = BY_CODE[code];
  if (known) {
    const prefixed = code && cleaned === raw && !MESSAGES[code] && !message.includes(code);
    return { errorClass: known, message: prefixed ? `${code}: ${message}` : message };
  }
  if (code.startsWith('HPE_') || e?.name === 'HTTPParserError') return { errorClass: 'http_protocol', message };
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return { errorClass: 'tls_error', message };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { errorClass: 'timeout', message: 'timed out' };
  return { errorClass: 'connect_error', message: message || 'unknown error' };
}

/**
 * A failed result that this machine running out of file descriptors can explain (a timeout, a
 * connection that could not be made, an error nothing names), made while no descriptor can be
 * opened: the observer's, held like any shortage, never the target's. Any other result as it is.
 * The descriptor is asked for only after such a failure, off the path of healthy probes.
 */
export function heldForShortage(result: ProbeResult, descriptors: DescriptorCheck = descriptorShortage): ProbeResult {
  if (result.ok || result.shortage || result.errorClass === null || !AMBIGUOUS_FAILURES.has(result.errorClass)) {
    return result;
  }
  const lacking = descriptors();
  if (!lacking) return result;
  return {
    ...result,
    errorClass: 'probe_error',
    shortage: 'descriptors',
    message:
      `${SHORTAGES[lacking]!.message}; the probe failed meanwhile (${result.errorClass}: ${result.message})`.slice(
        0,
        300,
      ),
  };
}
