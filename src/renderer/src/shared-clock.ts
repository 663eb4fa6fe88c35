import { useSyncExternalStore } from 'react';

/**
 * One clock for many small readers (a grid of tiles): a single one-second timer, running while
 * anyone listens, and each reader re-renders only when what it derives from the time changes
 * (a tile when it turns stale, or its age's coarse step), never merely because a second passed.
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
  return useSyncExternalStore(subscribe, () => derive(now));
}
