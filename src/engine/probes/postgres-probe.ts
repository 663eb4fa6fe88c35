/**
 * PostgreSQL: role, replica lag (seconds and bytes), the primary's attached replicas and slots,
 * and the canary. Lag follows postgres_exporter's rule: when everything received has been
 * replayed the replica is caught up (an idle primary sends nothing, so "time since the last
 * replayed transaction" would grow forever and lie). Nothing replayed since the replica started
 * means the seconds are unknown (null, the bytes still say), never 0: GREATEST ignores a NULL.
 */
import type pg from 'pg';
import { z } from 'zod';
import type { ResolvedCheck } from '../checks.ts';
import type { CanaryTarget } from '../../shared/config/data-common.ts';
import { DEFAULT_PORTS } from '../../shared/config/data-common.ts';
import type { AttachedReplica, ProbeResult, ReplicationDetails } from '../../shared/model.ts';
import { canaryToken, timeCanary } from './data-canary.ts';
import { passwordFrom, runDataProbe, type DataOutcome, type DataSession } from './data-session.ts';
import { failed, judgeLag, missingNames, roleProblem } from './data-verdict.ts';
import { poolFor } from './pg-pools.ts';
import { trustedCas } from './tls-cert.ts';

type PostgresCheck = Extract<ResolvedCheck, { type: 'postgres' }>;

const REPLICA_SQL = `SELECT
  pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up,
  CASE WHEN pg_last_xact_replay_timestamp() IS NOT NULL
    THEN GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))::float8 END AS behind_s,
  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS lag_bytes,
  (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver`;

const PRIMARY_SQL = `SELECT application_name AS name, state,
  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes
  FROM pg_stat_replication ORDER BY application_name LIMIT 64`;

/** What the server answers is parsed before use: a proxy or an odd fork may answer otherwise. */
const num = z.number().finite().nullable();
const replicaRow = z.object({
  caught_up: z.boolean().nullable(),
  behind_s: num,
  lag_bytes: num,
  receiver: z.string().nullable(),
});
const primaryRows = z.array(z.object({ name: z.string(), state: z.string().nullable(), lag_bytes: num })).max(64);
const recoveryRow = z.object({ r: z.boolean() });
const tokenRows = z.array(z.object({ token: z.string() })).max(1);
const slotRows = z.array(z.object({ slot_name: z.string() })).max(64);

/** Parses rows with a schema; a mismatch is the server's protocol problem, not a crash. */
function rowsOf<T>(schema: z.ZodType<T>, rows: unknown, what: string): T {
  const parsed = schema.safeParse(rows);
  if (parsed.success) return parsed.data;
  throw Object.assign(new Error(`${what}: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`), {
    name: 'ParserError',
  });
}

async function connect(
  session: DataSession,
  target: CanaryTarget & { database?: string },
  field: string,
): Promise<pg.PoolClient> {
  const secret = passwordFrom(target.password_env, field);
  if (!secret.ok) throw Object.assign(new Error(secret.message), { observer: true });
  const pool = poolFor({
    host: target.host,
    port: target.port ?? DEFAULT_PORTS.postgres,
    user: target.user ?? 'knockon',
    password: secret.password,
    database: target.database ?? 'postgres',
    ssl: target.tls
      ? {
          rejectUnauthorized: !target.tls.insecure_skip_verify,
          servername: target.tls.server_name,
          ca: trustedCas(target.tls),
        }
      : false,
    connectTimeoutMs: session.timeoutMs,
  });
  const client = await pool.connect();
  if (session.done) {
    // Lent after the probe gave up: nobody will return it, so it must not stay checked out.
    client.release(true);
    throw new Error('timed out');
  }
  // Back to the pool when the probe finished cleanly; destroyed when it was cut short or failed,
  // so a connection in an unknown state is never lent again.
  session.own(client, (c) => c.release(session.clean ? undefined : true));
  return client;
}

/** A query bounded by what is left of the probe's time. */
async function query(session: DataSession, client: pg.PoolClient, text: string, values?: unknown[]) {
  return client.query({
    text,
    values,
    query_timeout: Math.max(1, Math.floor(session.remainingMs())),
  } as pg.QueryConfig);
}

async function replicaOutcome(check: PostgresCheck, session: DataSession, client: pg.PoolClient): Promise<DataOutcome> {
  const row = rowsOf(replicaRow, (await query(session, client, REPLICA_SQL)).rows[0], 'replica status');
  const replication: ReplicationDetails = {
    role: 'replica',
    lagSeconds: row.caught_up === true ? 0 : row.behind_s,
    lagBytes: row.lag_bytes,
  };
  if (row.receiver !== 'streaming') {
    return failed(
      'replication_stopped',
      `not streaming from its primary (WAL receiver ${row.receiver ?? 'not running'})`,
      replication,
    );
  }
  const canary = check.canary;
  if (canary) {
    const primary = await connect(session, { database: check.database, ...canary.primary }, 'canary.primary');
    const token = canaryToken();
    replication.canaryMs = await timeCanary(
      session,
      canary.within,
      token,
      async () => {
        await query(
          session,
          primary,
          `INSERT INTO ${canary.table} (check_id, token, written_at) VALUES ($1, $2, now())
           ON CONFLICT (check_id) DO UPDATE SET token = EXCLUDED.token, written_at = EXCLUDED.written_at`,
          [check.id, token],
        );
      },
      async () => {
        const found = await query(session, client, `SELECT token FROM ${canary.table} WHERE check_id = $1`, [check.id]);
        return rowsOf(tokenRows, found.rows, 'canary row')[0]?.token ?? null;
      },
    );
    if (replication.canaryMs === null) {
      return failed('canary_late', `canary written on the primary not seen within ${canary.within} ms`, replication);
    }
  }
  const verdict = judgeLag(check.lag, replication, 'replica');
  if (verdict.ok && replication.canaryMs != null) {
    verdict.message += `; canary arrived in ${Math.round(replication.canaryMs)} ms`;
  }
  return verdict;
}

async function primaryOutcome(check: PostgresCheck, session: DataSession, client: pg.PoolClient): Promise<DataOutcome> {
  const replicas = rowsOf(primaryRows, (await query(session, client, PRIMARY_SQL)).rows, 'pg_stat_replication').map(
    (r): AttachedReplica => ({ name: r.name, state: r.state ?? 'unknown', lagBytes: r.lag_bytes }),
  );
  const replication: ReplicationDetails = { role: 'primary', lagSeconds: null, lagBytes: null, replicas };
  const streaming = replicas.filter((r) => r.state === 'streaming').map((r) => r.name);
  const missing = missingNames(check.expect_replicas, streaming);
  if (missing.length > 0) {
    return failed('replica_missing', `expected replica not streaming: ${missing.join(', ')}`, replication);
  }
  if (check.expect_slots.length > 0) {
    const slots = await query(
      session,
      client,
      'SELECT slot_name FROM pg_replication_slots WHERE active AND slot_name = ANY($1::text[])',
      [check.expect_slots],
    );
    const idle = missingNames(
      check.expect_slots,
      rowsOf(slotRows, slots.rows, 'pg_replication_slots').map((r) => r.slot_name),
    );
    if (idle.length > 0)
      return failed('replica_missing', `replication slot not active: ${idle.join(', ')}`, replication);
  }
  // The primary's own lag is its slowest replica's, so a lag_bytes limit on a primary still bites.
  replication.lagBytes = replicas.reduce<number | null>((max, r) => Math.max(max ?? 0, r.lagBytes ?? 0), null);
  const verdict = judgeLag(check.lag, replication, 'primary');
  verdict.message = `primary with ${streaming.length} streaming replica${streaming.length === 1 ? '' : 's'}`;
  if (replication.lagBytes) verdict.message += `; slowest ${replication.lagBytes} bytes behind`;
  return verdict;
}

export function postgresProbe(check: PostgresCheck, signal?: AbortSignal): Promise<ProbeResult> {
  return runDataProbe(check, signal, async (session) => {
    const client = await connect(session, check, 'password_env');
    const recovery = rowsOf(
      recoveryRow,
      (await query(session, client, 'SELECT pg_is_in_recovery() AS r')).rows[0],
      'role',
    );
    const role = recovery.r ? 'replica' : 'primary';
    const wrong = roleProblem(check.role, role, { role, lagSeconds: null, lagBytes: null });
    if (wrong) return wrong;
    return role === 'replica' ? replicaOutcome(check, session, client) : primaryOutcome(check, session, client);
  });
}
