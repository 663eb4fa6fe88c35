/**
 * What Knockon's results become as Prometheus samples, shared by `/metrics` (src/server) and
 * remote write (src/engine/remote-write) so both speak of the same series.
 */

/** blackbox_exporter's phase names for what Knockon measures (PhaseTimings keys). */
export const PHASES = [
  ['resolve', 'dnsMs'],
  ['connect', 'connectMs'],
  ['tls', 'tlsMs'],
  ['processing', 'ttfbMs'],
  ['transfer', 'transferMs'],
] as const;
