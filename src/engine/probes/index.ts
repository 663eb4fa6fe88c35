import type { ProbeDetails, ProbeResult } from '../../shared/model.ts';
import { redactResult } from '../../shared/redact.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { HeartbeatBook } from '../heartbeat/book.ts';
import { heldForShortage, observerShortage } from './classify.ts';
import { dnsProbe } from './dns-probe.ts';
import { httpProbe } from './http-probe.ts';
import { route53HealthProbe } from './route53-health-probe.ts';
import { tcpProbe } from './tcp-probe.ts';
import { tlsProbe } from './tls-probe.ts';
import { postgresProbe } from './postgres-probe.ts';
import { redisProbe } from './redis-probe.ts';
import { mysqlProbe } from './mysql-probe.ts';
import { consistencyProbe, rememberDisagreement } from './consistency-probe.ts';
import { prometheusProbe } from './prometheus-probe.ts';

/** What some probes need beyond the check itself. */
export interface ProbeContext {
  /** Where heartbeat checks read the beats the listener received. */
  heartbeats?: HeartbeatBook;
  /** Where credentials named by `*_env` fields are read; the process environment by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A heartbeat is judged from beats that only a running engine's listener receives: without one
 * (`knockon check --once`) there is no evidence either way.
 */
export const HEARTBEAT_NEEDS_ENGINE =
  'a heartbeat check needs a running engine (knockon serve) to receive its beats: status unknown, not a failure';

/**
 * What a probe keeps between probes, given back from a check's restored details when the engine
 * starts again: today only a consistency check's "disagreeing since".
 */
export function restoreProbeMemory(check: ResolvedCheck, details: ProbeDetails | undefined): void {
  if (check.type === 'consistency') rememberDisagreement(check.id, details?.replication?.disagreeSince);
}

/** Runs one probe of any check type. Never throws: an unexpected failure is a probe_error. */
export async function runProbe(
  check: ResolvedCheck,
  signal?: AbortSignal,
  context?: ProbeContext,
): Promise<ProbeResult> {
  // The one place every result is made (engine and `knockon check` alike): URLs in messages and
  // redirects lose their credentials here, before the board, the store or a terminal sees them.
  // Here too, for every probe type: a failure that this machine's shortage explains is held.
  return redactResult(heldForShortage(await probeOnce(check, signal, context)));
}

async function probeOnce(check: ResolvedCheck, signal?: AbortSignal, context?: ProbeContext): Promise<ProbeResult> {
  const failed = (message: string, extra: Partial<ProbeResult> = {}): ProbeResult => ({
    checkId: check.id,
    startedAt: Date.now(),
    ok: false,
    latencyMs: null,
    errorClass: 'probe_error',
    message,
    ...extra,
  });
  try {
    switch (check.type) {
      case 'http':
        return await httpProbe(check, signal);
      case 'dns':
        return await dnsProbe(check, signal);
      case 'tcp':
        return await tcpProbe(check, signal);
      case 'tls':
        return await tlsProbe(check, signal);
      case 'postgres':
        return await postgresProbe(check, signal);
      case 'redis':
        return await redisProbe(check, signal);
      case 'mysql':
        return await mysqlProbe(check, signal);
      case 'consistency':
        return await consistencyProbe(check, signal);
      case 'heartbeat':
        if (!context?.heartbeats) return failed(HEARTBEAT_NEEDS_ENGINE);
        return context.heartbeats.evaluate(check);
      case 'route53_health':
        return await route53HealthProbe(check, context?.env ?? process.env, signal);
      case 'prometheus':
        return await prometheusProbe(check, context?.env ?? process.env, signal);
    }
  } catch (error) {
    const short = observerShortage(error);
    if (short) return failed(short.message, { shortage: short.shortage });
    return failed(`probe failed to run: ${error instanceof Error ? error.message : String(error)}`);
  }
}
