import { z } from 'zod';
import { checkCommon } from './common.ts';
import { httpCredentials, oneCredential } from './http-credentials.ts';

/**
 * A PromQL instant query against a Prometheus (or any API that speaks its /api/v1/query), on the
 * check's interval. Written the way Prometheus alert rules are: by default the check is down
 * while the query returns any series (`up{job="hk-api"} == 0`), so a rule's `expr` works as it is.
 * Alternatively a threshold on the values of a query that always answers
 * (`rate(http_request_duration_seconds_sum[5m])` with `above: 0.5`).
 */
export const prometheusCheckSchema = z
  .strictObject({
    ...checkCommon,
    type: z.literal('prometheus'),
    /** The Prometheus base URL (http://prometheus:9090, or a path prefix behind a proxy). */
    url: z.url({ protocol: /^https?$/, error: 'expected the http(s) base URL of a Prometheus' }),
    query: z.string().trim().min(1, { error: 'expected a PromQL expression' }).max(10_000),
    /**
     * `non_empty` (default): down while the query returns a series, as an alert rule fires.
     * `empty`: down while it returns none (`up{job="hk-api"}` vanishing means the target is gone).
     */
    down_when: z.enum(['non_empty', 'empty']).default('non_empty'),
    /** Down while any returned value is above this (the query is then expected to return series). */
    above: z.number().optional(),
    /** Down while any returned value is below this. */
    below: z.number().optional(),
    /** Labels that name a series on the board and in alerts; every label when absent. */
    instance_labels: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
      .max(16)
      .optional(),
    ...httpCredentials,
    /**
     * Series kept from one answer (failing ones first); more are counted, not kept. Every result
     * is stored with its series, so this bounds the history's size too.
     */
    max_series: z.int().min(1).max(1_000).default(50),
    /**
     * Each returned series becomes a check instance on the board (`<check id>/<series id>`): its
     * own row with its labels and its own status by this check's fall/rise, grouped under this
     * check. A series missing from 3 answers in a row is removed (src/engine/instances.ts).
     */
    instances: z.boolean().default(false),
  })
  .superRefine((check, ctx) => {
    if ((check.above !== undefined || check.below !== undefined) && check.down_when === 'empty') {
      ctx.addIssue({
        code: 'custom',
        path: ['down_when'],
        message: 'a threshold (above/below) expects series; down_when: empty contradicts it',
      });
    }
    oneCredential(check, ctx);
  });

export type PrometheusCheckConfig = z.output<typeof prometheusCheckSchema>;
