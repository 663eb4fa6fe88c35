import type { StatusRule } from '../../shared/config/topology.ts';
import type { Status } from '../../shared/model.ts';

/** How many checks must be serving (up or degraded) for the component to be up. */
export function requiredUp(rule: StatusRule, checkCount: number): number {
  if (rule === 'all') return checkCount;
  if (rule === 'any') return Math.min(1, checkCount);
  return Math.min(rule.at_least, checkCount);
}

/**
 * A component's status from its checks' statuses.
 *
 * - Serving checks (up or degraded) count towards the rule; `all` needs every check, `any` one,
 *   `{ at_least: k }` k of them.
 * - The rule met: `up`, or `degraded` when a check is degraded or down (the component works,
 *   with less margin than it should).
 * - The rule cannot be met even if every unknown check turned out up: `down`.
 * - Otherwise the answer depends on checks not yet known: `unknown`. A check in maintenance
 *   counts as unknown; a component whose checks are all in maintenance is in maintenance.
 * - A component without checks is `unknown`: nothing is known about it.
 */
export function componentStatus(rule: StatusRule, statuses: readonly Status[]): Status {
  if (statuses.length === 0) return 'unknown';
  if (statuses.every((s) => s === 'maintenance')) return 'maintenance';
  const need = requiredUp(rule, statuses.length);
  let serving = 0;
  let unknown = 0;
  let impaired = false;
  for (const status of statuses) {
    if (status === 'up') serving++;
    else if (status === 'degraded') {
      serving++;
      impaired = true;
    } else if (status === 'down') impaired = true;
    else unknown++;
  }
  if (serving >= need) return impaired ? 'degraded' : 'up';
  if (serving + unknown < need) return 'down';
  return 'unknown';
}
