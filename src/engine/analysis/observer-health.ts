/**
 * The observer's own health: how many probes could not run recently because this machine ran
 * short (descriptors, memory, queue room). State with no clock of its own: every call brings
 * its time, so tests are exact.
 */
import type { ObserverHealthView, ObserverShortage } from '../../shared/model.ts';

export const OBSERVER_WINDOW_MS = 60_000;
/** Counts are kept per second: a minute of thousands of failed probes is sixty small records. */
const BUCKET_MS = 1_000;

type Counts = Record<ObserverShortage, number>;

const none = (): Counts => ({ descriptors: 0, memory: 0, queue: 0 });

const RAN_OUT_OF: Partial<Record<ObserverShortage, string>> = { descriptors: 'file descriptors', memory: 'memory' };
const QUEUE_FULL = 'could not keep up (its probe queue was full)';

/** The banner's sentence: what ran short, most frequent first, and how many probes it cost. */
export function describeShortage(notRun: Counts, windowMs: number): string | null {
  const kinds = (Object.keys(notRun) as ObserverShortage[])
    .filter((k) => notRun[k] > 0)
    .sort((a, b) => notRun[b] - notRun[a]);
  if (kinds.length === 0) return null;
  const total = kinds.reduce((n, k) => n + notRun[k], 0);
  const window = windowMs === 60_000 ? 'the last minute' : `the last ${Math.round(windowMs / 1000)} s`;
  const resources = kinds.flatMap((k) => (RAN_OUT_OF[k] ? [RAN_OUT_OF[k]] : []));
  const what = [
    ...(resources.length > 0 ? [`ran out of ${resources.join(' and ')}`] : []),
    ...(notRun.queue > 0 ? [QUEUE_FULL] : []),
  ].join(' and ');
  return `this machine ${what}: ${total} probe${total === 1 ? '' : 's'} could not run in ${window}; results held`;
}

export class ObserverHealth {
  private readonly windowMs: number;
  /** Oldest first; each is one bucket's start and its counts. */
  private buckets: { at: number; counts: Counts }[] = [];
  private since: number | null = null;

  constructor(windowMs = OBSERVER_WINDOW_MS) {
    this.windowMs = windowMs;
  }

  /** A probe that could not run because the observer ran short of `shortage`. */
  record(shortage: ObserverShortage, now: number): void {
    this.prune(now);
    const at = now - (now % BUCKET_MS);
    let last = this.buckets.at(-1);
    if (!last || last.at !== at) {
      last = { at, counts: none() };
      this.buckets.push(last);
    }
    last.counts[shortage]++;
    this.since ??= now;
  }

  view(now: number): ObserverHealthView {
    this.prune(now);
    const notRun = none();
    for (const b of this.buckets) {
      for (const k of Object.keys(notRun) as ObserverShortage[]) notRun[k] += b.counts[k];
    }
    const reason = describeShortage(notRun, this.windowMs);
    return { degraded: reason !== null, reason, notRun, windowMs: this.windowMs, since: this.since };
  }

  /** When the view changes next without new records (the oldest second leaves the window), or null. */
  nextChangeAt(now: number): number | null {
    this.prune(now);
    const oldest = this.buckets[0];
    return oldest ? oldest.at + BUCKET_MS + this.windowMs : null;
  }

  /** A bucket counts while any part of its second lies within the window. */
  private prune(now: number): void {
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.at + BUCKET_MS + this.windowMs <= now) drop++;
    if (drop > 0) this.buckets = this.buckets.slice(drop);
    if (this.buckets.length === 0) this.since = null;
  }
}
