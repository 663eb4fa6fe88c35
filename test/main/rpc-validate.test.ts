import { describe, expect, it } from 'vitest';
import { validRpc } from '../../src/main/rpc-validate.ts';

describe('IPC request validation', () => {
  it('accepts a known method with exactly the right params', () => {
    expect(validRpc('history.series', { checkId: 'hk-lb', range: '1h', points: 300 })).toBe(true);
    expect(validRpc('incidents.acknowledge', { incidentId: 'i1', by: 'ana', note: '' })).toBe(true);
  });

  it('rejects unknown methods, including inherited property names', () => {
    expect(validRpc('shell.exec', {})).toBe(false);
    expect(validRpc('toString', {})).toBe(false);
    expect(validRpc(42, {})).toBe(false);
  });

  it('rejects params of the wrong shape', () => {
    expect(validRpc('history.series', null)).toBe(false);
    expect(validRpc('history.series', [])).toBe(false);
    expect(validRpc('history.series', { checkId: 'x', range: '1h' })).toBe(false);
    expect(validRpc('history.series', { checkId: 'x', range: '1h', points: '300' })).toBe(false);
    expect(validRpc('history.series', { checkId: 'x', range: '1h', points: Infinity })).toBe(false);
    expect(validRpc('history.series', { checkId: 'x', range: '1h', points: 3, extra: 1 })).toBe(false);
    expect(validRpc('incidents.acknowledge', { incidentId: 'i', by: 'a', note: 'x'.repeat(5000) })).toBe(false);
  });
});
