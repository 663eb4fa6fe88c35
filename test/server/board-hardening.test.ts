/**
 * The board server against hostile clients, on real sockets: rebound DNS names, cross-origin
 * actions, oversized bodies, malformed request lines, connection floods, slot hogs and readers
 * that never read.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startBoardServer,
  type BoardServerOptions,
  type BoardSource,
  type RunningBoardServer,
} from '../../src/server/board-server.ts';
import { PROTOCOL_VERSION, type BoardMessage } from '../../src/shared/protocol.ts';
import { emptyBoard } from '../support/board.ts';
import { waitFor } from '../support/wait.ts';

const listeners = new Set<(message: BoardMessage) => void>();
const publish = (message: BoardMessage) => {
  for (const l of listeners) l(message);
};
const calls: string[] = [];
const source: BoardSource = {
  current: () => emptyBoard(1),
  subscribe: (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  request: async (method) => {
    calls.push(method);
    return { ok: true, message: 'done' } as never;
  },
};

/** One raw HTTP exchange, so headers fetch() would not send (a foreign Host) can be sent. */
function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | Buffer[] },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        // Its own connection, closed after: no pooled socket lingers into the connection counts.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    // Several pieces and no content-length make a chunked body, whose size is known only as it comes.
    const pieces = Array.isArray(options.body) ? options.body : options.body ? [options.body] : [];
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

function openSocket(port: number, host = '127.0.0.1', localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Asks for the event stream on a raw socket; resolves with the status once the answer begins. */
async function openStream(
  port: number,
  options: { host?: string; localAddress?: string; headers?: string } = {},
): Promise<{ socket: Socket; status: number }> {
  const socket = await openSocket(port, options.host, options.localAddress);
  socket.write(`GET /api/events HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${options.headers ?? ''}\r\n`);
  const [first] = (await once(socket, 'data')) as [Buffer];
  return { socket, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(first.toString())?.[1] ?? 0) };
}

const connectionCount = (server: RunningBoardServer) =>
  new Promise<number>((resolve, reject) =>
    server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

async function boardServer(dir: string, options: Partial<BoardServerOptions>): Promise<RunningBoardServer> {
  return startBoardServer({ source, staticDir: dir, port: 0, token: 'sekret', ...options });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knockon-harden-'));
  await writeFile(join(dir, 'index.html'), '<html>board</html>');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('board server under hostile clients', () => {
  let server: RunningBoardServer;
  let port: number;
  const action = { 'content-type': 'application/json', authorization: 'bearer sekret' };

  beforeAll(async () => {
    server = await boardServer(dir, { allowedHosts: ['board.noc.example'], maxConnections: 24, idleTimeoutMs: 300 });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers only to its own host names, so a rebound DNS name cannot read the board', async () => {
    expect((await raw(port, { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await raw(port, { path: '/api/snapshot', headers: { host: `evil.example:${port}` } })).status).toBe(421);
    expect((await raw(port, { path: '/api/events', headers: { host: 'evil.example' } })).body).toContain(
      '--allowed-host',
    );
    expect((await raw(port, { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: `[::1]:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: 'BOARD.noc.example' } })).status).toBe(200);
  });

  it('is not fooled by a Host that only a URL parser would read as loopback', async () => {
    expect((await raw(port, { headers: { host: 'evil.example@127.0.0.1' } })).status).toBe(421);
    expect((await raw(port, { headers: { host: 'localhost/.evil.example' } })).status).toBe(421);
  });

  it('refuses actions from a foreign or opaque origin even with the token', async () => {
    const body = Buffer.from(JSON.stringify({ policyId: 'p' }));
    const path = '/api/action/failover.approve';
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', 'file://']) {
      const refused = await raw(port, { method: 'POST', path, headers: { ...action, origin }, body });
      expect(refused.status).toBe(403);
    }
    expect(calls).not.toContain('failover.approve');
    const own = await raw(port, {
      method: 'POST',
      path,
      headers: { ...action, origin: `http://127.0.0.1:${port}` },
      body,
    });
    expect(own.status).toBe(200);
    expect(calls).toContain('failover.approve');
  });

  it('takes the bearer scheme in any case', async () => {
    const body = Buffer.from(JSON.stringify({ policyId: 'p' }));
    const path = '/api/action/failover.reject';
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await raw(port, {
        method: 'POST',
        path,
        headers: { ...action, authorization: `${scheme} sekret` },
        body,
      });
      expect(res.status).toBe(200);
    }
    const wrong = await raw(port, {
      method: 'POST',
      path,
      headers: { ...action, authorization: 'Basic sekret' },
      body,
    });
    expect(wrong.status).toBe(401);
  });

  it('answers an oversized body with 413, not a reset, whether its size is declared or not', async () => {
    const body = Buffer.alloc(100 * 1024, 0x20);
    const path = '/api/action/incidents.acknowledge';
    const declared = await raw(port, { method: 'POST', path, headers: action, body });
    expect(declared.status).toBe(413);
    expect(declared.body).toContain('request body over');
    const chunked = await raw(port, {
      method: 'POST',
      path,
      headers: action,
      body: [body.subarray(0, 40 * 1024), body.subarray(40 * 1024)],
    });
    expect(chunked.status).toBe(413);
    expect(calls).not.toContain('incidents.acknowledge');
  });

  it('answers a request path no URL parser accepts with 400', async () => {
    const socket = await openSocket(port);
    socket.write(`GET //[ HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`);
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 400/);
  });

  it('holds at most maxConnections sockets, and closes the idle ones after the idle timeout', async () => {
    let accepted = 0;
    let dropped = 0;
    const changed = new Set<() => void>();
    const onConnection = () => {
      accepted++;
      for (const f of changed) f();
    };
    const onDrop = () => {
      dropped++;
      for (const f of changed) f();
    };
    server.server.on('connection', onConnection);
    server.server.on('drop', onDrop);
    const sockets = await Promise.all(Array.from({ length: 40 }, () => openSocket(port)));
    const answers = sockets.map(() => '');
    sockets.forEach((s, i) => s.on('data', (c: Buffer) => (answers[i] += c.toString())));
    const closed = sockets.map((s) => once(s, 'close'));
    await waitFor(
      (f) => (changed.add(f), () => changed.delete(f)),
      () => accepted + dropped >= 40,
      'the server to take or drop all 40 connections',
    );
    server.server.off('connection', onConnection);
    server.server.off('drop', onDrop);
    const held = await connectionCount(server);
    expect(held).toBeLessThanOrEqual(24);
    expect(dropped).toBeGreaterThanOrEqual(16);
    // None of them sends a byte: each held one is told 408 and closed by the server.
    await Promise.all(closed);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 408')).length).toBe(accepted);
    const after = await raw(port, { headers: { host: `127.0.0.1:${port}` } });
    expect(after.status).toBe(200);
  });

  it('keeps an event stream open past the idle timeout that closes a silent socket', async () => {
    const stream = await openStream(port);
    expect(stream.status).toBe(200);
    // The silent client never reads either: the server must close its side all the same.
    const serverSide = once(server.server, 'connection') as Promise<[Socket]>;
    const silent = await openSocket(port);
    const [silentOnServer] = await serverSide;
    await once(silentOnServer, 'close');
    const next = once(stream.socket, 'data');
    publish({
      v: PROTOCOL_VERSION,
      seq: 1,
      kind: 'config',
      at: 2,
      config: { source: 'still here', appliedAt: 2, error: null },
    });
    const [chunk] = (await next) as [Buffer];
    expect(chunk.toString()).toContain('still here');
    expect(stream.socket.destroyed).toBe(false);
    stream.socket.destroy();
    silent.destroy();
  });

  it('drops a client that never reads once it is 1 MiB behind, and only that one', async () => {
    let serverSide: Socket | null = null;
    server.server.once('connection', (s: Socket) => (serverSide = s));
    const stalled = await openStream(port);
    stalled.socket.pause();
    const reader = await openStream(port);
    let received = 0;
    reader.socket.on('data', (c: Buffer) => (received += c.length));
    const socket = serverSide as Socket | null;
    if (!socket) throw new Error('no server-side socket for the stalled client');
    const closed = once(socket, 'close');
    const big = { ...emptyBoard(2), title: 'x'.repeat(64 * 1024) };
    let sent = 0;
    let deepest = 0;
    for (let i = 0; i < 4_000 && !socket.destroyed; i++) {
      publish({ v: PROTOCOL_VERSION, seq: i + 1, kind: 'snapshot', snapshot: big });
      sent += 64 * 1024;
      if (!socket.destroyed) deepest = Math.max(deepest, socket.writableLength);
      // One turn of the event loop: the reader reads, the kernel takes what it can.
      await new Promise((r) => setImmediate(r));
    }
    await closed;
    expect(deepest).toBeGreaterThan(1024 * 1024);
    expect(deepest).toBeLessThan(1024 * 1024 + 64 * 1024 + 4 * 1024);
    await waitFor(
      (f) => (reader.socket.on('data', f), () => reader.socket.off('data', f)),
      () => received >= sent,
      'the reading client to get every message',
    );
    expect(reader.socket.destroyed).toBe(false);
    reader.socket.destroy();
    stalled.socket.destroy();
  });
});

/** This machine's first address that is not loopback: a client from it is a remote one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(!external)('board streams from remote addresses', () => {
  const servers: RunningBoardServer[] = [];
  const sockets: Socket[] = [];
  const start = async (options: Partial<BoardServerOptions>) => {
    // On every interface, so the same server has loopback and remote clients.
    const server = await boardServer(dir, { host: '0.0.0.0', ...options });
    servers.push(server);
    return Number(new URL(server.url).port);
  };
  const stream = async (port: number, options: Parameters<typeof openStream>[1]) => {
    const opened = await openStream(port, options);
    sockets.push(opened.socket);
    return opened.status;
  };
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await s.close();
  });

  it('gives one remote address a bounded number of streams; loopback is not bounded so', async () => {
    const port = await start({ maxClientsPerAddress: 3 });
    const remote = { host: external!, localAddress: external! };
    for (let i = 0; i < 3; i++) expect(await stream(port, remote)).toBe(200);
    expect(await stream(port, remote)).toBe(429);
    for (let i = 0; i < 5; i++) expect(await stream(port, {})).toBe(200);
  });

  it('keeps slots for this machine and token holders when remote clients take the rest', async () => {
    const port = await start({ maxClients: 10, reservedClients: 3, maxClientsPerAddress: 50 });
    const remote = { host: external!, localAddress: external! };
    for (let i = 0; i < 7; i++) expect(await stream(port, remote)).toBe(200);
    expect(await stream(port, remote)).toBe(503);
    expect(await stream(port, { ...remote, headers: 'authorization: Bearer sekret\r\n' })).toBe(200);
    expect(await stream(port, {})).toBe(200);
    expect(await stream(port, {})).toBe(200);
    expect(await stream(port, {})).toBe(503);
  });
});
