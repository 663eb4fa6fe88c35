import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { httpProbe } from './http-probe.ts';

/** Runs one probe of any check type. Never throws: an unexpected failure is a probe_error. */
export async function runProbe(check: ResolvedCheck, signal?: AbortSignal): Promise<ProbeResult> {
  try {
    switch (check.type) {
      case 'http':
        return await httpProbe(check, signal);
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
