import { describe, expect, it } from 'vitest';
import { describeShortage, ObserverHealth } from '../../src/engine/analysis/observer-health.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { installModules } from '../../src/engine/modules.ts';
import { RpcRegistry } from '../../src/engine/rpc.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import type { ObserverShortage, ProbeResult, VantageView } from '../../src/shared/model.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { FakeClock } from '../support/fake-clock.ts';

const MINUTE = 60_000;

describe('observer health over a sliding minute', () => {
  it('counts probes that could not run, by what ran short, and forgets them a minute later', () => {
    const health = new ObserverHealth();
    const t0 = 1_000_000;
    expect(health.view(t0)).toMatchObject({ degraded: false, reason: null, since: null });
    health.record('descriptors', t0);
    health.record('descriptors', t0 + 500);
    health.record('memory', t0 + 10_000);
    expect(health.view(t0 + 20_000)).toEqual({
      degraded: true,
      reason:
        'this machine ran out of file descriptors and memory: 3 probes could not run in the last minute; results held',
      notRun: { descriptors: 2, memory: 1, queue: 0 },
      windowMs: MINUTE,
      since: t0,
    });
    expect(health.view(t0 + MINUTE + 1_000)).toMatchObject({ degraded: true, notRun: { descriptors: 0, memory: 1 } });
    expect(health.nextChangeAt(t0 + MINUTE + 1_000)).toBe(t0 + 10_000 + MINUTE + 1_000);
    expect(health.view(t0 + 10_000 + MINUTE + 1_000)).toMatchObject({ degraded: false, reason: null, since: null });
    expect(health.nextChangeAt(t0 + 10_000 + MINUTE + 1_000)).toBeNull();
  });

  it('says when the probe queue was what ran out', () => {
    expect(describeShortage({ descriptors: 0, memory: 0, queue: 1 }, MINUTE)).toBe(
      'this machine could not keep up (its probe queue was full): 1 probe could not run in the last minute; results held',
    );
  });
});

function config(yaml: string) {
  const outcome = parseConfigText(yaml, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

/** An engine with its real modules (history in memory, knock-on, failover) and a scripted observer. */
async function rig(yaml: string, options: { maxQueued?: number; hang?: boolean } = {}) {
  const clock = new FakeClock(0);
  const messages: BoardMessage[] = [];
  let short: ObserverShortage | null = null;
  const results: ProbeResult[] = [];
  const engine = new Engine({
    clock,
    emit: (m) => messages.push(m),
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    onResult: (r) => results.push(r),
    probe: async (check): Promise<ProbeResult> => {
      if (options.hang && check.id === 'slow') await new Promise(() => {});
      const base = { checkId: check.id, startedAt: clock.now(), latencyMs: 1 };
      if (!short) return { ...base, ok: true, errorClass: null, message: 'ok' };
      return {
        ...base,
        ok: false,
        errorClass: 'probe_error',
        message: 'observer out of file descriptors (EMFILE)',
        shortage: short,
      };
    },
  });
  const rpc = new RpcRegistry();
  await installModules({ engine, rpc, dataDir: null, log: () => {}, clock });
  engine.applyConfig(config(yaml), 'test.yaml');
  const vantages = () =>
    messages.flatMap((m) =>
      m.kind === 'delta' && m.vantage ? [m.vantage] : m.kind === 'snapshot' ? [m.snapshot.vantage] : [],
    );
  return {
    clock,
    engine,
    results,
    lastVantage: (): VantageView => vantages().at(-1)!,
    notices: () => messages.flatMap((m) => (m.kind === 'notice' ? [m.notice] : [])),
    setShort: (s: ObserverShortage | null) => (short = s),
  };
}

const TWO_CHECKS = `defaults: { interval: 1s, timeout: 500ms, fall: 1, rise: 1 }
checks:
  - { id: a, type: tcp, host: 127.0.0.1, port: 1 }
  - { id: b, type: tcp, host: 127.0.0.1, port: 2 }
alerts:
  - { name: Down, condition: down, for: 0s }
vantage: { id: noc, name: NOC Hong Kong }
`;

describe('engine: the observer’s own exhaustion', () => {
  it('publishes a degraded vantage while probes cannot run, holds the checks, and recovers a minute later', async () => {
    const r = await rig(TWO_CHECKS);
    await r.clock.advance(2_000);
    expect(r.engine.checkViews().map((c) => c.status)).toEqual(['up', 'up']);
    expect(r.lastVantage().health).toMatchObject({ degraded: false });

    r.setShort('descriptors');
    await r.clock.advance(5_000);
    const degraded = r.lastVantage();
    expect(degraded).toMatchObject({ id: 'noc', name: 'NOC Hong Kong', online: true });
    expect(degraded.health).toMatchObject({ degraded: true, notRun: { descriptors: 10 } });
    expect(degraded.health!.reason).toBe(
      'this machine ran out of file descriptors: 10 probes could not run in the last minute; results held',
    );
    const snapshot = r.engine.snapshot();
    expect(snapshot.vantage).toEqual(degraded);
    // Held: fall is 1, so one failure counted against a target would have made it down.
    expect(snapshot.checks.map((c) => [c.status, c.errorClass])).toEqual([
      ['up', 'probe_error'],
      ['up', 'probe_error'],
    ]);
    expect(snapshot.incidents).toEqual([]);
    expect(r.notices().map((n) => [n.title, n.severity])).toEqual([
      ['NOC Hong Kong is degraded: probes cannot run', 'warning'],
    ]);

    r.setShort(null);
    await r.clock.advance(MINUTE + 1_000);
    expect(r.lastVantage()).toMatchObject({ id: 'noc', health: { degraded: false, reason: null } });
    expect(r.notices().map((n) => n.title)).toEqual([
      'NOC Hong Kong is degraded: probes cannot run',
      'NOC Hong Kong can probe again',
    ]);
    expect(r.engine.snapshot().vantage.health?.degraded).toBe(false);
    await r.engine.stop();
  });

  it('turns a probe the full queue cannot take into probe_error for the observer, never a target failure', async () => {
    const r = await rig(
      `engine: { max_in_flight: 1 }
defaults: { interval: 1s, timeout: 500ms, fall: 1, rise: 1 }
checks:
  - { id: slow, type: tcp, host: 127.0.0.1, port: 1 }
  - { id: a, type: tcp, host: 127.0.0.1, port: 2 }
  - { id: b, type: tcp, host: 127.0.0.1, port: 3 }
alerts:
  - { name: Down, condition: down, for: 0s }
`,
      { maxQueued: 1, hang: true },
    );
    await r.clock.advance(3_000);
    const dropped = r.results.filter((x) => x.shortage === 'queue');
    expect(dropped.length).toBeGreaterThan(0);
    for (const x of dropped) {
      expect(x).toMatchObject({ ok: false, errorClass: 'probe_error' });
      expect(x.message).toMatch(
        /^observer overloaded: the probe queue is full \(1 running, 1 waiting\), so this probe was not run$/,
      );
    }
    expect(r.engine.snapshot().checks.every((c) => c.status !== 'down')).toBe(true);
    expect(r.engine.snapshot().incidents).toEqual([]);
    expect(r.lastVantage().health?.reason).toMatch(/could not keep up \(its probe queue was full\)/);
    expect(r.engine.schedulerStats().droppedByQueueLimit).toBe(dropped.length);
    await r.engine.stop();
  });
});

describe('scheduler queue bound', () => {
  it('queues at most maxQueued due probes and reports each one it could not take', async () => {
    const clock = new FakeClock(0);
    const dropped: string[] = [];
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 1,
      maxQueued: 2,
      run: () => new Promise<void>(() => {}),
      onDropped: (id) => dropped.push(id),
    });
    scheduler.setJobs(Array.from({ length: 5 }, (_, i) => ({ id: `j${i}`, intervalMs: 60_000 })));
    await clock.advance(59_999);
    expect(scheduler.stats()).toMatchObject({ inFlight: 1, queued: 2, droppedByQueueLimit: 2, maxQueued: 2 });
    expect(dropped).toHaveLength(2);
    scheduler.stop();
  });
});
