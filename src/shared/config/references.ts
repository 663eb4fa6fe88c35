/**
 * Cross-references between the topology, alerting and notification parts of a config. Every
 * problem is reported at the exact place (path) that names the unknown id or closes the cycle,
 * so the parser can point at file:line:column.
 *
 * Orphan checks: a component's `checks` entry naming no check is an error. A check that belongs
 * to no component is allowed (it is still alerted on, and is its own root cause), and a check
 * may belong to several components.
 */
import type { AlertRuleConfig, ReceiverConfig } from './alerts.ts';
import type { ComponentConfig, VantageConfig } from './topology.ts';
import { backupInUseIssues } from './backup-in-use.ts';

export interface ReferenceIssue {
  path: (string | number)[];
  message: string;
}

interface TopologyInput {
  regions: { id: string; sites?: { id: string }[] }[];
  checks: { id: string; type?: string }[];
  components?: ComponentConfig[];
  vantage?: VantageConfig;
  alerts?: AlertRuleConfig[];
  receivers?: ReceiverConfig[];
}

function known(ids: Iterable<string>): string {
  const list = [...ids];
  if (list.length === 0) return 'none';
  return list.length > 12 ? `${list.slice(0, 12).join(', ')}, …` : list.join(', ');
}

/**
 * Finds one cycle in a dependency graph, as the list of ids along it (first id repeated at the
 * end), or null when there is none.
 */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

export function checkReferences(config: TopologyInput): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const checkIds = new Set(config.checks.map((c) => c.id));
  const regionSites = new Map<string, Set<string>>();
  const allSites = new Set<string>();
  config.regions.forEach((region, r) => {
    const sites = new Set<string>();
    (region.sites ?? []).forEach((site, s) => {
      if (allSites.has(site.id)) {
        issues.push({ path: ['regions', r, 'sites', s, 'id'], message: `duplicate site id "${site.id}"` });
      }
      sites.add(site.id);
      allSites.add(site.id);
    });
    regionSites.set(region.id, sites);
  });

  const components = config.components ?? [];
  const checkTypes = new Map(config.checks.map((c) => [c.id, c.type ?? '']));
  const componentIds = new Set<string>();
  components.forEach((component, i) => {
    if (componentIds.has(component.id)) {
      issues.push({ path: ['components', i, 'id'], message: `duplicate component id "${component.id}"` });
    }
    componentIds.add(component.id);
  });
  components.forEach((component, i) => {
    if (component.region !== undefined && !regionSites.has(component.region)) {
      issues.push({
        path: ['components', i, 'region'],
        message: `unknown region "${component.region}"; defined regions: ${known(regionSites.keys())}`,
      });
    }
    if (component.site !== undefined) {
      const inRegion = component.region !== undefined ? regionSites.get(component.region) : undefined;
      if (inRegion && !inRegion.has(component.site)) {
        issues.push({
          path: ['components', i, 'site'],
          message: `unknown site "${component.site}" in region "${component.region}"; its sites: ${known(inRegion)}`,
        });
      } else if (!inRegion && !allSites.has(component.site)) {
        issues.push({
          path: ['components', i, 'site'],
          message: `unknown site "${component.site}"; defined sites: ${known(allSites)}`,
        });
      }
    }
    component.checks.forEach((checkId, c) => {
      if (!checkIds.has(checkId)) {
        issues.push({
          path: ['components', i, 'checks', c],
          message: `unknown check "${checkId}"; defined checks: ${known(checkIds)}`,
        });
      }
    });
    const rule = component.status_rule;
    if (typeof rule === 'object' && rule.at_least > component.checks.length) {
      issues.push({
        path: ['components', i, 'status_rule', 'at_least'],
        message: `at_least ${rule.at_least} exceeds the component's ${component.checks.length} checks`,
      });
    }
    issues.push(...backupInUseIssues(component, i, checkTypes));
    component.depends_on.forEach((dep, d) => {
      if (dep === component.id) {
        issues.push({ path: ['components', i, 'depends_on', d], message: `a component cannot depend on itself` });
      } else if (!componentIds.has(dep)) {
        issues.push({
          path: ['components', i, 'depends_on', d],
          message: `unknown component "${dep}"; defined components: ${known(componentIds)}`,
        });
      }
    });
  });

  const graph = new Map(components.map((c) => [c.id, c.depends_on.filter((d) => d !== c.id)]));
  const cycle = findCycle(graph);
  if (cycle) {
    // Point at the edge that closes the cycle: the last component's entry naming the first.
    const from = cycle[cycle.length - 2]!;
    const to = cycle[cycle.length - 1]!;
    const i = components.findIndex((c) => c.id === from);
    const d = components[i]?.depends_on.indexOf(to) ?? -1;
    issues.push({
      path: d >= 0 ? ['components', i, 'depends_on', d] : ['components', i, 'depends_on'],
      message: `depends_on forms a cycle: ${cycle.join(' → ')}`,
    });
  }

  config.vantage?.reference_checks.forEach((checkId, c) => {
    if (!checkIds.has(checkId)) {
      issues.push({
        path: ['vantage', 'reference_checks', c],
        message: `unknown check "${checkId}"; defined checks: ${known(checkIds)}`,
      });
    }
  });

  const ruleNames = new Set<string>();
  (config.alerts ?? []).forEach((rule, i) => {
    if (ruleNames.has(rule.name))
      issues.push({ path: ['alerts', i, 'name'], message: `duplicate rule "${rule.name}"` });
    ruleNames.add(rule.name);
    const onChecks = alertTargetsChecks(rule);
    const pool = onChecks ? checkIds : componentIds;
    rule.ids?.forEach((ref, r) => {
      if (!pool.has(ref)) {
        issues.push({
          path: ['alerts', i, 'ids', r],
          message: `unknown ${onChecks ? 'check' : 'component'} "${ref}"; defined: ${known(pool)}`,
        });
      }
    });
  });

  const receiverIds = new Set<string>();
  (config.receivers ?? []).forEach((receiver, i) => {
    if (receiverIds.has(receiver.id)) {
      issues.push({ path: ['receivers', i, 'id'], message: `duplicate receiver id "${receiver.id}"` });
    }
    receiverIds.add(receiver.id);
    if (receiver.type === 'webhook' && (receiver.url === undefined) === (receiver.url_env === undefined)) {
      issues.push({ path: ['receivers', i], message: 'expected exactly one of url or url_env' });
    }
  });
  return issues;
}

/** Whether a rule watches checks (rather than components), after its default. */
export function alertTargetsChecks(rule: Pick<AlertRuleConfig, 'on' | 'condition'>): boolean {
  if (rule.on !== undefined) return rule.on === 'checks';
  return rule.condition !== 'down' && rule.condition !== 'degraded';
}
