/**
 * Real data-tier servers for `npm run bench:engine -- --type postgres|redis|mysql|consistency`:
 * the same primary/replica pairs the tests start (test/support), each check of the scenario
 * probing the replica, and a way to ask each server how many connections it holds now.
 */
import { MARIADB_PASSWORD, MariadbPair } from '../test/support/mariadb.ts';
import { MemcachedServer } from '../test/support/memcached.ts';
import { PG_PASSWORD, PostgresPair } from '../test/support/postgres.ts';
import { RedisServer } from '../test/support/redis.ts';

export const DATA_TYPES = ['postgres', 'redis', 'mysql', 'consistency'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface DataTargets {
  makeCheck(i: number): Record<string, unknown>;
  /** Client connections the servers hold right now (the benchmark's own query excluded). */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

const host = '127.0.0.1';

export async function startDataTargets(type: DataType): Promise<DataTargets> {
  switch (type) {
    case 'postgres': {
      process.env.KNOCKON_BENCH_PG_PASSWORD = PG_PASSWORD;
      const pair = await new PostgresPair().start();
      return {
        makeCheck: (i) => ({
          id: `pg${i}`,
          type: 'postgres',
          host,
          port: pair.replicaPort,
          user: 'knockon',
          password_env: 'KNOCKON_BENCH_PG_PASSWORD',
          role: 'replica',
          lag: { degraded: '10s', down: '1m' },
        }),
        connections: async () => {
          const rows = await pair.sql(
            pair.replicaPort,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'knockon'",
          );
          return rows[0]!.n as number;
        },
        stop: () => pair.stop(),
      };
    }
    case 'redis':
    case 'consistency': {
      const primary = await new RedisServer().start();
      const replica = await new RedisServer(['--replicaof', host, String(primary.port)]).start();
      await replica.synced();
      const cache = type === 'consistency' ? await new MemcachedServer().start() : null;
      const admin = [primary.client(), replica.client()];
      await admin[0]!.set('price', '42');
      return {
        makeCheck: (i) =>
          type === 'redis'
            ? { id: `r${i}`, type: 'redis', host, port: replica.port, role: 'replica' }
            : {
                id: `k${i}`,
                type: 'consistency',
                key: 'price',
                missing_ok: true,
                nodes: [
                  { kind: 'redis', host, port: primary.port },
                  { kind: 'redis', host, port: replica.port },
                  { kind: 'memcached', host, port: cache!.port },
                ],
              },
        connections: async () => {
          let n = 0;
          for (const client of admin) {
            const info = await client.info('clients');
            // connected_clients counts this benchmark's own admin connection too.
            n += Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? 1) - 1;
          }
          return n;
        },
        stop: async () => {
          for (const client of admin) client.disconnect();
          await cache?.stop();
          await replica.remove();
          await primary.remove();
        },
      };
    }
    case 'mysql': {
      process.env.KNOCKON_BENCH_MARIADB_PASSWORD = MARIADB_PASSWORD;
      const pair = await new MariadbPair().start();
      return {
        makeCheck: (i) => ({
          id: `m${i}`,
          type: 'mysql',
          host,
          port: pair.replica!.port,
          user: 'knockon',
          password_env: 'KNOCKON_BENCH_MARIADB_PASSWORD',
          role: 'replica',
        }),
        connections: async () => {
          const rows = (await pair.replica!.sql(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'knockon'",
          )) as { n: number }[];
          return Number(rows[0]!.n);
        },
        stop: () => pair.stop(),
      };
    }
  }
}
