import { describe, expect, it } from 'vitest';
import { classifyError, cleanOpenSslMessage, heldForShortage } from '../../../src/engine/probes/classify.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';

const errno = (code: string, message = `connect ${code} 127.0.0.1:80`) => Object.assign(new Error(message), { code });

describe('error classifier: the observer’s own shortages', () => {
  it('classifies EMFILE, ENFILE, ENOMEM and ENOBUFS as probe_error with what ran short', () => {
    expect(classifyError(errno('EMFILE'))).toEqual({
      errorClass: 'probe_error',
      shortage: 'descriptors',
      message: 'observer out of file descriptors (EMFILE)',
    });
    expect(classifyError(errno('ENFILE'))).toMatchObject({ errorClass: 'probe_error', shortage: 'descriptors' });
    expect(classifyError(errno('ENOMEM'))).toMatchObject({
      errorClass: 'probe_error',
      shortage: 'memory',
      message: 'observer out of memory (ENOMEM)',
    });
    expect(classifyError(errno('ENOBUFS', 'send ENOBUFS'))).toMatchObject({
      errorClass: 'probe_error',
      shortage: 'memory',
      message: 'observer out of network buffers (ENOBUFS)',
    });
  });

  it('finds the shortage however the error is wrapped: undici’s cause, net’s AggregateError', () => {
    const wrapped = Object.assign(new Error('fetch failed', { cause: errno('EMFILE') }), { code: 'UND_ERR_SOCKET' });
    expect(classifyError(wrapped)).toMatchObject({ errorClass: 'probe_error', shortage: 'descriptors' });
    const aggregate = new AggregateError([errno('ECONNREFUSED'), errno('EMFILE')], 'all attempts failed');
    expect(classifyError(aggregate)).toMatchObject({ errorClass: 'probe_error', shortage: 'descriptors' });
  });

  it('treats a failed buffer allocation as the observer out of memory', () => {
    expect(classifyError(new RangeError('Array buffer allocation failed'))).toMatchObject({
      errorClass: 'probe_error',
      shortage: 'memory',
    });
  });

  it('blames a failed name lookup on the observer when no descriptor can be opened, on the name otherwise', () => {
    const notFound = errno('ENOTFOUND', 'getaddrinfo ENOTFOUND localhost');
    expect(classifyError(notFound, () => 'EMFILE')).toEqual({
      errorClass: 'probe_error',
      shortage: 'descriptors',
      message: 'observer out of file descriptors (EMFILE); the name lookup failed (ENOTFOUND) because of it',
    });
    expect(classifyError(notFound, () => null)).toEqual({
      errorClass: 'dns_nxdomain',
      message: 'getaddrinfo ENOTFOUND localhost',
    });
    expect(classifyError(errno('EAI_AGAIN', 'getaddrinfo EAI_AGAIN x'), () => 'ENFILE')).toMatchObject({
      errorClass: 'probe_error',
    });
  });

  it('takes any failed getaddrinfo as a lookup exhaustion may explain, whatever its code (EBUSY from glibc)', () => {
    const busy = Object.assign(errno('EBUSY', 'getaddrinfo EBUSY localhost'), { syscall: 'getaddrinfo' });
    expect(classifyError(busy, () => 'EMFILE')).toEqual({
      errorClass: 'probe_error',
      shortage: 'descriptors',
      message: 'observer out of file descriptors (EMFILE); the name lookup failed (EBUSY) because of it',
    });
    expect(classifyError(busy, () => null)).toEqual({
      errorClass: 'connect_error',
      message: 'getaddrinfo EBUSY localhost',
    });
  });

  it('holds a timeout or an unnamed failure made while no descriptor can be opened, as the observer’s', () => {
    const failed = (errorClass: ProbeResult['errorClass'], message: string): ProbeResult => ({
      checkId: 'web-by-name',
      startedAt: 1_000,
      ok: false,
      latencyMs: null,
      errorClass,
      message,
    });
    expect(heldForShortage(failed('timeout', 'no answer within 200 ms'), () => 'EMFILE')).toEqual({
      ...failed('probe_error', ''),
      shortage: 'descriptors',
      message:
        'observer out of file descriptors (EMFILE); the probe failed meanwhile (timeout: no answer within 200 ms)',
    });
    expect(heldForShortage(failed('connect_error', 'getaddrinfo EBUSY localhost'), () => 'ENFILE')).toMatchObject({
      errorClass: 'probe_error',
      shortage: 'descriptors',
    });
    // With descriptors to spare, the target's failure stays the target's.
    const timeout = failed('timeout', 'no answer within 200 ms');
    expect(heldForShortage(timeout, () => null)).toBe(timeout);
  });

  it('never asks for a descriptor after a result exhaustion cannot explain', () => {
    let asked = 0;
    const count = () => {
      asked++;
      return 'EMFILE' as const;
    };
    const base = { checkId: 'c', startedAt: 1, latencyMs: 12 };
    const answered: ProbeResult = { ...base, ok: false, errorClass: 'http_status', message: 'HTTP 503' };
    const refused: ProbeResult = { ...base, ok: false, errorClass: 'connect_refused', message: 'refused' };
    const up: ProbeResult = { ...base, ok: true, errorClass: null, message: 'HTTP 200' };
    const held: ProbeResult = { ...base, ok: false, errorClass: 'probe_error', shortage: 'memory', message: 'ENOMEM' };
    for (const result of [answered, refused, up, held]) expect(heldForShortage(result, count)).toBe(result);
    expect(asked).toBe(0);
  });

  it('never asks for a descriptor after a failure exhaustion cannot explain', () => {
    let asked = 0;
    const count = () => {
      asked++;
      return 'EMFILE' as const;
    };
    expect(classifyError(errno('ECONNREFUSED'), count).errorClass).toBe('connect_refused');
    expect(asked).toBe(0);
  });
});

describe('error classifier: target failures', () => {
  it('classifies an oversized response header as http_protocol, not connect_error', () => {
    const overflow = Object.assign(new Error('Headers Overflow Error'), { code: 'UND_ERR_HEADERS_OVERFLOW' });
    expect(classifyError(overflow)).toEqual({
      errorClass: 'http_protocol',
      message: 'response headers larger than 16 KiB',
    });
  });

  it('reduces OpenSSL’s error strings to their reason, without codes or build paths', () => {
    const old =
      'error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:';
    const current =
      '40CDD3097B7F0000:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/openssl/ssl/record/methods/tlsany_meth.c:77:';
    for (const raw of [old, current]) {
      const { errorClass, message } = classifyError(
        Object.assign(new Error(raw), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }),
      );
      expect(errorClass).toBe('tls_error');
      expect(message).toBe(
        'TLS handshake failed: the server did not answer with TLS (wrong version number; a plain-text port?)',
      );
    }
    expect(
      cleanOpenSslMessage(
        'C0A1:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 40',
      ),
    ).toBe('TLS handshake failed: sslv3 alert handshake failure');
    expect(cleanOpenSslMessage('connect ECONNREFUSED 127.0.0.1:443')).toBe('connect ECONNREFUSED 127.0.0.1:443');
  });
});
