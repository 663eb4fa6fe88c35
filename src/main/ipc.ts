import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { IPC } from '../shared/api.ts';
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
  const unsubscribe = host.subscribe((message) => {
    for (const win of windows()) {
      if (!win.isDestroyed()) win.webContents.send(IPC.boardMessage, message);
    }
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC.getSnapshot);
  };
}
