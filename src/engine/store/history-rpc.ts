import type { RpcRegistry } from '../rpc.ts';
import { LOCAL_VANTAGE } from './database.ts';
import type { HistoryStore } from './history-store.ts';

/** The vantage ids the config knows: this machine's (`vantage.id`) and the agents' (`vantages[].id`). */
export interface KnownVantages {
  local: string;
  remote: ReadonlySet<string>;
}

/**
 * A vantage id as the board knows it, as the store keeps it: undefined (every vantage) stays
 * undefined, this machine's configured id is '', an agent's id is itself, and an id the config
 * does not know is null.
 */
export function storeVantage(id: string | undefined, known: KnownVantages): string | undefined | null {
  if (id === undefined) return undefined;
  if (id === known.local) return LOCAL_VANTAGE;
  return known.remote.has(id) ? id : null;
}

/** The board's history queries, answered from the store. A vantage the config does not know has no data. */
export function registerHistoryRpc(rpc: RpcRegistry, store: HistoryStore, vantages: () => KnownVantages): void {
  rpc.register('history.series', (p) => {
    const vantage = storeVantage(p.vantage, vantages());
    return vantage === null ? [] : store.series(p.checkId, p.range, p.points, undefined, vantage);
  });
  rpc.register('history.availability', (p) => {
    const vantage = storeVantage(p.vantage, vantages());
    return vantage === null ? null : store.availability(p.checkId, p.range, undefined, vantage);
  });
  rpc.register('history.since', (p) => {
    const vantage = storeVantage(p.vantage, vantages());
    return vantage === null ? null : store.firstAt(p.checkId, vantage);
  });
  rpc.register('history.recent', (p) => {
    const vantage = storeVantage(p.vantage, vantages());
    return vantage === null ? [] : store.recent(p.checkId, p.limit, vantage);
  });
  rpc.register('incidents.list', (p) => store.loadIncidents({ since: p.since, limit: p.limit }));
}
