import { z } from 'zod';
import { checkCommon, id } from './common.ts';
import { canarySchema, expectedRole, lagLimits, serverFields } from './data-common.ts';

/** A table name the probe puts in SQL unquoted: plain identifiers only. */
export const sqlIdentifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { error: 'expected a plain SQL identifier (letters, digits, "_")' });

export const postgresCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('postgres'),
  ...serverFields,
  database: z.string().min(1).default('postgres'),
  role: expectedRole,
  /** The check of this replica's primary: its outage is the replica's root cause (knock-on). */
  primary: id.optional(),
  /** On a primary: application_name of each replica that must be attached and streaming. */
  expect_replicas: z.array(z.string().min(1)).max(64).default([]),
  /** On a primary: replication slots that must be active (a slot left inactive keeps WAL forever). */
  expect_slots: z.array(sqlIdentifier).max(64).default([]),
  lag: lagLimits,
  canary: canarySchema({ table: sqlIdentifier.default('knockon_canary') }).optional(),
});

export type PostgresCheckConfig = z.output<typeof postgresCheckSchema>;
