import { spawn } from 'node:child_process';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSnapshot, ProbeResult } from '../../src/shared/model.ts';
import { findSbin } from '../support/binaries.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { aRecords, DnsServer } from '../support/dns-server.ts';
import { HttpServer } from '../support/hostile.ts';

const child = new URL('./exhausted-engine.child.ts', import.meta.url).pathname;
const prlimit = findSbin('prlimit');
/** Enough for Node to start and the engine to run, small enough to fill in a moment. */
const DESCRIPTORS = 256;

interface ChildReport {
  descriptorsHeld: number;
  exhaustedResults: ProbeResult[];
  whileExhausted: BoardSnapshot;
  afterwards: BoardSnapshot;
  logs: string[];
}

function runChild(config: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const proc = spawn(prlimit!, [`--nofile=${DESCRIPTORS}:${DESCRIPTORS}`, process.execPath, child], {
      env: { ...process.env, KNOCKON_CONFIG: config },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as ChildReport);
    });
  });
}

if (!prlimit) console.warn('observer-exhaustion: skipped, util-linux prlimit is not installed');

describe.skipIf(!prlimit)('an engine out of file descriptors', () => {
  let certs: TestCerts;
  let web: HttpServer;
  let secure: HttpsServer;
  let dns: DnsServer;

  beforeAll(async () => {
    certs = makeCerts();
    web = await new HttpServer((_req, res) => res.end('ok')).start();
    secure = createHttpsServer({ key: certs.good.key, cert: certs.good.cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    dns = await new DnsServer({ kind: 'answer', answers: aRecords(['10.0.0.1']) }).start();
  });
  afterAll(async () => {
    await web.stop();
    secure.closeAllConnections();
    await new Promise((resolve) => secure.close(resolve));
    await dns.stop();
    certs.cleanup();
  });

  it('blames the observer, never the healthy targets: probe_error, no incident, no failover, a degraded vantage', async () => {
    const tlsPort = (secure.address() as AddressInfo).port;
    const ca = JSON.stringify(certs.caFile);
    const config = `
defaults: { interval: 200ms, timeout: 200ms, fall: 2, rise: 1 }
checks:
  - { id: web, type: http, url: "${web.url}/" }
  - { id: web-by-name, type: http, url: "http://localhost:${web.port}/" }
  - { id: secure-web, type: http, url: "https://127.0.0.1:${tlsPort}/", tls: { ca_file: ${ca} } }
  - { id: port, type: tcp, host: 127.0.0.1, port: ${web.port} }
  - { id: handshake, type: tls, host: 127.0.0.1, port: ${tlsPort}, tls: { ca_file: ${ca} } }
  - { id: zone, type: dns, query_name: app.example.net, resolvers: ["${dns.address}"], expect: { answers: [10.0.0.1] } }
alerts:
  - { name: Down, condition: down, for: 0s, severity: critical }
failover:
  policies:
    - { id: p, watch: { check: web }, primary: hk, backup: sg, actions: [{ type: command, run: [/bin/true] }] }
`;
    const report = await runChild(config);
    expect(report.descriptorsHeld).toBeGreaterThan(0);

    const ids = ['web', 'web-by-name', 'secure-web', 'port', 'handshake', 'zone'];
    for (const id of ids) {
      const mine = report.exhaustedResults.filter((r) => r.checkId === id);
      expect(mine.length, id).toBeGreaterThanOrEqual(3);
      for (const r of mine) {
        expect({ id, errorClass: r.errorClass, shortage: r.shortage }).toEqual({
          id,
          errorClass: 'probe_error',
          shortage: 'descriptors',
        });
        expect(r.message).toContain('observer out of file descriptors (EMFILE)');
      }
    }

    const during = report.whileExhausted;
    // Results held: every check keeps the status it had before the observer ran short.
    expect(during.checks.map((c) => [c.id, c.status])).toEqual(ids.map((id) => [id, 'up']));
    expect(during.incidents).toEqual([]);
    expect(during.failovers.map((f) => f.state)).toEqual(['idle']);
    expect(during.vantage.online).toBe(true);
    expect(during.vantage.health?.degraded).toBe(true);
    expect(during.vantage.health?.notRun.descriptors).toBeGreaterThanOrEqual(3 * ids.length);
    expect(during.vantage.health?.reason).toMatch(
      /^this machine ran out of file descriptors: \d+ probes could not run in the last minute; results held$/,
    );

    const after = report.afterwards;
    expect(after.checks.map((c) => [c.id, c.status])).toEqual(ids.map((id) => [id, 'up']));
    expect(after.incidents).toEqual([]);
    expect(after.failovers.map((f) => f.state)).toEqual(['idle']);
  });
});
