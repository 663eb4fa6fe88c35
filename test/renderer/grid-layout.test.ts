import { describe, expect, it } from 'vitest';
import type { CheckView, ImpactRole, RegionView, Status } from '../../src/shared/model.ts';
import { applyCheckDelta } from '../../src/shared/board-state.ts';
import { naturalCompare } from '../../src/renderer/src/format.ts';
import {
  giveNameOrder,
  groupChecks,
  nameOrder,
  NameOrder,
  type GridGroup,
} from '../../src/renderer/src/grid-layout.ts';
import { STATUS_RANK, worstStatus } from '../../src/renderer/src/status-style.ts';
import { checkView } from '../support/board.ts';

const STATUSES: Status[] = ['up', 'up', 'up', 'degraded', 'down', 'unknown', 'maintenance'];
const region = (id: string): RegionView => ({ id, name: id.toUpperCase(), lat: 0, lon: 0, providerRegion: null });
const REGIONS = ['hk', 'sg', 'lon'].map(region);

let seed = 7;
const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

const check = (i: number, status: Status = 'up', name = `node ${i % 37} ${i}`): CheckView =>
  checkView(`c${i}`, {
    name,
    type: 'http',
    target: `https://c${i}.example`,
    region: ['hk', 'sg', 'lon', null][i % 4]!,
    status,
    since: null,
    lastProbeAt: null,
    consecutiveSuccesses: 0,
  });

/** The order the grid had before it was made linear: one comparator sort per region. */
function reference(checks: CheckView[], roles: Map<string, ImpactRole>, keep: (c: CheckView) => boolean) {
  const order = [...REGIONS.map((r) => r.id), ''];
  return order
    .map((id) => {
      const mine = checks
        .filter((c) => (c.region ?? '') === id && keep(c))
        .sort(
          (a, b) =>
            STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
            Number(roles.get(b.id) === 'root_cause') - Number(roles.get(a.id) === 'root_cause') ||
            naturalCompare(a.name, b.name),
        );
      return { id, ids: mine.map((c) => c.id), status: worstStatus(mine.map((c) => c.status)) };
    })
    .filter((g) => g.ids.length > 0)
    .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
}

describe('groupChecks', () => {
  it('orders regions worst first and checks worst first, causes ahead, names as people count', () => {
    let checks = Array.from({ length: 400 }, (_, i) => check(i, STATUSES[i % STATUSES.length]));
    const roles = new Map<string, ImpactRole>([
      ['c5', 'root_cause'],
      ['c9', 'root_cause'],
      ['c13', 'impacted'],
    ]);
    const names = new NameOrder();
    let roster = checks;
    const all = () => true;
    for (let round = 0; round < 20; round++) {
      const groups = groupChecks(checks, roster, REGIONS, roles, null, names);
      expect(groups.map((g) => ({ id: g.id, ids: g.ids, status: g.status }))).toEqual(reference(checks, roles, all));
      for (const g of groups) {
        const counted = Object.values(g.counts).reduce((a, b) => a + b, 0);
        expect(counted).toBe(g.ids.length);
      }
      // Status changes keep the roster (and the name order worked out from it)...
      const changed = Array.from({ length: 15 }, () => {
        const i = Math.floor(rand() * checks.length);
        return { ...checks[i]!, status: STATUSES[Math.floor(rand() * STATUSES.length)]! };
      });
      checks = applyCheckDelta(checks, { checks: changed, patches: [], removed: [] });
      // ...and every fifth round a check is renamed and one added: a new roster.
      if (round % 5 === 4) {
        const renamed = { ...checks[3]!, name: `node ${round} renamed` };
        checks = applyCheckDelta(checks, { checks: [renamed, check(1000 + round, 'down')], patches: [], removed: [] });
        roster = checks;
      }
    }
  });

  it('keeps only what the filter keeps, and names regions not in the config Other', () => {
    const checks = Array.from({ length: 40 }, (_, i) => check(i, STATUSES[i % STATUSES.length]));
    const keep = (c: CheckView) => c.status === 'down' || c.status === 'degraded';
    const groups = groupChecks(checks, checks, REGIONS, new Map(), keep, new NameOrder());
    expect(groups.map((g) => ({ id: g.id, ids: g.ids, status: g.status }))).toEqual(reference(checks, new Map(), keep));
    expect(groups.find((g) => g.id === '')?.name).toBe('Other');
    expect(groups.flatMap((g) => g.ids).every((id) => keep(checks.find((c) => c.id === id)!))).toBe(true);
  });
});

describe('groupChecks with check instances', () => {
  const instance = (parent: CheckView, n: number, status: Status): CheckView => ({
    ...check(500 + n, status, `10.0.0.${n}:9100`),
    id: `${parent.id}/s${n}`,
    region: parent.region,
    instanceOf: parent.id,
    labels: { instance: `10.0.0.${n}:9100` },
    target: `{instance="10.0.0.${n}:9100"}`,
  });
  const parent = { ...check(0, 'down', 'hk nodes'), instanceCounts: { total: 3, down: 1 } };
  const other = check(4, 'up', 'api');
  const kids = [instance(parent, 12, 'up'), instance(parent, 5, 'down'), instance(parent, 3, 'up')];
  const checks = [...kids, other, parent];

  it('puts each instance right after its check, worst first then by name, and counts only checks', () => {
    const [hk] = groupChecks(checks, checks, REGIONS, new Map(), null, new NameOrder());
    expect(hk!.ids).toEqual(['c0', 'c0/s5', 'c0/s3', 'c0/s12', 'c4']);
    expect(hk!.instances).toBe(3);
    expect(hk!.counts).toMatchObject({ down: 1, up: 1 });
  });

  it('finds an instance by its labels even when its check is filtered out', () => {
    const keep = (c: CheckView) => c.target.includes('10.0.0.12');
    const [hk] = groupChecks(checks, checks, REGIONS, new Map(), keep, new NameOrder());
    expect(hk!.ids).toEqual(['c0/s12']);
    expect(hk!.instances).toBe(1);
    const down = groupChecks(checks, checks, REGIONS, new Map(), (c) => c.status === 'down', new NameOrder());
    expect(down[0]!.ids).toEqual(['c0', 'c0/s5']);
  });
});

describe('groupChecks across deltas', () => {
  it('keeps the group of a region whose statuses did not change, the same object, and makes the others again', () => {
    const checks = Array.from({ length: 80 }, (_, i) => check(i, STATUSES[i % STATUSES.length]));
    const names = new NameOrder();
    const roles = new Map<string, ImpactRole>();
    const before = groupChecks(checks, checks, REGIONS, roles, null, names);
    // c1 is in sg: its status changes; every check's latency changes.
    const next = applyCheckDelta(checks, {
      checks: [],
      patches: checks.map((c) => ({
        id: c.id,
        set: c.id === 'c1' ? { status: 'down', latencyMs: 5 } : { latencyMs: 5 },
      })),
      removed: [],
    });
    const after = groupChecks(next, checks, REGIONS, roles, null, names);
    const byId = (groups: GridGroup[], id: string) => groups.find((g) => g.id === id)!;
    expect(byId(after, 'hk')).toBe(byId(before, 'hk'));
    expect(byId(after, 'lon')).toBe(byId(before, 'lon'));
    expect(byId(after, 'sg')).not.toBe(byId(before, 'sg'));
    expect(byId(after, 'sg').counts.down).toBe(byId(before, 'sg').counts.down + 1);
    expect(after.map((g) => ({ id: g.id, ids: g.ids, status: g.status }))).toEqual(reference(next, roles, () => true));
    // A filter makes every group again (what it keeps may depend on more than the status).
    const filtered = groupChecks(next, checks, REGIONS, roles, () => true, names);
    expect(byId(filtered, 'hk')).not.toBe(byId(after, 'hk'));
    expect(filtered.map((g) => g.ids)).toEqual(after.map((g) => g.ids));
  });
});

describe('a name order given from elsewhere (the stream worker)', () => {
  const checks = Array.from({ length: 60 }, (_, i) => check(i, STATUSES[i % STATUSES.length]));

  it('is the natural name order, ties in position order', () => {
    const same = [check(0, 'up', 'b'), check(1, 'up', 'a 10'), check(2, 'up', 'b'), check(3, 'up', 'a 9')];
    expect([...nameOrder(same)]).toEqual([3, 1, 0, 2]);
  });

  it('is used for those checks and later arrays with the same positions, and only for them', () => {
    // A wrong order given on purpose: that the grid follows it shows it was used, not sorted again.
    const reversed = Int32Array.from(nameOrder(checks)).reverse();
    giveNameOrder(checks, reversed);
    const names = new NameOrder();
    const patched = applyCheckDelta(checks, {
      checks: [],
      patches: [{ id: 'c4', set: { latencyMs: 2 } }],
      removed: [],
    });
    for (const board of [checks, patched]) {
      const hk = names.of(board).get('hk')!;
      expect(hk).toEqual([...reversed].filter((p) => checks[p]!.region === 'hk'));
    }
    // A new roster (a check added) is sorted afresh.
    const added = applyCheckDelta(checks, { checks: [check(500)], patches: [], removed: [] });
    const sorted = new NameOrder().of(added).get('hk')!;
    expect(sorted.map((p) => added[p]!.name)).toEqual(
      added
        .filter((c) => c.region === 'hk')
        .map((c) => c.name)
        .sort(naturalCompare),
    );
  });
});
