/**
 * The history store: one SQLite file, `<dataDir>/knockon.db` (`:memory:` when dataDir is null).
 * Modules reach it as `context.store` (src/engine/modules.ts). At a glance:
 *
 *   Results (batched; never blocks the probe path)
 *     record(result: ProbeResult): void                 queued, written within 1 s in one transaction
 *     flush(): number                                    writes the queue now (also on close)
 *     importResults(results: ProbeResult[]): number      bulk path: straight in, one transaction
 *     recent(checkId, limit): ProbeResult[]              newest first, details included
 *     series(checkId, range, points, now?): SeriesPoint[]   range '1h'|'6h'|'24h'|'7d'|'30d'
 *     availability(checkId, range, now?): number | null
 *     availabilityAll(range, now?): Map<checkId, number>
 *
 *   Durable before return (synchronous=FULL transaction; they throw if the write fails)
 *     saveIncident(incident: IncidentView): void        upsert of the header; `events` is ignored
 *     appendIncidentEvent(incidentId, event: IncidentEvent): void
 *     loadIncidents({ since?, limit?, openOnly? }): IncidentView[]   newest first, with events
 *     deleteIncident(incidentId): void                   incidents are otherwise kept for ever
 *     appendAudit({ policyId, at, step, detail: object }): void       failover audit log
 *     loadAudit(policyId, limit = 100): AuditEntry[]     the latest `limit`, oldest first
 *     saveState(key, value: JSON-able): void             durable module state (failover, alerting)
 *     loadState<T>(key): T | null
 *
 *   Check states (the board restores them at start-up through HistoryModule.restore)
 *     queueCheckState(checkId, SavedCheckState): void    written with the next batch
 *     saveCheckStates(Map<checkId, SavedCheckState>): void
 *     loadCheckStates(): Map<checkId, SavedCheckState>
 *
 *   maintain(now?, budgetMs = 20): boolean   rollups and pruning (a timer calls it; true = more to do)
 *   stats(): { queued, flushed, dropped, flushFailures, lastError }    close(): flush, then close
 */
export {
  HistoryStore,
  type AuditEntry,
  type HistoryStoreOptions,
  type Retention,
  type SavedCheckState,
  type StoreStats,
} from './history-store.ts';
export { HistoryModule } from './history-module.ts';
export { DB_FILE } from './database.ts';
