/**
 * A real MariaDB primary and replica on loopback, each installed by mariadb-install-db into a
 * temp dir and started by the test. root logs in through each server's socket with no password;
 * the probe's `knockon` login has a password and only the grants the README lists.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { findSbin } from './binaries.ts';
import { freePort } from './ports.ts';
import { runAs, serverDir, ServerProcess } from './server-process.ts';

export const MARIADB_PASSWORD = 'knockon-mariadb-secret';

export const MARIADB_MISSING =
  'MariaDB is not installed (apt-get install mariadb-server): skipping the tests against a real primary and replica';

export function mariadbPaths(): { server: string; install: string } | null {
  const server = findSbin('mariadbd');
  const install = findSbin('mariadb-install-db');
  return server && install ? { server, install } : null;
}

class MariadbServer {
  port = 0;
  socket = '';
  process: ServerProcess | null = null;
  private readonly dir: string;
  private readonly serverId: number;

  constructor(dir: string, serverId: number) {
    this.dir = dir;
    this.serverId = serverId;
  }

  async start(paths: { server: string; install: string }): Promise<void> {
    const data = join(this.dir, `data${this.serverId}`);
    this.socket = join(this.dir, `mysqld${this.serverId}.sock`);
    this.port = await freePort();
    runAs(paths.install, [
      '--no-defaults',
      `--datadir=${data}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ]);
    this.process = await new ServerProcess(`mariadb ${this.serverId}`, paths.server, [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${this.socket}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--server-id=${this.serverId}`,
      '--log-bin=binlog',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--skip-innodb-doublewrite',
      '--innodb-flush-log-at-trx-commit=0',
      `--pid-file=${join(this.dir, `${this.serverId}.pid`)}`,
    ]).start(/ready for connections/, 60_000);
  }

  /** Runs statements as root through the socket; returns the rows of the last one. */
  async sql(statements: string): Promise<unknown[]> {
    const connection = await mysql.createConnection({
      socketPath: this.socket,
      user: 'root',
      multipleStatements: true,
    });
    try {
      const [rows] = await connection.query(statements);
      return Array.isArray(rows) ? (rows as unknown[]) : [];
    } finally {
      await connection.end();
    }
  }
}

export class MariadbPair {
  primary: MariadbServer | null = null;
  replica: MariadbServer | null = null;
  private dir = '';

  async start(): Promise<this> {
    const paths = mariadbPaths();
    if (!paths) throw new Error(MARIADB_MISSING);
    this.dir = await serverDir('mariadb');
    this.primary = new MariadbServer(this.dir, 1);
    this.replica = new MariadbServer(this.dir, 2);
    await Promise.all([this.primary.start(paths), this.replica.start(paths)]);
    const knockon = `CREATE USER knockon@'127.0.0.1' IDENTIFIED BY '${MARIADB_PASSWORD}';
      GRANT SLAVE MONITOR, REPLICATION CLIENT ON *.* TO knockon@'127.0.0.1';`;
    await this.primary.sql(`
      CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'repl'; GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
      ${knockon}
      CREATE DATABASE app;
      CREATE TABLE app.knockon_canary (check_id VARCHAR(64) PRIMARY KEY, token VARCHAR(64) NOT NULL, written_at DATETIME(3) NOT NULL);
      GRANT SELECT, INSERT, UPDATE ON app.knockon_canary TO knockon@'127.0.0.1';
      CREATE TABLE app.orders (id INT PRIMARY KEY, note TEXT);`);
    // The replica starts from the primary's first binlog, so it replays everything above too.
    await this.replica.sql(`
      CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${this.primary.port}, MASTER_USER='repl',
        MASTER_PASSWORD='repl', MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=4, MASTER_CONNECT_RETRY=1;
      START SLAVE;`);
    return this;
  }

  async stop(): Promise<void> {
    await this.replica?.process?.stop();
    await this.primary?.process?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
