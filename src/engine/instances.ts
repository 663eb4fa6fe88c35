/**
 * Check instances: a prometheus check with `instances: true` makes each series its query returns
 * a row of its own on the board (Prometheus's "one alert per series", as rows). Each instance has
 * its own status from its series' failing flag, through the check's own status rules (fall/rise
 * or max_fails), as a pure function of (instances, result, rules, time).
 *
 * A series missing from an answer is not evidence either way: `up == 0` stops returning a target
 * when it comes back, and also when Prometheus stops scraping it. So a missing series keeps its
 * status, shows stale (its data ages), and is removed once it has been missing from
 * ABSENT_ANSWERS_BEFORE_REMOVAL answers in a row. Answers that say nothing about the targets
 * (probe_error, config_error) change no instance.
 */
import { addBeat, beatOf } from '../shared/beats.ts';
import {
  isObserverFault,
  type CheckView,
  type InstanceCounts,
  type ProbeResult,
  type PromDetails,
} from '../shared/model.ts';
import { formatNumber, seriesText } from './probes/prometheus-answer.ts';
import { INITIAL_STATE, nextState, type CheckState, type StatusRules } from './status.ts';

/** Config ids are letters, digits, '-', '_' and '.': `<check id>/<series id>` can never be one. */
export const INSTANCE_SEPARATOR = '/';

/** Answers in a row a series may be missing from before its instance is removed. */
export const ABSENT_ANSWERS_BEFORE_REMOVAL = 3;

export function instanceId(checkId: string, seriesId: string): string {
  return `${checkId}${INSTANCE_SEPARATOR}${seriesId}`;
}

/** The check an instance id belongs to, or null for a config check's id. */
export function parentOf(id: string): string | null {
  const at = id.indexOf(INSTANCE_SEPARATOR);
  return at < 0 ? null : id.slice(0, at);
}

export interface Instance {
  /** `<check id>/<series id>`. */
  id: string;
  labels: Record<string, string>;
  /** The series' value in the last answer it was in. */
  value: number;
  failing: boolean;
  state: CheckState;
  /** When the last answer it was in was asked for (the result's startedAt). */
  seenAt: number;
  /** Answers in a row it was missing from; 0 while it is returned. */
  absent: number;
  beats: string;
  /** Rebuilt from the check's last answer before a restart, not returned since: shown stale. */
  restored?: true;
}

export interface InstanceRules extends StatusRules {
  /** At most this many instances (the check's max_series): missing ones go first. */
  maxSeries: number;
}

export interface InstanceStep {
  /** Keyed by series id. */
  instances: Map<string, Instance>;
  /** Instance ids whose view changed (added ones included). */
  changed: string[];
  removed: string[];
}

/** The check's instances after one of its results. */
export function nextInstances(
  checkId: string,
  previous: ReadonlyMap<string, Instance>,
  result: ProbeResult,
  rules: InstanceRules,
  now: number,
): InstanceStep {
  const instances = new Map(previous);
  if (isObserverFault(result.errorClass) || result.observerOffline === true || !result.prometheus) {
    return { instances, changed: [], removed: [] };
  }
  const changed: string[] = [];
  const removed: string[] = [];
  const returned = new Set<string>();
  for (const series of result.prometheus.series) {
    returned.add(series.id);
    const before = previous.get(series.id);
    const evidence: ProbeResult = {
      checkId,
      startedAt: result.startedAt,
      ok: !series.failing,
      latencyMs: null,
      errorClass: series.failing ? 'promql_match' : null,
      message: '',
    };
    instances.set(series.id, {
      id: before?.id ?? instanceId(checkId, series.id),
      labels: series.labels,
      value: series.value,
      failing: series.failing,
      state: nextState(before?.state ?? INITIAL_STATE, evidence, rules, now),
      seenAt: result.startedAt,
      absent: 0,
      beats: addBeat(before?.beats, beatOf(evidence, null)),
    });
    changed.push(instances.get(series.id)!.id);
  }
  for (const [key, instance] of previous) {
    if (returned.has(key)) continue;
    const absent = instance.absent + 1;
    if (absent >= ABSENT_ANSWERS_BEFORE_REMOVAL) {
      instances.delete(key);
      removed.push(instance.id);
    } else {
      instances.set(key, { ...instance, absent, beats: addBeat(instance.beats, 'x') });
      changed.push(instance.id);
    }
  }
  // The answer holds at most max_series; room for them is made by the longest missing first.
  if (instances.size > rules.maxSeries) {
    const missing = [...instances].filter(([key]) => !returned.has(key));
    missing.sort(([, a], [, b]) => b.absent - a.absent || a.seenAt - b.seenAt);
    for (const [key, instance] of missing.slice(0, instances.size - rules.maxSeries)) {
      instances.delete(key);
      removed.push(instance.id);
    }
  }
  const gone = new Set(removed);
  return { instances, changed: changed.filter((id) => !gone.has(id)), removed };
}

/**
 * After a restart: the instances as the check's last answer left them (its series are kept with
 * its restored view), each decided as its series was then (failing is down), and marked restored,
 * so the board shows them stale until the next answer. The counts of fall and rise start full:
 * one answer the other way is then a change in progress, as it would have been.
 */
export function restoredInstances(
  checkId: string,
  answer: PromDetails,
  seenAt: number,
  rules: InstanceRules,
): Map<string, Instance> {
  const instances = new Map<string, Instance>();
  for (const series of answer.series.slice(0, rules.maxSeries)) {
    instances.set(series.id, {
      id: instanceId(checkId, series.id),
      labels: series.labels,
      value: series.value,
      failing: series.failing,
      state: {
        ...INITIAL_STATE,
        status: series.failing ? 'down' : 'up',
        consecutiveFailures: series.failing ? rules.fall : 0,
        consecutiveSuccesses: series.failing ? 0 : rules.rise,
      },
      seenAt,
      absent: 0,
      beats: '',
      restored: true,
    });
  }
  return instances;
}

/** How the board shows an instance: its parent's static fields, its own status and labels. */
export function instanceView(
  parent: CheckView,
  instance: Instance,
  chosen: readonly string[] | undefined,
  shown: (state: CheckState) => CheckState,
): CheckView {
  const state = shown(instance.state);
  const value = formatNumber(instance.value);
  const view: CheckView = {
    id: instance.id,
    name: instanceName(instance.labels, chosen),
    type: parent.type,
    target: seriesText(instance.labels),
    region: parent.region,
    intervalMs: parent.intervalMs,
    timeoutMs: parent.timeoutMs,
    status: state.status,
    since: state.since,
    lastProbeAt: instance.seenAt,
    latencyMs: null,
    errorClass: instance.failing ? 'promql_match' : null,
    message:
      instance.absent > 0
        ? `not in the last ${instance.absent === 1 ? 'answer' : `${instance.absent} answers`}: no data (last value ${value})`
        : `value ${value}${instance.failing ? ', failing' : ''}`,
    consecutiveFailures: state.consecutiveFailures,
    consecutiveSuccesses: state.consecutiveSuccesses,
    beats: instance.beats,
    instanceOf: parent.id,
    labels: instance.labels,
  };
  if (parent.paused) view.paused = true;
  if (instance.restored) view.restored = true;
  return view;
}

/** What the parent's tile counts: "3 of 40 down". */
export function countInstances(instances: ReadonlyMap<string, Instance>): InstanceCounts {
  let down = 0;
  for (const i of instances.values()) if (i.state.status === 'down') down++;
  return { total: instances.size, down };
}

/** The chosen labels' values ("10.0.0.5:9100"), or every label when none are chosen. */
function instanceName(labels: Readonly<Record<string, string>>, chosen: readonly string[] | undefined): string {
  const values = (chosen ?? []).filter((n) => n in labels).map((n) => labels[n]);
  return values.length > 0 ? values.join(' ') : seriesText(labels);
}
