import { isObserverFault, isSlow, type ProbeResult } from './model.ts';

/**
 * A check's latest results at a glance (Uptime Kuma's heartbeat bar), one letter per result,
 * oldest first: u a success, g a slow success (at or over the degraded latency, or one the probe
 * marked degraded), d a failure, x no verdict (the observer's own fault: probe_error, config_error,
 * its vantage offline).
 * A string, not an array: it rides in every delta of the check, thousands of times a second.
 */
export type Beat = 'u' | 'g' | 'd' | 'x';

/** How many results the board keeps per check. */
export const BEATS_KEPT = 30;

export function beatOf(
  result: Pick<ProbeResult, 'ok' | 'latencyMs' | 'errorClass' | 'degraded' | 'observerOffline'>,
  degradedLatencyMs: number | null,
): Beat {
  if (isObserverFault(result.errorClass) || result.observerOffline === true) return 'x';
  if (!result.ok) return 'd';
  return isSlow(result, degradedLatencyMs) ? 'g' : 'u';
}

/** The beats with one more result, keeping the latest `kept`. */
export function addBeat(beats: string | undefined, beat: Beat, kept = BEATS_KEPT): string {
  return addBeats(beats, beat, kept);
}

/** The beats with several more results (a delta's appended letters), keeping the latest `kept`. */
export function addBeats(beats: string | undefined, added: string, kept = BEATS_KEPT): string {
  const next = (beats ?? '') + added;
  return next.length > kept ? next.slice(next.length - kept) : next;
}

/** Counts for people and screen readers: "27 up, 3 down of the last 30 results". */
export function describeBeats(beats: string): string {
  const counts = { u: 0, g: 0, d: 0, x: 0 };
  for (const b of beats) if (b in counts) counts[b as Beat]++;
  const parts = [
    counts.u > 0 ? `${counts.u} up` : '',
    counts.g > 0 ? `${counts.g} slow` : '',
    counts.d > 0 ? `${counts.d} failed` : '',
    counts.x > 0 ? `${counts.x} not probed` : '',
  ].filter(Boolean);
  return `${parts.join(', ')} of the last ${beats.length} result${beats.length === 1 ? '' : 's'}`;
}
