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

  it('with a timeout longer than the interval, a hanging probe skips (and counts) the slots it covers', async () => {
    // 8 s timeout, 5 s interval: each probe hangs to its timeout; the 5 s slot is skipped.
    const clock = new FakeClock(0);
    const starts: number[] = [];
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 10,
      run: () => {
        starts.push(clock.now());
        return new Promise<void>((resolve) => clock.setTimeout(resolve, 8_000));
      },
    });
    scheduler.setJobs([{ id: 'hung', intervalMs: 5_000 }]);
    const phase = phaseOffset('hung', 5_000);
    await clock.advance(phase + 29_999);
    expect(starts).toEqual([phase, phase + 10_000, phase + 20_000]);
    expect(scheduler.stats().skippedOverlaps).toBe(3);
    expect(scheduler.skippedOf('hung')).toBe(3);
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

describe('scheduler: re-timing, limits and restarts', () => {
  it('re-times one job to a faster interval and back, leaving the others on their grid', async () => {
    const clock = new FakeClock(0);
    const runs: { id: string; at: number }[] = [];
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 10,
      run: async (id) => void runs.push({ id, at: clock.now() }),
    });
    scheduler.setJobs([
      { id: 'changing', intervalMs: 10_000 },
      { id: 'steady', intervalMs: 10_000 },
    ]);
    await clock.advance(10_000);
    const firstRun = runs.find((r) => r.id === 'changing')!.at;
    scheduler.retime('changing', 1_000);
    expect(scheduler.intervalOf('changing')).toBe(1_000);
    runs.length = 0;
    await clock.advance(10_000);
    const fast = runs.filter((r) => r.id === 'changing').map((r) => r.at);
    expect(fast.length).toBeGreaterThanOrEqual(9);
    expect(fast[0]).toBe(Math.max(10_000, firstRun + 1_000));
    expect(fast.slice(1).every((t, i) => t - fast[i]! === 1_000)).toBe(true);
    expect(runs.filter((r) => r.id === 'steady').map((r) => r.at)).toEqual([phaseOffset('steady', 10_000) + 10_000]);

    scheduler.retime('changing', 10_000);
    runs.length = 0;
    await clock.advance(20_000);
    expect(runs.filter((r) => r.id === 'changing').length).toBe(2);
    scheduler.stop();
  });

  it('keeps a re-timed interval when the config is re-applied unchanged', async () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler({ clock, maxInFlight: 10, run: async () => {} });
    scheduler.setJobs([{ id: 'a', intervalMs: 10_000 }]);
    await clock.advance(10_000);
    scheduler.retime('a', 1_000);
    scheduler.setJobs([{ id: 'a', intervalMs: 10_000 }]);
    expect(scheduler.intervalOf('a')).toBe(1_000);
    scheduler.stop();
  });

  it('starts waiting probes at once when the in-flight limit is raised, and reports the limit', async () => {
    const clock = new FakeClock(0);
    let started = 0;
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 1,
      run: () => {
        started++;
        return new Promise<void>(() => {});
      },
    });
    scheduler.setJobs(Array.from({ length: 4 }, (_, i) => ({ id: `j${i}`, intervalMs: 60_000 })));
    await clock.advance(59_000);
    expect(started).toBe(1);
    expect(scheduler.stats()).toMatchObject({ maxInFlight: 1, queued: 3 });
    scheduler.setMaxInFlight(10);
    expect(started).toBe(4);
    expect(scheduler.stats()).toMatchObject({ maxInFlight: 10, queued: 0, delayedByLimit: 3 });
    scheduler.stop();
  });

  it('after a restart, probes every check within one interval, at the same phases as before', async () => {
    const clock = new FakeClock(0);
    const jobs = Array.from({ length: 200 }, (_, i) => ({ id: `check-${i}`, intervalMs: 5_000 }));
    const first = new Scheduler({ clock, maxInFlight: 1000, run: async () => {} });
    first.setJobs(jobs);
    await clock.advance(7_300);
    first.stop();
    const restartedAt = clock.now();
    const starts = new Map<string, number>();
    const second = new Scheduler({
      clock,
      maxInFlight: 1000,
      run: async (id) => void (starts.has(id) || starts.set(id, clock.now())),
    });
    second.setJobs(jobs);
    await clock.advance(5_000);
    expect(starts.size).toBe(200);
    for (const [id, at] of starts) expect(at - restartedAt).toBe(phaseOffset(id, 5_000));
    second.stop();
  });

  it('never probes again after stop', async () => {
    const clock = new FakeClock(0);
    let runs = 0;
    const scheduler = new Scheduler({ clock, maxInFlight: 10, run: async () => void runs++ });
    scheduler.setJobs([{ id: 'a', intervalMs: 1_000 }]);
    await clock.advance(1_000);
    const before = runs;
    scheduler.stop();
    await clock.advance(10_000);
    expect(runs).toBe(before);
  });
});

describe('scheduler: lag histogram', () => {
  it('counts every start lag per millisecond since start, beyond the 4,096-start window', async () => {
    const clock = new FakeClock(0);
    const release: (() => void)[] = [];
    const scheduler = new Scheduler({
      clock,
      maxInFlight: 1,
      run: () => new Promise<void>((resolve) => release.push(resolve)),
    });
    scheduler.setJobs([
      { id: 'a', intervalMs: 60_000 },
      { id: 'b', intervalMs: 60_000 },
    ]);
    await clock.advance(60_000);
    // One ran on time; the other waits for the single slot, released 7 ms later.
    await clock.advance(7);
    release.shift()!();
    await clock.advance(0);
    const histogram = scheduler.lagHistogram();
    expect(histogram.reduce((a, b) => a + b, 0)).toBe(2);
    expect(histogram[0]).toBe(1);
    expect(histogram.findIndex((n, ms) => ms > 0 && n > 0)).toBeGreaterThanOrEqual(7);
    scheduler.stop();
  });
});
