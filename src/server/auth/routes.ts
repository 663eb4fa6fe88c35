/**
 * The sign-in routes of the headless board: POST /auth/login, POST /auth/logout, GET /auth/me,
 * GET /auth/kiosk/<link>. Sessions travel in an HttpOnly, SameSite=Strict cookie (Secure over
 * TLS), which page scripts cannot read and other sites' requests do not carry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { AUTH_ME_PATH, KIOSK_PATH, type AuthMe } from '../../shared/auth-api.ts';
import { SESSION_COOKIE, cookieValue, sessionCookie, type Accounts } from './accounts.ts';
import { OIDC_CALLBACK_PATH, OIDC_PENDING_COOKIE, type OidcSignIn } from './oidc.ts';

/** A kiosk's cookie outlives browser restarts: 400 days, the most browsers keep one. */
const KIOSK_COOKIE_SECONDS = 400 * 86_400;
const MAX_LOGIN_BYTES = 4_096;

const LoginSchema = z.strictObject({
  user: z.string({ error: 'user: expected a user name' }).min(1).max(200),
  password: z.string({ error: 'password: expected a password' }).min(1).max(1_024),
});

export interface AuthRouteOptions {
  accounts: Accounts;
  /** Single sign-on, when auth.oidc is configured. */
  oidc?: OidcSignIn | null;
}

/**
 * Whether this request came over TLS: cookies set in answer to it get Secure. Asked of the
 * socket itself, so it is right whatever the server was configured with.
 */
function overTls(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/**
 * The pending single sign-on: Lax, because the provider sends the browser back with a top-level
 * navigation from its own site, which a Strict cookie would not survive; it holds no power.
 */
function pendingCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${OIDC_PENDING_COOKIE}=${value}; Path=/auth/oidc/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

async function readSmallBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOGIN_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Handles /auth/* requests (the board server has refused POSTs from other origins already). */
export function authRoutes(options: AuthRouteOptions) {
  const { accounts } = options;
  return async (req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>) => {
    const secure = overTls(req);
    const json = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers, ...extra })
        .end(JSON.stringify(body));
    };
    if (path === AUTH_ME_PATH) {
      const actor = accounts.identify(req);
      const me: AuthMe = actor ? { mode: 'signed-in', actor } : { mode: 'signed-out', sso: Boolean(options.oidc) };
      return json(actor ? 200 : 401, me);
    }
    if (options.oidc && path === '/auth/oidc/start') {
      const { url, pendingId } = await options.oidc.start();
      res.writeHead(303, { location: url, 'set-cookie': pendingCookie(pendingId, 600, secure), ...headers }).end();
      return;
    }
    if (options.oidc && path === OIDC_CALLBACK_PATH) {
      const pendingId = cookieValue(req.headers.cookie, OIDC_PENDING_COOKIE);
      const outcome = await options.oidc.finish(new URL(req.url ?? '/', 'http://localhost'), pendingId);
      const clear = pendingCookie('', 0, secure);
      if ('error' in outcome) return json(403, { error: outcome.error }, { 'set-cookie': clear });
      const session = accounts.openSession(outcome.actor);
      const maxAge = Math.floor(accounts.timeouts.absoluteMs / 1000);
      res.writeHead(303, { location: '/', ...headers, 'set-cookie': [clear, cookie(session, maxAge, secure)] }).end();
      return;
    }
    if (path === '/auth/login' || path === '/auth/logout') {
      if (req.method !== 'POST') return json(405, { error: `${path} takes POST` }, { allow: 'POST' });
      if (path === '/auth/logout') {
        const id = sessionCookie(req.headers.cookie);
        if (id) accounts.logout(id);
        return json(200, { ok: true }, { 'set-cookie': cookie('', 0, secure) });
      }
      const text = await readSmallBody(req);
      let parsed: ReturnType<typeof LoginSchema.safeParse>;
      try {
        parsed = LoginSchema.safeParse(JSON.parse(text ?? ''));
      } catch {
        return json(400, { error: 'expected JSON: {"user": ..., "password": ...}' });
      }
      if (!parsed.success) return json(400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
      const address = String(req.socket.remoteAddress ?? 'unknown');
      const outcome = await accounts.login(parsed.data.user, parsed.data.password, address);
      if (!outcome.ok) {
        const retry: Record<string, string> = outcome.retryAfterMs
          ? { 'retry-after': String(Math.ceil(outcome.retryAfterMs / 1000)) }
          : {};
        return json(outcome.status, { error: outcome.error }, retry);
      }
      const maxAge = Math.floor(accounts.timeouts.absoluteMs / 1000);
      return json(200, { actor: outcome.actor }, { 'set-cookie': cookie(outcome.sessionId, maxAge, secure) });
    }
    if (path.startsWith(KIOSK_PATH) && (req.method === 'GET' || req.method === 'HEAD')) {
      const session = accounts.openKiosk(decodeURIComponent(path.slice(KIOSK_PATH.length)));
      if (!session) return json(404, { error: 'this kiosk link is unknown or was revoked' });
      // Straight to the wall: the link never stays in the address bar or the history.
      res
        .writeHead(303, {
          location: '/?wall=1',
          'set-cookie': cookie(session, KIOSK_COOKIE_SECONDS, secure),
          ...headers,
        })
        .end();
      return;
    }
    json(404, { error: `no route ${path.slice(0, 100)}` });
  };
}
