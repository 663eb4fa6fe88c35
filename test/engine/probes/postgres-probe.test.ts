import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProbe } from '../../../src/engine/probes/postgres-probe.ts';
import { makeCerts } from '../../support/certs.ts';
import { checkFrom } from '../../support/checks.ts';
import { garbage, HttpServer, RawServer } from '../../support/hostile.ts';
import { PG_PASSWORD, POSTGRES_MISSING, PostgresPair, postgresBin } from '../../support/postgres.ts';
import { probeUntil } from '../../support/probe-until.ts';

const havePostgres = postgresBin() !== null;
if (!havePostgres) console.warn(POSTGRES_MISSING);

process.env.KNOCKON_TEST_PG_PASSWORD = PG_PASSWORD;

describe.skipIf(!havePostgres)('postgres probe against a real primary and streaming replica', () => {
  const pair = new PostgresPair();
  const login = { host: '127.0.0.1', user: 'knockon', password_env: 'KNOCKON_TEST_PG_PASSWORD' };
  const primaryCheck = (fields: Record<string, unknown> = {}) =>
    checkFrom('postgres', { ...login, port: pair.primaryPort, timeout: '3s', ...fields });
  const replicaCheck = (fields: Record<string, unknown> = {}) =>
    checkFrom('postgres', { ...login, port: pair.replicaPort, role: 'replica', timeout: '3s', ...fields });
  const canary = () => ({ within: '2s', primary: { ...login, port: pair.primaryPort } });

  const certs = makeCerts();

  beforeAll(async () => {
    await pair.start();
  }, 90_000);
  afterAll(async () => {
    await pair.stop();
    certs.cleanup();
  });

  it('sees the primary with its streaming replica, and fails when an expected replica is absent', async () => {
    const ok = await postgresProbe(primaryCheck({ role: 'primary', expect_replicas: ['sg-replica'] }));
    expect(ok).toMatchObject({ ok: true, errorClass: null, replication: { role: 'primary' } });
    expect(ok.replication?.replicas).toEqual([expect.objectContaining({ name: 'sg-replica', state: 'streaming' })]);
    const slot = await postgresProbe(primaryCheck({ expect_slots: ['sg_replica'] }));
    expect(slot.ok).toBe(true);
    const missing = await postgresProbe(primaryCheck({ expect_replicas: ['sg-replica', 'tokyo-replica'] }));
    expect(missing).toMatchObject({ ok: false, errorClass: 'replica_missing' });
    expect(missing.message).toContain('tokyo-replica');
  });

  it('reports the role it finds: a replica where a primary is expected is role_mismatch', async () => {
    const wrong = await postgresProbe(replicaCheck({ role: 'primary' }));
    expect(wrong).toMatchObject({ ok: false, errorClass: 'role_mismatch', replication: { role: 'replica' } });
  });

  it('proves replication moves with the canary: written on the primary, read on the replica', async () => {
    const result = await postgresProbe(replicaCheck({ canary: canary() }));
    expect(result).toMatchObject({ ok: true, replication: { role: 'replica' } });
    expect(result.replication?.canaryMs).toBeGreaterThanOrEqual(0);
    const rows = await pair.sql(pair.primaryPort, 'SELECT check_id FROM knockon_canary');
    expect(rows).toEqual([{ check_id: 'c' }]);
  });

  it('reports no lag for a replica of an idle primary, however old its last transaction', async () => {
    // The condition under test is time passing with nothing to replay: the last replayed
    // transaction must be older than the degraded limit, so this waits for that on purpose.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const [age] = await pair.sql(
      pair.replicaPort,
      'SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS s',
    );
    expect(age!.s as number).toBeGreaterThan(1);
    const idle = await postgresProbe(replicaCheck({ lag: { degraded: '1s', down: '3s' } }));
    expect(idle).toMatchObject({ ok: true, replication: { lagSeconds: 0, lagBytes: 0 } });
    expect(idle.degraded).toBeUndefined();
  });

  it('sees lag grow while replay is paused: degraded, then down; the canary is late; caught up on resume', async () => {
    await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_pause()');
    try {
      const limits = { lag: { degraded: '1s', down: '2500ms' } };
      // A fresh transaction every probe: WAL arrives that the paused replica cannot replay.
      const write = () => pair.sql(pair.primaryPort, "INSERT INTO orders (note) VALUES ('x')");
      const seen = await probeUntil(
        async () => (await write(), postgresProbe(replicaCheck(limits))),
        (r) => r.errorClass === 'replication_lag',
        'lag over the down limit',
      );
      const firstDegraded = seen.findIndex((r) => r.ok && r.degraded);
      expect(firstDegraded).toBeGreaterThanOrEqual(0);
      expect(seen.at(-1)!.replication!.lagBytes).toBeGreaterThan(0);
      const lags = seen.map((r) => r.replication?.lagSeconds ?? 0);
      expect(lags.at(-1)!).toBeGreaterThan(lags[firstDegraded]!);
      const late = await postgresProbe(replicaCheck({ canary: { ...canary(), within: '300ms' } }));
      expect(late).toMatchObject({ ok: false, errorClass: 'canary_late', replication: { canaryMs: null } });
    } finally {
      await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_resume()');
    }
    const caughtUp = await probeUntil(
      () => postgresProbe(replicaCheck({ lag: { degraded: '1s' }, canary: canary() })),
      (r) => r.ok && !r.degraded,
      'the replica caught up',
    );
    expect(caughtUp.at(-1)!.replication?.lagBytes).toBe(0);
  });

  it('classifies a wrong password, an unset password variable, garbage and silence', async () => {
    process.env.KNOCKON_TEST_PG_WRONG = 'not-the-password';
    const denied = await postgresProbe(primaryCheck({ password_env: 'KNOCKON_TEST_PG_WRONG' }));
    expect(denied).toMatchObject({ ok: false, errorClass: 'db_auth' });
    const unset = await postgresProbe(primaryCheck({ password_env: 'KNOCKON_TEST_PG_UNSET' }));
    expect(unset).toMatchObject({ ok: false, errorClass: 'probe_error' });
    expect(unset.message).toContain('KNOCKON_TEST_PG_UNSET');
    expect(JSON.stringify([denied, unset])).not.toContain(PG_PASSWORD);
    const noise = await garbage().start();
    // Reads and never answers (reading, it sees the probe hang up).
    const hole = await new RawServer((socket) => socket.resume()).start();
    const web = await new HttpServer((_req, res) => res.end('hello')).start();
    try {
      // Binary noise reads as the start of a frame far longer than what follows: the deadline ends it.
      const spoken = await postgresProbe(
        checkFrom('postgres', { host: '127.0.0.1', port: noise.port, timeout: '500ms' }),
      );
      expect(spoken).toMatchObject({ ok: false, errorClass: 'timeout' });
      // A web server answers the startup packet with 400 and hangs up.
      const http = await postgresProbe(checkFrom('postgres', { host: '127.0.0.1', port: web.port, timeout: '2s' }));
      expect(http).toMatchObject({ ok: false, errorClass: 'connect_reset' });
      const silent = await postgresProbe(
        checkFrom('postgres', { host: '127.0.0.1', port: hole.port, timeout: '300ms' }),
      );
      expect(silent).toMatchObject({ ok: false, errorClass: 'timeout' });
      // The probe hung up when its time ran out: the server sees every connection close.
      await Promise.all([...hole.sockets].map((socket) => socket.closed || once(socket, 'close')));
      expect(hole.sockets.size).toBe(0);
    } finally {
      await noise.stop();
      await hole.stop();
      await web.stop();
    }
  });

  it('shares at most two connections per server and login, however many probes run at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => postgresProbe(replicaCheck())));
    expect(results.every((r) => r.ok)).toBe(true);
    const [held] = await pair.sql(
      pair.replicaPort,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'knockon'",
    );
    expect(held!.n).toBeLessThanOrEqual(2);
    expect(held!.n).toBeGreaterThan(0);
  });

  it('speaks TLS to a real server: verified against its CA, refused with another CA or the wrong name', async () => {
    await pair.enablePrimaryTls(certs.good);
    const ok = await postgresProbe(primaryCheck({ tls: { ca_file: certs.caFile } }));
    expect(ok).toMatchObject({ ok: true, errorClass: null, replication: { role: 'primary' } });
    // The probe's pooled connection is still open: the server says it is encrypted.
    const [tls] = await pair.sql(
      pair.primaryPort,
      "SELECT count(*)::int AS n FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND usename = 'knockon'",
    );
    expect(tls!.n).toBeGreaterThan(0);
    const stranger = makeCerts();
    try {
      const untrusted = await postgresProbe(primaryCheck({ tls: { ca_file: stranger.caFile } }));
      expect(untrusted).toMatchObject({ ok: false });
      expect(untrusted.errorClass).toMatch(/^tls_/);
    } finally {
      stranger.cleanup();
    }
    const wrongName = await postgresProbe(
      primaryCheck({ tls: { ca_file: certs.caFile, server_name: 'db.wrong.example.net' } }),
    );
    expect(wrongName).toMatchObject({ ok: false, errorClass: 'tls_hostname' });
  });

  it('says the lag in seconds is unknown, not zero, when nothing was replayed since the replica started', async () => {
    // A restarted replica has no last replayed transaction until one arrives: "time since" it
    // is NULL, which GREATEST(0, NULL) used to turn into "0 s behind" for a replica that was not.
    // Redo restarts at the last checkpoint the replica has: make it one with no commit after it.
    await pair.sql(pair.primaryPort, 'CHECKPOINT');
    await probeUntil(
      () => postgresProbe(replicaCheck()),
      (r) => r.replication?.lagBytes === 0,
      'the checkpoint replayed',
    );
    await pair.replica!.stop();
    await pair.replica!.start(/ready to accept read-only connections/);
    await pair.replica!.waitForOutput(/started streaming WAL/);
    await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_pause()');
    try {
      await pair.sql(pair.primaryPort, "INSERT INTO orders (note) VALUES ('unreplayed')");
      const [behind] = await probeUntil(
        () => postgresProbe(replicaCheck({ lag: { degraded: '1s' } })),
        (r) => (r.replication?.lagBytes ?? 0) > 0,
        'bytes received and not replayed',
      ).then((seen) => seen.slice(-1));
      expect(behind!.replication).toMatchObject({ role: 'replica', lagSeconds: null });
      expect(behind!.message).toMatch(/\d+ bytes behind/);
      expect(behind!.message).not.toMatch(/\bs behind/);
    } finally {
      await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('sees replication stop when the primary goes down, and the primary refuse', async () => {
    await pair.primary!.stop();
    const stopped = await probeUntil(
      () => postgresProbe(replicaCheck()),
      (r) => r.errorClass === 'replication_stopped',
      'replication stopped',
    );
    expect(stopped.at(-1)!.replication).toMatchObject({ role: 'replica' });
    const refused = await postgresProbe(primaryCheck());
    expect(refused).toMatchObject({ ok: false, errorClass: 'connect_refused' });
  });
});
