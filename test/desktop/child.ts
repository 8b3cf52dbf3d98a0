/**
 * The child process that plays "Electron" for test/desktop: started by harness.ts as
 *   node --import tsx --import test/fakes/electron/register.mjs test/desktop/child.ts
 * it loads the BUILT main process (out/main/index.js) with `electron` resolved to the FAKE, emits
 * `ready` after the main script's first run (as Electron does), and then does what a user, a page or
 * the OS would do when the test asks over the fork IPC channel. At the instant real Electron would
 * end the process (after 'quit') it reports what was still open, then lets Node drain by itself.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BuildDeckBridge } from '../../electron/common/bridge';
import { IPC_INVOKE_CHANNEL } from '../../electron/common/bridge';
import { activate, app, configureApp, emitReady, onExit } from '../fakes/electron/app';
import { Menu, Notification, shell, Tray } from '../fakes/electron/desktop';
import { droppedFile } from '../fakes/electron/page';
import { state } from '../fakes/electron/recorder';
import {
  askPermission,
  createdWindows,
  fetchThroughProtocol,
  ipcMain,
  protocolResponses,
  type BrowserWindow,
} from '../fakes/electron/windows';

const root = process.env['FAKE_ELECTRON_APP_PATH'] ?? process.cwd();
const mainScript = process.env['FAKE_ELECTRON_MAIN'] ?? `${root}/out/main/index.js`;
const errors: string[] = [];
const received: Record<string, unknown[]> = {};
const probes: { dataFilesAtLock?: string[] } = {};

const describeError = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));
// In Electron these surface as "A JavaScript error occurred in the main process" or a warning: bugs.
process.on('uncaughtException', (e) => errors.push(`uncaught: ${describeError(e)}`));
process.on('unhandledRejection', (e) => errors.push(`unhandled rejection: ${describeError(e)}`));

/** Files under the data folder this process holds open right now (Linux /proc). */
function openDataFiles(): string[] {
  const dir = app.getPath('userData');
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed while listing
    }
  }
  return out;
}

/** Live child processes of this process: pid and command line. */
function children(): { pid: string; cmd: string }[] {
  const out: { pid: string; cmd: string }[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [procState, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && procState !== 'Z')
        out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // exited while listing
    }
  }
  return out;
}

/** Children that belong to the harness (tsx's esbuild service), not to the app. */
const harnessChildren = new Set<string>();
/** Processes the app started (buildx, docker) that are still running. */
const appChildren = () =>
  children()
    .filter((c) => !harnessChildren.has(c.pid))
    .map((c) => c.cmd);

// Probe the data folder at every Electron call and event: the core must not exist yet when the
// lock is asked for, and a second instance must never open the database at all.
const dataFilesSeen = new Set<string>();
state.onCall = (call) => {
  const open = openDataFiles();
  for (const f of open) dataFilesSeen.add(f);
  if (call.api === 'app.requestSingleInstanceLock') probes.dataFilesAtLock = open;
};

const mainWindow = (): BrowserWindow => {
  const w = createdWindows.find((x) => !x.isDestroyed());
  if (!w) throw new Error('no open window');
  return w;
};
const bridge = (): BuildDeckBridge => {
  const page = mainWindow().webContents.page;
  const b = page?.world['builddeck'] as BuildDeckBridge | undefined;
  if (!b) throw new Error('the page has no window.builddeck');
  return b;
};
const tray = () => {
  const t = Tray.all.find((x) => !x.isDestroyed());
  if (!t?.menu) throw new Error('no tray menu');
  return t as Tray & { menu: Menu };
};
type PathSpec = string | { re: string };
const toPath = (path: PathSpec[]) => path.map((p) => (typeof p === 'string' ? p : new RegExp(p.re)));

function view() {
  return {
    ready: state.ready,
    calls: state.calls,
    violations: state.violations,
    errors,
    probes: { ...probes, dataFilesSeen: [...dataFilesSeen] },
    received,
    children: appChildren(),
    ipcChannels: [...ipcMain.handlers.keys()],
    protocolResponses,
    windows: createdWindows.map((w) => ({
      id: w.id,
      options: JSON.parse(JSON.stringify(w.options)) as Record<string, unknown>,
      destroyed: w.isDestroyed(),
      visible: !w.isDestroyed() && w.isVisible(),
      focused: w.focused,
      url: w.webContents.getURL(),
      sent: w.webContents.sent.map((s) => [s[0], s[1]]),
      page: w.webContents.page && {
        world: Object.keys(w.webContents.page.world),
        required: w.webContents.page.required,
      },
    })),
    trays: Tray.all.map((t) => ({
      image: t.image.path,
      imageEmpty: t.image.isEmpty(),
      tooltip: t.tooltip,
      menu: t.menu?.view(),
      destroyed: t.isDestroyed(),
    })),
    notifications: Notification.shown.map((n) => ({ title: n.title, body: n.body, silent: n.silent })),
    appMenu: Menu.getApplicationMenu()?.view(),
    openedExternal: shell.opened,
    loginItem: app.getLoginItemSettings(),
  };
}
export type ChildView = ReturnType<typeof view>;

const ops: Record<string, (...args: never[]) => unknown> = {
  async start() {
    for (const c of children()) harnessChildren.add(c.pid);
    configureApp(root);
    try {
      await import(pathToFileURL(mainScript).href);
    } catch (e) {
      errors.push(`App threw an error during load: ${describeError(e)}`);
    }
    emitReady();
  },
  state: () => view(),
  invoke: (command: string, input: unknown) => bridge().invoke(command as never, input as never),
  invokeFrom: (frameUrl: string, command: string, input: unknown) =>
    mainWindow().webContents.invokeFrom(frameUrl, IPC_INVOKE_CHANNEL, [command, input]),
  listen(event: string) {
    received[event] ??= [];
    bridge().on(event as never, (payload: unknown) => received[event]?.push(payload));
  },
  pathForFile: (path: string | null) => bridge().pathForFile(path === null ? new File(['x'], 'x') : droppedFile(path)),
  async fetch(url: string) {
    const r = await fetchThroughProtocol(url);
    return { status: r.status, headers: Object.fromEntries(r.headers.entries()) };
  },
  navigate: (url: string, kind: 'will-navigate' | 'will-redirect') => mainWindow().webContents.navigate(url, kind),
  windowOpen: (url: string) => mainWindow().webContents.windowOpen(url),
  attachWebview: () => mainWindow().webContents.attachWebview(),
  permission: (name: string) => askPermission(name),
  closeWindow: () => mainWindow().close(),
  setBounds: (b: { x: number; y: number; width: number; height: number }) => mainWindow().setBounds(b),
  trayClick: (path: PathSpec[]) => tray().menu.clickPath(toPath(path)),
  trayIconClick: () => tray().emit('click', {}),
  trayDrop: (files: string[]) => tray().emit('drop-files', {}, files),
  notificationClick: (index: number) => Notification.shown[index]?.emit('click', {}),
  activate: () => activate(),
  quit: () => app.quit(),
};

onExit(
  (code) =>
    new Promise<void>((resolve) => {
      const report = {
        code,
        openDataFiles: openDataFiles(),
        children: appChildren(),
        activeResources: process.getActiveResourcesInfo(),
        view: view(),
      };
      process.send?.({ kind: 'exit-point', report }, () => {
        // From here Electron would be gone. Whatever still holds the loop open is a leak: say which.
        setTimeout(
          () => process.stderr.write(`still running 3 s after quit: ${process.getActiveResourcesInfo().join(', ')}\n`),
          3000,
        ).unref();
        process.disconnect();
        resolve();
      });
    }),
);

process.on('message', (message: { id: number; op: string; args: unknown[] }) => {
  const op = ops[message.op] as ((...args: unknown[]) => unknown) | undefined;
  Promise.resolve()
    .then(() => {
      if (!op) throw new Error(`unknown op ${message.op}`);
      return op(...message.args);
    })
    .then(
      (value) => process.send?.({ kind: 'reply', id: message.id, ok: true, value }),
      (err: unknown) => process.send?.({ kind: 'reply', id: message.id, ok: false, error: describeError(err) }),
    );
});
process.send?.({ kind: 'hello' });
