import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine, type CheckUpdate, type EngineModule, type ProbeFn } from '../../src/engine/engine.ts';
import type { ProbeResult } from '../../src/shared/model.ts';
import { DELTA_INTERVAL_MS, type BoardMessage } from '../../src/shared/protocol.ts';
import { FakeClock } from '../support/fake-clock.ts';

/** A fake clock that remembers the length of every timer set on it. */
class TimerLog extends FakeClock {
  readonly lengths: number[] = [];
  override setTimeout(fn: () => void, ms: number): unknown {
    this.lengths.push(ms);
    return super.setTimeout(fn, ms);
  }
}

function config(checks: object[]) {
  const outcome = parseConfigText(JSON.stringify({ checks }), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

const tcp = (id: string) => ({ id, type: 'tcp', host: '127.0.0.1', port: 1, interval: '1s', timeout: '500ms' });

/** A probe the test scripts: each call returns the next result for that check. */
function scripted(results: Partial<ProbeResult>[]): ProbeFn {
  let i = 0;
  return async (check) => ({
    checkId: check.id,
    startedAt: 0,
    ok: true,
    latencyMs: 1,
    errorClass: null,
    message: 'ok',
    ...results[Math.min(i++, results.length - 1)],
  });
}

describe('engine robustness', () => {
  it('keeps calling the other modules when one module throws, and logs which one failed', async () => {
    const clock = new FakeClock(0);
    const logs: string[] = [];
    const seen: CheckUpdate[] = [];
    const broken: EngineModule = {
      name: 'broken',
      onConfig: () => {
        throw new Error('config hook exploded');
      },
      onCheckUpdate: () => {
        throw new Error('update hook exploded');
      },
    };
    const healthy: EngineModule = { name: 'healthy', onCheckUpdate: (u) => void seen.push(u) };
    const engine = new Engine({
      clock,
      emit: () => {},
      probe: scripted([{ startedAt: 5 }]),
      log: (_l, m) => logs.push(m),
    });
    engine.use(broken);
    engine.use(healthy);
    engine.applyConfig(config([tcp('a')]), 'test.yaml');
    await clock.advance(1_000);
    expect(seen.length).toBeGreaterThan(0);
    expect(logs.some((m) => m.includes('module broken failed in onConfig'))).toBe(true);
    expect(logs.some((m) => m.includes('module broken failed in onCheckUpdate'))).toBe(true);
    await engine.stop();
  });

  it('without a board (a probe agent) applies results but builds no board messages', async () => {
    const run = async (emit?: (m: BoardMessage) => void) => {
      const clock = new TimerLog(0);
      const engine = new Engine({ clock, probe: scripted([{ startedAt: 100 }]), ...(emit ? { emit } : {}) });
      engine.applyConfig(config([tcp('a'), tcp('b')]), 'test.yaml');
      await clock.advance(1_000);
      const views = engine.checkViews();
      await engine.stop();
      return { clock, views, count: engine.checkCount() };
    };
    const messages: BoardMessage[] = [];
    const withBoard = await run((m) => messages.push(m));
    const without = await run();
    expect(without.views.map((v) => [v.id, v.status, v.lastProbeAt])).toEqual([
      ['a', 'up', 100],
      ['b', 'up', 100],
    ]);
    expect(without.count).toBe(2);
    // The board's engine sent a snapshot and then a delta a batching interval after the results.
    expect(messages.map((m) => m.kind)).toEqual(['snapshot', 'delta']);
    expect(withBoard.clock.lengths).toContain(DELTA_INTERVAL_MS);
    expect(without.clock.lengths).not.toContain(DELTA_INTERVAL_MS);
  });

  it('does not make data look fresh when the probe could not run (probe_error)', async () => {
    const clock = new FakeClock(0);
    const probe = scripted([
      { startedAt: 100 },
      { startedAt: 1_100, ok: false, errorClass: 'probe_error', message: 'observer failed' },
    ]);
    const engine = new Engine({ clock, emit: () => {}, probe });
    engine.applyConfig(config([tcp('a')]), 'test.yaml');
    await clock.advance(1_000);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'up', lastProbeAt: 100 });
    await clock.advance(1_000);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'up', lastProbeAt: 100, errorClass: 'probe_error' });
    await engine.stop();
  });

  it('keeps the result of a probe that was running while an unchanged check was reloaded', async () => {
    const clock = new FakeClock(0);
    let release: (r: ProbeResult) => void = () => {};
    const probe: ProbeFn = (check) =>
      new Promise((resolve) => {
        release = resolve;
        void check;
      });
    const engine = new Engine({ clock, emit: () => {}, probe });
    engine.applyConfig(config([tcp('a')]), 'test.yaml');
    await clock.advance(1_000);
    engine.applyConfig(config([{ ...tcp('a'), name: 'renamed' }]), 'test.yaml');
    release({ checkId: 'a', startedAt: 42, ok: true, latencyMs: 3, errorClass: null, message: 'ok' });
    await clock.advance(1);
    expect(engine.snapshot().checks[0]).toMatchObject({ name: 'renamed', status: 'up', lastProbeAt: 42 });
    await engine.stop();
  });
});
