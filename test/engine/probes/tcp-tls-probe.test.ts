import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../../src/engine/probes/tcp-probe.ts';
import { tlsProbe } from '../../../src/engine/probes/tls-probe.ts';
import { makeCerts, type KeyPair, type TestCerts } from '../../support/certs.ts';
import { checkFrom } from '../../support/checks.ts';
import { blackHole } from '../../support/hostile.ts';

describe('TCP probe', () => {
  it('is up when the handshake completes, and refused on a closed port', async () => {
    const server = await blackHole().start();
    const up = await tcpProbe(checkFrom('tcp', { host: '127.0.0.1', port: server.port }));
    expect(up).toMatchObject({ ok: true, errorClass: null });
    await server.stop();
    const refused = await tcpProbe(checkFrom('tcp', { host: '127.0.0.1', port: server.port }));
    expect(refused).toMatchObject({ ok: false, errorClass: 'connect_refused' });
  });
});

describe('TLS probe', () => {
  let certs: TestCerts;
  const servers: Server[] = [];
  const serve = async (pair: KeyPair) => {
    const server = createServer({ key: pair.key, cert: pair.cert }, (socket) => socket.end());
    server.on('tlsClientError', () => {});
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const tls = (port: number, fields: Record<string, unknown> = {}) =>
    checkFrom('tls', { host: '127.0.0.1', port, tls: { ca_file: certs.caFile }, ...fields });

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    certs.cleanup();
  });

  it('reports the days left on a good certificate', async () => {
    const result = await tlsProbe(tls(await serve(certs.good)));
    expect(result.ok).toBe(true);
    expect(result.tls).toMatchObject({ authorized: true, subject: 'good' });
    expect(result.message).toMatch(/valid for (29|30) more days/);
  });

  it('classifies expired, wrong-host and self-signed certificates', async () => {
    expect((await tlsProbe(tls(await serve(certs.expired)))).errorClass).toBe('tls_expired');
    expect((await tlsProbe(tls(await serve(certs.wrongHost)))).errorClass).toBe('tls_hostname');
    const selfSigned = await serve(certs.selfSigned);
    expect((await tlsProbe(checkFrom('tls', { host: '127.0.0.1', port: selfSigned }))).errorClass).toBe(
      'tls_self_signed',
    );
    const skipped = await tlsProbe(
      checkFrom('tls', { host: '127.0.0.1', port: selfSigned, tls: { insecure_skip_verify: true } }),
    );
    expect(skipped.ok).toBe(true);
  });

  it('degrades below min_days_left and fails under a third of it', async () => {
    const port = await serve(certs.expiringSoon);
    expect(await tlsProbe(tls(port, { expect: { min_days_left: 10 } }))).toMatchObject({ ok: true, degraded: true });
    expect(await tlsProbe(tls(port, { expect: { min_days_left: 30 } }))).toMatchObject({
      ok: false,
      errorClass: 'tls_expiring',
    });
  });

  it('fails a plain TCP server that does not speak TLS, within the timeout', async () => {
    const server = await blackHole().start();
    const result = await tlsProbe(tls(server.port, { timeout: '300ms' }));
    expect(result).toMatchObject({ ok: false, errorClass: 'timeout' });
    await server.stop();
  });
});
