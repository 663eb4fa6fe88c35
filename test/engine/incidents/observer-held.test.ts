import { describe, expect, it } from 'vitest';
import type { ObserverHealthView } from '../../../src/shared/model.ts';
import { Harness, TOPOLOGY } from './harness.ts';

const MINUTE = 60_000;
const RULE = `alerts:
  - { name: ServerDown, condition: down, for: 1m, severity: critical }
`;
const health = (degraded: boolean): ObserverHealthView => ({
  degraded,
  reason: degraded ? 'this machine ran out of file descriptors' : null,
  notRun: { descriptors: degraded ? 5 : 0, memory: 0, queue: 0 },
  windowMs: MINUTE,
  since: degraded ? 0 : null,
});

describe('knock-on analysis while the observer is degraded', () => {
  it('holds alerts while this machine cannot run its probes, and alerts once it can', async () => {
    const h = new Harness(TOPOLOGY + RULE);
    for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');
    h.module.onObserverHealth(health(true));
    h.result('lb', 'down');
    await h.clock.advance(5 * MINUTE);
    expect(h.incidents()).toEqual([]);

    h.module.onObserverHealth(health(false));
    await h.clock.advance(MINUTE);
    expect(h.open()).toHaveLength(1);
  });
});
