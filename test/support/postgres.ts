/**
 * A real PostgreSQL primary and a streaming replica made with pg_basebackup, on loopback, in a
 * temp dir. The `knockon` login has a password (scram) so tests exercise password_env; the
 * `postgres` superuser is trusted on loopback for the test's own set-up and sabotage.
 */
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';
import { runAs, serverDir, ServerProcess } from './server-process.ts';

export const PG_PASSWORD = 'knockon-test-secret';

/** The newest PostgreSQL Debian installed, or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export const POSTGRES_MISSING =
  'PostgreSQL is not installed (apt-get install postgresql): skipping the tests against a real primary and replica';

function settings(port: number, dir: string, extra = ''): string {
  return `
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${dir}'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
wal_receiver_status_interval = 1s
wal_retrieve_retry_interval = 200ms
${extra}
`;
}

export class PostgresPair {
  primaryPort = 0;
  replicaPort = 0;
  private dir = '';
  private bin = '';
  primary: ServerProcess | null = null;
  replica: ServerProcess | null = null;

  async start(): Promise<this> {
    const bin = postgresBin();
    if (!bin) throw new Error(POSTGRES_MISSING);
    this.bin = bin;
    this.dir = await serverDir('pg');
    this.primaryPort = await freePort();
    this.replicaPort = await freePort();
    const primaryData = join(this.dir, 'primary');
    const replicaData = join(this.dir, 'replica');
    runAs(join(bin, 'initdb'), ['-D', primaryData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await appendFile(join(primaryData, 'postgresql.conf'), settings(this.primaryPort, this.dir));
    // First match wins (initdb's own trust lines included): the knockon login must give its
    // password; the test's set-up logins are trusted.
    await writeFile(
      join(primaryData, 'pg_hba.conf'),
      'local all all trust\nhost all knockon 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n',
    );
    this.primary = await new ServerProcess(
      'postgres primary',
      join(bin, 'postgres'),
      ['-D', primaryData],
      'SIGINT',
    ).start(/ready to accept connections/);
    await this.sql(
      this.primaryPort,
      `CREATE ROLE knockon LOGIN PASSWORD '${PG_PASSWORD}' IN ROLE pg_monitor;
       CREATE TABLE knockon_canary (check_id text PRIMARY KEY, token text NOT NULL, written_at timestamptz NOT NULL);
       GRANT SELECT, INSERT, UPDATE ON knockon_canary TO knockon;
       CREATE TABLE orders (id serial PRIMARY KEY, note text);`,
    );
    runAs(join(bin, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaData,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
      '-C',
      '-S',
      'sg_replica',
      '--no-sync',
    ]);
    await appendFile(
      join(replicaData, 'postgresql.conf'),
      settings(this.replicaPort, this.dir, "cluster_name = 'sg-replica'\nhot_standby = on"),
    );
    this.replica = await new ServerProcess(
      'postgres replica',
      join(bin, 'postgres'),
      ['-D', replicaData],
      'SIGINT',
    ).start(/ready to accept read-only connections/);
    await this.replica.waitForOutput(/started streaming WAL/);
    return this;
  }

  /**
   * Turns TLS on at the primary with this key pair (a reload: no restart). Plain connections
   * stay allowed; a client that asks for TLS gets this certificate.
   */
  async enablePrimaryTls(pair: { key: string; cert: string }): Promise<void> {
    const cert = join(this.dir, 'server.crt');
    const key = join(this.dir, 'server.key');
    await writeFile(cert, pair.cert);
    // PostgreSQL refuses a key others can read, and reads it as its own user.
    await writeFile(key, pair.key, { mode: 0o600 });
    const owner = await stat(this.dir);
    await chown(key, owner.uid, owner.gid);
    await chown(cert, owner.uid, owner.gid);
    await this.sql(this.primaryPort, `ALTER SYSTEM SET ssl_cert_file = '${cert}'`);
    await this.sql(this.primaryPort, `ALTER SYSTEM SET ssl_key_file = '${key}'`);
    await this.sql(this.primaryPort, 'ALTER SYSTEM SET ssl = on');
    await this.sql(this.primaryPort, 'SELECT pg_reload_conf()');
    await this.primary!.waitForOutput(/parameter "ssl" changed to "on"/);
  }

  /** Runs SQL as the superuser and returns the rows of the last statement. */
  async sql(port: number, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      const result = await client.query(text, params);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last as pg.QueryResult).rows;
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown (SIGINT): clients are disconnected, as when a primary really goes down. */
  async stop(): Promise<void> {
    await this.replica?.stop();
    await this.primary?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
