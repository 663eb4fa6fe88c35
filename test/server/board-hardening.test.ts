/**
 * The board server against hostile clients, on real sockets: rebound DNS names, cross-origin
 * actions, oversized bodies, malformed request lines, connection floods, slot hogs and readers
 * that never read.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoardServer, type BoardSource, type RunningBoardServer } from '../../src/server/board-server.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { emptyBoard } from '../support/board.ts';

const listeners = new Set<(message: BoardMessage) => void>();
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
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('board server under hostile clients', () => {
  let dir: string;
  let server: RunningBoardServer;
  let port: number;
  const action = { 'content-type': 'application/json', authorization: 'bearer sekret' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-harden-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    server = await startBoardServer({
      source,
      staticDir: dir,
      port: 0,
      token: 'sekret',
      allowedHosts: ['board.noc.example'],
      maxConnections: 24,
      idleTimeoutMs: 300,
    });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers only to its own host names, so a rebound DNS name cannot read the board', async () => {
    expect((await raw(port, { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await raw(port, { path: '/api/snapshot', headers: { host: `evil.example:${port}` } })).status).toBe(421);
    expect((await raw(port, { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: 'board.noc.example' } })).status).toBe(200);
  });

  it('refuses actions from a foreign origin even with the token, and takes lower-case bearer', async () => {
    const body = JSON.stringify({ policyId: 'p', by: 'ana' });
    const path = '/api/action/failover.approve';
    const foreign = await raw(port, {
      method: 'POST',
      path,
      headers: { ...action, origin: 'http://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
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

  it('answers an oversized body with 413, not a reset', async () => {
    const body = Buffer.alloc(100 * 1024, 0x20);
    const res = await raw(port, { method: 'POST', path: '/api/action/incidents.acknowledge', headers: action, body });
    expect(res.status).toBe(413);
    expect(res.body).toContain('request body over');
  });

  it('answers a request path no URL parser accepts with 400', async () => {
    const socket = await openSocket(port);
    socket.write(`GET //[ HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`);
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 400/);
  });

  it('holds at most maxConnections sockets, and closes the idle ones', async () => {
    const sockets = await Promise.all(Array.from({ length: 40 }, () => openSocket(port)));
    const closed = sockets.map((s) => once(s, 'close'));
    const held = await new Promise<number>((resolve, reject) =>
      server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(held).toBeLessThanOrEqual(24);
    // Every socket closes by itself: the excess at once, the rest after the idle timeout.
    await Promise.all(closed);
    const after = await raw(port, { headers: { host: `127.0.0.1:${port}` } });
    expect(after.status).toBe(200);
  });

  it('gives one address a bounded number of board streams, so the wall is never locked out', async () => {
    const streams: Socket[] = [];
    for (let i = 0; i < 8; i++) {
      const s = await openSocket(port);
      s.write(`GET /api/events HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
      await once(s, 'data');
      streams.push(s);
    }
    const ninth = await raw(port, { path: '/api/events' });
    expect(ninth.status).toBe(429);
    for (const s of streams) s.destroy();
  });

  it('drops a board client that never reads once it falls a bounded amount behind', async () => {
    const s = await openSocket(port);
    s.write(`GET /api/events HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
    await once(s, 'data');
    s.pause();
    const closed = once(s, 'close');
    const big = { ...emptyBoard(2), title: 'x'.repeat(512 * 1024) };
    for (let i = 0; i < 200 && !s.destroyed; i++) {
      for (const l of listeners) l({ v: 1, seq: i + 1, kind: 'snapshot', snapshot: big });
      await new Promise((r) => setImmediate(r));
      if (s.readableLength > 0 && i > 150) break;
    }
    s.resume();
    s.on('data', () => {});
    await closed;
    expect(s.destroyed).toBe(true);
  });
});
