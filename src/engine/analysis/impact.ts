import type { ImpactRole, Status } from '../../shared/model.ts';

export interface ImpactNode {
  id: string;
  status: Status;
  dependsOn: readonly string[];
}

export interface ImpactResult {
  role: Map<string, ImpactRole>;
  /** For each impacted component: the root causes upstream of it, sorted. */
  impactedBy: Map<string, string[]>;
  /** Root causes, sorted. */
  rootCauses: string[];
}

/**
 * Nagios's DOWN versus UNREACHABLE, for a dependency graph where `depends_on` means "needs":
 * a down component with something down anywhere upstream (transitively) is `impacted`, a knock-on
 * effect; a down component with nothing down upstream is a `root_cause`. Degradation folds the
 * same way, because a slow edge makes everything behind it slow: a degraded component with
 * something down upstream is impacted by that outage; otherwise, with something degraded
 * upstream, by the degraded root (one incident for a slow region, not one per component); with
 * nothing impaired upstream it is a root cause itself. A degraded dependency never makes a down
 * component impacted: slowness does not explain an outage. Up and unknown components are
 * `healthy`. Each impacted component lists the root causes it is downstream of (through any
 * path, including through components that are themselves still up). Ids missing from the graph
 * and cycles (the config refuses them; a bug must still not hang the engine) are ignored.
 */
export function analyseImpact(nodes: readonly ImpactNode[]): ImpactResult {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const upstreamDown = upstreamWhere(byId, (s) => s === 'down');
  const upstreamImpaired = upstreamWhere(byId, (s) => s === 'down' || s === 'degraded');

  const role = new Map<string, ImpactRole>();
  const rootCauses: string[] = [];
  for (const node of nodes) {
    const impaired = node.status === 'down' || node.status === 'degraded';
    const upstream = node.status === 'down' ? upstreamDown(node.id) : upstreamImpaired(node.id);
    if (!impaired) role.set(node.id, 'healthy');
    else if (upstream.size > 0) role.set(node.id, 'impacted');
    else {
      role.set(node.id, 'root_cause');
      rootCauses.push(node.id);
    }
  }
  const impactedBy = new Map<string, string[]>();
  for (const node of nodes) {
    if (role.get(node.id) !== 'impacted') continue;
    const isRoot = (id: string) => role.get(id) === 'root_cause';
    // An outage upstream explains more than slowness does: name it when there is one.
    const down = [...upstreamDown(node.id)].filter(isRoot);
    const roots = down.length > 0 ? down : [...upstreamImpaired(node.id)].filter(isRoot);
    impactedBy.set(node.id, roots.sort());
  }
  rootCauses.sort();
  return { role, impactedBy, rootCauses };
}

/** For each id, the components upstream of it (transitively) whose status matches; memoised. */
function upstreamWhere(
  byId: ReadonlyMap<string, ImpactNode>,
  matches: (status: Status) => boolean,
): (id: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  const collect = (id: string, seen: Set<string>): Set<string> => {
    const cached = cache.get(id);
    if (cached) return cached;
    const found = new Set<string>();
    seen.add(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      const node = byId.get(dep);
      if (!node || seen.has(dep)) continue;
      if (matches(node.status)) found.add(dep);
      for (const up of collect(dep, seen)) found.add(up);
    }
    seen.delete(id);
    cache.set(id, found);
    return found;
  };
  return (id) => collect(id, new Set());
}

/**
 * Everything that depends on `id`, directly or transitively, in any region: what an outage of
 * `id` puts at risk. Sorted; never includes `id` itself.
 */
export function blastRadius(id: string, nodes: readonly Pick<ImpactNode, 'id' | 'dependsOn'>[]): string[] {
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      const list = dependents.get(dep) ?? [];
      list.push(node.id);
      dependents.set(dep, list);
    }
  }
  const seen = new Set<string>([id]);
  const queue = [id];
  while (queue.length > 0) {
    for (const next of dependents.get(queue.shift()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  seen.delete(id);
  return [...seen].sort();
}
