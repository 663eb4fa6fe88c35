/**
 * PostgreSQL connections shared by the probes of one server and login: a new connection costs
 * the server a process and a SCRAM exchange (measured in docs/BENCHMARKS.md: at 50 probes/s
 * against one server, connect-per-probe overloads it), so probes borrow from a small pool per
 * (server, login) instead. Each pool holds at most MAX_PER_TARGET connections and closes those
 * idle for IDLE_MS, so a removed check leaves nothing open for long.
 */
import pg from 'pg';

const MAX_PER_TARGET = 2;
const IDLE_MS = 30_000;

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: pg.ClientConfig['ssl'];
  /**
   * Bounds a connection's set-up, and each statement on the server's side (so a query the probe
   * gave up on does not run on); the probe's own deadline bounds it on ours.
   */
  connectTimeoutMs: number;
}

/** Keyed by everything that makes a connection different, the password included (memory only). */
const pools = new Map<string, pg.Pool>();

export function poolFor(target: PgTarget): pg.Pool {
  const key = JSON.stringify([target.host, target.port, target.user, target.password, target.database, target.ssl]);
  let pool = pools.get(key);
  if (!pool) {
    pool = new pg.Pool({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl: target.ssl,
      application_name: 'knockon',
      max: MAX_PER_TARGET,
      idleTimeoutMillis: IDLE_MS,
      connectionTimeoutMillis: target.connectTimeoutMs,
      statement_timeout: target.connectTimeoutMs,
      allowExitOnIdle: true,
    });
    // An idle connection the server closed is dropped by the pool; unheard, the error would crash.
    pool.on('error', () => {});
    const created = pool;
    // A pool left with nothing to lend (every connection idle-closed) is forgotten.
    pool.on('remove', () => {
      if (created.totalCount === 0 && pools.get(key) === created) pools.delete(key);
    });
    pools.set(key, pool);
  }
  return pool;
}
