import type { KnockonApi } from '../../../shared/api.ts';
import type { Transport } from './types.ts';

/** Board messages from the Electron main process, through the preload's narrow API. */
export function ipcTransport(api: KnockonApi): Transport {
  return {
    name: 'ipc',
    connect({ onMessages, onConnection }) {
      onConnection('connecting');
      let active = true;
      const unsubscribe = api.onBoardMessage((message) => {
        if (active) onMessages([message]);
      });
      void api.getSnapshot().then((snapshot) => {
        if (active && snapshot) onMessages([{ v: 1, seq: 0, kind: 'snapshot', snapshot }]);
      });
      return () => {
        active = false;
        unsubscribe();
      };
    },
    call: (method, params) => api.call(method, params),
  };
}
