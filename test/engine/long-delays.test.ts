/**
 * Delays past Node's 24.86-day timer limit, through the engine's real code on the system clock
 * (Node's timers faked by vitest, so 40 days pass at once): a plain setTimeout would fire these
 * after 1 ms.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Alarm } from '../../src/engine/alarm.ts';
import { initialView, resolveChecks } from '../../src/engine/checks.ts';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { MemoryIncidentRepository } from '../../src/engine/incidents/repository.ts';
import { KnockOnModule } from '../../src/engine/incidents/module.ts';
import { setLongTimeout } from '../../src/engine/long-timer.ts';
import { INITIAL_STATE } from '../../src/engine/status.ts';
import type { BoardSnapshot } from '../../src/shared/model.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

describe('delays longer than Node can time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the incident of a 40-day "for" once, at 40 days, and not before', async () => {
    const outcome = parseConfigText(
      `checks:
  - { id: api, type: http, url: http://127.0.0.1:1/ }
alerts:
  - { name: LongDown, condition: down, on: checks, for: 40d, severity: warning }
`,
      'long.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    const checks = resolveChecks(outcome.config);
    const module = new KnockOnModule({
      clock: systemClock,
      repository: new MemoryIncidentRepository(),
      publish: () => {},
      notify: () => {},
      checkViews: () => checks.map((c) => ({ ...initialView(c), status: 'down' as const })),
      env: {},
      log: () => {},
    });
    module.onConfig(outcome.config, checks);
    const check = checks[0]!;
    const now = Date.now();
    const result = {
      checkId: 'api',
      startedAt: now,
      ok: false,
      latencyMs: null,
      errorClass: 'connect_refused' as const,
      message: 'refused',
    };
    module.onCheckUpdate({
      check,
      result,
      vantage: 'local',
      evidence: result,
      previous: INITIAL_STATE,
      state: { ...INITIAL_STATE, status: 'down', since: now },
      own: { ...INITIAL_STATE, status: 'down', since: now },
      view: { ...initialView(check), status: 'down' },
      now,
    });
    const incidents = () => {
      const board = { components: [], incidents: [], vantage: null } as unknown as BoardSnapshot;
      module.contribute(board);
      return board.incidents;
    };

    await vi.advanceTimersByTimeAsync(1);
    expect(incidents()).toEqual([]);
    await vi.advanceTimersByTimeAsync(40 * DAY - 2);
    expect(incidents()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(incidents()).toHaveLength(1);
    expect(incidents()[0]!.openedAt).toBe(START + 40 * DAY);
    await vi.advanceTimersByTimeAsync(100 * DAY);
    expect(incidents()).toHaveLength(1);
    await module.stop();
  });

  it('wakes an alarm set 40 days ahead exactly then, once, and a re-set alarm only at its new time', () => {
    const fired: number[] = [];
    const alarm = new Alarm(systemClock, () => fired.push(Date.now()));
    alarm.set(START + 40 * DAY);
    vi.advanceTimersByTime(30 * DAY);
    alarm.set(START + 70 * DAY);
    vi.advanceTimersByTime(39 * DAY);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(DAY);
    expect(fired).toEqual([START + 70 * DAY]);
    vi.advanceTimersByTime(400 * DAY);
    expect(fired).toHaveLength(1);
  });

  it('never fires a timer of infinite delay, where Node would fire it at once', () => {
    let fired = false;
    setLongTimeout(() => (fired = true), Infinity);
    vi.advanceTimersByTime(10 * 365 * DAY);
    expect(fired).toBe(false);
  });
});
