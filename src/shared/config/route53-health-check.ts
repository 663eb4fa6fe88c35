import { z } from 'zod';
import { healthCheckId, route53Access, signingRegion } from './aws.ts';
import { checkCommon } from './common.ts';

/**
 * A Route 53 health check's own verdict, read with GetHealthCheckStatus: what Route 53's
 * failover routing acts on, shown beside Knockon's own probes of the same endpoint.
 */
export const route53HealthCheckSchema = z.strictObject({
  ...checkCommon,
  type: z.literal('route53_health'),
  health_check_id: healthCheckId,
  ...route53Access,
  /** SigV4's region (`region` is the board's region of the check, as on every check). */
  aws_region: signingRegion,
});

export type Route53HealthCheckConfig = z.output<typeof route53HealthCheckSchema>;
