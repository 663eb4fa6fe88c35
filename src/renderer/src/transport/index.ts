import type { KnockonApi } from '../../../shared/api.ts';
import { ipcTransport } from './ipc-client.ts';
import { sseTransport } from './sse-client.ts';
import type { Transport } from './types.ts';

declare global {
  interface Window {
    knockon?: KnockonApi;
  }
}

/** The same bundle runs in Electron (preload present) and in any browser (SSE). */
export function pickTransport(): Transport {
  return window.knockon ? ipcTransport(window.knockon) : sseTransport();
}
