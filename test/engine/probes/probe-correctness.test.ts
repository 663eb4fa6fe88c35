import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../src/engine/probes/http-probe.ts';
import { runProbe } from '../../../src/engine/probes/index.ts';
import { tlsProbe } from '../../../src/engine/probes/tls-probe.ts';
import { makeCerts, type KeyPair, type TestCerts } from '../../support/certs.ts';
import { checkFrom } from '../../support/checks.ts';
import { RawServer } from '../../support/hostile.ts';

describe('HTTPS addressed by IP', () => {
  let certs: TestCerts;
  let ipOnly: KeyPair;
  const servers: HttpsServer[] = [];
  const serve = async (pair: KeyPair, host: string) => {
    const server = createHttpsServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  };

  beforeAll(() => {
    certs = makeCerts();
    ipOnly = certs.issue('ip-only', 'IP:127.0.0.1');
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    certs.cleanup();
  });

  it('accepts a certificate whose only subject alternative name is the IP the URL names', async () => {
    const port = await serve(ipOnly, '127.0.0.1');
    const result = await httpProbe(
      checkFrom('http', { url: `https://127.0.0.1:${port}/`, tls: { ca_file: certs.caFile } }),
    );
    expect(result).toMatchObject({ ok: true, errorClass: null, httpStatus: 200 });
    expect(result.tls).toMatchObject({ authorized: true, subject: 'ip-only' });
    const handshake = await tlsProbe(checkFrom('tls', { host: '127.0.0.1', port, tls: { ca_file: certs.caFile } }));
    expect(handshake).toMatchObject({ ok: true, errorClass: null });
  });

  // All of 127/8 is loopback on Linux; macOS answers only on 127.0.0.1 unless aliased.
  it.skipIf(process.platform !== 'linux')(
    'still fails as tls_hostname when the certificate names another IP',
    async () => {
      const port = await serve(ipOnly, '127.0.0.2');
      const result = await httpProbe(
        checkFrom('http', { url: `https://127.0.0.2:${port}/`, tls: { ca_file: certs.caFile } }),
      );
      expect(result).toMatchObject({ ok: false, errorClass: 'tls_hostname' });
      expect(result.message).toContain('127.0.0.2');
    },
  );
});

describe('HTTP answers that break the protocol or stall', () => {
  const servers: RawServer[] = [];
  const raw = async (reply: (socket: Socket) => void) => {
    const server = await new RawServer((socket) => socket.once('data', () => reply(socket))).start();
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('classifies a 100 KiB response header as http_protocol, not a connection problem', async () => {
    const server = await raw((socket) =>
      socket.end(`HTTP/1.1 200 OK\r\nX-Huge: ${'a'.repeat(100 * 1024)}\r\nContent-Length: 2\r\n\r\nok`),
    );
    const result = await httpProbe(checkFrom('http', { url: `${server.url}/`, timeout: '3s' }));
    expect(result).toMatchObject({ ok: false, errorClass: 'http_protocol' });
    expect(result.message).toBe('response headers larger than 16 KiB');
  });

  it('reports a body that never finishes after the headers as a read timeout that keeps the status', async () => {
    const server = await raw((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    const result = await httpProbe(checkFrom('http', { url: `${server.url}/`, timeout: '400ms' }));
    expect(result).toMatchObject({
      ok: false,
      errorClass: 'read_timeout',
      httpStatus: 200,
      message: 'headers arrived (HTTP 200) but the body did not finish within 400 ms',
    });
  });

  it('says the same when the body stalls for the read timeout before the check’s timeout', async () => {
    const server = await raw((socket) => socket.write('HTTP/1.1 503 Unavailable\r\nContent-Length: 100\r\n\r\nabc'));
    const result = await httpProbe(checkFrom('http', { url: `${server.url}/`, timeout: '3s', read_timeout: '200ms' }));
    expect(result).toMatchObject({
      ok: false,
      errorClass: 'read_timeout',
      httpStatus: 503,
      message: 'headers arrived (HTTP 503) but the body stalled for 200 ms',
    });
  });
});

describe('messages for people', () => {
  let plain: RawServer;
  beforeAll(async () => {
    plain = await new RawServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
    ).start();
  });
  afterAll(async () => {
    await plain.stop();
  });

  it('says a plain-text port did not answer with TLS, without OpenSSL codes or build paths', async () => {
    const https = await httpProbe(checkFrom('http', { url: `https://127.0.0.1:${plain.port}/` }));
    const handshake = await tlsProbe(checkFrom('tls', { host: '127.0.0.1', port: plain.port }));
    for (const result of [https, handshake]) {
      expect(result.errorClass).toBe('tls_error');
      expect(result.message).toBe(
        'TLS handshake failed: the server did not answer with TLS (wrong version number; a plain-text port?)',
      );
    }
  });

  it('says a heartbeat needs a running engine when probed without one: unknown, not a failure', async () => {
    const result = await runProbe(checkFrom('heartbeat', { down_after: '1m', token_env: 'HEARTBEAT_TOKEN' }));
    expect(result.errorClass).toBe('probe_error');
    expect(result.message).toBe(
      'a heartbeat check needs a running engine (knockon serve) to receive its beats: status unknown, not a failure',
    );
  });
});
