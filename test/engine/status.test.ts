import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/shared/model.ts';
import { INITIAL_STATE, isChanging, nextState, type CheckState, type StatusRules } from '../../src/engine/status.ts';

const rules: StatusRules = { fall: 3, rise: 2, degradedLatencyMs: 500 };
const ok = (latencyMs = 10): ProbeResult => ({
  checkId: 'c',
  startedAt: 0,
  ok: true,
  latencyMs,
  errorClass: null,
  message: 'HTTP 200',
});
const bad: ProbeResult = {
  checkId: 'c',
  startedAt: 0,
  ok: false,
  latencyMs: 5,
  errorClass: 'connect_refused',
  message: 'refused',
};

function run(results: ProbeResult[], from: CheckState = INITIAL_STATE): CheckState[] {
  const states: CheckState[] = [];
  let state = from;
  results.forEach((r, i) => {
    state = nextState(state, r, rules, 1000 * (i + 1));
    states.push(state);
  });
  return states;
}

describe('status rules', () => {
  it('goes up on the first success from unknown', () => {
    expect(run([ok()])[0]!.status).toBe('up');
  });

  it('marks a check down after 3 consecutive failures, not before', () => {
    const states = run([ok(), bad, bad, bad]);
    expect(states.map((s) => s.status)).toEqual(['up', 'up', 'up', 'down']);
    expect(states[3]!.since).toBe(4000);
    expect(states[2]!.consecutiveFailures).toBe(2);
  });

  it('restarts the failure count after a success in between', () => {
    const states = run([ok(), bad, bad, ok(), bad, bad]);
    expect(states.every((s) => s.status === 'up')).toBe(true);
  });

  it('stays unknown until fall failures when the first probes fail', () => {
    expect(run([bad, bad, bad]).map((s) => s.status)).toEqual(['unknown', 'unknown', 'down']);
  });

  it('comes back up only after 2 consecutive successes', () => {
    const down = run([bad, bad, bad]).at(-1)!;
    const states = run([ok(), bad, ok(), ok()], down);
    expect(states.map((s) => s.status)).toEqual(['down', 'down', 'down', 'up']);
  });

  it('is degraded after 3 slow successes and up again after 2 fast ones', () => {
    const states = run([ok(), ok(600), ok(600), ok(700), ok(10), ok(10)]);
    expect(states.map((s) => s.status)).toEqual(['up', 'up', 'up', 'degraded', 'degraded', 'up']);
  });

  it('ignores results where the observer could not probe', () => {
    const up = run([ok()]).at(-1)!;
    const probeError: ProbeResult = { ...bad, errorClass: 'probe_error' };
    expect(run([probeError, probeError, probeError, probeError], up).at(-1)).toEqual(up);
  });
});

describe('status rules: degraded marks and changing state', () => {
  it('counts a success the probe marks degraded as slow, whatever its latency', () => {
    const marked: ProbeResult = { ...ok(5), degraded: true };
    expect(run([ok(), marked, marked, marked]).map((s) => s.status)).toEqual(['up', 'up', 'up', 'degraded']);
  });

  it('says a check is changing while failures or successes are short of the threshold', () => {
    const [up, oneFailure, twoFailures, down] = run([ok(), bad, bad, bad]);
    expect(isChanging(up!)).toBe(false);
    expect(isChanging(oneFailure!)).toBe(true);
    expect(isChanging(twoFailures!)).toBe(true);
    expect(isChanging(down!)).toBe(false);
    const [recovering, back] = run([ok(), ok()], down);
    expect(isChanging(recovering!)).toBe(true);
    expect(isChanging(back!)).toBe(false);
  });
});

describe("nginx's max_fails/fail_timeout rule", () => {
  // max_fails=3 fail_timeout=30s
  const nginx: StatusRules = {
    fall: 3,
    rise: 2,
    degradedLatencyMs: null,
    failWindow: { maxFails: 3, failTimeoutMs: 30_000 },
  };
  /** Results at the given seconds: true for a success. */
  function timeline(steps: [number, boolean][], from: CheckState = INITIAL_STATE): CheckState[] {
    let state = from;
    return steps.map(([at, success]) => (state = nextState(state, success ? ok() : bad, nginx, at * 1000)));
  }

  it('marks a check down on 3 failures within 30 s, even with successes between them', () => {
    const states = timeline([
      [0, true],
      [5, false],
      [10, true],
      [15, false],
      [20, true],
      [34, false],
    ]);
    expect(states.map((s) => s.status)).toEqual(['up', 'up', 'up', 'up', 'up', 'down']);
    expect(states[5]).toMatchObject({ since: 34_000, outUntil: 64_000, recentFailures: [5_000, 15_000, 34_000] });
  });

  it('forgets failures older than the window: 3 failures over more than 30 s leave it up', () => {
    const states = timeline([
      [0, true],
      [0.5, false],
      [15, false],
      [30.5, false],
    ]);
    expect(states.at(-1)).toMatchObject({ status: 'up', recentFailures: [15_000, 30_500] });
    expect(isChanging(states.at(-1)!)).toBe(true);
  });

  it('keeps it out for fail_timeout: successes before then do not count, the first one after does', () => {
    const down = timeline([
      [0, false],
      [1, false],
      [2, false],
    ]).at(-1)!;
    expect(down).toMatchObject({ status: 'down', outUntil: 32_000 });
    const after = timeline(
      [
        [10, true],
        [31.999, true],
        [32, true],
      ],
      down,
    );
    expect(after.map((s) => s.status)).toEqual(['down', 'down', 'up']);
    expect(after[2]).toMatchObject({ since: 32_000, recentFailures: [], outUntil: null });
  });

  it('puts it out again for fail_timeout when a probe fails while it is out', () => {
    const down = timeline([
      [0, false],
      [1, false],
      [2, false],
    ]).at(-1)!;
    const states = timeline(
      [
        [40, false],
        [69, true],
        [70, true],
      ],
      down,
    );
    expect(states.map((s) => [s.status, s.outUntil])).toEqual([
      ['down', 70_000],
      ['down', 70_000],
      ['up', null],
    ]);
    expect(states[2]!.since).toBe(70_000);
  });

  it('still ignores probe errors, and keeps degraded on fall/rise of slow successes', () => {
    const probeError: ProbeResult = { ...bad, errorClass: 'probe_error' };
    const states = timeline([
      [0, true],
      [1, false],
      [2, false],
    ]);
    expect(nextState(states[2]!, probeError, nginx, 3_000)).toBe(states[2]);
    let state = states[2]!;
    for (const at of [4, 5, 6]) state = nextState(state, ok(900), { ...nginx, degradedLatencyMs: 500 }, at * 1000);
    expect(state.status).toBe('degraded');
  });
});
