import { create } from 'zustand';
import { applyBoardMessage } from '../../shared/board-state.ts';
import type { BoardSnapshot, Notice } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';
import { applyCheckChanges } from './apply-checks.ts';
import { recordApply } from './perf.ts';

export type Connection = 'connecting' | 'live' | 'lost';

export interface BoardState {
  board: BoardSnapshot | null;
  connection: Connection;
  /** When the transport last delivered anything, ms since the epoch. */
  lastMessageAt: number | null;
  /** Notices received in this session, newest first (the engine does not replay them). */
  notices: Notice[];
  applyMessages: (messages: BoardMessage[]) => void;
  setConnection: (connection: Connection) => void;
}

const MAX_NOTICES = 20;

export const useBoard = create<BoardState>()((set) => ({
  board: null,
  connection: 'connecting',
  lastMessageAt: null,
  notices: [],
  applyMessages: (messages) => {
    const start = performance.now();
    set((state) => {
      let board = state.board;
      let notices = state.notices;
      for (const message of messages) {
        if (message.kind === 'notice') notices = [message.notice, ...notices].slice(0, MAX_NOTICES);
        else if (message.kind === 'delta' && board) {
          // Everything but the checks through the shared reducer; the checks, the bulk of every
          // delta, through the allocation-light path.
          const rest = applyBoardMessage({ ...board, checks: [] }, { ...message, checks: [], removed: [] })!;
          board = { ...rest, checks: applyCheckChanges(board.checks, message.checks, message.removed) };
        } else board = applyBoardMessage(board, message);
      }
      return { board, notices, lastMessageAt: Date.now(), connection: 'live' };
    });
    recordApply(start, messages.length);
  },
  setConnection: (connection) => set({ connection }),
}));
