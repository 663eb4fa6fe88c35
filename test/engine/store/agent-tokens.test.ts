import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentTokenRefusal, hashAgentToken } from '../../../src/engine/store/agent-tokens.ts';
import { DB_FILE, HistoryStore } from '../../../src/engine/store/index.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, tempDir } from './helpers.ts';

describe('agent tokens in the history store', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  let other: DatabaseSync;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
    ({ store } = openStore(dir.path, clock, { timers: false }));
    other = new DatabaseSync(join(dir.path, DB_FILE));
  });

  afterEach(() => {
    other.close();
    store.close();
    dir.remove();
  });

  it('hashes a token as SHA-256 in lowercase hex', () => {
    expect(hashAgentToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hands out a random kna_ token once and keeps only its SHA-256', () => {
    const { id, token } = store.createAgentToken({ vantage: 'sg', name: 'sg-1 probe' });
    expect(id).toMatch(/^t_[0-9a-f]{8}$/);
    // 32 bytes in base64url are 43 characters, without padding.
    expect(token).toMatch(/^kna_[A-Za-z0-9_-]{43}$/);
    const second = store.createAgentToken({ vantage: 'sg', name: 'sg-2 probe' });
    expect(second.token).not.toBe(token);
    expect(second.id).not.toBe(id);

    expect(other.prepare('SELECT id, sha256 FROM agent_tokens WHERE id = ?').get(id)).toEqual({
      id,
      sha256: hashAgentToken(token),
    });
    store.close();
    const bytes = readFileSync(join(dir.path, DB_FILE)).toString('latin1');
    expect(bytes).not.toContain(token.slice(4));
  });

  it('finds a token by its hash, across a reopen, and lists tokens without secrets', () => {
    const { id, token } = store.createAgentToken({ vantage: 'sg', name: 'sg probe', expiresAt: T0 + 86_400_000 });
    store.close();
    store = new HistoryStore({ dataDir: dir.path, clock, timers: false });
    const row = store.findAgentToken(hashAgentToken(token));
    expect(row).toEqual({
      id,
      vantage: 'sg',
      name: 'sg probe',
      createdAt: T0,
      expiresAt: T0 + 86_400_000,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(store.findAgentToken(hashAgentToken(token).toUpperCase())).toEqual(row);
    expect(store.findAgentToken(hashAgentToken('kna_unknown'))).toBeNull();
    expect(store.listAgentTokens()).toEqual([row]);
    expect(JSON.stringify(store.listAgentTokens())).not.toContain(hashAgentToken(token));
  });

  it('revokes a token durably, keeping it findable so the caller can say why it is refused', () => {
    const { id, token } = store.createAgentToken({ vantage: 'sg', name: 'sg probe' });
    expect(agentTokenRefusal(store.findAgentToken(hashAgentToken(token))!, T0)).toBeNull();
    expect(store.revokeAgentToken(id)).toBe(true);
    expect(other.prepare('SELECT revoked_at FROM agent_tokens WHERE id = ?').get(id)).toEqual({ revoked_at: T0 });
    expect(store.revokeAgentToken(id)).toBe(false);
    expect(store.revokeAgentToken('t_00000000')).toBe(false);
    const row = store.findAgentToken(hashAgentToken(token))!;
    expect(row.revokedAt).toBe(T0);
    expect(agentTokenRefusal(row, T0)).toBe('revoked');
  });

  it('says a token is expired from its expiry time on', () => {
    const { token } = store.createAgentToken({ vantage: 'sg', name: 'sg probe', expiresAt: T0 + 1_000 });
    const row = store.findAgentToken(hashAgentToken(token))!;
    expect(agentTokenRefusal(row, T0 + 999)).toBeNull();
    expect(agentTokenRefusal(row, T0 + 1_000)).toBe('expired');
  });

  it('notes the last use with the next batch, never moving it back', () => {
    const { id, token } = store.createAgentToken({ vantage: 'sg', name: 'sg probe' });
    store.touchAgentToken(id, T0 + 5_000);
    store.touchAgentToken(id, T0 + 3_000);
    expect(other.prepare('SELECT last_used_at FROM agent_tokens').get()).toEqual({ last_used_at: null });
    // Not written yet, but already what the store answers.
    expect(store.findAgentToken(hashAgentToken(token))?.lastUsedAt).toBe(T0 + 5_000);
    store.flush();
    expect(other.prepare('SELECT last_used_at FROM agent_tokens').get()).toEqual({ last_used_at: T0 + 5_000 });
    store.touchAgentToken(id, T0 + 1_000);
    store.flush();
    expect(store.listAgentTokens()[0]?.lastUsedAt).toBe(T0 + 5_000);
  });

  it('keeps a last use that could not be written for the next batch', () => {
    const { id } = store.createAgentToken({ vantage: 'sg', name: 'sg probe' });
    store.touchAgentToken(id, T0 + 5_000);
    other.exec('BEGIN IMMEDIATE');
    expect(store.flush()).toBe(0);
    other.exec('ROLLBACK');
    expect(store.listAgentTokens()[0]?.lastUsedAt).toBe(T0 + 5_000);
    store.flush();
    expect(other.prepare('SELECT last_used_at FROM agent_tokens').get()).toEqual({ last_used_at: T0 + 5_000 });
  });

  it('throws when a token cannot be written, rather than hand out one the centre does not know', () => {
    other.exec('BEGIN IMMEDIATE');
    expect(() => store.createAgentToken({ vantage: 'sg', name: 'sg probe' })).toThrow(/locked/);
    other.exec('ROLLBACK');
    expect(store.listAgentTokens()).toEqual([]);
    expect(store.health().heldWrites).toBe(0);
  });

  it('refuses a token without a vantage or a name', () => {
    expect(() => store.createAgentToken({ vantage: '', name: 'x' })).toThrow(/vantage/);
    expect(() => store.createAgentToken({ vantage: 'sg', name: '' })).toThrow(/name/);
    expect(() => store.createAgentToken({ vantage: 'sg', name: 'x', expiresAt: Number.NaN })).toThrow(/expiresAt/);
  });
});
