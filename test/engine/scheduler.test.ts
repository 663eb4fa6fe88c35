import { describe, expect, it } from 'vitest';
import { phaseOffset, Scheduler } from '../../src/engine/scheduler.ts';
import { FakeClock } from '../support/fake-clock.ts';

describe('scheduler', () => {
  it('probes every check within one interval of start, spread over the interval', async () => {
    const clock = new FakeClock(0);
    const starts = new Map<string, number>();
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 1000,
      run: async (id) => void (starts.has(id) || starts.set(id, clock.now())),
    });
    const jobs = Array.from({ length: 500 }, (_, i) => ({ id: `check-${i}`, intervalMs: 10_000 }));
    scheduler.setJobs(jobs);
    await clock.advance(10_000);
    expect(starts.size).toBe(500);
    // Spread: no one-second bucket holds more than a quarter of the checks.
    const buckets = new Map<number, number>();
    for (const t of starts.values()) buckets.set(Math.floor(t / 1000), (buckets.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...buckets.values())).toBeLessThan(125);
    scheduler.stop();
  });

  it('keeps due times on the interval grid, without drift', async () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    const scheduler = new Scheduler({ clock, maxInFlight: 10, run: async () => void times.push(clock.now()) });
    scheduler.setJobs([{ id: 'a', intervalMs: 1000 }]);
    await clock.advance(10_500);
    const phase = phaseOffset('a', 1000);
    expect(times).toEqual(Array.from({ length: times.length }, (_, i) => phase + i * 1000));
    expect(times.length).toBeGreaterThanOrEqual(10);
    scheduler.stop();
  });

  it('never runs two probes of one check at once: a slow probe skips its next slot', async () => {
    const clock = new FakeClock(0);
    let running = 0;
    let maxRunning = 0;
    let finish: (() => void) | null = null;
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 10,
      run: () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        return new Promise<void>((resolve) => {
          finish = () => {
            running--;
            resolve();
          };
        });
      },
    });
    scheduler.setJobs([{ id: 'slow', intervalMs: 1000 }]);
    await clock.advance(3_500);
    expect(maxRunning).toBe(1);
    expect(scheduler.stats().skippedOverlaps).toBeGreaterThanOrEqual(2);
    finish!();
    scheduler.stop();
  });

  it('holds probes beyond the in-flight limit and reports that the limit delayed them', async () => {
    const clock = new FakeClock(0);
    const pending: (() => void)[] = [];
    let started = 0;
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 2,
      run: () => {
        started++;
        return new Promise<void>((resolve) => pending.push(resolve));
      },
    });
    scheduler.setJobs(Array.from({ length: 5 }, (_, i) => ({ id: `j${i}`, intervalMs: 60_000 })));
    await clock.advance(59_000);
    expect(started).toBe(2);
    expect(scheduler.stats().queued).toBe(3);
    pending.shift()!();
    await clock.advance(10);
    expect(started).toBe(3);
    expect(scheduler.stats().delayedByLimit).toBe(1);
    scheduler.stop();
  });

  it('stops probing a check removed from the config', async () => {
    const clock = new FakeClock(0);
    const runs: string[] = [];
    const scheduler = new Scheduler({ clock, maxInFlight: 10, run: async (id) => void runs.push(id) });
    scheduler.setJobs([
      { id: 'keep', intervalMs: 1000 },
      { id: 'drop', intervalMs: 1000 },
    ]);
    await clock.advance(1000);
    scheduler.setJobs([{ id: 'keep', intervalMs: 1000 }]);
    runs.length = 0;
    await clock.advance(5000);
    expect(runs).not.toContain('drop');
    expect(runs.filter((r) => r === 'keep').length).toBe(5);
    scheduler.stop();
  });
});
