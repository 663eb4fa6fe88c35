import type { RpcRegistry } from '../rpc.ts';
import type { HistoryStore } from './history-store.ts';

/** The board's history queries, answered from the store. */
export function registerHistoryRpc(rpc: RpcRegistry, store: HistoryStore): void {
  rpc.register('history.series', (p) => store.series(p.checkId, p.range, p.points));
  rpc.register('history.availability', (p) => store.availability(p.checkId, p.range));
  rpc.register('history.recent', (p) => store.recent(p.checkId, p.limit));
  rpc.register('incidents.list', (p) => store.loadIncidents({ since: p.since, limit: p.limit }));
}
