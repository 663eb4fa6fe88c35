/**
 * `auth:` in the config: who may use the headless board and with which role. Without it the
 * server stays as it was (loopback only, the generated board token is the admin).
 */
import { z } from 'zod';
import { PERSON_ROLES } from '../actor.ts';
import { id } from './common.ts';
import { duration } from './duration.ts';
import { envName } from './http-check.ts';

const role = z.enum(PERSON_ROLES, { error: 'expected a role: viewer, operator or admin' });

/** The format `knockon hash-password` prints: scrypt, its cost, a salt and the key, base64url. */
export const PASSWORD_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{32,}$/;

const localUserSchema = z
  .strictObject({
    /** Recorded in audits as `user:<id>`; what the person types to sign in. */
    id,
    /** Shown on the board and in audit sentences; the id when absent. */
    name: z.string().min(1).max(200).optional(),
    role,
    /** A hash from `knockon hash-password` (never the password itself). */
    password_hash: z
      .string()
      .regex(PASSWORD_HASH, { error: 'expected a hash printed by "knockon hash-password" (scrypt$...)' })
      .optional(),
    /** An environment variable holding the password (for a container's secret). */
    password_env: envName.optional(),
  })
  .refine((u) => (u.password_hash === undefined) !== (u.password_env === undefined), {
    error: 'give exactly one of password_hash or password_env',
  });

const oidcSchema = z.strictObject({
  /** The provider's issuer URL; its /.well-known/openid-configuration is read at start. */
  issuer: z.url({ error: 'expected the issuer URL, such as https://login.example.com/realms/noc' }),
  client_id: z.string().min(1),
  /** The environment variable holding the client secret (never the secret itself). */
  client_secret_env: envName.optional(),
  /** The board's public URL, as registered with the provider; the callback is <url>/auth/oidc/callback. */
  board_url: z.url({ error: 'expected the board URL as people open it, such as https://noc.example.com' }),
  /** The claim holding the user's groups. */
  role_claim: z.string().min(1).default('groups'),
  /** Which group gives which role; the highest match wins, no match means no access. */
  roles: z
    .strictObject({
      admin: z.array(z.string().min(1)).default([]),
      operator: z.array(z.string().min(1)).default([]),
      viewer: z.array(z.string().min(1)).default([]),
    })
    .default({ admin: [], operator: [], viewer: [] }),
  scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
});

export const authSchema = z.strictObject({
  users: z
    .array(localUserSchema)
    .max(1_000)
    .default([])
    .superRefine((users, ctx) => {
      const seen = new Set<string>();
      users.forEach((u, i) => {
        if (seen.has(u.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate user id "${u.id}"` });
        seen.add(u.id);
      });
    }),
  oidc: oidcSchema.optional(),
  sessions: z
    .strictObject({
      /** Signed out after this long without a request. */
      idle_timeout: duration.default(30 * 60_000),
      /** Signed out this long after signing in, however busy. */
      absolute_timeout: duration.default(12 * 3_600_000),
    })
    .default({ idle_timeout: 30 * 60_000, absolute_timeout: 12 * 3_600_000 }),
  login: z
    .strictObject({
      /** Failed sign-ins allowed per user and per address within `window`; more are refused until it passes. */
      max_failures: z.int().min(1).max(1_000).default(5),
      window: duration.default(15 * 60_000),
    })
    .default({ max_failures: 5, window: 15 * 60_000 }),
});

export type AuthConfig = z.output<typeof authSchema>;
export type LocalUserConfig = AuthConfig['users'][number];
export type OidcConfig = NonNullable<AuthConfig['oidc']>;
