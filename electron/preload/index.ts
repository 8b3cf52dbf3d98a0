import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type BuildDeckBridge } from '../common/bridge';
import type { EventName } from '../common/contract';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>();

/**
 * Events the page had no listener for when they came and must not lose: a tray item or
 * notification that opens a build creates the window when it is closed, and main sends the
 * request before the page's scripts have subscribed. The last one waits for its first listener.
 */
const HELD_UNTIL_HEARD: ReadonlySet<EventName> = new Set<EventName>(['app.openRequested']);
const held = new Map<EventName, unknown>();

// One channel listener for the page's life, dispatching by name: a listener per subscription
// could not tell an event nobody heard from one somebody did.
ipcRenderer.on(IPC_EVENT_CHANNEL, (_e: IpcRendererEvent, name: EventName, payload: unknown) => {
  const forName = listeners.get(name);
  if (forName && forName.size > 0) for (const listener of [...forName]) listener(payload);
  else if (HELD_UNTIL_HEARD.has(name)) held.set(name, payload);
});

/**
 * The whole bridge: invoke, on, pathForFile. No ipcRenderer, no Node objects reach the page
 * (checklist #3 context isolation); the main process validates sender and payload again.
 */
const bridge: BuildDeckBridge = {
  invoke: (command, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, command, input),
  on: (event, listener) => {
    const own = listener as Listener;
    let forName = listeners.get(event);
    if (!forName) listeners.set(event, (forName = new Set()));
    forName.add(own);
    if (held.has(event)) {
      const payload = held.get(event);
      held.delete(event);
      // On a later turn, as any event comes; not to a listener removed in between.
      setTimeout(() => {
        if (forName.has(own)) own(payload);
        else if (!held.has(event)) held.set(event, payload);
      }, 0);
    }
    return () => {
      forName.delete(own);
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
