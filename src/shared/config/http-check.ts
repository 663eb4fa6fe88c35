import { z } from 'zod';
import { checkCommon } from './common.ts';
import { timeoutDuration } from './duration.ts';
import { headerExpectations, isRegex } from './header-match.ts';

const statusList = z.array(z.int().min(100).max(599)).min(1, { error: 'expected at least one HTTP status code' });

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected the name of an environment variable, such as STATUS_API_KEY',
});

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

export const httpCheckSchema = z
  .strictObject({
    ...checkCommon,
    type: z.literal('http'),
    /** Credentials written here (user:pass@, ?apikey=) work but sit in the file: prefer the *_env fields. */
    url: z.url({
      protocol: /^https?$/,
      error: 'expected an absolute http:// or https:// URL',
    }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Header values that are secrets (Authorization: Bearer …), each read from the named environment variable. */
    headers_env: z.record(z.string().min(1), envName).default({}),
    /** Query parameters that are secrets (an API key), read from environment variables and added to the URL. */
    query_env: z.record(z.string().min(1), envName).default({}),
    /** HTTP Basic authentication, the password read from an environment variable. */
    basic_auth: z.strictObject({ username: z.string(), password_env: envName }).optional(),
    body: z.string().optional(),
    /** nginx's proxy_connect_timeout: TCP and TLS set-up. */
    connect_timeout: timeoutDuration.default(2_000),
    /** nginx's proxy_send_timeout: writing the request. */
    send_timeout: timeoutDuration.default(5_000),
    /** nginx's proxy_read_timeout: waiting for headers, and between two reads of the body. */
    read_timeout: timeoutDuration.default(5_000),
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
        /** Response headers: { X-Upstream: { equals: hk-1 } }, or matches, present: true, absent: true. */
        headers: headerExpectations.optional(),
        /** Degraded, then failed, as the certificate nears expiry (see the TLS check). */
        min_days_left: z.int().min(0).max(3650).optional(),
      })
      .default({}),
  })
  .superRefine((check, ctx) => {
    const lower = (names: string[]) => names.map((n) => n.toLowerCase());
    const plain = new Set(lower(Object.keys(check.headers)));
    for (const name of Object.keys(check.headers_env)) {
      if (plain.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: ['headers_env', name], message: `header "${name}" is also in headers` });
      }
    }
    if (check.basic_auth !== undefined) {
      if ([...plain, ...lower(Object.keys(check.headers_env))].includes('authorization')) {
        ctx.addIssue({
          code: 'custom',
          path: ['basic_auth'],
          message: 'basic_auth and an Authorization header conflict',
        });
      }
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(check.url)) {
        ctx.addIssue({
          code: 'custom',
          path: ['basic_auth'],
          message: 'basic_auth and credentials in the url conflict',
        });
      }
    }
  });

export type HttpCheckConfig = z.output<typeof httpCheckSchema>;
