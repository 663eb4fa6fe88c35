import type { BoardSnapshot, IncidentView } from './model.ts';
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
    case 'notice':
      return board;
    case 'delta': {
      if (!board) return board;
      const changed = new Map(message.checks.map((c) => [c.id, c]));
      const removed = new Set(message.removed);
      const known = new Set(board.checks.map((c) => c.id));
      const checks = board.checks.filter((c) => !removed.has(c.id)).map((c) => changed.get(c.id) ?? c);
      for (const c of message.checks) if (!known.has(c.id)) checks.push(c);
      return {
        ...board,
        generatedAt: message.at,
        checks,
        components: message.components ? mergeById(board.components, message.components) : board.components,
        incidents: message.incidents ? mergeIncidents(board.incidents, message.incidents) : board.incidents,
        failovers: message.failovers ? mergeById(board.failovers, message.failovers, 'policyId') : board.failovers,
        vantage: message.vantage ?? board.vantage,
        ...(message.vantages ? { vantages: message.vantages } : {}),
      };
    }
  }
}

function mergeById<T, K extends keyof T>(current: T[], changed: T[], key: K = 'id' as K): T[] {
  const byKey = new Map(changed.map((item) => [item[key], item]));
  const merged = current.map((item) => byKey.get(item[key]) ?? item);
  const known = new Set(current.map((item) => item[key]));
  for (const item of changed) if (!known.has(item[key])) merged.push(item);
  return merged;
}

/** Resolved incidents kept on the board, newest first; open ones are never dropped. */
export const MAX_BOARD_INCIDENTS = 50;

function mergeIncidents(current: IncidentView[], changed: IncidentView[]): IncidentView[] {
  const merged = mergeById(current, changed).sort((a, b) => b.openedAt - a.openedAt);
  const open = merged.filter((i) => i.state === 'open');
  const resolved = merged.filter((i) => i.state !== 'open').slice(0, MAX_BOARD_INCIDENTS);
  return [...open, ...resolved].sort((a, b) => b.openedAt - a.openedAt);
}
