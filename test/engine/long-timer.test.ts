import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/engine/long-timer.ts';

const DAY = 86_400_000;

describe('timers longer than Node allows', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 40-day alarm once, at 40 days, and not at the 1 ms a plain timer would', () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const fired: number[] = [];
    systemClock.setTimeout(() => fired.push(Date.now()), 40 * DAY);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(39 * DAY);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(DAY);
    expect(fired).toEqual([40 * DAY]);
    vi.advanceTimersByTime(100 * DAY);
    expect(fired).toHaveLength(1);
  });

  it('can be cancelled in any of its steps', () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let fired = false;
    const handle = systemClock.setTimeout(() => (fired = true), 3 * MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(3 * MAX_TIMER_MS);
    expect(fired).toBe(false);
  });

  it('treats a short delay exactly as setTimeout does', () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let at = -1;
    setLongTimeout(() => (at = Date.now()), 250);
    vi.advanceTimersByTime(250);
    expect(at).toBe(250);
  });
});

describe('config durations have a maximum', () => {
  it('refuses a duration over a year, naming the field', () => {
    const outcome = parseConfigText(
      'notifications: { repeat_interval: 4000d }\nchecks:\n  - { id: a, type: tcp, host: 127.0.0.1, port: 1 }\n',
      'big.yaml',
    );
    expect(outcome.ok).toBe(false);
    const text = JSON.stringify(!outcome.ok && outcome.issues);
    expect(text).toContain('repeat_interval');
    expect(text).toContain('expected at most 365d, got 4000d');
  });
});
