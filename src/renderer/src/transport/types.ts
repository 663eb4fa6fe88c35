import type { BoardMessage } from '../../../shared/protocol.ts';
import type { RpcMethod, RpcParams, RpcResult } from '../../../shared/rpc.ts';

/** How board messages reach the renderer: IPC in Electron, SSE in a browser. */
export interface Transport {
  readonly name: 'ipc' | 'sse';
  connect(handlers: {
    /**
     * Applies messages in order; false when one was missed (a gap in their seq): the transport
     * then asks for a snapshot and drops what arrives until it comes.
     */
    onMessages: (messages: BoardMessage[]) => boolean;
    onConnection: (state: 'connecting' | 'live' | 'lost') => void;
  }): () => void;
  /** A query or action on the engine; rejects with a message fit to show the user. */
  call<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>>;
}
