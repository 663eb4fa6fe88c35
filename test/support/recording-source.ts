/**
 * The engine side of the board server as a stand-in that records who asked for what: for tests
 * of the server's doors (identity, roles, sign-in), where the engine itself is not under test.
 */
import type { BoardSource } from '../../src/server/board-server.ts';
import type { Actor } from '../../src/shared/actor.ts';
import { emptyBoard } from './board.ts';

export function recordingSource(): { source: BoardSource; calls: { method: string; actor: Actor }[] } {
  const calls: { method: string; actor: Actor }[] = [];
  const source: BoardSource = {
    current: () => emptyBoard(1),
    subscribe: () => () => {},
    request: async (method, _params, actor) => {
      calls.push({ method, actor });
      return { served: method } as never;
    },
  };
  return { source, calls };
}
