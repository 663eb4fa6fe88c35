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
 * effect; a down component with nothing down upstream is a `root_cause`. Anything not down is
 * `healthy` (degraded and unknown do not propagate: they are not outages). Each impacted
 * component lists the root causes it is downstream of (through any path, including through
 * components that are themselves still up). Ids missing from the graph and cycles (the config
 * refuses them; a bug must still not hang the engine) are ignored.
 */
export function analyseImpact(nodes: readonly ImpactNode[]): ImpactResult {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const upstreamDown = new Map<string, Set<string>>();
  const collect = (id: string, seen: Set<string>): Set<string> => {
    const cached = upstreamDown.get(id);
    if (cached) return cached;
    const found = new Set<string>();
    seen.add(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      const node = byId.get(dep);
      if (!node || seen.has(dep)) continue;
      if (node.status === 'down') found.add(dep);
      for (const up of collect(dep, seen)) found.add(up);
    }
    seen.delete(id);
    upstreamDown.set(id, found);
    return found;
  };

  const role = new Map<string, ImpactRole>();
  const impactedBy = new Map<string, string[]>();
  const rootCauses: string[] = [];
  for (const node of nodes) {
    if (node.status !== 'down') {
      role.set(node.id, 'healthy');
      continue;
    }
    const upstream = collect(node.id, new Set());
    if (upstream.size === 0) {
      role.set(node.id, 'root_cause');
      rootCauses.push(node.id);
    } else {
      role.set(node.id, 'impacted');
    }
  }
  for (const node of nodes) {
    if (role.get(node.id) !== 'impacted') continue;
    const roots = [...collect(node.id, new Set())].filter((id) => role.get(id) === 'root_cause').sort();
    impactedBy.set(node.id, roots);
  }
  rootCauses.sort();
  return { role, impactedBy, rootCauses };
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
