import type { CheckView, ImpactRole, RegionView, Status } from '../../shared/model.ts';
import { naturalCompare } from './format.ts';
import { STATUS_RANK, worstStatus } from './status-style.ts';

/** One region's section of the grid: its checks in the order shown, and what its heading counts. */
export interface GridGroup {
  id: string;
  name: string;
  ids: string[];
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

  of(roster: readonly CheckView[]): ReadonlyMap<string, readonly number[]> {
    if (roster !== this.roster) {
      this.roster = roster;
      this.byRegion = new Map();
      const sorted = roster.map((_, i) => i).sort((a, b) => naturalCompare(roster[a]!.name, roster[b]!.name));
      for (const position of sorted) {
        const region = roster[position]!.region ?? '';
        const list = this.byRegion.get(region);
        if (list) list.push(position);
        else this.byRegion.set(region, [position]);
      }
    }
    return this.byRegion;
  }
}

const RANKS = Object.keys(STATUS_RANK).length;

/**
 * Checks grouped by region, worst region first (config order among equals); in each, worst
 * check first, the root cause's checks ahead of their knock-ons, then names as people count.
 * Linear in the checks and free of comparisons: walking them in name order and dropping each
 * into its (status, cause) bucket keeps the name order inside every bucket. `roster` is the
 * array `checks` has the same positions as (the store's `rosterChecks`).
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
  const causes = roles.size > 0;
  const groups: GridGroup[] = [];
  for (const id of new Set([...regions.map((r) => r.id), ...byRegion.keys()])) {
    const positions = byRegion.get(id);
    if (!positions) continue;
    const buckets: string[][] = Array.from({ length: RANKS * 2 }, () => []);
    const counts: Record<Status, number> = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0 };
    for (const position of positions) {
      const check = checks[position]!;
      if (keep && !keep(check)) continue;
      buckets[STATUS_RANK[check.status] * 2 + (causes && roles.get(check.id) === 'root_cause' ? 0 : 1)]!.push(check.id);
      counts[check.status]++;
    }
    const ids = buckets.flat();
    if (ids.length === 0) continue;
    groups.push({
      id,
      name: regions.find((r) => r.id === id)?.name ?? (id || 'Other'),
      ids,
      counts,
      status: worstStatus((Object.keys(counts) as Status[]).filter((s) => counts[s] > 0)),
    });
  }
  // A stable sort: config order among regions as bad as each other.
  return groups.sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
}
