/**
 * Turns alert rules and the live picture into evaluation inputs: one candidate per (rule,
 * subject), with whether its condition holds now, its value, and whether it is held (flapping,
 * vantage offline).
 */
import { alertTargetsChecks } from '../../shared/config/references.ts';
import type { AlertRuleConfig } from '../../shared/config/alerts.ts';
import type { PromSeries } from '../../shared/model.ts';
import type { SubjectRef, Topology } from '../analysis/topology.ts';
import type { AlertCandidate, AlertInstance } from './evaluate.ts';
import { average, percentile, type LatencyWindows } from './latency-window.ts';

export function subjectsOf(rule: AlertRuleConfig, topology: Topology): SubjectRef[] {
  const kind = alertTargetsChecks(rule) ? 'check' : 'component';
  const all = kind === 'check' ? topology.checkIds() : topology.componentIds();
  const ids = rule.ids ? rule.ids.filter((id) => all.includes(id)) : all;
  return ids.map((id) => ({ kind, id }));
}

/** The rule's subjects among `only` (`kind:id` keys): what one result can have changed. */
function subjectsIn(rule: AlertRuleConfig, only: ReadonlySet<string>, topology: Topology): SubjectRef[] {
  const kind = alertTargetsChecks(rule) ? 'check' : 'component';
  const out: SubjectRef[] = [];
  for (const key of only) {
    const subject: SubjectRef = {
      kind: key.startsWith('check:') ? 'check' : 'component',
      id: key.slice(key.indexOf(':') + 1),
    };
    if (subject.kind !== kind || !topology.describe(subject)) continue;
    if (rule.ids && !rule.ids.includes(subject.id)) continue;
    out.push(subject);
  }
  return out;
}

export function alertKey(rule: string, subject: SubjectRef): string {
  return `${rule}/${subject.kind}:${subject.id}`;
}

/** Whether the rule's condition holds for the subject now, and the value shown as {{ $value }}. */
export function condition(
  rule: AlertRuleConfig,
  subject: SubjectRef,
  topology: Topology,
  latencies: LatencyWindows,
  now: number,
): { active: boolean; value: number | null } {
  const described = topology.describe(subject);
  if (!described) return { active: false, value: null };
  const checks = topology.checksOf(subject);
  switch (rule.condition) {
    case 'down':
      return { active: described.status === 'down', value: described.status === 'down' ? 1 : 0 };
    case 'degraded':
      return { active: described.status === 'degraded', value: described.status === 'degraded' ? 1 : 0 };
    case 'latency': {
      const values = latencies.values(checks, now, rule.window);
      const value = rule.stat === 'avg' ? average(values) : percentile(values, 95);
      return {
        active: value !== null && value > rule.above,
        value: value === null ? null : Math.round(value * 10) / 10,
      };
    }
    case 'cert_expiry': {
      const days = checks.map((id) => topology.checkInfo(id)?.daysLeft ?? null).filter((d): d is number => d !== null);
      const value = days.length > 0 ? Math.min(...days) : null;
      return { active: value !== null && value <= rule.days, value };
    }
    case 'heartbeat_missing': {
      const missing = checks.filter((id) => topology.checkInfo(id)?.errorClass === 'heartbeat_missed').length;
      return { active: missing > 0, value: missing };
    }
  }
}

export function buildCandidates(
  rules: readonly AlertRuleConfig[],
  topology: Topology,
  latencies: LatencyWindows,
  now: number,
  /** Only these subjects (`kind:id`); every subject when absent. */
  only?: ReadonlySet<string>,
  /** The observer cannot run its probes (descriptors, memory): what it sees now is not evidence. */
  observerDegraded = false,
  /** The alerts as they stand: per-series alerts whose series left the answer are offered to end. */
  previous?: ReadonlyMap<string, AlertInstance>,
): AlertCandidate[] {
  const vantageOffline = !topology.vantage().online || observerDegraded;
  const out: AlertCandidate[] = [];
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    for (const subject of only ? subjectsIn(rule, only, topology) : subjectsOf(rule, topology)) {
      const base = {
        key: alertKey(rule.name, subject),
        rule: rule.name,
        subject,
        severity: rule.severity,
        forMs: rule.for,
        keepFiringForMs: rule.keep_firing_for,
        // This machine's vantage offline holds what only it sees; a subject probed from several
        // vantages is held only while its quorum is short (the other vantages still decide).
        // No data is no evidence either way (after a restart, before the first result): a firing
        // alert neither resolves nor does a pending one progress.
        hold:
          (topology.localOnly(subject) ? vantageOffline : topology.held(subject)) ||
          topology.flapping(subject) ||
          topology.describe(subject)?.status === 'unknown',
      };
      const series = rule.condition === 'down' && subject.kind === 'check' ? topology.failingSeries(subject.id) : null;
      if (series) out.push(...seriesCandidates(base, series, previous));
      else out.push({ ...base, ...condition(rule, subject, topology, latencies, now) });
    }
  }
  return out;
}

/**
 * A `down` rule on a prometheus check is one alert per failing series, as a Prometheus rule is:
 * each active while the query returns it, with its own `for` and its labels for templates
 * ({{ $labels.instance }} is the series' instance). A series gone from the answer is offered
 * inactive (from the alerts it had) so its alert clears or resolves.
 */
function seriesCandidates(
  base: Omit<AlertCandidate, 'active' | 'value'>,
  series: readonly PromSeries[],
  previous: ReadonlyMap<string, AlertInstance> | undefined,
): AlertCandidate[] {
  const out: AlertCandidate[] = series.map((s) => ({
    ...base,
    key: `${base.key}#${s.id}`,
    active: true,
    value: s.value,
    labels: s.labels,
  }));
  const present = new Set(out.map((c) => c.key));
  for (const [key, alert] of previous ?? []) {
    if (!key.startsWith(`${base.key}#`) || present.has(key)) continue;
    out.push({ ...base, key, active: false, value: alert.value, ...(alert.labels ? { labels: alert.labels } : {}) });
  }
  return out;
}

/** The labels of one alert: the rule's, plus alertname, instance, kind, region and severity. */
export function alertLabels(rule: AlertRuleConfig, subject: SubjectRef, topology: Topology): Record<string, string> {
  const d = topology.describe(subject);
  return {
    ...rule.labels,
    alertname: rule.name,
    instance: subject.id,
    name: d?.name ?? subject.id,
    kind: subject.kind,
    region: d?.region ?? '',
    severity: rule.severity,
  };
}
