/**
 * Node's timers hold at most 2^31-1 ms (24.86 days); a longer delay becomes 1 ms with a warning,
 * so a 30-day silence or a long cooldown would fire at once and spin. Long delays are chained in
 * steps under the limit.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** `ms` of Infinity never fires (Node would fire it at once); NaN waits the longest step. */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const handle: LongTimer = { timer: undefined };
  const arm = (left: number) => {
    const step = Math.min(left, MAX_TIMER_MS);
    handle.timer = setTimeout(() => (left > step ? arm(left - step) : fn()), step);
  };
  arm(Number.isNaN(ms) ? MAX_TIMER_MS : Math.max(0, ms));
  return handle;
}

export function clearLongTimeout(handle: LongTimer | undefined): void {
  if (handle?.timer !== undefined) clearTimeout(handle.timer);
}
