import { checkById, knownPositions } from '../../shared/board-state.ts';
import type { CheckView, ImpactRole, RegionView, Status } from '../../shared/model.ts';
import { naturalKey } from './format.ts';
import { STATUS_RANK, worstStatus } from './status-style.ts';

/** One region's section of the grid: its checks in the order shown, and what its heading counts. */
export interface GridGroup {
  id: string;
  name: string;
  ids: string[];
  /** How many of `ids` are check instances (each right after its check, or where it would be). */
  instances: number;
  /** The checks' statuses (instances are counted on their check's tile, not here). */
  counts: Record<Status, number>;
  status: Status;
}

/**
 * Each region's checks, as positions in natural name order ("node 3" before "node 27"), worked
 * out once per roster (the store's `rosterChecks`: the same array until a check is added,
 * removed, renamed or moved, and until then every later array has the same checks at the same
 * positions). A status change re-sorts nothing.
 */
export class NameOrder {
  private roster: readonly CheckView[] | null = null;
  private byRegion = new Map<string, number[]>();
  private byParent = new Map<string, number[]>();
  /** Each region's last group and what it was made from (see `groupChecks`), for this roster. */
  readonly groups = new Map<string, RegionMemo>();

  /** The checks' positions by region (instances apart: see `instancesOf`). */
  of(roster: readonly CheckView[]): ReadonlyMap<string, readonly number[]> {
    this.sort(roster);
    return this.byRegion;
  }

  /** Check instances' positions by the check they belong to, in name order. */
  instancesOf(roster: readonly CheckView[]): ReadonlyMap<string, readonly number[]> {
    this.sort(roster);
    return this.byParent;
  }

  private sort(roster: readonly CheckView[]): void {
    if (roster === this.roster) return;
    this.roster = roster;
    this.groups.clear();
    this.byRegion = new Map();
    this.byParent = new Map();
    const index = knownPositions(roster);
    const given = index && givenOrders.get(index);
    const sorted = given && given.length === roster.length ? given : nameOrder(roster);
    for (const position of sorted) {
      const check = roster[position]!;
      const key = check.instanceOf ?? check.region ?? '';
      const into = check.instanceOf !== undefined ? this.byParent : this.byRegion;
      const list = into.get(key);
      if (list) list.push(position);
      else into.set(key, [position]);
    }
  }
}

/**
 * The checks' positions in natural name order. Each name's key is worked out once, not twice per
 * comparison (10,000 checks: 260,000 comparisons). The stream's worker does this for a snapshot
 * (see `giveNameOrder`), so the page does not on connecting.
 */
export function nameOrder(checks: readonly Pick<CheckView, 'name'>[]): Int32Array {
  const keys = checks.map((c) => naturalKey(c.name));
  return Int32Array.from(checks, (_, i) => i).sort((a, b) =>
    keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b,
  );
}

/** Name orders worked out elsewhere, by the position index of the checks they are for. */
const givenOrders = new WeakMap<ReadonlyMap<string, number>, Int32Array>();

/**
 * `order` is `nameOrder(checks)`, worked out elsewhere (in the stream's worker): NameOrder uses
 * it for these checks and for any later array with the same ids at the same positions.
 */
export function giveNameOrder(checks: readonly CheckView[], order: Int32Array): void {
  // Indexing the array here: the first tile would otherwise (`checkById`).
  if (checks.length > 0) checkById(checks, checks[0]!.id);
  const index = knownPositions(checks);
  if (index) givenOrders.set(index, order);
}

/** A region's group as last made: kept while its checks' statuses, the roles and the region's name stay. */
interface RegionMemo {
  group: GridGroup | null;
  statuses: Status[];
  roles: ReadonlyMap<string, ImpactRole>;
  name: string;
}

const RANKS = Object.keys(STATUS_RANK).length;

/**
 * Checks grouped by region, worst region first (config order among equals); in each, worst
 * check first, the root cause's checks ahead of their knock-ons, then names as people count.
 * Linear in the checks and free of comparisons: walking them in name order and dropping each
 * into its (status, cause) bucket keeps the name order inside every bucket. `roster` is the
 * array `checks` has the same positions as (the store's `rosterChecks`). A check's instances
 * follow it, worst first, and move with it; those a filter keeps are shown even when their check
 * is not (searching for one instance's label finds it). Without a filter, a region whose checks'
 * statuses are as last time keeps its group object (`names` remembers them).
 */
export function groupChecks(
  checks: readonly CheckView[],
  roster: readonly CheckView[],
  regions: readonly RegionView[],
  roles: ReadonlyMap<string, ImpactRole>,
  keep: ((check: CheckView) => boolean) | null,
  names: NameOrder,
): GridGroup[] {
  const byRegion = names.of(roster);
  const byParent = names.instancesOf(roster);
  const causes = roles.size > 0;
  const groups: GridGroup[] = [];
  for (const id of new Set([...regions.map((r) => r.id), ...byRegion.keys()])) {
    const positions = byRegion.get(id);
    if (!positions) continue;
    const name = regions.find((r) => r.id === id)?.name ?? (id || 'Other');
    // Without a filter or instances a region's group follows from its checks' statuses alone:
    // a region where none changed keeps its group, the same object (its section does not render).
    const memo = !keep && byParent.size === 0 ? names.groups.get(id) : undefined;
    if (memo && memo.roles === roles && memo.name === name && sameStatuses(memo.statuses, positions, checks)) {
      if (memo.group) groups.push(memo.group);
      continue;
    }
    const buckets: string[][] = Array.from({ length: RANKS * 2 }, () => []);
    const counts: Record<Status, number> = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0 };
    let instances = 0;
    for (const position of positions) {
      const check = checks[position]!;
      const shown = !keep || keep(check);
      // Nothing looked up or made per check that has no instances (most boards have none).
      const own = byParent.size > 0 ? byParent.get(check.id) : undefined;
      const kids = own ? worstFirst(own, checks, keep) : null;
      if (!shown && !kids?.length) continue;
      const bucket = buckets[STATUS_RANK[check.status] * 2 + (causes && roles.get(check.id) === 'root_cause' ? 0 : 1)]!;
      if (shown) {
        bucket.push(check.id);
        counts[check.status]++;
      }
      if (kids) {
        bucket.push(...kids);
        instances += kids.length;
      }
    }
    const ids = buckets.flat();
    const group: GridGroup | null =
      ids.length === 0
        ? null
        : {
            id,
            name,
            ids,
            instances,
            counts,
            status: worstStatus((Object.keys(counts) as Status[]).filter((s) => counts[s] > 0)),
          };
    if (!keep && byParent.size === 0)
      names.groups.set(id, { group, statuses: positions.map((p) => checks[p]!.status), roles, name });
    if (group) groups.push(group);
  }
  // A stable sort: config order among regions as bad as each other.
  return groups.sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
}

function sameStatuses(
  statuses: readonly Status[],
  positions: readonly number[],
  checks: readonly CheckView[],
): boolean {
  for (let i = 0; i < positions.length; i++) if (checks[positions[i]!]!.status !== statuses[i]) return false;
  return true;
}

/** Instances' ids, worst first and in name order among equals (positions come in name order). */
function worstFirst(
  positions: readonly number[],
  checks: readonly CheckView[],
  keep: ((check: CheckView) => boolean) | null,
): string[] {
  const buckets: string[][] = Array.from({ length: RANKS }, () => []);
  for (const position of positions) {
    const instance = checks[position]!;
    if (!keep || keep(instance)) buckets[STATUS_RANK[instance.status]]!.push(instance.id);
  }
  return buckets.flat();
}
