import { z } from 'zod';
import { id } from './common.ts';
import { duration, timeoutDuration } from './duration.ts';
import { FAILOVER_TEMPLATE_FIELDS, messageTemplate } from './message-template.ts';
import { healthCheckId, route53Access, signingRegion } from './aws.ts';

/**
 * Failover policies: what to watch, when to switch, how (ordered actions), how to prove it
 * worked, and when to switch back. Secrets are never written here: only the names of
 * environment variables that hold them (`*_env`).
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected the name of an environment variable, such as SLACK_WEBHOOK_URL',
});

/** "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53" or "2001:db8::53" (as DNS checks write it). */
const server = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)$/, {
    error: 'expected an IP address with an optional port, such as "192.0.2.53" or "192.0.2.53:5353"',
  });

const dnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^([A-Za-z0-9_*]([A-Za-z0-9_-]{0,62})?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?\.?$/, {
    error: 'expected a DNS name such as app.example.net',
  });

/** Every action is bounded: one attempt's timeout, a few retries, a back-off that doubles. */
const actionCommon = {
  /** Shown in the audit log and on the timeline; defaults to the action's type. */
  name: z.string().min(1).optional(),
  timeout: timeoutDuration.default(10_000),
  /** Attempts after the first one fails. */
  retries: z.int().min(0).max(10).default(2),
  /** Wait before the first retry; doubles for each further retry, capped at one minute. */
  backoff: timeoutDuration.default(1_000),
  /**
   * Safe to run again when a restart left it in doubt (asked, no answer recorded). dns_update,
   * route53 and haproxy set a value and are by nature; webhook and command only when said so.
   */
  idempotent: z.boolean().optional(),
  /** Which runs this action takes part in: switching to the backup, switching back, or both. */
  on: z
    .array(z.enum(['failover', 'failback']))
    .min(1)
    .default(['failover', 'failback']),
};

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME'] as const;

/** RFC 2136 dynamic update, signed with TSIG (RFC 8945). */
const dnsUpdateAction = z.strictObject({
  ...actionCommon,
  type: z.literal('dns_update'),
  /** The zone's primary authoritative server. */
  server,
  zone: dnsName,
  tsig: z.strictObject({
    /** The key's name as the server knows it. */
    key_name: dnsName,
    algorithm: z.enum(['hmac-sha256']).default('hmac-sha256'),
    /** Environment variable holding the base64 secret. */
    secret_env: envName,
  }),
});

/** One record set of a Route 53 failover pair. */
const failoverRecordSet = z.strictObject({
  /** Route 53's SetIdentifier: unique among the record sets of one name and type. */
  set_identifier: z.string().min(1).max(128),
  /** The Route 53 health check that decides whether this record set is answered. */
  health_check_id: healthCheckId.optional(),
});

/**
 * AWS Route 53: ChangeResourceRecordSets, then GetChange until INSYNC. `routing: simple` UPSERTs
 * one record with the value to switch to; `routing: failover` keeps a PRIMARY and a SECONDARY
 * record set (SetIdentifier, Failover, HealthCheckId) as Route 53's failover routing has them,
 * and switches by inverting the primary's health check (README, Failover).
 */
const route53Action = z
  .strictObject({
    ...actionCommon,
    type: z.literal('route53'),
    hosted_zone_id: z
      .string()
      .regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, { error: 'expected a hosted zone id such as Z123456ABCDEFG' }),
    ...route53Access,
    region: signingRegion,
    /** How often to ask GetChange whether the change is INSYNC; bounded by `timeout`. */
    poll_interval: timeoutDuration.default(2_000),
    routing: z.enum(['simple', 'failover']).default('simple'),
    /** routing: failover: the PRIMARY record set (the policy's primary), with its health check. */
    primary: failoverRecordSet.optional(),
    /** routing: failover: the SECONDARY record set (the policy's backup). */
    secondary: failoverRecordSet.optional(),
  })
  .superRefine((action, ctx) => {
    if (action.routing === 'simple') {
      for (const field of ['primary', 'secondary'] as const) {
        if (action[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to routing: failover only` });
        }
      }
      return;
    }
    if (!action.primary) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary'],
        message: 'routing: failover needs primary: { set_identifier, health_check_id }',
      });
    } else if (!action.primary.health_check_id) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary', 'health_check_id'],
        message: 'the PRIMARY record set needs a health check: Route 53 fails over only on it',
      });
    }
    if (!action.secondary) {
      ctx.addIssue({
        code: 'custom',
        path: ['secondary'],
        message: 'routing: failover needs secondary: { set_identifier }',
      });
    } else if (action.primary && action.primary.set_identifier === action.secondary.set_identifier) {
      ctx.addIssue({
        code: 'custom',
        path: ['secondary', 'set_identifier'],
        message: 'the two record sets need different set_identifier values',
      });
    }
  });

/**
 * What HAProxy accepts as a proxy or server name, and nothing the runtime API would read as a
 * second command (`;`, spaces, newlines): checked at load, not when a failover runs.
 */
export const HAPROXY_NAME = /^[A-Za-z0-9_.:-]+$/;
const HAPROXY_NAME_ERROR = 'expected a HAProxy name: letters, digits, "_", ".", ":" and "-" only';

/** HAProxy runtime API over the stats socket: `set server <backend>/<server> state <state>`. */
const haproxyAction = z.strictObject({
  ...actionCommon,
  type: z.literal('haproxy'),
  /** Path of a stats socket with `level admin`. */
  socket: z.string().min(1),
  backend: z.string().regex(HAPROXY_NAME, { error: HAPROXY_NAME_ERROR }),
  server: z.string().regex(HAPROXY_NAME, { error: HAPROXY_NAME_ERROR }),
  /** State set when failing over. */
  state: z.enum(['drain', 'maint', 'ready']).default('maint'),
  /** State set when failing back. */
  failback_state: z.enum(['drain', 'maint', 'ready']).default('ready'),
});

const webhookAction = z.strictObject({
  ...actionCommon,
  type: z.literal('webhook'),
  /** Environment variable holding the URL (webhook URLs are secrets). */
  url_env: envName,
  /** `slack`: {"text": …} as Slack's incoming webhooks take it; `json`: the whole event. */
  format: z.enum(['slack', 'json']).default('slack'),
  /** Optional bearer token, from the environment. */
  token_env: envName.optional(),
  /**
   * The message's text in place of Knockon's own ("Failover initiated to backup server"), with
   * placeholders such as {{ policy.name }}, {{ run.to }} and {{ incident.title }}.
   */
  text: messageTemplate(FAILOVER_TEMPLATE_FIELDS).optional(),
});

const commandAction = z.strictObject({
  ...actionCommon,
  type: z.literal('command'),
  /** The program and its arguments; no shell. */
  run: z.array(z.string().min(1)).min(1),
  cwd: z.string().min(1).optional(),
  /** Extra environment: names of variables to pass through from Knockon's own environment. */
  pass_env: z.array(envName).default([]),
});

export const failoverActionSchema = z.discriminatedUnion(
  'type',
  [dnsUpdateAction, route53Action, haproxyAction, webhookAction, commandAction],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'expected "type" to be one of: dns_update, route53, haproxy, webhook, command'
        : undefined,
  },
);

export const failoverPolicySchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  /** Exactly one: a check id or a component id. */
  watch: z.union(
    [
      z.strictObject({ check: id }),
      z.strictObject({ component: id }),
      /** An alert rule firing (on any subject, or on those whose labels match all of `labels`). */
      z.strictObject({
        alert: z.string().min(1).max(200),
        labels: z.record(z.string().min(1).max(100), z.string().max(500)).optional(),
      }),
    ],
    {
      error: 'expected watch: { check: <id> }, watch: { component: <id> } or watch: { alert: <rule name> }',
    },
  ),
  /** automatic: act at once; approval: ask the board and wait; dry_run: record what would happen, run nothing. */
  mode: z.enum(['automatic', 'approval', 'dry_run']).default('automatic'),
  trigger: z
    .strictObject({
      /**
       * k of n: fail over only when at least this many vantages see the watched thing down by
       * its rule. n is the number of vantages probing it; with one vantage (this machine), k is 1.
       */
      min_vantages: z.int().min(1).max(64).default(1),
    })
    .default({ min_vantages: 1 }),
  /** How long an approval request stays open; unanswered, it expires and nothing runs. */
  approval_timeout: duration.default(600_000),
  /** The record switched between primary and backup values. */
  record: z
    .strictObject({
      name: dnsName,
      type: z.enum(RECORD_TYPES).default('A'),
      ttl: duration.default(60_000),
    })
    .optional(),
  /** The record's value (or address) while the primary serves. */
  primary: z.string().min(1),
  /** The value during failover. */
  backup: z.string().min(1),
  /** Resolvers asked, each separately, to follow a DNS change's propagation and verify it. */
  resolvers: z.array(server).default([]),
  actions: z.array(failoverActionSchema).min(1, { error: 'expected at least one action' }).max(20),
  verify: z
    .strictObject({
      /** Longest wait for every resolver to return the new value (at least the old TTL is waited). */
      timeout: duration.default(120_000),
      /** How often the resolvers are asked while a change propagates. */
      interval: timeoutDuration.default(1_000),
      /** A check that must be up after the switch (the backup's health). */
      check: id.optional(),
    })
    .default({ timeout: 120_000, interval: 1_000 }),
  failback: z
    .strictObject({
      mode: z.enum(['automatic', 'manual']).default('manual'),
      /** Consecutive successes of the watched thing before failing back automatically. */
      rise: z.int().min(1).max(1000).default(5),
      /** And the primary must have been up this long without a failure. */
      hold: duration.default(300_000),
      /**
       * After a failed failover, or when the backup dies while traffic is on it: automatic rolls
       * back to the primary as soon as it is up again by `rise` (whatever `mode` says); manual
       * says so and waits for an engineer.
       */
      after_failure: z.enum(['automatic', 'manual']).default('automatic'),
    })
    .default({ mode: 'manual', rise: 5, hold: 300_000, after_failure: 'automatic' }),
  /**
   * Receivers (ids from `receivers:`) told of every state an engineer must act on: approval
   * needed, a failed or interrupted run, a refusal because the backup is down, traffic on a dead
   * backup. All receivers when absent; [] for none.
   */
  notify: z.array(id).max(20).optional(),
  /** No second failover within this time after a failback: flapping never switches repeatedly. */
  cooldown: duration.default(1_800_000),
});

export const failoverSchema = z.strictObject({
  policies: z.array(failoverPolicySchema).default([]),
});

export type FailoverConfig = z.output<typeof failoverSchema>;
export type FailoverPolicyConfig = z.output<typeof failoverPolicySchema>;
export type FailoverActionConfig = z.output<typeof failoverActionSchema>;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

interface RefContext {
  addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void;
}

/** Cross-references: ids unique, watched and verified things exist, k never above n. */
export function validateFailover(
  failover: FailoverConfig | undefined,
  known: {
    checks: readonly string[];
    components: readonly string[];
    alerts: readonly string[];
    receivers: readonly string[];
    /** How many vantages probe the watched thing (for a component, its most-probed check). */
    vantageCount: (watch: FailoverPolicyConfig['watch']) => number;
  },
  ctx: RefContext,
): void {
  if (!failover) return;
  const seen = new Set<string>();
  const list = (ids: readonly string[]) => ids.join(', ') || 'none';
  failover.policies.forEach((policy, i) => {
    const at = (...rest: PropertyKey[]) => ['failover', 'policies', i, ...rest];
    if (seen.has(policy.id))
      ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate policy id "${policy.id}"` });
    seen.add(policy.id);
    if ('check' in policy.watch && !known.checks.includes(policy.watch.check)) {
      ctx.addIssue({
        code: 'custom',
        path: at('watch', 'check'),
        message: `unknown check "${policy.watch.check}"; defined checks: ${list(known.checks)}`,
      });
    }
    if ('component' in policy.watch && !known.components.includes(policy.watch.component)) {
      ctx.addIssue({
        code: 'custom',
        path: at('watch', 'component'),
        message: `unknown component "${policy.watch.component}"; defined components: ${list(known.components)}`,
      });
    }
    if (policy.verify.check !== undefined && !known.checks.includes(policy.verify.check)) {
      ctx.addIssue({
        code: 'custom',
        path: at('verify', 'check'),
        message: `unknown check "${policy.verify.check}"; defined checks: ${list(known.checks)}`,
      });
    }
    if ('alert' in policy.watch && !known.alerts.includes(policy.watch.alert)) {
      ctx.addIssue({
        code: 'custom',
        path: at('watch', 'alert'),
        message: `unknown alert rule "${policy.watch.alert}"; defined rules: ${list(known.alerts)}`,
      });
    }
    (policy.notify ?? []).forEach((receiver, j) => {
      if (!known.receivers.includes(receiver)) {
        ctx.addIssue({
          code: 'custom',
          path: at('notify', j),
          message: `unknown receiver "${receiver}"; defined receivers: ${list(known.receivers)}`,
        });
      }
    });
    if (policy.record && policy.resolvers.length > 0 && policy.verify.timeout < policy.record.ttl) {
      ctx.addIssue({
        code: 'custom',
        path: at('verify', 'timeout'),
        message: `verify.timeout (${policy.verify.timeout} ms) is shorter than the record's TTL (${policy.record.ttl} ms): resolvers may serve the old value for a whole TTL, so the wait is at least the TTL; set verify.timeout to ${policy.record.ttl} ms or more`,
      });
    }
    const available = known.vantageCount(policy.watch);
    if (policy.trigger.min_vantages > available) {
      ctx.addIssue({
        code: 'custom',
        path: at('trigger', 'min_vantages'),
        message: `${policy.trigger.min_vantages} vantages can never agree: the watched ${'check' in policy.watch ? 'check is' : "component's checks are"} probed from ${available}`,
      });
    }
    const needsRecord = policy.actions.some((a) => a.type === 'dns_update' || a.type === 'route53');
    if (needsRecord && !policy.record) {
      const index = policy.actions.findIndex((a) => a.type === 'dns_update' || a.type === 'route53');
      ctx.addIssue({
        code: 'custom',
        path: at('record'),
        message: `actions[${index}] changes DNS: the policy needs record: { name, type, ttl }`,
      });
    }
    for (const field of ['primary', 'backup'] as const) {
      if (needsRecord && policy.record?.type === 'A' && !IPV4.test(policy[field])) {
        ctx.addIssue({
          code: 'custom',
          path: at(field),
          message: `expected an IPv4 address for an A record, got "${policy[field]}"`,
        });
      }
    }
    policy.actions.forEach((action, j) => {
      if (action.type === 'dns_update' && policy.record) {
        const zone = action.zone.toLowerCase().replace(/\.$/, '');
        const name = policy.record.name.toLowerCase().replace(/\.$/, '');
        if (name !== zone && !name.endsWith(`.${zone}`)) {
          ctx.addIssue({
            code: 'custom',
            path: at('actions', j, 'zone'),
            message: `record ${policy.record.name} is not inside zone ${action.zone}`,
          });
        }
      }
    });
  });
}
