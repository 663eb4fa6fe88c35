import { z } from 'zod';
import { checkCommon } from './common.ts';

const statusList = z.array(z.int().min(100).max(599)).min(1, { error: 'expected at least one HTTP status code' });

export const httpCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('http'),
  url: z.url({
    protocol: /^https?$/,
    error: 'expected an absolute http:// or https:// URL',
  }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expect: z
    .strictObject({
      /** Accepted status codes; any 2xx when absent. */
      status: statusList.optional(),
      body_contains: z.string().optional(),
    })
    .default({}),
});

export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
