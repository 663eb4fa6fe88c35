import { app } from 'electron';
import workerPath from '../engine/worker.ts?modulePath';
import { startDemoLab, type DemoLab } from '../demo/lab.ts';
import { EngineHost } from '../engine/host.ts';

/** Starts the engine worker on a config file, or on the built-in demo lab when there is none. */
export async function setupEngine(configPath: string | null): Promise<{ host: EngineHost; stop: () => Promise<void> }> {
  const log = (level: string, message: string) => console.log(`[engine] ${level} ${message}`);
  const lab: DemoLab | null = configPath ? null : await startDemoLab({ log: (m) => log('info', m) });
  const host = new EngineHost({
    workerPath,
    configPath,
    demoConfigText: lab?.configText ?? null,
    dataDir: app.getPath('userData'),
    log,
  });
  host.start();
  return {
    host,
    stop: async () => {
      await host.stop();
      await lab?.stop();
    },
  };
}
