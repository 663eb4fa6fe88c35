import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { phaseOffset } from '../../src/engine/scheduler.ts';
import type { ProbeResult } from '../../src/shared/model.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { waitFor } from '../support/wait.ts';

function config(text: object) {
  const outcome = parseConfigText(JSON.stringify(text), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

describe('engine: fast interval and heartbeats', () => {
  it('probes at fast_interval while a check is changing state, and at its interval otherwise', async () => {
    const clock = new FakeClock(0);
    let healthy = true;
    const probes: number[] = [];
    const engine = new Engine({
      clock,
      emit: () => {},
      probe: async (check): Promise<ProbeResult> => {
        probes.push(clock.now());
        return {
          checkId: check.id,
          startedAt: clock.now(),
          ok: healthy,
          latencyMs: 1,
          errorClass: healthy ? null : 'connect_refused',
          message: healthy ? 'ok' : 'refused',
        };
      },
    });
    engine.applyConfig(
      config({
        checks: [
          { id: 'a', type: 'tcp', host: '127.0.0.1', port: 1, interval: '10s', fast_interval: '1s', timeout: '1s' },
        ],
      }),
      'test.yaml',
    );
    await clock.advance(10_000);
    expect(probes.length).toBe(1);
    healthy = false;
    probes.length = 0;
    // The next probe at the 10 s slot fails; the two confirming ones follow a second apart each.
    await clock.advance(12_000);
    const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
    expect(gaps.slice(0, 2)).toEqual([1_000, 1_000]);
    expect(engine.snapshot().checks[0]!.status).toBe('down');
    // Down and steady: back to the normal interval.
    probes.length = 0;
    await clock.advance(30_000);
    expect(probes.slice(1).map((t, i) => t - probes[i]!)).toEqual([10_000, 10_000]);
    await engine.stop();
  });

  it('with an 8 s timeout every 5 s, probes a hanging target every 10 s, counts the skipped slots, and fall counts probes', async () => {
    const clock = new FakeClock(0);
    const probes: number[] = [];
    const engine = new Engine({
      clock,
      emit: () => {},
      // The target never answers: each probe ends at its timeout.
      probe: (check) =>
        new Promise<ProbeResult>((resolve) => {
          const startedAt = clock.now();
          probes.push(startedAt);
          clock.setTimeout(
            () =>
              resolve({
                checkId: check.id,
                startedAt,
                ok: false,
                latencyMs: null,
                errorClass: 'timeout',
                message: 'no answer',
              }),
            8_000,
          );
        }),
    });
    engine.applyConfig(
      config({
        checks: [{ id: 'a', type: 'tcp', host: '127.0.0.1', port: 1, interval: '5s', timeout: '8s', fall: 3 }],
      }),
      'test.yaml',
    );
    const phase = phaseOffset('a', 5_000);
    await clock.advance(phase + 20_000 + 8_000);
    expect(probes).toEqual([phase, phase + 10_000, phase + 20_000]);
    expect(engine.snapshot().checks[0]).toMatchObject({ status: 'down', consecutiveFailures: 3, skippedSlots: 3 });
    await engine.stop();
  });

  it('listens for heartbeats only where configured and turns them into status', async () => {
    const messages: BoardMessage[] = [];
    const listeners = new Set<() => void>();
    const engine = new Engine({
      clock: systemClock,
      emit: (m) => {
        messages.push(m);
        for (const l of listeners) l();
      },
    });
    process.env.KNOCKON_TEST_BEAT_TOKEN = 'secret-token-for-the-test';
    const checks = [
      { id: 'batch', type: 'heartbeat', token_env: 'KNOCKON_TEST_BEAT_TOKEN', down_after: '5s', interval: '50ms' },
    ];
    engine.applyConfig(config({ checks }), 'test.yaml');
    expect(await engine.heartbeatModule.ready).toBeNull();

    engine.applyConfig(config({ checks, heartbeat_listener: { host: '127.0.0.1', port: 0 } }), 'test.yaml');
    const bound = await engine.heartbeatModule.ready;
    expect(bound?.host).toBe('127.0.0.1');
    const reply = await fetch(`http://127.0.0.1:${bound!.port}/heartbeat/batch`, {
      headers: { authorization: 'Bearer secret-token-for-the-test' },
    });
    expect(reply.status).toBe(200);
    const status = () => engine.snapshot().checks.find((c) => c.id === 'batch')?.status;
    await waitFor(
      (onChange) => {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
      () => status() === 'up',
      'the heartbeat check to be up',
    );
    await engine.stop();
    await expect(fetch(`http://127.0.0.1:${bound!.port}/heartbeat/batch`)).rejects.toThrow();
    delete process.env.KNOCKON_TEST_BEAT_TOKEN;
  });
});

describe('engine: what the board sees of a probe', () => {
  it('keeps the last probe’s details (per-resolver DNS answers) on the check view', async () => {
    const clock = new FakeClock(0);
    const engine = new Engine({
      clock,
      emit: () => {},
      probe: async (check): Promise<ProbeResult> => ({
        checkId: check.id,
        startedAt: clock.now(),
        ok: false,
        latencyMs: 3,
        errorClass: 'dns_disagree',
        message: 'resolvers disagree',
        dns: [
          {
            resolver: '192.0.2.1',
            rcode: 'NOERROR',
            answers: ['203.0.113.20'],
            ttl: 60,
            latencyMs: 1,
            errorClass: null,
            message: 'NOERROR',
          },
          {
            resolver: '192.0.2.2',
            rcode: 'NOERROR',
            answers: ['203.0.113.10'],
            ttl: 45,
            latencyMs: 2,
            errorClass: null,
            message: 'NOERROR',
          },
        ],
      }),
    });
    engine.applyConfig(
      config({
        checks: [{ id: 'zone', type: 'dns', query_name: 'api.example.net', resolvers: ['192.0.2.1', '192.0.2.2'] }],
      }),
      'test.yaml',
    );
    await clock.advance(10_000);
    const view = engine.snapshot().checks[0]!;
    expect(view.details?.dns?.map((d) => [d.resolver, d.answers[0], d.ttl])).toEqual([
      ['192.0.2.1', '203.0.113.20', 60],
      ['192.0.2.2', '203.0.113.10', 45],
    ]);
    await engine.stop();
  });
});
