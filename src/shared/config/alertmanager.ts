import { z } from 'zod';
import { id } from './common.ts';
import { httpCredentials, oneCredential } from './http-credentials.ts';

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a label name such as service' });

/** `{{ $labels.<name> }}` only: the text around placeholders is kept as written. */
const componentTemplate = z
  .string()
  .min(1)
  .max(500)
  .superRefine((template, ctx) => {
    for (const [whole] of template.matchAll(/\{\{[^}]*\}\}|\{\{/g)) {
      if (!/^\{\{\s*\$labels\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/.test(whole)) {
        ctx.addIssue({ code: 'custom', message: `"${whole}" is not a placeholder such as {{ $labels.service }}` });
      }
    }
  });

/**
 * Alertmanager's alerts on the board: `knockon serve` answers Alertmanager's webhook (version 4)
 * at POST /api/alertmanager/webhook. Each alert becomes an alert on the component its labels
 * name, and joins the knock-on analysis as Knockon's own alerts do.
 */
export const alertmanagerInSchema = z
  .strictObject({
    ...httpCredentials,
    /**
     * Tried in order before `component`: the first whose labels all equal the alert's decides
     * (Alertmanager's `matchers` with `=`).
     */
    routes: z
      .array(z.strictObject({ match: z.record(labelName, z.string()), component: id }))
      .max(500)
      .default([]),
    /** The component id, from the alert's labels. */
    component: componentTemplate.default('{{ $labels.component }}'),
    /** The label that says critical, warning or info (anything else is warning). */
    severity_label: labelName.default('severity'),
  })
  .superRefine((c, ctx) => {
    oneCredential(c, ctx);
    if (c.bearer_token_env === undefined && c.basic_auth === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bearer_token_env'],
        message: 'the webhook must be authenticated: give bearer_token_env or basic_auth',
      });
    }
  });

/** Where Knockon's own alerts go to an Alertmanager (its POST /api/v2/alerts). */
export const alertmanagerReceiverFields = {
  type: z.literal('alertmanager'),
  /** Alertmanager's base URL (http://alertmanager:9093). */
  url: z.url({ protocol: /^https?$/, error: 'expected the http(s) base URL of an Alertmanager' }),
  ...httpCredentials,
  /** Labels added to every alert sent (route on them in Alertmanager). */
  labels: z.record(labelName, z.string()).default({}),
};

export function checkAlertmanagerReceiver(
  receivers: readonly { type: string; bearer_token_env?: string; basic_auth?: unknown }[],
  ctx: z.RefinementCtx,
): void {
  receivers.forEach((r, i) => {
    if (r.type === 'alertmanager') oneCredential(r, ctx, ['receivers', i]);
  });
}

/** A route naming a component the config does not have would drop every alert it matches. */
export function checkAlertmanagerRoutes(
  inbound: { routes: readonly { component: string }[] } | undefined,
  components: readonly string[],
  ctx: z.RefinementCtx,
): void {
  inbound?.routes.forEach((route, i) => {
    if (!components.includes(route.component)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertmanager_in', 'routes', i, 'component'],
        message: `unknown component "${route.component}"; defined components: ${components.join(', ') || 'none'}`,
      });
    }
  });
}

export type AlertmanagerInConfig = z.output<typeof alertmanagerInSchema>;
