import { clearLongTimeout, setLongTimeout } from '../long-timer.ts';

/** Waits `ms`, or less if `signal` aborts: never rejects, so loops can check the signal after. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setLongTimeout(done, ms);
    function done() {
      clearLongTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
