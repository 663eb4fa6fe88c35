/**
 * The headless board's sign-in with `auth:` configured: local users (passwords), sessions (a
 * cookie naming a row of auth_sessions), API tokens and kiosk links. It is the server's
 * Identifier: a request is signed by its session cookie or its bearer token, and nothing else.
 */
import type { IncomingMessage } from 'node:http';
import type { Actor } from '../../shared/actor.ts';
import type { AuthConfig } from '../../shared/config/auth.ts';
import type { Clock } from '../../engine/clock.ts';
import { API_TOKEN_PREFIX, type AuthTables } from '../../engine/store/auth-tables.ts';
import { BOARD_TOKEN_ADMIN, bearerToken, secretMatches, type Identifier } from '../identity.ts';
import { LoginLimiter } from './login-limiter.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { needsTouch, sessionVerdict, TOUCH_EVERY_MS, type SessionTimeouts } from './session-rules.ts';

export const SESSION_COOKIE = 'knockon_session';
/** Password checks at once: half of libuv's default pool of four threads. */
const MAX_VERIFYING = 2;

export type LoginOutcome =
  | { ok: true; sessionId: string; actor: Actor }
  | { ok: false; status: 401 | 429; error: string; retryAfterMs?: number };

interface User {
  id: string;
  name: string;
  role: Actor['role'];
  hash: string;
}

/** A cookie's value in a Cookie header; null when absent. */
export function cookieValue(header: string | undefined, cookie: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookie) return value.join('=') || null;
  }
  return null;
}

export function sessionCookie(header: string | undefined): string | null {
  return cookieValue(header, SESSION_COOKIE);
}

export class Accounts implements Identifier {
  readonly timeouts: SessionTimeouts;
  private readonly users = new Map<string, User>();
  private readonly tables: AuthTables;
  private readonly clock: Clock;
  private readonly limiter: LoginLimiter;
  private readonly boardToken: string;
  /** Checked against when the user is unknown, so a wrong name costs as long as a wrong password. */
  private decoy = '';
  private verifying = 0;
  private readonly revokedListeners = new Set<() => void>();

  private constructor(config: AuthConfig, tables: AuthTables, clock: Clock, boardToken: string) {
    this.tables = tables;
    this.clock = clock;
    this.boardToken = boardToken;
    this.limiter = new LoginLimiter(clock, { maxFailures: config.login.max_failures, windowMs: config.login.window });
    this.timeouts = { idleMs: config.sessions.idle_timeout, absoluteMs: config.sessions.absolute_timeout };
  }

  /** Throws, naming the user and the variable, when a password_env is not set. */
  static async create(
    config: AuthConfig,
    tables: AuthTables,
    options: { clock: Clock; boardToken: string; env?: NodeJS.ProcessEnv },
  ): Promise<Accounts> {
    const env = options.env ?? process.env;
    const accounts = new Accounts(config, tables, options.clock, options.boardToken);
    for (const [i, u] of config.users.entries()) {
      let hash = u.password_hash;
      if (hash === undefined) {
        const password = env[u.password_env!];
        if (!password) throw new Error(`auth.users[${i}] (${u.id}): password_env ${u.password_env} is not set`);
        hash = await hashPassword(password);
      }
      accounts.users.set(u.id.toLowerCase(), { id: u.id, name: u.name ?? u.id, role: u.role, hash });
    }
    accounts.decoy = await hashPassword('not a password anyone has');
    return accounts;
  }

  async login(userName: string, password: string, address: string): Promise<LoginOutcome> {
    const wait = this.limiter.retryAfterMs(userName, address);
    if (wait > 0) {
      return { ok: false, status: 429, error: 'too many failed sign-ins; try again later', retryAfterMs: wait };
    }
    // scrypt runs on libuv's small thread pool, which the engine's probes share (DNS lookups,
    // files): a flood of sign-ins from many addresses must not queue ahead of them.
    if (this.verifying >= MAX_VERIFYING) {
      return { ok: false, status: 429, error: 'sign-in is busy; try again in a moment', retryAfterMs: 1_000 };
    }
    const user = this.users.get(userName.toLowerCase());
    this.verifying++;
    const good = await verifyPassword(password, user?.hash ?? this.decoy).finally(() => this.verifying--);
    if (!user || !good) {
      this.limiter.fail(userName, address);
      return { ok: false, status: 401, error: 'unknown user or wrong password' };
    }
    this.limiter.succeed(userName);
    const actor: Actor = { id: `user:${user.id}`, name: user.name, via: 'http', role: user.role };
    return { ok: true, sessionId: this.openSession(actor), actor };
  }

  /**
   * A session for someone signed in (a password, OIDC, a kiosk link). Sessions that timed out
   * without being presented again go first, so the table holds live sessions only.
   */
  openSession(actor: Actor, kioskId: string | null = null): string {
    const now = this.clock.now();
    bestEffort(() => this.tables.pruneSessions(now - this.timeouts.absoluteMs, now - this.timeouts.idleMs));
    return this.tables.createSession(actor, now, kioskId);
  }

  logout(sessionId: string): void {
    this.tables.deleteSession(sessionId);
  }

  /** The kiosk link's viewer session, or null when the link is unknown or revoked. */
  openKiosk(link: string): string | null {
    const row = this.tables.liveKioskLink(link);
    if (!row) return null;
    const actor: Actor = { id: `kiosk:${row.id}`, name: `kiosk ${row.name}`, via: 'http', role: 'viewer' };
    return this.openSession(actor, row.id);
  }

  onRevoked(listener: () => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** A token or kiosk link was revoked: whoever holds open what it signed is asked again. */
  revoked(): void {
    for (const listener of this.revokedListeners) listener();
  }

  identify(req: IncomingMessage): Actor | null {
    const now = this.clock.now();
    const token = bearerToken(req.headers.authorization);
    if (token !== null) {
      if (token.startsWith(API_TOKEN_PREFIX)) {
        const row = this.tables.liveApiToken(token, now);
        if (!row) return null;
        if (row.lastUsedAt === null || now - row.lastUsedAt >= TOUCH_EVERY_MS) {
          bestEffort(() => this.tables.touchApiToken(row.id, now));
        }
        // A user's token names them too: audits say whose script acted.
        const name = row.userId ? `${row.name} (${row.userId})` : row.name;
        return { id: `token:${row.id}`, name, via: 'http', role: row.role };
      }
      return secretMatches(token, this.boardToken) ? BOARD_TOKEN_ADMIN : null;
    }
    const id = sessionCookie(req.headers.cookie);
    if (id === null) return null;
    const session = this.tables.findSession(id);
    if (!session) return null;
    const times = { ...session, kiosk: session.kioskId !== null };
    if (sessionVerdict(times, now, this.timeouts) !== 'live') {
      this.tables.deleteSession(id);
      return null;
    }
    if (needsTouch(times, now)) bestEffort(() => this.tables.touchSession(id, now));
    return session.actor;
  }
}

/**
 * Last-seen writes can meet the engine holding the database's write lock: a lost one costs at
 * most a minute of idle time, so it never fails the request.
 */
function bestEffort(write: () => void): void {
  try {
    write();
  } catch {
    // Written again at the next request a minute on.
  }
}
