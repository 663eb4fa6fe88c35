import type { BoardSnapshot } from './model.ts';
import type { BoardMessage } from './protocol.ts';

/**
 * Applies one board message to a snapshot, returning a new snapshot (never mutating).
 * Used by hosts to keep the latest board for clients that join late, and by the renderer.
 */
export function applyBoardMessage(board: BoardSnapshot | null, message: BoardMessage): BoardSnapshot | null {
  switch (message.kind) {
    case 'snapshot':
      return message.snapshot;
    case 'config':
      return board && { ...board, config: message.config };
    case 'delta': {
      if (!board) return board;
      const changed = new Map(message.checks.map((c) => [c.id, c]));
      const removed = new Set(message.removed);
      const known = new Set(board.checks.map((c) => c.id));
      const checks = board.checks.filter((c) => !removed.has(c.id)).map((c) => changed.get(c.id) ?? c);
      for (const c of message.checks) if (!known.has(c.id)) checks.push(c);
      return { ...board, generatedAt: message.at, checks };
    }
  }
}
