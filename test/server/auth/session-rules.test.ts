import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../../src/server/auth/login-limiter.ts';
import { hashPassword, verifyPassword } from '../../../src/server/auth/passwords.ts';
import { needsTouch, sessionVerdict } from '../../../src/server/auth/session-rules.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const T = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
const T0 = 1_700_000_000_000;

describe('session rules', () => {
  it('ends a session exactly at the idle timeout after its last request', () => {
    const s = { createdAt: T0, lastSeenAt: T0 + 60_000, kiosk: false };
    expect(sessionVerdict(s, T0 + 60_000 + T.idleMs - 1, T)).toBe('live');
    expect(sessionVerdict(s, T0 + 60_000 + T.idleMs, T)).toBe('idle');
  });

  it('ends a busy session exactly at the absolute timeout after sign-in', () => {
    const busy = (now: number) => ({ createdAt: T0, lastSeenAt: now - 1_000, kiosk: false });
    expect(sessionVerdict(busy(T0 + T.absoluteMs - 1), T0 + T.absoluteMs - 1, T)).toBe('live');
    expect(sessionVerdict(busy(T0 + T.absoluteMs), T0 + T.absoluteMs, T)).toBe('expired');
  });

  it("keeps a kiosk's session for as long as its link lives", () => {
    expect(sessionVerdict({ createdAt: T0, lastSeenAt: T0, kiosk: true }, T0 + 365 * 86_400_000, T)).toBe('live');
  });

  it('writes last-seen at most once a minute', () => {
    const s = { createdAt: T0, lastSeenAt: T0, kiosk: false };
    expect(needsTouch(s, T0 + 59_999)).toBe(false);
    expect(needsTouch(s, T0 + 60_000)).toBe(true);
  });
});

describe('login rate limit', () => {
  it('refuses a user after max failures within the window, until the oldest leaves it', async () => {
    const clock = new FakeClock(T0);
    const limiter = new LoginLimiter(clock, { maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('ana', `10.0.0.${i}`)).toBe(0);
      limiter.fail('ana', `10.0.0.${i}`);
      await clock.advance(1_000);
    }
    // Three failures at T0, T0+1s, T0+2s: locked until T0+60s, whichever address asks.
    expect(limiter.retryAfterMs('ANA', '10.9.9.9')).toBe(57_000);
    await clock.advance(57_000);
    expect(limiter.retryAfterMs('ana', '10.9.9.9')).toBe(0);
  });

  it('refuses an address that tries many users, and a good sign-in clears only the user', () => {
    const clock = new FakeClock(T0);
    const limiter = new LoginLimiter(clock, { maxFailures: 2, windowMs: 60_000 });
    limiter.fail('a', '192.0.2.1');
    limiter.fail('b', '192.0.2.1');
    expect(limiter.retryAfterMs('c', '192.0.2.1')).toBe(60_000);
    expect(limiter.retryAfterMs('c', '192.0.2.2')).toBe(0);
    limiter.fail('d', '192.0.2.3');
    limiter.fail('d', '192.0.2.4');
    expect(limiter.retryAfterMs('d', '192.0.2.5')).toBe(60_000);
    limiter.succeed('d');
    expect(limiter.retryAfterMs('d', '192.0.2.5')).toBe(0);
  });
});

describe('passwords', () => {
  it('verifies the right password only, and refuses malformed or absurd-cost hashes', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain')).toBe(false);
    const absurd = hash.replace('scrypt$32768$', `scrypt$${2 ** 30}$`);
    expect(await verifyPassword('correct horse', absurd)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(hash);
  });
});
