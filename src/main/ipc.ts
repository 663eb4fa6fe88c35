import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { IPC } from '../shared/api.ts';
import type { EngineHost } from '../engine/host.ts';
import { validRpc } from './rpc-validate.ts';

/** Only our own renderer, loaded from the app bundle or the dev server, may call in. */
function trustedSender(frame: WebFrameMain | null): boolean {
  if (!frame || frame.parent !== null) return false;
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
    if (!validRpc(method, params)) throw new Error('malformed request');
    // The desktop user is at the machine: actions need no token here, but the renderer
    // confirms them before calling, and the engine records who did what.
    return host.request(method, params as never);
  });
  const unsubscribe = host.subscribe((message) => {
    // Notices become native notifications in the main process; the renderer gets them too,
    // so a kiosk wall (where popups may be hidden) can show its own toast.
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
