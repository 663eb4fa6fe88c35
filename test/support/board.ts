import type { BoardSnapshot, CheckView } from '../../src/shared/model.ts';

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

/** A check as the board sees it: an up TCP check probed once, with `more` laid over it. */
export function checkView(id: string, more: Partial<CheckView> = {}): CheckView {
  return {
    id,
    name: id,
    type: 'tcp',
    target: id,
    region: null,
    intervalMs: 1000,
    timeoutMs: 500,
    status: 'up',
    since: 1,
    lastProbeAt: 1,
    latencyMs: 1,
    errorClass: null,
    message: '',
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    ...more,
  };
}
