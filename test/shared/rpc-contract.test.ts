import { describe, expect, it } from 'vitest';
import { isRpcMethodName, parseRpcParams, RPC_ACTIONS, RPC_CONTRACT, type RpcMethod } from '../../src/shared/rpc.ts';

const methods = Object.keys(RPC_CONTRACT) as RpcMethod[];

describe('the RPC contract', () => {
  it('accepts a known method with exactly the right params', () => {
    expect(parseRpcParams('history.series', { checkId: 'hk-lb', range: '1h', points: 300 })).toEqual({
      ok: true,
      params: { checkId: 'hk-lb', range: '1h', points: 300 },
    });
    const ack = parseRpcParams('incidents.acknowledge', { incidentId: 'i1', note: '' });
    expect(ack).toEqual({ ok: true, params: { incidentId: 'i1', note: '' } });
    // Who acts is the entry point's to say, never the caller's.
    const named = parseRpcParams('incidents.acknowledge', { incidentId: 'i1', by: 'ana', note: '' });
    expect(named).toEqual({ ok: false, error: expect.stringContaining('unknown field by') });
  });

  it('knows only its own methods, never inherited property names', () => {
    expect(isRpcMethodName('shell.exec')).toBe(false);
    expect(isRpcMethodName('toString')).toBe(false);
    expect(isRpcMethodName('__proto__')).toBe(false);
    expect(isRpcMethodName(42)).toBe(false);
    expect(isRpcMethodName('history.series')).toBe(true);
  });

  it('names the method and the field when params are wrong', () => {
    const wrong = parseRpcParams('history.series', { checkId: 'x', range: '2y', points: 3 });
    expect(wrong).toEqual({ ok: false, error: expect.stringMatching(/^history\.series: invalid params: range: /) });
    const extra = parseRpcParams('history.series', { checkId: 'x', range: '1h', points: 3, extra: 1 });
    expect(extra).toEqual({ ok: false, error: expect.stringContaining('unknown field extra') });
    const silence = parseRpcParams('incidents.silence', { incidentId: 'i', forMs: 40 * 86_400_000 });
    expect(silence).toEqual({ ok: false, error: expect.stringContaining('forMs: at most 30 days') });
  });

  it('refuses every hostile shape for every method without throwing', () => {
    const hostile: unknown[] = [
      null,
      [],
      'junk',
      42,
      { toString: { valueOf: 1 } },
      { checkId: { toString: 'x' }, range: '1h', points: 3 },
      { checkId: 'x', range: '1h', points: Infinity },
      { checkId: 'x', range: '1h', points: '300' },
      { incidentId: 'i', note: 'x'.repeat(5_000) },
      { policyId: ['p'] },
      { policyId: 'p', by: 'a' },
      JSON.parse('{"__proto__": {"polluted": true}, "policyId": "p"}'),
    ];
    for (const method of methods) {
      for (const params of hostile) {
        // A method without params takes null as "no params"; everything else is still refused.
        if (params === null && parseRpcParams(method, {}).ok) continue;
        const outcome = parseRpcParams(method, params);
        expect(outcome.ok, `${method} ${JSON.stringify(params)}`).toBe(false);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives every method a kind and a role, and lists exactly the actions as actions', () => {
    for (const method of methods) {
      const spec = RPC_CONTRACT[method];
      expect(['query', 'action', 'agent', 'webhook']).toContain(spec.kind);
      expect(['viewer', 'operator', 'admin', 'agent', 'webhook']).toContain(spec.role);
      // The agent door and the agent role go together: no person calls an agent method.
      expect(spec.kind === 'agent').toBe(spec.role === 'agent');
      expect(spec.kind === 'webhook').toBe(spec.role === 'webhook');
      expect(RPC_ACTIONS.has(method)).toBe(spec.kind === 'action');
      if (spec.kind === 'action') expect(spec.role).not.toBe('viewer');
    }
    expect(RPC_CONTRACT['failover.approve'].role).toBe('admin');
    expect(RPC_CONTRACT['incidents.acknowledge'].role).toBe('operator');
  });
});
