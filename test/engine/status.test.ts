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
