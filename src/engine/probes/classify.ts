import type { ErrorClass } from '../../shared/model.ts';

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

/** Maps a thrown error (Node, undici, TLS) to a stable error class and a short human message. */
export function classifyError(error: unknown): { errorClass: ErrorClass; message: string } {
  let e = error as { code?: string; message?: string; cause?: unknown; name?: string } | undefined;
  // undici wraps the socket's error; the innermost code is the informative one.
  for (let depth = 0; depth < 4 && e && !(e.code && BY_CODE[e.code]) && e.cause; depth++) {
    e = e.cause as typeof e;
  }
  const code = e?.code ?? '';
  const message = (e?.message ?? String(error)).split('\n')[0]!.slice(0, 300);
  const known = BY_CODE[code];
  if (known) return { errorClass: known, message: code && !message.includes(code) ? `${code}: ${message}` : message };
  if (code.startsWith('HPE_') || e?.name === 'HTTPParserError') return { errorClass: 'http_protocol', message };
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return { errorClass: 'tls_error', message };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { errorClass: 'timeout', message: 'timed out' };
  return { errorClass: 'connect_error', message: message || 'unknown error' };
}
