/**
 * AWS Route 53: ChangeResourceRecordSets, then GetChange until the change is INSYNC (applied on
 * every Route 53 name server), through the AWS SDK for JavaScript v3. Simple routing UPSERTs the
 * record with the value to switch to; failover routing keeps the PRIMARY and SECONDARY record
 * sets and switches with the primary's health check (UpdateHealthCheck, Inverted). Credentials
 * come from environment variables named in the config.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  UpdateHealthCheckCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { route53Client, route53Error } from '../../aws/route53-client.ts';
import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { errorMessage, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'route53' }>;

function zoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, '');
}

export function route53Change(config: Config, ctx: Omit<ActionContext, 'signal'>) {
  const record = ctx.record!;
  const base = {
    Name: record.name.endsWith('.') ? record.name : `${record.name}.`,
    Type: record.type,
    TTL: Math.round(record.ttlMs / 1000),
  };
  const upsert = (set: Record<string, unknown>) => ({
    Action: 'UPSERT' as const,
    ResourceRecordSet: { ...base, ...set },
  });
  // Failover routing: both record sets as Route 53 keeps them, whichever way the run goes; the
  // primary's health check (inverted or not) decides which one Route 53 answers with.
  const changes =
    config.routing === 'failover'
      ? [
          upsert(failoverSet('PRIMARY', config.primary!, ctx.primary)),
          upsert(failoverSet('SECONDARY', config.secondary!, ctx.backup)),
        ]
      : [upsert({ ResourceRecords: [{ Value: ctx.value }] })];
  return {
    HostedZoneId: zoneId(config.hosted_zone_id),
    ChangeBatch: {
      Comment: `knockon ${ctx.policyId} ${ctx.direction}: ${ctx.reason}`.slice(0, 256),
      Changes: changes,
    },
  };
}

function failoverSet(
  role: 'PRIMARY' | 'SECONDARY',
  set: NonNullable<Config['primary']>,
  value: string,
): Record<string, unknown> {
  return {
    SetIdentifier: set.set_identifier,
    Failover: role,
    ...(set.health_check_id ? { HealthCheckId: set.health_check_id } : {}),
    ResourceRecords: [{ Value: value }],
  };
}

/**
 * Failover routing switches by the primary's health check: inverted, Route 53 takes the primary
 * for unhealthy and answers with the SECONDARY; restored, it answers with the PRIMARY again
 * once the primary is healthy.
 */
export function healthCheckUpdate(config: Config, direction: ActionContext['direction']) {
  return { HealthCheckId: config.primary!.health_check_id!, Inverted: direction === 'failover' };
}

export function route53Action(config: Config): FailoverAction {
  return {
    type: 'route53',
    name: config.name ?? `route53 ${config.hosted_zone_id}`,
    changesDns: true,
    describe: (ctx) => ({
      request: ctx.record ? route53Change(config, ctx) : null,
      ...(config.routing === 'failover' ? { healthCheck: healthCheckUpdate(config, ctx.direction) } : {}),
      endpoint: config.endpoint ?? 'route53.amazonaws.com',
      credentials: `from ${config.access_key_id_env} / ${config.secret_access_key_env}`,
    }),
    run: (ctx) => runChange(config, ctx),
  };
}

async function runChange(config: Config, ctx: ActionContext): Promise<ActionOutcome> {
  if (!ctx.record) return { ok: false, message: 'the policy has no record to change' };
  let client: Route53Client;
  try {
    client = route53Client(config, ctx.env);
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
  try {
    const submitted = await client.send(new ChangeResourceRecordSetsCommand(route53Change(config, ctx)), {
      abortSignal: ctx.signal,
    });
    const changeId = submitted.ChangeInfo?.Id ?? '';
    let status = submitted.ChangeInfo?.Status ?? 'PENDING';
    let polls = 0;
    while (status !== 'INSYNC') {
      await delay(config.poll_interval, ctx.signal);
      const change = await client.send(new GetChangeCommand({ Id: changeId.replace(/^\/change\//, '') }), {
        abortSignal: ctx.signal,
      });
      status = change.ChangeInfo?.Status ?? status;
      polls++;
    }
    if (config.routing === 'failover') {
      const update = healthCheckUpdate(config, ctx.direction);
      await client.send(new UpdateHealthCheckCommand(update), { abortSignal: ctx.signal });
      const verb = update.Inverted
        ? 'inverted: Route 53 answers with SECONDARY'
        : 'restored: PRIMARY answers when healthy';
      return {
        ok: true,
        message: `${ctx.record.name} ${ctx.record.type} PRIMARY/SECONDARY in place (change ${changeId} INSYNC); health check ${update.HealthCheckId} ${verb}`,
        detail: { changeId, polls, healthCheckId: update.HealthCheckId, inverted: update.Inverted },
      };
    }
    return {
      ok: true,
      message: `${ctx.record.name} ${ctx.record.type} upserted to ${ctx.value}; change ${changeId} INSYNC`,
      detail: { changeId, polls },
    };
  } catch (error) {
    return { ok: false, message: route53Error(error) };
  } finally {
    client.destroy();
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('timed out waiting for INSYNC'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('timed out waiting for INSYNC'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
