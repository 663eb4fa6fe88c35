/**
 * Alert evaluation with Prometheus's semantics, as a pure function of (state, inputs, now).
 *
 * - A condition that becomes true makes the alert `pending`; once it has held for `for`
 *   without a break it is `firing` (at once when `for` is 0). If it clears while pending, the
 *   alert is dropped and the timer starts again from zero next time.
 * - A firing alert whose condition clears keeps firing for `keep_firing_for`, measured from the
 *   last time the condition was true, then resolves.
 * - `hold` (the subject is flapping, or this vantage is offline) freezes what people are told: no
 *   new pending or firing alert, and no firing alert resolves, until the hold ends.
 */
import type { Severity } from '../../shared/model.ts';

export interface AlertSubject {
  kind: 'check' | 'component';
  id: string;
}

export interface AlertCandidate {
  /** rule name + subject: one alert instance. */
  key: string;
  rule: string;
  subject: AlertSubject;
  severity: Severity;
  forMs: number;
  keepFiringForMs: number;
  active: boolean;
  value: number | null;
  hold: boolean;
  /** Labels beyond the rule's (an Alertmanager alert's own, a PromQL series'), for templates. */
  labels?: Record<string, string>;
  /** Annotations already rendered elsewhere (an Alertmanager alert's), used as they are. */
  annotations?: Record<string, string>;
}

export interface AlertInstance {
  key: string;
  rule: string;
  subject: AlertSubject;
  severity: Severity;
  state: 'pending' | 'firing';
  /** When the condition became true (the start of `for`). */
  activeAt: number;
  firedAt: number | null;
  /** The last evaluation at which the condition was true (or the hold was on). */
  lastActiveAt: number;
  value: number | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type AlertTransition =
  | { kind: 'pending'; alert: AlertInstance }
  | { kind: 'firing'; alert: AlertInstance }
  /** A pending alert whose condition cleared before `for`: nobody was told, nobody is. */
  | { kind: 'cleared'; alert: AlertInstance }
  | { kind: 'resolved'; alert: AlertInstance };

export interface Evaluation {
  alerts: Map<string, AlertInstance>;
  transitions: AlertTransition[];
  /** The next time an evaluation could change something without new inputs; null when never. */
  nextDueAt: number | null;
}

export function evaluateAlerts(
  previous: ReadonlyMap<string, AlertInstance>,
  candidates: readonly AlertCandidate[],
  now: number,
  /**
   * `some`: the candidates are only those whose inputs changed (one check's result); alerts of
   * other candidates are carried over unchanged, and `nextDueAt` covers the given ones only.
   */
  scope: 'all' | 'some' = 'all',
  /**
   * A partial evaluation updates this map in place instead of a copy of `previous` (pass the
   * same map): it runs on every result, and copying thousands of held alerts each time is most
   * of its cost. The caller must not need `previous` as it was.
   */
  reuse?: Map<string, AlertInstance>,
): Evaluation {
  // A partial evaluation starts from every alert as it was and changes only its candidates'.
  const alerts = scope === 'some' ? (reuse === previous ? reuse : new Map(previous)) : new Map<string, AlertInstance>();
  const transitions: AlertTransition[] = [];
  // Only a full evaluation ends the alerts no candidate speaks for; a partial one runs per result.
  const seen = scope === 'all' ? new Set<string>() : null;

  for (const c of candidates) {
    seen?.add(c.key);
    const prev = previous.get(c.key);
    if (!prev) {
      if (!c.active || c.hold) continue;
      const alert: AlertInstance = {
        key: c.key,
        rule: c.rule,
        subject: c.subject,
        severity: c.severity,
        state: 'pending',
        activeAt: now,
        firedAt: null,
        lastActiveAt: now,
        value: c.value,
        ...extras(c),
      };
      transitions.push({ kind: 'pending', alert });
      if (c.forMs <= 0) {
        alert.state = 'firing';
        alert.firedAt = now;
        transitions.push({ kind: 'firing', alert });
      }
      alerts.set(c.key, alert);
      continue;
    }
    const next: AlertInstance = {
      ...prev,
      severity: c.severity,
      value: c.active ? c.value : prev.value,
      ...extras(c),
    };
    if (prev.state === 'pending') {
      if (!c.active) {
        transitions.push({ kind: 'cleared', alert: next });
        alerts.delete(c.key);
        continue;
      }
      next.lastActiveAt = now;
      if (!c.hold && now - prev.activeAt >= c.forMs) {
        next.state = 'firing';
        next.firedAt = now;
        transitions.push({ kind: 'firing', alert: next });
      }
      alerts.set(c.key, next);
      continue;
    }
    if (c.active || c.hold) {
      next.lastActiveAt = now;
      alerts.set(c.key, next);
    } else if (now - prev.lastActiveAt >= c.keepFiringForMs) {
      transitions.push({ kind: 'resolved', alert: next });
      alerts.delete(c.key);
    } else {
      alerts.set(c.key, next);
    }
  }
  if (seen) {
    for (const [key, prev] of previous) {
      if (seen.has(key)) continue;
      // Rules or subjects removed by a config change: their alerts end.
      transitions.push({ kind: prev.state === 'firing' ? 'resolved' : 'cleared', alert: prev });
    }
  }

  let nextDueAt: number | null = null;
  const due = (at: number) => (nextDueAt = nextDueAt === null ? at : Math.min(nextDueAt, at));
  for (const c of candidates) {
    const alert = alerts.get(c.key);
    if (!alert) continue;
    if (alert.state === 'pending' && !c.hold) due(alert.activeAt + c.forMs);
    else if (alert.state === 'firing' && !c.active && !c.hold) due(alert.lastActiveAt + c.keepFiringForMs);
  }
  return { alerts, transitions, nextDueAt };
}

function extras(c: AlertCandidate): Pick<AlertInstance, 'labels' | 'annotations'> {
  return {
    ...(c.labels ? { labels: c.labels } : {}),
    ...(c.annotations ? { annotations: c.annotations } : {}),
  };
}
