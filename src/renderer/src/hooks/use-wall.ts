import { useEffect, useState } from 'react';
import type { ViewName, WallOptions } from '../route.ts';

/** The view the rotating wall shows now: advances every dwell, and restarts when the options change. */
export function useRotation(options: WallOptions, current: ViewName): ViewName {
  const [index, setIndex] = useState(0);
  const { dwellMs, views } = options;
  const key = views.join(',');
  useEffect(() => {
    setIndex(0);
    if (dwellMs === null) return;
    const timer = setInterval(() => setIndex((i) => i + 1), dwellMs);
    return () => clearInterval(timer);
  }, [dwellMs, key]);
  if (dwellMs === null) return current;
  return views[index % views.length] ?? current;
}

/** Burn-in protection: the whole wall moves by a pixel or two every minute, in a slow loop. */
const SHIFTS: [number, number][] = [
  [0, 0],
  [2, 1],
  [3, 3],
  [1, 4],
  [-1, 3],
  [-3, 2],
  [-3, -1],
  [-1, -3],
  [2, -2],
];
const SHIFT_EVERY_MS = 60_000;

export function usePixelShift(enabled: boolean): [number, number] {
  const [step, setStep] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => setStep((s) => (s + 1) % SHIFTS.length), SHIFT_EVERY_MS);
    return () => clearInterval(timer);
  }, [enabled]);
  return enabled ? SHIFTS[step]! : [0, 0];
}

/**
 * Keeps the screen awake on the wall where the browser allows it (Electron's main process uses
 * powerSaveBlocker instead). The lock is released whenever the page is hidden, so take it again
 * when it becomes visible.
 */
export function useWakeLock(enabled: boolean): void {
  useEffect(() => {
    if (!enabled || !('wakeLock' in navigator)) return;
    let lock: WakeLockSentinel | null = null;
    let active = true;
    const acquire = () => {
      if (document.visibilityState !== 'visible' || lock) return;
      navigator.wakeLock.request('screen').then(
        (l) => {
          if (!active) return void l.release();
          lock = l;
          l.addEventListener('release', () => {
            lock = null;
          });
        },
        () => {
          // Not allowed here (no user gesture, insecure context, policy): the display's own settings decide.
        },
      );
    };
    acquire();
    document.addEventListener('visibilitychange', acquire);
    return () => {
      active = false;
      document.removeEventListener('visibilitychange', acquire);
      void lock?.release();
    };
  }, [enabled]);
}
