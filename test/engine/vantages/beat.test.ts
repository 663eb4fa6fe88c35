/**
 * The centre's beat (src/engine/vantages/beat.ts): each agent vantage's slot, exactly, from the
 * time given. Agents in one group sync together; groups of at most AGENTS_PER_BEAT spread evenly.
 */
import { describe, expect, it } from 'vitest';
import { AGENTS_PER_BEAT, beatPlaces, nextSlotInMs } from '../../../src/engine/vantages/beat.ts';

describe('beatPlaces', () => {
  it('puts a few agents in one group: they sync together', () => {
    expect([...beatPlaces(['sg', 'tyo', 'fra'])]).toEqual([
      ['sg', { group: 0, groups: 1 }],
      ['tyo', { group: 0, groups: 1 }],
      ['fra', { group: 0, groups: 1 }],
    ]);
    expect(beatPlaces([]).size).toBe(0);
  });

  it('never puts more than AGENTS_PER_BEAT in a group, and spreads the rest round the groups', () => {
    const ids = Array.from({ length: 2 * AGENTS_PER_BEAT + 1 }, (_, i) => `v${i}`);
    const places = beatPlaces(ids);
    const sizes = [0, 0, 0];
    for (const place of places.values()) {
      expect(place.groups).toBe(3);
      sizes[place.group]!++;
    }
    expect(sizes).toEqual([6, 6, 5]);
    expect(places.get('v0')).toEqual({ group: 0, groups: 3 });
    expect(places.get('v1')).toEqual({ group: 1, groups: 3 });
    expect(places.get('v3')).toEqual({ group: 0, groups: 3 });
  });
});

describe('nextSlotInMs', () => {
  const one = { group: 0, groups: 1 };
  it('counts to the next multiple of the period on the centre clock; 0 at a slot', () => {
    expect(nextSlotInMs(1_800_000_000_000, 750, one)).toBe(0);
    expect(nextSlotInMs(1_800_000_000_300, 750, one)).toBe(450);
    expect(nextSlotInMs(1_800_000_000_749, 750, one)).toBe(1);
    expect(nextSlotInMs(1_800_000_000_750, 750, one)).toBe(0);
    // A fractional clock reading is taken to the ms.
    expect(nextSlotInMs(1_800_000_000_300.4, 750, one)).toBe(450);
  });

  it('puts each group its share of the period later', () => {
    const t = 1_800_000_000_000;
    expect([0, 1, 2].map((group) => nextSlotInMs(t, 600, { group, groups: 3 }))).toEqual([0, 200, 400]);
    expect([0, 1, 2].map((group) => nextSlotInMs(t + 250, 600, { group, groups: 3 }))).toEqual([350, 550, 150]);
  });
});
