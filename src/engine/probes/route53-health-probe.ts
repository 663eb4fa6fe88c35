/**
 * Reads a Route 53 health check's status (GetHealthCheckStatus): each Route 53 checker's last
 * observation. Route 53 considers an endpoint healthy while more than 18% of its checkers
 * report it healthy; this probe applies the same rule, so the board shows what Route 53's
 * failover routing will do.
 */
import { GetHealthCheckStatusCommand } from '@aws-sdk/client-route-53';
import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { route53Client, route53Error } from '../aws/route53-client.ts';
import { ProbeStopwatch } from './stopwatch.ts';

type Route53HealthCheck = Extract<ResolvedCheck, { type: 'route53_health' }>;

/** Route 53's documented threshold: healthy while more than 18% of checkers say so. */
export const HEALTHY_SHARE = 0.18;

export async function route53HealthProbe(
  check: Route53HealthCheck,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const watch = new ProbeStopwatch(check.id);
  const result = (ok: boolean, errorClass: ProbeResult['errorClass'], message: string): ProbeResult =>
    watch.result(ok, errorClass, message);
  let client;
  try {
    client = route53Client({ ...check, region: check.aws_region }, env);
  } catch (error) {
    // Missing credentials are the observer's set-up, not the endpoint's health.
    return result(false, 'probe_error', error instanceof Error ? error.message : String(error));
  }
  const timeout = AbortSignal.timeout(check.timeoutMs);
  try {
    const answer = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: check.health_check_id }), {
      abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const statuses = (answer.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? '');
    if (statuses.length === 0) return result(false, 'probe_error', 'Route 53 returned no checker observations yet');
    const healthy = statuses.filter((s) => s.startsWith('Success')).length;
    const ok = healthy / statuses.length > HEALTHY_SHARE;
    const firstFailure = statuses.find((s) => !s.startsWith('Success'));
    const said = `${healthy} of ${statuses.length} Route 53 checkers report healthy`;
    return ok
      ? result(true, null, said)
      : result(false, 'route53_unhealthy', firstFailure ? `${said}: ${firstFailure}` : said);
  } catch (error) {
    if (timeout.aborted) return result(false, 'timeout', `no answer from Route 53 within ${check.timeoutMs} ms`);
    // The API not answering says nothing about the endpoint Route 53 checks.
    return result(false, 'probe_error', route53Error(error));
  } finally {
    client.destroy();
  }
}
