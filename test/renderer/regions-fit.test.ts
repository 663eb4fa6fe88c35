import { describe, expect, it } from 'vitest';
import type { Status } from '../../src/shared/model.ts';
import { naturalCompare } from '../../src/renderer/src/format.ts';
import { fitRegions, regionColumns, summariseRegions } from '../../src/renderer/src/regions.ts';
import { checkView } from '../support/board.ts';

const region = (id: string, status: Status) => ({ id, status });

describe('fitting regions on the overview', () => {
  it('lays 8 regions out 4 by 2 and 16 as 5 by 4, never more than 5 columns', () => {
    expect(regionColumns(8)).toBe(4);
    expect(Math.ceil(16 / regionColumns(16))).toBeLessThanOrEqual(4);
    expect(regionColumns(60)).toBe(5);
    expect(regionColumns(1)).toBe(2);
  });

  it('puts the worst first, keeping config order among equals', () => {
    const { cards } = fitRegions([
      region('a', 'up'),
      region('b', 'down'),
      region('c', 'degraded'),
      region('d', 'down'),
    ]);
    expect(cards.map((c) => c.id)).toEqual(['b', 'd', 'c', 'a']);
  });

  it('summarises the healthiest into one card past 16, so every failing region keeps its own', () => {
    const list = [
      ...Array.from({ length: 20 }, (_, i) => region(`up${i}`, 'up')),
      region('lon', 'down'),
      region('iad', 'degraded'),
    ];
    const { cards, folded } = fitRegions(list);
    expect(cards).toHaveLength(15);
    expect(cards.slice(0, 2).map((c) => c.id)).toEqual(['lon', 'iad']);
    expect(folded).toHaveLength(7);
    expect(folded.every((f) => f.status === 'up')).toBe(true);
  });
});

describe('natural order of names', () => {
  it('counts digit runs as numbers and ignores case', () => {
    const names = ['London api node 10', 'london api node 2', 'London api node 1', 'London api node 27'];
    expect([...names].sort(naturalCompare)).toEqual([
      'London api node 1',
      'london api node 2',
      'London api node 10',
      'London api node 27',
    ]);
  });
});

describe("a region's path problems", () => {
  const quorum = (failing: string[], pathProblem: boolean) => ({
    rule: 'majority of 4',
    voters: 4,
    of: 4,
    failing,
    held: false,
    pathProblem,
  });

  it('counts its checks that some vantages cannot reach, and names those vantages once each', () => {
    const [sgp] = summariseRegions(
      [{ id: 'sgp', name: 'Singapore', lat: 1.3, lon: 103.8, providerRegion: null }],
      [
        checkView('a', { region: 'sgp', quorum: quorum(['tyo'], true) }),
        checkView('b', { region: 'sgp', quorum: quorum(['tyo', 'fra'], true) }),
        // Down from every vantage: an outage, not a path problem.
        checkView('c', { region: 'sgp', status: 'down', quorum: quorum(['sg', 'tyo', 'fra', 'local'], false) }),
        checkView('d', { region: 'sgp' }),
      ],
      [],
    );
    expect(sgp!.paths).toBe(2);
    expect(sgp!.pathVantages).toEqual(['tyo', 'fra']);
    expect(sgp!.status).toBe('down');
  });
});
