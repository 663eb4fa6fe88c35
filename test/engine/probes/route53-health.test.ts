/**
 * The route53_health check runs the real AWS SDK against a local server speaking Route 53's
 * documented wire format (GetHealthCheckStatus), since Route 53 cannot be reached from tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../../src/engine/probes/index.ts';
import { checkFrom } from '../../support/checks.ts';
import { Route53Server } from '../../support/route53-server.ts';

const creds = { accessKeyId: 'AKIAKNOCKONTEST00002', secretAccessKey: 'knockon/test/secret/key/1111111111111111' };
const env = { R53_KEY: creds.accessKeyId, R53_SECRET: creds.secretAccessKey };
const OK = 'Success: HTTP Status Code 200, OK';
const BAD = 'Failure: Connection timed out. The endpoint or the internet connection is down.';

describe('route53_health check (against a local server speaking the Route 53 wire format)', () => {
  const server = new Route53Server({ ...creds, zoneId: 'Z0KNOCKON123', pendingPolls: 0 });
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  const check = (id = 'hc-hk-0001') =>
    checkFrom('route53_health', {
      health_check_id: id,
      endpoint: server.url,
      access_key_id_env: 'R53_KEY',
      secret_access_key_env: 'R53_SECRET',
      timeout: '3s',
    });
  const withStatuses = (statuses: string[]) => server.healthChecks.set('hc-hk-0001', { statuses, inverted: false });

  it('is up while more than 18% of Route 53 checkers report healthy, as Route 53 decides', async () => {
    withStatuses([OK, OK, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]);
    expect(await runProbe(check(), undefined, { env })).toMatchObject({
      ok: true,
      errorClass: null,
      message: '2 of 10 Route 53 checkers report healthy',
    });
    expect(server.signatures.at(-1)).toMatchObject({ path: '/2013-04-01/healthcheck/hc-hk-0001/status', ok: true });
  });

  it("fails at 18% or fewer, with a checker's reason", async () => {
    withStatuses([OK, ...Array<string>(5).fill(BAD)]);
    expect(await runProbe(check(), undefined, { env })).toMatchObject({
      ok: false,
      errorClass: 'route53_unhealthy',
      message: `1 of 6 Route 53 checkers report healthy: ${BAD}`,
    });
  });

  it("treats the API's own errors and missing credentials as the observer's, never as the endpoint down", async () => {
    expect(await runProbe(check('hc-unknown'), undefined, { env })).toMatchObject({
      ok: false,
      errorClass: 'probe_error',
      message: expect.stringContaining('NoSuchHealthCheck'),
    });
    expect(await runProbe(check(), undefined, { env: {} })).toMatchObject({
      errorClass: 'probe_error',
      message: 'environment variable R53_KEY is not set',
    });
  });
});
