import type { CheckConfig, Config } from '../shared/config/schema.ts';
import type { CheckView, ProbeDetails, ProbeResult } from '../shared/model.ts';
import type { MissingVantage, QuorumRule } from '../shared/config/quorum.ts';
import { checkVantages } from '../shared/config/vantages.ts';
import { DEFAULT_PORTS } from '../shared/config/data-common.ts';
import { redactUrl } from '../shared/redact.ts';

/** A check with its defaults applied: what the scheduler, probes and status rules work on. */
export type ResolvedCheck = CheckConfig & {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  degradedLatencyMs: number | null;
  /** Interval while the check is changing state (HAProxy's fastinter); null to keep `intervalMs`. */
  fastIntervalMs: number | null;
  /** Vantage ids it is probed from, config order; this machine's id when only here. */
  vantageIds: string[];
  quorumRule: QuorumRule;
  missingVantage: MissingVantage;
};

export function resolveChecks(config: Config): ResolvedCheck[] {
  const d = config.defaults;
  return config.checks.map((check) => {
    const resolved: ResolvedCheck = {
      ...check,
      name: check.name ?? check.id,
      intervalMs: check.interval ?? d.interval,
      timeoutMs: check.timeout ?? d.timeout,
      fall: check.fall ?? d.fall,
      rise: check.rise ?? d.rise,
      degradedLatencyMs: check.degraded_latency ?? null,
      fastIntervalMs: check.fast_interval ?? null,
      vantageIds: checkVantages(check, d, config.vantage.id),
      quorumRule: check.quorum ?? d.quorum,
      missingVantage: check.missing_vantage ?? d.missing_vantage,
    };
    return check.type === 'heartbeat' ? resolveHeartbeat(resolved, check) : resolved;
  });
}

/**
 * A heartbeat's thresholds are already durations, so by default one evaluation decides
 * (fall and rise 1), and the check is evaluated often enough to notice the first threshold
 * within a quarter of it.
 */
function resolveHeartbeat(resolved: ResolvedCheck, check: Extract<CheckConfig, { type: 'heartbeat' }>): ResolvedCheck {
  const first = check.degraded_after ?? check.down_after;
  return {
    ...resolved,
    intervalMs: check.interval ?? Math.min(resolved.intervalMs, Math.max(100, Math.floor(first / 4))),
    fall: check.fall ?? 1,
    rise: check.rise ?? 1,
  };
}

/** What the board prints (and the store keeps) as the thing probed: never a credential. */
export function describeTarget(check: CheckConfig): string {
  switch (check.type) {
    case 'http':
      return `${check.method} ${redactUrl(check.url)}`;
    case 'dns':
      return `${check.record_type} ${check.query_name} @ ${check.resolvers.join(', ')}`;
    case 'tcp':
      return `tcp://${hostPort(check.host, check.port)}`;
    case 'tls':
      return `tls://${hostPort(check.host, check.port)}`;
    case 'heartbeat':
      return `heartbeat /heartbeat/${check.id}`;
    case 'postgres':
    case 'mysql':
    case 'redis':
      return `${check.type}://${hostPort(check.host, check.port ?? DEFAULT_PORTS[check.type])}`;
    case 'consistency':
      return `${check.key} @ ${check.nodes.map((n) => n.name ?? hostPort(n.host, n.port ?? DEFAULT_PORTS[n.kind])).join(', ')}`;
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function initialView(check: ResolvedCheck): CheckView {
  return {
    id: check.id,
    name: check.name,
    type: check.type,
    target: describeTarget(check),
    region: check.region ?? null,
    intervalMs: check.intervalMs,
    timeoutMs: check.timeoutMs,
    status: 'unknown',
    since: null,
    lastProbeAt: null,
    latencyMs: null,
    errorClass: null,
    message: 'not probed yet',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    degradedLatencyMs: check.degradedLatencyMs,
  };
}

/** The parts of a result the board keeps for the last probe; undefined when there are none. */
export function probeDetails(result: ProbeResult): ProbeDetails | undefined {
  const details: ProbeDetails = {};
  if (result.httpStatus !== undefined) details.httpStatus = result.httpStatus;
  if (result.phases) details.phases = result.phases;
  if (result.tls) details.tls = result.tls;
  if (result.dns) details.dns = result.dns;
  if (result.heartbeat) details.heartbeat = result.heartbeat;
  if (result.finalUrl) details.finalUrl = result.finalUrl;
  if (result.replication) details.replication = result.replication;
  return Object.keys(details).length > 0 ? details : undefined;
}
