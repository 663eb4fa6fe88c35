import { create } from 'zustand';
import type { CheckView } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';
import { checkById } from './apply-checks.ts';
import { applyMessagesTo, type BoardData } from './apply-messages.ts';
import { recordApply } from './perf.ts';

export type Connection = 'connecting' | 'live' | 'lost';

export interface BoardState extends BoardData {
  connection: Connection;
  /** When the transport last delivered anything, ms since the epoch. */
  lastMessageAt: number | null;
  /**
   * Applies messages in order; false when the store is out of step (a message missed, or a
   * delta that would not apply): the rest are not applied and the caller asks for a snapshot.
   */
  applyMessages: (messages: BoardMessage[]) => boolean;
  setConnection: (connection: Connection) => void;
}

export const useBoard = create<BoardState>()((set) => ({
  board: null,
  layoutChecks: null,
  rosterChecks: null,
  summary: null,
  connection: 'connecting',
  lastMessageAt: null,
  notices: [],
  seq: null,
  applyMessages: (messages) => {
    const start = performance.now();
    let inStep = true;
    set((state) => {
      const { inStep: applied, ...data } = applyMessagesTo(state, messages);
      inStep = applied;
      return { ...data, lastMessageAt: Date.now(), connection: 'live' };
    });
    recordApply(
      start,
      messages.length,
      messages.some((m) => m.kind === 'snapshot'),
    );
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
