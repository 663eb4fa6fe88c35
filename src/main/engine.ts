import { app } from 'electron';
import workerPath from '../engine/worker.ts?modulePath';
import { startDemoLab, type DemoLab } from '../demo/lab.ts';
import { EngineHost } from '../engine/host.ts';

/** The config file from `--config FILE` or KNOCKON_CONFIG; null runs the built-in demo. */
function configFromArgs(argv: string[]): string | null {
  const i = argv.indexOf('--config');
  if (i >= 0 && argv[i + 1]) return argv[i + 1]!;
  const inline = argv.find((a) => a.startsWith('--config='));
  if (inline) return inline.slice('--config='.length);
  return process.env.KNOCKON_CONFIG ?? null;
}

export async function setupEngine(argv: string[]): Promise<{ host: EngineHost; stop: () => Promise<void> }> {
  const configPath = configFromArgs(argv);
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
