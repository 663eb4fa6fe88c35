import { create } from 'zustand';
import { applyBoardMessage, followsOn } from '../../shared/board-state.ts';
import type { BoardSnapshot, CheckView, Notice } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';
import { checkById, layoutChange } from './apply-checks.ts';
import { recordApply } from './perf.ts';

export type Connection = 'connecting' | 'live' | 'lost';

export interface BoardState {
  board: BoardSnapshot | null;
  /**
   * The board's checks as of the last change that moves something on the grid (see
   * `layoutChange`): the same array until then, so views that only lay checks out re-render
   * on such changes, not on every delta. Its checks' live fields (latency, times, heartbeats)
   * may be old: tiles read those with `useCheck`.
   */
  layoutChecks: CheckView[] | null;
  /**
   * The checks as of the last change to the roster (a check added, removed, renamed or moved
   * to another region). Until the next, every later array holds the same ids at the same
   * positions, so orders worked out from it stay valid.
   */
  rosterChecks: CheckView[] | null;
  connection: Connection;
  /** When the transport last delivered anything, ms since the epoch. */
  lastMessageAt: number | null;
  /** Notices received in this session, newest first (the engine does not replay them). */
  notices: Notice[];
  /** The last message applied; null before the first snapshot and after a missed message. */
  seq: number | null;
  /**
   * Applies messages in order; false when one was missed (a gap in `seq`): the rest are not
   * applied and the caller asks for a snapshot.
   */
  applyMessages: (messages: BoardMessage[]) => boolean;
  setConnection: (connection: Connection) => void;
}

const MAX_NOTICES = 20;

export const useBoard = create<BoardState>()((set) => ({
  board: null,
  layoutChecks: null,
  rosterChecks: null,
  connection: 'connecting',
  lastMessageAt: null,
  notices: [],
  seq: null,
  applyMessages: (messages) => {
    const start = performance.now();
    let inStep = true;
    set((state) => {
      let board = state.board;
      let seq = state.seq;
      let notices = state.notices;
      let moved = false;
      let roster = false;
      for (const message of messages) {
        if (!followsOn(seq, message)) {
          // A message missed: what follows may patch views this board does not have. Nothing
          // more is applied until the snapshot the transport now asks for.
          inStep = false;
          seq = null;
          break;
        }
        seq = message.seq;
        if (message.kind === 'notice') notices = [message.notice, ...notices].slice(0, MAX_NOTICES);
        else if (message.kind === 'delta' && board) {
          const change = layoutChange(board.checks, message);
          moved ||= change !== 'none';
          roster ||= change === 'roster';
          board = applyBoardMessage(board, message);
        } else {
          const next = applyBoardMessage(board, message);
          if (next?.checks !== board?.checks) moved = roster = true;
          board = next;
        }
      }
      const checks = board?.checks ?? null;
      return {
        board,
        seq,
        layoutChecks: moved || !state.layoutChecks ? checks : state.layoutChecks,
        rosterChecks: roster || !state.rosterChecks ? checks : state.rosterChecks,
        notices,
        lastMessageAt: Date.now(),
        connection: 'live',
      };
    });
    recordApply(start, messages.length);
    return inStep;
  },
  setConnection: (connection) => set({ connection }),
}));

/** One check, live: a component using it re-renders when that check changes, not when others do. */
export function useCheck(id: string): CheckView | undefined {
  return useBoard((s) => (s.board ? checkById(s.board.checks, id) : undefined));
}

const configChecks = new WeakMap<readonly CheckView[], CheckView[]>();

/**
 * The config's checks without check instances, for the views about checks and regions (the
 * overview, the map, latency): an instance is counted on its check's tile there. The same array
 * for the same board's checks, and the board's own when there are no instances.
 */
export function useConfigChecks(): CheckView[] | undefined {
  const checks = useBoard((s) => s.board?.checks);
  if (!checks) return undefined;
  let own = configChecks.get(checks);
  if (!own) {
    own = checks.some((c) => c.instanceOf !== undefined) ? checks.filter((c) => c.instanceOf === undefined) : checks;
    configChecks.set(checks, own);
  }
  return own;
}
