/**
 * The samples waiting for a receiver: a ring of fixed capacity, kept as parallel arrays (labels,
 * values, timestamps) so that queueing a sample allocates nothing. Past the capacity the oldest
 * sample is dropped and counted, so a receiver that is away costs bounded memory and the
 * freshest data is what gets through when it comes back (Prometheus's own queue does the same).
 */
import type { EncodedLabels } from './wire.ts';

/** Samples taken from the queue, oldest first: the first `length` entries of the arrays. */
export interface Batch {
  length: number;
  labels: EncodedLabels[];
  values: Float64Array;
  timestamps: Float64Array;
}

export class SampleQueue {
  readonly capacity: number;
  private readonly labels: (EncodedLabels | undefined)[];
  private readonly values: Float64Array;
  private readonly timestamps: Float64Array;
  private head = 0;
  private size = 0;
  /** Samples dropped because the queue was full, since it was made. */
  dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.labels = new Array<EncodedLabels | undefined>(capacity).fill(undefined);
    this.values = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(labels: EncodedLabels, value: number, timestampMs: number): void {
    if (this.size === this.capacity) {
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      this.size--;
      this.dropped++;
    }
    let at = this.head + this.size;
    if (at >= this.capacity) at -= this.capacity;
    this.labels[at] = labels;
    this.values[at] = value;
    this.timestamps[at] = timestampMs;
    this.size++;
  }

  /**
   * Removes up to `max` of the oldest samples into `into` (a batch the caller keeps and reuses,
   * made by `emptyBatch` for at least `max` samples) and returns it.
   */
  take(max: number, into: Batch = emptyBatch(max)): Batch {
    const n = Math.min(max, this.size, into.values.length);
    for (let i = 0, at = this.head; i < n; i++, at = at + 1 === this.capacity ? 0 : at + 1) {
      into.labels[i] = this.labels[at]!;
      this.labels[at] = undefined;
      into.values[i] = this.values[at]!;
      into.timestamps[i] = this.timestamps[at]!;
    }
    into.length = n;
    this.head = (this.head + n) % this.capacity;
    this.size -= n;
    return into;
  }
}

/** A batch with room for `size` samples. */
export function emptyBatch(size: number): Batch {
  return {
    length: 0,
    labels: new Array<EncodedLabels>(size),
    values: new Float64Array(size),
    timestamps: new Float64Array(size),
  };
}
