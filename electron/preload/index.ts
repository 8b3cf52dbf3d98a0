import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type BuildDeckBridge } from '../common/bridge';
import type { EventName } from '../common/contract';

/**
 * The whole bridge: invoke, on, pathForFile. No ipcRenderer, no Node objects reach the page
 * (checklist #3 context isolation); the main process validates sender and payload again.
 */
const bridge: BuildDeckBridge = {
  invoke: (command, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, command, input),
  on: (event, listener) => {
    const handler = (_e: IpcRendererEvent, name: EventName, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as File) || undefined;
    } catch {
      return undefined;
    }
  },
};

contextBridge.exposeInMainWorld('builddeck', bridge);
