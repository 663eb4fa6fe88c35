import { describe, expect, it } from 'vitest';
import { applyBoardMessage, MAX_BOARD_INCIDENTS } from '../../src/shared/board-state.ts';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.ts';
import type { BoardSnapshot, IncidentView } from '../../src/shared/model.ts';
import { emptyBoard } from '../support/board.ts';

const board = emptyBoard(0);

const incident = (id: string, openedAt: number, state: 'open' | 'resolved'): IncidentView => ({
  id,
  title: id,
  severity: 'critical',
  state,
  rootCause: { kind: 'check', id, name: id },
  impacted: [],
  openedAt,
  detectedAt: openedAt,
  resolvedAt: state === 'open' ? null : openedAt + 1,
  acknowledged: null,
  events: [],
});

describe('board reducer', () => {
  it('never pushes an open incident off the board, however many newer ones resolve', () => {
    let state: BoardSnapshot | null = applyBoardMessage(board, {
      v: PROTOCOL_VERSION,
      seq: 1,
      kind: 'delta',
      at: 1,
      checks: [],
      patches: [],
      removed: [],
      incidents: [incident('long-outage', 1, 'open')],
    });
    for (let i = 0; i < MAX_BOARD_INCIDENTS + 10; i++) {
      state = applyBoardMessage(state, {
        v: PROTOCOL_VERSION,
        seq: i + 2,
        kind: 'delta',
        at: 10 + i,
        checks: [],
        patches: [],
        removed: [],
        incidents: [incident(`flap-${i}`, 10 + i, 'resolved')],
      });
    }
    expect(state!.incidents.map((i) => i.id)).toContain('long-outage');
    expect(state!.incidents.filter((i) => i.state === 'resolved')).toHaveLength(MAX_BOARD_INCIDENTS);
    expect(state!.incidents[0]!.id).toBe(`flap-${MAX_BOARD_INCIDENTS + 9}`);
  });
});
