import { describe, expect, it } from 'vitest';
import { INITIAL_FLAP, percentStateChange, recordFlapState } from '../../../src/engine/analysis/flap.ts';

const thresholds = { start: 50, stop: 25 };

function feed(states: string[], start = INITIAL_FLAP) {
  return states.reduce((s, state) => recordFlapState(s, state, thresholds), start);
}

describe('flap detection (Nagios)', () => {
  it('weights changes from 0.8 for the oldest transition to 1.2 for the newest', () => {
    const steady = Array<string>(21).fill('up');
    expect(percentStateChange(steady)).toBe(0);
    const newestChange = [...steady.slice(0, 20), 'down'];
    expect(percentStateChange(newestChange)).toBeCloseTo((1.2 * 100) / 20, 10);
    const oldestChange = ['down', ...steady.slice(1)];
    expect(percentStateChange(oldestChange)).toBeCloseTo((0.8 * 100) / 20, 10);
    const alternating = Array.from({ length: 21 }, (_, i) => (i % 2 ? 'down' : 'up'));
    expect(percentStateChange(alternating)).toBeCloseTo(100, 10);
  });

  it('starts flapping at the start threshold and stops only below the stop threshold', () => {
    const flapping = feed(Array.from({ length: 21 }, (_, i) => (i % 2 ? 'down' : 'up')));
    expect(flapping.flapping).toBe(true);
    // Settling: the percentage falls through 50 to 25 while still flapping (hysteresis).
    let state = flapping;
    let sawBetween = false;
    for (let i = 0; i < 21 && state.flapping; i++) {
      state = recordFlapState(state, 'up', thresholds);
      if (state.percent < 50 && state.percent >= 25) {
        sawBetween = true;
        expect(state.flapping).toBe(true);
      }
    }
    expect(sawBetween).toBe(true);
    expect(state.flapping).toBe(false);
    expect(state.percent).toBeLessThan(25);
  });

  it('does not call a new check flapping on its first few changes', () => {
    expect(feed(['up', 'down', 'up', 'down', 'up']).flapping).toBe(false);
  });

  it('keeps only the last 21 states', () => {
    expect(feed(Array<string>(40).fill('up')).history).toHaveLength(21);
  });
});
