/**
 * What Knockon's results become as Prometheus samples, shared by `/metrics` (src/server) and
 * remote write (src/engine/remote-write) so both speak of the same series, with the same values,
 * and both leave out the same results.
 *
 * Names are blackbox_exporter's. Each (check, vantage) has at most `PROBE_SERIES.length` series,
 * numbered by slot, so a caller can keep a series' labels in an array indexed by slot.
 */
import { isObserverFault, type ErrorClass, type ProbeDetails } from './model.ts';

/** blackbox_exporter's phase names for what Knockon measures (PhaseTimings keys). */
export const PHASES = [
  ['resolve', 'dnsMs'],
  ['connect', 'connectMs'],
  ['tls', 'tlsMs'],
  ['processing', 'ttfbMs'],
  ['transfer', 'transferMs'],
] as const;

export interface ProbeSeries {
  name: string;
  help: string;
  /** The `phase` label, for probe_http_duration_seconds. */
  phase?: string;
}

const PHASE_HELP = 'Time per phase of the last HTTP probe';

/** Every probe series a (check, vantage) can have, by slot. Series of one name are adjacent. */
export const PROBE_SERIES: readonly ProbeSeries[] = [
  { name: 'probe_success', help: 'Whether the last probe succeeded' },
  { name: 'probe_duration_seconds', help: 'How long the last probe took' },
  { name: 'probe_http_status_code', help: 'HTTP status of the last probe' },
  ...PHASES.map(([phase]) => ({ name: 'probe_http_duration_seconds', help: PHASE_HELP, phase })),
  {
    name: 'probe_dns_lookup_time_seconds',
    help: "Time to resolve the target's name (HTTP), or the slowest resolver's answer (DNS checks)",
  },
  {
    name: 'probe_ssl_earliest_cert_expiry',
    help: 'Earliest notAfter of the presented chain, seconds since the epoch',
  },
];
// Slots of PROBE_SERIES, for the values below.
const SUCCESS = 0;
const DURATION = 1;
const HTTP_STATUS = 2;
const FIRST_PHASE = 3;
const DNS_LOOKUP = FIRST_PHASE + PHASES.length;
const CERT_EXPIRY = DNS_LOOKUP + 1;

/** Milliseconds as seconds, to the microsecond: finer is noise, and it keeps /metrics cheap to write. */
const seconds = (ms: number) => Math.round(ms * 1000) / 1e6;

/** Receives one value of a series, by slot. */
export type SlotEmit = (slot: number, value: number) => void;

/**
 * Whether a result says nothing about its target, and so becomes no sample: the observer could
 * not probe or the check cannot be asked as configured (`isObserverFault`: `probe_error`,
 * `config_error`), or the vantage's own network was down as it probed. Exporting such a result
 * as `probe_success 0` would alarm a Prometheus rule about the observer's own trouble.
 */
export function saysNothing(result: { errorClass: ErrorClass | null; observerOffline?: boolean }): boolean {
  return isObserverFault(result.errorClass) || result.observerOffline === true;
}

/** The verdict's series: success (1 or 0) and duration, in seconds (to the microsecond, as all durations here). */
export function verdictSamples(result: { errorClass: ErrorClass | null; latencyMs: number | null }, emit: SlotEmit) {
  emit(SUCCESS, result.errorClass === null ? 1 : 0);
  if (result.latencyMs !== null) emit(DURATION, seconds(result.latencyMs));
}

/** The details' series: HTTP status, phases, DNS lookup time (the slowest resolver), certificate expiry. */
export function detailSamples(details: Pick<ProbeDetails, 'httpStatus' | 'phases' | 'tls' | 'dns'>, emit: SlotEmit) {
  if (details.httpStatus !== undefined) emit(HTTP_STATUS, details.httpStatus);
  const phases = details.phases;
  if (phases) {
    for (let i = 0; i < PHASES.length; i++) emit(FIRST_PHASE + i, seconds(phases[PHASES[i]![1]]));
    emit(DNS_LOOKUP, seconds(phases.dnsMs));
  }
  if (details.dns && details.dns.length > 0) {
    let slowest = 0;
    for (const d of details.dns) slowest = Math.max(slowest, d.latencyMs ?? 0);
    emit(DNS_LOOKUP, seconds(slowest));
  }
  if (details.tls) emit(CERT_EXPIRY, Math.floor(details.tls.notAfter / 1000));
}

/** Each check's `component` label: the first component (in config order) that lists it. */
export function firstComponentOf(components: readonly { id: string; checks: readonly string[] }[]) {
  const of = new Map<string, string>();
  for (const c of components) for (const id of c.checks) if (!of.has(id)) of.set(id, c.id);
  return of;
}
