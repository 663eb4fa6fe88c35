import { createHash, randomBytes } from 'node:crypto';
import type { StoreDatabase } from './database.ts';

/** Every agent token starts with this, so a leaked one is recognisable (and greppable). */
export const AGENT_TOKEN_PREFIX = 'kna_';

/** An agent token as the database keeps it: never the token itself, only its SHA-256. */
export interface AgentTokenRow {
  id: string;
  /** The vantage the token is bound to: an agent holding it reports as this vantage only. */
  vantage: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface NewAgentToken {
  vantage: string;
  name: string;
  /** Epoch ms after which the token is refused; never when absent or null. */
  expiresAt?: number | null;
}

/** The SHA-256 of a token, as 64 lowercase hex digits: what the database and the config keep. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Why a known token is refused at `now`, or null when it is good. */
export function agentTokenRefusal(row: AgentTokenRow, now: number): 'revoked' | 'expired' | null {
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt !== null && now >= row.expiresAt) return 'expired';
  return null;
}

interface Row {
  id: string;
  vantage: string;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const SELECT = 'SELECT id, vantage, name, created_at, expires_at, revoked_at, last_used_at FROM agent_tokens';

function toRow(r: Row): AgentTokenRow {
  return {
    id: r.id,
    vantage: r.vantage,
    name: r.name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/**
 * The agent_tokens table. Writes here are bare statements: the caller (HistoryStore) holds the
 * transaction and decides how durable it is.
 */
export class AgentTokens {
  private readonly store: StoreDatabase;

  constructor(store: StoreDatabase) {
    this.store = store;
  }

  /** Inserts a new token and returns it: the only time the token itself is ever seen. */
  insert(spec: NewAgentToken, now: number): { id: string; token: string } {
    if (typeof spec.vantage !== 'string' || spec.vantage === '') throw new TypeError('an agent token needs a vantage');
    if (typeof spec.name !== 'string' || spec.name === '') throw new TypeError('an agent token needs a name');
    const expiresAt = spec.expiresAt ?? null;
    if (expiresAt !== null && !Number.isFinite(expiresAt)) throw new TypeError('expiresAt must be a time in ms');
    const token = AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    // 32 bits of id: a clash is rare but possible among many tokens, so try another.
    for (;;) {
      const id = `t_${randomBytes(4).toString('hex')}`;
      if (this.store.get('SELECT 1 FROM agent_tokens WHERE id = ?', id)) continue;
      this.store.run(
        'INSERT INTO agent_tokens (id, vantage, name, sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        id,
        spec.vantage,
        spec.name,
        hashAgentToken(token),
        now,
        expiresAt,
      );
      return { id, token };
    }
  }

  /** Oldest first. */
  list(): AgentTokenRow[] {
    return this.store.all<Row>(`${SELECT} ORDER BY created_at, id`).map(toRow);
  }

  find(sha256: string): AgentTokenRow | null {
    const row = this.store.get<Row>(`${SELECT} WHERE sha256 = ?`, sha256.toLowerCase());
    return row ? toRow(row) : null;
  }

  /** True when the token existed and was not revoked yet; a second revoke keeps the first time. */
  revoke(id: string, now: number): boolean {
    return this.store.run('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now, id) > 0;
  }

  touch(id: string, at: number): void {
    this.store.run(
      'UPDATE agent_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      at,
      id,
      at,
    );
  }
}

/** Notes a token's use in `touches` (token id → last use): the latest one per token is kept. */
export function noteTokenUse(touches: Map<string, number>, id: string, at: number): void {
  const last = touches.get(id);
  if (last === undefined || at > last) touches.set(id, at);
}

/** The row with a use noted but not written yet (`touched`), when that use is the later one. */
export function withTokenUse(row: AgentTokenRow, touched: number | undefined): AgentTokenRow {
  return touched !== undefined && (row.lastUsedAt === null || touched > row.lastUsedAt)
    ? { ...row, lastUsedAt: touched }
    : row;
}
