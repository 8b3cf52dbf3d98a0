import { join } from 'node:path';
import { app, Menu, nativeImage, Notification, Tray, type MenuItemConstructorOptions } from 'electron';
import type { BuildSummary } from '../common/contracts/builds';
import type { Core } from '../composition/create-core';
import {
  bakeFinishedNotification,
  finishedNotification,
  loadTrayInputs,
  quickBuildFolder,
  runTrayAction,
  trayIcon,
  trayMenu,
  trayTooltip,
  type TrayAction,
  type TrayIcon,
  type TrayMenuItem,
} from './desktop-model';

/**
 * Renders desktop-model.ts with Electron: the tray icon/menu and build notifications. All decisions
 * live in the model (unit and integration tested); this file only draws and forwards clicks.
 */
export interface DesktopShell {
  showWindow(): void;
  /** Shows the window and asks the renderer to open a view/build. */
  open(view: 'builds' | 'history' | 'bake', buildId?: string): void;
  quit(): void;
}

function iconDir(): string {
  // Packaged: electron-builder copies assets/tray to resources/tray (extraResources).
  return app.isPackaged ? join(process.resourcesPath, 'tray') : join(app.getAppPath(), 'assets', 'tray');
}

function image(kind: TrayIcon) {
  // macOS draws template images in the menu bar's own colour; elsewhere the coloured mark.
  const file = process.platform === 'darwin' ? `${kind}Template.png` : `${kind}.png`;
  return nativeImage.createFromPath(join(iconDir(), file));
}

export function startTray(core: Core, shell: DesktopShell): () => void {
  const tray = new Tray(image('idle'));
  let disposed = false;
  let refreshing = false;
  let again = false;

  const toElectron = (items: TrayMenuItem[]): MenuItemConstructorOptions[] =>
    items.map((item) => {
      if (item.type === 'separator') return { type: 'separator' };
      const options: MenuItemConstructorOptions = { label: item.label, enabled: item.enabled ?? true };
      if (item.type === 'radio') Object.assign(options, { type: 'radio', checked: item.checked ?? false });
      if (item.submenu) options.submenu = toElectron(item.submenu);
      const action = item.action;
      if (action) options.click = () => void act(action);
      return options;
    });

  const act = async (action: TrayAction) => {
    if (action.kind === 'open') return shell.showWindow();
    if (action.kind === 'quit') return shell.quit();
    if (action.kind === 'openBuild') return shell.open('builds', action.buildId);
    if (action.kind === 'openBake') return shell.open('bake', action.bakeId);
    const result = await runTrayAction(core.router, action);
    if (result && !result.ok) {
      new Notification({
        title: 'BuildDeck',
        body: `${result.error.message}${result.error.hint ? `\n${result.error.hint}` : ''}`,
      }).show();
      return;
    }
    if (action.kind === 'rerun' && result?.ok && 'buildId' in result.value) shell.open('builds', result.value.buildId);
    if (action.kind === 'rerunBake' && result?.ok && 'bakeId' in result.value) shell.open('bake', result.value.bakeId);
  };

  // Coalesced: bursts of progress events re-read the model once.
  const refresh = async () => {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const inputs = await loadTrayInputs(core.router);
      if (disposed) return;
      tray.setImage(image(trayIcon(inputs)));
      tray.setToolTip(trayTooltip(inputs));
      tray.setContextMenu(Menu.buildFromTemplate(toElectron(trayMenu(inputs))));
    } finally {
      refreshing = false;
      if (again && !disposed) {
        again = false;
        void refresh();
      }
    }
  };

  // macOS: a folder dropped on the menu-bar icon starts a quick build with that folder's last options.
  tray.on('drop-files', (_event, files) => {
    for (const file of files) {
      void quickBuildFolder(core.router, file).then((r) => {
        if (r.ok) shell.open('builds', r.value.buildId);
        else
          new Notification({
            title: 'BuildDeck: cannot build that',
            body: `${r.error.message}${r.error.hint ? `\n${r.error.hint}` : ''}`,
          }).show();
      });
    }
  });
  tray.on('click', () => shell.showWindow());

  const unsubscribe = core.events.subscribe((event, payload) => {
    if (
      event === 'build.started' ||
      event === 'history.changed' ||
      event === 'builders.changed' ||
      event === 'bake.started' ||
      event === 'bake.historyChanged'
    )
      void refresh();
    if (event === 'bake.finished') {
      void refresh();
      if (Notification.isSupported()) {
        const info = core.router.call('bake.historyGet', { bakeId: payload.bakeId });
        void info.then((entry) => {
          const { title, body } = bakeFinishedNotification(
            payload.summary,
            entry.ok ? entry.value.item.projectDir : undefined,
          );
          const n = new Notification({ title, body, silent: payload.summary.ok });
          n.on('click', () => shell.open('bake', payload.bakeId));
          n.show();
        });
      }
    }
    if (event === 'build.finished') {
      void refresh();
      void notifyFinished(core, payload.summary, shell);
    }
  });
  void refresh();
  return () => {
    disposed = true;
    unsubscribe();
    tray.destroy();
  };
}

async function notifyFinished(core: Core, summary: BuildSummary, shell: DesktopShell): Promise<void> {
  if (!Notification.isSupported()) return;
  const entry = await core.router.call('history.get', { buildId: summary.buildId });
  const item = entry.ok ? entry.value.item : undefined;
  const { title, body } = finishedNotification(summary, item);
  const n = new Notification({ title, body, silent: summary.ok });
  n.on('click', () => shell.open('builds', summary.buildId));
  n.show();
}
