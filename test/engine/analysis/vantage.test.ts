import { describe, expect, it } from 'vitest';
import { vantageState } from '../../../src/engine/analysis/vantage.ts';

const ref = (id: string, status: 'up' | 'down' | 'unknown') => ({ id, name: id, status });

describe('vantage', () => {
  it('is offline when every reference check is down, and says why', () => {
    const state = vantageState({ offlineWhen: 'all', references: [ref('gateway', 'down'), ref('resolver', 'down')] });
    expect(state.online).toBe(false);
    expect(state.reason).toContain('gateway, resolver');
  });

  it('stays online while one reference is up, unless told any one failing is enough', () => {
    const references = [ref('gateway', 'down'), ref('resolver', 'up')];
    expect(vantageState({ offlineWhen: 'all', references }).online).toBe(true);
    expect(vantageState({ offlineWhen: 'any', references }).online).toBe(false);
  });

  it('is online with no references, or references not probed yet', () => {
    expect(vantageState({ offlineWhen: 'all', references: [] })).toEqual({ online: true, reason: null });
    expect(vantageState({ offlineWhen: 'any', references: [ref('gateway', 'unknown')] }).online).toBe(true);
  });
});
