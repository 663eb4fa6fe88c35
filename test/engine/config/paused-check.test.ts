import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';

function config(text: object) {
  const outcome = parseConfigText(JSON.stringify(text), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

const check = (enabled?: boolean) => ({
  id: 'a',
  type: 'tcp',
  host: '127.0.0.1',
  port: 1,
  interval: '10s',
  timeout: '1s',
  ...(enabled === undefined ? {} : { enabled }),
});

describe('engine: a paused check (enabled: false)', () => {
  it('is not probed, shows unknown and paused, and is probed again once enabled', async () => {
    const clock = new FakeClock(0);
    const probed: string[] = [];
    const engine = new Engine({
      clock,
      emit: () => {},
      probe: async (c): Promise<ProbeResult> => {
        probed.push(c.id);
        return { checkId: c.id, startedAt: clock.now(), ok: true, latencyMs: 1, errorClass: null, message: 'ok' };
      },
    });
    engine.applyConfig(config({ checks: [check()] }), 'test.yaml');
    await clock.advance(20_000);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'up' });
    expect(engine.snapshot().checks[0]!.paused).toBeUndefined();

    engine.applyConfig(config({ checks: [check(false)] }), 'test.yaml');
    probed.length = 0;
    await clock.advance(60_000);
    expect(probed).toEqual([]);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'unknown', paused: true });

    engine.applyConfig(config({ checks: [check(true)] }), 'test.yaml');
    await clock.advance(20_000);
    expect(probed.length).toBeGreaterThan(0);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'up' });
    expect(engine.snapshot().checks[0]!.paused).toBeUndefined();
    await engine.stop();
  });
});
