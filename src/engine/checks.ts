import type { CheckConfig, Config } from '../shared/config/schema.ts';
import type { CheckView, ProbeDetails, ProbeResult } from '../shared/model.ts';
import type { MissingVantage, QuorumRule } from '../shared/config/quorum.ts';
import { checkVantages } from '../shared/config/vantages.ts';
import { DEFAULT_PORTS } from '../shared/config/data-common.ts';
import { redactUrl } from '../shared/redact.ts';
import type { FailWindow } from './status.ts';

/** A check with its defaults applied: what the scheduler, probes and status rules work on. */
export type ResolvedCheck = CheckConfig & {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  degradedLatencyMs: number | null;
  /** nginx's max_fails/fail_timeout, when the check uses them instead of fall/rise. */
  failWindow?: FailWindow | null;
  /** Interval while the check is changing state (HAProxy's fastinter); null to keep `intervalMs`. */
  fastIntervalMs: number | null;
  /** HTTP: response headers (lower-case) the results report, for expectations and backup_in_use. */
  reportHeaders?: string[];
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
      failWindow: failWindowOf(check),
      fastIntervalMs: check.fast_interval ?? null,
      vantageIds: checkVantages(check, d, config.vantage.id),
      quorumRule: check.quorum ?? d.quorum,
      missingVantage: check.missing_vantage ?? d.missing_vantage,
    };
    if (check.type === 'http') resolved.reportHeaders = reportedHeaders(config, check);
    return check.type === 'heartbeat' ? resolveHeartbeat(resolved, check) : resolved;
  });
}

/** The headers an http check's results carry: the ones it expects, and those components watch. */
function reportedHeaders(config: Config, check: Extract<CheckConfig, { type: 'http' }>): string[] {
  const names = Object.keys(check.expect.headers ?? {});
  for (const c of config.components) {
    if (c.backup_in_use?.check === check.id) names.push(c.backup_in_use.header);
  }
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/** nginx's defaults fill the half not given: max_fails=1, fail_timeout=10s. */
function failWindowOf(check: CheckConfig): FailWindow | null {
  if (check.max_fails === undefined && check.fail_timeout === undefined) return null;
  return { maxFails: check.max_fails ?? 1, failTimeoutMs: check.fail_timeout ?? 10_000 };
}

/**
 * A heartbeat's thresholds are already durations, so by default one evaluation decides
 * (fall and rise 1), and the check is evaluated often enough to notice the first threshold
 * within a quarter of it.
 */
function resolveHeartbeat(resolved: ResolvedCheck, check: Extract<CheckConfig, { type: 'heartbeat' }>): ResolvedCheck {
  // The schema wants at least one of the two thresholds.
  const first = check.degraded_after ?? check.down_after ?? resolved.intervalMs;
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
    case 'route53_health':
      return `route53 health check ${check.health_check_id}`;
    case 'prometheus':
      return `promql ${check.query} @ ${redactUrl(check.url)}`;
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
  if (result.headers) details.headers = result.headers;
  if (result.replication) details.replication = result.replication;
  if (result.prometheus) details.prometheus = result.prometheus;
  for (const _ in details) return details;
  return undefined;
}
