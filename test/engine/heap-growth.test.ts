/**
 * The heap growth step and the scavenger set for Knockon's processes (worker-limits.ts): their
 * defaults, the overrides and what a malformed override says. What they do to the collector's
 * CPU is measured by bench/vantages.ts (docs/BENCHMARKS.md, "The old generation's growth step",
 * "Wakes, and the same code on a faster day"), not here.
 */
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, tuneHeapGrowth, tuneHeapOrWarn, tuneScavenge } from '../../src/engine/worker-limits.ts';

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

describe('tuneScavenge', () => {
  it('turns parallel scavenging off by default and on with KNOCKON_PARALLEL_SCAVENGE=1', () => {
    expect(tuneScavenge({})).toBe(true);
    expect(tuneScavenge({ KNOCKON_PARALLEL_SCAVENGE: '0' })).toBe(true);
    expect(tuneScavenge({ KNOCKON_PARALLEL_SCAVENGE: '1' })).toBe(false);
    expect(tuneScavenge({ KNOCKON_PARALLEL_SCAVENGE: '' })).toBe(true);
  });

  it('refuses anything but 0 or 1, naming the variable and the value; at start-up that is a warning', () => {
    for (const bad of ['yes', 'true', '2', ' 1']) {
      expect(() => tuneScavenge({ KNOCKON_PARALLEL_SCAVENGE: bad })).toThrow(
        `KNOCKON_PARALLEL_SCAVENGE: expected 1 (V8's parallel scavenging) or 0 (off, the default), got "${bad}"`,
      );
    }
    const warnings: string[] = [];
    tuneHeapOrWarn((m) => warnings.push(m), {
      KNOCKON_PARALLEL_SCAVENGE: 'yes',
      KNOCKON_HEAP_GROWING_PERCENT: 'x',
    });
    expect(warnings).toEqual([
      'KNOCKON_HEAP_GROWING_PERCENT: expected a whole number from 0 to 400, got "x"; V8 chooses',
      `KNOCKON_PARALLEL_SCAVENGE: expected 1 (V8's parallel scavenging) or 0 (off, the default), got "yes"; V8 chooses`,
    ]);
  });
});
