import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSnapshot } from '../../electron/common/contracts/builds';
import type { HistoryRecordItem } from '../../electron/common/contracts/history';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { pruneCacheByToken } from '../helpers/build-cache';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);
const RENDERER = 'out/renderer';

/**
 * History of every build, in Chromium over the real core (serve mode), real engine and buildx:
 * builds run with plain `docker buildx build` (a test-owned BUILDX_CONFIG, no BuildDeck) next to
 * BuildDeck's own; a build from a terminal watched live; details with the timing chart; the
 * cache-miss explanation; a record exported and opened again from its .dockerbuild file.
 * Every screenshot lands in test-results/history-*.png.
 */

async function waitForBuild(core: Core, buildId: string): Promise<BuildSnapshot> {
  for (;;) {
    const r = await core.router.invoke('builds.get', { buildId });
    if (r.ok && (r.value as BuildSnapshot).status !== 'running') return r.value as BuildSnapshot;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function dropFile(page: Page, name: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle((fileName) => {
    const dt = new DataTransfer();
    dt.items.add(new File([''], fileName));
    return dt;
  }, name);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer });
}

/**
 * Screenshots (light, and dark on request). The app scrolls inside <main>, so a "full page" shot is
 * a tall window instead: the whole details page in one picture.
 */
async function shoot(page: Page, name: string, options: { fullPage?: boolean; dark?: boolean } = {}): Promise<void> {
  const size = page.viewportSize();
  if (options.fullPage && size) {
    await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
    const height = await page.evaluate(() => document.querySelector('main')?.scrollHeight ?? 900);
    await page.setViewportSize({ width: size.width, height: Math.min(4_000, Math.max(size.height, height + 40)) });
  }
  // Let lazily loaded charts (and their resize observers) settle.
  await page.waitForTimeout(400);
  await page.screenshot({ path: `test-results/${name}.png` });
  if (options.dark) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await page.screenshot({ path: `test-results/${name}-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
  }
  if (options.fullPage && size) await page.setViewportSize(size);
}

describe('History of every build in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let root: string;
  const token = `bdh${Math.random().toString(36).slice(2, 8)}`;
  const extTag = `bdtest-e2e-${token}:ext`;
  const dirs = { ext: '', fail: '', slow: '', app: '' };
  const consoleErrors: string[] = [];
  const runs: string[] = [];

  const rows = () => page.locator('[data-testid="history-row"]');
  const rowOf = (dir: string, status?: string) =>
    page.locator(`[data-testid="history-row"]${status ? `[data-status="${status}"]` : ''}`, { hasText: dir });

  async function showHistory(): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History' }).click();
    const back = page.locator('[data-testid="history-back"]');
    if (await back.isVisible()) await back.click();
    await page.locator('[data-testid="filter-text"]').fill(token);
  }

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    root = mkdtempSync(join(tmpdir(), 'bd-e2e-records-'));
    const make = (name: string, dockerfile: string) => {
      const dir = join(root, `${name}-${token}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'Dockerfile'), dockerfile);
      return dir;
    };
    dirs.ext = make('ext', `FROM local/busybox:latest\nRUN echo "external ${token}"\nRUN echo "second ${token}"\n`);
    dirs.fail = make(
      'extfail',
      `FROM local/busybox:latest\nRUN echo "ready ${token}"\nRUN echo "boom ${token}" && exit 3\nRUN echo never\n`,
    );
    dirs.slow = make(
      'slow',
      `FROM local/busybox:latest\nRUN for i in 1 2 3 4 5 6 7 8; do echo "tick $i ${token}"; sleep 1; done\n`,
    );
    dirs.app = make(
      'app',
      [
        'FROM local/busybox:latest',
        'ARG FLAVOR=plain',
        `RUN echo "base ${token}"`,
        'COPY conf/ /conf/',
        `RUN cat /conf/settings.txt && echo "flavor $FLAVOR ${token}" && sleep 1`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dirs.app, 'conf'));
    writeFileSync(join(dirs.app, 'conf', 'settings.txt'), 'level=1\n');
    writeFileSync(join(dirs.app, 'conf', 'other.txt'), 'unchanged\n');

    sandbox = buildxSandbox();
    // Plain buildx, no BuildDeck: what a terminal or a CI script does.
    await sandbox.docker(['buildx', 'build', '--progress', 'plain', '-t', extTag, dirs.ext]);
    await expect(sandbox.docker(['buildx', 'build', '--progress', 'plain', dirs.fail])).rejects.toThrow();

    // A generous builder bound: on a loaded 2-core machine the shared default builder can take > 5 s to list.
    core = createCore({ env: sandbox.env, healthTimeoutMs: 20_000, dataDir: join(root, 'data') });
    // Three runs: the first fills the cache, the second hits it, the third misses it on the changed file.
    for (const level of ['1', '1', '2']) {
      writeFileSync(join(dirs.app, 'conf', 'settings.txt'), `level=${level}\n`);
      const r = await core.router.invoke('builds.start', { contextDir: dirs.app, buildArgs: { FLAVOR: 'plain' } });
      if (!r.ok) throw new Error(r.error.message);
      const buildId = (r.value as { buildId: string }).buildId;
      runs.push(buildId);
      await waitForBuild(core, buildId);
    }

    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // Serve mode cannot know a dropped File's path: the test hook in bridge.ts maps it.
    const byName = {
      'run.dockerbuild': join(root, 'run.dockerbuild'),
      'garbage.dockerbuild': join(root, 'garbage.dockerbuild'),
    };
    await context.addInitScript(
      `window.__builddeckTestPathForFile = (file) => (${JSON.stringify(byName)})[file && file.name];`,
    );
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(server.openUrl);
    await showHistory();
    // Five real builds on a shared 2-core machine: more than the default hook bound.
  }, 300_000);

  afterAll(async () => {
    // The records this test made on the shared default builder, and nothing else.
    if (core) {
      const mine = await core.router.invoke('history.records', { text: token, limit: 100 });
      if (mine.ok) {
        const ids = (mine.value as { items: HistoryRecordItem[] }).items
          .filter((i) => i.stored.buildkit && i.status !== 'running')
          .map((i) => i.id);
        if (ids.length > 0) await core.router.invoke('history.remove', { ids, from: 'buildkit' });
      }
    }
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await exec('docker', ['rmi', '--force', extTag]).catch(() => undefined);
    await pruneCacheByToken(token).catch(() => undefined);
    await sandbox?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('lists builds run with plain docker buildx build beside BuildDeck’s, with their client and source', async () => {
    try {
      await expect.poll(() => rows().count(), { timeout: 20_000 }).toBe(5);
    } catch (error) {
      await page.screenshot({ path: 'test-results/history-list-failure.png' });
      throw error;
    }
    const ext = rowOf(dirs.ext);
    expect(await ext.getAttribute('data-origin')).toBe('external');
    expect(await ext.getAttribute('data-status')).toBe('succeeded');
    expect(await ext.innerText()).toContain('CLI / other');
    const failed = rowOf(dirs.fail);
    expect(await failed.getAttribute('data-status')).toBe('failed');
    const app = page.locator('[data-testid="history-row"][data-origin="builddeck"]', { hasText: dirs.app });
    expect(await app.count()).toBe(3);
    // The client filter keeps only the terminal's builds.
    await page.locator('[data-testid="filter-origin"]').selectOption('external');
    await expect.poll(() => rows().count()).toBe(2);
    await page.locator('[data-testid="filter-origin"]').selectOption('all');
    await expect.poll(() => rows().count()).toBe(5);
    await shoot(page, 'history-list', { dark: true });
  });

  it('a build started in a terminal shows as running and opens live with its lanes', async () => {
    const child = spawn('docker', ['buildx', 'build', '--progress', 'plain', dirs.slow], {
      env: sandbox.env,
      stdio: 'ignore',
    });
    const ended = new Promise((resolve) => child.once('exit', resolve));
    try {
      const running = rowOf(dirs.slow, 'running');
      await running.waitFor({ timeout: 15_000 });
      await running.locator('[data-testid="history-live"]').click();
      const view = page.locator('[data-testid="history-detail"] [data-testid="build-view"]');
      await view.waitFor();
      const lane = view.locator('[data-testid="lane"][data-lane]').first();
      await lane.waitFor();
      await expect
        .poll(async () => (await view.locator('[data-testid="log-view"]').innerText()).includes(`tick 2 ${token}`), {
          timeout: 15_000,
        })
        .toBe(true);
      await shoot(page, 'history-live');
      await page.locator('[data-testid="history-detail"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
    } finally {
      await ended;
    }
    await showHistory();
  });

  it('details: source, configuration, dependencies, results and the timing chart', async () => {
    const second = page.locator('[data-testid="history-row"][data-origin="builddeck"]', { hasText: dirs.app }).first();
    await second.locator('[data-testid="history-open"]').click();
    const detail = page.locator('[data-testid="history-detail"]');
    await detail.locator('[data-testid="record-facts"]').waitFor();
    expect(await detail.locator('[data-testid="record-source"]').innerText()).toContain(dirs.app);
    expect(await detail.locator('[data-testid="record-config"]').innerText()).toContain('FLAVOR=plain');
    expect(await detail.locator('[data-testid="record-dependencies"]').innerText()).toMatch(/busybox[\s\S]*sha256:/);
    const timing = detail.locator('[data-testid="timing-panel"]');
    await timing.locator('[data-testid="timing-chart"] .recharts-rectangle').first().waitFor({ timeout: 15_000 });
    expect(await timing.locator('[data-testid="time-breakdown"]').innerText()).toMatch(/Executing[\s\S]*Cache/);
    await timing.getByRole('button', { name: 'Table' }).click();
    const table = timing.locator('[data-testid="timing-table"]');
    expect(await table.innerText()).toContain('COPY conf/ /conf/');
    expect(await table.locator('tr[data-kind="cached"]').count()).toBeGreaterThan(0);
    await timing.getByRole('button', { name: 'Chart' }).click();
    await timing.locator('[data-testid="timing-chart"] .recharts-rectangle').first().waitFor();
    await timing.scrollIntoViewIfNeeded();
    await shoot(page, 'history-details-timing', { fullPage: true, dark: true });
  });

  it('why did the cache miss: names the context file that changed', async () => {
    const why = page.locator('[data-testid="why-panel"]');
    const verdict = why.locator('[data-testid="why-verdict"]');
    await verdict.waitFor({ timeout: 20_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('explained');
    expect(await why.locator('[data-testid="why-step"]').innerText()).toContain('COPY conf/ /conf/');
    const files = await why.locator('[data-testid="why-files"]').innerText();
    expect(files).toContain('conf/settings.txt');
    expect(files).not.toContain('other.txt');
    const points = page.locator('[data-testid="runs-panel"] [data-testid="run-point"]');
    await expect.poll(() => points.count(), { timeout: 15_000 }).toBe(3);
    await page.locator('[data-testid="runs-panel"]').scrollIntoViewIfNeeded();
    await page.locator('[data-testid="why-panel"]').screenshot({ path: 'test-results/history-why.png' });
    // Each point is a link a keyboard reaches: the earlier run opens with Enter.
    const earlier = page.locator('[data-testid="run-point"]:not([aria-current])').first();
    await earlier.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('[data-testid="history-detail"]').getAttribute('data-record-id'))
      .not.toBe(null);
    await page.locator('[data-testid="why-verdict"][data-verdict="no-earlier-run"]').waitFor({ timeout: 20_000 });
  });

  it('a failed build from the terminal shows its error at the Dockerfile line', async () => {
    await showHistory();
    await rowOf(dirs.fail).locator('[data-testid="history-open"]').click();
    const detail = page.locator('[data-testid="history-detail"][data-status="failed"]');
    await detail.waitFor();
    expect(await detail.locator('[data-testid="failure-message"]').innerText()).toContain('exit code: 3');
    expect(await detail.locator('[data-testid="dockerfile-snippet"] [data-marked]').innerText()).toContain('exit 3');
    // The whole Dockerfile, folded (the failure shows the lines around the error), marks the same line.
    const dockerfile = detail.locator('[data-testid="record-dockerfile"]');
    await dockerfile.locator('summary').click();
    expect(await dockerfile.locator('[data-marked]').innerText()).toContain('exit 3');
    await shoot(page, 'history-details-failed', { fullPage: true });
  });

  it('exports a record to a .dockerbuild file and opens it again by dropping it on the window', async () => {
    await showHistory();
    await rowOf(dirs.ext).locator('[data-testid="history-open"]').click();
    const detail = page.locator('[data-testid="history-detail"]');
    await detail.locator('[data-testid="record-facts"]').waitFor();
    const steps = await detail.locator('[data-testid="step-row"]').count();
    await detail.locator('[data-testid="record-export"]').click();
    await page.locator('[data-testid="export-record-path"]').fill(join(root, 'run.dockerbuild'));
    await page.locator('[data-testid="export-record-submit"]').click();
    await page.locator('[data-testid="export-done"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    expect(existsSync(join(root, 'run.dockerbuild'))).toBe(true);

    // Dropped on another view: it opens the record, it does not start a build.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Builders' }).click();
    await dropFile(page, 'run.dockerbuild');
    const opened = page.locator('[data-testid="history-detail"]');
    await expect.poll(() => opened.getAttribute('data-record-id'), { timeout: 20_000 }).toMatch(/^file:/);
    await opened.locator('[data-testid="record-facts"]').waitFor();
    expect(await opened.innerText()).toContain('.dockerbuild');
    expect(await opened.locator('[data-testid="step-row"]').count()).toBe(steps);
    expect(await opened.locator('[data-testid="log-view"]').innerText()).toContain(`external ${token}`);
    await shoot(page, 'history-opened-file', { fullPage: true });

    // A file that is not a build record: a clear error naming the file, nothing opened.
    writeFileSync(join(root, 'garbage.dockerbuild'), 'not a tar at all');
    await dropFile(page, 'garbage.dockerbuild');
    const error = page.locator('[data-testid="open-record-error"]');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.innerText()).toContain('garbage.dockerbuild');
    await shoot(page, 'history-open-error');
  });

  it('removes only the record the confirmation named', async () => {
    await showHistory();
    // ext, extfail, slow and three app runs (the .dockerbuild opened above is listed too, as a file).
    const recordRows = () => page.locator('[data-testid="history-row"]:not([data-origin="file"])');
    await expect.poll(() => recordRows().count(), { timeout: 15_000 }).toBe(6);
    const before = 6;
    const ext = rowOf(dirs.ext);
    await ext.locator('[data-testid="history-delete"]').click();
    const dialog = page.locator('[data-testid="remove-record-dialog"]');
    const lines = await dialog.locator('[data-testid="remove-record-lines"]').innerText();
    expect(lines).toContain('BuildKit’s record on builder default');
    expect(lines.split('\n')).toHaveLength(1);
    await shoot(page, 'history-remove');
    await dialog.locator('[data-testid="remove-record-confirm"]').click();
    await expect.poll(() => recordRows().count(), { timeout: 15_000 }).toBe(before - 1);
    expect(await rowOf(dirs.ext).and(recordRows()).count()).toBe(0);
    expect(await rowOf(dirs.fail).count()).toBe(1);
  });

  it('loaded without errors or CSP violations', () => {
    expect(consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
