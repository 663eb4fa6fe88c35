import { z } from 'zod';
import { checkCommon } from './common.ts';
import { duration } from './duration.ts';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' });

export const heartbeatCheckSchema = z
  .strictObject({
    ...checkCommon,
    type: z.literal('heartbeat'),
    /** The secret in the config file itself: readable by anyone who can read the file. */
    token: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
    /** The name of an environment variable holding the secret (preferred over `token`). */
    token_env: envName.optional(),
    /** Degraded once this long has passed since the last heartbeat. */
    degraded_after: duration.optional(),
    /** Down once this long has passed since the last heartbeat; without it, a late beat only degrades. */
    down_after: duration.optional(),
  })
  .superRefine((check, ctx) => {
    if ((check.token === undefined) === (check.token_env === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['token_env'], message: 'expected exactly one of token_env or token' });
    }
    if (check.degraded_after === undefined && check.down_after === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['down_after'],
        message: 'expected down_after, degraded_after or both (degraded_after alone never marks the check down)',
      });
    }
    if (
      check.degraded_after !== undefined &&
      check.down_after !== undefined &&
      check.degraded_after >= check.down_after
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['degraded_after'],
        message: 'degraded_after must be less than down_after',
      });
    }
  });

export type HeartbeatCheckConfig = z.output<typeof heartbeatCheckSchema>;
