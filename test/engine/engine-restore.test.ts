import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine, type EngineModule } from '../../src/engine/engine.ts';
import { INITIAL_STATE } from '../../src/engine/status.ts';
import type { CheckView } from '../../src/shared/model.ts';
import { FakeClock } from '../support/fake-clock.ts';

function config(checks: object[]) {
  const outcome = parseConfigText(JSON.stringify({ checks }), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

const tcp = (id: string, port = 1) => ({ id, type: 'tcp', host: '127.0.0.1', port, interval: '10s', timeout: '1s' });

describe('engine: restoring check states from a module', () => {
  it('starts a check from the state a module restores, keeping the config’s name and interval', () => {
    const asked: string[] = [];
    const module: EngineModule = {
      name: 'memory',
      restore: (check) => {
        asked.push(check.id);
        if (check.id !== 'hk-lb') return null;
        const view: CheckView = {
          id: 'hk-lb',
          name: 'old name',
          type: 'tcp',
          target: 'tcp://127.0.0.1:1',
          region: null,
          intervalMs: 99,
          timeoutMs: 99,
          status: 'down',
          since: 1_000,
          lastProbeAt: 2_000,
          latencyMs: null,
          errorClass: 'connect_refused',
          message: 'connection refused',
          consecutiveFailures: 4,
          consecutiveSuccesses: 0,
        };
        return { state: { ...INITIAL_STATE, status: 'down', since: 1_000, consecutiveFailures: 4 }, view };
      },
    };
    const engine = new Engine({ clock: new FakeClock(10_000), emit: () => {} });
    engine.use(module);
    engine.applyConfig(config([{ ...tcp('hk-lb'), name: 'HK LB' }, tcp('sg-lb')]), 'test.yaml');
    const [hk, sg] = engine.snapshot().checks;
    expect(hk).toMatchObject({ status: 'down', lastProbeAt: 2_000, consecutiveFailures: 4, name: 'HK LB' });
    expect(hk?.intervalMs).toBe(10_000);
    expect(sg).toMatchObject({ status: 'unknown', lastProbeAt: null });
    expect(asked).toEqual(['hk-lb', 'sg-lb']);

    // A reload keeps what the engine already tracks: nothing is asked for again.
    engine.applyConfig(config([tcp('hk-lb'), tcp('sg-lb'), tcp('new')]), 'test.yaml');
    expect(asked).toEqual(['hk-lb', 'sg-lb', 'new']);
    void engine.stop();
  });
});
