/**
 * `engine.health`: the engine's own health as one answer (scheduler, store queue, notification
 * outcomes), for `/metrics` and diagnostics. It describes the observer, never the targets.
 */
import type { EngineHealth } from '../shared/model.ts';
import type { RpcRegistry } from './rpc.ts';
import type { SchedulerStats } from './scheduler.ts';
import type { StoreStats } from './store/index.ts';

export interface HealthSources {
  scheduler(): SchedulerStats;
  store(): Pick<StoreStats, 'queued' | 'flushed' | 'dropped' | 'flushFailures'>;
  notifications(): EngineHealth['notifications'];
  remoteWrite?(): NonNullable<EngineHealth['remoteWrite']>;
}

export function engineHealth(sources: HealthSources): EngineHealth {
  const s = sources.scheduler();
  const store = sources.store();
  return {
    scheduler: {
      inFlight: s.inFlight,
      maxInFlight: s.maxInFlight,
      queued: s.queued,
      delayedByLimit: s.delayedByLimit,
      skippedOverlaps: s.skippedOverlaps,
      droppedByQueueLimit: s.droppedByQueueLimit,
      lagP50Ms: s.lagP50,
      lagP99Ms: s.lagP99,
    },
    store: { queued: store.queued, flushed: store.flushed, dropped: store.dropped, flushFailures: store.flushFailures },
    notifications: sources.notifications(),
    ...(sources.remoteWrite ? { remoteWrite: sources.remoteWrite() } : {}),
  };
}

export function registerHealth(rpc: RpcRegistry, sources: HealthSources): void {
  rpc.register('engine.health', () => engineHealth(sources));
}
