import type { RpcRegistry } from '../rpc.ts';
import { LOCAL_VANTAGE } from './database.ts';
import type { HistoryStore } from './history-store.ts';

type Answer<T> = T | Promise<T>;

/**
 * The queries the board's history methods need: a HistoryStore answers them on the calling thread,
 * a StoreClient on the store thread (asynchronously).
 */
export interface HistoryQueries {
  series(...args: Parameters<HistoryStore['series']>): Answer<ReturnType<HistoryStore['series']>>;
  availability(...args: Parameters<HistoryStore['availability']>): Answer<ReturnType<HistoryStore['availability']>>;
  firstAt(...args: Parameters<HistoryStore['firstAt']>): Answer<ReturnType<HistoryStore['firstAt']>>;
  recent(...args: Parameters<HistoryStore['recent']>): Answer<ReturnType<HistoryStore['recent']>>;
  /** The board's incident list: what is written (on the store thread when there is one). */
  listIncidents(...args: Parameters<HistoryStore['listIncidents']>): Answer<ReturnType<HistoryStore['listIncidents']>>;
}

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
export function registerHistoryRpc(rpc: RpcRegistry, store: HistoryQueries, vantages: () => KnownVantages): void {
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
  rpc.register('incidents.list', (p) => store.listIncidents({ since: p.since, limit: p.limit }));
}
