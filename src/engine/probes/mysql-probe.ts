/**
 * MySQL and MariaDB: on a replica, both replication threads running, the lag (a NULL
 * Seconds_Behind is a failure: the SQL thread is stopped or the source unreachable), the last
 * error, and the canary; a server with no replica status is a primary.
 */
import mysql from 'mysql2/promise';
import type { CanaryTarget } from '../../shared/config/data-common.ts';
import { DEFAULT_PORTS } from '../../shared/config/data-common.ts';
import type { ProbeResult, ReplicationDetails } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { canaryToken, timeCanary } from './data-canary.ts';
import { passwordFrom, runDataProbe, type DataOutcome, type DataSession } from './data-session.ts';
import { failed, judgeLag, roleProblem } from './data-verdict.ts';
import { parseReplicaStatus, type ReplicaStatus } from './mysql-status.ts';
import { trustedCas } from './tls-cert.ts';

type MysqlCheck = Extract<ResolvedCheck, { type: 'mysql' }>;

async function connect(session: DataSession, target: CanaryTarget, field: string): Promise<mysql.Connection> {
  const secret = passwordFrom(target.password_env, field);
  if (!secret.ok) throw Object.assign(new Error(secret.message), { observer: true });
  const connection = await mysql.createConnection({
    host: target.host,
    port: target.port ?? DEFAULT_PORTS.mysql,
    user: target.user ?? 'knockon',
    ...(secret.password !== undefined ? { password: secret.password } : {}),
    ...(target.database ? { database: target.database } : {}),
    connectTimeout: Math.max(1, Math.floor(session.remainingMs())),
    ...(target.tls
      ? {
          ssl: {
            rejectUnauthorized: !target.tls.insecure_skip_verify,
            ...(target.tls.server_name ? { servername: target.tls.server_name } : {}),
            ...(target.tls.ca_file ? { ca: trustedCas(target.tls) } : {}),
          },
        }
      : {}),
  });
  connection.on('error', () => {});
  session.own(connection, (c) => c.destroy());
  return connection;
}

/** SHOW REPLICA STATUS where the server knows it, SHOW SLAVE STATUS where it is older. */
async function replicaStatus(connection: mysql.Connection, session: DataSession): Promise<ReplicaStatus | null> {
  const timeout = Math.max(1, Math.floor(session.remainingMs()));
  let rows: unknown;
  try {
    [rows] = await connection.query({ sql: 'SHOW REPLICA STATUS', timeout });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ER_PARSE_ERROR') throw error;
    [rows] = await connection.query({ sql: 'SHOW SLAVE STATUS', timeout });
  }
  const first = Array.isArray(rows) ? (rows[0] as unknown) : undefined;
  return first === undefined ? null : parseReplicaStatus(first);
}

function stopped(status: ReplicaStatus, replication: ReplicationDetails): DataOutcome | null {
  const error = status.lastSqlError || status.lastIoError;
  const because = error ? `: ${error}` : '';
  if (status.sqlRunning !== 'Yes') {
    return failed('replication_stopped', `SQL thread not running (${status.sqlRunning})${because}`, replication);
  }
  if (status.ioRunning !== 'Yes') {
    return failed(
      'replication_stopped',
      `IO thread not running (${status.ioRunning}) from ${status.source}${because}`,
      replication,
    );
  }
  if (status.secondsBehind === null) {
    return failed('replication_stopped', `lag unknown (Seconds_Behind NULL)${because}`, replication);
  }
  return null;
}

async function replicaOutcome(
  check: MysqlCheck,
  session: DataSession,
  connection: mysql.Connection,
  status: ReplicaStatus,
): Promise<DataOutcome> {
  const replication: ReplicationDetails = { role: 'replica', lagSeconds: status.secondsBehind, lagBytes: null };
  const broken = stopped(status, replication);
  if (broken) return broken;
  const canary = check.canary;
  if (canary) {
    const primary = await connect(session, { database: check.database, ...canary.primary }, 'canary.primary');
    const token = canaryToken();
    const timeout = Math.max(1, Math.floor(session.remainingMs()));
    replication.canaryMs = await timeCanary(
      session,
      canary.within,
      token,
      async () => {
        await primary.query({
          sql: `INSERT INTO ${canary.table} (check_id, token, written_at) VALUES (?, ?, NOW(3))
                ON DUPLICATE KEY UPDATE token = VALUES(token), written_at = VALUES(written_at)`,
          values: [check.id, token],
          timeout,
        });
      },
      async () => {
        const [rows] = await connection.query({
          sql: `SELECT token FROM ${canary.table} WHERE check_id = ?`,
          values: [check.id],
          timeout,
        });
        const row = Array.isArray(rows) ? (rows[0] as { token?: unknown } | undefined) : undefined;
        return typeof row?.token === 'string' ? row.token : null;
      },
    );
    if (replication.canaryMs === null) {
      return failed(
        'canary_late',
        `canary row written on the primary not seen within ${canary.within} ms`,
        replication,
      );
    }
  }
  const verdict = judgeLag(check.lag, replication, `replica of ${status.source}`);
  if (verdict.ok && replication.canaryMs != null) {
    verdict.message += `; canary arrived in ${Math.round(replication.canaryMs)} ms`;
  }
  return verdict;
}

export function mysqlProbe(check: MysqlCheck, signal?: AbortSignal): Promise<ProbeResult> {
  return runDataProbe(check, signal, async (session) => {
    const connection = await connect(session, check, 'password_env');
    const status = await replicaStatus(connection, session);
    const role = status ? 'replica' : 'primary';
    const replication: ReplicationDetails = { role, lagSeconds: null, lagBytes: null };
    const wrong = roleProblem(check.role, role, replication);
    if (wrong) return wrong;
    if (!status) return { ok: true, errorClass: null, message: 'primary (no replication configured)', replication };
    return replicaOutcome(check, session, connection, status);
  });
}
