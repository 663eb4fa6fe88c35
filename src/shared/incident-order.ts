import type { IncidentView, Severity } from './model.ts';

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/**
 * The order incidents are listed in everywhere: open before resolved, then by severity, then by
 * blast radius (more impacted first), then newest first. A region's warnings must never push a
 * critical outage out of sight.
 */
export function compareIncidents(a: IncidentView, b: IncidentView): number {
  return (
    Number(b.state === 'open') - Number(a.state === 'open') ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.impacted.length - a.impacted.length ||
    b.openedAt - a.openedAt
  );
}

/** What a compact list leaves out, said by severity: "+ 2 critical, 6 warnings". */
export function describeRest(rest: readonly IncidentView[]): string | null {
  if (rest.length === 0) return null;
  const count = (s: Severity) => rest.filter((i) => i.severity === s).length;
  const parts = [
    [count('critical'), 'critical', 'critical'],
    [count('warning'), 'warning', 'warnings'],
    [count('info'), 'notice', 'notices'],
  ] as const;
  return `+ ${parts
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`)
    .join(', ')}`;
}

/**
 * What a list of limited room shows: the first `room` incidents in order, but never fewer than
 * every critical one (the wall shrinks cards rather than hide an outage); the rest are compacted
 * into a line such as "+ 6 warnings". `sorted` must be in compareIncidents order.
 */
export function splitForRoom<T extends IncidentView>(sorted: readonly T[], room: number): { shown: T[]; rest: T[] } {
  const critical = sorted.filter((i) => i.state === 'open' && i.severity === 'critical').length;
  const n = Math.max(room, critical);
  return { shown: sorted.slice(0, n), rest: sorted.slice(n) };
}
