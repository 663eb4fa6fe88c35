/**
 * The heap growth step set for Knockon's processes (worker-limits.ts): its default, the override
 * and what a malformed override says. What it does to the collector's CPU is measured by
 * bench/vantages.ts (docs/BENCHMARKS.md, "The old generation's growth step"), not here.
 */
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, tuneHeapGrowth } from '../../src/engine/worker-limits.ts';

describe('tuneHeapGrowth', () => {
  it('sets 100 % by default, an override as given, and leaves V8 to choose at 0', () => {
    expect(HEAP_GROWING_PERCENT).toBe(100);
    expect(tuneHeapGrowth({})).toBe(100);
    expect(tuneHeapGrowth({ KNOCKON_HEAP_GROWING_PERCENT: '' })).toBe(100);
    expect(tuneHeapGrowth({ KNOCKON_HEAP_GROWING_PERCENT: '0' })).toBeNull();
  });

  it('refuses what is not a whole percentage from 0 to 400, naming the variable and the value', () => {
    for (const bad of ['-1', '401', '1.5', 'lots', '50%']) {
      expect(() => tuneHeapGrowth({ KNOCKON_HEAP_GROWING_PERCENT: bad })).toThrow(
        `KNOCKON_HEAP_GROWING_PERCENT: expected a whole number from 0 to 400, got "${bad}"`,
      );
    }
  });
});
