/**
 * One way to make a Route 53 client, for the failover action and the health-check probe alike:
 * credentials from the environment variables the config names, and no retries inside the SDK
 * (the runner and the scheduler retry, counted and audited).
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Route53AccessConfig } from '../../shared/config/aws.ts';
import { secretFrom } from '../failover/actions/types.ts';

/** Throws (with the variable's name, never its value) when a credential is not set. */
export function route53Client(
  config: Route53AccessConfig,
  env: Readonly<Record<string, string | undefined>>,
): Route53Client {
  const sessionToken = config.session_token_env ? secretFrom(env, config.session_token_env) : undefined;
  return new Route53Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    credentials: {
      accessKeyId: secretFrom(env, config.access_key_id_env),
      secretAccessKey: secretFrom(env, config.secret_access_key_env),
      ...(sessionToken ? { sessionToken } : {}),
    },
    maxAttempts: 1,
  });
}

/** An SDK error as one line: its name (NoSuchHealthCheck, SignatureDoesNotMatch…) and message. */
export function route53Error(error: unknown): string {
  const name = (error as { name?: string }).name;
  const message = error instanceof Error ? error.message : String(error);
  return `Route 53: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`;
}
