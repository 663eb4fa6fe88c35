/**
 * Which vantage an agent token speaks for. Tokens come from two places: the config (each
 * vantage's `token_sha256`, or `token_env`, the token itself in an environment variable of the
 * centre, hashed when the config is applied) and the database (`knockon agent-token create`,
 * which may run while the centre does). Only SHA-256 digests are kept or compared.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../../shared/config/schema.ts';
import type { AgentTokenView } from '../../shared/rpc.ts';
import type { Clock } from '../clock.ts';
import { agentTokenRefusal, hashAgentToken, type AgentTokenRow, type HistoryStore } from '../store/index.ts';

export type TokenStore = Pick<HistoryStore, 'findAgentToken' | 'listAgentTokens' | 'revokeAgentToken'>;

/** A token that was accepted: the vantage it is bound to, and where it was defined. */
export interface TokenMatch {
  vantage: string;
  /** `config:<vantage>` for a config token, the database id otherwise. */
  id: string;
  source: 'config' | 'database';
}

/** A refused token says its vantage when it is one the centre knows (revoked or expired): the vantage shows why. */
export type TokenCheck = { ok: true; match: TokenMatch } | { ok: false; reason: string; vantage?: string };

interface ConfigToken {
  vantage: string;
  digest: Buffer;
  /** How the config gives it, for the token list. */
  how: string;
}

/** A database answer is trusted this long: a token made or revoked elsewhere counts within it. */
export const TOKEN_CACHE_MS = 2_000;
/** Digests remembered at once (a flood of made-up tokens evicts the oldest, nothing more). */
const MAX_CACHED = 1_024;

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export class AgentAuth {
  private readonly store: TokenStore;
  private readonly clock: Clock;
  private readonly log: Log;
  private configTokens: ConfigToken[] = [];
  /** Digest → the database's answer and when it was read. */
  private readonly cache = new Map<string, { row: AgentTokenRow | null; at: number }>();
  /** Last use of config tokens (database tokens keep theirs in the store). */
  private readonly configUse = new Map<string, number>();
  /** Environment variables already reported missing: said once, not at every reload. */
  private readonly warned = new Set<string>();
  /** Reading the database fails: said when it starts and when it stops. */
  private readFailing = false;

  constructor(store: TokenStore, clock: Clock, log: Log) {
    this.store = store;
    this.clock = clock;
    this.log = log;
  }

  /** Reads the config's tokens; an environment variable that is not set is a warning, not a crash. */
  configure(config: Config, env: NodeJS.ProcessEnv = process.env): void {
    const tokens: ConfigToken[] = [];
    for (const v of config.vantages) {
      if (v.token_sha256 !== undefined) {
        tokens.push({ vantage: v.id, digest: Buffer.from(v.token_sha256, 'utf8'), how: 'token_sha256' });
      } else if (v.token_env !== undefined) {
        const token = env[v.token_env];
        if (token === undefined || token === '') {
          const key = `${v.id}:${v.token_env}`;
          if (!this.warned.has(key)) {
            this.warned.add(key);
            this.log(
              'warn',
              `config: vantage ${v.id}: token_env ${v.token_env} is not set in the centre's environment; ` +
                'its config token is refused until it is set (and the centre restarted)',
            );
          }
          continue;
        }
        tokens.push({
          vantage: v.id,
          digest: Buffer.from(hashAgentToken(token), 'utf8'),
          how: `token_env ${v.token_env}`,
        });
      }
    }
    this.configTokens = tokens;
  }

  /** The vantage a token is bound to, or why it is refused. Never throws. */
  verify(token: string): TokenCheck {
    if (token === '') return { ok: false, reason: 'no agent token' };
    const digest = hashAgentToken(token);
    const given = Buffer.from(digest, 'utf8');
    // Every config digest is compared, in constant time, whichever matches: timings say nothing.
    let found: ConfigToken | null = null;
    for (const t of this.configTokens) {
      if (timingSafeEqual(given, t.digest) && found === null) found = t;
    }
    if (found) {
      this.configUse.set(found.vantage, this.clock.now());
      return { ok: true, match: { vantage: found.vantage, id: `config:${found.vantage}`, source: 'config' } };
    }
    // The database is asked by digest (an index lookup): the digest of a guess tells nothing of a token.
    const row = this.lookup(digest);
    if (row === null) return { ok: false, reason: 'unknown agent token' };
    const refusal = agentTokenRefusal(row, this.clock.now());
    if (refusal !== null) return { ok: false, reason: `agent token ${row.id} is ${refusal}`, vantage: row.vantage };
    return { ok: true, match: { vantage: row.vantage, id: row.id, source: 'database' } };
  }

  /** Config and database tokens, never the tokens themselves. */
  views(): AgentTokenView[] {
    const fromConfig: AgentTokenView[] = this.configTokens.map((t) => ({
      id: `config:${t.vantage}`,
      vantage: t.vantage,
      name: `${t.how} in the config`,
      source: 'config',
      createdAt: null,
      lastUsedAt: this.configUse.get(t.vantage) ?? null,
      revokedAt: null,
    }));
    const fromDatabase: AgentTokenView[] = this.store.listAgentTokens().map((row) => ({
      id: row.id,
      vantage: row.vantage,
      name: row.name,
      source: 'database',
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      revokedAt: row.revokedAt,
    }));
    return [...fromConfig, ...fromDatabase];
  }

  /** Revokes a database token now (config tokens are removed from the config). */
  revoke(id: string): { ok: boolean; message: string } {
    if (id.startsWith('config:')) {
      const vantage = id.slice('config:'.length);
      return {
        ok: false,
        message: `the token of vantage ${vantage} is defined in the config: remove it from the config (token_sha256 or token_env) to revoke it`,
      };
    }
    let revoked: boolean;
    try {
      revoked = this.store.revokeAgentToken(id);
    } catch (error) {
      return {
        ok: false,
        message: `could not revoke ${id}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    // Refused from this moment in this process, not after the cache's 2 s.
    for (const [digest, entry] of this.cache) if (entry.row?.id === id) this.cache.delete(digest);
    return revoked
      ? { ok: true, message: `agent token ${id} revoked` }
      : { ok: false, message: `no agent token ${id} that is not revoked already` };
  }

  private lookup(digest: string): AgentTokenRow | null {
    const now = this.clock.now();
    const cached = this.cache.get(digest);
    if (cached && now - cached.at < TOKEN_CACHE_MS) return cached.row;
    let row: AgentTokenRow | null;
    try {
      row = this.store.findAgentToken(digest);
    } catch (error) {
      // The database cannot be read (locked, failing): the last answer stands; an unknown token stays unknown.
      if (!this.readFailing) {
        this.log(
          'error',
          `agent tokens: cannot read the database (${error instanceof Error ? error.message : String(error)}); ` +
            'tokens known from the last read still work',
        );
      }
      this.readFailing = true;
      return cached?.row ?? null;
    }
    if (this.readFailing) this.log('info', 'agent tokens: the database can be read again');
    this.readFailing = false;
    this.cache.delete(digest);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, { row, at: now });
    return row;
  }
}
