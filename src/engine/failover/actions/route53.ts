/**
 * AWS Route 53: ChangeResourceRecordSets with one UPSERT of the record (value and TTL), then
 * GetChange until the change is INSYNC (applied on every Route 53 name server), through the
 * AWS SDK for JavaScript v3. Credentials come from environment variables named in the config.
 */
import { ChangeResourceRecordSetsCommand, GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { errorMessage, secretFrom, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'route53' }>;

function zoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, '');
}

export function route53Change(config: Config, ctx: Omit<ActionContext, 'signal'>) {
  const record = ctx.record!;
  return {
    HostedZoneId: zoneId(config.hosted_zone_id),
    ChangeBatch: {
      Comment: `knockon ${ctx.policyId} ${ctx.direction}: ${ctx.reason}`.slice(0, 256),
      Changes: [
        {
          Action: 'UPSERT' as const,
          ResourceRecordSet: {
            Name: record.name.endsWith('.') ? record.name : `${record.name}.`,
            Type: record.type,
            TTL: Math.round(record.ttlMs / 1000),
            ResourceRecords: [{ Value: ctx.value }],
          },
        },
      ],
    },
  };
}

export function route53Action(config: Config): FailoverAction {
  return {
    type: 'route53',
    name: config.name ?? `route53 ${config.hosted_zone_id}`,
    changesDns: true,
    describe: (ctx) => ({
      request: ctx.record ? route53Change(config, ctx) : null,
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
    const sessionToken = config.session_token_env ? secretFrom(ctx.env, config.session_token_env) : undefined;
    client = new Route53Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      credentials: {
        accessKeyId: secretFrom(ctx.env, config.access_key_id_env),
        secretAccessKey: secretFrom(ctx.env, config.secret_access_key_env),
        ...(sessionToken ? { sessionToken } : {}),
      },
      // Retries belong to the runner (counted and audited), not hidden inside the SDK.
      maxAttempts: 1,
    });
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
    return {
      ok: true,
      message: `${ctx.record.name} ${ctx.record.type} upserted to ${ctx.value}; change ${changeId} INSYNC`,
      detail: { changeId, polls },
    };
  } catch (error) {
    const name = (error as { name?: string }).name;
    return { ok: false, message: `Route 53: ${name && name !== 'Error' ? `${name}: ` : ''}${errorMessage(error)}` };
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
