import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustNotBeReady, record, rule, state } from './recorder';
import { allWindows } from './windows';

/**
 * FAKE electron, part 3: `app`, its lifecycle and the quit sequence, modelled on Electron's
 * shell/browser/browser.cc: quit() emits before-quit, closes every window (each 'close' may cancel
 * the quit), then will-quit (may cancel), then 'quit', and then the process ENDS: real Electron does
 * not wait for pending promises, timers or sockets after 'quit'. The FAKE cannot kill the process at
 * that point without hiding leaks, so it calls the test's exit hooks there instead (they look at what
 * is still open at the instant Electron would have exited) and then lets Node drain by itself.
 */

export interface PreventableEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
}

export function preventable(extra: object = {}): PreventableEvent {
  let prevented = false;
  const event = { ...extra, preventDefault: () => void (prevented = true) };
  Object.defineProperty(event, 'defaultPrevented', { get: () => prevented, enumerable: true });
  return event as PreventableEvent;
}

const paths = new Map<string, string>();
let appPath = process.cwd();
let manifest: { name?: string; productName?: string; version?: string } = {};
let readyResolve: () => void = () => undefined;
const readyPromise = new Promise<void>((r) => (readyResolve = r));
let quitting = false;
let shutdownRequested = false;
let exited = false;
let exitCode = 0;
let lock: { file: string; socket: string; server: Server } | undefined;
const pendingNotifications: Promise<void>[] = [];
const exitHooks: ((code: number) => void | Promise<void>)[] = [];
const loginItems = { openAtLogin: false };

function appName(): string {
  return manifest.productName ?? manifest.name ?? 'Electron';
}

function defaultPath(name: string): string | undefined {
  const appData = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  switch (name) {
    case 'home':
      return homedir();
    case 'appData':
      return appData;
    case 'userData':
    case 'sessionData':
      return paths.get('userData') ?? join(appData, appName());
    case 'temp':
      return tmpdir();
    case 'logs':
      return join(paths.get('userData') ?? join(appData, appName()), 'logs');
    default:
      return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Chromium's ProcessSingleton on Linux: a SingletonLock naming the owner and a SingletonSocket. */
function takeLock(additionalData: unknown): boolean {
  const dir = app.getPath('userData');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'SingletonLock');
  const socket = join(dir, 'SingletonSocket');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(file, 'utf8'));
    if (owner !== process.pid && pidAlive(owner)) {
      // Tell the first instance (it emits 'second-instance'), as Chromium does before returning false.
      pendingNotifications.push(
        new Promise<void>((resolve) => {
          const c = createConnection(socket, () =>
            c.end(JSON.stringify({ argv: process.argv, cwd: process.cwd(), additionalData })),
          );
          c.on('close', () => resolve());
          c.on('error', () => resolve());
        }),
      );
      return false;
    }
    writeFileSync(file, String(process.pid)); // stale lock of a dead process: take it over
  }
  rmSync(socket, { force: true });
  const server = createServer((conn) => {
    let text = '';
    conn.on('data', (d: Buffer) => (text += d.toString()));
    conn.on('end', () => {
      const msg = JSON.parse(text) as { argv: string[]; cwd: string; additionalData: unknown };
      record('event:second-instance');
      app.emit('second-instance', preventable(), msg.argv, msg.cwd, msg.additionalData);
    });
  });
  server.listen(socket);
  server.unref(); // Chromium's singleton socket is not a Node handle: it never keeps the process alive.
  lock = { file, socket, server };
  return true;
}

function releaseLock(): void {
  if (!lock) return;
  lock.server.close();
  rmSync(lock.file, { force: true });
  rmSync(lock.socket, { force: true });
  lock = undefined;
}

/** 'quit', then the end of the process as far as Electron is concerned. */
function shutdown(): void {
  if (shutdownRequested) return;
  shutdownRequested = true;
  quitting = true;
  record('event:quit');
  app.emit('quit', preventable(), exitCode);
  if (state.ready) setImmediate(() => void finish());
  // Before ready there is no message loop yet: Electron ends right after it would have emitted ready.
}

async function finish(): Promise<void> {
  await Promise.all(pendingNotifications);
  exited = true;
  record('process:exit', exitCode);
  releaseLock();
  for (const hook of exitHooks) await hook(exitCode);
}

/** browser.cc NotifyAndShutdown: will-quit may still cancel. */
function notifyAndShutdown(): void {
  if (shutdownRequested) return;
  const event = preventable();
  record('event:will-quit');
  app.emit('will-quit', event);
  if (event.defaultPrevented) {
    quitting = false;
    return;
  }
  shutdown();
}

class FakeApp extends EventEmitter {
  readonly isPackaged = false; // started as `electron .` from a checkout, like `npm start`
  get name(): string {
    return appName();
  }
  getName = () => appName();
  getVersion = () => manifest.version ?? '0.0.0';
  getAppPath = () => appPath;
  getPath(name: string): string {
    const p = defaultPath(name);
    rule(p !== undefined, `Failed to get '${name}' path`);
    return p as string;
  }
  setPath(name: string, path: string): void {
    record('app.setPath', name, path);
    rule(defaultPath(name) !== undefined, `Failed to set path: unknown name '${name}'`);
    paths.set(name, path);
  }
  enableSandbox(): void {
    record('app.enableSandbox');
    mustNotBeReady('app.enableSandbox() can only be called before app is ready');
  }
  isReady = () => state.ready;
  whenReady(): Promise<void> {
    return readyPromise;
  }
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean {
    record('app.requestSingleInstanceLock');
    return lock !== undefined || takeLock(additionalData);
  }
  hasSingleInstanceLock = () => lock !== undefined;
  releaseSingleInstanceLock(): void {
    record('app.releaseSingleInstanceLock');
    releaseLock();
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean }): void {
    record('app.setLoginItemSettings', settings);
    // Linux: Electron implements login items only on macOS and Windows; this is a no-op there.
    if (process.platform !== 'linux') loginItems.openAtLogin = settings.openAtLogin ?? false;
  }
  getLoginItemSettings = () => ({ ...loginItems });
  focus(): void {
    record('app.focus');
  }
  quit(): void {
    record('app.quit');
    if (quitting || shutdownRequested) return;
    const event = preventable();
    record('event:before-quit');
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    quitting = true;
    const windows = allWindows();
    if (windows.length === 0) notifyAndShutdown();
    else for (const w of windows) w.close();
  }
  exit(code = 0): void {
    record('app.exit', code);
    exitCode = code;
    quitting = true;
    for (const w of allWindows()) w.destroy();
    shutdown();
  }
}

export const app = new FakeApp();

/** Called by windows.ts when the last window is gone (browser.cc OnWindowAllClosed). */
export function windowAllClosed(): void {
  if (shutdownRequested) return;
  if (quitting) return notifyAndShutdown();
  record('event:window-all-closed');
  app.emit('window-all-closed', preventable());
}

/** Called by windows.ts when a 'close' handler cancelled a close (browser.cc OnWindowCloseCancelled). */
export function windowCloseCancelled(): void {
  quitting = false;
}

export const isQuitting = () => quitting;

// ---- test controls (not part of Electron's API) ----

/** Where `electron .` was pointed: the folder whose package.json names the app. */
export function configureApp(path: string): void {
  appPath = path;
  const file = join(path, 'package.json');
  manifest = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as typeof manifest)
    : { name: 'Electron', version: '0.0.0' };
}

/** Electron emits 'ready' after the main script's first run; the driver calls this then. */
export function emitReady(): void {
  if (state.ready) return;
  mkdirSync(app.getPath('userData'), { recursive: true }); // Chromium creates userData at launch
  record('event:will-finish-launching');
  app.emit('will-finish-launching');
  state.ready = true;
  record('event:ready');
  readyResolve();
  app.emit('ready', preventable(), {});
  if (shutdownRequested) setImmediate(() => void finish());
}

/** Runs at the instant real Electron would end the process (after 'quit'). */
export function onExit(hook: (code: number) => void | Promise<void>): void {
  exitHooks.push(hook);
}

export const hasExited = () => exited;

/** The OS activating the app (macOS dock click): Electron's 'activate'. */
export function activate(): void {
  app.emit(
    'activate',
    preventable(),
    allWindows().some((w) => w.isVisible()),
  );
}
