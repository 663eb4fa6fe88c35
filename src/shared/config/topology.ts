import { z } from 'zod';
import { id } from './common.ts';
import { backupInUseSchema } from './backup-in-use.ts';

/** A site inside a region (a data centre, a PoP); its coordinates default to the region's. */
export const siteSchema = z.strictObject({
  id,
  name: z.string().min(1),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

export const COMPONENT_KINDS = ['load_balancer', 'api', 'database', 'cache', 'dns_zone', 'service', 'other'] as const;

/**
 * How many of a component's checks must be up (or degraded) for it to be up: `all` (the
 * default), `any`, or `{ at_least: k }`.
 */
export const statusRuleSchema = z.union(
  [z.enum(['all', 'any']), z.strictObject({ at_least: z.int().min(1).max(1000) })],
  { error: 'expected "all", "any" or { at_least: k }' },
);

export const componentSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  kind: z.enum(COMPONENT_KINDS).default('service'),
  region: id.optional(),
  site: id.optional(),
  /** Ids of the checks that decide the component's status. */
  checks: z.array(id).default([]),
  status_rule: statusRuleSchema.default('all'),
  /** Ids of the components this one needs: when one of them is down, this one is impacted, not a root cause. */
  depends_on: z.array(id).default([]),
  /** A load balancer: when its own answer says the backup served it (README, backup_in_use). */
  backup_in_use: backupInUseSchema.optional(),
});

/**
 * This observer. When its reference checks fail (the local gateway, a resolver), the failure is
 * ours, not the targets': nothing is alerted as down while it lasts.
 */
export const vantageSchema = z
  .strictObject({
    id: id.default('local'),
    name: z.string().min(1).default('this machine'),
    reference_checks: z.array(id).default([]),
    /** Offline when all reference checks are down (the default), or when any one is. */
    offline_when: z.enum(['all', 'any']).default('all'),
  })
  .default({ id: 'local', name: 'this machine', reference_checks: [], offline_when: 'all' });

/**
 * Nagios's flap detection: the weighted share of state changes over the last 21 results.
 * Flapping starts at or above `start_threshold` percent and stops below `stop_threshold`.
 */
export const flapDetectionSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    start_threshold: z.number().min(0).max(100).default(50),
    stop_threshold: z.number().min(0).max(100).default(25),
  })
  .refine((f) => f.stop_threshold <= f.start_threshold, {
    error: 'stop_threshold must not exceed start_threshold',
    path: ['stop_threshold'],
  })
  .default({ enabled: true, start_threshold: 50, stop_threshold: 25 });

export type ComponentConfig = z.output<typeof componentSchema>;
export type StatusRule = z.output<typeof statusRuleSchema>;
export type VantageConfig = z.output<typeof vantageSchema>;
export type FlapDetectionConfig = z.output<typeof flapDetectionSchema>;
