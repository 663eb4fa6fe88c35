import { describe, expect, it } from 'vitest';
import { NO_REASON, offlineLines } from '../../src/renderer/src/offline-lines.ts';

const REFUSED =
  'the centre refuses its syncs: invalid sync: (body): unknown field beatV3 (agent 0.9.0, this centre 0.1.0: upgrade the centre first)';

describe('offlineLines', () => {
  it('says one reason once for every vantage that has it, the largest group first', () => {
    const summary = offlineLines(
      [
        { name: 'Frankfurt', reason: 'no sync for more than 15 s' },
        { name: 'Tokyo', reason: REFUSED },
        { name: 'Sydney', reason: null },
        { name: 'Mumbai', reason: REFUSED },
        { name: 'Seoul', reason: REFUSED },
      ],
      3,
    );
    expect(summary).toEqual({
      lines: [
        { names: ['Tokyo', 'Mumbai', 'Seoul'], reason: REFUSED },
        { names: ['Frankfurt'], reason: 'no sync for more than 15 s' },
        { names: ['Sydney'], reason: NO_REASON },
      ],
      more: 0,
    });
  });

  it('shows at most the lines asked for and counts the vantages left out', () => {
    const offline = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, reason: `${name} is down` }));
    offline.push({ name: 'f', reason: 'a is down' });
    const summary = offlineLines(offline, 2);
    expect(summary.lines).toEqual([
      { names: ['a', 'f'], reason: 'a is down' },
      { names: ['b'], reason: 'b is down' },
    ]);
    expect(summary.more).toBe(3);
    expect(offlineLines(offline, 0)).toEqual({ lines: [], more: 6 });
    expect(offlineLines([], 3)).toEqual({ lines: [], more: 0 });
  });
});
