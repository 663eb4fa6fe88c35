/**
 * Webhook: one POST per run, either a Slack-compatible message ({"text": …}, which Slack,
 * Mattermost and Rocket.Chat incoming webhooks accept) or the whole event as JSON.
 * The URL is a secret (it embeds the token), so it comes from the environment only.
 */
import { request } from 'undici';
import { readBounded } from '../../bounded-body.ts';
import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { renderTemplate, type TemplateData } from '../../../shared/template.ts';
import { errorMessage, secretFrom, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'webhook' }>;

/** A receiver's reply is read only this far: enough for an error message, never a memory risk. */
const MAX_REPLY_BYTES = 4_096;

export function webhookBody(config: Config, ctx: Omit<ActionContext, 'signal'>): Record<string, unknown> {
  const text = config.text === undefined ? defaultText(ctx) : renderTemplate(config.text, templateData(ctx));
  if (config.format === 'slack') return { text };
  return {
    event: ctx.direction,
    policy: { id: ctx.policyId, name: ctx.policyName },
    reason: ctx.reason,
    primary: ctx.primary,
    backup: ctx.backup,
    from: ctx.previous,
    to: ctx.value,
    record: ctx.record
      ? { name: ctx.record.name, type: ctx.record.type, ttl: Math.round(ctx.record.ttlMs / 1000) }
      : null,
    incident: ctx.incident ?? null,
    text,
  };
}

function defaultText(ctx: Omit<ActionContext, 'signal'>): string {
  const verb = ctx.direction === 'failover' ? 'Failing over' : 'Failing back';
  const record = ctx.record ? ` ${ctx.record.name} ${ctx.record.type}` : '';
  return `${verb} ${ctx.policyName}:${record} ${ctx.previous} → ${ctx.value}. Reason: ${ctx.reason}`;
}

/** The data a message template reads: the names in FAILOVER_TEMPLATE_FIELDS. */
export function templateData(ctx: Omit<ActionContext, 'signal'>): TemplateData {
  const incident = ctx.incident ?? null;
  return {
    policy: { id: ctx.policyId, name: ctx.policyName, primary: ctx.primary, backup: ctx.backup },
    run: { id: ctx.run ?? null, direction: ctx.direction, reason: ctx.reason, from: ctx.previous, to: ctx.value },
    record: ctx.record
      ? { name: ctx.record.name, type: ctx.record.type, ttl: Math.round(ctx.record.ttlMs / 1000) }
      : null,
    incident: incident
      ? { id: incident.id, title: incident.title, severity: incident.severity, root_cause: incident.rootCause }
      : null,
  };
}

export function webhookAction(config: Config): FailoverAction {
  return {
    type: 'webhook',
    name: config.name ?? `webhook (${config.format})`,
    changesDns: false,
    describe: (ctx) => ({ url_env: config.url_env, format: config.format, body: webhookBody(config, ctx) }),
    run: async (ctx): Promise<ActionOutcome> => {
      try {
        const url = secretFrom(ctx.env, config.url_env);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (config.token_env) headers.authorization = `Bearer ${secretFrom(ctx.env, config.token_env)}`;
        // undici's request never follows redirects: a 3xx is reported, not chased.
        const response = await request(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(webhookBody(config, ctx)),
          signal: ctx.signal,
        });
        const reply = (await readBounded(response.body, MAX_REPLY_BYTES)).text;
        const detail = { status: response.statusCode, reply };
        if (response.statusCode < 200 || response.statusCode > 299) {
          return { ok: false, message: `receiver answered HTTP ${response.statusCode}`, detail };
        }
        return { ok: true, message: `delivered (HTTP ${response.statusCode})`, detail };
      } catch (error) {
        return { ok: false, message: errorMessage(error) };
      }
    },
  };
}
