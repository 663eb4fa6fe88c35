import { z } from 'zod';
import { checkCommon } from './common.ts';

export const port = z.int().min(1).max(65535);

export const tcpCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('tcp'),
  host: z.string().min(1),
  port,
});

export type TcpCheckConfig = z.output<typeof tcpCheckSchema>;
