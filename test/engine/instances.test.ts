/**
 * Check instances (`instances: true` on a prometheus check): the pure state machine, exact on
 * given times, and the engine's mapping of results to instance rows on the board.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import {
  ABSENT_ANSWERS_BEFORE_REMOVAL,
  instanceId,
  nextInstances,
  type Instance,
  type InstanceRules,
} from '../../src/engine/instances.ts';
import { seriesId } from '../../src/engine/probes/prometheus-answer.ts';
import { HistoryModule } from '../../src/engine/store/history-module.ts';
import { HistoryStore } from '../../src/engine/store/history-store.ts';
import type { ProbeResult, PromSeries } from '../../src/shared/model.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { FakeClock } from '../support/fake-clock.ts';

const RULES: InstanceRules = { fall: 2, rise: 1, degradedLatencyMs: null, failWindow: null, maxSeries: 3 };

function series(instance: string, failing: boolean): PromSeries {
  const labels = { instance, job: 'hk-nodes' };
  return { id: seriesId(labels, ['instance']), labels, value: failing ? 0 : 1, failing };
}

function answer(at: number, list: PromSeries[], errorClass: ProbeResult['errorClass'] = null): ProbeResult {
  const failing = list.some((s) => s.failing);
  return {
    checkId: 'nodes',
    startedAt: at,
    ok: errorClass === null && !failing,
    latencyMs: 5,
    errorClass: errorClass ?? (failing ? 'promql_match' : null),
    message: '',
    ...(errorClass === 'probe_error' ? {} : { prometheus: { series: list, total: list.length } }),
  };
}

/** Runs answers through the state machine, one second apart from t = 1000. */
function run(answers: PromSeries[][], rules = RULES): { instances: Map<string, Instance>; removed: string[] } {
  let instances = new Map<string, Instance>();
  const removed: string[] = [];
  answers.forEach((list, i) => {
    const step = nextInstances('nodes', instances, answer(1000 * (i + 1), list), rules, 1000 * (i + 1));
    instances = step.instances;
    removed.push(...step.removed);
  });
  return { instances, removed };
}

const A = (failing: boolean) => series('10.0.0.5:9100', failing);
const B = (failing: boolean) => series('10.0.0.6:9100', failing);
const C = (failing: boolean) => series('10.0.0.7:9100', failing);

describe('instances: the state machine', () => {
  it('gives each series its own status by the check’s fall and rise, and its id is check/series', () => {
    const { instances } = run([
      [A(true), B(false)],
      [A(true), B(false)],
    ]);
    const a = instances.get(A(true).id)!;
    expect(a.id).toBe(`nodes/${A(true).id}`);
    expect(a.id).toBe(instanceId('nodes', seriesId({ instance: '10.0.0.5:9100' })));
    // Two failing answers (fall 2): down since the second.
    expect(a.state).toMatchObject({ status: 'down', since: 2000, consecutiveFailures: 2 });
    expect(instances.get(B(false).id)!.state).toMatchObject({ status: 'up', since: 1000 });
    const back = run([[A(true)], [A(true)], [A(false)]]).instances.get(A(true).id)!;
    expect(back.state).toMatchObject({ status: 'up', since: 3000 });
    expect(back.beats).toBe('ddu');
  });

  it('one failing answer short of fall leaves a new series unknown, not down', () => {
    const { instances } = run([[A(true)]]);
    expect(instances.get(A(true).id)!.state).toMatchObject({ status: 'unknown', consecutiveFailures: 1 });
  });

  it('keeps a missing series with its status (no data is not up), then removes it after 3 answers without it', () => {
    expect(ABSENT_ANSWERS_BEFORE_REMOVAL).toBe(3);
    const twoMissing = run([[A(true), B(false)], [A(true), B(false)], [B(false)], [B(false)]]);
    const a = twoMissing.instances.get(A(true).id)!;
    expect(a).toMatchObject({ absent: 2, seenAt: 2000, beats: 'ddxx' });
    expect(a.state.status).toBe('down');
    const gone = run([[A(true), B(false)], [A(true), B(false)], [B(false)], [B(false)], [B(false)]]);
    expect(gone.instances.has(A(true).id)).toBe(false);
    expect(gone.removed).toEqual([`nodes/${A(true).id}`]);
    // Returned again before the third: it carries on where it was.
    const again = run([[A(true), B(false)], [A(true), B(false)], [B(false)], [A(true), B(false)]]);
    expect(again.instances.get(A(true).id)).toMatchObject({ absent: 0, state: { status: 'down', since: 2000 } });
  });

  it('an answer that says nothing about the targets (Prometheus unreachable, a refused query) changes nothing', () => {
    const { instances } = run([[A(true)], [A(true)]]);
    for (const errorClass of ['probe_error', 'config_error'] as const) {
      const step = nextInstances('nodes', instances, answer(3000, [], errorClass), RULES, 3000);
      expect(step).toEqual({ instances, changed: [], removed: [] });
    }
  });

  it('holds at most max_series: the longest missing make room for the returned', () => {
    const { instances, removed } = run([[A(false), B(false)], [B(false), C(false)], [series('10.0.0.8:9100', false)]]);
    expect(instances.size).toBe(3);
    // A missing for 2 answers and B for 1: A goes first.
    expect(removed).toEqual([`nodes/${A(false).id}`]);
    expect([...instances.keys()].sort()).toEqual([B(false).id, C(false).id, series('10.0.0.8:9100', false).id].sort());
  });
});

function config(fields: Record<string, unknown>) {
  const text = JSON.stringify({
    regions: [{ id: 'hk', name: 'Hong Kong', lat: 22.3, lon: 114.2 }],
    checks: [
      {
        id: 'nodes',
        name: 'HK nodes',
        type: 'prometheus',
        region: 'hk',
        url: 'http://127.0.0.1:9',
        query: 'up{job="hk-nodes"}',
        below: 1,
        instance_labels: ['instance'],
        interval: '10s',
        fall: 2,
        rise: 1,
        ...fields,
      },
    ],
  });
  const outcome = parseConfigText(text, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

describe('instances: the engine turns each series into a row of the board', () => {
  it('shows every series as an instance under its check, counts them on it, and removes the vanished', async () => {
    const clock = new FakeClock(0);
    let list = [A(false), B(false), C(false)];
    const messages: BoardMessage[] = [];
    const probes: number[] = [];
    const engine = new Engine({
      clock,
      emit: (m) => messages.push(m),
      probe: async () => {
        probes.push(clock.now());
        return answer(clock.now(), list);
      },
    });
    engine.applyConfig(config({ instances: true }), 'test.yaml');
    await clock.advance(10_000);
    list = [A(true), B(false), C(false)];
    await clock.advance(20_000);
    const board = engine.snapshot();
    const ids = board.checks.map((c) => c.id);
    expect(ids).toEqual(['nodes', ...[A, B, C].map((s) => `nodes/${s(true).id}`)]);
    const parent = board.checks[0]!;
    expect(parent).toMatchObject({ status: 'down', instanceCounts: { total: 3, down: 1 } });
    const a = board.checks.find((c) => c.id === `nodes/${A(true).id}`)!;
    expect(a).toMatchObject({
      name: '10.0.0.5:9100',
      target: '{instance="10.0.0.5:9100", job="hk-nodes"}',
      status: 'down',
      region: 'hk',
      instanceOf: 'nodes',
      labels: { instance: '10.0.0.5:9100', job: 'hk-nodes' },
      errorClass: 'promql_match',
    });
    expect(board.checks.filter((c) => c.instanceOf && c.status === 'up')).toHaveLength(2);
    // Modules see the config's checks only.
    expect(engine.checkViews().map((c) => c.id)).toEqual(['nodes']);

    // C vanishes: stale for two answers, removed at the third (a delta says so).
    list = [A(false), B(false)];
    const lastWithC = probes.at(-1);
    await clock.advance(20_000);
    const stale = engine.snapshot().checks.find((c) => c.id === `nodes/${C(false).id}`)!;
    expect(stale).toMatchObject({ status: 'up', lastProbeAt: lastWithC });
    expect(stale.message).toMatch(/^not in the last 2 answers: no data/);
    await clock.advance(10_000);
    const removal = messages.findLast((m) => m.kind === 'delta' && m.removed.length > 0);
    expect(removal).toMatchObject({ removed: [`nodes/${C(false).id}`] });
    const after = engine.snapshot();
    expect(after.checks.map((c) => c.id)).not.toContain(`nodes/${C(false).id}`);
    expect(after.checks[0]).toMatchObject({ status: 'up', instanceCounts: { total: 2, down: 0 } });
    expect(after.checks.find((c) => c.id === `nodes/${A(true).id}`)).toMatchObject({ status: 'up' });
    await engine.stop();
  });

  it('without instances: true (or paused) a check is one row, and turning them off removes them', async () => {
    const clock = new FakeClock(0);
    const engine = new Engine({ clock, emit: () => {}, probe: async () => answer(clock.now(), [A(true), B(false)]) });
    engine.applyConfig(config({}), 'test.yaml');
    await clock.advance(10_000);
    expect(engine.snapshot().checks.map((c) => c.id)).toEqual(['nodes']);
    expect(engine.snapshot().checks[0]!.instanceCounts).toBeUndefined();
    engine.applyConfig(config({ instances: true }), 'test.yaml');
    await clock.advance(10_000);
    expect(engine.snapshot().checks).toHaveLength(3);
    engine.applyConfig(config({ instances: true, enabled: false }), 'test.yaml');
    expect(engine.snapshot().checks.map((c) => c.id)).toEqual(['nodes']);
    await engine.stop();
  });
});

describe('instances: a restart', () => {
  it('brings them back from the check’s last answer in the history, stale, with the same ids, until the next answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'knockon-instances-'));
    const start = (clock: FakeClock, list: PromSeries[]) => {
      const engine = new Engine({ clock, emit: () => {}, probe: async () => answer(clock.now(), list) });
      engine.use(new HistoryModule(new HistoryStore({ dataDir: dir, clock, timers: false }), () => {}));
      engine.applyConfig(config({ instances: true }), 'test.yaml');
      return engine;
    };
    try {
      const clock = new FakeClock(0);
      const first = start(clock, [A(true), B(false)]);
      await clock.advance(20_000);
      const before = first.snapshot().checks.filter((c) => c.instanceOf);
      expect(before.map((c) => c.status)).toEqual(['down', 'up']);
      await first.stop();

      const later = new FakeClock(3_600_000);
      const second = start(later, [A(false), B(false)]);
      const restored = second.snapshot().checks.filter((c) => c.instanceOf);
      expect(restored.map((c) => [c.id, c.status, c.restored, c.lastProbeAt])).toEqual(
        before.map((c) => [c.id, c.status, true, c.lastProbeAt]),
      );
      expect(second.snapshot().checks[0]!.instanceCounts).toEqual({ total: 2, down: 1 });
      // The next answer: current again, and A back up (rise 1).
      await later.advance(10_000);
      const now = second.snapshot().checks.filter((c) => c.instanceOf);
      expect(now.map((c) => [c.status, c.restored])).toEqual([
        ['up', undefined],
        ['up', undefined],
      ]);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
