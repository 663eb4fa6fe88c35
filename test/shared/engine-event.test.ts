import { describe, expect, it } from 'vitest';
import { isEngineEvent } from '../../src/shared/protocol.ts';

describe('isEngineEvent: what the engine worker may post to its host', () => {
  it('takes each kind of message the worker sends', () => {
    const events = [
      { v: 1, seq: 0, kind: 'board', board: 'delta', text: '{}' },
      { v: 1, seq: 1, kind: 'log', level: 'warn', message: 'disk nearly full' },
      { v: 1, seq: 2, kind: 'response', id: 7, ok: true, result: { accepted: 3 } },
      { v: 1, seq: 3, kind: 'response', id: 8, ok: false, error: 'no such check' },
      { v: 1, seq: 4, kind: 'stopped' },
      { v: 1, seq: 5, kind: 'board-state', id: 9, text: null },
    ];
    for (const event of events) expect(isEngineEvent(event), JSON.stringify(event)).toBe(true);
  });

  it('refuses a wrong field, an unknown kind and what is not an object', () => {
    const bad: unknown[] = [
      { v: 1, seq: 0, kind: 'board', board: 'gossip', text: '{}' },
      { v: 1, seq: 1, kind: 'log', level: 'loud', message: 'x' },
      { v: 1, seq: 2, kind: 'response', id: 7, ok: false, result: 1 },
      { v: 2, seq: 4, kind: 'stopped' },
      { v: 1, seq: -1, kind: 'stopped' },
      { v: 1, seq: 5, kind: 'board-state', id: 9 },
      { v: 1, seq: 6, kind: 'toString' },
      { v: 1, seq: 6 },
      null,
      'stopped',
      42,
    ];
    for (const event of bad) expect(isEngineEvent(event), JSON.stringify(event)).toBe(false);
  });
});
