import type { BoardSnapshot } from './model.ts';
import type { BoardMessage } from './protocol.ts';

/** IPC channel names, prefixed so they cannot collide with anything else on ipcRenderer. */
export const IPC = {
  boardMessage: 'knockon:board-message',
  getSnapshot: 'knockon:get-snapshot',
} as const;

/**
 * The one object the preload exposes to the renderer as `window.knockon`.
 * One function per message; subscriptions return their unsubscribe function.
 */
export interface KnockonApi {
  readonly transport: 'ipc';
  getSnapshot(): Promise<BoardSnapshot | null>;
  onBoardMessage(listener: (message: BoardMessage) => void): () => void;
}
