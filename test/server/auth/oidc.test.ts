/**
 * Single sign-on end to end against a real OpenID provider (the oidc-provider package, which
 * implements the specification) started on loopback: authorization code with PKCE through its
 * own login and consent pages, then roles from the groups claim.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoardServer, type RunningBoardServer } from '../../../src/server/board-server.ts';
import { roleFromClaims } from '../../../src/server/auth/oidc.ts';
import { setupAuth, type AuthSetup } from '../../../src/server/auth/setup.ts';
import type { Actor } from '../../../src/shared/actor.ts';
import { authSchema } from '../../../src/shared/config/auth.ts';
import { recordingSource } from '../../support/recording-source.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { freePort } from '../../support/ports.ts';

const PEOPLE: Record<string, { name: string; groups: string[] }> = {
  olu: { name: 'Olu Bello', groups: ['staff', 'noc-engineers'] },
  ana: { name: 'Ana Lima', groups: ['noc-admins'] },
  eve: { name: 'Eve Guest', groups: ['marketing'] },
};

const { source, calls } = recordingSource();

/** Cookies per host, enough for a browser's part in the code flow. */
class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.cookies.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  keep(url: URL, res: Response): void {
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
    this.cookies.set(url.host, jar);
  }
}

describe('single sign-on with OpenID Connect', () => {
  let dir: string;
  let provider: Server;
  let auth: AuthSetup;
  let board: RunningBoardServer;
  let boardUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-oidc-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    const providerPort = await freePort();
    const boardPort = await freePort();
    const issuer = `http://127.0.0.1:${providerPort}`;
    boardUrl = `http://127.0.0.1:${boardPort}`;
    const oidc = new Provider(issuer, {
      clients: [
        {
          client_id: 'knockon',
          client_secret: 'client-secret-for-tests',
          redirect_uris: [`${boardUrl}/auth/oidc/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
      cookies: { keys: ['cookie-key-for-tests'] },
      pkce: { required: () => true },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, name: PEOPLE[sub]?.name ?? sub, groups: PEOPLE[sub]?.groups ?? [] }),
      }),
    });
    provider = createServer(oidc.callback());
    await new Promise<void>((resolve) => provider.listen(providerPort, '127.0.0.1', resolve));
    auth = await setupAuth({
      auth: authSchema.parse({
        oidc: {
          issuer,
          client_id: 'knockon',
          client_secret_env: 'KNOCKON_OIDC_SECRET',
          board_url: boardUrl,
          scopes: ['openid', 'profile', 'groups'],
          roles: { admin: ['noc-admins'], operator: ['noc-engineers'], viewer: ['staff'] },
        },
      }),
      host: '127.0.0.1',
      source,
      dataDir: dir,
      boardToken: 'board-token-for-tests-0123456789',
      clock: new FakeClock(Date.now()),
      env: { KNOCKON_OIDC_SECRET: 'client-secret-for-tests' },
    });
    board = await startBoardServer({ ...auth.options, staticDir: dir, port: boardPort, token: 'unused-board-token' });
  });
  afterAll(async () => {
    await board?.close();
    auth?.close();
    await new Promise<void>((resolve) => (provider ? provider.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A browser signing in as `login` at the provider: every redirect followed, forms submitted. */
  const signIn = async (login: string) => {
    const jar = new Jar();
    let url = new URL('/auth/oidc/start', boardUrl);
    let init: RequestInit = {};
    for (let step = 0; step < 20; step++) {
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...init.headers, cookie: jar.header(url) },
      });
      jar.keep(url, res);
      if (url.pathname === '/auth/oidc/callback') return { res, jar };
      init = {};
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url);
        continue;
      }
      // The provider's login or consent page: submit its form as a person would.
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page at ${url.href}: ${html.slice(0, 300)}`);
      url = new URL(action, url);
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      init = { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    }
    throw new Error('the sign-in did not reach the board within 20 steps');
  };

  it('signs an engineer in by code + PKCE, as an operator from their groups, and not an admin', async () => {
    const { res, jar } = await signIn('olu');
    expect(res.status).toBe(303);
    const cookie = jar.header(new URL(boardUrl));
    expect(cookie).toMatch(/knockon_session=/);
    const me = (await (await fetch(new URL('/auth/me', boardUrl), { headers: { cookie } })).json()) as { actor: Actor };
    expect(me.actor).toEqual({ id: 'oidc:olu', name: 'Olu Bello', via: 'http', role: 'operator' });
    const act = (method: string, body: unknown) =>
      fetch(new URL(`/api/action/${method}`, boardUrl), {
        method: 'POST',
        headers: { cookie, origin: boardUrl },
        body: JSON.stringify(body),
      });
    expect((await act('incidents.acknowledge', { incidentId: 'i', note: '' })).status).toBe(200);
    expect(calls.at(-1)).toEqual({ method: 'incidents.acknowledge', actor: me.actor });
    expect((await act('failover.approve', { policyId: 'p' })).status).toBe(403);
  });

  it('makes an admin of the admins group, and refuses someone whose groups give no role', async () => {
    const admin = await signIn('ana');
    const cookie = admin.jar.header(new URL(boardUrl));
    const me = (await (await fetch(new URL('/auth/me', boardUrl), { headers: { cookie } })).json()) as { actor: Actor };
    expect(me.actor.role).toBe('admin');
    const guest = await signIn('eve');
    expect(guest.res.status).toBe(403);
    expect(((await guest.res.json()) as { error: string }).error).toBe(
      'Eve Guest: none of your groups gives a role on this board',
    );
    expect(guest.jar.header(new URL(boardUrl))).not.toMatch(/knockon_session=/);
  });

  it('refuses a callback it did not start (no pending sign-in)', async () => {
    const res = await fetch(new URL('/auth/oidc/callback?code=stolen&state=x', boardUrl), { redirect: 'manual' });
    expect(res.status).toBe(403);
  });

  it('maps roles from a claim: highest wins, * matches anyone, none is none', () => {
    const config = authSchema.parse({
      oidc: {
        issuer: 'https://id.example',
        client_id: 'k',
        board_url: 'https://noc.example',
        roles: { operator: ['ops'], viewer: ['*'] },
      },
    }).oidc!;
    expect(roleFromClaims({ groups: ['ops', 'x'] }, config)).toBe('operator');
    expect(roleFromClaims({ groups: 'x' }, config)).toBe('viewer');
    expect(roleFromClaims({}, { ...config, roles: { ...config.roles, viewer: [] } })).toBeNull();
  });
});
