import type { BoardMessage } from '../../../shared/protocol.ts';

/** How board messages reach the renderer: IPC in Electron, SSE in a browser. */
export interface Transport {
  readonly name: 'ipc' | 'sse';
  connect(handlers: {
    onMessages: (messages: BoardMessage[]) => void;
    onConnection: (state: 'connecting' | 'live' | 'lost') => void;
  }): () => void;
}
