import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { IPC } from '../shared/api.ts';
import { isRpcMethodName } from '../shared/rpc.ts';
import type { EngineHost } from '../engine/host.ts';

/** Only our own renderer, loaded from the app bundle or the dev server, may call in. */
function trustedSender(frame: WebFrameMain | null): boolean {
  if (!frame) return false;
  const url = frame.url;
  const dev = process.env.ELECTRON_RENDERER_URL;
  return url.startsWith('file://') || (dev !== undefined && url.startsWith(dev));
}

export function setupIpc(host: EngineHost, windows: () => BrowserWindow[]): () => void {
  ipcMain.handle(IPC.getSnapshot, (event) => {
    if (!trustedSender(event.senderFrame)) throw new Error('untrusted sender');
    return host.current();
  });
  ipcMain.handle(IPC.rpc, (event, method: unknown, params: unknown) => {
    if (!trustedSender(event.senderFrame)) throw new Error('untrusted sender');
    if (!isRpcMethodName(method)) throw new Error('malformed method name');
    if (typeof params !== 'object' || params === null) throw new Error('params must be an object');
    // The desktop user is at the machine: actions need no token here, but the renderer
    // confirms them before calling, and the engine records who did what.
    return host.request(method, params as never);
  });
  const unsubscribe = host.subscribe((message) => {
    for (const win of windows()) {
      if (!win.isDestroyed()) win.webContents.send(IPC.boardMessage, message);
    }
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC.getSnapshot);
    ipcMain.removeHandler(IPC.rpc);
  };
}
