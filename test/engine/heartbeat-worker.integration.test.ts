import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { LISTENER_LINE, LogWatch } from '../support/log-watch.ts';
import { waitFor } from '../support/wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);
const TOKEN = 'worker-test-token-0123456789';

describe('heartbeats through the engine worker', () => {
  let dir: string;
  let host: EngineHost | null = null;
  afterEach(async () => {
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens where configured, goes up on a beat and down when the beats stop', async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-hb-'));
    await writeFile(
      join(dir, 'knockon.yaml'),
      `heartbeat_listener: { host: 127.0.0.1, port: 0 }
checks:
  - id: batch
    type: heartbeat
    token: ${TOKEN}
    degraded_after: 300ms
    down_after: 600ms
`,
    );
    const logs = new LogWatch();
    host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), log: logs.log });
    const subscribe = (onChange: () => void) => host!.subscribe(onChange);
    host.start();
    const address = await logs.match(LISTENER_LINE, 'the heartbeat listener to start');
    const status = () => host!.current()?.checks.find((c) => c.id === 'batch')?.status;

    expect((await fetch(`${address}/heartbeat/batch?token=${TOKEN}&value=12`)).status).toBe(200);
    await waitFor(subscribe, () => status() === 'up', 'up after a beat');
    await waitFor(subscribe, () => status() === 'down', 'down once the beats stop');
    const view = host.current()!.checks.find((c) => c.id === 'batch')!;
    expect(view.errorClass).toBe('heartbeat_missed');
    expect(view.details?.heartbeat?.value).toBe(12);
  });
});
