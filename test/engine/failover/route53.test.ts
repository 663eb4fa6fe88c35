/**
 * Route 53 cannot be reached from the test machine: these tests run the real AWS SDK against a
 * local server that speaks Route 53's documented REST/XML wire format and verifies SigV4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route53Action } from '../../../src/engine/failover/actions/route53.ts';
import type { ActionContext } from '../../../src/engine/failover/actions/types.ts';
import { failoverActionSchema, type FailoverActionConfig } from '../../../src/shared/config/failover.ts';
import { Route53Server } from '../../support/route53-server.ts';

const creds = { accessKeyId: 'AKIAKNOCKONTEST00001', secretAccessKey: 'knockon/test/secret/key/0000000000000000' };

describe('Route 53 action (against a local server speaking the Route 53 wire format)', () => {
  const server = new Route53Server({ ...creds, zoneId: 'Z0KNOCKON123', pendingPolls: 2 });
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  const action = (patch: Record<string, unknown> = {}) =>
    route53Action(
      failoverActionSchema.parse({
        type: 'route53',
        hosted_zone_id: '/hostedzone/Z0KNOCKON123',
        endpoint: server.url,
        access_key_id_env: 'R53_KEY',
        secret_access_key_env: 'R53_SECRET',
        poll_interval: '20ms',
        ...patch,
      }) as Extract<FailoverActionConfig, { type: 'route53' }>,
    );
  const context = (env: Record<string, string>): ActionContext => ({
    policyId: 'hk-sg',
    policyName: 'HK to SG',
    direction: 'failover',
    reason: 'hk-lb down',
    primary: '192.0.2.10',
    backup: '198.51.100.20',
    value: '198.51.100.20',
    previous: '192.0.2.10',
    record: { name: 'app.example.net', type: 'A', ttlMs: 60_000 },
    env,
    signal: AbortSignal.timeout(5_000),
  });

  it('upserts the record with its TTL, signed, and polls until INSYNC', async () => {
    const outcome = await action().run(context({ R53_KEY: creds.accessKeyId, R53_SECRET: creds.secretAccessKey }));
    expect(outcome).toMatchObject({ ok: true, detail: { polls: 3 } });
    expect(outcome.message).toMatch(/change \/change\/C0+1 INSYNC/);
    expect(server.changes).toEqual([
      {
        zoneId: 'Z0KNOCKON123',
        action: 'UPSERT',
        name: 'app.example.net.',
        type: 'A',
        ttl: 60,
        values: ['198.51.100.20'],
        comment: 'knockon hk-sg failover: hk-lb down',
      },
    ]);
    expect(server.signatures.length).toBe(4);
    expect(
      server.signatures.every(
        (s) => s.ok && /^AKIAKNOCKONTEST00001\/\d{8}\/us-east-1\/route53\/aws4_request$/.test(s.credential),
      ),
    ).toBe(true);
  });

  it('is refused when signed with the wrong secret', async () => {
    const outcome = await action().run(context({ R53_KEY: creds.accessKeyId, R53_SECRET: 'wrong' }));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('SignatureDoesNotMatch');
    expect(server.signatures.at(-1)).toMatchObject({ ok: false, reason: 'signature does not match' });
  });

  it('reports an unknown hosted zone', async () => {
    const outcome = await action({ hosted_zone_id: 'ZNOPE' }).run(
      context({ R53_KEY: creds.accessKeyId, R53_SECRET: creds.secretAccessKey }),
    );
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('NoSuchHostedZone') });
  });

  it('needs its credentials in the environment and never reads them from the config', async () => {
    const outcome = await action().run(context({}));
    expect(outcome).toEqual({ ok: false, message: 'environment variable R53_KEY is not set' });
    expect(JSON.stringify(action().describe(context({})))).not.toContain(creds.secretAccessKey);
  });

  describe('failover routing: PRIMARY and SECONDARY record sets, switched by the primary health check', () => {
    const env = { R53_KEY: creds.accessKeyId, R53_SECRET: creds.secretAccessKey };
    const failover = () =>
      action({
        routing: 'failover',
        primary: { set_identifier: 'hk', health_check_id: 'hc-hk-0001' },
        secondary: { set_identifier: 'sg', health_check_id: 'hc-sg-0002' },
      });

    it('keeps both record sets as Route 53 has them and inverts the primary health check to fail over', async () => {
      server.changes.length = 0;
      server.healthChecks.set('hc-hk-0001', { statuses: ['Success: HTTP Status Code 200, OK'], inverted: false });
      const outcome = await failover().run(context(env));
      expect(outcome).toMatchObject({ ok: true, detail: { healthCheckId: 'hc-hk-0001', inverted: true } });
      expect(outcome.message).toContain('health check hc-hk-0001 inverted: Route 53 answers with SECONDARY');
      const common = { zoneId: 'Z0KNOCKON123', action: 'UPSERT', name: 'app.example.net.', type: 'A', ttl: 60 };
      expect(server.changes).toEqual([
        {
          ...common,
          comment: expect.any(String),
          setIdentifier: 'hk',
          failover: 'PRIMARY',
          healthCheckId: 'hc-hk-0001',
          values: ['192.0.2.10'],
        },
        {
          ...common,
          comment: expect.any(String),
          setIdentifier: 'sg',
          failover: 'SECONDARY',
          healthCheckId: 'hc-sg-0002',
          values: ['198.51.100.20'],
        },
      ]);
      expect(server.healthChecks.get('hc-hk-0001')!.inverted).toBe(true);
      expect(server.signatures.at(-1)).toMatchObject({ path: '/2013-04-01/healthcheck/hc-hk-0001', ok: true });
    });

    it('restores the health check on failback, leaving the record sets as they are', async () => {
      server.changes.length = 0;
      const outcome = await failover().run({
        ...context(env),
        direction: 'failback',
        value: '192.0.2.10',
        previous: '198.51.100.20',
      });
      expect(outcome).toMatchObject({ ok: true, detail: { inverted: false } });
      expect(server.changes.map((c) => [c.failover, c.values[0]])).toEqual([
        ['PRIMARY', '192.0.2.10'],
        ['SECONDARY', '198.51.100.20'],
      ]);
      expect(server.healthChecks.get('hc-hk-0001')!.inverted).toBe(false);
    });

    it('reports an unknown health check as the failure it is', async () => {
      server.healthChecks.delete('hc-hk-0001');
      const outcome = await failover().run(context(env));
      expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('NoSuchHealthCheck') });
    });

    it('refuses a failover set-up without a primary health check, or with one set identifier twice, at load', () => {
      const parse = (patch: object) =>
        failoverActionSchema.safeParse({ type: 'route53', hosted_zone_id: 'Z1', routing: 'failover', ...patch });
      const messages = (patch: object) => parse(patch).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      expect(messages({ primary: { set_identifier: 'hk' }, secondary: { set_identifier: 'sg' } })).toEqual([
        'primary.health_check_id: the PRIMARY record set needs a health check: Route 53 fails over only on it',
      ]);
      expect(
        messages({ primary: { set_identifier: 'a', health_check_id: 'h' }, secondary: { set_identifier: 'a' } }),
      ).toEqual(['secondary.set_identifier: the two record sets need different set_identifier values']);
      expect(messages({ routing: 'simple', primary: { set_identifier: 'a' } })).toEqual([
        'primary: primary applies to routing: failover only',
      ]);
    });
  });
});
