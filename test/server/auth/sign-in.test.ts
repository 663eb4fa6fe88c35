import { DatabaseSync } from 'node:sqlite';
/**
 * Sign-in through the real board server with `auth:` configured: sessions in the real SQLite
 * store, cookies, the login rate limit, CSRF rules, API tokens and kiosk links. The engine side
 * is a stand-in that records who it was asked by: what is under test is the server's doors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoardServer, type RunningBoardServer } from '../../../src/server/board-server.ts';
import { hashPassword } from '../../../src/server/auth/passwords.ts';
import { setupAuth, type AuthSetup } from '../../../src/server/auth/setup.ts';
import { authSchema } from '../../../src/shared/config/auth.ts';
import { recordingSource } from '../../support/recording-source.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const { source, calls } = recordingSource();

describe('signing in to the headless board', () => {
  let dir: string;
  let clock: FakeClock;
  let auth: AuthSetup;
  let server: RunningBoardServer;
  let config: ReturnType<typeof authSchema.parse>;

  const start = async () => {
    auth = await setupAuth({
      auth: config,
      host: '127.0.0.1',
      source,
      dataDir: dir,
      boardToken: 'board-token-for-tests-0123456789',
      clock,
      env: { OLU_PASSWORD: 'operator pass' },
    });
    server = await startBoardServer({
      ...auth.options,
      staticDir: dir,
      port: 0,
      token: 'board-token-for-tests-0123456789',
    });
  };
  const stop = async () => {
    await server.close();
    auth.close();
  };
  const url = (path: string) => new URL(path, server.url);
  const origin = () => server.url.replace(/\/$/, '');
  const login = (user: string, password: string) =>
    fetch(url('/auth/login'), {
      method: 'POST',
      body: JSON.stringify({ user, password }),
      headers: { origin: origin() },
    });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;
  const query = (cookie: string, method = 'history.recent', headers: Record<string, string> = {}) =>
    fetch(url(`/api/query/${method}?params=${encodeURIComponent(JSON.stringify({ checkId: 'c', limit: 1 }))}`), {
      headers: cookie ? { cookie, ...headers } : headers,
    });
  const act = (
    headers: Record<string, string>,
    method = 'incidents.acknowledge',
    body: unknown = { incidentId: 'i', note: '' },
  ) => fetch(url(`/api/action/${method}`), { method: 'POST', headers, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-auth-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    clock = new FakeClock();
    config = authSchema.parse({
      users: [
        { id: 'ana', name: 'Ana Lima', role: 'admin', password_hash: await hashPassword('admin pass') },
        { id: 'olu', role: 'operator', password_env: 'OLU_PASSWORD' },
      ],
      sessions: { idle_timeout: '30m', absolute_timeout: '12h' },
      login: { max_failures: 3, window: '15m' },
    });
    await start();
  });
  afterAll(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the board to anyone not signed in', async () => {
    expect((await fetch(url('/api/snapshot'))).status).toBe(401);
    const me = await fetch(url('/auth/me'));
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ mode: 'signed-out', sso: false });
    expect((await query('knockon_session=forged')).status).toBe(401);
    // The page itself loads, so it can show the sign-in form.
    expect((await fetch(url('/'))).status).toBe(200);
  });

  it('signs in with a password into an HttpOnly, SameSite=Strict cookie, and records the user as the actor', async () => {
    const res = await login('olu', 'operator pass');
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^knockon_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const cookie = cookieOf(res);
    expect(await (await fetch(url('/auth/me'), { headers: { cookie } })).json()).toEqual({
      mode: 'signed-in',
      actor: { id: 'user:olu', name: 'olu', via: 'http', role: 'operator' },
    });
    expect((await fetch(url('/api/snapshot'), { headers: { cookie } })).status).toBe(200);
    expect((await act({ cookie, origin: origin() })).status).toBe(200);
    expect(calls.at(-1)).toEqual({
      method: 'incidents.acknowledge',
      actor: expect.objectContaining({ id: 'user:olu' }),
    });
    const refused = await act({ cookie, origin: origin() }, 'failover.approve', { policyId: 'p' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'failover.approve needs the admin role; olu is an operator' });
  });

  it('refuses a session-signed action with no Origin or a foreign one (CSRF)', async () => {
    const cookie = cookieOf(await login('ana', 'admin pass'));
    const before = calls.length;
    expect((await act({ cookie })).status).toBe(403);
    expect((await act({ cookie, origin: 'http://evil.example' })).status).toBe(403);
    // Same host, another port: the same site to a browser (cookie sent), but not this board.
    expect((await act({ cookie, origin: origin().replace(/:\d+$/, ':1') })).status).toBe(403);
    expect(calls.length).toBe(before);
    const foreignLogin = await fetch(url('/auth/login'), {
      method: 'POST',
      body: JSON.stringify({ user: 'ana', password: 'admin pass' }),
      headers: { origin: 'http://evil.example' },
    });
    expect(foreignLogin.status).toBe(403);
  });

  it('refuses sign-in and sign-out posted from another port of the same host', async () => {
    const otherPort = origin().replace(/:\d+$/, ':1');
    const body = JSON.stringify({ user: 'ana', password: 'admin pass' });
    const foreign = await fetch(url('/auth/login'), { method: 'POST', body, headers: { origin: otherPort } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    const cookie = cookieOf(await login('ana', 'admin pass'));
    const out = await fetch(url('/auth/logout'), { method: 'POST', headers: { cookie, origin: otherPort } });
    expect(out.status).toBe(403);
    expect((await query(cookie)).status).toBe(200);
  });

  it('rate-limits failed sign-ins, refusing even the right password until the window passes', async () => {
    for (let i = 0; i < 3; i++) expect((await login('ana', `guess ${i}`)).status).toBe(401);
    const locked = await login('ana', 'admin pass');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBe(900);
    await clock.advance(15 * 60_000);
    expect((await login('ana', 'admin pass')).status).toBe(200);
  });

  it('keeps sessions across a restart, ends them at the idle timeout, and on logout', async () => {
    const cookie = cookieOf(await login('ana', 'admin pass'));
    await stop();
    await start();
    expect((await query(cookie)).status).toBe(200);
    await clock.advance(29 * 60_000);
    expect((await query(cookie)).status).toBe(200);
    await clock.advance(30 * 60_000);
    expect((await query(cookie)).status).toBe(401);

    const other = cookieOf(await login('ana', 'admin pass'));
    const out = await fetch(url('/auth/logout'), { method: 'POST', headers: { cookie: other, origin: origin() } });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await query(other)).status).toBe(401);
  });

  it('forgets sessions that timed out unused when the next one opens', async () => {
    await login('ana', 'admin pass');
    await login('olu', 'operator pass');
    await clock.advance(31 * 60_000);
    await login('ana', 'admin pass');
    const db = new DatabaseSync(join(dir, 'knockon.db'), { readOnly: true });
    try {
      const { people } = db.prepare('SELECT count(*) AS people FROM auth_sessions WHERE kiosk_id IS NULL').get() as {
        people: number;
      };
      expect(people).toBe(1);
    } finally {
      db.close();
    }
  });

  it('issues API tokens that act with their role, lists them without secrets, and revokes them at once', async () => {
    const admin = { cookie: cookieOf(await login('ana', 'admin pass')), origin: origin() };
    const made = (await (
      await act(admin, 'auth.createToken', { name: 'ci deploys', role: 'operator', expiresAt: null })
    ).json()) as { id: string; secret: string };
    expect(made.secret).toMatch(/^kno_/);
    const bearer = { authorization: `Bearer ${made.secret}` };
    expect((await act(bearer)).status).toBe(200);
    expect(calls.at(-1)!.actor).toEqual({ id: `token:${made.id}`, name: 'ci deploys', via: 'http', role: 'operator' });
    expect((await act(bearer, 'failover.start', { policyId: 'p', reason: 'x' })).status).toBe(403);
    const listed = await (
      await fetch(url('/api/query/auth.tokens?params={}'), { headers: { cookie: admin.cookie } })
    ).text();
    expect(listed).toContain('ci deploys');
    expect(listed).not.toContain(made.secret);
    expect((await act(admin, 'auth.revokeToken', { tokenId: made.id })).status).toBe(200);
    expect((await act(bearer)).status).toBe(401);

    const expiring = (await (
      await act(admin, 'auth.createToken', {
        name: 'short',
        role: 'viewer',
        user: 'olu',
        expiresAt: clock.now() + 60_000,
      })
    ).json()) as { secret: string };
    const viewerBearer = { authorization: `Bearer ${expiring.secret}` };
    expect((await fetch(url('/api/snapshot'), { headers: viewerBearer })).status).toBe(200);
    expect((await query('', 'history.recent', viewerBearer)).status).toBe(200);
    // A user's token names the user in audits, beside the token's own name.
    expect(calls.at(-1)!.actor).toMatchObject({ name: 'short (olu)', role: 'viewer' });
    await clock.advance(60_000);
    expect((await fetch(url('/api/snapshot'), { headers: viewerBearer })).status).toBe(401);
  });

  it('opens a kiosk link as a viewer session that can see and cannot act, until revoked', async () => {
    const admin = { cookie: cookieOf(await login('ana', 'admin pass')), origin: origin() };
    const link = (await (await act(admin, 'auth.createKioskLink', { name: 'wall 1' })).json()) as {
      id: string;
      secret: string;
    };
    const opened = await fetch(url(link.secret), { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/?wall=1');
    const kiosk = cookieOf(opened);
    expect((await fetch(url('/api/snapshot'), { headers: { cookie: kiosk } })).status).toBe(200);
    expect((await query(kiosk)).status).toBe(200);
    const acted = await act({ cookie: kiosk, origin: origin() });
    expect(acted.status).toBe(403);
    expect(((await acted.json()) as { error: string }).error).toBe(
      'incidents.acknowledge needs the operator role; kiosk wall 1 is a viewer',
    );
    // Days later the wall is still signed in (no idle timeout for a wall), until the link goes.
    await clock.advance(3 * 86_400_000);
    expect((await query(kiosk)).status).toBe(200);
    expect((await act(admin, 'auth.revokeKioskLink', { linkId: link.id })).status).toBe(401);
    const stream = await fetch(url('/api/events'), { headers: { cookie: kiosk } });
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const again = { cookie: cookieOf(await login('ana', 'admin pass')), origin: origin() };
    expect((await act(again, 'auth.revokeKioskLink', { linkId: link.id })).status).toBe(200);
    // The wall's open event stream ends with the link, not at its next reconnect.
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
    expect((await query(kiosk)).status).toBe(401);
    expect((await fetch(url(link.secret), { redirect: 'manual' })).status).toBe(404);
  });

  it('refuses to serve beyond loopback without auth:', async () => {
    const attempt = setupAuth({ auth: undefined, host: '0.0.0.0', source, dataDir: null, boardToken: 'x', clock });
    await expect(attempt).rejects.toThrow(/refusing to serve the board on 0\.0\.0\.0 without an auth: section/);
    await expect(
      setupAuth({ auth: undefined, host: '::1', source, dataDir: null, boardToken: 'x', clock }),
    ).resolves.toBeTruthy();
  });
  it('checks at most two passwords at once, so a flood of sign-ins cannot take the thread pool probes share', async () => {
    await clock.advance(15 * 60_000);
    const answers = await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((user) => login(user, 'wrong')));
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { error: string }[];
    expect(answers.filter((r) => r.status === 401).length).toBeLessThanOrEqual(2);
    expect(bodies.filter((b) => b.error === 'sign-in is busy; try again in a moment').length).toBeGreaterThanOrEqual(4);
  });
});
