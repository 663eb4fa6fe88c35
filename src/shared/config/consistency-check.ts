import { z } from 'zod';
import { checkCommon } from './common.ts';
import { timeoutDuration } from './duration.ts';
import { serverFields } from './data-common.ts';

/** One node the consistency check reads from. */
const consistencyNode = z.strictObject({
  kind: z.enum(['redis', 'memcached']),
  ...serverFields,
  /** A short name for the board; host:port when absent. */
  name: z.string().min(1).max(64).optional(),
});

/**
 * Cache synchronisation: the same key read from several nodes must agree. A disagreement shorter
 * than `max_disagreement` is replication in flight (degraded); longer, the caches have drifted
 * (down, data_disagree). The data-tier sibling of the DNS check's resolver agreement.
 */
export const consistencyCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('consistency'),
  key: z.string().min(1).max(250),
  nodes: z.array(consistencyNode).min(2).max(16),
  max_disagreement: timeoutDuration.default(30_000),
  /** A node without the key counts as disagreeing unless this is set. */
  missing_ok: z.boolean().default(false),
});

export type ConsistencyCheckConfig = z.output<typeof consistencyCheckSchema>;
