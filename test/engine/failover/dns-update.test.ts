import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsUpdateAction } from '../../../src/engine/failover/actions/dns-update.ts';
import type { ActionContext } from '../../../src/engine/failover/actions/types.ts';
import { failoverActionSchema } from '../../../src/shared/config/failover.ts';
import { KNOT_MISSING, KnotServer, knotPath } from '../../support/knot.ts';
import { queryRecords } from '../../support/dns-query.ts';

const haveKnot = knotPath() !== null;
if (!haveKnot) console.warn(KNOT_MISSING);

describe.skipIf(!haveKnot)('RFC 2136 update with TSIG against a real Knot DNS', () => {
  const knot = new KnotServer({ zone: 'example.test', records: ['app 60 IN A 192.0.2.10'] });
  beforeAll(async () => {
    await knot.start();
  });
  afterAll(async () => {
    await knot.stop();
  });

  const context = (value: string, env: Record<string, string>): ActionContext => ({
    policyId: 'hk-sg',
    policyName: 'HK to SG',
    direction: 'failover',
    reason: 'test',
    primary: '192.0.2.10',
    backup: value,
    value,
    previous: '192.0.2.10',
    record: { name: 'app.example.test', type: 'A', ttlMs: 30_000 },
    env,
    signal: AbortSignal.timeout(5_000),
  });
  const action = (secretEnv = 'TSIG_SECRET') =>
    dnsUpdateAction(
      failoverActionSchema.parse({
        type: 'dns_update',
        server: knot.address,
        zone: 'example.test',
        tsig: { key_name: knot.keyName, secret_env: secretEnv },
      }) as Extract<ReturnType<typeof failoverActionSchema.parse>, { type: 'dns_update' }>,
    );

  it('replaces the record and the server serves the new value with the new TTL', async () => {
    const outcome = await action().run(context('198.51.100.20', { TSIG_SECRET: knot.secret }));
    expect(outcome).toMatchObject({ ok: true, detail: { rcode: 'NOERROR', tsig: 'reply signature verified' } });
    expect(await queryRecords({ host: '127.0.0.1', port: knot.port }, 'app.example.test')).toEqual({
      rcode: 'NOERROR',
      answers: ['198.51.100.20'],
      ttl: 30,
    });
  });

  it('is refused with a wrong key, and the record is unchanged', async () => {
    const before = await queryRecords({ host: '127.0.0.1', port: knot.port }, 'app.example.test');
    const outcome = await action().run(
      context('203.0.113.99', { TSIG_SECRET: Buffer.alloc(32, 7).toString('base64') }),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/NOTAUTH|BADSIG/);
    expect(await queryRecords({ host: '127.0.0.1', port: knot.port }, 'app.example.test')).toEqual(before);
  });

  it('fails clearly when the secret variable is missing, without sending anything', async () => {
    const outcome = await action('MISSING_SECRET').run(context('203.0.113.99', {}));
    expect(outcome).toEqual({ ok: false, message: 'environment variable MISSING_SECRET is not set' });
  });

  it('describes the request without the secret', () => {
    const ctx = context('198.51.100.20', { TSIG_SECRET: knot.secret });
    const described = JSON.stringify(action().describe(ctx));
    expect(described).toContain('app.example.test 30 IN A 198.51.100.20');
    expect(described).not.toContain(knot.secret);
  });
});
