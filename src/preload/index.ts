/**
 * The preload: exposes exactly one typed object, `window.knockon`, to the renderer.
 * Callbacks never see Electron's event object; subscriptions return their unsubscribe.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, type KnockonApi } from '../shared/api.ts';
import type { BoardSnapshot } from '../shared/model.ts';
import { isBoardMessage, type BoardMessage } from '../shared/protocol.ts';

const api: KnockonApi = {
  transport: 'ipc',
  getSnapshot: () => ipcRenderer.invoke(IPC.getSnapshot) as Promise<BoardSnapshot | null>,
  onBoardMessage(listener: (message: BoardMessage) => void) {
    const handler = (_event: IpcRendererEvent, message: unknown) => {
      if (isBoardMessage(message)) listener(message);
    };
    ipcRenderer.on(IPC.boardMessage, handler);
    return () => {
      ipcRenderer.off(IPC.boardMessage, handler);
    };
  },
};

contextBridge.exposeInMainWorld('knockon', api);
