import { z } from 'zod';
import { checkCommon } from './common.ts';
import { duration } from './duration.ts';

const statusList = z.array(z.int().min(100).max(599)).min(1, { error: 'expected at least one HTTP status code' });

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** TLS options shared by HTTPS and TLS checks. */
export const tlsOptions = z
  .strictObject({
    /** Accept any certificate (self-signed, wrong host, expired): the chain is still reported. */
    insecure_skip_verify: z.boolean().default(false),
    /** Server name to send (SNI) and verify, when it differs from the URL's or the host's. */
    server_name: z.string().min(1).optional(),
    /** A PEM file of extra CAs to trust (an internal CA), in addition to the system's. */
    ca_file: z.string().min(1).optional(),
  })
  .default({ insecure_skip_verify: false });

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
  /** nginx's proxy_connect_timeout: TCP and TLS set-up. */
  connect_timeout: duration.default(2_000),
  /** nginx's proxy_send_timeout: writing the request. */
  send_timeout: duration.default(5_000),
  /** nginx's proxy_read_timeout: waiting for headers, and between two reads of the body. */
  read_timeout: duration.default(5_000),
  /** Redirects followed at most; 0 treats a redirect as the answer. */
  max_redirects: z.int().min(0).max(20).default(5),
  /** Body bytes read at most; the rest is discarded unread. */
  max_body_bytes: z
    .int()
    .min(1)
    .max(1024 * 1024)
    .default(8 * 1024),
  tls: tlsOptions,
  expect: z
    .strictObject({
      /** Accepted status codes; any 2xx when absent. */
      status: statusList.optional(),
      body_contains: z.string().optional(),
      body_regex: z.string().refine(isRegex, { error: 'expected a valid regular expression' }).optional(),
      /** Top-level or dotted-path JSON fields and the value each must equal, such as { status: OK }. */
      json: z.record(z.string(), jsonScalar).optional(),
      /** Degraded, then failed, as the certificate nears expiry (see the TLS check). */
      min_days_left: z.int().min(0).max(3650).optional(),
    })
    .default({}),
});

export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
