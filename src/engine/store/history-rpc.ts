import { z } from 'zod';
import type { RpcMethod, RpcParams } from '../../shared/rpc.ts';
import { RpcError, type RpcRegistry } from '../rpc.ts';
import type { HistoryStore } from './history-store.ts';

const checkId = z.string({ error: 'checkId: expected a check id' }).min(1, 'checkId: expected a check id').max(256);
const range = z.enum(['1h', '6h', '24h', '7d', '30d'], { error: 'range: expected one of 1h, 6h, 24h, 7d, 30d' });
const count = (name: string, max: number) =>
  z
    .int({ error: `${name}: expected a whole number from 1 to ${max}` })
    .min(1, `${name}: expected at least 1`)
    .max(max, `${name}: expected at most ${max}`);

const PARAMS = {
  'history.series': z.object({ checkId, range, points: count('points', 2_000) }),
  'history.availability': z.object({ checkId, range }),
  'history.recent': z.object({ checkId, limit: count('limit', 1_000) }),
  'incidents.list': z.object({
    since: z.number({ error: 'since: expected a time in ms since the epoch' }).min(0, 'since: expected a time ≥ 0'),
    limit: count('limit', 1_000),
  }),
} as const;

/** Checks the board's parameters; a bad request gets an RpcError that says what to fix. */
function parse<M extends keyof typeof PARAMS & RpcMethod>(method: M, params: unknown): RpcParams<M> {
  const outcome = PARAMS[method].safeParse(params ?? {});
  if (!outcome.success) {
    const problems = outcome.error.issues.map((i) => i.message).join('; ');
    throw new RpcError(`${method}: invalid params: ${problems}`);
  }
  return outcome.data as RpcParams<M>;
}

/** The board's history queries, answered from the store. */
export function registerHistoryRpc(rpc: RpcRegistry, store: HistoryStore): void {
  rpc.register('history.series', (params) => {
    const p = parse('history.series', params);
    return store.series(p.checkId, p.range, p.points);
  });
  rpc.register('history.availability', (params) => {
    const p = parse('history.availability', params);
    return store.availability(p.checkId, p.range);
  });
  rpc.register('history.recent', (params) => {
    const p = parse('history.recent', params);
    return store.recent(p.checkId, p.limit);
  });
  rpc.register('incidents.list', (params) => {
    const p = parse('incidents.list', params);
    return store.loadIncidents({ since: p.since, limit: p.limit });
  });
}
