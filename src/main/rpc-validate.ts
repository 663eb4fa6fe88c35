import type { RpcMethod } from '../shared/rpc.ts';

/**
 * Every method the renderer may call, and the shape of its params: typed against RpcMethods so
 * a new method cannot be forgotten here. The engine validates values again; this rejects
 * anything that is not even the right shape before it crosses into the engine.
 */
type Shape = Record<string, 'string' | 'number'>;
const METHODS: Record<RpcMethod, Shape> = {
  'history.series': { checkId: 'string', range: 'string', points: 'number' },
  'history.availability': { checkId: 'string', range: 'string' },
  'history.recent': { checkId: 'string', limit: 'number' },
  'incidents.list': { since: 'number', limit: 'number' },
  'incidents.acknowledge': { incidentId: 'string', by: 'string', note: 'string' },
  'incidents.silence': { incidentId: 'string', by: 'string', forMs: 'number' },
  'failover.approve': { policyId: 'string', by: 'string' },
  'failover.reject': { policyId: 'string', by: 'string' },
  'failover.start': { policyId: 'string', by: 'string', reason: 'string' },
  'failover.failback': { policyId: 'string', by: 'string' },
};
const MAX_STRING = 1_000;

export function validRpc(method: unknown, params: unknown): method is RpcMethod {
  if (typeof method !== 'string' || !Object.hasOwn(METHODS, method)) return false;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  const shape = METHODS[method as RpcMethod];
  const entries = Object.entries(params);
  if (entries.length !== Object.keys(shape).length) return false;
  return entries.every(([key, v]) => {
    const type = shape[key];
    if (type === 'string') return typeof v === 'string' && v.length <= MAX_STRING;
    if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
    return false;
  });
}
