import { z } from 'zod';
import { id } from './common.ts';
import { duration, timeoutDuration } from './duration.ts';
import { alertmanagerReceiverFields } from './alertmanager.ts';

const severity = z.enum(['critical', 'warning', 'info']);
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a label name such as team' });

const ruleCommon = {
  /** The alert's name (`alertname` in templates); unique among rules. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, { error: 'expected a rule name such as ServerDown' }),
  /** What the rule watches; by default components for down/degraded, checks for the rest. */
  on: z.enum(['checks', 'components']).optional(),
  /** Only these checks or components; every one when absent. */
  ids: z.array(id).optional(),
  /** Pending this long before firing; the timer restarts if the condition clears once (Prometheus). */
  for: duration.default(0),
  /** Keep firing this long after the condition clears (Prometheus's keep_firing_for). */
  keep_firing_for: duration.default(0),
  severity: severity.default('warning'),
  labels: z.record(labelName, z.string()).default({}),
  /** Templates: {{ $labels.instance }}, {{ $labels.<name> }}, {{ $value }}. */
  annotations: z.record(labelName, z.string()).default({}),
  /** `false` pauses the rule: it is not evaluated, so its alerts end as if the rule were removed. */
  enabled: z.boolean().optional(),
};

export const alertRuleSchema = z.discriminatedUnion(
  'condition',
  [
    z.strictObject({ ...ruleCommon, condition: z.literal('down') }),
    z.strictObject({ ...ruleCommon, condition: z.literal('degraded') }),
    z.strictObject({
      ...ruleCommon,
      condition: z.literal('latency'),
      /** Average or 95th percentile of the latencies seen over `window`. */
      stat: z.enum(['avg', 'p95']).default('avg'),
      window: duration.default(300_000),
      /** Fires while the statistic is above this. */
      above: timeoutDuration,
    }),
    z.strictObject({
      ...ruleCommon,
      condition: z.literal('cert_expiry'),
      /** Fires while the certificate presented expires within this many days. */
      days: z.int().min(0).max(3650),
    }),
    z.strictObject({ ...ruleCommon, condition: z.literal('heartbeat_missing') }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected "condition" to be one of: down, degraded, latency, cert_expiry, heartbeat_missing'
        : undefined,
  },
);

const envName = z
  .string({ error: 'expected the name of an environment variable holding the secret, such as SLACK_URL' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable such as SLACK_URL' });

const receiverCommon = {
  id,
  /** Only incidents of this severity or worse. */
  min_severity: severity.default('info'),
  send_resolved: z.boolean().default(true),
  /** Every attempt is bounded by this. */
  timeout: timeoutDuration.default(10_000),
  /** Attempts per message, with exponential back-off from `backoff`. */
  max_attempts: z.int().min(1).max(10).default(4),
  backoff: timeoutDuration.default(1_000),
};

export const receiverSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ ...receiverCommon, type: z.literal('desktop') }),
    z.strictObject({
      ...receiverCommon,
      type: z.literal('slack'),
      /** The incoming-webhook URL is a secret: it is read from this environment variable. */
      url_env: envName,
    }),
    z.strictObject({
      ...receiverCommon,
      type: z.literal('webhook'),
      /** A URL that is not a secret; use url_env for one that is. */
      url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
      url_env: envName.optional(),
    }),
    z.strictObject({
      ...receiverCommon,
      type: z.literal('pagerduty'),
      routing_key_env: envName,
      /** The Events API v2 endpoint; change it only to point at a proxy or a test server. */
      url: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
        .default('https://events.pagerduty.com/v2/enqueue'),
    }),
    z.strictObject({ ...receiverCommon, ...alertmanagerReceiverFields }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected "type" to be one of: desktop, slack, webhook, pagerduty, alertmanager'
        : undefined,
  },
);

/** Alertmanager's timing, per incident (the group). */
export const notificationsSchema = z
  .strictObject({
    /** Wait this long after an incident opens before the first message, so its impact can settle. */
    group_wait: duration.default(30_000),
    /** Wait this long after a message before telling about changes (escalation, resolution). */
    group_interval: duration.default(300_000),
    /** Remind about a still-open incident this often. */
    repeat_interval: duration.default(14_400_000),
  })
  .default({ group_wait: 30_000, group_interval: 300_000, repeat_interval: 14_400_000 });

export type AlertRuleConfig = z.output<typeof alertRuleSchema>;
export type ReceiverConfig = z.output<typeof receiverSchema>;
export type NotificationsConfig = z.output<typeof notificationsSchema>;
export type SeverityName = z.output<typeof severity>;
