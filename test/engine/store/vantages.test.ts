import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { DB_FILE, HistoryModule, type HistoryStore } from '../../../src/engine/store/index.ts';
import { storeVantage } from '../../../src/engine/store/history-rpc.ts';
import type { CheckUpdate } from '../../../src/engine/engine.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { T0, openStore, result, tempDir } from './helpers.ts';
import { ADMIN } from '../../support/actors.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

const from = (vantage: string | undefined, r: ProbeResult): ProbeResult =>
  vantage === undefined ? r : { ...r, vantage };

describe('history per (check, vantage)', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: HistoryStore;
  const now = T0 + 3 * HOUR;

  beforeEach(() => {
    dir = tempDir();
    clock = new FakeClock(now);
    store = openStore(dir.path, clock, { timers: false }).store;
  });

  afterEach(() => {
    store.close();
    dir.remove();
  });

  /** One minute of hk-lb from here (10 ms, up) and from sg (100..190 ms, every other one down). */
  function twoVantages(t: number): void {
    for (let i = 0; i < 6; i++) {
      store.record(result('hk-lb', t + i * 10_000, 10));
      store.record(from('sg', result('hk-lb', t + i * 10_000 + 1, i % 2 ? null : 100 + i * 45, i % 2 === 0)));
    }
    store.flush();
  }

  it('keeps each vantage’s results apart and tells them apart in recent()', () => {
    twoVantages(now - 30 * MIN);
    expect(store.recent('hk-lb', 100, '')).toHaveLength(6);
    expect(store.recent('hk-lb', 100, '').every((r) => !('vantage' in r))).toBe(true);
    expect(store.recent('hk-lb', 100, 'sg').every((r) => r.vantage === 'sg')).toBe(true);
    expect(store.recent('hk-lb', 100, 'tokyo')).toEqual([]);
    // Every vantage together, newest first, cut to the limit.
    const all = store.recent('hk-lb', 4);
    expect(all.map((r) => [r.startedAt - (now - 30 * MIN), r.vantage])).toEqual([
      [50_001, 'sg'],
      [50_000, undefined],
      [40_001, 'sg'],
      [40_000, undefined],
    ]);
  });

  it('stores the vantage in the check key, not in every row, and keeps observerOffline', () => {
    store.record({ ...from('sg', result('hk-lb', now, 5)), observerOffline: true });
    store.flush();
    const db = new DatabaseSync(join(dir.path, DB_FILE), { readOnly: true });
    expect(db.prepare('SELECT id, vantage FROM checks').all()).toEqual([{ id: 'hk-lb', vantage: 'sg' }]);
    expect(db.prepare('SELECT details FROM results').get()).toEqual({ details: '{"observerOffline":true}' });
    db.close();
    expect(store.recent('hk-lb', 1)).toEqual([{ ...from('sg', result('hk-lb', now, 5)), observerOffline: true }]);
  });

  it('refuses a result whose vantage is not text rather than file it under the wrong observer', () => {
    store.record({ ...result('hk-lb', now, 5), vantage: 7 as unknown as string });
    store.record(result('hk-lb', now + 1, 6));
    expect(store.flush()).toBe(1);
    expect(store.stats().malformed).toBe(1);
  });

  it('answers series and availability per vantage, and for all vantages together', () => {
    const t = now - 30 * MIN;
    twoVantages(t);
    const [local] = store.series('hk-lb', '1h', 60, now, '');
    expect(local).toMatchObject({ t, count: 6, failures: 0, min: 10, max: 10, p95: 10 });
    const [sg] = store.series('hk-lb', '1h', 60, now, 'sg');
    // Up at 100, 190 and 280 ms.
    expect(sg).toMatchObject({ t, count: 6, failures: 3, min: 100, avg: 190, max: 280, p50: 190, p95: 280 });
    const [both] = store.series('hk-lb', '1h', 60, now);
    expect(both).toEqual({
      t,
      count: 12,
      failures: 3,
      availability: 0.75,
      min: 10,
      // Weighted by the number of latencies: (6 × 10 + 570) / 9.
      avg: 70,
      max: 280,
      // Of all nine latencies together (merged histograms): the 5th is 10, the 9th 280.
      p50: 10,
      p95: 280,
      p99: 280,
    });
    expect(store.availability('hk-lb', '1h', now, '')).toBe(1);
    expect(store.availability('hk-lb', '1h', now, 'sg')).toBe(0.5);
    expect(store.availability('hk-lb', '1h', now)).toBe(0.75);
    expect(store.availability('hk-lb', '1h', now, 'tokyo')).toBeNull();
    expect(store.series('hk-lb', '1h', 60, now, 'tokyo')).toEqual([]);
    expect(store.availabilityAll('1h', now)).toEqual(new Map([['hk-lb', 0.75]]));
  });

  it('rolls each vantage up on its own, late results included, and reads the same from rollups', () => {
    const t = now - 2 * HOUR;
    twoVantages(t);
    while (store.maintain(now, 1_000));
    const fromRollups = (vantage?: string) => store.series('hk-lb', '24h', 1_440, now, vantage);
    expect(fromRollups('')).toMatchObject([{ t, count: 6, failures: 0, max: 10 }]);
    expect(fromRollups('sg')).toMatchObject([{ t, count: 6, failures: 3, max: 280 }]);
    expect(fromRollups()).toMatchObject([{ t, count: 12, failures: 3, min: 10, max: 280, avg: 70 }]);

    // A late result from sg for a minute rolled up already: only sg's rollup changes.
    store.record(from('sg', result('hk-lb', t + 55_000, 500)));
    store.flush();
    store.maintain(now, 1_000);
    expect(fromRollups('sg')).toMatchObject([{ t, count: 7, failures: 3, max: 500 }]);
    expect(fromRollups('')).toMatchObject([{ t, count: 6, max: 10 }]);
    expect(store.series('hk-lb', '30d', 720, now, 'sg')).toMatchObject([{ count: 7, max: 500 }]);
    expect(store.availability('hk-lb', '7d', now, 'sg')).toBeCloseTo(4 / 7, 10);
  });

  it('prunes every vantage’s raw results by age alike', () => {
    store.setRetention({ raw: 2 * HOUR, minute: 24 * HOUR, hour: 48 * HOUR });
    twoVantages(now - 150 * MIN);
    twoVantages(now - 30 * MIN);
    while (store.maintain(now, 1_000));
    expect(store.recent('hk-lb', 100, '')).toHaveLength(6);
    expect(store.recent('hk-lb', 100, 'sg')).toHaveLength(6);
    // The old minute is still there, rolled up.
    expect(store.series('hk-lb', '24h', 1_440, now, 'sg')).toHaveLength(2);
  });
});

describe('the history module and the board’s vantage ids', () => {
  let dir: ReturnType<typeof tempDir>;
  let module: HistoryModule<HistoryStore>;
  let rpc: RpcRegistry;
  const now = T0;

  function config() {
    const outcome = parseConfigText(
      JSON.stringify({
        vantage: { id: 'hk-noc' },
        vantages: [{ id: 'sg' }],
        checks: [{ id: 'hk-lb', type: 'tcp', host: '127.0.0.1', port: 1, vantages: ['hk-noc', 'sg'] }],
      }),
      'test.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    return outcome.config;
  }

  beforeEach(() => {
    dir = tempDir();
    rpc = new RpcRegistry();
    const { store } = openStore(dir.path, new FakeClock(now), { timers: false });
    module = new HistoryModule(store, () => {}, rpc);
    module.onConfig(config(), []);
  });

  afterEach(() => {
    module.stop();
    dir.remove();
  });

  const update = (r: ProbeResult) =>
    ({
      result: r,
      check: { id: r.checkId },
      state: {},
      own: { status: 'up' },
      view: {},
      now: r.startedAt,
    }) as unknown as CheckUpdate;

  it('maps this machine’s configured id to the store’s own, agents’ ids to themselves, others to nothing', () => {
    const known = { local: 'hk-noc', remote: new Set(['sg']) };
    expect(storeVantage(undefined, known)).toBeUndefined();
    expect(storeVantage('hk-noc', known)).toBe('');
    expect(storeVantage('sg', known)).toBe('sg');
    expect(storeVantage('tokyo', known)).toBeNull();
    expect(storeVantage('', known)).toBeNull();
  });

  it('stores this machine’s results as its own even when they name its id, and answers per vantage', async () => {
    module.onCheckUpdate(update(result('hk-lb', now - 3_000, 10)));
    module.onCheckUpdate(update(from('hk-noc', result('hk-lb', now - 2_000, 11))));
    module.onCheckUpdate(update(from('sg', result('hk-lb', now - 1_000, null, false))));
    module.store.flush();
    expect(module.store.recent('hk-lb', 10, '')).toHaveLength(2);

    const recent = (vantage?: string) =>
      rpc.dispatch(
        'history.recent',
        { checkId: 'hk-lb', limit: 10, ...(vantage ? { vantage } : {}) },
        ADMIN,
      ) as Promise<ProbeResult[]>;
    expect((await recent()).map((r) => r.vantage)).toEqual(['sg', undefined, undefined]);
    expect((await recent('hk-noc')).map((r) => r.latencyMs)).toEqual([11, 10]);
    expect((await recent('sg')).map((r) => r.vantage)).toEqual(['sg']);
    expect(await recent('tokyo')).toEqual([]);

    const availability = (vantage?: string) =>
      rpc.dispatch('history.availability', { checkId: 'hk-lb', range: '1h', ...(vantage ? { vantage } : {}) }, ADMIN);
    expect(await availability()).toBeCloseTo(2 / 3, 10);
    expect(await availability('hk-noc')).toBe(1);
    expect(await availability('sg')).toBe(0);
    expect(await availability('tokyo')).toBeNull();
    const series = (vantage: string) =>
      rpc.dispatch('history.series', { checkId: 'hk-lb', range: '1h', points: 60, vantage }, ADMIN) as Promise<
        unknown[]
      >;
    expect(await series('sg')).toHaveLength(1);
    expect(await series('tokyo')).toEqual([]);
  });
});
