import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProbe } from '../../../src/engine/probes/mysql-probe.ts';
import { checkFrom } from '../../support/checks.ts';
import { RawServer } from '../../support/hostile.ts';
import { MARIADB_MISSING, MARIADB_PASSWORD, MariadbPair, mariadbPaths } from '../../support/mariadb.ts';
import { probeUntil } from '../../support/probe-until.ts';

const haveMariadb = mariadbPaths() !== null;
if (!haveMariadb) console.warn(MARIADB_MISSING);

process.env.KNOCKON_TEST_MARIADB_PASSWORD = MARIADB_PASSWORD;

describe.skipIf(!haveMariadb)('mysql probe against a real MariaDB primary and replica', () => {
  const pair = new MariadbPair();
  const login = { host: '127.0.0.1', user: 'knockon', password_env: 'KNOCKON_TEST_MARIADB_PASSWORD' };
  const check = (port: () => number, fields: Record<string, unknown> = {}) =>
    checkFrom('mysql', { ...login, port: port(), timeout: '3s', ...fields });
  const replicaPort = () => pair.replica!.port;
  const primaryPort = () => pair.primary!.port;
  const canary = { database: 'app', canary: { within: '2s', primary: { ...login, port: 0 } } };
  const withCanary = () => ({ ...canary, canary: { ...canary.canary, primary: { ...login, port: primaryPort() } } });

  beforeAll(async () => {
    await pair.start();
  }, 120_000);
  afterAll(async () => {
    await pair.stop();
  });

  it('sees a healthy replica (both threads, no lag, canary on time) and the primary as primary', async () => {
    const seen = await probeUntil(
      () => mysqlProbe(check(replicaPort, { role: 'replica', ...withCanary() })),
      // Replaying the set-up from the primary's first binlog, it may report a second behind at first.
      (r) => r.ok && r.replication?.lagSeconds === 0,
      'the replica streaming and caught up',
    );
    const ok = seen.at(-1)!;
    expect(ok).toMatchObject({ errorClass: null, replication: { role: 'replica', lagSeconds: 0 } });
    expect(ok.replication?.canaryMs).toBeGreaterThanOrEqual(0);
    const primary = await mysqlProbe(check(primaryPort, { role: 'primary' }));
    expect(primary).toMatchObject({ ok: true, replication: { role: 'primary' } });
    const wrong = await mysqlProbe(check(primaryPort, { role: 'replica' }));
    expect(wrong).toMatchObject({ ok: false, errorClass: 'role_mismatch' });
  });

  it('is down when the SQL thread stops (NULL lag is not "no lag"), and when the IO thread stops', async () => {
    await pair.replica!.sql('STOP SLAVE SQL_THREAD');
    const sql = await mysqlProbe(check(replicaPort));
    expect(sql).toMatchObject({ ok: false, errorClass: 'replication_stopped', replication: { lagSeconds: null } });
    expect(sql.message).toContain('SQL thread not running');
    await pair.replica!.sql('START SLAVE SQL_THREAD; STOP SLAVE IO_THREAD');
    const io = await mysqlProbe(check(replicaPort));
    expect(io).toMatchObject({ ok: false, errorClass: 'replication_stopped' });
    expect(io.message).toContain('IO thread not running');
    await pair.replica!.sql('START SLAVE IO_THREAD');
    await probeUntil(
      () => mysqlProbe(check(replicaPort)),
      (r) => r.ok,
      'replication running again',
    );
  });

  it('shows the last error when a conflicting row breaks replication', async () => {
    await pair.replica!.sql("INSERT INTO app.orders VALUES (1, 'written on the replica by mistake')");
    await pair.primary!.sql("INSERT INTO app.orders VALUES (1, 'the real order')");
    const broken = await probeUntil(
      () => mysqlProbe(check(replicaPort)),
      (r) => r.errorClass === 'replication_stopped',
      'replication broken',
    );
    expect(broken.at(-1)!.message).toMatch(/SQL thread not running.*Duplicate entry '1'/);
    const late = await mysqlProbe(check(replicaPort, { ...withCanary() }));
    expect(late).toMatchObject({ ok: false, errorClass: 'replication_stopped' });
  });

  it('classifies a refused password, an unset variable and garbage on the port', async () => {
    process.env.KNOCKON_TEST_MARIADB_WRONG = 'nope';
    const denied = await mysqlProbe(check(primaryPort, { password_env: 'KNOCKON_TEST_MARIADB_WRONG' }));
    expect(denied).toMatchObject({ ok: false, errorClass: 'db_auth' });
    const unset = await mysqlProbe(check(primaryPort, { password_env: 'KNOCKON_TEST_MARIADB_UNSET' }));
    expect(unset).toMatchObject({ ok: false, errorClass: 'probe_error' });
    expect(JSON.stringify([denied, unset])).not.toContain(MARIADB_PASSWORD);
    // MySQL servers speak first: this one greets with noise.
    const noise = await new RawServer((socket) =>
      socket.write(Buffer.from('\x10\x00\x00\x00SSH-2.0-OpenSSH\r\n')),
    ).start();
    try {
      const spoken = await mysqlProbe(checkFrom('mysql', { host: '127.0.0.1', port: noise.port, timeout: '1s' }));
      expect(spoken.ok).toBe(false);
      expect(spoken.errorClass, spoken.message).toBe('db_protocol');
    } finally {
      await noise.stop();
    }
  });
});
