/**
 * The history store: one SQLite file, `<dataDir>/knockon.db` (`:memory:` when dataDir is null).
 * Modules reach it as `context.store` (src/engine/modules.ts): a StoreClient (store-client.ts),
 * which runs the results side (results, check states, agent batches, rollups, pruning, the
 * chart queries, incidents and their events, the failover audit, module state) on a store
 * thread of its own (store-thread.ts) and keeps agent tokens on the engine thread's own
 * connection, durable on return. Its API is HistoryStore's below, except: the queries (recent,
 * series, availability, firstAt, availabilityAll, listIncidents) and commitWith return promises,
 * flush() resolves once the store thread has committed everything sent before it, close() is
 * async, and incident, audit and module-state writes are not durable on return:
 * afterWritten(show) runs `show` once every such write made so far is committed (publish or act
 * from there; HistoryStore runs it at once), and loadIncidents and loadAudit are for start-up
 * only (loadState answers this run's saveState from memory).
 * Results are kept per (check, vantage): `vantage` is a remote vantage's id, or '' for this
 * machine (a result without one); the history RPC maps the configured `vantage.id` to ''. At a
 * glance:
 *
 *   Results (batched; never blocks the probe path)
 *     record(result: ProbeResult): void                 queued, written within 1 s in one transaction
 *     flush(): number                                    writes the queue now (also on close)
 *     commitWith(key, value): boolean                    the queue and module state `key` in one durable
 *                                                        transaction (an agent's results and its cursor);
 *                                                        false on failure: queue and state kept together
 *                                                        for the next write (flush or commitWith)
 *     importResults(results: ProbeResult[]): number      bulk path: straight in, one transaction
 *     recent(checkId, limit, vantage?): ProbeResult[]    newest first, details included
 *     series(checkId, range, points, now?, vantage?): SeriesPoint[]   range '1h'|'6h'|'24h'|'7d'|'30d'
 *     availability(checkId, range, now?, vantage?): number | null
 *     availabilityAll(range, now?): Map<checkId, number>             every vantage together
 *   Without `vantage`, queries cover every vantage of the check together (percentiles from the
 *   merged histograms); with one ('' = this machine), only that one. Raw results are rows until
 *   their hour is rolled up (staged first, moved into the indexed table about once a minute:
 *   staging.ts), then one compact chunk per (check, vantage) and hour (chunks.ts).
 *
 *   Durable before return (synchronous=FULL transaction; when the disk refuses, the write is
 *   held in memory, in order, and written first on the next flush: they do not throw)
 *     saveIncident(incident: IncidentView): void        upsert of the header; `events` is ignored
 *     appendIncidentEvent(incidentId, event: IncidentEvent): void
 *     loadIncidents({ since?, limit?, openOnly? }): IncidentView[]   newest first, with events
 *     listIncidents(same): the same (the board's list: a query on the store thread in StoreClient)
 *     deleteIncident(incidentId): void                   incidents are otherwise kept for ever
 *     appendAudit({ policyId, at, step, detail: object }): void       failover audit log
 *     loadAudit(policyId, limit = 100): AuditEntry[]     the latest `limit`, oldest first
 *     saveState(key, value: JSON-able): void             durable module state (failover, alerting)
 *     loadState<T>(key): T | null
 *
 *   Agent tokens (only a token's SHA-256 is kept; create and revoke are durable and throw on failure)
 *     createAgentToken({ vantage, name, expiresAt? }): { id, token }  the token is seen only here
 *     listAgentTokens(): AgentTokenRow[]                 oldest first, no secrets
 *     findAgentToken(sha256): AgentTokenRow | null       revoked and expired ones too (agentTokenRefusal)
 *     revokeAgentToken(id): boolean                      true when this call revoked it
 *     touchAgentToken(id, at): void                      last use, written with the next batch
 *     hashAgentToken(token): string                      (agent-tokens.ts) SHA-256, lowercase hex
 *
 *   Check states (per check; the board restores them at start-up through HistoryModule.restore)
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
export { HistoryModule, type HistoryBackend } from './history-module.ts';
export { StoreClient } from './store-client.ts';
export {
  AGENT_TOKEN_PREFIX,
  agentTokenRefusal,
  hashAgentToken,
  type AgentTokenRow,
  type NewAgentToken,
} from './agent-tokens.ts';
export { DB_FILE, LOCAL_VANTAGE } from './database.ts';
