import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Script, createContext } from 'node:vm';
import { record, rule } from './recorder';

/**
 * FAKE electron, part 2: a renderer page as the main process sees it, and what a sandboxed preload
 * gets: `require('electron')` with contextBridge, ipcRenderer and webUtils, nothing else of Node.
 * There is no DOM here: the page's `window` is `world`, the object contextBridge exposes into.
 */

/** The frame a message comes from, as `event.senderFrame` shows it to ipcMain. */
export interface FrameInfo {
  url: string;
  origin: string;
  top: boolean;
}

/** The main-process side a page talks to (ipcMain of the FAKE, or a test double). */
export interface PageHost {
  invokeFromPage(frame: FrameInfo, channel: string, args: unknown[]): Promise<unknown>;
  sendFromPage(frame: FrameInfo, channel: string, args: unknown[]): void;
}

export interface PagePreferences {
  sandbox?: boolean;
  contextIsolation?: boolean;
  nodeIntegration?: boolean;
}

/** Modules a sandboxed preload may require (Electron's "Process Sandboxing" tutorial). */
const SANDBOX_MODULES = new Set(['electron', 'events', 'timers', 'url', 'node:events', 'node:timers', 'node:url']);

const nodeRequire = createRequire(import.meta.url);

/** Files that came from disk (a drop, an <input type=file>): only those have a path. */
const diskFiles = new WeakMap<object, string>();

/** A File as a drop from the desktop delivers it: webUtils.getPathForFile knows its path. */
export function droppedFile(path: string): File {
  const file = new File(['x'], path.split('/').pop() ?? 'file');
  diskFiles.set(file, path);
  return file;
}

/** Chromium's origin: scheme://host for standard schemes such as app:// (WHATWG URL says "null"). */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : 'null';
  } catch {
    return 'null';
  }
}

function frameOf(url: string, top: boolean): FrameInfo {
  return { url, origin: originOf(url), top };
}

/**
 * contextBridge's copy into the page's world: functions are proxied (their arguments and results
 * copied again), promises proxied, plain data copied, prototypes dropped. Files pass by reference
 * (webUtils.getPathForFile needs the page's own File object).
 */
function acrossBridge(value: unknown, depth = 0): unknown {
  rule(depth < 1000, 'contextBridge: object graph too deep');
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    rule(typeof value !== 'symbol', 'contextBridge: symbols cannot cross the bridge');
    return value;
  }
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return (...args: unknown[]) => acrossBridge(fn(...args.map((a) => acrossBridge(a, depth + 1))), depth + 1);
  }
  if (value instanceof File) return value;
  if (value instanceof Promise) return value.then((v) => acrossBridge(v, depth + 1));
  if (value instanceof Error) return new Error(value.message);
  if (Array.isArray(value)) return value.map((v) => acrossBridge(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, acrossBridge(v, depth + 1)]));
}

export class FakePage {
  /** The page's main world (`window`): only what a preload exposed through contextBridge. */
  readonly world: Record<string, unknown> = {};
  /** What the preload handed to exposeInMainWorld, before the bridge copied it. */
  readonly exposed = new Map<string, unknown>();
  /** Every module id the preload asked `require` for. */
  readonly required: string[] = [];
  readonly frame: FrameInfo;
  private readonly ipc = new EventEmitter();

  constructor(
    private readonly host: PageHost,
    readonly url: string,
    private readonly prefs: PagePreferences,
  ) {
    this.frame = frameOf(url, true);
  }

  /** Main → renderer (webContents.send): structured-cloned, delivered on a later turn like real IPC. */
  deliver(channel: string, args: unknown[]): void {
    const copy = structuredClone(args);
    setImmediate(() => this.ipc.emit(channel, { sender: undefined, senderId: 0, ports: [] }, ...copy));
  }

  listenerCount(channel: string): number {
    return this.ipc.listenerCount(channel);
  }

  /** Runs the preload bundle the way a sandboxed renderer does: CommonJS, a limited require. */
  runPreload(file: string): void {
    rule(this.prefs.sandbox === true, 'this FAKE runs sandboxed preloads only (sandbox: true)');
    const electron = this.rendererModule();
    const module = { exports: {} as unknown };
    const sandboxRequire = (id: string): unknown => {
      this.required.push(id);
      if (id === 'electron') return electron;
      if (!SANDBOX_MODULES.has(id)) throw new Error(`module not found: ${id}`);
      return nodeRequire(id) as unknown;
    };
    // The preload's own world: no page globals, no Node globals beyond what the sandbox provides.
    const context = createContext({ console, setTimeout, clearTimeout, setImmediate, clearImmediate });
    const wrapper = new Script(`(function (exports, require, module) {\n${readFileSync(file, 'utf8')}\n})`, {
      filename: file,
    }).runInContext(context) as (exports: unknown, require: unknown, module: unknown) => void;
    wrapper(module.exports, sandboxRequire, module);
  }

  /** `require('electron')` inside the preload: the renderer-side modules bound to this page. */
  private rendererModule() {
    // Arrow functions: the preload calls these detached (`const { ipcRenderer } = require(...)`).
    const ipcRenderer = {
      invoke: (channel: string, ...args: unknown[]): Promise<unknown> => {
        record('ipcRenderer.invoke', channel);
        let copy: unknown[];
        try {
          copy = structuredClone(args);
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
        return new Promise((resolve) => setImmediate(resolve)).then(() =>
          this.host.invokeFromPage(this.frame, channel, copy),
        );
      },
      send: (channel: string, ...args: unknown[]): void => {
        this.host.sendFromPage(this.frame, channel, structuredClone(args));
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => {
        this.ipc.on(channel, listener);
        return ipcRenderer;
      },
      once: (channel: string, listener: (...args: unknown[]) => void) => {
        this.ipc.once(channel, listener);
        return ipcRenderer;
      },
      removeListener: (channel: string, listener: (...args: unknown[]) => void) => {
        this.ipc.removeListener(channel, listener);
        return ipcRenderer;
      },
      off: (channel: string, listener: (...args: unknown[]) => void) => {
        this.ipc.off(channel, listener);
        return ipcRenderer;
      },
      removeAllListeners: (channel?: string) => {
        this.ipc.removeAllListeners(channel);
        return ipcRenderer;
      },
    };
    const contextBridge = {
      exposeInMainWorld: (key: string, api: unknown): void => {
        record('contextBridge.exposeInMainWorld', key);
        rule(
          this.prefs.contextIsolation === true,
          'contextBridge API can only be used when contextIsolation is enabled',
        );
        rule(!(key in this.world), 'Cannot bind an API on top of an existing property on the window object');
        this.exposed.set(key, api);
        this.world[key] = acrossBridge(api);
      },
    };
    const webUtils = {
      getPathForFile(file: unknown): string {
        if (!(file instanceof File)) throw new TypeError('Error processing argument at index 0, conversion failure');
        return diskFiles.get(file) ?? '';
      },
    };
    return { ipcRenderer, contextBridge, webUtils };
  }
}
