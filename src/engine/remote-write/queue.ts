/**
 * The samples waiting for a receiver: a ring of fixed capacity. Past it the oldest sample is
 * dropped and counted, so a receiver that is away costs bounded memory and the freshest data
 * is what gets through when it comes back (Prometheus's own queue does the same).
 */
export class SampleQueue<T> {
  private readonly ring: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** Samples dropped because the queue was full, since it was made. */
  dropped = 0;

  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ring = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.dropped++;
    }
    this.ring[(this.head + this.size) % this.capacity] = item;
    this.size++;
  }

  /** Removes and returns up to `max` of the oldest samples. */
  take(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      const at = (this.head + i) % this.capacity;
      out[i] = this.ring[at]!;
      this.ring[at] = undefined;
    }
    this.head = (this.head + n) % this.capacity;
    this.size -= n;
    return out;
  }
}
