import type { Clock } from './clock.ts';

/** What the engine tells of changes: a ChangeBatcher, or NO_BOARD where nobody reads them. */
export interface ChangeSink {
  changed(id: string): void;
  poke(): void;
  remove(id: string): void;
  clear(): void;
  stop(): void;
}

/** For an engine without a board (a probe agent): changes are not collected or sent. */
export const NO_BOARD: ChangeSink = {
  changed: () => {},
  poke: () => {},
  remove: () => {},
  clear: () => {},
  stop: () => {},
};

/**
 * Collects the ids of changed checks and flushes them at most once per `intervalMs`,
 * so the UI gets a few batched messages per second however many probes finish.
 */
export class ChangeBatcher implements ChangeSink {
  private pending = new Set<string>();
  private removed = new Set<string>();
  private timer: unknown = null;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly flush: (changed: string[], removed: string[]) => void;

  constructor(clock: Clock, intervalMs: number, flush: (changed: string[], removed: string[]) => void) {
    this.clock = clock;
    this.intervalMs = intervalMs;
    this.flush = flush;
  }

  changed(id: string): void {
    this.pending.add(id);
    this.arm();
  }

  /** Something other than a check changed: flush soon even if no check did. */
  poke(): void {
    this.arm();
  }

  remove(id: string): void {
    this.pending.delete(id);
    this.removed.add(id);
    this.arm();
  }

  /** Drops pending changes: a snapshot is about to carry everything. */
  clear(): void {
    this.pending = new Set();
    this.removed = new Set();
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const changed = [...this.pending];
      const removed = [...this.removed];
      this.pending = new Set();
      this.removed = new Set();
      this.flush(changed, removed);
    }, this.intervalMs);
  }
}
