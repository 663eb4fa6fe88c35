import { z } from 'zod';
import { envName } from './http-check.ts';

/**
 * How Knockon authenticates to a Prometheus-family HTTP API (a Prometheus to query, an
 * Alertmanager, a remote-write receiver) and how such a peer authenticates to Knockon: the
 * names of Prometheus's `http_config`, with secrets read from the environment, never the file.
 */
export const httpCredentials = {
  /** `authorization: { credentials: … }`: a bearer token, read from this variable. */
  bearer_token_env: envName.optional(),
  /** `basic_auth: { username, password }`: the password read from this variable. */
  basic_auth: z.strictObject({ username: z.string().min(1), password_env: envName }).optional(),
};

/** Both ways at once is a mistake in the file, not a choice to make silently. */
export function oneCredential(
  c: { bearer_token_env?: string; basic_auth?: unknown },
  ctx: z.RefinementCtx,
  at: (string | number)[] = [],
): void {
  if (c.bearer_token_env !== undefined && c.basic_auth !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'basic_auth'],
      message: 'give bearer_token_env or basic_auth, not both',
    });
  }
}
