import type { Clock } from './clock.ts';
import { MinHeap } from './heap.ts';

export interface ScheduledJob {
  id: string;
  intervalMs: number;
}

interface ReadyItem {
  id: string;
  due: number;
  generation: number;
  /** The tick that queued it: started in a later tick or after a finish, it waited for a slot. */
  tick: number;
}

interface Entry {
  job: ScheduledJob;
  /** The interval in force: the job's, or a faster one set by `retime` while a check changes state. */
  intervalMs: number;
  due: number;
  /** The slot of the latest probe started, from which a re-timed interval counts. */
  lastDue: number | null;
  /** Bumped when a job is replaced, re-timed or removed, so stale heap entries are ignored. */
  generation: number;
}

export interface SchedulerStats {
  inFlight: number;
  maxInFlight: number;
  queued: number;
  /** Probes started later than due because the in-flight limit was reached. */
  delayedByLimit: number;
  /** Due slots skipped because the previous probe of the same check was still running. */
  skippedOverlaps: number;
  /** Due probes not run because the queue was full (each reported through `onDropped`). */
  droppedByQueueLimit: number;
  maxQueued: number;
  /** Start lag (start time minus due time) percentiles over the recent window, ms. */
  lagP50: number;
  lagP99: number;
}

export interface SchedulerOptions {
  clock: Clock;
  maxInFlight: number;
  /** Due probes waiting for an in-flight slot at most; defaults to `defaultMaxQueued(maxInFlight)`. */
  maxQueued?: number;
  run: (id: string, due: number) => Promise<void>;
  /** A due probe that found the queue full and will not run: the observer's overload, not the target's. */
  onDropped?: (id: string, due: number) => void;
}

/**
 * A queue many times the in-flight limit means probes wait several probe durations for a slot:
 * the observer cannot keep up, and saying so beats probing every check ever later.
 */
export function defaultMaxQueued(maxInFlight: number): number {
  return Math.max(1024, 8 * maxInFlight);
}

/** Deterministic offset in [0, interval) from the id, so a restart keeps the same spread. */
export function phaseOffset(id: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % Math.max(1, intervalMs);
}

const LAG_WINDOW = 4096;
/** Start lags are also counted per millisecond since start, up to this (and beyond, in one bin). */
export const LAG_HISTOGRAM_MAX_MS = 1000;

/**
 * Runs each job every `intervalMs`, spread over the interval by a hash of its id.
 * Due times advance by whole intervals from the first one, so lateness never accumulates
 * into drift; a probe still running when its next slot comes skips that slot rather than
 * overlapping; a global in-flight limit queues the rest in due order, up to `maxQueued`: a due
 * probe beyond that is not run but reported through `onDropped`, so an overloaded observer says
 * so instead of probing ever later.
 */
export class Scheduler {
  private readonly clock: Clock;
  private maxInFlight: number;
  private maxQueued: number;
  private readonly fixedMaxQueued: boolean;
  private readonly run: SchedulerOptions['run'];
  private readonly onDropped: NonNullable<SchedulerOptions['onDropped']>;
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<{ due: number; id: string; generation: number }>((e) => e.due);
  /** Due probes waiting for an in-flight slot, in due order; `head` avoids O(n) shifts. */
  private ready: ReadyItem[] = [];
  private head = 0;
  private timer: unknown = null;
  private timerAt = Infinity;
  private inFlight = 0;
  /** Ids with a probe running, and ids waiting in `ready`: never two of one check at once. */
  private readonly running = new Set<string>();
  private readonly queued = new Set<string>();
  private generation = 0;
  private tickNo = 0;
  private stopped = false;
  private delayedByLimit = 0;
  private skippedOverlaps = 0;
  /** The same, per job: a check whose timeout outlasts its interval shows how often it happens. */
  private readonly skippedById = new Map<string, number>();
  private droppedByQueueLimit = 0;
  private readonly lags = new Float64Array(LAG_WINDOW);
  private lagCount = 0;
  private readonly lagHistogramCounts = new Uint32Array(LAG_HISTOGRAM_MAX_MS + 2);

  constructor(options: SchedulerOptions) {
    this.clock = options.clock;
    this.maxInFlight = Math.max(1, options.maxInFlight);
    this.fixedMaxQueued = options.maxQueued !== undefined;
    this.maxQueued = Math.max(1, options.maxQueued ?? defaultMaxQueued(this.maxInFlight));
    this.run = options.run;
    this.onDropped = options.onDropped ?? (() => {});
  }

  /** Replaces the set of jobs. Unchanged jobs keep their phase; new ones start within one interval. */
  setJobs(jobs: readonly ScheduledJob[]): void {
    const now = this.clock.now();
    const wanted = new Map(jobs.map((j) => [j.id, j]));
    for (const [id, entry] of this.entries) {
      if (!wanted.has(id)) {
        this.entries.delete(id);
        this.skippedById.delete(id);
        entry.generation = -1;
      }
    }
    for (const job of jobs) {
      const existing = this.entries.get(job.id);
      if (existing && existing.job.intervalMs === job.intervalMs) {
        existing.job = job;
        continue;
      }
      const generation = ++this.generation;
      const due = now + phaseOffset(job.id, job.intervalMs);
      const entry: Entry = { job, intervalMs: job.intervalMs, due, lastDue: null, generation };
      if (existing) existing.generation = -1;
      this.entries.set(job.id, entry);
      this.heap.push({ due, id: job.id, generation });
    }
    this.arm();
  }

  /**
   * Changes one job's interval for now (a faster one while its check changes state, then back).
   * The next slot is one new interval after the latest slot, or now if that has passed; the
   * grid then continues from there.
   */
  retime(id: string, intervalMs: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.intervalMs === intervalMs || this.stopped) return;
    const now = this.clock.now();
    entry.intervalMs = intervalMs;
    entry.generation = ++this.generation;
    entry.due = Math.max(now, (entry.lastDue ?? now) + intervalMs);
    this.heap.push({ due: entry.due, id, generation: entry.generation });
    this.arm();
  }

  /**
   * Every start lag since the scheduler began, counted per whole millisecond (index = ms; the
   * last bin holds everything beyond LAG_HISTOGRAM_MAX_MS). Two copies taken apart give exact
   * percentiles over the time between them, however many probes ran.
   */
  lagHistogram(): number[] {
    return Array.from(this.lagHistogramCounts);
  }

  /** Due slots of one job skipped because its previous probe was still running. */
  skippedOf(id: string): number {
    return this.skippedById.get(id) ?? 0;
  }

  /** The interval a job currently runs at, or null when there is no such job. */
  intervalOf(id: string): number | null {
    return this.entries.get(id)?.intervalMs ?? null;
  }

  /** Changes the global in-flight limit; raising it starts waiting probes at once. */
  setMaxInFlight(limit: number): void {
    this.maxInFlight = Math.max(1, limit);
    if (!this.fixedMaxQueued) this.maxQueued = defaultMaxQueued(this.maxInFlight);
    if (!this.stopped) this.drain(false);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.entries.clear();
  }

  stats(): SchedulerStats {
    const n = Math.min(this.lagCount, LAG_WINDOW);
    const sorted = Array.from(this.lags.subarray(0, n)).sort((a, b) => a - b);
    const pct = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(p * n))]!);
    return {
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      queued: this.ready.length - this.head,
      delayedByLimit: this.delayedByLimit,
      skippedOverlaps: this.skippedOverlaps,
      droppedByQueueLimit: this.droppedByQueueLimit,
      maxQueued: this.maxQueued,
      lagP50: pct(0.5),
      lagP99: pct(0.99),
    };
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    if (!next) return;
    if (this.timer !== null && this.timerAt <= next.due) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timerAt = next.due;
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, next.due - this.clock.now()));
  }

  private tick(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.clock.now();
    this.tickNo++;
    const dropped: { id: string; due: number }[] = [];
    for (let top = this.heap.peek(); top && top.due <= now; top = this.heap.peek()) {
      this.heap.pop();
      const entry = this.entries.get(top.id);
      if (!entry || entry.generation !== top.generation) continue;
      const interval = entry.intervalMs;
      // The next slot is the first whole interval after now: late ticks never accumulate drift.
      const next = top.due + interval * Math.max(1, Math.ceil((now - top.due + 1) / interval));
      entry.due = next;
      this.heap.push({ due: next, id: top.id, generation: entry.generation });
      if (this.running.has(top.id) || this.queued.has(top.id)) {
        this.skippedOverlaps++;
        this.skippedById.set(top.id, (this.skippedById.get(top.id) ?? 0) + 1);
        continue;
      }
      if (this.inFlight + this.ready.length - this.head >= this.maxInFlight + this.maxQueued) {
        this.droppedByQueueLimit++;
        dropped.push({ id: top.id, due: top.due });
        continue;
      }
      entry.lastDue = top.due;
      this.queued.add(top.id);
      this.ready.push({ id: top.id, due: top.due, generation: entry.generation, tick: this.tickNo });
    }
    this.drain(true);
    this.arm();
    // After the scheduler's own state is settled: the callback may re-enter (publish, retime).
    for (const d of dropped) this.onDropped(d.id, d.due);
  }

  private drain(inTick: boolean): void {
    while (this.inFlight < this.maxInFlight && this.head < this.ready.length) {
      const item = this.ready[this.head++]!;
      this.queued.delete(item.id);
      const entry = this.entries.get(item.id);
      if (!entry || entry.generation !== item.generation) continue;
      if (!inTick || item.tick !== this.tickNo) this.delayedByLimit++;
      this.start(entry, item.due);
    }
    if (this.head === this.ready.length) {
      this.ready = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
  }

  private start(entry: Entry, due: number): void {
    const lag = this.clock.now() - due;
    this.lags[this.lagCount++ % LAG_WINDOW] = lag;
    this.lagHistogramCounts[Math.min(LAG_HISTOGRAM_MAX_MS + 1, Math.max(0, Math.round(lag)))]!++;
    this.inFlight++;
    const id = entry.job.id;
    this.running.add(id);
    const finish = () => {
      this.inFlight--;
      this.running.delete(id);
      if (!this.stopped) this.drain(false);
    };
    this.run(entry.job.id, due).then(finish, finish);
  }
}
