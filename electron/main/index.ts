import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, protocol, screen, session, shell } from 'electron';
import { JsonFileStore } from '../adapters/fs/json-file';
import type { Settings } from '../common/contracts/settings';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../common/contract';
import { contentSecurityPolicy } from '../common/csp';
import { appError, fail } from '../common/errors';
import { createCore, type Core } from '../composition/create-core';
import {
  allowPermission,
  APP_ENTRY,
  APP_SCHEME,
  externalUrlToOpen,
  isAllowedNavigation,
  isTrustedSender,
  resolveAppAsset,
  secureWebPreferences,
} from './security-policy';
import { applyLinuxAutostart, autostartFile } from './autostart';
import { startTray } from './tray';
import { MIN_SIZE, parseWindowState, restoreWindow, type WindowState } from './window-state';

const here = dirname(fileURLToPath(import.meta.url));
const rendererRoot = join(here, '../renderer');
const preloadPath = join(here, '../preload/index.cjs');
const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

// Checklist #4: the sandbox for every renderer, before any window exists.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// BUILDDECK_DATA_DIR moves the whole data folder (settings, history, window state, Chromium's
// profile), as it does for the CLI and serve. Before the lock: the lock lives in this folder.
const dataDirOverride = process.env['BUILDDECK_DATA_DIR'];
if (dataDirOverride) app.setPath('userData', dataDirOverride);

// A second launch only focuses the first (see 'second-instance'): it must not open the database,
// mark builds interrupted or start watchers, so it quits before the core exists.
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();

const core: Core | undefined = primary ? createCore({ dataDir: app.getPath('userData') }) : undefined;
// `npm run dev` only: electron-vite serves the renderer with hot reload. Never in a packaged app.
const devOrigin = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
let mainWindow: BrowserWindow | undefined;
let stopTray: (() => void) | undefined;
let quitting = false;

const windowStateStore = new JsonFileStore(join(app.getPath('userData'), 'window-state.json'));
/** Writes in order, one after the other; quitting waits for the last one. */
let windowStateWrites: Promise<void> = Promise.resolve();

/** Every app:// response, the 404s included, carries the CSP (checklist #7). */
const securityHeaders = { 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' };
const notFound = () =>
  new Response('Not found', { status: 404, headers: { ...securityHeaders, 'Content-Type': 'text/plain' } });

function createWindow(options: { show: boolean }): BrowserWindow {
  const restored = restoreWindow(
    parseWindowState(windowStateStore.loadSync()),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...restored.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'BuildDeck',
    show: false,
    backgroundColor: '#0f1216',
    webPreferences: secureWebPreferences(preloadPath),
  });
  if (restored.maximized) win.maximize();
  win.once('ready-to-show', () => {
    if (options.show) win.show();
  });
  // Remember where the user left it; normal bounds, so un-maximising returns there.
  let saveTimer: NodeJS.Timeout | undefined;
  const saveNow = () => {
    if (saveTimer) clearTimeout(saveTimer);
    if (win.isDestroyed()) return;
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    windowStateWrites = windowStateWrites
      .then(() => windowStateStore.save(JSON.stringify(state)))
      .catch(() => undefined);
  };
  const save = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, 400);
  };
  win.on('resize', save);
  win.on('move', save);
  win.on('close', (event) => {
    // At once: when quitting, the window is destroyed right after this event.
    saveNow();
    // With a tray, closing the window hides it (builds go on); quitting is explicit.
    if (stopTray && !quitting) {
      event.preventDefault();
      win.hide();
    }
  });
  void win.loadURL(devOrigin ?? APP_ENTRY);
  return win;
}

/** The Electron-side effects of settings: launch at login; the rest is read by the core or the renderer. */
function applySettings(settings: Settings): void {
  if (process.platform === 'linux') {
    // An AppImage runs from a temporary mount: autostart must name the AppImage file itself.
    const command = [process.env['APPIMAGE'] ?? process.execPath, ...(app.isPackaged ? [] : [app.getAppPath()])];
    void applyLinuxAutostart(settings.launchAtLogin, autostartFile(process.env, app.getPath('home')), command).catch(
      () => undefined,
    );
    return;
  }
  app.setLoginItemSettings({ openAtLogin: settings.launchAtLogin });
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, devOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, devOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
});

app.on('second-instance', () => {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
});

void app.whenReady().then(async () => {
  if (!core) return;
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(allowPermission(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => allowPermission(permission));

  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppAsset(rendererRoot, request.url);
    if (!file) return notFound();
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { ...securityHeaders, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' },
      });
    } catch {
      return notFound();
    }
  });

  // The IPC glue: one channel in, one channel out; everything else is the router's job.
  ipcMain.handle(IPC_INVOKE_CHANNEL, (event, command: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url, devOrigin)) {
      return fail(appError('UNAUTHORIZED', 'IPC from an untrusted frame was refused.').appError);
    }
    return core.router.invoke(command, input);
  });
  // Windows get progress batches in their window form (see EventBus.emitTo and core/live-progress.ts).
  core.events.subscribe(
    (event, payload) => {
      for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
    },
    { window: true },
  );

  // No reload (Ctrl+R and F5 refresh the builder list in the page), no devtools in packaged builds.
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      {
        label: 'View',
        submenu: [...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]), { role: 'togglefullscreen' }],
      },
      { role: 'windowMenu' },
    ]),
  );

  const initial = await core.router.call('settings.get', {});
  const settings = initial.ok ? initial.value.settings : undefined;
  if (settings) applySettings(settings);
  core.events.subscribe((event, payload) => {
    if (event === 'settings.changed') applySettings(payload.settings);
  });

  mainWindow = createWindow({ show: !(settings?.startMinimized ?? false) });
  const showWindow = () => {
    if (!mainWindow || mainWindow.isDestroyed()) mainWindow = createWindow({ show: true });
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };
  stopTray = startTray(core, {
    showWindow,
    open: (view, buildId) => {
      showWindow();
      core.events.emit('app.openRequested', { view, ...(buildId ? { buildId } : {}) });
    },
    quit: () => {
      quitting = true;
      app.quit();
    },
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow({ show: true });
    else mainWindow?.show();
  });
});

// The tray keeps BuildDeck running when its window closes; Quit (tray or menu) ends it.
app.on('window-all-closed', () => {
  if (!stopTray && process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => {
  quitting = true;
});
// Electron ends the process right after 'will-quit' without waiting for promises. So the first
// will-quit is held until the core has cancelled running builds (recorded as cancelled) and closed
// the database, and the window's last position is on disk; then the quit goes on for real.
let shutdown: Promise<void> | undefined;
let shutDown = false;
app.on('will-quit', (event) => {
  if (!core || shutDown) return;
  event.preventDefault();
  shutdown ??= (async () => {
    stopTray?.();
    await windowStateWrites;
    await core.dispose();
  })()
    .catch(() => undefined)
    .finally(() => {
      shutDown = true;
      app.quit();
    });
});
