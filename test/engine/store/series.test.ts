import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../../src/engine/store/index.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, result, tempDir } from './helpers.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One result every `every` ms over [from, to), latency from `latency(t)`, failing where `fails(t)`. */
function steady(
  checkId: string,
  from: number,
  to: number,
  every: number,
  latency: (t: number) => number = () => 20,
  fails: (t: number) => boolean = () => false,
): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (let t = from; t < to; t += every) out.push(result(checkId, t, fails(t) ? null : latency(t), !fails(t)));
  return out;
}

describe('history queries', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  const now = T0 + 10 * DAY;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(now);
    store = openStore(dir.path, clock, { timers: false }).store;
  });

  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('downsamples an hour of raw results to at most the points asked for, counting every result', () => {
    store.importResults(steady('hk-lb', now - HOUR, now, 10_000));
    const series = store.series('hk-lb', '1h', 12, now);
    expect(series.length).toBeLessThanOrEqual(12);
    expect(series.length).toBeGreaterThanOrEqual(11);
    expect(series.reduce((n, p) => n + p.count, 0)).toBeGreaterThan(330);
    // Buckets sit on a 5-minute grid, so a chart polled again keeps its grid.
    expect(series.every((p) => p.t % (5 * MIN) === 0)).toBe(true);
    expect(series.every((p) => p.p95 === 20 && p.availability === 1)).toBe(true);
  });

  it('shows failures and the slow tail of each bucket exactly when read from raw results', () => {
    const from = Math.floor((now - HOUR) / (5 * MIN)) * 5 * MIN + 5 * MIN;
    store.importResults(steady('hk-lb', from, from + 5 * MIN, 1_000, (t) => ((t - from) / 1_000) % 100));
    store.importResults([result('hk-lb', from + 500, null, false)]);
    const [point] = store.series('hk-lb', '1h', 12, now);
    expect(point).toEqual({
      t: from,
      count: 301,
      failures: 1,
      availability: 300 / 301,
      min: 0,
      avg: 49.5,
      max: 99,
      p50: 49,
      p95: 94,
      p99: 98,
    });
  });

  it('reads 24 h from minute rollups and the minutes not rolled up yet from raw results', () => {
    store.importResults(steady('hk-lb', now - 3 * HOUR, now, 10_000));
    store.maintain(now - 2 * MIN);
    store.record(result('hk-lb', now - 1_000, 999));
    store.flush();
    const series = store.series('hk-lb', '24h', 24 * 60, now);
    const newest = series.at(-1)!;
    expect(newest.t).toBe(Math.floor((now - 1_000) / MIN) * MIN);
    expect(newest.max).toBe(999);
    // Nothing counted twice where rollups and raw results meet.
    expect(series.reduce((n, p) => n + p.count, 0)).toBe(3 * 360 + 1);
  });

  it('merges rollups into day buckets with exact counts and min/max, and percentiles of the whole day', () => {
    const start = Math.floor((now - 7 * DAY) / DAY) * DAY + DAY;
    // Day 1 is fast except one slow minute (6 of 360 results): the day's p99 shows it, its p95 not.
    store.importResults(steady('hk-lb', start, start + HOUR, 10_000, (t) => (t < start + MIN ? 800 : 20)));
    store.importResults(
      steady(
        'hk-lb',
        start + DAY,
        start + DAY + HOUR,
        10_000,
        () => 30,
        (t) => t % 60_000 === 0,
      ),
    );
    while (store.maintain(now));
    const series = store.series('hk-lb', '7d', 7, now);
    expect(series.map((p) => p.t)).toEqual([start, start + DAY]);
    const [day1, day2] = series;
    expect(day1).toMatchObject({ count: 360, failures: 0, min: 20, max: 800, p95: 20, p99: 800 });
    expect(day2).toMatchObject({ count: 360, failures: 60, availability: 300 / 360, avg: 30 });
  });

  it('reads 30 days from hour rollups', () => {
    const start = Math.floor((now - 20 * DAY) / HOUR) * HOUR;
    store.importResults(steady('hk-lb', start, start + 2 * HOUR, 60_000));
    while (store.maintain(now));
    const series = store.series('hk-lb', '30d', 30, now);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ count: 120, t: Math.floor(start / DAY) * DAY });
  });

  it('leaves empty buckets out rather than showing made-up zeros', () => {
    store.importResults(steady('hk-lb', now - HOUR, now - 50 * MIN, 10_000));
    store.importResults(steady('hk-lb', now - 10 * MIN, now, 10_000));
    const series = store.series('hk-lb', '1h', 60, now);
    expect(series.every((p) => p.count > 0)).toBe(true);
    expect(series.length).toBeLessThan(25);
  });

  it('gives availability over a range, ignoring probe_error results, and null without data', () => {
    store.importResults(
      steady(
        'hk-lb',
        now - 2 * DAY,
        now,
        60_000,
        () => 5,
        (t) => t % (10 * MIN) === 0,
      ),
    );
    store.importResults([{ ...result('hk-lb', now - 5_000, null, false), errorClass: 'probe_error' }]);
    while (store.maintain(now));
    expect(store.availability('hk-lb', '24h', now)).toBeCloseTo(0.9, 2);
    expect(store.availability('hk-lb', '1h', now)).toBeCloseTo(0.9, 2);
    expect(store.availability('unknown-check', '24h', now)).toBeNull();
    expect(store.availabilityAll('24h', now).get('hk-lb')).toBeCloseTo(0.9, 2);
  });

  it('gives availability of every check at once', () => {
    store.importResults(steady('a', now - HOUR, now, 60_000));
    store.importResults(
      steady(
        'b',
        now - HOUR,
        now,
        60_000,
        () => 1,
        () => true,
      ),
    );
    while (store.maintain(now));
    expect(Object.fromEntries(store.availabilityAll('7d', now))).toEqual({ a: 1, b: 0 });
  });
});
