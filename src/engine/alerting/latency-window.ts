/**
 * Latencies seen over a sliding window, per check. Bounded: old samples are dropped when they
 * leave the longest window any rule needs, and each check keeps at most MAX_SAMPLES.
 */
const MAX_SAMPLES = 10_000;

export class LatencyWindows {
  private readonly samples = new Map<string, { at: number; ms: number }[]>();
  private keepMs = 0;

  /** The longest window any rule reads. */
  setRetention(ms: number): void {
    this.keepMs = ms;
  }

  add(checkId: string, at: number, ms: number): void {
    if (this.keepMs <= 0) return;
    let list = this.samples.get(checkId);
    if (!list) this.samples.set(checkId, (list = []));
    list.push({ at, ms });
    const cutoff = at - this.keepMs;
    let drop = 0;
    while (drop < list.length && list[drop]!.at < cutoff) drop++;
    if (list.length - drop > MAX_SAMPLES) drop = list.length - MAX_SAMPLES;
    if (drop > 0) list.splice(0, drop);
  }

  /** Latencies of these checks within (now - windowMs, now]. */
  values(checkIds: readonly string[], now: number, windowMs: number): number[] {
    const out: number[] = [];
    for (const id of checkIds) {
      for (const s of this.samples.get(id) ?? []) if (s.at > now - windowMs && s.at <= now) out.push(s.ms);
    }
    return out;
  }

  forget(keep: ReadonlySet<string>): void {
    for (const id of this.samples.keys()) if (!keep.has(id)) this.samples.delete(id);
  }
}

export function average(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
