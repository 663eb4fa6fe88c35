/**
 * Redis: role, the replica's link to its primary (master_link_status, last I/O), the offset
 * difference from INFO replication on both sides, the primary's online replicas, and a canary key.
 */
import { Redis } from 'ioredis';
import type { CanaryTarget } from '../../shared/config/data-common.ts';
import { DEFAULT_PORTS } from '../../shared/config/data-common.ts';
import type { ProbeResult, ReplicationDetails } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { canaryToken, timeCanary } from './data-canary.ts';
import { passwordFrom, runDataProbe, type DataOutcome, type DataSession } from './data-session.ts';
import { failed, judgeLag, roleProblem } from './data-verdict.ts';
import { parseReplicationInfo, type ReplicationInfo } from './redis-info.ts';
import { trustedCas } from './tls-cert.ts';

type RedisCheck = Extract<ResolvedCheck, { type: 'redis' }>;

/** One connection, no retries, no offline queue: a probe sees the server as it is, once. */
export async function connectRedis(session: DataSession, target: CanaryTarget, field: string): Promise<Redis> {
  const secret = passwordFrom(target.password_env, field);
  if (!secret.ok) throw Object.assign(new Error(secret.message), { observer: true });
  const timeout = Math.max(1, Math.floor(session.remainingMs()));
  const client = new Redis({
    host: target.host,
    port: target.port ?? DEFAULT_PORTS.redis,
    ...(target.user ? { username: target.user } : {}),
    ...(secret.password !== undefined ? { password: secret.password } : {}),
    ...(target.tls
      ? {
          tls: {
            rejectUnauthorized: !target.tls.insecure_skip_verify,
            servername: target.tls.server_name,
            ca: trustedCas(target.tls),
          },
        }
      : {}),
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
  });
  // ioredis reports why a connection failed (refused, WRONGPASS) as an event, and then rejects
  // connect() with a bare "Connection is closed": the event is the informative one.
  let cause: unknown = null;
  client.on('error', (error: unknown) => (cause ??= error));
  session.own(client, (c) => c.disconnect(false));
  try {
    await client.connect();
  } catch (error) {
    throw cause ?? error;
  }
  return client;
}

async function info(client: Redis): Promise<ReplicationInfo> {
  return parseReplicationInfo(await client.info('replication'));
}

function primaryOutcome(check: RedisCheck, own: ReplicationInfo): DataOutcome {
  const replicas = own.replicas.map((r) => ({
    name: `${r.ip}:${r.port}`,
    state: r.state,
    lagBytes: Math.max(0, own.master_repl_offset - r.offset),
  }));
  const online = replicas.filter((r) => r.state === 'online');
  const lagBytes = online.length > 0 ? Math.max(...online.map((r) => r.lagBytes)) : null;
  const replication: ReplicationDetails = { role: 'primary', lagSeconds: null, lagBytes, replicas };
  if (online.length < check.min_replicas) {
    return failed(
      'replica_missing',
      `${online.length} online replica${online.length === 1 ? '' : 's'}, expected at least ${check.min_replicas}`,
      replication,
    );
  }
  const verdict = judgeLag(check.lag, replication, 'primary');
  verdict.message = `primary with ${online.length} online replica${online.length === 1 ? '' : 's'}${lagBytes ? `; slowest ${lagBytes} bytes behind` : ''}`;
  return verdict;
}

async function replicaOutcome(check: RedisCheck, session: DataSession, client: Redis, own: ReplicationInfo) {
  const replication: ReplicationDetails = { role: 'replica', lagSeconds: null, lagBytes: null };
  const linkUp = own.master_link_status === 'up';
  let primary: Redis | null = null;
  if (check.canary) {
    try {
      primary = await connectRedis(session, check.canary.primary, 'canary.primary');
      const theirs = await info(primary);
      replication.lagBytes = Math.max(0, theirs.master_repl_offset - (own.slave_repl_offset ?? 0));
    } catch (error) {
      // With the link down, an unreachable primary is the cause already reported, not this
      // replica's fault; with the link up, the canary cannot run and says why.
      if (linkUp) throw error;
      primary = null;
    }
  }
  const link = `${own.master_host ?? '?'}:${own.master_port ?? '?'}`;
  if (!linkUp) {
    const since = own.master_link_down_since_seconds;
    return failed(
      'replication_stopped',
      `link to primary ${link} down${since !== undefined && since >= 0 ? ` for ${since} s` : ''}`,
      replication,
    );
  }
  if (primary && check.canary) {
    const { key, within } = check.canary;
    const token = canaryToken();
    replication.canaryMs = await timeCanary(
      session,
      within,
      token,
      async () => void (await primary.set(key, token)),
      () => client.get(key),
    );
    if (replication.canaryMs === null) {
      return failed('canary_late', `canary key set on the primary not seen within ${within} ms`, replication);
    }
  }
  const verdict = judgeLag(check.lag, replication, 'replica');
  const lastIo = own.master_last_io_seconds_ago;
  if (verdict.ok && check.max_last_io !== undefined && lastIo !== undefined && lastIo >= check.max_last_io) {
    verdict.degraded = true;
    verdict.message += `; nothing from primary ${link} for ${lastIo} s`;
  }
  if (own.master_sync_in_progress === '1') {
    verdict.degraded = true;
    verdict.message += '; full resynchronisation in progress';
  }
  if (verdict.ok && replication.canaryMs != null) {
    verdict.message += `; canary arrived in ${Math.round(replication.canaryMs)} ms`;
  }
  return verdict;
}

export function redisProbe(check: RedisCheck, signal?: AbortSignal): Promise<ProbeResult> {
  return runDataProbe(check, signal, async (session) => {
    const client = await connectRedis(session, check, 'password_env');
    const own = await info(client);
    const role = own.role === 'master' ? 'primary' : 'replica';
    const wrong = roleProblem(check.role, role, { role, lagSeconds: null, lagBytes: null });
    if (wrong) return wrong;
    return role === 'primary' ? primaryOutcome(check, own) : replicaOutcome(check, session, client, own);
  });
}
