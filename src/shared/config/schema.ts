import { z } from 'zod';
import { duration } from './duration.ts';
import { id } from './common.ts';
import { dnsCheckSchema } from './dns-check.ts';
import { failoverSchema, validateFailover } from './failover.ts';
import { heartbeatCheckSchema } from './heartbeat-check.ts';
import { historySchema } from './history.ts';
import { httpCheckSchema } from './http-check.ts';
import { tcpCheckSchema } from './tcp-check.ts';
import { tlsCheckSchema } from './tls-check.ts';
import { alertRuleSchema, notificationsSchema, receiverSchema } from './alerts.ts';
import { checkReferences } from './references.ts';
import { componentSchema, flapDetectionSchema, siteSchema, vantageSchema } from './topology.ts';

export const regionSchema = z.strictObject({
  id,
  name: z.string().min(1),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** The cloud provider's name for it, such as ap-east-1. */
  provider_region: z.string().optional(),
  sites: z.array(siteSchema).default([]),
});

export const checkSchema = z.discriminatedUnion(
  'type',
  [httpCheckSchema, dnsCheckSchema, tcpCheckSchema, tlsCheckSchema, heartbeatCheckSchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'expected "type" to be one of: http, dns, tcp, tls, heartbeat' : undefined,
  },
);

/** Engine-wide limits. */
export const engineSchema = z
  .strictObject({
    /** Probes running at once across all checks; the rest wait their turn (and are counted). */
    max_in_flight: z.int().min(1).max(10_000).default(256),
  })
  .default({ max_in_flight: 256 });

/** Where services push heartbeats. No listener at all unless this is set. */
export const heartbeatListenerSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535),
});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }).default(1),
    board: z
      .strictObject({
        title: z.string().min(1).default('Knockon'),
        timezone: z
          .string()
          .refine(isTimeZone, { error: 'expected an IANA time zone such as Asia/Hong_Kong' })
          .default('UTC'),
      })
      .default({ title: 'Knockon', timezone: 'UTC' }),
    defaults: z
      .strictObject({
        interval: duration.default(10_000),
        timeout: duration.default(5_000),
        fall: z.int().min(1).max(100).default(3),
        rise: z.int().min(1).max(100).default(2),
      })
      .default({ interval: 10_000, timeout: 5_000, fall: 3, rise: 2 }),
    regions: z.array(regionSchema).default([]),
    checks: z.array(checkSchema).default([]),
    engine: engineSchema,
    heartbeat_listener: heartbeatListenerSchema.optional(),
    /** Failover policies (see README, Failover). */
    failover: failoverSchema.optional(),
    history: historySchema,
    components: z.array(componentSchema).default([]),
    vantage: vantageSchema,
    flap_detection: flapDetectionSchema,
    alerts: z.array(alertRuleSchema).default([]),
    receivers: z.array(receiverSchema).default([]),
    notifications: notificationsSchema,
  })
  .superRefine((config, ctx) => {
    validateFailover(
      config.failover,
      { checks: config.checks.map((c) => c.id), components: config.components.map((c) => c.id) },
      ctx,
    );
    const regionIds = new Set<string>();
    config.regions.forEach((region, i) => {
      if (regionIds.has(region.id)) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'id'], message: `duplicate region id "${region.id}"` });
      }
      regionIds.add(region.id);
    });
    const checkIds = new Set<string>();
    config.checks.forEach((check, i) => {
      if (checkIds.has(check.id)) {
        ctx.addIssue({ code: 'custom', path: ['checks', i, 'id'], message: `duplicate check id "${check.id}"` });
      }
      checkIds.add(check.id);
      if (check.region !== undefined && !regionIds.has(check.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, 'region'],
          message: `unknown region "${check.region}"; defined regions: ${[...regionIds].join(', ') || 'none'}`,
        });
      }
      const timeout = check.timeout ?? config.defaults.timeout;
      const interval = check.interval ?? config.defaults.interval;
      // A heartbeat check only reads the time since the last beat: its timeout bounds nothing.
      if (timeout > interval && check.type !== 'heartbeat') {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, check.timeout !== undefined ? 'timeout' : 'interval'],
          message: `timeout (${timeout} ms) must not exceed interval (${interval} ms)`,
        });
      }
      if (check.fast_interval !== undefined && check.fast_interval > interval) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, 'fast_interval'],
          message: `fast_interval (${check.fast_interval} ms) must not exceed interval (${interval} ms)`,
        });
      }
    });
    for (const issue of checkReferences(config)) ctx.addIssue({ code: 'custom', ...issue });
  });

/** The config as written (before defaults), which is what the JSON Schema describes. */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after validation, with defaults filled in and durations in milliseconds. */
export type Config = z.output<typeof configSchema>;
export type CheckConfig = Config['checks'][number];
export type RegionConfig = Config['regions'][number];
