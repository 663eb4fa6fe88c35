import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, ResultBatchSchema, WireResultSchema } from '../../src/shared/agent-protocol.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';

const issues = (checks: object[]) => {
  const outcome = parseConfigText(JSON.stringify({ checks }), 'k.yaml');
  return outcome.ok ? [] : outcome.issues.map((i) => `${i.field}: ${i.message}`);
};

const hk = { id: 'db-hk', type: 'postgres', host: '10.0.1.5', role: 'primary' };

describe('data-tier check config', () => {
  it('accepts a replica that names its primary check, with lag limits and a canary', () => {
    const outcome = parseConfigText(
      JSON.stringify({
        checks: [
          hk,
          {
            id: 'db-sg',
            type: 'postgres',
            host: '10.0.2.5',
            role: 'replica',
            primary: 'db-hk',
            password_env: 'PG_PASSWORD',
            lag: { degraded: '10s', down: '1m' },
            canary: { primary: { host: '10.0.1.5' } },
          },
        ],
      }),
      'k.yaml',
    );
    expect(outcome.ok && outcome.config.checks[1]).toMatchObject({
      database: 'postgres',
      lag: { degraded: 10_000, down: 60_000 },
      canary: { within: 5_000, table: 'knockon_canary', primary: { host: '10.0.1.5' } },
    });
  });

  it('refuses a primary that is unknown, itself, or of another type', () => {
    expect(issues([{ ...hk, primary: 'db-tokyo' }])).toEqual(['checks[0].primary: unknown check "db-tokyo"']);
    expect(issues([{ ...hk, primary: 'db-hk' }])).toEqual(['checks[0].primary: a check cannot be its own primary']);
    expect(
      issues([
        { id: 'cache-hk', type: 'redis', host: '10.0.1.6' },
        { ...hk, primary: 'cache-hk' },
      ]),
    ).toEqual(['checks[1].primary: check "cache-hk" is a redis check, not postgres']);
  });

  it('refuses a password written in the config, a bad canary table and inverted lag limits', () => {
    expect(issues([{ ...hk, password: 'hunter2' }])[0]).toContain('password');
    expect(issues([{ ...hk, password_env: 'not a name' }])[0]).toContain('checks[0].password_env');
    expect(issues([{ ...hk, canary: { table: 'x; DROP TABLE y', primary: { host: 'h' } } }])[0]).toContain(
      'checks[0].canary.table',
    );
    expect(issues([{ ...hk, lag: { degraded: '1m', down: '10s' } }])).toEqual([
      'checks[0].lag.degraded: lag.degraded must not exceed lag.down',
    ]);
  });

  it('needs two nodes or more for a consistency check', () => {
    expect(
      issues([{ id: 'k', type: 'consistency', key: 'price', nodes: [{ kind: 'redis', host: 'a' }] }])[0],
    ).toContain('checks[0].nodes');
  });
});

describe('replication links', () => {
  const sg = { id: 'db-sg', type: 'postgres', host: '10.0.2.5', role: 'replica', primary: 'db-hk' };
  it('refuses a primary whose implied dependency closes a cycle, naming the check', () => {
    expect(
      issues2({
        checks: [hk, sg],
        components: [
          { id: 'hk-db', checks: ['db-hk'], depends_on: ['sg-db'] },
          { id: 'sg-db', checks: ['db-sg'] },
        ],
      }),
    ).toEqual([
      'checks[1].primary: the dependency this primary implies forms a cycle between components: hk-db → sg-db → hk-db',
    ]);
  });
});

function issues2(config: object): string[] {
  const outcome = parseConfigText(JSON.stringify(config), 'k.yaml');
  return outcome.ok ? [] : outcome.issues.map((i) => `${i.field}: ${i.message}`);
}

describe('data-tier results on the agent wire', () => {
  const result = {
    checkId: 'db-sg',
    startedAt: 1,
    ok: false,
    latencyMs: 12,
    errorClass: 'replication_stopped',
    message: 'not streaming from its primary',
    replication: {
      role: 'replica',
      lagSeconds: 4.2,
      lagBytes: 8192,
      canaryMs: null,
      replicas: [{ name: 'sg-replica', state: 'streaming', lagBytes: 0 }],
      nodes: [{ node: 'hk', digest: '0123456789ab', errorClass: null, message: 'read' }],
      disagreeSince: null,
    },
  };

  it('carries role, lag, replicas, canary and node readings from an agent to the centre', () => {
    const parsed = WireResultSchema.parse(result);
    expect(parsed).toEqual(result);
    // In a compact batch, as an agent sends it: the details go whole.
    const batch = ResultBatchSchema.parse(JSON.parse(JSON.stringify(encodeBatch([{ seq: 1, result: parsed }]))));
    expect(decodeBatch(batch).results).toEqual([result]);
  });

  it('refuses a negative lag or an unknown role', () => {
    expect(
      WireResultSchema.safeParse({ ...result, replication: { ...result.replication, lagBytes: -1 } }).success,
    ).toBe(false);
    expect(
      WireResultSchema.safeParse({ ...result, replication: { ...result.replication, role: 'leader' } }).success,
    ).toBe(false);
  });
});
