import type { BoardMessage } from './protocol.ts';
import type { RpcMethod, RpcParams, RpcResult } from './rpc.ts';

/** IPC channel names, prefixed so they cannot collide with anything else on ipcRenderer. */
export const IPC = {
  boardMessage: 'knockon:board-message',
  getSnapshot: 'knockon:get-snapshot',
  rpc: 'knockon:rpc',
  openIncident: 'knockon:open-incident',
} as const;

/**
 * The one object the preload exposes to the renderer as `window.knockon`.
 * One function per message; subscriptions return their unsubscribe function.
 */
export interface KnockonApi {
  readonly transport: 'ipc';
  /** The latest board as a snapshot message, numbered so the next board message follows it. */
  getSnapshot(): Promise<BoardMessage | null>;
  onBoardMessage(listener: (message: BoardMessage) => void): () => void;
  /** A query or an action on the engine (see RpcMethods). */
  call<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>>;
  /** The main process asks the board to show an incident (a native notification was clicked). */
  onOpenIncident(listener: (incidentId: string) => void): () => void;
}
