/**
 * Sessions, API tokens and kiosk links in the store's own tables (migration 5). Secrets (session
 * ids, tokens, kiosk links) are random, shown once, and kept only as SHA-256: a copy of the
 * database signs nobody in. Read by the board server on every request, so a revoke written by
 * the engine (or another process) takes effect on the next request.
 */
import { randomBytes } from 'node:crypto';
import { ActorSchema, type Actor, type PersonRole } from '../../shared/actor.ts';
import type { ApiTokenView, KioskLinkView } from '../../shared/auth-api.ts';
import { hashAgentToken as sha256 } from './agent-tokens.ts';
import type { StoreDatabase } from './database.ts';

/** Prefixes make a leaked secret recognisable (and greppable), as agent tokens' kna_ does. */
export const API_TOKEN_PREFIX = 'kno_';
export const KIOSK_PREFIX = 'knk_';

export interface SessionRow {
  actor: Actor;
  kioskId: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/** As the board sees them (src/shared/auth-api.ts): never the secrets. */
export type ApiTokenRow = ApiTokenView;
export type KioskLinkRow = KioskLinkView;

const secret = (prefix: string) => prefix + randomBytes(32).toString('base64url');
const shortId = (prefix: string) => `${prefix}${randomBytes(6).toString('hex')}`;

export class AuthTables {
  private readonly store: StoreDatabase;

  constructor(store: StoreDatabase) {
    this.store = store;
  }

  /** A new session for `actor`; returns the session id for the cookie (only the hash is kept). */
  createSession(actor: Actor, now: number, kioskId: string | null = null): string {
    const id = randomBytes(32).toString('base64url');
    this.store.run(
      'INSERT INTO auth_sessions (sha256, actor, kiosk_id, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
      sha256(id),
      JSON.stringify(actor),
      kioskId,
      now,
      now,
    );
    return id;
  }

  findSession(id: string): SessionRow | null {
    const row = this.store.get<{ actor: string; kiosk_id: string | null; created_at: number; last_seen_at: number }>(
      'SELECT actor, kiosk_id, created_at, last_seen_at FROM auth_sessions WHERE sha256 = ?',
      sha256(id),
    );
    if (!row) return null;
    // The row is ours, but a database is input too: a row that does not parse signs nobody in.
    const actor = ActorSchema.safeParse(safeJson(row.actor));
    if (!actor.success) return null;
    return { actor: actor.data, kioskId: row.kiosk_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }

  touchSession(id: string, now: number): void {
    this.store.run('UPDATE auth_sessions SET last_seen_at = ? WHERE sha256 = ?', now, sha256(id));
  }

  deleteSession(id: string): void {
    this.store.run('DELETE FROM auth_sessions WHERE sha256 = ?', sha256(id));
  }

  /** Sessions older than `before` (absolute timeout) or idle since `idleBefore`; kiosk sessions stay. */
  pruneSessions(before: number, idleBefore: number): number {
    return this.store.run(
      'DELETE FROM auth_sessions WHERE kiosk_id IS NULL AND (created_at < ? OR last_seen_at < ?)',
      before,
      idleBefore,
    );
  }

  createApiToken(
    spec: { name: string; role: PersonRole; userId: string | null; expiresAt: number | null; createdBy: string },
    now: number,
  ): { id: string; token: string } {
    const token = secret(API_TOKEN_PREFIX);
    const id = shortId('at_');
    this.store.run(
      'INSERT INTO api_tokens (id, name, role, user_id, sha256, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      id,
      spec.name,
      spec.role,
      spec.userId,
      sha256(token),
      spec.createdBy,
      now,
      spec.expiresAt,
    );
    return { id, token };
  }

  /** The token's row if it is known, not revoked and not expired at `now`. */
  liveApiToken(token: string, now: number): ApiTokenRow | null {
    const row = this.store.get<ApiRow>(`${API_SELECT} WHERE sha256 = ?`, sha256(token));
    if (!row || row.revoked_at !== null || (row.expires_at !== null && now >= row.expires_at)) return null;
    return toApiToken(row);
  }

  touchApiToken(id: string, now: number): void {
    this.store.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', now, id);
  }

  apiTokens(): ApiTokenRow[] {
    return this.store.all<ApiRow>(`${API_SELECT} ORDER BY created_at, id`).map(toApiToken);
  }

  revokeApiToken(id: string, now: number): boolean {
    return this.store.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now, id) > 0;
  }

  createKioskLink(spec: { name: string; createdBy: string }, now: number): { id: string; secret: string } {
    const link = secret(KIOSK_PREFIX);
    const id = shortId('kl_');
    this.store.run(
      'INSERT INTO kiosk_links (id, name, sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
      id,
      spec.name,
      sha256(link),
      spec.createdBy,
      now,
    );
    return { id, secret: link };
  }

  liveKioskLink(link: string): KioskLinkRow | null {
    const row = this.store.get<KioskRow>(`${KIOSK_SELECT} WHERE sha256 = ?`, sha256(link));
    return row && row.revoked_at === null ? toKiosk(row) : null;
  }

  kioskLinks(): KioskLinkRow[] {
    return this.store.all<KioskRow>(`${KIOSK_SELECT} ORDER BY created_at, id`).map(toKiosk);
  }

  /** Revokes the link and ends every session opened with it, in one statement each. */
  revokeKioskLink(id: string, now: number): boolean {
    const revoked = this.store.run(
      'UPDATE kiosk_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      now,
      id,
    );
    this.store.run('DELETE FROM auth_sessions WHERE kiosk_id = ?', id);
    return revoked > 0;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

interface ApiRow {
  id: string;
  name: string;
  role: string;
  user_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}
const API_SELECT =
  'SELECT id, name, role, user_id, created_by, created_at, expires_at, revoked_at, last_used_at FROM api_tokens';
function toApiToken(r: ApiRow): ApiTokenRow {
  return {
    id: r.id,
    name: r.name,
    role: r.role === 'admin' || r.role === 'operator' ? r.role : 'viewer',
    userId: r.user_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

interface KioskRow {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}
const KIOSK_SELECT = 'SELECT id, name, created_by, created_at, revoked_at FROM kiosk_links';
function toKiosk(r: KioskRow): KioskLinkRow {
  return { id: r.id, name: r.name, createdBy: r.created_by, createdAt: r.created_at, revokedAt: r.revoked_at };
}
