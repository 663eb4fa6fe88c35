import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoLab, type DemoLab } from '../../src/demo/lab.ts';
import { serve, type Served } from './serve.ts';

export interface DemoBoard {
  lab: DemoLab;
  served: Served;
  token: string;
  stop(): Promise<void>;
}

/**
 * The demo lab run by the test itself (no scripted outages: the test starts and ends the outage
 * with lab.setOutage), served by a real `knockon serve` on the demo's own config (its topology,
 * alert rules, desktop receiver and dry-run failover policy).
 */
export async function demoBoard(extraArgs: string[] = [], extraConfig = ''): Promise<DemoBoard> {
  const lab = await startDemoLab({ outageEveryMs: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-demo-'));
  const configPath = join(dir, 'knockon.yaml');
  await writeFile(configPath, lab.configText + extraConfig);
  const token = 'e2e-token';
  let served: Served;
  try {
    served = await serve(['--config', configPath, '--data-dir', join(dir, 'data'), '--token', token, ...extraArgs]);
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return {
    lab,
    served,
    token,
    stop: async () => {
      await served.stop();
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
