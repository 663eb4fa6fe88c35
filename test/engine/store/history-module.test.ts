import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { installModules, type ModuleContext } from '../../../src/engine/modules.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, tempDir } from './helpers.ts';
import { ADMIN } from '../../support/actors.ts';

function config(port = 1, extra: object = {}) {
  const outcome = parseConfigText(
    JSON.stringify({
      defaults: { interval: '10s', timeout: '1s', fall: 3, rise: 2 },
      checks: [{ id: 'hk-lb', type: 'tcp', host: '127.0.0.1', port }],
      ...extra,
    }),
    'test.yaml',
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

/** A maintenance window over hk-lb for the first half hour. */
const PATCHING = {
  maintenance: [
    {
      id: 'patch',
      name: 'HK patching',
      checks: ['hk-lb'],
      start: new Date(T0).toISOString(),
      end: new Date(T0 + 1_800_000).toISOString(),
    },
  ],
};

describe('history module in the engine', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let healthy: boolean;
  const logs: string[] = [];
  const running: Engine[] = [];

  async function start(
    dataDir: string | null = dir.path,
  ): Promise<{ engine: Engine; rpc: RpcRegistry; context: ModuleContext }> {
    const rpc = new RpcRegistry();
    const engine = new Engine({
      clock,
      emit: () => {},
      rpc,
      probe: async (check): Promise<ProbeResult> => ({
        checkId: check.id,
        startedAt: clock.now(),
        ok: healthy,
        latencyMs: healthy ? 12 : null,
        errorClass: healthy ? null : 'connect_refused',
        message: healthy ? 'connected' : 'connection refused',
      }),
    });
    const context = await installModules({
      engine,
      rpc,
      dataDir,
      clock,
      log: (level, m) => logs.push(`${level} ${m}`),
    });
    running.push(engine);
    return { engine, rpc, context };
  }

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(T0);
    healthy = true;
    logs.length = 0;
  });

  afterEach(async () => {
    for (const engine of running.splice(0)) await engine.stop();
    dir.remove();
  });

  it('restores each check’s last status at start-up, with its old probe time so it shows stale', async () => {
    const first = await start();
    first.engine.applyConfig(config(), 'test.yaml');
    healthy = false;
    await clock.advance(60_000);
    const before = first.engine.snapshot().checks[0]!;
    expect(before.status).toBe('down');
    await first.engine.stop();
    running.length = 0;

    await clock.advance(3_600_000);
    const second = await start();
    second.engine.applyConfig(config(), 'test.yaml');
    const restored = second.engine.snapshot().checks[0]!;
    expect(restored).toMatchObject({
      status: 'down',
      since: before.since,
      lastProbeAt: before.lastProbeAt,
      consecutiveFailures: before.consecutiveFailures,
      errorClass: 'connect_refused',
      restored: true,
    });
    expect(before.restored).toBeUndefined();
    // The restored counters carry on: `rise` successes bring it back up, and it is current again.
    healthy = true;
    await clock.advance(20_000);
    expect(second.engine.snapshot().checks[0]!.status).toBe('up');
    expect(second.engine.snapshot().checks[0]!.restored).toBeUndefined();
  });

  it('keeps the status as decided, not as shown: a restart after a maintenance window does not bring the window back', async () => {
    const first = await start();
    first.engine.applyConfig(config(1, PATCHING), 'test.yaml');
    await clock.advance(60_000);
    expect(first.engine.snapshot().checks[0]!.status).toBe('maintenance');
    await first.engine.stop();
    running.length = 0;

    // Started again after the window: the check is what its results said, up, not maintenance.
    await clock.advance(3_600_000);
    const second = await start();
    second.engine.applyConfig(config(1, PATCHING), 'test.yaml');
    expect(second.engine.snapshot().checks[0]).toMatchObject({ status: 'up', restored: true });
    healthy = false;
    await clock.advance(40_000);
    expect(second.engine.snapshot().checks[0]!.status).toBe('down');
  });

  it('keeps the results of a maintenance window and does not charge its failures to availability', async () => {
    const { engine, rpc, context } = await start();
    engine.applyConfig(config(1, PATCHING), 'test.yaml');
    healthy = false;
    await clock.advance(1_800_000);
    healthy = true;
    await clock.advance(1_800_000);
    await context.store.flush();
    const kept = await context.store.recent('hk-lb', 1_000);
    expect(kept.filter((r) => !r.ok).length).toBeGreaterThan(100);
    expect(kept.filter((r) => !r.ok).every((r) => r.maintenance === true)).toBe(true);
    expect(await rpc.dispatch('history.availability', { checkId: 'hk-lb', range: '1h' }, ADMIN)).toBe(1);
  });

  it('starts a check afresh when its target changed while the engine was stopped', async () => {
    const first = await start();
    first.engine.applyConfig(config(1), 'test.yaml');
    healthy = false;
    await clock.advance(60_000);
    await first.engine.stop();
    running.length = 0;

    const second = await start();
    second.engine.applyConfig(config(2), 'test.yaml');
    expect(second.engine.snapshot().checks[0]).toMatchObject({ status: 'unknown', lastProbeAt: null });
  });

  it('records every result, and the store is there for other modules as context.store', async () => {
    const { engine, context } = await start();
    engine.applyConfig(config(), 'test.yaml');
    await clock.advance(60_000);
    await clock.advance(1_000);
    await context.store.flush();
    expect((await context.store.recent('hk-lb', 100)).length).toBeGreaterThanOrEqual(5);
    expect(context.store.loadCheckStates().get('hk-lb')).toMatchObject({
      state: { status: 'up' },
      view: { status: 'up' },
      lastResult: { ok: true, message: 'connected' },
    });
  });

  it('writes a check’s state row at once when its status changes, else at most once a minute, and the newest at stop', async () => {
    const { engine, context } = await start();
    engine.applyConfig(config(), 'test.yaml');
    const saved = async () => {
      await context.store.flush();
      return context.store.loadCheckStates().get('hk-lb')!;
    };
    await clock.advance(10_000);
    const first = await saved();
    expect(first.view.status).toBe('up');
    // Probes every 10 s, status unchanged: the row stays as it was for the minute.
    await clock.advance(30_000);
    expect((await saved()).savedAt).toBe(first.savedAt);
    // Down after three failures (fall: 3): written with the next batch.
    healthy = false;
    await clock.advance(40_000);
    const down = await saved();
    expect(down.view.status).toBe('down');
    await clock.advance(20_000);
    expect((await saved()).savedAt).toBe(down.savedAt);
    const last = engine.snapshot().checks[0]!.lastProbeAt;
    await engine.stop();
    running.length = 0;
    const reopened = await start();
    expect(reopened.context.store.loadCheckStates().get('hk-lb')!.view.lastProbeAt).toBe(last);
  });

  it('answers the board’s history queries and refuses bad parameters with a clear message', async () => {
    const { engine, rpc, context } = await start();
    engine.applyConfig(config(), 'test.yaml');
    await clock.advance(61_000);
    const recent = (await rpc.dispatch('history.recent', { checkId: 'hk-lb', limit: 2 }, ADMIN)) as ProbeResult[];
    expect(recent.map((r) => r.message)).toEqual(['connected', 'connected']);
    const series = (await rpc.dispatch(
      'history.series',
      { checkId: 'hk-lb', range: '1h', points: 60 },
      ADMIN,
    )) as unknown[];
    expect(series.length).toBeGreaterThan(0);
    expect(await rpc.dispatch('history.availability', { checkId: 'hk-lb', range: '24h' }, ADMIN)).toBe(1);
    // What the availability covers: from the oldest result kept (the first probe, within one
    // 10 s interval of the start), not the whole range.
    const since = (await rpc.dispatch('history.since', { checkId: 'hk-lb' }, ADMIN)) as number;
    expect(since).toBeGreaterThanOrEqual(T0);
    expect(since).toBeLessThan(T0 + 10_000);
    expect(await rpc.dispatch('history.since', { checkId: 'nothing-here' }, ADMIN)).toBeNull();
    context.store.saveIncident({
      id: 'inc-1',
      title: 't',
      severity: 'critical',
      state: 'open',
      rootCause: { kind: 'check', id: 'hk-lb', name: 'hk-lb' },
      impacted: [],
      openedAt: T0,
      detectedAt: T0,
      resolvedAt: null,
      acknowledged: null,
      events: [],
    });
    expect(await rpc.dispatch('incidents.list', { since: 0, limit: 10 }, ADMIN)).toMatchObject([
      { id: 'inc-1', events: [] },
    ]);

    await expect(rpc.dispatch('history.series', { checkId: 'hk-lb', range: '2h', points: 60 }, ADMIN)).rejects.toThrow(
      'history.series: invalid params: range: expected one of 1h, 6h, 24h, 7d, 30d',
    );
    await expect(rpc.dispatch('history.recent', { checkId: 'hk-lb', limit: 1e9 }, ADMIN)).rejects.toThrow(
      'limit: expected at most 1000',
    );
    await expect(rpc.dispatch('history.availability', null, ADMIN)).rejects.toThrow(/checkId: expected a check id/);
  });

  it('keeps the engine running with history in memory when the database cannot be opened', async () => {
    const notADirectory = join(dir.path, 'file');
    writeFileSync(notADirectory, 'x');
    const { engine, context } = await start(notADirectory);
    expect(context.store.path).toBe(':memory:');
    expect(logs.some((l) => l.startsWith('error history: cannot open the database'))).toBe(true);
    engine.applyConfig(config(), 'test.yaml');
    await clock.advance(11_000);
    expect(engine.snapshot().checks[0]!.status).toBe('up');
  });
});
