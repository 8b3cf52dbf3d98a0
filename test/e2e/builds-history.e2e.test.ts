import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/adapters/db/database';
import { SqliteHistoryStore } from '../../electron/adapters/db/history-store';
import type { BuildSnapshot } from '../../electron/common/contracts/builds';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { pruneCacheByToken } from '../helpers/build-cache';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);
const RENDERER = 'out/renderer';

/** A pid that belonged to a process which has exited: the owner of a build "killed mid-way". */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

async function waitForBuild(core: Core, buildId: string): Promise<BuildSnapshot> {
  for (;;) {
    const r = await core.router.invoke('builds.get', { buildId });
    if (r.ok && (r.value as BuildSnapshot).status !== 'running') return r.value as BuildSnapshot;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('History view in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let root: string;
  const token = `bdtest${Math.random().toString(36).slice(2, 8)}`;
  const tag = `bdtest-e2e-${token}:hist`;
  const dirs = { ok: '', fail: '' };
  let failedBuildId = '';

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    root = mkdtempSync(join(tmpdir(), 'bd-e2e-history-'));
    dirs.ok = join(root, 'app-ok');
    dirs.fail = join(root, 'app-fail');
    mkdirSync(dirs.ok);
    mkdirSync(dirs.fail);
    writeFileSync(join(dirs.ok, 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "hello ${token}"\n`);
    writeFileSync(join(dirs.fail, 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "boom ${token}" && exit 7\n`);

    // A build whose BuildDeck died mid-way: recorded as running by a process that is gone.
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    const db = openDatabase(join(dataDir, 'builddeck.db'));
    const store = new SqliteHistoryStore(db, { pid: await deadPid(), isAlive: () => false });
    store.insertStarted({
      buildId: 'crashed1',
      request: {
        contextDir: dirs.ok,
        platforms: [],
        tags: [],
        buildArgs: {},
        noCache: false,
        pull: false,
        secrets: [],
        outputs: [],
        cacheFrom: [],
        cacheTo: [],
        labels: {},
      },
      secretIds: [],
      builder: 'default',
      driver: 'docker',
      platforms: ['linux/amd64'],
      startedAt: Date.now() - 60_000,
    });
    db.close();

    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, healthTimeoutMs: 5000, dataDir });
    for (const [dir, tags] of [
      [dirs.ok, [tag]],
      [dirs.fail, []],
    ] as const) {
      const r = await core.router.invoke('builds.start', { contextDir: dir, tags: [...tags] });
      if (!r.ok) throw new Error(r.error.message);
      const done = await waitForBuild(core, (r.value as { buildId: string }).buildId);
      if (done.status === 'failed') failedBuildId = done.buildId;
    }
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(server.openUrl);
    await page.getByRole('button', { name: 'History', exact: true }).click();
    // History lists every record of the shared default builder (other tests', other clients'):
    // the text filter keeps this test's folders.
    await page.locator('[data-testid="filter-text"]').fill(basename(root));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await exec('docker', ['rmi', '--force', tag]).catch(() => undefined);
    await pruneCacheByToken(token).catch(() => undefined);
    await sandbox?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists every build with its result, builder, cache hits and digest; an interrupted one says so', async () => {
    const rows = page.locator('[data-testid="history-row"]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    expect(await page.locator('[data-testid="history-total"]').innerText()).toBe('3');
    const ok = page.locator('[data-testid="history-row"][data-status="succeeded"]');
    expect(await ok.innerText()).toContain(tag);
    expect(await ok.innerText()).toMatch(/default\s+docker/);
    const crashed = page.locator('[data-testid="history-row"][data-build-id="crashed1"]');
    expect(await crashed.getAttribute('data-status')).toBe('interrupted');
    expect(await crashed.innerText()).toMatch(/Interrupted/);
    await page.screenshot({ path: 'test-results/builds-history.png' });
    await crashed.locator('[data-testid="history-open"]').click();
    const result = page.locator('[data-testid="history-detail"] [data-testid="build-result"]');
    expect(await result.innerText()).toMatch(/BuildDeck stopped while this build was running/);
    await page.locator('[data-testid="history-back"]').click();
  });

  it('filters by result and by folder', async () => {
    await page.locator('[data-testid="filter-status"]').selectOption('failed');
    await expect.poll(() => page.locator('[data-testid="history-row"]').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('[data-testid="history-row"]').getAttribute('data-status')).toBe('failed');
    await page.locator('[data-testid="filter-status"]').selectOption('');
    await page.locator('[data-testid="filter-folder"]').selectOption(dirs.ok);
    // The real build and the interrupted one were both in app-ok.
    await expect.poll(() => page.locator('[data-testid="history-row"]').count(), { timeout: 20_000 }).toBe(2);
    await page.locator('[data-testid="filter-folder"]').selectOption('');
    await expect.poll(() => page.locator('[data-testid="history-row"]').count(), { timeout: 20_000 }).toBe(3);
  });

  it('opens a stored failure with its failing step, last output and Dockerfile line', async () => {
    await page.locator('[data-testid="history-row"][data-status="failed"] [data-testid="history-open"]').click();
    const detail = page.locator('[data-testid="history-detail"]');
    await detail.locator('[data-testid="build-view"][data-status="failed"]').waitFor();
    expect(await detail.locator('[data-testid="failing-step"]').innerText()).toContain('exit 7');
    expect(await detail.locator('[data-testid="dockerfile-snippet"] [data-marked]').innerText()).toContain('exit 7');
    expect(await detail.locator('[data-testid="last-log-lines"]').innerText()).toContain(`boom ${token}`);
    expect(await detail.locator('[data-testid="log-view"]').innerText()).toContain(`boom ${token}`);
    await page.screenshot({ path: 'test-results/builds-history-failed.png', fullPage: true });
    await page.locator('[data-testid="history-back"]').click();
  });

  it('re-runs a stored build through builds.start and shows it live', async () => {
    await page.locator('[data-testid="history-row"][data-status="succeeded"] [data-testid="history-rerun"]').click();
    const view = page.locator('[data-testid="build-view"][data-status="succeeded"]');
    await view.waitFor({ timeout: 60_000 });
    expect(await view.locator('[data-testid="image-name"]').innerText()).toContain(tag);
    await page.getByRole('button', { name: 'History', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid="history-row"]').count(), { timeout: 10_000 }).toBe(4);
  });

  it('deletes only after confirmation', async () => {
    const row = page.locator('[data-testid="history-row"][data-build-id="crashed1"]');
    await row.locator('[data-testid="history-delete"]').click();
    // Nothing gone yet: the confirmation names the record and needs an explicit click.
    const dialog = page.locator('[data-testid="remove-record-dialog"]');
    expect(await dialog.locator('[data-testid="remove-record-lines"]').innerText()).toContain('crashed1');
    expect(await page.locator('[data-testid="history-row"]').count()).toBe(4);
    await dialog.locator('[data-testid="remove-record-confirm"]').click();
    await expect.poll(() => page.locator('[data-testid="history-row"]').count(), { timeout: 20_000 }).toBe(3);
    const r = await core.router.invoke('history.get', { buildId: 'crashed1' });
    expect(r.ok).toBe(false);
  });

  it('a tray or notification request for a record opens it even while the window is still loading', async () => {
    // Hold the workspace's chunk (the views and their listeners) so the request comes while only the
    // shell runs: it was lost when only the workspace acted on a request's build.
    const early = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let workspaceAsked = false;
    await early.route(/\/assets\/Workspace-[^/]*\.js$/, async (route) => {
      workspaceAsked = true;
      await held;
      await route.continue();
    });
    // Every window gets the request (this test's page too): so this test comes last.
    try {
      await early.goto(server.openUrl);
      await early.getByRole('button', { name: 'History', exact: true }).waitFor();
      await expect.poll(() => workspaceAsked).toBe(true);
      // The shell listens once its event socket is up; then the desktop shell asks for the failed build.
      await early.getByText('Live updates on').waitFor({ timeout: 10_000 });
      core.events.emit('app.openRequested', { view: 'history', buildId: failedBuildId });
      await new Promise((r) => setTimeout(r, 300));
      expect(await early.locator('[data-testid="history-detail"]').count()).toBe(0);
      release();
      const detail = early.locator('[data-testid="history-detail"]');
      await detail.locator('[data-testid="build-view"][data-status="failed"]').waitFor({ timeout: 20_000 });
      expect(await detail.locator('[data-testid="failing-step"]').innerText()).toContain('exit 7');
    } finally {
      release();
      await early.close();
    }
  });
});
