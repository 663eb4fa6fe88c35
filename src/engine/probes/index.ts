import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { HeartbeatBook } from '../heartbeat/book.ts';
import { dnsProbe } from './dns-probe.ts';
import { httpProbe } from './http-probe.ts';
import { tcpProbe } from './tcp-probe.ts';
import { tlsProbe } from './tls-probe.ts';

/** What some probes need beyond the check itself. */
export interface ProbeContext {
  /** Where heartbeat checks read the beats the listener received. */
  heartbeats?: HeartbeatBook;
}

/** Runs one probe of any check type. Never throws: an unexpected failure is a probe_error. */
export async function runProbe(
  check: ResolvedCheck,
  signal?: AbortSignal,
  context?: ProbeContext,
): Promise<ProbeResult> {
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
      case 'heartbeat':
        if (!context?.heartbeats) throw new Error('no heartbeat book');
        return context.heartbeats.evaluate(check);
    }
  } catch (error) {
    return {
      checkId: check.id,
      startedAt: Date.now(),
      ok: false,
      latencyMs: null,
      errorClass: 'probe_error',
      message: `probe failed to run: ${String(error)}`,
    };
  }
}
