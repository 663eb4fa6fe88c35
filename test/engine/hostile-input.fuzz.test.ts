/**
 * Hostile input at every door of a running engine: a few hundred malformed bodies and params,
 * sent to the heartbeat listener (with and without the right token) and to the board server's
 * queries and actions, through the real worker. The engine must answer each with a 4xx and
 * never die: a worker restart means monitoring went dark for every check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { startBoardServer, type RunningBoardServer } from '../../src/server/board-server.ts';
import { parseRpcParams, RPC_CONTRACT, type RpcMethod } from '../../src/shared/rpc.ts';
import { LISTENER_LINE, LogWatch } from '../support/log-watch.ts';
import { ADMIN } from '../support/actors.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);
const TOKEN = 'fuzz-heartbeat-token-0123456789';
const BOARD_TOKEN = 'fuzz-board-token';

/** A small deterministic generator, so a failure names an input that can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const value = (depth: number): unknown => {
    const kind = Math.floor(next() * (depth > 3 ? 6 : 9));
    switch (kind) {
      case 0:
        return pick([null, true, false]);
      case 1:
        return pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 86_400_000 * 400]);
      case 2:
        return pick(['', ' ', 'up', 'down', '\u0000', 'x'.repeat(5_000), '1h', '<script>', '__proto__', '💥']);
      case 3:
        return pick(['toString', 'valueOf', 'constructor', 'hasOwnProperty']);
      case 4:
        return { toString: value(depth + 1), valueOf: value(depth + 1) };
      case 5:
        return pick(['NaN', 'Infinity', '-0', '1e999']);
      case 6:
        return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        const keys = ['status', 'message', 'msg', 'value', 'checkId', 'range', 'points', 'limit', 'since'];
        keys.push('incidentId', 'by', 'note', 'forMs', 'policyId', 'reason', '__proto__', 'constructor');
        for (let i = Math.floor(next() * 5); i >= 0; i--) out[pick(keys)] = value(depth + 1);
        return out;
      }
    }
  };
  /** A request body: mostly JSON of odd shapes, sometimes bytes that are not JSON at all. */
  const body = (): string | Buffer => {
    const r = next();
    if (r < 0.1) return Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]);
    if (r < 0.15) return '{"status": "up", "message": ';
    if (r < 0.2) return '['.repeat(5_000) + ']'.repeat(5_000);
    if (r < 0.25) return `{"message": ${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`;
    return JSON.stringify(value(0));
  };
  return { body, value, pick };
}

describe('hostile input through the engine worker', () => {
  let dir: string;
  let host: EngineHost;
  let board: RunningBoardServer;
  let heartbeatUrl: string;
  const watch = new LogWatch();
  const logs = watch.lines;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-fuzz-'));
    await writeFile(
      join(dir, 'knockon.yaml'),
      `heartbeat_listener: { host: 127.0.0.1, port: 0 }
checks:
  - id: batch
    type: heartbeat
    token: ${TOKEN}
    down_after: 1h
`,
    );
    host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), dataDir: dir, log: watch.log });
    host.start();
    await host.ready();
    heartbeatUrl = await watch.match(LISTENER_LINE, 'the heartbeat listener to start');
    board = await startBoardServer({ source: host, staticDir: dir, port: 0, token: BOARD_TOKEN });
  });

  afterAll(async () => {
    await board?.close();
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers hundreds of malformed heartbeats with 4xx and never restarts the worker', async () => {
    const g = generator(9);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const authorised = i % 3 !== 0;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorised) headers.authorization = `${g.pick(['Bearer', 'bearer', 'BEARER'])} ${TOKEN}`;
      const res = await fetch(`${heartbeatUrl}/heartbeat/batch`, { method: 'POST', headers, body: g.body() });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `request ${i}`).toBeLessThan(500);
      if (!authorised) expect(res.status).toBe(401);
    }
    // The regression that started this: an object with its own toString as the message.
    const res = await fetch(`${heartbeatUrl}/heartbeat/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ message: { toString: { x: 1 } }, status: { toString: 'up' } }),
    });
    expect(res.status).toBe(400);
    expect(host.workerRestarts()).toBe(0);
    // Still listening and still recording.
    const ok = await fetch(`${heartbeatUrl}/heartbeat/batch?token=${TOKEN}&value=7`);
    expect(ok.status).toBe(200);
    expect(statuses.get(400)).toBeGreaterThan(50);
  });

  it('answers hundreds of malformed queries and actions with 4xx and never restarts the worker', async () => {
    const g = generator(17);
    const methods = [...(Object.keys(RPC_CONTRACT) as RpcMethod[]), 'toString', '__proto__', 'x.y'];
    for (let i = 0; i < 300; i++) {
      const method = g.pick(methods);
      const known = Object.hasOwn(RPC_CONTRACT, method);
      const isAction = known && RPC_CONTRACT[method as RpcMethod].kind === 'action';
      const params = g.value(0);
      // A method without parameters (engine.health) may be handed a valid `{}` by chance; queries
      // are asked without credentials, so only viewers' ones may answer.
      const valid =
        !isAction &&
        known &&
        RPC_CONTRACT[method as RpcMethod].role === 'viewer' &&
        parseRpcParams(method as RpcMethod, params).ok;
      const res = isAction
        ? await fetch(new URL(`/api/action/${method}`, board.url), {
            method: 'POST',
            headers: { authorization: `Bearer ${BOARD_TOKEN}`, 'content-type': 'application/json' },
            body: g.body(),
          })
        : await fetch(
            new URL(`/api/query/${method}?params=${encodeURIComponent(JSON.stringify(params) ?? '')}`, board.url),
          );
      await res.arrayBuffer();
      if (valid) expect(res.status, `request ${i} to ${method}`).toBe(200);
      else expect(res.status, `request ${i} to ${method}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `request ${i} to ${method}`).toBeLessThan(500);
    }
    expect(host.workerRestarts()).toBe(0);
    const series = await host.request('history.series', { checkId: 'batch', range: '1h', points: 10 }, ADMIN);
    expect(Array.isArray(series)).toBe(true);
  });

  it('ignores malformed commands sent straight to the worker', async () => {
    // The worker's own boundary: a command that is not one of ours is logged and dropped.
    const worker = (host as unknown as { worker: { postMessage(m: unknown): void } }).worker;
    for (const junk of [null, 42, 'start', { v: 1, kind: 'request', id: -1 }, { v: 2, kind: 'stop' }, { kind: 'x' }]) {
      worker.postMessage(junk);
    }
    const answer = await host.request('history.availability', { checkId: 'batch', range: '1h' }, ADMIN);
    expect(answer === null || typeof answer === 'number').toBe(true);
    expect(logs.filter((l) => l.startsWith('ignored a malformed command')).length).toBe(6);
    expect(host.workerRestarts()).toBe(0);
  });
});
