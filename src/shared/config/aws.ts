import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected the name of an environment variable, such as AWS_ACCESS_KEY_ID',
});

/**
 * How Knockon reaches the Route 53 API, shared by the route53 failover action and the
 * route53_health check. Credentials come from these environment variables, never from the file.
 */
export const route53Access = {
  access_key_id_env: envName.default('AWS_ACCESS_KEY_ID'),
  secret_access_key_env: envName.default('AWS_SECRET_ACCESS_KEY'),
  session_token_env: envName.optional(),
  /** Another endpoint (a VPC endpoint, a test server speaking the Route 53 API). */
  endpoint: z.url({ error: 'expected an http(s) URL' }).optional(),
};

/** Route 53 is global; SigV4 signs for us-east-1. */
export const signingRegion = z.string().min(1).default('us-east-1');

/** A Route 53 health check id (a UUID). */
export const healthCheckId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'expected a Route 53 health check id such as 0c9f2a57-…' });

export interface Route53AccessConfig {
  access_key_id_env: string;
  secret_access_key_env: string;
  session_token_env?: string | undefined;
  region: string;
  endpoint?: string | undefined;
}
