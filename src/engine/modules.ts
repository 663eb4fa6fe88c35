import { systemClock, type Clock } from './clock.ts';
import type { Engine } from './engine.ts';
import type { IncidentLog } from './incidents/api.ts';
import { installFailover } from './failover/module.ts';
import { registerHealth } from './health.ts';
import { installKnockOn } from './incidents/install.ts';
import type { RpcRegistry } from './rpc.ts';
import { RemoteWriteModule } from './remote-write/module.ts';
import { HistoryModule, type StoreClient } from './store/index.ts';
import { installAgents } from './vantages/agents-module.ts';
import { AlertmanagerInbox } from './alertmanager/inbox.ts';

export interface ModuleContext {
  engine: Engine;
  rpc: RpcRegistry;
  /** Where durable state lives; null keeps everything in memory (tests, `check --once`). */
  dataDir: string | null;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The durable history (src/engine/store/index.ts lists its API); opened before any module. */
  store: StoreClient;
  /** The store thread's entry file (src/engine/worker.ts, or its bundle); the source file by default. */
  storeEntry?: string | URL;
  /** Defaults to the system clock; tests inject a fake one. */
  clock?: Clock;
  /** Incidents (set by the knock-on module): failover adds its events to the root cause's incident. */
  incidents?: IncidentLog;
}

/**
 * Installs the engine's modules in order: history first (so results are stored before
 * anything reacts to them), then the agent door (which commits agents' results with their
 * cursors in history's store), then analysis and alerting, then failover.
 * Each module adds one line here.
 */
export async function installModules(base: Omit<ModuleContext, 'store'>): Promise<ModuleContext> {
  const history = HistoryModule.open({
    ...base,
    clock: base.clock ?? systemClock,
    onHealth: (health) => base.engine.setStorageHealth(health),
  });
  // Probing starts after the store thread is up: loading it must not slow the first probes.
  await history.store.ready();
  const context: ModuleContext = { ...base, store: history.store };
  context.engine.use(history);
  installAgents(context);
  const knockOn = installKnockOn(context);
  context.incidents = knockOn;
  context.engine.use(
    new AlertmanagerInbox({
      clock: context.clock ?? systemClock,
      rpc: context.rpc,
      log: context.log,
      receive: (batch) => knockOn.receiveExternal(batch),
    }),
  );
  installFailover(context);
  const remoteWrite = new RemoteWriteModule({
    clock: context.clock ?? systemClock,
    log: context.log,
    onHealth: (troubled) => context.engine.setRemoteWriteHealth(troubled),
  });
  context.engine.use(remoteWrite);
  registerHealth(context.rpc, {
    scheduler: () => context.engine.schedulerStats(),
    store: () => history.store.stats(),
    notifications: () => knockOn.notificationCounts(),
    remoteWrite: () => remoteWrite.health(),
  });
  return context;
}
