import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoardServer, type BoardSource, type RunningBoardServer } from '../../src/server/board-server.ts';
import { emptyBoard } from '../support/board.ts';

const snapshot = emptyBoard(1);

/** The engine side is a stand-in here: what is under test is the HTTP surface. */
const calls: { method: string; params: unknown; actor?: unknown }[] = [];
const source: BoardSource = {
  current: () => snapshot,
  subscribe: () => () => {},
  request: async (method, params, actor) => {
    calls.push({ method, params, actor });
    if (method === 'history.availability') throw new Error('no such check "x"');
    return { echoed: method } as never;
  },
};

describe('headless board server', () => {
  let dir: string;
  let server: RunningBoardServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-srv-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    server = await startBoardServer({ source, staticDir: dir, port: 0, token: 'sekret' });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds to loopback by default and sends a strict CSP', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(server.url);
    expect(await res.text()).toBe('<html>board</html>');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('says at /auth/me that it has no sign-in, rather than serving the page there', async () => {
    const res = await fetch(new URL('/auth/me', server.url));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ mode: 'open' });
  });

  it('never serves files outside the renderer directory', async () => {
    const res = await fetch(new URL('/..%2f..%2f..%2fetc%2fpasswd', server.url));
    expect(await res.text()).toBe('<html>board</html>');
  });

  it('starts every event stream with a snapshot', async () => {
    const controller = new AbortController();
    const res = await fetch(new URL('/api/events', server.url), { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"kind":"snapshot"')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
  });

  it('answers queries without a token', async () => {
    const params = encodeURIComponent(JSON.stringify({ checkId: 'a', range: '1h', points: 10 }));
    const res = await fetch(new URL(`/api/query/history.series?params=${params}`, server.url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ echoed: 'history.series' });
    expect(calls.at(-1)).toEqual({
      method: 'history.series',
      params: { checkId: 'a', range: '1h', points: 10 },
      actor: { id: 'anonymous', name: 'anonymous', via: 'http', role: 'viewer' },
    });
  });

  it('refuses actions without the token, and accepts them with it', async () => {
    const url = new URL('/api/action/incidents.acknowledge', server.url);
    const body = JSON.stringify({ incidentId: 'i1', note: 'on it' });
    const denied = await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer wrong' } });
    expect(denied.status).toBe(401);
    expect(calls.some((c) => c.method === 'incidents.acknowledge')).toBe(false);
    const allowed = await fetch(url, { method: 'POST', body, headers: { authorization: 'Bearer sekret' } });
    expect(allowed.status).toBe(200);
    // The engine hears who acted from the server, from the credential, not from the body.
    expect(calls.at(-1)?.actor).toEqual({ id: 'token:board', name: 'board token', via: 'http', role: 'admin' });
  });

  it('will not run an action through the query route, nor a query via GET on the action route', async () => {
    expect((await fetch(new URL('/api/query/incidents.acknowledge', server.url))).status).toBe(404);
    expect((await fetch(new URL('/api/action/incidents.acknowledge', server.url))).status).toBe(405);
  });

  it("passes the engine's error message through", async () => {
    const params = encodeURIComponent(JSON.stringify({ checkId: 'x', range: '1h' }));
    const res = await fetch(new URL(`/api/query/history.availability?params=${params}`, server.url));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'no such check "x"' });
  });

  it('refuses params the contract refuses before the engine sees them, naming the field', async () => {
    const before = calls.length;
    const res = await fetch(new URL('/api/query/history.availability?params={}', server.url));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: expect.stringMatching(/^history\.availability: invalid params: checkId: expected a check id/),
    });
    expect(calls.length).toBe(before);
  });
});
