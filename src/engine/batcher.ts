import type { Clock } from './clock.ts';

/** What the engine tells of changes: a ChangeBatcher, or NO_BOARD where nobody reads them. */
export interface ChangeSink {
  changed(id: string): void;
  poke(): void;
  /** What is pending goes after a short gather (an agent's sync applied), or as soon as the rate allows. */
  flushNow(): void;
  remove(id: string): void;
  clear(): void;
  stop(): void;
}

/** For an engine without a board (a probe agent): changes are not collected or sent. */
export const NO_BOARD: ChangeSink = {
  changed: () => {},
  poke: () => {},
  flushNow: () => {},
  remove: () => {},
  clear: () => {},
  stop: () => {},
};

/**
 * Collects the ids of changed checks and flushes them at most once per `intervalMs`,
 * so the UI gets a few batched messages per second however many probes finish.
 *
 * `flushNow` sends what is pending `gatherMs` from now instead of `intervalMs`: an agent's sync
 * carries a batch of results that already waited up to a sync interval at the agent, and
 * holding them another `intervalMs` here would add to that wait. The short gather lets the
 * other agents' syncs of the same beat (src/engine/vantages/beat.ts), which arrive within a few
 * ms, go in the same delta. Still never sooner than an interval after the last delta (it goes
 * then, not an interval after its first change): however many agents sync, the board gets at
 * most 1000 / `intervalMs` deltas a second, as before.
 */
export class ChangeBatcher implements ChangeSink {
  private pending = new Set<string>();
  private removed = new Set<string>();
  private timer: unknown = null;
  private lastFlushAt = -Infinity;
  private dueAt = Infinity;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly gatherMs: number;
  private readonly flush: (changed: string[], removed: string[]) => void;

  constructor(clock: Clock, intervalMs: number, flush: (changed: string[], removed: string[]) => void, gatherMs = 0) {
    this.clock = clock;
    this.intervalMs = intervalMs;
    this.gatherMs = gatherMs;
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
    this.dueAt = Infinity;
  }

  flushNow(): void {
    if (this.timer === null) return; // nothing pending
    const at = Math.max(this.clock.now() + this.gatherMs, this.lastFlushAt + this.intervalMs);
    if (at >= this.dueAt) return;
    this.clock.clearTimeout(this.timer);
    if (at <= this.clock.now()) this.send();
    else this.schedule(at);
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.schedule(this.clock.now() + this.intervalMs);
  }

  private schedule(at: number): void {
    this.dueAt = at;
    this.timer = this.clock.setTimeout(() => this.send(), at - this.clock.now());
  }

  private send(): void {
    this.timer = null;
    this.dueAt = Infinity;
    this.lastFlushAt = this.clock.now();
    const changed = [...this.pending];
    const removed = [...this.removed];
    this.pending = new Set();
    this.removed = new Set();
    this.flush(changed, removed);
  }
}
