/**
 * Fields the data-tier checks share (postgres, mysql, redis): where the server is, who the probe
 * logs in as (the password only through an environment variable), TLS, and the replication
 * thresholds that turn lag into degraded and down.
 */
import { z } from 'zod';
import { timeoutDuration } from './duration.ts';
import { envName, tlsOptions } from './http-check.ts';
import { port } from './tcp-check.ts';

/** The servers' own default ports, used when a check gives none. */
export const DEFAULT_PORTS = { postgres: 5432, mysql: 3306, redis: 6379, memcached: 11211 } as const;

/** Present: the connection is TLS with these options. Absent: plain TCP. */
export const dataTls = tlsOptions.unwrap().optional();

/** A server to log in to: the check's own, or the primary a canary writes to. */
export const serverFields = {
  host: z.string().min(1),
  port: port.optional(),
  user: z.string().min(1).optional(),
  /** Environment variable holding the password, read at probe time: never written in the config. */
  password_env: envName.optional(),
  tls: dataTls,
};

/** Where a canary is written (the primary), when the check itself probes a replica. */
export const canaryTarget = z.strictObject({
  ...serverFields,
  /** Defaults to the check's own database (postgres, mysql). */
  database: z.string().min(1).optional(),
});

/**
 * Replication lag limits: at or above `degraded` the probe succeeds but counts as degraded; at
 * or above `down` it fails (replication_lag). Bytes limits apply where the server reports bytes
 * (postgres WAL positions, redis offsets).
 */
export const lagLimits = z
  .strictObject({
    degraded: timeoutDuration.optional(),
    down: timeoutDuration.optional(),
    degraded_bytes: z.int().min(0).optional(),
    down_bytes: z.int().min(0).optional(),
  })
  .refine((l) => l.degraded === undefined || l.down === undefined || l.degraded <= l.down, {
    error: 'lag.degraded must not exceed lag.down',
    path: ['degraded'],
  })
  .default({});

/** The role the probed server must have; `any` reports the role without judging it. */
export const expectedRole = z.enum(['primary', 'replica', 'any']).default('any');

/**
 * End-to-end proof that replication moves: a timestamped row (or key) written on the primary and
 * read back on this replica within `within`.
 */
export function canarySchema<T extends z.ZodRawShape>(extra: T) {
  return z.strictObject({
    within: timeoutDuration.default(5_000),
    primary: canaryTarget,
    ...extra,
  });
}

export type LagLimits = z.output<typeof lagLimits>;
export type CanaryTarget = z.output<typeof canaryTarget>;
