/**
 * Nagios's flap detection. The last 21 states give 20 transitions; each change is weighted from
 * 0.8 (oldest) to 1.2 (newest), so recent changes count more, and the weighted sum is taken as a
 * percentage of the 20 possible changes. Flapping starts when it reaches the start threshold
 * and stops only when it falls below the stop threshold (hysteresis). With fewer than 21 states
 * the missing older ones count as no change, so a new check cannot start flapping on a handful
 * of results.
 */
export const FLAP_HISTORY = 21;
const LOW_WEIGHT = 0.8;
const HIGH_WEIGHT = 1.2;

export interface FlapState {
  /** Oldest first; at most FLAP_HISTORY entries. */
  history: string[];
  flapping: boolean;
  percent: number;
}

export interface FlapThresholds {
  start: number;
  stop: number;
}

export const INITIAL_FLAP: FlapState = { history: [], flapping: false, percent: 0 };

export function percentStateChange(history: readonly string[]): number {
  const transitions = FLAP_HISTORY - 1;
  // Align the newest entries with the newest weights.
  const offset = FLAP_HISTORY - history.length;
  let weighted = 0;
  for (let i = 1; i < history.length; i++) {
    if (history[i] === history[i - 1]) continue;
    const slot = offset + i; // 1..20
    weighted += LOW_WEIGHT + ((slot - 1) * (HIGH_WEIGHT - LOW_WEIGHT)) / (transitions - 1);
  }
  return (weighted * 100) / transitions;
}

export function recordFlapState(prev: FlapState, state: string, thresholds: FlapThresholds): FlapState {
  // A full window of one state, and the same again: nothing moves (most results of a steady check).
  if (prev.percent === 0 && prev.history.length === FLAP_HISTORY && prev.history[FLAP_HISTORY - 1] === state) {
    const flapping = prev.flapping ? !(0 < thresholds.stop) : 0 >= thresholds.start;
    if (flapping === prev.flapping) return prev;
  }
  const history = [...prev.history, state].slice(-FLAP_HISTORY);
  const percent = percentStateChange(history);
  let flapping = prev.flapping;
  if (!flapping && percent >= thresholds.start) flapping = true;
  else if (flapping && percent < thresholds.stop) flapping = false;
  return { history, flapping, percent };
}
