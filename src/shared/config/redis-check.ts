import { z } from 'zod';
import { checkCommon, id } from './common.ts';
import { canarySchema, expectedRole, lagLimits, serverFields } from './data-common.ts';

export const redisCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('redis'),
  ...serverFields,
  /** Redis 6 ACL user; absent means the default user (AUTH with the password alone). */
  user: z.string().min(1).optional(),
  role: expectedRole,
  primary: id.optional(),
  /** On a primary: how many replicas must be connected and online. */
  min_replicas: z.int().min(0).max(64).default(0),
  /**
   * On a replica: seconds since the last interaction with its primary at or above which it
   * counts as degraded (redis pings replicas every 10 s by default, so allow more than that).
   */
  max_last_io: z.int().min(1).max(86_400).optional(),
  lag: lagLimits,
  canary: canarySchema({ key: z.string().min(1).max(200).default('knockon:canary') }).optional(),
});

export type RedisCheckConfig = z.output<typeof redisCheckSchema>;
