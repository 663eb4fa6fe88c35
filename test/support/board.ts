import type { BoardSnapshot } from '../../src/shared/model.ts';

/** A board with nothing on it yet, for tests of what handles boards. */
export function emptyBoard(at = 0): BoardSnapshot {
  return {
    title: 'T',
    timezone: 'UTC',
    generatedAt: at,
    config: { source: 'test', appliedAt: at, error: null },
    regions: [],
    checks: [],
    components: [],
    incidents: [],
    vantage: { id: 'local', name: 'here', online: true, reason: null },
    failovers: [],
  };
}
