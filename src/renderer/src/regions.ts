import type { CheckView, ComponentView, ImpactRole, RegionView, Status } from '../../shared/model.ts';
import { compareWorstFirst, STATUS_RANK, worstStatus } from './status-style.ts';

/** One region's health, from its components when it has any, else from its checks. */
export interface RegionSummary {
  id: string;
  name: string;
  region: RegionView | null;
  status: Status;
  counts: Record<Status, number>;
  total: number;
  /** Checks showing their last known state from before a restart, not probed since. */
  stale: number;
  /** Checks with a path problem (down from some vantages, up by the quorum), and those vantages' ids. */
  paths: number;
  pathVantages: string[];
  /** Worst first: what the wall lists under the region. */
  items: {
    id: string;
    name: string;
    status: Status;
    kind: 'component' | 'check';
    role?: ImpactRole;
    /** A load balancer serving from its backup: the header value that says so. */
    backup?: string;
  }[];
}

const emptyCounts = (): Record<Status, number> => ({ up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0 });

export function summariseRegions(
  regions: RegionView[],
  checks: CheckView[],
  components: ComponentView[],
): RegionSummary[] {
  const byId = new Map<string, RegionSummary>();
  const ensure = (id: string | null): RegionSummary => {
    const key = id ?? '';
    let summary = byId.get(key);
    if (!summary) {
      const region = regions.find((r) => r.id === key) ?? null;
      summary = {
        id: key,
        name: region?.name ?? (key || 'No region'),
        region,
        status: 'unknown',
        counts: emptyCounts(),
        total: 0,
        stale: 0,
        paths: 0,
        pathVantages: [],
        items: [],
      };
      byId.set(key, summary);
    }
    return summary;
  };
  for (const r of regions) ensure(r.id);
  for (const c of checks) {
    const s = ensure(c.region);
    s.counts[c.status]++;
    s.total++;
    if (c.restored) s.stale++;
    if (c.quorum?.pathProblem) {
      s.paths++;
      for (const v of c.quorum.failing) if (!s.pathVantages.includes(v)) s.pathVantages.push(v);
    }
    if (components.length === 0) s.items.push({ id: c.id, name: c.name, status: c.status, kind: 'check' });
  }
  for (const c of components) {
    ensure(c.region).items.push({
      id: c.id,
      name: c.name,
      status: c.status,
      kind: 'component',
      role: c.role,
      ...(c.backupInUse ? { backup: `${c.backupInUse.header}: ${c.backupInUse.value ?? 'absent'}` } : {}),
    });
  }
  for (const s of byId.values()) {
    s.items.sort(compareWorstFirst);
    // A check not probed yet says nothing about the region: unknown only when all are.
    const known = [...s.items.map((i) => i.status), ...statusesOf(s.counts)].filter((x) => x !== 'unknown');
    s.status = worstStatus(known);
  }
  return [...byId.values()].filter((s) => s.region !== null || s.total > 0 || s.items.length > 0);
}

function* statusesOf(counts: Record<Status, number>): Iterable<Status> {
  for (const [status, n] of Object.entries(counts) as [Status, number][]) if (n > 0) yield status;
}

/** At most this many region cards; beyond, the healthiest are summarised in one card. */
const MAX_CARDS = 16;
/**
 * Columns for n region cards in the overview's left column (wider than tall): rows and columns
 * grow together, so 8 regions are 4 by 2 and 16 are 5 by 4, and every card shares the height.
 */
export function regionColumns(n: number): number {
  return Math.max(1, Math.min(5, Math.ceil(Math.sqrt(n * 1.5))));
}

/** Worst first, config order within a status; more than MAX_CARDS and the tail becomes one summary. */
export function fitRegions<T extends { status: Status }>(list: T[]): { cards: T[]; folded: T[] } {
  const sorted = list
    .map((s, i) => ({ s, i }))
    .sort((a, b) => STATUS_RANK[a.s.status] - STATUS_RANK[b.s.status] || a.i - b.i)
    .map((x) => x.s);
  if (sorted.length <= MAX_CARDS) return { cards: sorted, folded: [] };
  return { cards: sorted.slice(0, MAX_CARDS - 1), folded: sorted.slice(MAX_CARDS - 1) };
}
