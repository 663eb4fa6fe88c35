import { useSyncExternalStore } from 'react';

/**
 * The board's one clock, for many small readers (a grid of tiles) and the views' clocks and ages
 * alike: a single one-second timer, running while anyone listens, and each reader re-renders only
 * when what it derives from the time changes (a tile when it turns stale, or its age's coarse
 * step), never merely because a second passed.
 */
const TICK_MS = 1000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** Something derived from the current time; `derive` must return a primitive (compared with Object.is). */
export function useClock<T extends string | number | boolean>(derive: (now: number) => T): T {
  // With nobody listening the timer is off and `now` old: a first reader sees the time, not then.
  return useSyncExternalStore(subscribe, () => derive(timer ? now : (now = Date.now())));
}

/** The current time in steps of `everyMs` (a multiple of a second): clocks, ages and staleness. */
export function useNow(everyMs = TICK_MS): number {
  return useClock((t) => t - (t % everyMs));
}
