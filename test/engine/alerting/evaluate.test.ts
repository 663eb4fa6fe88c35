import { describe, expect, it } from 'vitest';
import { evaluateAlerts, type AlertCandidate, type AlertInstance } from '../../../src/engine/alerting/evaluate.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const MINUTE = 60_000;

function candidate(active: boolean, over: Partial<AlertCandidate> = {}): AlertCandidate {
  return {
    key: 'ServerDown/component:hk-lb',
    rule: 'ServerDown',
    subject: { kind: 'component', id: 'hk-lb' },
    severity: 'critical',
    forMs: MINUTE,
    keepFiringForMs: 0,
    active,
    value: active ? 1 : 0,
    hold: false,
    ...over,
  };
}

/** Runs evaluations in sequence on a fake clock, keeping the alert state between them. */
class Evaluator {
  alerts = new Map<string, AlertInstance>();
  readonly clock = new FakeClock();
  step(candidates: AlertCandidate[]) {
    const result = evaluateAlerts(this.alerts, candidates, this.clock.now());
    this.alerts = result.alerts;
    return result;
  }
  state(): string {
    return [...this.alerts.values()][0]?.state ?? 'inactive';
  }
}

describe('alert evaluation (Prometheus semantics)', () => {
  it('makes "down for 1 minute" pending at once and firing exactly one minute later', async () => {
    const e = new Evaluator();
    const start = e.clock.now();
    expect(e.step([candidate(true)]).transitions.map((t) => t.kind)).toEqual(['pending']);
    await e.clock.advance(MINUTE - 1);
    expect(e.step([candidate(true)]).transitions).toEqual([]);
    expect(e.state()).toBe('pending');
    await e.clock.advance(1);
    const fired = e.step([candidate(true)]);
    expect(fired.transitions.map((t) => t.kind)).toEqual(['firing']);
    expect(fired.transitions[0]!.alert).toMatchObject({ activeAt: start, firedAt: start + MINUTE });
  });

  it('restarts the for timer when the condition clears once', async () => {
    const e = new Evaluator();
    e.step([candidate(true)]);
    await e.clock.advance(50_000);
    expect(e.step([candidate(false)]).transitions.map((t) => t.kind)).toEqual(['cleared']);
    await e.clock.advance(1_000);
    e.step([candidate(true)]);
    await e.clock.advance(50_000);
    e.step([candidate(true)]);
    expect(e.state()).toBe('pending');
    await e.clock.advance(10_000);
    expect(e.step([candidate(true)]).transitions.map((t) => t.kind)).toEqual(['firing']);
  });

  it('fires at once when for is 0', () => {
    const e = new Evaluator();
    expect(e.step([candidate(true, { forMs: 0 })]).transitions.map((t) => t.kind)).toEqual(['pending', 'firing']);
  });

  it('keeps firing for keep_firing_for after the condition clears, measured from the last time it held', async () => {
    const e = new Evaluator();
    const c = (active: boolean) => candidate(active, { forMs: 0, keepFiringForMs: 2 * MINUTE });
    e.step([c(true)]);
    await e.clock.advance(MINUTE);
    e.step([c(true)]);
    const lastActive = e.clock.now();
    await e.clock.advance(1_000);
    const cleared = e.step([c(false)]);
    expect(cleared.transitions).toEqual([]);
    expect(cleared.nextDueAt).toBe(lastActive + 2 * MINUTE);
    await e.clock.advance(2 * MINUTE - 1_001);
    expect(e.step([c(false)]).transitions).toEqual([]);
    await e.clock.advance(1);
    expect(e.step([c(false)]).transitions.map((t) => t.kind)).toEqual(['resolved']);
    expect(e.alerts.size).toBe(0);
  });

  it('reports when the next evaluation is due for a pending alert', () => {
    const e = new Evaluator();
    expect(e.step([candidate(true)]).nextDueAt).toBe(e.clock.now() + MINUTE);
    expect(new Evaluator().step([candidate(false)]).nextDueAt).toBeNull();
  });

  it('while held (flapping, vantage offline), starts nothing and resolves nothing', async () => {
    const e = new Evaluator();
    expect(e.step([candidate(true, { hold: true })]).transitions).toEqual([]);
    e.step([candidate(true, { forMs: 0 })]);
    expect(e.state()).toBe('firing');
    await e.clock.advance(MINUTE);
    expect(e.step([candidate(false, { forMs: 0, hold: true })]).transitions).toEqual([]);
    expect(e.state()).toBe('firing');
    expect(e.step([candidate(false, { forMs: 0 })]).transitions.map((t) => t.kind)).toEqual(['resolved']);
  });

  it('holds a pending alert short of firing while held, and fires once the hold ends', async () => {
    const e = new Evaluator();
    e.step([candidate(true)]);
    await e.clock.advance(2 * MINUTE);
    expect(e.step([candidate(true, { hold: true })]).transitions).toEqual([]);
    expect(e.step([candidate(true)]).transitions.map((t) => t.kind)).toEqual(['firing']);
  });

  it('resolves a firing alert whose rule or subject disappeared from the config', () => {
    const e = new Evaluator();
    e.step([candidate(true, { forMs: 0 })]);
    expect(e.step([]).transitions.map((t) => t.kind)).toEqual(['resolved']);
  });

  it('in a partial evaluation, carries over the alerts of subjects it was not given', () => {
    const e = new Evaluator();
    e.step([candidate(true, { forMs: 0 })]);
    const other = candidate(true, { key: 'ServerDown/component:hk-api', subject: { kind: 'component', id: 'hk-api' } });
    const partial = evaluateAlerts(e.alerts, [other], e.clock.now(), 'some');
    expect(partial.transitions.map((t) => `${t.kind} ${t.alert.key}`)).toEqual(['pending ServerDown/component:hk-api']);
    expect([...partial.alerts.keys()].sort()).toEqual(['ServerDown/component:hk-api', 'ServerDown/component:hk-lb']);
  });
});
