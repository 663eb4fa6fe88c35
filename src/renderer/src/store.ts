import { create } from 'zustand';
import { applyBoardMessage } from '../../shared/board-state.ts';
import type { BoardSnapshot } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';

export type Connection = 'connecting' | 'live' | 'lost';

export interface BoardState {
  board: BoardSnapshot | null;
  connection: Connection;
  /** When the transport last delivered anything, ms since the epoch. */
  lastMessageAt: number | null;
  applyMessages: (messages: BoardMessage[]) => void;
  setConnection: (connection: Connection) => void;
}

export const useBoard = create<BoardState>()((set) => ({
  board: null,
  connection: 'connecting',
  lastMessageAt: null,
  applyMessages: (messages) =>
    set((state) => {
      let board = state.board;
      for (const message of messages) board = applyBoardMessage(board, message);
      return { board, lastMessageAt: Date.now(), connection: 'live' };
    }),
  setConnection: (connection) => set({ connection }),
}));
