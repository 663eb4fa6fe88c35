import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../../src/engine/host.ts';
import { DB_FILE } from '../../../src/engine/store/index.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { waitFor } from '../../support/wait.ts';
import { tempDir } from './helpers.ts';
import { ADMIN } from '../../support/actors.ts';

const workerPath = new URL('../../../src/engine/worker.ts', import.meta.url);

describe('history in the engine worker', () => {
  let dir: ReturnType<typeof tempDir>;
  let target: HttpTarget;
  const hosts: EngineHost[] = [];

  function startHost(): EngineHost {
    const host = new EngineHost({ workerPath, configPath: join(dir.path, 'knockon.yaml'), dataDir: dir.path });
    hosts.push(host);
    host.start();
    return host;
  }

  beforeEach(async () => {
    dir = tempDir();
    target = await new HttpTarget().start();
    writeFileSync(
      join(dir.path, 'knockon.yaml'),
      `defaults: { interval: 200ms, timeout: 150ms, fall: 2, rise: 2 }\nchecks:\n  - id: primary\n    type: http\n    url: ${target.url}/health\n`,
    );
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.stop();
    await target.stop().catch(() => {});
    dir.remove();
  });

  it('keeps results in <dataDir>/knockon.db and shows the last state again after a restart', async () => {
    const first = startHost();
    const check = () => first.current()?.checks.find((c) => c.id === 'primary');
    await waitFor(
      (f) => first.subscribe(f),
      () => (check()?.consecutiveSuccesses ?? 0) >= 3,
      'three successes',
    );
    const before = check()!;
    await first.stop();
    expect(existsSync(join(dir.path, DB_FILE))).toBe(true);

    // The target is gone now: whatever the new worker shows first comes from the store.
    await target.stop();
    const second = startHost();
    await second.ready();
    const restored = second.current()!.checks.find((c) => c.id === 'primary')!;
    expect(restored.status).toBe('up');
    expect(restored.lastProbeAt).toBeGreaterThanOrEqual(before.lastProbeAt!);
    const recent = await second.request('history.recent', { checkId: 'primary', limit: 100 }, ADMIN);
    expect(recent.filter((r) => r.ok).length).toBeGreaterThanOrEqual(3);
    await expect(
      second.request('history.series', { checkId: 'primary', range: '1h', points: 0 }, ADMIN),
    ).rejects.toThrow(/points: expected at least 1/);
  });
});
