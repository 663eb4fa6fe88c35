import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import type { CheckView } from '../../src/shared/model.ts';
import { HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

function configFor(url: string, extra = ''): string {
  return `board: { title: Integration }
defaults: { interval: 200ms, timeout: 150ms, fall: 3, rise: 2 }
checks:
  - id: primary
    type: http
    url: ${url}/health
${extra}`;
}

describe('engine worker against a real HTTP server', () => {
  let dir: string;
  let host: EngineHost;
  let target: HttpTarget;
  const messages: BoardMessage[] = [];
  const history: CheckView[] = [];

  const check = (id: string) => host.current()?.checks.find((c) => c.id === id);
  const until = <T>(what: string, test: () => T | undefined | null | false) =>
    waitFor((onChange) => host.subscribe(onChange), test, what);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-it-'));
    target = await new HttpTarget().start();
    await writeFile(join(dir, 'knockon.yaml'), configFor(target.url));
    host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml') });
    host.subscribe((m) => {
      messages.push(m);
      // The host has applied the delta's patches when it tells its listeners.
      const primary = m.kind === 'delta' && [...m.checks, ...m.patches].some((c) => c.id === 'primary');
      if (primary) history.push(check('primary')!);
    });
    host.start();
    await host.ready();
  });

  afterEach(async () => {
    await host.stop();
    await target.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    messages.length = 0;
    history.length = 0;
  });

  it('sees the check go down after the failure threshold, then up again', async () => {
    await until('primary up', () => check('primary')?.status === 'up');
    await target.stop();
    const down = await until('primary down', () => (check('primary')?.status === 'down' ? check('primary') : null));
    expect(down.errorClass).toBe('connect_refused');
    // Never down before the third consecutive failure; batching may show a later count.
    expect(history.filter((c) => c.status === 'down').every((c) => c.consecutiveFailures >= 3)).toBe(true);
    expect(history.filter((c) => c.status === 'up').every((c) => c.consecutiveFailures < 3)).toBe(true);

    await target.start();
    const up = await until('primary up again', () => (check('primary')?.status === 'up' ? check('primary') : null));
    expect(up.consecutiveSuccesses).toBeGreaterThanOrEqual(2);
    // Deltas are batched: far fewer messages than probes.
    expect(messages.every((m) => m.kind !== 'delta' || m.checks.length + m.patches.length <= 1)).toBe(true);
  });

  it('picks up a valid config change without a restart and keeps the last good config on a bad one', async () => {
    const path = join(dir, 'knockon.yaml');
    await until('primary probed', () => check('primary')?.lastProbeAt);
    await writeFile(path, configFor(target.url, `  - id: second\n    type: http\n    url: ${target.url}/second\n`));
    await until('second check', () => check('second')?.status === 'up');

    await writeFile(path, 'checks:\n  - id: broken\n    type: http\n    url: not a url\n');
    const error = await until('config error', () => host.current()?.config.error);
    expect(error.issues[0]).toMatchObject({ line: 4, field: 'checks[0].url' });
    expect(
      host
        .current()
        ?.checks.map((c) => c.id)
        .sort(),
    ).toEqual(['primary', 'second']);
    // The last good config keeps probing.
    const before = check('primary')!.lastProbeAt!;
    await until('primary probed again', () => (check('primary')?.lastProbeAt ?? 0) > before);
  });
});
