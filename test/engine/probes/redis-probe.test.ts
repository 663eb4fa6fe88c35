import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { redisProbe } from '../../../src/engine/probes/redis-probe.ts';
import { checkFrom } from '../../support/checks.ts';
import { garbage } from '../../support/hostile.ts';
import { probeUntil } from '../../support/probe-until.ts';
import { REDIS_MISSING, RedisServer, redisPath } from '../../support/redis.ts';

const haveRedis = redisPath() !== null;
if (!haveRedis) console.warn(REDIS_MISSING);

const PASSWORD = 'knockon-redis-secret';
process.env.KNOCKON_TEST_REDIS_PASSWORD = PASSWORD;

describe.skipIf(!haveRedis)('redis probe against a real primary and replica', () => {
  const primary = new RedisServer(['--requirepass', PASSWORD]);
  let replica: RedisServer;
  let admin: Redis;
  const login = { host: '127.0.0.1', password_env: 'KNOCKON_TEST_REDIS_PASSWORD', timeout: '2s' };
  const primaryCheck = (fields: Record<string, unknown> = {}) =>
    checkFrom('redis', { ...login, port: primary.port, role: 'primary', ...fields });
  const replicaCheck = (fields: Record<string, unknown> = {}) =>
    checkFrom('redis', { ...login, port: replica.port, role: 'replica', ...fields });
  const canary = (within = '1s') => ({ within, primary: { ...login, port: primary.port, timeout: undefined } });

  beforeAll(async () => {
    await primary.start();
    replica = new RedisServer([
      '--requirepass',
      PASSWORD,
      '--masterauth',
      PASSWORD,
      '--replicaof',
      '127.0.0.1',
      String(primary.port),
    ]);
    await replica.start();
    await replica.synced();
    admin = primary.client(PASSWORD);
  }, 30_000);
  afterAll(async () => {
    admin?.disconnect();
    await replica?.remove();
    await primary.remove();
  });

  it('sees the primary with its online replica, and fails when fewer replicas than required are online', async () => {
    // The replica says it finished syncing a moment before the primary lists it online.
    const seen = await probeUntil(
      () => redisProbe(primaryCheck({ min_replicas: 1 })),
      (r) => r.ok,
      'the replica online',
    );
    const ok = seen.at(-1)!;
    expect(ok).toMatchObject({ ok: true, replication: { role: 'primary' } });
    expect(ok.replication?.replicas).toEqual([
      expect.objectContaining({ name: `127.0.0.1:${replica.port}`, state: 'online' }),
    ]);
    const short = await redisProbe(primaryCheck({ min_replicas: 2 }));
    expect(short).toMatchObject({ ok: false, errorClass: 'replica_missing' });
  });

  it('times the canary key from the primary to the replica, with the offset difference', async () => {
    const result = await redisProbe(replicaCheck({ canary: canary() }));
    expect(result).toMatchObject({ ok: true, errorClass: null, replication: { role: 'replica' } });
    expect(result.replication?.canaryMs).toBeGreaterThanOrEqual(0);
    expect(result.replication?.lagBytes).toBeGreaterThanOrEqual(0);
    expect(await admin.get('knockon:canary')).toMatch(/^\d+-[0-9a-f]{12}$/);
    const wrong = await redisProbe(replicaCheck({ role: 'primary' }));
    expect(wrong).toMatchObject({ ok: false, errorClass: 'role_mismatch' });
  });

  it('sees master_link_status down when the link is killed and cannot come back, with the offsets apart', async () => {
    // The primary changes its password and drops its replica: the replica's reconnects are refused.
    await admin.config('SET', 'requirepass', 'rotated');
    await admin.auth('rotated');
    try {
      await admin.call('CLIENT', 'KILL', 'TYPE', 'replica');
      for (let i = 0; i < 20; i++) await admin.set(`order:${i}`, 'x'.repeat(100));
      process.env.KNOCKON_TEST_REDIS_ROTATED = 'rotated';
      const down = await probeUntil(
        () =>
          redisProbe(
            replicaCheck({
              canary: { within: '1s', primary: { ...canary().primary, password_env: 'KNOCKON_TEST_REDIS_ROTATED' } },
            }),
          ),
        (r) => r.errorClass === 'replication_stopped',
        'master_link_status down',
      );
      expect(down.at(-1)!.message).toContain(`link to primary 127.0.0.1:${primary.port} down`);
      expect(down.at(-1)!.replication!.lagBytes).toBeGreaterThan(2_000);
    } finally {
      await admin.config('SET', 'requirepass', PASSWORD);
      await admin.auth(PASSWORD);
    }
    await probeUntil(
      () => redisProbe(replicaCheck()),
      (r) => r.ok,
      'the link back up',
    );
  });

  it('classifies a refused password, an unset variable and garbage on the port', async () => {
    process.env.KNOCKON_TEST_REDIS_WRONG = 'nope';
    const denied = await redisProbe(primaryCheck({ password_env: 'KNOCKON_TEST_REDIS_WRONG' }));
    expect(denied).toMatchObject({ ok: false, errorClass: 'db_auth' });
    const unset = await redisProbe(primaryCheck({ password_env: 'KNOCKON_TEST_REDIS_UNSET' }));
    expect(unset).toMatchObject({ ok: false, errorClass: 'probe_error' });
    expect(JSON.stringify([denied, unset])).not.toContain(PASSWORD);
    const noise = await garbage().start();
    try {
      const spoken = await redisProbe(checkFrom('redis', { host: '127.0.0.1', port: noise.port, timeout: '1s' }));
      expect(spoken.ok).toBe(false);
      expect(spoken.errorClass, spoken.message).toBe('db_protocol');
    } finally {
      await noise.stop();
    }
  });

  it('sees the replica lose its primary when the primary stops, and the primary refuse', async () => {
    await primary.stop();
    // With a canary, the unreachable primary is not blamed on the replica: the link is the news.
    const lost = await probeUntil(
      () => redisProbe(replicaCheck({ canary: canary() })),
      (r) => r.errorClass === 'replication_stopped',
      'the replica without its primary',
    );
    expect(lost.at(-1)!.replication).toMatchObject({ role: 'replica' });
    expect(await redisProbe(primaryCheck())).toMatchObject({ ok: false, errorClass: 'connect_refused' });
  });
});
