/**
 * The desktop shell, started: the BUILT main process (out/main/index.js, as `npm run build` makes it)
 * runs in a child Node process with `electron` resolved to the FAKE in test/fakes/electron, over a
 * real data folder, the real Docker Engine and buildx with a test-owned BUILDX_CONFIG.
 *
 * What the FAKE cannot know (check these by hand with docs/desktop-checklist.md on a machine with the
 * Electron binary):
 *  - Chromium itself: whether the page renders, whether the CSP header is enforced (we check it is
 *    sent on every response), whether sandbox/contextIsolation really isolate (we check they are asked
 *    for), what the renderer's JavaScript does (the e2e tests run it in Chromium over serve mode).
 *  - Real Electron runs its main process on Node >= 22 and opens SQLite with node:sqlite; here it is
 *    Node 20 and better-sqlite3 (same file format, same seam: adapters/db/sqlite.ts).
 *  - Whether 'ready' can still fire after app.quit() was called before it (the FAKE assumes it does,
 *    as shell/browser/browser.cc reads), and exactly which pending callbacks run between 'quit' and the
 *    end of the process (the FAKE assumes none: it checks what is open at that instant).
 *  - OS integration: the tray icon's look and its menu on each desktop (GNOME needs an AppIndicator
 *    extension), drop on the tray icon (macOS only; the FAKE emits 'drop-files' anywhere), whether a
 *    notification daemon shows the notification, login items, window placement on real displays.
 *  - The single-instance lock uses Chromium's ProcessSingleton; the FAKE models it with a lock file
 *    and a socket in the userData folder, which is the same contract (one owner per data folder).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import { IPC_EVENT_CHANNEL } from '../../electron/common/bridge';
import { buildRequest } from '../../electron/common/contracts/builds';
import { contentSecurityPolicy } from '../../electron/common/csp';
import { createCore } from '../../electron/composition/create-core';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import type { ChildView } from './child';
import {
  assertBuilt,
  buildxBuilderNames,
  launchToWindow,
  MainProcess,
  removeTestImagesAndCache,
  ROOT,
} from './harness';

type Result = { ok: true; value: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

/** `docker buildx build ...` and the buildx plugin it runs. */
const BUILD_PROCESS = /\bbuildx\b.*\bbuild\b/;
const calls = (v: ChildView, api: string) => v.calls.filter((c) => c.api === api);
const seq = (v: ChildView, api: string) => calls(v, api)[0]?.seq ?? Number.POSITIVE_INFINITY;

describe('desktop main process (built) under the FAKE electron', () => {
  const token = `bddesk${Math.random().toString(36).slice(2, 8)}`;
  let dir: string;
  let dataDir: string;
  let sandbox: BuildxSandbox;
  let env: NodeJS.ProcessEnv;
  let main: MainProcess;
  let startFailure: Error | undefined;
  let started: ChildView;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'bd-desktop-'));
    dataDir = join(dir, 'data');
    sandbox = buildxSandbox();
    env = { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir, XDG_CONFIG_HOME: join(dir, 'config') };
    delete env['ELECTRON_RENDERER_URL'];
    ({ main, failure: startFailure } = await launchToWindow(env));
    started = await main.state();
  });

  afterAll(async () => {
    main?.kill();
    await removeTestImagesAndCache(token);
    await sandbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts in Electron order: sandbox and app:// scheme before ready, the lock before the core, handlers before the window', () => {
    const v = started;
    expect(startFailure?.message).toBeUndefined();
    expect(v.errors).toEqual([]);
    expect(v.violations).toEqual([]);
    expect(calls(v, 'app.enableSandbox')).toMatchObject([{ afterReady: false }]);
    expect(calls(v, 'protocol.registerSchemesAsPrivileged')).toMatchObject([
      {
        afterReady: false,
        args: [[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]],
      },
    ]);
    expect(calls(v, 'app.requestSingleInstanceLock')).toMatchObject([{ afterReady: false }]);
    // At the instant the lock was asked for, nothing in the data folder was open: no core yet.
    expect(v.probes.dataFilesAtLock).toEqual([]);
    // Permission handlers, the protocol and the IPC handler exist before the window's first load.
    const window = seq(v, 'new BrowserWindow');
    expect(calls(v, 'new BrowserWindow')).toHaveLength(1);
    for (const api of [
      'session.setPermissionRequestHandler',
      'session.setPermissionCheckHandler',
      'protocol.handle',
      'ipcMain.handle',
    ])
      expect(seq(v, api), api).toBeLessThan(window);
    expect(v.ipcChannels).toEqual(['builddeck:invoke']);
    // The data folder named by BUILDDECK_DATA_DIR is the one the app uses (as the CLI and serve do).
    expect(existsSync(join(dataDir, 'builddeck.db'))).toBe(true);
    expect(existsSync(join(dir, 'config', 'BuildDeck'))).toBe(false);
  });

  it('opens one window with secure webPreferences on app://, and every protocol response carries the CSP', async () => {
    const [w] = started.windows;
    const prefs = w?.options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    const preload = prefs['preload'] as string;
    expect(isAbsolute(preload)).toBe(true);
    expect(preload.startsWith(join(ROOT, 'out') + '/')).toBe(true);
    expect(existsSync(preload)).toBe(true);
    expect(w?.url).toBe('app://builddeck/index.html');
    expect(w?.visible).toBe(true);
    expect(w?.page?.world).toEqual(['builddeck']);

    // The page load fetched the HTML and every script and stylesheet it names.
    const loaded = started.protocolResponses;
    expect(loaded.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        'app://builddeck/index.html',
        expect.stringMatching(/\.js$/) as string,
        expect.stringMatching(/\.css$/) as string,
      ]),
    );
    // A missing file and an attempt to leave the renderer folder are refused, with the CSP too.
    const notFound = await main.call<{ status: number }>('fetch', 'app://builddeck/no-such-file.js');
    const escape = await main.call<{ status: number }>('fetch', 'app://builddeck/..%2f..%2fpackage.json');
    expect(notFound.status).toBe(404);
    expect(escape.status).toBe(404);
    const all = (await main.state()).protocolResponses;
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const r of all) {
      expect(r.headers['content-security-policy'], r.url).toBe(contentSecurityPolicy());
      expect(r.headers['x-content-type-options'], r.url).toBe('nosniff');
    }
    expect(all.find((r) => r.url.endsWith('.js'))?.headers['content-type']).toBe('text/javascript');
  });

  it('keeps the window on the app: navigation, redirects, window.open, webviews and permissions are refused', async () => {
    expect(await main.call('navigate', 'https://example.com/', 'will-navigate')).toBe(false);
    expect(await main.call('navigate', 'file:///etc/passwd', 'will-navigate')).toBe(false);
    expect(await main.call('navigate', 'https://example.com/', 'will-redirect')).toBe(false);
    expect(await main.call('navigate', 'app://builddeck/index.html#/builds', 'will-navigate')).toBe(true);
    // window.open never opens a window; an https link goes to the system browser instead.
    expect(await main.call('windowOpen', 'https://docs.docker.com/build/')).toBe('deny');
    expect(await main.call('windowOpen', 'http://insecure.example/')).toBe('deny');
    expect(await main.call('attachWebview')).toBe(false);
    for (const permission of ['media', 'notifications', 'geolocation'])
      expect(await main.call('permission', permission), permission).toEqual({ request: false, check: false });
    const v = await main.state();
    expect(v.windows).toHaveLength(1);
    expect(v.openedExternal).toEqual(['https://docs.docker.com/build/']);
  });

  it('a page call goes through the preload and ipcMain to the real core: builders.list lists the real default builder', async () => {
    const r = await main.call<Result>('invoke', 'builders.list', {});
    expect(r.ok).toBe(true);
    const builders = (r.ok ? r.value['builders'] : []) as { name: string; driver: string; current: boolean }[];
    // The same builders buildx itself reports for this BUILDX_CONFIG.
    expect(builders.map((b) => b.name).sort()).toEqual(await buildxBuilderNames(sandbox));
    expect(builders.find((b) => b.name === 'default')).toMatchObject({ driver: 'docker', current: true });

    // Bad payloads from the page come back as clear errors, never as a crash of the main process.
    const bad = await main.call<Result>('invoke', 'builders.inspect', { name: 'no/such builder' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const unknown = await main.call<Result>('invoke', 'no.such.command', {});
    expect(unknown.ok).toBe(false);
    expect((await main.state()).errors).toEqual([]);
  });

  it('refuses a call from any frame that is not the app page', async () => {
    for (const frame of ['https://evil.example/', 'file:///tmp/x.html', 'app://other/index.html']) {
      const r = await main.call<Result>('invokeFrom', frame, 'builders.list', {});
      expect(r, frame).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('core events reach the page through webContents.send and the preload', async () => {
    await main.call('listen', 'settings.changed');
    const r = await main.call<Result>('invoke', 'settings.update', { patch: { healthTimeoutMs: 6500 } });
    expect(r.ok).toBe(true);
    const payload = await main.until('settings.changed to reach the page', (v) => v.received['settings.changed']?.[0]);
    expect(payload).toMatchObject({ settings: { healthTimeoutMs: 6500 } });
    const v = await main.state();
    expect(v.windows[0]?.sent).toContainEqual([IPC_EVENT_CHANNEL, 'settings.changed']);
    // The setting really was written to the data folder.
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ healthTimeoutMs: 6500 });
  });

  it('a second launch on the same data folder hands over to the first and quits before creating a core', async () => {
    // A build a crashed earlier BuildDeck left "running": opening the history would mark it interrupted.
    const db = openDatabase(join(dataDir, 'builddeck.db'));
    const planted = `planted-${token}`;
    new SqliteHistoryStore(db, { pid: 0x7ffffffe, isAlive: () => true }).insertStarted({
      buildId: planted,
      request: buildRequest.parse({ contextDir: '/ctx' }),
      secretIds: [],
      builder: 'default',
      driver: 'docker',
      platforms: [],
      startedAt: Date.now(),
    });
    db.close();
    // Hide the window first: the hand-over must bring it back.
    await main.call('closeWindow');
    expect((await main.state()).windows[0]).toMatchObject({ visible: false, destroyed: false });

    const second = new MainProcess(env);
    await second.call('start');
    const report = await second.exitPoint;
    const ended = await second.ended;
    expect(ended.byItself).toBe(true);
    expect(ended.code).toBe(0);
    const v = report.view;
    expect(v.errors).toEqual([]);
    expect(v.violations).toEqual([]);
    expect(calls(v, 'app.quit').length).toBeGreaterThan(0);
    for (const api of ['new BrowserWindow', 'new Tray', 'ipcMain.handle', 'protocol.handle'])
      expect(calls(v, api), api).toEqual([]);
    expect(v.probes.dataFilesSeen).toEqual([]);

    // Its database was never opened by the second process: the planted build is still "running".
    const check = openDatabase(join(dataDir, 'builddeck.db'));
    const row = check.prepare('SELECT status FROM builds WHERE id = @id').get({ id: planted });
    check.prepare('DELETE FROM builds WHERE id = @id').run({ id: planted });
    check.close();
    expect(row).toEqual({ status: 'running' });

    // The first instance was told and showed its window again.
    const first = await main.until('the first window to show again', (s) =>
      s.calls.some((c) => c.api === 'event:second-instance') && s.windows[0]?.visible ? s : undefined,
    );
    expect(first.windows).toHaveLength(1);
    expect(calls(first, 'window.focus').length).toBeGreaterThan(0);
  });

  it('closing the window keeps the app in the tray; the tray brings the same window back', async () => {
    await main.call('closeWindow');
    let v = await main.state();
    expect(v.windows).toHaveLength(1);
    expect(v.windows[0]).toMatchObject({ visible: false, destroyed: false });
    expect(calls(v, 'event:window-all-closed')).toEqual([]);
    await main.call('trayClick', ['Open BuildDeck']);
    v = await main.state();
    expect(v.windows).toHaveLength(1);
    expect(v.windows[0]).toMatchObject({ visible: true, destroyed: false });
  });

  it('quit during a build: the build is cancelled and recorded, the database closed and buildx gone before Electron would exit, and the process ends by itself', async () => {
    const ctx = mkdtempSync(join(dir, 'slow-'));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM local/busybox:latest\nLABEL builddeck.test=${token}\nRUN echo ${token} && sleep 120\n`,
    );
    await main.call('listen', 'build.started');
    const r = await main.call<Result>('invoke', 'builds.start', { contextDir: ctx });
    expect(r.ok).toBe(true);
    const buildId = (r.ok ? r.value['buildId'] : '') as string;
    await main.until('buildx to run the build', (v) => v.children.some((c) => BUILD_PROCESS.test(c)));
    // Where the user left the window, moved just before quitting.
    await main.call('setBounds', { x: 40, y: 30, width: 1000, height: 700 });

    await main.call('trayClick', ['Quit BuildDeck']);
    const report = await main.exitPoint;
    // At the instant Electron ends the process: nothing of the data folder open, no build left
    // running. (A read such as `buildx ls` the tray started may still be finishing: harmless.)
    expect(report.openDataFiles).toEqual([]);
    expect(report.children.filter((c) => BUILD_PROCESS.test(c))).toEqual([]);
    expect(existsSync(join(dataDir, 'builddeck.db-wal'))).toBe(false);
    expect(report.view.errors).toEqual([]);
    expect(report.view.violations).toEqual([]);
    expect(report.view.trays.every((t) => t.destroyed)).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'window-state.json'), 'utf8'))).toMatchObject({
      bounds: { x: 40, y: 30, width: 1000, height: 700 },
    });

    const ended = await main.ended;
    expect(ended.byItself, ended.stderr).toBe(true);
    expect(ended.code).toBe(0);

    // The next start finds the build cancelled (not interrupted, not running).
    const after = createCore({ dataDir, env: sandbox.env });
    try {
      const h = await after.router.call('history.get', { buildId });
      expect(h.ok && h.value.item.status).toBe('cancelled');
    } finally {
      await after.dispose();
    }
  });
});
