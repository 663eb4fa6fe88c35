import type { CheckConfig, Config } from '../shared/config/schema.ts';
import type { CheckView } from '../shared/model.ts';

/** A check with its defaults applied: what the scheduler, probes and status rules work on. */
export type ResolvedCheck = CheckConfig & {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  degradedLatencyMs: number | null;
};

export function resolveChecks(config: Config): ResolvedCheck[] {
  const d = config.defaults;
  return config.checks.map((check) => ({
    ...check,
    name: check.name ?? check.id,
    intervalMs: check.interval ?? d.interval,
    timeoutMs: check.timeout ?? d.timeout,
    fall: check.fall ?? d.fall,
    rise: check.rise ?? d.rise,
    degradedLatencyMs: check.degraded_latency ?? null,
  }));
}

/** What the board prints as the thing probed. */
export function describeTarget(check: CheckConfig): string {
  switch (check.type) {
    case 'http':
      return `${check.method} ${check.url}`;
  }
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
  };
}
