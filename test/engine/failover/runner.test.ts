import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverAction } from '../../../src/engine/failover/actions/types.ts';
import { createAction } from '../../../src/engine/failover/actions/index.ts';
import { followPropagation, dnsCheckQuery } from '../../../src/engine/failover/propagation.ts';
import { runPolicy, type RunEnvironment } from '../../../src/engine/failover/runner.ts';
import { failoverPolicySchema, type FailoverPolicyConfig } from '../../../src/shared/config/failover.ts';
import { KNOT_MISSING, KnotServer, knotPath } from '../../support/knot.ts';

const policyWith = (actions: unknown[], patch: Record<string, unknown> = {}): FailoverPolicyConfig =>
  failoverPolicySchema.parse({
    id: 'p',
    watch: { check: 'hk' },
    primary: '192.0.2.1',
    backup: '192.0.2.2',
    actions,
    ...patch,
  });

function environment(): RunEnvironment & { steps: { step: string; detail: Record<string, unknown> }[] } {
  const steps: { step: string; detail: Record<string, unknown> }[] = [];
  return {
    steps,
    audit: (step, detail) => void steps.push({ step, detail }),
    propagation: () => {},
    query: dnsCheckQuery,
    env: { PATH: process.env.PATH },
    now: () => Date.now(),
    checkStatus: () => 'up',
    signal: new AbortController().signal,
  };
}

const request = { run: 1, direction: 'failover' as const, reason: 'test', dryRun: false };

describe('running a policy', () => {
  it('retries a failing action with back-off, auditing every attempt, then stops the run', async () => {
    const policy = policyWith([
      { type: 'command', run: ['/bin/sh', '-c', 'exit 7'], retries: 2, backoff: '10ms' },
      { type: 'command', run: ['/bin/sh', '-c', 'echo never'] },
    ]);
    const env = environment();
    const outcome = await runPolicy(
      policy,
      policy.actions.map((config) => ({ config, action: createAction(config) })),
      request,
      env,
    );
    expect(outcome).toEqual({ ok: false, message: 'command /bin/sh: /bin/sh exited 7' });
    expect(env.steps.map((s) => `${s.step}${s.detail.attempt ?? ''}`)).toEqual([
      'started',
      'action_request1',
      'action_result1',
      'action_request2',
      'action_result2',
      'action_request3',
      'action_result3',
      'finished',
    ]);
  });

  it('bounds an action that ignores its timeout, and survives one that throws', async () => {
    const hangs: FailoverAction = {
      type: 'test',
      name: 'hangs',
      changesDns: false,
      describe: () => ({}),
      run: () => new Promise(() => {}),
    };
    const throws: FailoverAction = {
      type: 'test',
      name: 'throws',
      changesDns: false,
      describe: () => ({}),
      run: () => {
        throw new Error('kaboom');
      },
    };
    const policy = policyWith([{ type: 'webhook', url_env: 'X', timeout: '50ms', retries: 0 }]);
    const [config] = policy.actions;
    const env = environment();
    const hung = await runPolicy(policy, [{ config: config!, action: hangs }], request, env);
    expect(hung).toEqual({ ok: false, message: 'hangs: timed out after 50 ms' });
    const thrown = await runPolicy(policy, [{ config: config!, action: throws }], request, environment());
    expect(thrown).toEqual({ ok: false, message: 'throws: kaboom' });
  });

  it('runs only the actions meant for the direction', async () => {
    const policy = policyWith([
      { type: 'command', run: ['/bin/sh', '-c', 'echo over'], on: ['failover'] },
      { type: 'command', run: ['/bin/sh', '-c', 'echo back'], on: ['failback'] },
    ]);
    const env = environment();
    await runPolicy(
      policy,
      policy.actions.map((config) => ({ config, action: createAction(config) })),
      { ...request, direction: 'failback' },
      env,
    );
    const results = env.steps.filter((s) => s.step === 'action_result');
    expect(results.map((r) => (r.detail.detail as { stdout: string }).stdout)).toEqual(['back\n']);
  });

  it('fails verification when the backup check is not up in time', async () => {
    const policy = policyWith([{ type: 'command', run: ['/bin/true'] }], {
      verify: { check: 'sg', timeout: '200ms', interval: '50ms' },
    });
    const env = { ...environment(), checkStatus: () => 'down' as const };
    const outcome = await runPolicy(
      policy,
      policy.actions.map((config) => ({ config, action: createAction(config) })),
      request,
      env,
    );
    expect(outcome).toEqual({ ok: false, message: 'verification failed: check sg is down after 200 ms' });
  });
});

const haveKnot = knotPath() !== null;
if (!haveKnot) console.warn(KNOT_MISSING);

describe.skipIf(!haveKnot)('following propagation through real DNS servers', () => {
  const knot = new KnotServer({
    zone: 'example.test',
    records: ['app 1 IN A 192.0.2.1'],
    addresses: ['127.0.0.1', '127.0.0.2'],
  });
  beforeAll(async () => {
    await knot.start();
  });
  afterAll(async () => {
    await knot.stop();
  });

  it('reports each resolver converged when they all serve the new value', async () => {
    const outcome = await followPropagation({
      resolvers: knot.resolvers,
      record: { name: 'app.example.test', type: 'A' },
      value: '192.0.2.1',
      oldTtlMs: 1_000,
      timeoutMs: 5_000,
      intervalMs: 50,
      query: dnsCheckQuery,
      now: Date.now,
      onRound: () => {},
      signal: new AbortController().signal,
    });
    expect(outcome).toMatchObject({ converged: true, end: 'converged', rounds: 1 });
    expect(outcome.rows).toEqual(
      knot.resolvers.map((resolver) => ({ resolver, answers: ['192.0.2.1'], ttl: 1, converged: true })),
    );
  });

  it('stops once the old TTL has expired when a resolver never converges', async () => {
    const rounds: number[] = [];
    const outcome = await followPropagation({
      resolvers: knot.resolvers,
      record: { name: 'app.example.test', type: 'A' },
      value: '198.51.100.9',
      oldTtlMs: 300,
      timeoutMs: 5_000,
      intervalMs: 50,
      query: dnsCheckQuery,
      now: Date.now,
      onRound: (_rows, round) => rounds.push(round),
      signal: new AbortController().signal,
    });
    expect(outcome).toMatchObject({ converged: false, end: 'ttl_expired' });
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(350);
    expect(outcome.rows.every((r) => !r.converged && r.answers[0] === '192.0.2.1')).toBe(true);
    expect(rounds.length).toBeGreaterThan(1);
  });
});
