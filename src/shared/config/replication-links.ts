/**
 * Replication has a direction: a replica needs its primary. A data-tier check that names its
 * `primary` check makes every component holding the replica depend on every component holding
 * the primary, so a primary outage folds the replica (and whatever reads from it) into the
 * primary's incident without writing the dependency twice.
 */
import type { ComponentConfig } from './topology.ts';

interface CheckLike {
  id: string;
  primary?: string | undefined;
}

/** The components with the dependencies their replica checks imply added (explicit ones first, no duplicates). */
export function withReplicationLinks(
  components: readonly ComponentConfig[],
  checks: readonly CheckLike[],
): ComponentConfig[] {
  const primaryOf = new Map<string, string>();
  for (const c of checks) if ('primary' in c && c.primary) primaryOf.set(c.id, c.primary);
  if (primaryOf.size === 0) return [...components];
  const holders = new Map<string, string[]>();
  for (const component of components) {
    for (const id of component.checks) holders.set(id, [...(holders.get(id) ?? []), component.id]);
  }
  return components.map((component) => {
    const implied = component.checks.flatMap((id) => {
      const primary = primaryOf.get(id);
      return primary ? (holders.get(primary) ?? []) : [];
    });
    const extra = implied.filter((id) => id !== component.id && !component.depends_on.includes(id));
    return extra.length === 0 ? component : { ...component, depends_on: [...component.depends_on, ...new Set(extra)] };
  });
}
