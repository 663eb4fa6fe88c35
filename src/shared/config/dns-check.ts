import { z } from 'zod';
import { checkCommon } from './common.ts';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV'] as const;
export const DNS_RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED'] as const;

/** "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53" or "2001:db8::53". */
const resolver = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)$/, {
    error: 'expected a resolver IP address with an optional port, such as "192.0.2.53" or "192.0.2.53:5353"',
  });

export const dnsCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('dns'),
  /** The name asked (blackbox_exporter's word): `name` is the check's display name, as everywhere. */
  query_name: z.string().min(1),
  record_type: z.enum(DNS_RECORD_TYPES).default('A'),
  /** Each is asked separately, never as a fallback for another. */
  resolvers: z.array(resolver).min(1, { error: 'expected at least one resolver' }),
  /** Retry over TCP when a UDP answer is truncated. */
  tcp_fallback: z.boolean().default(true),
  expect: z
    .strictObject({
      rcode: z.enum(DNS_RCODES).default('NOERROR'),
      /** The answer set must be exactly these (order does not matter). */
      answers: z.array(z.string()).optional(),
      /** The answer set must include these. */
      contains: z.array(z.string()).optional(),
      /** Every resolver must return the same answer set. */
      agree: z.boolean().default(false),
    })
    .default({ rcode: 'NOERROR', agree: false }),
});

export type DnsCheckConfig = z.output<typeof dnsCheckSchema>;
