import type { KnockonApi } from '../../../shared/api.ts';
import type { BoardMessage } from '../../../shared/protocol.ts';
import type { Transport } from './types.ts';

/**
 * Board messages from the Electron main process, through the preload's narrow API. The
 * snapshot comes numbered: messages up to its seq are in it, and until it arrives (at the start,
 * or after a missed message) nothing else is applied.
 */
export function ipcTransport(api: KnockonApi): Transport {
  return {
    name: 'ipc',
    connect({ onMessages, onConnection }) {
      onConnection('connecting');
      let active = true;
      let waiting = false;
      const deliver = (messages: BoardMessage[]) => {
        if (!onMessages(messages)) askForSnapshot();
      };
      const askForSnapshot = () => {
        if (waiting) return;
        waiting = true;
        void api.getSnapshot().then((snapshot) => {
          waiting = false;
          if (active && snapshot) deliver([snapshot]);
        });
      };
      const unsubscribe = api.onBoardMessage((message) => {
        if (active && !waiting) deliver([message]);
      });
      askForSnapshot();
      return () => {
        active = false;
        unsubscribe();
      };
    },
    call: (method, params) => api.call(method, params),
  };
}
