import { z } from 'zod';
import { checkCommon, id } from './common.ts';
import { canarySchema, expectedRole, lagLimits, serverFields } from './data-common.ts';
import { sqlIdentifier } from './postgres-check.ts';

/** MySQL and MariaDB: a replica's threads, lag and last error; a primary's reachability. */
export const mysqlCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('mysql'),
  ...serverFields,
  /** The schema holding the canary table; the probe needs none otherwise. */
  database: z.string().min(1).optional(),
  role: expectedRole,
  primary: id.optional(),
  lag: lagLimits,
  canary: canarySchema({ table: sqlIdentifier.default('knockon_canary') }).optional(),
});

export type MysqlCheckConfig = z.output<typeof mysqlCheckSchema>;
