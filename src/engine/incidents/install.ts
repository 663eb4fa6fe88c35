import { systemClock } from '../clock.ts';
import type { ModuleContext } from '../modules.ts';
import type { IncidentLog } from './api.ts';
import { KnockOnModule } from './module.ts';

/**
 * Adds the knock-on module to the engine; returns it as the incident log other modules (failover)
 * use, with its notification counts for the engine's health.
 */
export function installKnockOn(
  context: ModuleContext,
): IncidentLog & Pick<KnockOnModule, 'notificationCounts' | 'receiveExternal'> {
  const { engine } = context;
  const module = new KnockOnModule({
    clock: context.clock ?? systemClock,
    repository: context.store,
    state: context.store,
    publish: (part) => engine.publish(part),
    notify: (notice) => engine.notify(notice),
    checkViews: () => engine.checkViews(),
    rpc: context.rpc,
    log: context.log,
  });
  engine.use(module);
  return module;
}
