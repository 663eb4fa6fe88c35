import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { buildAssignments } from '../../../src/engine/vantages/assignment.ts';
import { inputOf } from '../../../src/shared/config/input.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { Harness, TOPOLOGY } from '../incidents/harness.ts';

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

describe('alerting: a paused alert rule (enabled: false)', () => {
  it('opens no incident while its condition holds', async () => {
    const rule = (enabled: boolean) =>
      `alerts:\n  - { name: ServerDown, condition: down, for: 0s, severity: critical, enabled: ${enabled} }\n`;
    const paused = new Harness(TOPOLOGY + rule(false));
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) paused.result(id, 'up');
    paused.result('lb', 'down');
    await paused.clock.advance(60_000);
    expect(paused.incidents()).toEqual([]);
    // The same rule enabled fires: the pause, not the topology, is what kept it quiet.
    const active = new Harness(TOPOLOGY + rule(true));
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) active.result(id, 'up');
    active.result('lb', 'down');
    await active.clock.advance(60_000);
    expect(active.open()).toHaveLength(1);
  });
});

describe('agents: a paused check', () => {
  it('is left out of every agent’s assignment', () => {
    const parsed = config({
      vantages: [{ id: 'sg-agent' }],
      checks: [
        { ...check(false), vantages: ['sg-agent'] },
        { ...check(), id: 'b', vantages: ['sg-agent'] },
      ],
    });
    const built = buildAssignments(parsed, inputOf(parsed), () => ['sg-agent']);
    const document = built?.get('sg-agent')?.assignment.config as { checks: { id: string }[] };
    expect(document.checks.map((c) => c.id)).toEqual(['b']);
  });
});
