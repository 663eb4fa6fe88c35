/**
 * The preload: exposes exactly one typed object, `window.knockon`, to the renderer.
 * Callbacks never see Electron's event object; subscriptions return their unsubscribe.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, type KnockonApi } from '../shared/api.ts';
import { isBoardMessage, type BoardMessage } from '../shared/protocol.ts';

function subscribe<T>(channel: string, accept: (value: unknown) => value is T, listener: (value: T) => void) {
  const handler = (_event: IpcRendererEvent, value: unknown) => {
    if (accept(value)) listener(value);
  };
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.off(channel, handler);
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';

const api: KnockonApi = {
  transport: 'ipc',
  getSnapshot: async () => {
    const message: unknown = await ipcRenderer.invoke(IPC.getSnapshot);
    return isBoardMessage(message) ? message : null;
  },
  onBoardMessage: (listener: (message: BoardMessage) => void) => subscribe(IPC.boardMessage, isBoardMessage, listener),
  call: (method, params) => ipcRenderer.invoke(IPC.rpc, method, params),
  onOpenIncident: (listener) => subscribe(IPC.openIncident, isString, listener),
};

contextBridge.exposeInMainWorld('knockon', api);
