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
  /** Bucket index → count; null while the histogram is still the bytes it was read from. */
  private map: Map<number, number> | null = new Map();
  private bytes: Uint8Array | null = null;
  zeros = 0;
  count = 0;

  /** Bucket index → count. */
  get buckets(): ReadonlyMap<number, number> {
    return this.own();
  }

  add(latencyMs: number): void {
    this.count++;
    if (!(latencyMs > 0)) {
      this.zeros++;
      return;
    }
    const map = this.own();
    const i = Math.ceil(Math.log2(latencyMs) * PER_OCTAVE);
    map.set(i, (map.get(i) ?? 0) + 1);
  }

  merge(other: LatencyHistogram): void {
    const map = this.own();
    this.count += other.count;
    this.zeros += other.zeros;
    // A histogram read from a rollup is merged straight from its bytes, never materialised.
    other.forEachBucket((i, n) => map.set(i, (map.get(i) ?? 0) + n));
  }

  /** Nearest-rank percentiles `ps` (0..1, ascending), within the relative error above; nulls when empty. */
  percentiles(ps: readonly number[], min: number, max: number): (number | null)[] {
    if (this.count === 0) return ps.map(() => null);
    const indices = [...this.own().keys()].sort((a, b) => a - b);
    const out: (number | null)[] = [];
    let k = 0;
    let seen = this.zeros;
    for (const p of ps) {
      const rank = Math.min(this.count, Math.max(1, Math.ceil(p * this.count)));
      let value = max;
      if (this.zeros >= rank) value = Math.max(min, 0);
      else {
        while (k < indices.length && seen < rank) seen += this.map!.get(indices[k++]!)!;
        if (seen >= rank && k > 0) value = (2 * 2 ** (indices[k - 1]! / PER_OCTAVE)) / (GAMMA + 1);
      }
      out.push(Math.min(max, Math.max(min, value)));
    }
    return out;
  }

  /** Zeros, then (index delta, count) pairs in index order: a few bytes a bucket. */
  encode(): Uint8Array {
    if (this.bytes) return this.bytes;
    const map = this.own();
    const w = new ByteWriter();
    w.uint(this.zeros);
    const indices = [...map.keys()].sort((a, b) => a - b);
    w.uint(indices.length);
    let last = 0;
    for (const i of indices) {
      w.int(i - last);
      w.uint(map.get(i)!);
      last = i;
    }
    return w.finish();
  }

  /** A histogram from encode()'s bytes; read lazily. Throws on bytes it cannot read. */
  static decode(bytes: Uint8Array): LatencyHistogram {
    const h = new LatencyHistogram();
    h.map = null;
    h.bytes = bytes;
    h.zeros = new ByteReader(bytes).uint();
    h.count = h.zeros;
    h.forEachBucket((_, n) => (h.count += n));
    return h;
  }

  private forEachBucket(fn: (index: number, count: number) => void): void {
    if (this.map) {
      for (const [i, n] of this.map) fn(i, n);
      return;
    }
    const r = new ByteReader(this.bytes!);
    r.uint();
    const n = r.uint();
    let i = 0;
    for (let k = 0; k < n; k++) {
      i += r.int();
      fn(i, r.uint());
    }
  }

  private own(): Map<number, number> {
    if (this.map) return this.map;
    const map = new Map<number, number>();
    this.forEachBucket((i, n) => map.set(i, n));
    this.map = map;
    this.bytes = null;
    return map;
  }
}
