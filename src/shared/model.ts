/** The words of DESIGN.md, as types shared by engine, transports and renderer. */

export type Status = 'up' | 'degraded' | 'down' | 'unknown' | 'maintenance';

export const STATUSES: readonly Status[] = ['down', 'degraded', 'unknown', 'maintenance', 'up'];

/**
 * Why a probe failed. Stable strings: they are stored, alerted on and shown on the wall.
 * `probe_error` is reserved for failures of the observer itself, never of the target.
 */
export type ErrorClass =
  | 'dns_nxdomain'
  | 'dns_servfail'
  | 'dns_refused'
  | 'dns_timeout'
  | 'dns_error'
  | 'connect_refused'
  | 'connect_timeout'
  | 'connect_reset'
  | 'connect_error'
  | 'tls_error'
  | 'tls_expired'
  | 'tls_hostname'
  | 'tls_self_signed'
  | 'http_status'
  | 'http_protocol'
  | 'body_mismatch'
  | 'body_too_large'
  | 'read_timeout'
  | 'timeout'
  | 'probe_error';

/** What one probe returned. */
export interface ProbeResult {
  checkId: string;
  /** Wall-clock time the probe started, ms since the epoch. */
  startedAt: number;
  ok: boolean;
  /** Total time of the probe in ms; null when it could not be measured. */
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
  /** HTTP status code, when there was one. */
  httpStatus?: number;
}

/** A check as the board shows it. Sent whole whenever any of it changes. */
export interface CheckView {
  id: string;
  name: string;
  type: string;
  target: string;
  region: string | null;
  intervalMs: number;
  timeoutMs: number;
  status: Status;
  /** When the status last changed, ms since the epoch; null before the first decision. */
  since: number | null;
  lastProbeAt: number | null;
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface RegionView {
  id: string;
  name: string;
  lat: number;
  lon: number;
  providerRegion: string | null;
}

/** One problem found in a config file, located well enough to fix it without guessing. */
export interface ConfigIssue {
  file: string;
  line: number | null;
  column: number | null;
  /** Dotted path of the field, such as checks[2].url. */
  field: string;
  message: string;
}

export interface ConfigState {
  /** Where the running config came from: a file path, or "built-in demo". */
  source: string;
  /** Time the running config was applied. */
  appliedAt: number;
  /** Set while the file on disk is invalid and the last good config keeps running. */
  error: { at: number; issues: ConfigIssue[] } | null;
}

export interface BoardSnapshot {
  title: string;
  timezone: string;
  generatedAt: number;
  config: ConfigState;
  regions: RegionView[];
  checks: CheckView[];
}
