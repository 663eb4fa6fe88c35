/**
 * The centre's agent door in the engine, on a fake clock with a real engine and a real SQLite
 * history: the token first and bound to its vantage, the body parsed after it, results
 * deduplicated by (vantage, stream, seq), acknowledged only once committed, clocks corrected,
 * and assignments whose revision holds across restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { HistoryModule, HistoryStore, hashAgentToken } from '../../../src/engine/store/index.ts';
import { AgentsModule, cursorKey } from '../../../src/engine/vantages/agents-module.ts';
import { canonicalJson } from '../../../src/engine/canonical-json.ts';
import {
  AGENT_PROTOCOL_VERSION,
  decodeBatch,
  encodeBatch,
  ResultBatchSchema,
  type AgentSyncRequest,
  type AgentSyncResponse,
  type NumberedResult,
  type WireResult,
} from '../../../src/shared/agent-protocol.ts';
import type { AgentSyncOutcome } from '../../../src/shared/rpc.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { KNOCKON_VERSION } from '../../../src/shared/version.ts';
import { fill, freeUp, mountTmpfs, unmount } from '../../support/full-disk.ts';
import { ADMIN, AGENT } from '../../support/actors.ts';

const SG_TOKEN = 'kna_sg-token-from-the-config';
const TYO_TOKEN = 'tyo-token-from-the-environment';

const CONFIG = `
board: { title: Test centre }
defaults: { interval: 10s, timeout: 2s, fall: 1, rise: 1, quorum: majority, vantages: [local, sg] }
vantages:
  - { id: sg, name: Singapore, token_sha256: ${hashAgentToken(SG_TOKEN)}, reference_checks: [sg-gw], offline_after: 15s }
  - { id: tyo, token_env: TYO_AGENT_TOKEN, offline_after: 15s }
  - { id: fra, token_env: FRA_AGENT_TOKEN }
regions:
  - { id: apac, name: APAC, lat: 1.3, lon: 103.8 }
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, region: apac, vantages: [local, sg, tyo], quorum: { k_of_n: 2 } }
  - { id: web, type: http, url: "https://example.net/health", interval: 30s, headers_env: { X-Key: WEB_KEY } }
  - { id: sg-gw, type: tcp, host: 10.0.0.1, port: 53, vantages: [sg], missing_vantage: down }
  - { id: here, type: tcp, host: 127.0.0.1, port: 3, vantages: [local] }
`;

function rig(dir: string, options: { env?: NodeJS.ProcessEnv; config?: string } = {}) {
  const clock = new FakeClock(1_800_000_000_000);
  const logs: string[] = [];
  const log = (_level: string, message: string) => logs.push(message);
  const store = new HistoryStore({ dataDir: dir, clock, log, timers: false });
  const rpc = new RpcRegistry();
  const engine = new Engine({ clock, emit: () => {}, probe: async (check) => ok(check.id, clock.now()), rpc, log });
  engine.use(new HistoryModule(store, log, rpc));
  const agents = new AgentsModule({
    engine,
    store,
    clock,
    log,
    rpc,
    env: options.env ?? { TYO_AGENT_TOKEN: TYO_TOKEN },
  });
  engine.use(agents);
  const parsed = parseConfigText(options.config ?? CONFIG, 'centre.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  engine.applyConfig(parsed.config, 'centre.yaml');
  const sync = (token: string, body: unknown, from = '192.0.2.7') =>
    rpc.dispatch(
      'agent.sync',
      {
        token,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        from,
      },
      AGENT,
    ) as Promise<AgentSyncOutcome>;
  const close = async () => {
    await engine.stop();
  };
  return { clock, logs, store, rpc, engine, agents, sync, close };
}

function ok(checkId: string, at: number): WireResult {
  return { checkId, startedAt: at, ok: true, latencyMs: 4, errorClass: null, message: 'connected' };
}

function request(
  vantage: string,
  at: number,
  results: NumberedResult[],
  extra: Partial<AgentSyncRequest> = {},
): AgentSyncRequest {
  return {
    v: AGENT_PROTOCOL_VERSION,
    vantage,
    agent: { version: '0.1.0', stream: 'stream-aaaaaaaa', startedAt: at - 60_000 },
    sentAt: at,
    assignmentRev: null,
    results: encodeBatch(results),
    status: { buffered: 0, dropped: 0, online: true, reason: null },
    ...extra,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-agents-module-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('agents module: who may sync', () => {
  it('binds a token to its vantage: a token for sg reporting as tyo is refused (403) and logged with both and the address', async () => {
    const r = rig(dir);
    const out = await r.sync(SG_TOKEN, request('tyo', r.clock.now(), [{ seq: 1, result: ok('api', r.clock.now()) }]));
    expect(out.status).toBe(403);
    expect(out.body).toEqual({ error: 'this token is bound to vantage sg, not tyo' });
    expect(
      r.logs.some(
        (l) => /token config:sg is bound to vantage sg, but it reports as tyo/.test(l) && l.includes('192.0.2.7'),
      ),
    ).toBe(true);
    // Nothing of it reached the engine.
    expect(r.store.recent('api', 10, 'tyo')).toEqual([]);
    await r.close();
  });

  it('answers 401 to an unknown, empty, revoked or expired token, before reading the body', async () => {
    const r = rig(dir);
    expect(await r.sync('not-a-token', '{definitely not json')).toEqual({
      status: 401,
      body: { error: 'unknown agent token' },
    });
    expect((await r.sync('', '{}')).status).toBe(401);
    // A misconfigured agent retrying every second: one line, then a count a minute later.
    for (let i = 0; i < 50; i++) {
      await r.sync('not-a-token', '{}', `192.0.2.${i}`);
      await r.clock.advance(1_000);
    }
    const refusals = r.logs.filter((l) => l.includes('unknown agent token'));
    expect(refusals).toHaveLength(1);
    await r.clock.advance(10_000);
    await r.sync('not-a-token', '{}');
    expect(r.logs.filter((l) => l.includes('unknown agent token')).at(-1)).toMatch(
      /\(50 more like it in the last 1 min\)/,
    );
    const revoked = r.store.createAgentToken({ vantage: 'sg', name: 'old sg' });
    r.store.revokeAgentToken(revoked.id);
    expect(await r.sync(revoked.token, request('sg', r.clock.now(), []))).toEqual({
      status: 401,
      body: { error: `agent token ${revoked.id} is revoked` },
    });
    const expiring = r.store.createAgentToken({ vantage: 'sg', name: 'short', expiresAt: r.clock.now() + 60_000 });
    expect((await r.sync(expiring.token, request('sg', r.clock.now(), []))).status).toBe(200);
    await r.clock.advance(60_000);
    expect(await r.sync(expiring.token, request('sg', r.clock.now(), []))).toEqual({
      status: 401,
      body: { error: `agent token ${expiring.id} is expired` },
    });
    await r.close();
  });

  it('accepts config tokens (token_sha256, token_env) and database tokens; a missing env var is one warning', async () => {
    const r = rig(dir);
    expect((await r.sync(SG_TOKEN, request('sg', r.clock.now(), []))).status).toBe(200);
    expect((await r.sync(TYO_TOKEN, request('tyo', r.clock.now(), []))).status).toBe(200);
    const made = r.store.createAgentToken({ vantage: 'tyo', name: 'tyo 2' });
    expect((await r.sync(made.token, request('tyo', r.clock.now(), []))).status).toBe(200);
    // fra's token_env is not set: said once, at the first config and not at a reload.
    expect(r.logs.filter((l) => l.includes('FRA_AGENT_TOKEN')).length).toBe(1);
    const again = parseConfigText(CONFIG, 'centre.yaml');
    if (again.ok) r.engine.applyConfig(again.config, 'centre.yaml');
    expect(r.logs.filter((l) => l.includes('FRA_AGENT_TOKEN')).length).toBe(1);
    // A database token bound to a vantage this centre does not declare is refused.
    const stray = r.store.createAgentToken({ vantage: 'lon', name: 'nowhere' });
    expect((await r.sync(stray.token, request('lon', r.clock.now(), []))).status).toBe(403);
    await r.close();
  });

  it('sees a token made or revoked by another process within 2 s, and at once when revoked here', async () => {
    const r = rig(dir);
    const other = new HistoryStore({ dataDir: dir, clock: r.clock, timers: false });
    expect((await r.sync('kna_later', request('sg', r.clock.now(), []))).status).toBe(401);
    const made = other.createAgentToken({ vantage: 'sg', name: 'made elsewhere' });
    expect((await r.sync(made.token, request('sg', r.clock.now(), []))).status).toBe(200);
    other.revokeAgentToken(made.id);
    // Within the cache's 2 s the last answer stands; after it, the revocation counts.
    expect((await r.sync(made.token, request('sg', r.clock.now(), []))).status).toBe(200);
    await r.clock.advance(2_000);
    expect((await r.sync(made.token, request('sg', r.clock.now(), []))).status).toBe(401);
    other.close();
    const here = r.store.createAgentToken({ vantage: 'sg', name: 'revoked here' });
    expect((await r.sync(here.token, request('sg', r.clock.now(), []))).status).toBe(200);
    expect(await r.rpc.dispatch('vantages.revokeToken', { tokenId: here.id }, ADMIN)).toMatchObject({ ok: true });
    expect((await r.sync(here.token, request('sg', r.clock.now(), []))).status).toBe(401);
    await r.close();
  });

  it('lists config and database tokens without secrets; revoking a config token says to remove it from the config', async () => {
    const r = rig(dir);
    const made = r.store.createAgentToken({ vantage: 'sg', name: 'sg spare' });
    await r.sync(SG_TOKEN, request('sg', r.clock.now(), []));
    const tokens = (await r.rpc.dispatch('vantages.tokens', {}, ADMIN)) as { id: string }[];
    expect(tokens).toEqual([
      expect.objectContaining({ id: 'config:sg', vantage: 'sg', source: 'config', lastUsedAt: r.clock.now() }),
      expect.objectContaining({
        id: 'config:tyo',
        vantage: 'tyo',
        source: 'config',
        name: 'token_env TYO_AGENT_TOKEN in the config',
      }),
      expect.objectContaining({ id: made.id, vantage: 'sg', name: 'sg spare', source: 'database', revokedAt: null }),
    ]);
    const text = JSON.stringify(tokens);
    expect(text).not.toContain(made.token);
    expect(text).not.toContain(hashAgentToken(made.token));
    expect(text).not.toContain(hashAgentToken(SG_TOKEN));
    const outcome = await r.rpc.dispatch('vantages.revokeToken', { tokenId: 'config:sg' }, ADMIN);
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('remove it from the config') });
    await r.close();
  });
});

describe('agents module: the body', () => {
  it('answers 400 naming the field, and never throws, whatever the body', async () => {
    const r = rig(dir);
    expect(await r.sync(SG_TOKEN, 'nope{')).toEqual({ status: 400, body: { error: 'the body is not JSON' } });
    const bad = request('sg', r.clock.now(), [{ seq: 1, result: { ...ok('api', r.clock.now()), checkId: '' } }]);
    const out = await r.sync(SG_TOKEN, bad);
    expect(out.status).toBe(400);
    expect((out.body as { error: string }).error).toMatch(/^invalid sync: results\.checks\[0\]: /);
    for (const body of ['null', '[]', '"x"', '{"v":2}', JSON.stringify({ ...bad, extra: 1 }), '1e999']) {
      expect((await r.sync(SG_TOKEN, body)).status).toBe(400);
    }
    await r.close();
  });

  it('refuses a protocol 1 body (one object per result), naming both versions', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    const old = { ...request('sg', t, []), v: 1, results: [{ seq: 1, result: ok('api', t) }] };
    const out = await r.sync(SG_TOKEN, old);
    expect(out.status).toBe(400);
    expect((out.body as { error: string }).error).toMatch(
      /^invalid sync: v: this centre speaks agent protocol 2, the agent sent 1: run the same Knockon release/,
    );
    expect(r.store.recent('api', 10, 'sg')).toEqual([]);
    await r.close();
  });

  it('refuses a malformed compact batch with the column and index at fault, and stores nothing of it', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    const good = request(
      'sg',
      t,
      [1, 2, 3].map((seq) => ({ seq, result: { ...ok('api', t - 3_000 + seq * 1_000), httpStatus: 200 } })),
    );
    const cases: [string, (b: AgentSyncRequest['results']) => unknown, RegExp][] = [
      [
        'a column shorter than seq',
        (b) => ({ ...b, latency: b.latency.slice(1) }),
        /results\.latency: expected 3 entries \(one per result, as seq has\), got 2/,
      ],
      ['an index beyond its table', (b) => ({ ...b, check: [0, 0, 5] }), /results\.check\[2\]: no entry 5 in checks/],
      [
        'a message index beyond its table',
        (b) => ({ ...b, message: [0, 1, 0] }),
        /results\.message\[1\]: no entry 1 in messages/,
      ],
      [
        'a sequence that does not advance',
        (b) => ({ ...b, seq: [1, 0, 1] }),
        /results\.seq\[1\]: expected integers of at least 1/,
      ],
      ['a negative latency', (b) => ({ ...b, latency: [4, -1, 4] }), /results\.latency\[1\]: expected latencies/],
      ['a latency that is text', (b) => ({ ...b, latency: [4, '4', 4] }), /results\.latency\[1\]: expected latencies/],
      [
        'four phase timings',
        (b) => ({ ...b, phases: [null, [1, 2, 3, 4], null] }),
        /results\.phases\[1\]: expected five timings/,
      ],
      [
        'an error class not known',
        (b) => ({ ...b, errors: ['on_fire'], error: [0, -1, -1] }),
        /results\.errors\[0\]: /,
      ],
      ['a column that is not an array', (b) => ({ ...b, flags: 1 }), /results\.flags: expected an array of flags/],
      [
        'details out of order',
        (b) => ({
          ...b,
          details: [
            [1, { finalUrl: 'x' }],
            [0, { finalUrl: 'y' }],
          ],
        }),
        /results\.details\[1\]\[0\]: expected result indexes in increasing order/,
      ],
      [
        'an unknown detail',
        (b) => ({ ...b, details: [[0, { colour: 'red' }]] }),
        /results\.details\[0\]\[1\]: unknown field colour/,
      ],
      [
        'a start time that is not whole',
        (b) => ({ ...b, at: [t, 1_000.5, 1_000] }),
        /results\.at\[1\]: expected integers \(ms\)/,
      ],
    ];
    for (const [what, spoil, reason] of cases) {
      const out = await r.sync(SG_TOKEN, { ...good, results: spoil(good.results) });
      expect(out.status, what).toBe(400);
      expect((out.body as { error: string }).error, what).toMatch(reason);
    }
    r.store.flush();
    expect(r.store.recent('api', 10, 'sg')).toEqual([]);
    expect(r.store.loadState(cursorKey('sg', 'stream-aaaaaaaa'))).toBeNull();
    // The same batch unspoiled is taken whole.
    expect(((await r.sync(SG_TOKEN, good)).body as AgentSyncResponse).ack).toBe(3);
    expect(r.store.recent('api', 10, 'sg').map((x) => x.httpStatus)).toEqual([200, 200, 200]);
    await r.close();
  });
});

describe('the compact batch', () => {
  it('carries every field of every result exactly, timings to the microsecond, and skips what is already taken', () => {
    const t = 1_800_000_000_000;
    const items: NumberedResult[] = [
      { seq: 7, result: { ...ok('api', t), latencyMs: 1.234_567_8, httpStatus: 200, degraded: false } },
      {
        seq: 9,
        result: {
          checkId: 'dns',
          startedAt: t - 40,
          ok: false,
          latencyMs: null,
          errorClass: 'dns_servfail',
          message: 'SERVFAIL',
          degraded: true,
          observerOffline: true,
          phases: { dnsMs: 0.5, connectMs: 1, tlsMs: 2, ttfbMs: 3.000_04, transferMs: 4 },
          dns: [
            {
              resolver: '9.9.9.9',
              rcode: 'SERVFAIL',
              answers: [],
              ttl: null,
              latencyMs: 3,
              errorClass: 'dns_servfail',
              message: 'x',
            },
          ],
          tls: { daysLeft: 30, notAfter: t + 1, subject: 'CN=a', issuer: 'CN=b', authorized: true },
          finalUrl: 'https://example.net/',
          headers: { server: 'nginx' },
          shortage: 'queue',
        },
      },
      { seq: 10, result: { ...ok('api', t + 10_000), message: 'connected' } },
    ];
    const batch = encodeBatch(items);
    expect(batch.checks).toEqual(['api', 'dns']);
    expect(batch.messages).toEqual(['connected', 'SERVFAIL']);
    expect(batch.seq).toEqual([7, 2, 1]);
    expect(batch.at).toEqual([t, -40, 10_040]);
    const parsed = ResultBatchSchema.parse(JSON.parse(JSON.stringify(batch)));
    expect(decodeBatch(parsed)).toEqual({
      last: 10,
      results: [
        { ...items[0]!.result, latencyMs: 1.235 },
        { ...items[1]!.result, phases: { ...items[1]!.result.phases!, ttfbMs: 3 } },
        items[2]!.result,
      ],
    });
    expect(decodeBatch(parsed, 9)).toEqual({ last: 10, results: [items[2]!.result] });
    expect(decodeBatch(parsed, 12)).toEqual({ last: 12, results: [] });
  });
});

describe('agents module: the beat', () => {
  it('answers an agent that says how often it syncs with the time to its next slot, so agents sync together', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    // sg, tyo and fra are one group: their slots are the multiples of the period.
    await r.clock.advance(300);
    const first = await r.sync(
      SG_TOKEN,
      request('sg', t + 300, [{ seq: 1, result: ok('api', t) }], { syncEveryMs: 750 }),
    );
    expect((first.body as AgentSyncResponse).nextInMs).toBe(450);
    await r.clock.advance(440);
    const tyo = await r.sync(TYO_TOKEN, request('tyo', t + 740, [], { syncEveryMs: 750 }));
    expect((tyo.body as AgentSyncResponse).nextInMs).toBe(10);
    // An agent that does not say gets no slot.
    const plain = await r.sync(SG_TOKEN, request('sg', t + 740, []));
    expect(plain.body).not.toHaveProperty('nextInMs');
    await r.close();
  });

  it('puts the vantages of a large fleet in groups, each its share of the period later', async () => {
    // Nine agent vantages make two groups; sg, declared second, is in the second: half a period on.
    const others = Array.from({ length: 8 }, (_, i) => `  - { id: v${i}, token_env: V${i}_TOKEN }`);
    const config = [
      'defaults: { interval: 10s, timeout: 2s, fall: 1, rise: 1 }',
      'vantages:',
      others[0],
      `  - { id: sg, token_sha256: ${hashAgentToken(SG_TOKEN)} }`,
      ...others.slice(1),
      'checks:',
      '  - { id: api, type: tcp, host: 127.0.0.1, port: 1, vantages: [local, sg] }',
    ].join('\n');
    const r = rig(dir, { config });
    const t = r.clock.now();
    await r.clock.advance(300);
    const out = await r.sync(SG_TOKEN, request('sg', t + 300, [], { syncEveryMs: 750 }));
    expect(out.status).toBe(200);
    expect((out.body as AgentSyncResponse).nextInMs).toBe(75);
    await r.close();
  });
});

describe('agents module: results exactly once', () => {
  it('applies each (stream, seq) once, acknowledges what is committed, and stores each result once', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    const batch = [1, 2, 3].map((seq) => ({ seq, result: ok('api', t - 3_000 + seq * 1_000) }));
    const first = await r.sync(SG_TOKEN, request('sg', t, batch));
    expect(first.status).toBe(200);
    expect((first.body as AgentSyncResponse).ack).toBe(3);
    // The same batch again (the ack was lost), and one that overlaps it.
    expect(((await r.sync(SG_TOKEN, request('sg', t, batch))).body as AgentSyncResponse).ack).toBe(3);
    const overlap = [3, 4].map((seq) => ({ seq, result: ok('api', t - 3_000 + seq * 1_000) }));
    expect(((await r.sync(SG_TOKEN, request('sg', t, overlap))).body as AgentSyncResponse).ack).toBe(4);
    expect(r.store.recent('api', 100, 'sg').map((x) => x.startedAt)).toEqual(
      [4, 3, 2, 1].map((seq) => t - 3_000 + seq * 1_000),
    );
    expect(r.store.loadState(cursorKey('sg', 'stream-aaaaaaaa'))).toBe(4);
    // Another stream of the same vantage (an agent whose buffer was wiped) counts from 1 again.
    const fresh = request('sg', t, [{ seq: 1, result: ok('api', t + 500) }], {
      agent: { version: '0.1.0', stream: 'stream-bbbbbbbb', startedAt: t },
    });
    expect(((await r.sync(SG_TOKEN, fresh)).body as AgentSyncResponse).ack).toBe(1);
    expect(r.store.recent('api', 100, 'sg')).toHaveLength(5);
    await r.close();
  });

  it('keeps the cursor across a restart: what was committed before is not applied again', async () => {
    const first = rig(dir);
    const t = first.clock.now();
    const batch = [1, 2].map((seq) => ({ seq, result: ok('api', t - 2_000 + seq * 1_000) }));
    await first.sync(SG_TOKEN, request('sg', t, batch));
    await first.close();
    const second = rig(dir);
    const again = await second.sync(
      SG_TOKEN,
      request('sg', t + 1_000, [...batch, { seq: 3, result: ok('api', t + 1_000) }]),
    );
    expect((again.body as AgentSyncResponse).ack).toBe(3);
    expect(second.store.recent('api', 100, 'sg')).toHaveLength(3);
    await second.close();
  });

  it('acknowledges only what is on disk: when the commit fails the ack stays, and nothing is applied twice', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    const commit = r.store.commitWith.bind(r.store);
    let failing = true;
    r.store.commitWith = (key, value) => (failing ? false : commit(key, value));
    const batch = [1, 2].map((seq) => ({ seq, result: ok('api', t - 2_000 + seq * 1_000) }));
    expect(((await r.sync(SG_TOKEN, request('sg', t, batch))).body as AgentSyncResponse).ack).toBe(0);
    failing = false;
    // The agent resends; the results are not applied again, and the cursor is committed now.
    expect(((await r.sync(SG_TOKEN, request('sg', t, batch))).body as AgentSyncResponse).ack).toBe(2);
    r.store.flush();
    expect(r.store.recent('api', 100, 'sg')).toHaveLength(2);
    await r.close();
  });

  it('corrects an agent clock off by more than 1 s, records the skew, and tags results with their vantage', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    // The agent's clock runs 30 s ahead.
    const ahead = t + 30_000;
    await r.sync(SG_TOKEN, request('sg', ahead, [{ seq: 1, result: ok('api', ahead - 1_000) }]));
    const [stored] = r.store.recent('api', 1, 'sg');
    expect(stored).toMatchObject({ startedAt: t - 1_000, vantage: 'sg' });
    const sg = r.engine.vantageViews().find((v) => v.id === 'sg')!;
    expect(sg.link).toMatchObject({ connected: true, lastSeenAt: t, skewMs: 30_000, version: '0.1.0', checks: 3 });
    // Within a second: left alone (the time in flight is part of it).
    await r.sync(SG_TOKEN, request('sg', t + 400, [{ seq: 2, result: ok('api', t + 100) }]));
    expect(r.store.recent('api', 1, 'sg')[0]!.startedAt).toBe(t + 100);
    await r.close();
  });

  it('says on the vantage why its agent is offline when the centre refuses its syncs, until one is taken', async () => {
    const r = rig(dir);
    const tyo = () => r.engine.vantageViews().find((v) => v.id === 'tyo')!;
    const t = r.clock.now();
    expect(tyo()).toMatchObject({ online: false, reason: 'no sync from the agent yet' });
    // An agent of a later release: a field this centre does not know.
    const newer = {
      ...request('tyo', t, []),
      agent: { version: '9.9.0', stream: 'stream-bbbbbbbb', startedAt: t },
      beatV3: 1,
    };
    expect((await r.sync(TYO_TOKEN, newer)).status).toBe(400);
    expect(tyo()).toMatchObject({
      online: false,
      reason:
        'the centre refuses its syncs: invalid sync: (body): unknown field beatV3 ' +
        `(agent 9.9.0, this centre ${KNOCKON_VERSION}: upgrade the centre first)`,
    });
    expect(
      r.logs.some((l) =>
        l.includes('tyo (192.0.2.7) sent an invalid sync: (body): unknown field beatV3 (agent 9.9.0, this centre'),
      ),
    ).toBe(true);
    // With other faults beside it, the unknown field comes first: it is the likely cause.
    const both = await r.sync(TYO_TOKEN, { ...newer, sentAt: 'soon' });
    expect((both.body as { error: string }).error).toMatch(/^invalid sync: \(body\): unknown field beatV3; sentAt: /);
    // Without a version the body could say, none; an older agent is told to upgrade itself.
    await r.sync(TYO_TOKEN, { ...request('tyo', t, []), agent: { ...newer.agent, version: 'v'.repeat(65) } });
    expect(tyo().reason).toMatch(/^the centre refuses its syncs: invalid sync: agent\.version: [^(]*$/);
    await r.sync(TYO_TOKEN, { ...request('tyo', t, []), sentAt: 'soon', agent: { ...newer.agent, version: '0.0.1' } });
    expect(tyo().reason).toMatch(
      new RegExp(
        `^the centre refuses its syncs: invalid sync: sentAt: .* \\(agent 0\\.0\\.1, this centre ${KNOCKON_VERSION.replaceAll('.', '\\.')}: upgrade the agent\\)$`,
      ),
    );
    // A sync taken: online, and the refusal is past.
    await r.sync(TYO_TOKEN, request('tyo', t, []));
    expect(tyo()).toMatchObject({ online: true, reason: null });
    // Refused while still connected: online, nothing shown, until the link goes quiet.
    expect((await r.sync(TYO_TOKEN, request('sg', t, []))).status).toBe(403);
    expect(tyo()).toMatchObject({ online: true, reason: null });
    await r.clock.advance(16_000);
    expect(tyo().online).toBe(false);
    expect(tyo().reason).toMatch(
      /^the centre refuses its syncs: a sync made with its token \(.+\) reported as vantage sg$/,
    );
    // A refusal not repeated for a minute no longer says why (the agent stopped, or whatever sent it).
    await r.clock.advance(60_000);
    expect(tyo().reason).toBe('no sync from the agent for more than 15 s');
    // A body that is not JSON; a revoked token of the vantage's own.
    await r.sync(TYO_TOKEN, 'nope{');
    expect(tyo().reason).toBe('the centre refuses its syncs: its sync is not JSON');
    const revoked = r.store.createAgentToken({ vantage: 'tyo', name: 'old tyo' });
    r.store.revokeAgentToken(revoked.id);
    expect((await r.sync(revoked.token, request('tyo', t, []))).status).toBe(401);
    expect(tyo().reason).toBe(`the centre refuses its syncs: agent token ${revoked.id} is revoked`);
    // What the body says is bounded and can neither break a line nor turn the text around.
    await r.sync(TYO_TOKEN, {
      ...newer,
      agent: { ...newer.agent, version: '1\n2026-12-07 error forged' },
      ['x'.repeat(100_000)]: 1,
      'k\u202Eevil': 1,
    });
    const reason = tyo().reason!;
    expect(reason).toMatch(/^the centre refuses its syncs: invalid sync: \(body\): unknown fields (beatV3, )?x{200}/);
    expect(reason).toContain(
      `… (agent 1\uFFFD2026-12-07 error forged, this centre ${KNOCKON_VERSION}: an agent newer than this centre?`,
    );
    expect(reason.length).toBeLessThanOrEqual('the centre refuses its syncs: invalid sync: '.length + 300 + 140);
    expect(reason).not.toMatch(/[\n\u202E]/);
    expect(r.logs.at(-1)).not.toMatch(/[\n\u202E]/);
    // A protocol version that is not a number is described, not converted (an object with its own toString).
    const odd = await r.sync(TYO_TOKEN, { ...request('tyo', t, []), v: { toString: 1 } });
    expect(odd).toMatchObject({ status: 400 });
    expect((odd.body as { error: string }).error).toMatch(/the agent sent an object: /);
    // Another vantage's refusals are not tyo's, and a refusal never marks a vantage online.
    await r.sync(SG_TOKEN, 'nope{');
    expect(tyo().reason).not.toBe('the centre refuses its syncs: its sync is not JSON');
    expect(r.engine.vantageViews().find((v) => v.id === 'sg')).toMatchObject({
      online: false,
      reason: 'the centre refuses its syncs: its sync is not JSON',
    });
    await r.close();
  });

  it('passes the agent view of its own network to the engine, and observerOffline results do not vote', async () => {
    const r = rig(dir);
    const t = r.clock.now();
    const down = {
      ...ok('api', t),
      ok: false,
      latencyMs: null,
      errorClass: 'connect_timeout' as const,
      message: 't/o',
    };
    await r.sync(
      SG_TOKEN,
      request('sg', t, [{ seq: 1, result: { ...down, observerOffline: true } }], {
        status: { buffered: 7, dropped: 2, online: false, reason: 'sg-gw down' },
      }),
    );
    const sg = r.engine.vantageViews().find((v) => v.id === 'sg')!;
    expect(sg).toMatchObject({ online: false, reason: 'sg-gw down', link: { buffered: 7, dropped: 2 } });
    const api = r.engine.snapshot().checks.find((c) => c.id === 'api')!;
    expect(api.vantages!.find((v) => v.vantage === 'sg')).toMatchObject({ status: 'unknown', voting: false });
    await r.close();
  });
});

/** The disk fills for real (a tmpfs); CI runs as root, elsewhere the tests say why they cannot. */
const small = mkdtempSync(join(tmpdir(), 'knockon-agents-full-'));
const noTmpfs = mountTmpfs(small, '4m');
if (noTmpfs) console.warn(`agents module full-disk test skipped: ${noTmpfs}`);

describe.skipIf(noTmpfs !== null)('agents module: a full disk', () => {
  afterAll(() => {
    unmount(small);
    rmSync(small, { recursive: true, force: true });
  });

  it('never stores a result twice when the store flushes a batch whose commit failed and the centre then crashes', async () => {
    const data = join(small, 'centre');
    const r = rig(data);
    const t = r.clock.now();
    const result = (seq: number) => ({ seq, result: ok('api', t - 10_000 + seq * 1_000) });
    expect(((await r.sync(SG_TOKEN, request('sg', t, [1, 2].map(result)))).body as AgentSyncResponse).ack).toBe(2);
    fill(small);
    expect(((await r.sync(SG_TOKEN, request('sg', t, [3, 4].map(result)))).body as AgentSyncResponse).ack).toBe(2);
    freeUp(small);
    // The store's 1 s flush takes the requeued results before the agent syncs again; then a crash.
    r.store.flush();
    const restarted = rig(data);
    const again = await restarted.sync(SG_TOKEN, request('sg', t + 1_000, [3, 4, 5].map(result)));
    expect((again.body as AgentSyncResponse).ack).toBe(5);
    restarted.store.flush();
    expect(restarted.store.recent('api', 100, 'sg').map((x) => x.startedAt)).toEqual(
      [5, 4, 3, 2, 1].map((seq) => result(seq).result.startedAt),
    );
    await restarted.close();
    await r.close();
  });
});

describe('agents module: assignments', () => {
  it("sends each vantage the checks probed from it as a config document, without the centre's fields", async () => {
    const r = rig(dir);
    const out = await r.sync(SG_TOKEN, request('sg', r.clock.now(), []));
    const { assignment } = out.body as AgentSyncResponse;
    expect(assignment!.vantage).toBe('sg');
    const doc = assignment!.config as Record<string, unknown> & { checks: Record<string, unknown>[] };
    expect(doc.checks.map((c) => c.id)).toEqual(['api', 'web', 'sg-gw']);
    for (const c of doc.checks) {
      expect(c).not.toHaveProperty('vantages');
      expect(c).not.toHaveProperty('quorum');
      expect(c).not.toHaveProperty('missing_vantage');
    }
    // As written: durations with units, env references unresolved.
    expect(doc.checks[1]).toEqual({
      id: 'web',
      type: 'http',
      url: 'https://example.net/health',
      interval: '30s',
      headers_env: { 'X-Key': 'WEB_KEY' },
    });
    expect(doc.defaults).toEqual({ interval: '10s', timeout: '2s', fall: 1, rise: 1 });
    expect(doc.vantage).toEqual({ id: 'sg', name: 'Singapore', reference_checks: ['sg-gw'], offline_when: 'all' });
    expect(doc.board).toEqual({ title: 'Test centre' });
    expect(doc.regions).toHaveLength(1);
    // The agent parses it as a file: it is a valid config, probed all from sg.
    const parsed = parseConfigText(JSON.stringify(doc), 'assignment');
    expect(parsed.ok).toBe(true);
    // tyo gets only api; an agent already on the revision gets none.
    const tyo = (await r.sync(TYO_TOKEN, request('tyo', r.clock.now(), []))).body as AgentSyncResponse;
    expect((tyo.assignment!.config as { checks: { id: string }[] }).checks.map((c) => c.id)).toEqual(['api']);
    const current = await r.sync(SG_TOKEN, request('sg', r.clock.now(), [], { assignmentRev: assignment!.rev }));
    expect(current.body).not.toHaveProperty('assignment');
    await r.close();
  });

  it('keeps the revision across restarts and key order, and changes it when the checks change', async () => {
    const first = rig(dir);
    const rev1 = ((await first.sync(SG_TOKEN, request('sg', first.clock.now(), []))).body as AgentSyncResponse)
      .assignment!.rev;
    await first.close();
    const second = rig(dir);
    const rev2 = ((await second.sync(SG_TOKEN, request('sg', second.clock.now(), []))).body as AgentSyncResponse)
      .assignment!.rev;
    await second.close();
    expect(rev2).toBe(rev1);
    // The same document with its keys in another order is the same revision.
    const reordered = CONFIG.replace(
      '{ id: here, type: tcp, host: 127.0.0.1, port: 3, vantages: [local] }',
      '{ port: 3, host: 127.0.0.1, type: tcp, vantages: [local], id: here }',
    );
    const third = rig(dir, { config: reordered });
    const rev3 = ((await third.sync(SG_TOKEN, request('sg', third.clock.now(), []))).body as AgentSyncResponse)
      .assignment!.rev;
    await third.close();
    expect(rev3).toBe(rev1);
    const changed = CONFIG.replace('interval: 30s', 'interval: 20s');
    const fourth = rig(dir, { config: changed });
    const rev4 = ((await fourth.sync(SG_TOKEN, request('sg', fourth.clock.now(), []))).body as AgentSyncResponse)
      .assignment!.rev;
    await fourth.close();
    expect(rev4).not.toBe(rev1);
  });

  it('writes canonical JSON: keys sorted at every level, arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
});
