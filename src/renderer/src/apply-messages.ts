import { applyBoardMessage, followsOn } from '../../shared/board-state.ts';
import type { BoardSnapshot, CheckView, Notice } from '../../shared/model.ts';
import type { BoardMessage } from '../../shared/protocol.ts';
import { layoutChange } from './apply-checks.ts';
import { summarize, updateSummary, type BoardSummary } from './board-summary.ts';

/** The part of the renderer's store that board messages change. DOM-free, so tests import it. */
export interface BoardData {
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
  /** The header's counts of the board's checks, kept as deltas arrive (`board-summary.ts`). */
  summary: BoardSummary | null;
  /** Notices received in this session, newest first (the engine does not replay them). */
  notices: Notice[];
  /** The last message applied; null before the first snapshot and after a missed message. */
  seq: number | null;
}

const MAX_NOTICES = 20;

/**
 * Board messages applied in order to the store's board data. `inStep` is false when the
 * receiver is out of step with the sender: a message was missed (a gap in `seq`), or a delta
 * would not apply to this board (a malformed patch, e.g. `items` naming a field that is no array
 * here). The rest are then not applied, `seq` is null, and the caller asks for a snapshot; the
 * board stays as of the last message that applied whole.
 */
export function applyMessagesTo(state: BoardData, messages: readonly BoardMessage[]): BoardData & { inStep: boolean } {
  let board = state.board;
  let seq = state.seq;
  let notices = state.notices;
  let summary = state.summary;
  let moved = false;
  let roster = false;
  let inStep = true;
  for (const message of messages) {
    if (!followsOn(seq, message)) {
      // A message missed: what follows may patch views this board does not have. Nothing
      // more is applied until the snapshot the transport now asks for.
      inStep = false;
      break;
    }
    try {
      if (message.kind === 'notice') notices = [message.notice, ...notices].slice(0, MAX_NOTICES);
      else if (message.kind === 'delta' && board) {
        const change = layoutChange(board.checks, message);
        const before = board.checks;
        board = applyBoardMessage(board, message);
        moved ||= change !== 'none';
        roster ||= change === 'roster';
        // After a change of roster the checks are counted again at the end.
        if (!roster && summary && board) summary = updateSummary(summary, before, board.checks, changedIds(message));
      } else {
        const next = applyBoardMessage(board, message);
        if (next?.checks !== board?.checks) moved = roster = true;
        board = next;
      }
    } catch {
      // The delta was made against a view this board does not have: out of step, as above.
      inStep = false;
      break;
    }
    seq = message.seq;
  }
  if (!inStep) seq = null;
  const checks = board?.checks ?? null;
  return {
    board,
    seq,
    layoutChecks: moved || !state.layoutChecks ? checks : state.layoutChecks,
    rosterChecks: roster || !state.rosterChecks ? checks : state.rosterChecks,
    summary: checks === null ? null : roster || !summary ? summarize(checks) : summary,
    notices,
    inStep,
  };
}

/** The ids of the checks a delta touches. */
function* changedIds(delta: Extract<BoardMessage, { kind: 'delta' }>): Generator<string> {
  for (const check of delta.checks) yield check.id;
  for (const patch of delta.patches) yield patch.id;
}
