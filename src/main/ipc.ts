import { ipcMain, type BrowserWindow, type WebFrameMain } from 'electron';
import { IPC } from '../shared/api.ts';
import type { EngineHost } from '../engine/host.ts';
import { isTrustedSender } from './app-origin.ts';
import { originPolicy } from './protocol.ts';
import { desktopActor, rpcDispatcher } from './rpc-dispatch.ts';

export function setupIpc(host: EngineHost, windows: () => BrowserWindow[]): () => void {
  const policy = originPolicy();
  // Only our own renderer, from the app protocol (or the dev server in development), may call in.
  const trustedSender = (frame: WebFrameMain | null) =>
    isTrustedSender(frame && { url: frame.url, origin: frame.origin, topLevel: frame.parent === null }, policy);
  ipcMain.handle(IPC.getSnapshot, (event) => {
    if (!trustedSender(event.senderFrame)) throw new Error('untrusted sender');
    return host.snapshotMessage();
  });
  // The desktop user is at the machine: actions need no token here, but the renderer confirms
  // them before calling, and the engine records the OS user as the one who acted.
  const dispatch = rpcDispatcher(host, desktopActor());
  ipcMain.handle(IPC.rpc, (event, method: unknown, params: unknown) => {
    if (!trustedSender(event.senderFrame)) throw new Error('untrusted sender');
    return dispatch(method, params);
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
