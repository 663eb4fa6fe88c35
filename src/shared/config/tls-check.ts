import { z } from 'zod';
import { checkCommon } from './common.ts';
import { tlsOptions } from './http-check.ts';
import { port } from './tcp-check.ts';

export const tlsCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('tls'),
  host: z.string().min(1),
  port: port.default(443),
  tls: tlsOptions,
  expect: z
    .strictObject({
      /**
       * Fewer days left than this on the earliest certificate of the chain: the probe succeeds
       * but counts as slow (degraded); under a third of it, the probe fails (tls_expiring).
       */
      min_days_left: z.int().min(0).max(3650).optional(),
    })
    .default({}),
});

export type TlsCheckConfig = z.output<typeof tlsCheckSchema>;
