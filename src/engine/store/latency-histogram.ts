import { ByteReader, ByteWriter } from './varint.ts';

/**
 * A mergeable latency histogram with exponential buckets: the buckets of Prometheus's native
 * histograms at schema 6, so bucket i holds latencies in (2^((i-1)/64), 2^(i/64)] ms, and the
 * same buckets can serve /metrics. Merging adds counts, so the percentile of a day or a month
 * is computed over all its results, not guessed from the minutes' percentiles.
 *
 * Accuracy: a percentile is answered as a bucket's point 2u/(γ+1) (u its upper bound,
 * γ = 2^(1/64)), within (γ-1)/(γ+1) ≈ 0.54 % of the latency of the nearest rank (DDSketch's
 * argument), and clamped to the exact min and max. Latencies ≤ 0 are counted apart, as 0.
 */
export const HISTOGRAM_SCHEMA = 6;
const PER_OCTAVE = 2 ** HISTOGRAM_SCHEMA;
const GAMMA = 2 ** (1 / PER_OCTAVE);
/** The relative error bound of a percentile read from a histogram. */
export const HISTOGRAM_RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);

export class LatencyHistogram {
  /** Bucket index → count. */
  readonly buckets = new Map<number, number>();
  zeros = 0;
  count = 0;

  add(latencyMs: number): void {
    this.count++;
    if (!(latencyMs > 0)) {
      this.zeros++;
      return;
    }
    const i = Math.ceil(Math.log2(latencyMs) * PER_OCTAVE);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
  }

  merge(other: LatencyHistogram): void {
    this.count += other.count;
    this.zeros += other.zeros;
    for (const [i, n] of other.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + n);
  }

  /** The nearest-rank percentile `p` (0..1), within the relative error above; null when empty. */
  percentile(p: number, min: number, max: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(p * this.count)));
    let seen = this.zeros;
    if (seen >= rank) return Math.max(min, 0);
    const indices = [...this.buckets.keys()].sort((a, b) => a - b);
    let value = max;
    for (const i of indices) {
      seen += this.buckets.get(i)!;
      if (seen >= rank) {
        value = (2 * 2 ** (i / PER_OCTAVE)) / (GAMMA + 1);
        break;
      }
    }
    return Math.min(max, Math.max(min, value));
  }

  /** Zeros, then (index delta, count) pairs in index order: a few bytes a bucket. */
  encode(): Uint8Array {
    const w = new ByteWriter();
    w.uint(this.zeros);
    const indices = [...this.buckets.keys()].sort((a, b) => a - b);
    w.uint(indices.length);
    let last = 0;
    for (const i of indices) {
      w.int(i - last);
      w.uint(this.buckets.get(i)!);
      last = i;
    }
    return w.finish();
  }

  static decode(bytes: Uint8Array): LatencyHistogram {
    const h = new LatencyHistogram();
    const r = new ByteReader(bytes);
    h.zeros = r.uint();
    h.count = h.zeros;
    const n = r.uint();
    let i = 0;
    for (let k = 0; k < n; k++) {
      i += r.int();
      const count = r.uint();
      h.buckets.set(i, count);
      h.count += count;
    }
    return h;
  }
}
