import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedCheck } from '../../src/engine/checks.ts';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { httpProbe } from '../../src/engine/probes/http-probe.ts';
import type { ProbeResult } from '../../src/shared/model.ts';
import { checkFrom } from '../support/checks.ts';
import { DnsServer } from '../support/dns-server.ts';
import {
  blackHole,
  endlessBody,
  garbage,
  HttpServer,
  redirectLoop,
  trickle,
  type RawServer,
} from '../support/hostile.ts';
import { waitFor } from '../support/wait.ts';

/** A correctness bound, not a benchmark: generous for a loaded CI machine. */
const MARGIN_MS = 1_000;
const TIMEOUT_MS = 800;

describe('hostile targets, each bounded and classified', () => {
  let good: HttpServer;
  let hole: RawServer;
  let junk: RawServer;
  let slow: RawServer;
  let loop: HttpServer;
  let endless: ReturnType<typeof endlessBody>;
  let silentDns: DnsServer;
  let garbageDns: DnsServer;

  beforeAll(async () => {
    good = await new HttpServer((_req, res) => res.end('{"status":"OK"}')).start();
    hole = await blackHole().start();
    junk = await garbage().start();
    slow = await trickle().start();
    loop = await redirectLoop().start();
    endless = await endlessBody().start();
    silentDns = await new DnsServer({ kind: 'silent' }).start();
    garbageDns = await new DnsServer({ kind: 'garbage' }).start();
  });
  afterAll(async () => {
    for (const s of [good, hole, junk, slow, loop, endless, silentDns, garbageDns]) await s.stop();
  });

  it('runs every hostile check within its timeout while a good check keeps its schedule', async () => {
    const config = parseConfigText(
      JSON.stringify({
        defaults: { interval: '1s', timeout: `${TIMEOUT_MS}ms` },
        checks: [
          { id: 'good', type: 'http', url: `${good.url}/health`, interval: '100ms', timeout: '100ms' },
          { id: 'black-hole', type: 'http', url: hole.url },
          { id: 'garbage', type: 'http', url: junk.url },
          { id: 'trickle', type: 'http', url: slow.url },
          { id: 'redirect-loop', type: 'http', url: `${loop.url}/a` },
          { id: 'endless', type: 'http', url: endless.url, expect: { body_contains: 'never' } },
          { id: 'tls-black-hole', type: 'tls', host: '127.0.0.1', port: hole.port },
          { id: 'dns-silent', type: 'dns', query_name: 'x.example', resolvers: [silentDns.address] },
          { id: 'dns-garbage', type: 'dns', query_name: 'x.example', resolvers: [garbageDns.address] },
        ],
      }),
      'hostile.yaml',
    );
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    const results = new Map<string, ProbeResult[]>();
    const listeners = new Set<() => void>();
    const engine = new Engine({
      clock: systemClock,
      emit: () => {},
      onResult: (result: ProbeResult, check: ResolvedCheck) => {
        const list = results.get(check.id) ?? [];
        list.push(result);
        results.set(check.id, list);
        for (const l of listeners) l();
      },
    });
    engine.applyConfig(config.config, 'hostile.yaml');
    const ids = config.config.checks.map((c) => c.id);
    try {
      await waitFor(
        (onChange) => {
          listeners.add(onChange);
          return () => listeners.delete(onChange);
        },
        () => ids.every((id) => (results.get(id)?.length ?? 0) >= 2),
        'two results from every check',
      );
    } finally {
      await engine.stop();
    }
    const last = (id: string) => results.get(id)!.at(-1)!;
    expect(last('black-hole').errorClass).toMatch(/^(read_timeout|timeout)$/);
    expect(last('garbage').errorClass).toBe('http_protocol');
    expect(last('trickle').errorClass).toMatch(/^(read_timeout|timeout)$/);
    expect(last('redirect-loop').errorClass).toBe('http_redirect_loop');
    expect(last('endless').errorClass).toBe('body_too_large');
    expect(last('tls-black-hole').errorClass).toBe('timeout');
    expect(last('dns-silent').errorClass).toBe('dns_timeout');
    expect(last('dns-garbage').errorClass).toBe('dns_error');
    for (const id of ids) {
      for (const r of results.get(id)!) {
        expect(r.latencyMs ?? 0, `${id} took ${r.latencyMs} ms`).toBeLessThanOrEqual(TIMEOUT_MS + MARGIN_MS);
      }
    }
    // Two hostile rounds take at least one interval; a 100 ms check on schedule gets several in.
    expect(results.get('good')!.length).toBeGreaterThanOrEqual(5);
    expect(results.get('good')!.every((r) => r.ok)).toBe(true);
  });

  it('hangs up on an endless body once the cap is read, rather than reading on', async () => {
    const hangUps = endless.served.hangUps;
    const result = await httpProbe(checkFrom('http', { url: endless.url, timeout: '10s', max_body_bytes: 1024 }));
    expect(result).toMatchObject({ ok: true, httpStatus: 200 });
    await waitFor(
      (onChange) => {
        endless.served.listeners.add(onChange);
        return () => endless.served.listeners.delete(onChange);
      },
      () => endless.served.hangUps > hangUps,
      'the probe to hang up',
    );
  });

  it('gives a slow-header server no more than the read timeout', async () => {
    const result = await httpProbe(checkFrom('http', { url: slow.url, timeout: '3s', read_timeout: '500ms' }));
    expect(result.errorClass).toBe('read_timeout');
    expect(result.latencyMs!).toBeLessThan(3_000);
  });
});
