import type { ErrorClass, ProbeResult } from '../../shared/model.ts';

/**
 * A probe's clock: the wall time it started (what the result records) and a monotonic start
 * for what it measures, so a clock step during a probe never shows as latency.
 */
export class ProbeStopwatch {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  private readonly checkId: string;

  constructor(checkId: string) {
    this.checkId = checkId;
  }

  /** Milliseconds since the start, from the monotonic clock. */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** The monotonic time `ms` after the start: a deadline for the probe's phases. */
  after(ms: number): number {
    return this.t0 + ms;
  }

  /** The probe's result, timed now; `extra` adds details (and may override the latency). */
  result(ok: boolean, errorClass: ErrorClass | null, message: string, extra?: Partial<ProbeResult>): ProbeResult {
    return {
      checkId: this.checkId,
      startedAt: this.startedAt,
      ok,
      latencyMs: this.elapsed(),
      errorClass,
      message,
      ...extra,
    };
  }
}
