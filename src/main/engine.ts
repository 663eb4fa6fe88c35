import { join } from 'node:path';
import { app } from 'electron';
import workerPath from '../engine/worker.ts?modulePath';
import { startDemoLab, type DemoLab } from '../demo/lab.ts';
import { DEMO_PORTS_FILE } from '../demo/lab-ports.ts';
import { EngineHost } from '../engine/host.ts';

/** Starts the engine worker on a config file, or on the built-in demo lab when there is none. */
export async function setupEngine(configPath: string | null): Promise<{ host: EngineHost; stop: () => Promise<void> }> {
  const log = (level: string, message: string) => console.log(`[engine] ${level} ${message}`);
  const dataDir = app.getPath('userData');
  const lab: DemoLab | null = configPath
    ? null
    : await startDemoLab({ log: (m) => log('info', m), portsFile: join(dataDir, DEMO_PORTS_FILE) });
  const host = new EngineHost({
    workerPath,
    configPath,
    demoConfigText: lab?.configText ?? null,
    dataDir,
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
