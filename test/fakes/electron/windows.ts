import { EventEmitter } from 'node:events';
import { isAbsolute } from 'node:path';
import { app, isQuitting, preventable, windowAllClosed, windowCloseCancelled } from './app';
import { FakePage, originOf, type FrameInfo, type PageHost } from './page';
import { DESTROYED, mustBeReady, mustNotBeReady, record, rule } from './recorder';

/**
 * FAKE electron, part 4: BrowserWindow, webContents, ipcMain, protocol and session. A window's
 * loadURL really fetches the page and every script/stylesheet it names through the registered
 * protocol handler (so the product's app:// handler runs), then runs the real preload bundle in a
 * FakePage. What Chromium would do with the bytes (parse, enforce the CSP, render) does not happen.
 */

type Handler = (request: Request) => Response | Promise<Response>;
type Privileges = Record<string, boolean | undefined>;

const privileged = new Map<string, Privileges>();
let privilegedRegistered = false;
const protocolHandlers = new Map<string, Handler>();
/** Every response a protocol handler gave, in order (the page load and the test's own fetches). */
export const protocolResponses: { url: string; status: number; headers: Record<string, string> }[] = [];

export const protocol = {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: Privileges }[]): void {
    record('protocol.registerSchemesAsPrivileged', schemes);
    mustNotBeReady('protocol.registerSchemesAsPrivileged should be called before app is ready');
    rule(!privilegedRegistered, 'protocol.registerSchemesAsPrivileged can be called only once');
    privilegedRegistered = true;
    for (const s of schemes) privileged.set(s.scheme, s.privileges ?? {});
  },
  handle(scheme: string, handler: Handler): void {
    record('protocol.handle', scheme);
    mustBeReady('protocol', 'Session can only be received when app is ready');
    rule(!protocolHandlers.has(scheme), `Failed to register protocol: ${scheme}`);
    protocolHandlers.set(scheme, handler);
  },
  unhandle(scheme: string): void {
    record('protocol.unhandle', scheme);
    protocolHandlers.delete(scheme);
  },
  isProtocolHandled: (scheme: string) => protocolHandlers.has(scheme),
};

/** What Chromium's network stack does with a URL of a handled scheme (test control). */
export async function fetchThroughProtocol(url: string): Promise<Response> {
  const scheme = new URL(url).protocol.slice(0, -1);
  const handler = protocolHandlers.get(scheme);
  if (!handler) throw new Error(`net::ERR_UNKNOWN_URL_SCHEME (${url})`);
  const response = await handler(new Request(url));
  protocolResponses.push({ url, status: response.status, headers: Object.fromEntries(response.headers.entries()) });
  return response;
}

type PermissionRequestHandler = (wc: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (wc: unknown, permission: string, origin: string) => boolean;
const permissions: { request?: PermissionRequestHandler | null; check?: PermissionCheckHandler | null } = {};

const defaultSession = {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    record('session.setPermissionRequestHandler');
    permissions.request = handler;
  },
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    record('session.setPermissionCheckHandler');
    permissions.check = handler;
  },
};

export const session = {
  get defaultSession() {
    mustBeReady('session', 'Session can only be received when app is ready');
    return defaultSession;
  },
};

/** A page asking for a permission (test control). Electron grants everything without a handler. */
export async function askPermission(permission: string): Promise<{ request: boolean; check: boolean }> {
  const wc = allWindows()[0]?.webContents;
  const request = permissions.request
    ? await new Promise<boolean>((resolve) => permissions.request?.(wc, permission, resolve))
    : true;
  const check = permissions.check ? permissions.check(wc, permission, 'app://builddeck') : true;
  return { request, check };
}

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, InvokeHandler>();

  handle(channel: string, handler: InvokeHandler): void {
    record('ipcMain.handle', channel);
    rule(!this.handlers.has(channel), `Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    record('ipcMain.removeHandler', channel);
    this.handlers.delete(channel);
  }
}

export const ipcMain = new FakeIpcMain();

/** ipcRenderer.invoke arriving in the main process: Electron's event shape and error wording. */
async function invokeMain(sender: FakeWebContents, frame: FrameInfo, channel: string, args: unknown[]) {
  const handler = ipcMain.handlers.get(channel);
  if (!handler)
    throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
  const event = { sender, senderFrame: { ...frame }, frameId: frame.top ? 1 : 2, processId: 1, type: 'frame' };
  let result: unknown;
  try {
    result = await handler(event, ...args);
  } catch (err) {
    // Only the message survives the trip back to the renderer.
    throw new Error(`Error invoking remote method '${channel}': ${String(err)}`);
  }
  return structuredClone(result);
}

let nextId = 1;

export class FakeWebContents extends EventEmitter implements PageHost {
  readonly id = nextId++;
  page: FakePage | undefined;
  /** Everything main sent to this page: [channel, ...args]. */
  readonly sent: unknown[][] = [];
  private url = '';
  private destroyed = false;
  private openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | undefined;

  constructor(readonly webPreferences: Record<string, unknown>) {
    super();
  }

  private alive(): void {
    rule(!this.destroyed, DESTROYED);
  }

  isDestroyed = () => this.destroyed;
  getURL = () => this.url;

  async loadURL(url: string): Promise<void> {
    this.alive();
    record('webContents.loadURL', url);
    const scheme = new URL(url).protocol.slice(0, -1);
    rule(protocolHandlers.has(scheme), `ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`);
    const entry = await fetchThroughProtocol(url);
    rule(entry.ok, `ERR_FILE_NOT_FOUND (-6) loading '${url}'`);
    const html = await entry.text();
    // Relative URLs resolve only under a scheme registered as standard (see registerSchemesAsPrivileged).
    const standard = privileged.get(scheme)?.['standard'] === true;
    for (const [, ref] of html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)) {
      if (!ref || /^[a-z]+:/i.test(ref)) continue;
      rule(standard, `'${ref}' cannot resolve against ${url}: the scheme is not registered as standard`);
      await fetchThroughProtocol(new URL(ref, url).toString());
    }
    this.url = url;
    this.page = new FakePage(this, url, this.webPreferences);
    const preload = this.webPreferences['preload'];
    if (typeof preload === 'string') {
      rule(isAbsolute(preload), 'the preload path must be absolute');
      this.page.runPreload(preload);
    }
    this.emit('dom-ready');
    this.emit('did-finish-load');
  }

  send(channel: string, ...args: unknown[]): void {
    this.alive();
    structuredClone(args); // throws like Electron for what cannot be serialised
    this.sent.push([channel, ...args]);
    this.page?.deliver(channel, args);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    record('webContents.setWindowOpenHandler');
    this.openHandler = handler;
  }

  // PageHost: what the page's ipcRenderer reaches.
  invokeFromPage(frame: FrameInfo, channel: string, args: unknown[]): Promise<unknown> {
    this.alive();
    return invokeMain(this, frame, channel, args);
  }
  sendFromPage(frame: FrameInfo, channel: string, args: unknown[]): void {
    ipcMain.emit(channel, { sender: this, senderFrame: frame }, ...args);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }

  // ---- test controls: what a page or a user does ----

  /** A link or script navigating the page; true when the app let it happen. */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const event = preventable({ url });
    this.emit(kind, event, url);
    return !event.defaultPrevented;
  }

  /** window.open / target=_blank: the handler's verdict (Electron allows when no handler is set). */
  windowOpen(url: string): 'allow' | 'deny' {
    const action = this.openHandler?.({ url })?.action ?? 'allow';
    if (action === 'allow') new BrowserWindow({ show: true });
    return action;
  }

  attachWebview(): boolean {
    const event = preventable();
    this.emit('will-attach-webview', event, {}, { src: 'https://example.com' });
    return !event.defaultPrevented;
  }

  /** A raw IPC message from some frame of this page (a compromised or embedded frame). */
  invokeFrom(frameUrl: string, channel: string, args: unknown[]): Promise<unknown> {
    return this.invokeFromPage({ url: frameUrl, origin: originOf(frameUrl), top: false }, channel, args);
  }
}

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

const windows: BrowserWindow[] = [];
export const allWindows = () => [...windows];
/** Every window ever created, destroyed ones included (the test reads their history). */
export const createdWindows: BrowserWindow[] = [];

export class BrowserWindow extends EventEmitter {
  static getAllWindows = () => allWindows();
  static getFocusedWindow = () => windows.find((w) => w.focused);
  static fromWebContents = (wc: unknown) => windows.find((w) => w.webContents === wc);

  readonly id = nextId++;
  readonly webContents: FakeWebContents;
  readonly options: Record<string, unknown>;
  private visible: boolean;
  private minimized = false;
  private maximized = false;
  focused = false;
  private destroyed = false;
  private bounds: Bounds;
  private shownOnce = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    record('new BrowserWindow', options);
    mustBeReady('BrowserWindow', 'Cannot create BrowserWindow before app is ready');
    this.options = options;
    this.visible = options['show'] !== false;
    this.bounds = {
      x: typeof options['x'] === 'number' ? options['x'] : 0,
      y: typeof options['y'] === 'number' ? options['y'] : 0,
      width: typeof options['width'] === 'number' ? options['width'] : 800,
      height: typeof options['height'] === 'number' ? options['height'] : 600,
    };
    this.webContents = new FakeWebContents((options['webPreferences'] as Record<string, unknown> | undefined) ?? {});
    windows.push(this);
    createdWindows.push(this);
    app.emit('browser-window-created', preventable(), this);
    app.emit('web-contents-created', preventable(), this.webContents);
  }

  private alive(): void {
    rule(!this.destroyed, DESTROYED);
  }

  async loadURL(url: string): Promise<void> {
    await this.webContents.loadURL(url);
    if (!this.shownOnce && !this.destroyed) {
      this.shownOnce = true;
      this.emit('ready-to-show');
    }
  }

  isDestroyed = () => this.destroyed;
  isVisible = () => (this.alive(), this.visible);
  isMinimized = () => (this.alive(), this.minimized);
  isMaximized = () => (this.alive(), this.maximized);
  isFocused = () => (this.alive(), this.focused);
  getBounds = () => (this.alive(), { ...this.bounds });
  getNormalBounds = () => (this.alive(), { ...this.bounds });

  show(): void {
    this.alive();
    record('window.show', this.id);
    this.visible = true;
    this.minimized = false;
    this.emit('show');
  }
  hide(): void {
    this.alive();
    record('window.hide', this.id);
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }
  focus(): void {
    this.alive();
    record('window.focus', this.id);
    for (const w of windows) w.focused = false;
    this.focused = true;
    this.emit('focus');
  }
  minimize(): void {
    this.alive();
    this.minimized = true;
    this.emit('minimize');
  }
  restore(): void {
    this.alive();
    record('window.restore', this.id);
    this.minimized = false;
    this.emit('restore');
  }
  maximize(): void {
    this.alive();
    this.maximized = true;
    this.emit('maximize');
  }
  setBounds(bounds: Partial<Bounds>): void {
    this.alive();
    this.bounds = { ...this.bounds, ...bounds };
    this.emit('resize');
    this.emit('move');
  }

  /** Asks to close: 'close' may prevent it (browser.cc: a cancelled close also cancels a quit). */
  close(): void {
    if (this.destroyed) return;
    record('window.close', this.id);
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) {
      record('window.close-prevented', this.id);
      if (isQuitting()) windowCloseCancelled();
      return;
    }
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    record('window.destroyed', this.id);
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroy();
    windows.splice(windows.indexOf(this), 1);
    this.emit('closed');
    if (windows.length === 0) windowAllClosed();
  }
}
