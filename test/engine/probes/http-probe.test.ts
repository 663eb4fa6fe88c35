import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../src/engine/probes/http-probe.ts';
import { makeCerts, type KeyPair, type TestCerts } from '../../support/certs.ts';
import { checkFrom } from '../../support/checks.ts';
import { HttpServer } from '../../support/hostile.ts';

const http = (fields: Record<string, unknown>) => checkFrom('http', { timeout: '3s', ...fields });

describe('HTTP probe', () => {
  let server: HttpServer;
  /** Another origin (another port) answering who called it. */
  let other: HttpServer;
  let health = { status: 200, body: '{"status":"OK","db":{"ok":true,"lag":3}}' };

  beforeAll(async () => {
    other = await new HttpServer((req, res) => res.end(`auth=${req.headers.authorization ?? 'none'}`)).start();
    server = await new HttpServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(health.status, { 'content-type': 'application/json' });
        return res.end(health.body);
      }
      if (req.url === '/echo') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200);
          res.end(`${req.method} ${req.headers['x-probe']} ${Buffer.concat(chunks).toString()}`);
        });
        return;
      }
      if (req.url === '/moved') {
        res.writeHead(301, { location: '/health' });
        return res.end();
      }
      const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (hop) {
        res.writeHead(302, { location: `/hop/${Number(hop[1]) + 1}` });
        return res.end();
      }
      if (req.url === '/whoami') {
        res.writeHead(200);
        return res.end(`auth=${req.headers.authorization ?? 'none'}`);
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: `${other.url}/whoami` });
        return res.end();
      }
      res.writeHead(404);
      res.end('not here');
    }).start();
  });
  afterAll(async () => {
    await server.stop();
    await other.stop();
  });
  afterEach(() => {
    health = { status: 200, body: '{"status":"OK","db":{"ok":true,"lag":3}}' };
  });

  it('is up on a 2xx by default and reports the time of every phase', async () => {
    const result = await httpProbe(http({ url: `${server.url}/health` }));
    expect(result).toMatchObject({ ok: true, errorClass: null, httpStatus: 200, message: 'HTTP 200' });
    expect(result.phases).toBeDefined();
    const p = result.phases!;
    for (const phase of [p.dnsMs, p.connectMs, p.tlsMs, p.ttfbMs, p.transferMs])
      expect(phase).toBeGreaterThanOrEqual(0);
    expect(p.tlsMs).toBe(0);
    expect(p.dnsMs + p.connectMs + p.ttfbMs + p.transferMs).toBeLessThanOrEqual(result.latencyMs!);
  });

  it("leaves stack traces as they were once a probe is over (they are off only for undici's closing turn)", async () => {
    const limit = Error.stackTraceLimit;
    const results = await Promise.all([1, 2, 3].map(() => httpProbe(http({ url: `${server.url}/health` }))));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    // The probe's own continuation already runs with traces back on.
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('after a probe').stack).toMatch(/\n\s+at /);
  });

  it('sends the configured method, headers and body', async () => {
    const result = await httpProbe(
      http({
        url: `${server.url}/echo`,
        method: 'POST',
        headers: { 'x-probe': 'knockon' },
        body: 'ping',
        expect: { body_contains: 'POST knockon ping' },
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('is down with http_status on a status outside the accepted list', async () => {
    health.status = 503;
    const result = await httpProbe(http({ url: `${server.url}/health` }));
    expect(result).toMatchObject({ ok: false, errorClass: 'http_status', httpStatus: 503, message: 'HTTP 503' });
    const accepted = await httpProbe(http({ url: `${server.url}/health`, expect: { status: [503] } }));
    expect(accepted.ok).toBe(true);
  });

  it('checks JSON fields by top-level name and dotted path', async () => {
    const check = http({
      url: `${server.url}/health`,
      expect: { json: { status: 'OK', 'db.ok': true, 'db.lag': '3' } },
    });
    expect((await httpProbe(check)).ok).toBe(true);
    health.body = '{"status":"ERROR","db":{"ok":true,"lag":3}}';
    const failed = await httpProbe(check);
    expect(failed).toMatchObject({
      ok: false,
      errorClass: 'json_mismatch',
      message: 'status is "ERROR", expected "OK"',
    });
    health.body = 'not json';
    expect((await httpProbe(check)).errorClass).toBe('json_mismatch');
  });

  it('matches the body against a substring and a regular expression', async () => {
    const url = `${server.url}/health`;
    expect((await httpProbe(http({ url, expect: { body_regex: '"lag":\\d+' } }))).ok).toBe(true);
    const bad = await httpProbe(http({ url, expect: { body_regex: '"lag":"' } }));
    expect(bad.errorClass).toBe('body_mismatch');
    expect((await httpProbe(http({ url, expect: { body_contains: 'DOWN' } }))).errorClass).toBe('body_mismatch');
  });

  it('says body_too_large when the expected text lies beyond the body cap', async () => {
    health.body = 'x'.repeat(20_000) + 'needle';
    const result = await httpProbe(http({ url: `${server.url}/health`, expect: { body_contains: 'needle' } }));
    expect(result.errorClass).toBe('body_too_large');
    const bigger = await httpProbe(
      http({ url: `${server.url}/health`, max_body_bytes: 32 * 1024, expect: { body_contains: 'needle' } }),
    );
    expect(bigger.ok).toBe(true);
  });

  it('follows redirects and reports where it ended, or treats the redirect as the answer when told to', async () => {
    const followed = await httpProbe(http({ url: `${server.url}/moved` }));
    expect(followed).toMatchObject({ ok: true, httpStatus: 200, message: 'HTTP 200 after 1 redirect' });
    expect(followed.finalUrl).toBe(`${server.url}/health`);
    const notFollowed = await httpProbe(http({ url: `${server.url}/moved`, max_redirects: 0 }));
    expect(notFollowed).toMatchObject({ ok: false, errorClass: 'http_status', httpStatus: 301 });
  });

  it('gives up on an endless chain of distinct redirects as too_many_redirects', async () => {
    const result = await httpProbe(http({ url: `${server.url}/hop/0`, max_redirects: 3 }));
    expect(result).toMatchObject({ ok: false, errorClass: 'too_many_redirects', httpStatus: 302 });
  });

  it('does not forward credentials to another origin when following a redirect', async () => {
    const headers = { authorization: 'Bearer secret' };
    const same = await httpProbe(
      http({ url: `${server.url}/whoami`, headers, expect: { body_contains: 'auth=Bearer secret' } }),
    );
    expect(same.ok).toBe(true);
    const moved = await httpProbe(
      http({ url: `${server.url}/elsewhere`, headers, expect: { body_contains: 'auth=none' } }),
    );
    expect(moved).toMatchObject({ ok: true, finalUrl: `${other.url}/whoami` });
  });

  it('classifies a refused connection', async () => {
    const closed = await new HttpServer(() => {}).start();
    const port = closed.port;
    await closed.stop();
    const result = await httpProbe(http({ url: `http://127.0.0.1:${port}/` }));
    expect(result).toMatchObject({ ok: false, errorClass: 'connect_refused' });
  });
});

describe('HTTPS probe certificates', () => {
  let certs: TestCerts;
  const servers: HttpsServer[] = [];

  const serve = async (pair: KeyPair) => {
    const server = createHttpsServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    certs.cleanup();
  });

  it('accepts a certificate from a trusted CA and reports the days left and TLS time', async () => {
    const result = await httpProbe(http({ url: await serve(certs.good), tls: { ca_file: certs.caFile } }));
    expect(result).toMatchObject({ ok: true, httpStatus: 200 });
    expect(result.tls).toMatchObject({ authorized: true, subject: 'good', issuer: 'Knockon Test CA' });
    expect(result.tls!.daysLeft).toBeGreaterThanOrEqual(29);
    expect(result.tls!.daysLeft).toBeLessThanOrEqual(30);
    expect(result.phases!.tlsMs).toBeGreaterThan(0);
  });

  it('fails an expired certificate as tls_expired, still reporting when it expired', async () => {
    const result = await httpProbe(http({ url: await serve(certs.expired), tls: { ca_file: certs.caFile } }));
    expect(result).toMatchObject({ ok: false, errorClass: 'tls_expired' });
    expect(result.tls?.notAfter).toBe(Date.parse('2020-02-01T00:00:00Z'));
    expect(result.tls!.daysLeft).toBeLessThan(0);
  });

  it('fails a certificate for another host as tls_hostname', async () => {
    const result = await httpProbe(http({ url: await serve(certs.wrongHost), tls: { ca_file: certs.caFile } }));
    expect(result).toMatchObject({ ok: false, errorClass: 'tls_hostname' });
  });

  it('fails a self-signed certificate unless insecure_skip_verify is set', async () => {
    const url = await serve(certs.selfSigned);
    expect((await httpProbe(http({ url }))).errorClass).toBe('tls_self_signed');
    const skipped = await httpProbe(http({ url, tls: { insecure_skip_verify: true } }));
    expect(skipped.ok).toBe(true);
    expect(skipped.tls?.authorized).toBe(false);
  });

  it('is degraded below min_days_left and fails under a third of it', async () => {
    const url = await serve(certs.expiringSoon);
    const soon = await httpProbe(http({ url, tls: { ca_file: certs.caFile }, expect: { min_days_left: 10 } }));
    expect(soon).toMatchObject({ ok: true, degraded: true });
    expect(soon.message).toMatch(/expires in [45] days/);
    const urgent = await httpProbe(http({ url, tls: { ca_file: certs.caFile }, expect: { min_days_left: 20 } }));
    expect(urgent).toMatchObject({ ok: false, errorClass: 'tls_expiring' });
  });
});
