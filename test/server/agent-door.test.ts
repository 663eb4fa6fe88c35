/**
 * The agent door (POST /api/agent/v1/sync) on real sockets, with a stand-in engine, as the board
 * server serves it and as the agent port (`knockon serve --agent-port`) serves it alone: what
 * reaches the engine, what is refused at the door, and which of the board's checks apply to
 * agents.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentPort } from '../../src/server/agent-port.ts';
import { startBoardServer, type BoardSource } from '../../src/server/board-server.ts';
import { AGENT_SYNC_PATH, MAX_AGENT_BODY_BYTES } from '../../src/shared/agent-protocol.ts';
import type { RpcParams } from '../../src/shared/rpc.ts';
import { emptyBoard } from '../support/board.ts';

const calls: { method: string; params: unknown }[] = [];
let engineDown = false;
/** While set, the engine holds every sync until it resolves. */
let hold: Promise<void> | null = null;
let onCall: () => void = () => {};
const source: BoardSource = {
  current: () => emptyBoard(1),
  subscribe: () => () => {},
  request: async (method, params) => {
    calls.push({ method, params });
    onCall();
    if (hold) await hold;
    if (engineDown) throw new Error('the engine is not running (restarting?)');
    return { status: 200, body: { v: 1, ack: 7, at: 1 } } as never;
  },
};

function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? AGENT_SYNC_PATH,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
      },
    );
    // The server may answer and close before reading a refused body.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    req.end(options.body);
  });
}

const agentHeaders = { authorization: 'Bearer kna_the-agent', 'content-type': 'application/json' };

const servers = {
  'the board server': (dir: string) => startBoardServer({ source, staticDir: dir, port: 0, token: 'board-token' }),
  'the agent port': () =>
    startAgentPort({
      host: '127.0.0.1',
      port: 0,
      call: (params, actor) => source.request('agent.sync', params, actor),
    }),
};

describe.each(Object.keys(servers) as (keyof typeof servers)[])('the agent door on %s', (kind) => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-agent-door-'));
    server = await servers[kind](dir);
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('forwards the token, the body unparsed and the address to the engine, and answers with its outcome', async () => {
    calls.length = 0;
    const res = await send(port, { headers: { ...agentHeaders, host: 'centre.noc.example' }, body: '{"v":1}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ v: 1, ack: 7, at: 1 });
    expect(calls).toEqual([
      {
        method: 'agent.sync',
        params: { token: 'kna_the-agent', body: '{"v":1}', from: '127.0.0.1' } satisfies RpcParams<'agent.sync'>,
      },
    ]);
  });

  it('refuses at the door what needs no engine to refuse', async () => {
    calls.length = 0;
    expect((await send(port, { method: 'GET', headers: agentHeaders })).status).toBe(405);
    const noToken = await send(port, { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer');
    // Longer than any agent token: refused without asking the engine.
    expect(
      (await send(port, { headers: { ...agentHeaders, authorization: `Bearer ${'x'.repeat(600)}` } })).status,
    ).toBe(401);
    expect((await send(port, { headers: { ...agentHeaders, 'content-type': 'text/plain' }, body: '{}' })).status).toBe(
      415,
    );
    // A browser always sends Origin with a POST: it has no business here, token or not.
    expect(
      (await send(port, { headers: { ...agentHeaders, origin: 'https://evil.example' }, body: '{}' })).status,
    ).toBe(403);
    expect(calls).toEqual([]);
  });

  it('answers 413 to a body over the limit, told or sent, and never asks the engine', async () => {
    calls.length = 0;
    const told = await send(port, {
      headers: { ...agentHeaders, 'content-length': String(MAX_AGENT_BODY_BYTES + 1) },
    });
    expect(told.status).toBe(413);
    const sent = await send(port, { headers: agentHeaders, body: Buffer.alloc(MAX_AGENT_BODY_BYTES + 1, 0x20) });
    expect(sent.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('answers 503 with retry-after while the engine is away (nothing acknowledged: the agent resends)', async () => {
    engineDown = true;
    try {
      const res = await send(port, { headers: agentHeaders, body: '{}' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      engineDown = false;
    }
  });

  it('holds at most 16 syncs at once (bodies are large): more get 503 and retry', async () => {
    calls.length = 0;
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const sixteen = new Promise<void>((resolve) => (onCall = () => calls.length === 16 && resolve()));
    const held = Array.from({ length: 16 }, () => send(port, { headers: agentHeaders, body: '{}' }));
    await sixteen;
    const refused = await send(port, { headers: agentHeaders, body: '{}' });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({ error: 'too many agent syncs at once; retry' });
    hold = null;
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(16).fill(200));
    onCall = () => {};
    expect((await send(port, { headers: agentHeaders, body: '{}' })).status).toBe(200);
  });

  // The door's token opens nothing else: behind the board's own checks there, and alone on the agent port.
  it('opens nothing but the door: the board keeps its checks (421, 404); the agent port serves no board', async () => {
    calls.length = 0;
    if (kind === 'the board server') {
      expect(
        (await send(port, { path: '/api/snapshot', method: 'GET', headers: { host: 'centre.noc.example' } })).status,
      ).toBe(421);
      expect((await send(port, { path: '/api/action/agent.sync', headers: agentHeaders, body: '{}' })).status).toBe(
        404,
      );
    } else {
      for (const path of ['/', '/api/snapshot', '/api/events', '/api/action/agent.sync', '/metrics']) {
        const res = await send(port, { path, method: 'GET', headers: { authorization: 'Bearer board-token' } });
        expect(res.status, path).toBe(404);
        expect(JSON.parse(res.body).error).toMatch(/serves \/api\/agent\/v1\/sync only/);
      }
      expect((await send(port, { path: '/healthz', method: 'GET' })).body).toBe('ok\n');
    }
    expect(calls).toEqual([]);
  });
});
