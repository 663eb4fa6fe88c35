/**
 * The agent port as the engine host runs it (`knockon serve --agent-port`): opened by the engine's
 * worker thread, its address reported to the host, and bound again on the same port when the
 * worker dies and is restarted. A real worker, real sockets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { AGENT_SYNC_PATH } from '../../src/shared/agent-protocol.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

describe('the agent port in the engine host', () => {
  let dir: string;
  let host: EngineHost;
  const lines: string[] = [];
  let onLine: (line: string) => void = () => {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-agent-port-'));
    await writeFile(join(dir, 'knockon.yaml'), 'checks: []\n');
    host = new EngineHost({
      workerPath,
      configPath: join(dir, 'knockon.yaml'),
      agentPort: { host: '127.0.0.1', port: 0, tls: null },
      log: (level, message) => {
        lines.push(`${level} ${message}`);
        onLine(message);
      },
    });
    host.start();
  });
  afterAll(async () => {
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers agents on the port the worker reports, and refuses an unknown token there', async () => {
    const url = await host.agentPortUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(new URL('/healthz', url))).text()).toBe('ok\n');
    const sync = await fetch(new URL(AGENT_SYNC_PATH, url), {
      method: 'POST',
      headers: { authorization: 'Bearer kna_unknown', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(sync.status).toBe(401);
  });

  it('binds the same port again when the worker dies and is restarted', async () => {
    const before = await host.agentPortUrl();
    const reopened = new Promise<string>((resolve) => {
      onLine = (message) => {
        const match = /^the agent port is open again on (\S+)$/.exec(message);
        if (match) resolve(match[1]!);
      };
    });
    // The worker dies as a crash would end it; the host restarts it with back-off.
    await (host as unknown as { worker: Worker }).worker.terminate();
    expect(await reopened).toBe(before);
    expect(lines.some((l) => /engine worker exited with code 1; restarting/.test(l))).toBe(true);
    expect((await fetch(new URL('/healthz', before))).status).toBe(200);
  });
});
