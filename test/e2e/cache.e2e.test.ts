import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanSize } from '../../electron/common/cache/values';
import type { CacheUsage } from '../../electron/common/contracts/cache';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

// The Cache view in Chromium over the real core (serve mode): a sandboxed docker-container builder
// with records this test builds, so everything it prunes is its own.
const RENDERER = 'out/renderer';
const docker = new Docker();

/** The view scrolls inside <main>: grow the viewport to its content so the screenshot shows it all. */
async function shoot(page: Page, path: string): Promise<void> {
  const height = await page.evaluate(() => document.querySelector('main')?.scrollHeight ?? 900);
  await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 4000) });
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function usage(core: Core, builder: string): Promise<CacheUsage> {
  const r = await core.router.invoke('cache.usage', { builder });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as CacheUsage;
}

describe('Cache view in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let name: string;
  let dataDir: string;
  const mark = `bdtest-e2e-${Math.random().toString(36).slice(2, 8)}`;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    dataDir = mkdtempSync(join(tmpdir(), 'bd-cache-e2e-'));
    name = sandbox.name('cachee2e');
    await sandbox.docker(containerBuilderArgs(name, { hostNetwork: true, use: true, bootstrap: true }));
    for (const step of ['deps', 'build', 'test']) {
      const dir = mkdtempSync(join(tmpdir(), 'bd-cache-e2e-ctx-'));
      writeFileSync(
        join(dir, 'Dockerfile'),
        `FROM 127.0.0.1:5000/busybox\nRUN --mount=type=cache,target=/var/cache/${step} echo ${mark}-${step} > /var/cache/${step}/x && head -c 300000 /dev/urandom > /${step}.bin\nRUN echo ${mark}-${step}-done > /done.txt\n`,
      );
      try {
        await sandbox.docker(['buildx', 'build', '--builder', name, dir]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    core = createCore({ env: sandbox.env, dataDir, healthTimeoutMs: 3000 });
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows totals equal to `docker buildx du`, a per-type chart and every record', async () => {
    await page.goto(server.openUrl);
    await page.getByRole('button', { name: 'Cache' }).click();
    const select = page.locator('[data-testid="cache-builder"]');
    await select.waitFor();
    await expect.poll(() => select.inputValue(), { timeout: 20_000 }).toBe(name); // the current builder first
    const total = page.locator('[data-testid="total-total"]');
    await total.waitFor({ timeout: 30_000 });
    const { stdout } = await sandbox.docker(['buildx', 'du', '--builder', name]);
    const theirs = /^Total:\s+(\S+)$/m.exec(stdout)?.[1];
    expect(await total.innerText()).toBe(theirs);
    expect(await page.getByRole('heading', { name: 'By type' }).isVisible()).toBe(true);
    expect(await page.locator('section[aria-labelledby="cache-by-type"]').innerText()).toMatch(
      /Cache mounts[\s\S]*exec\.cachemount/,
    );
    const rows = page.locator('[data-testid="cache-record"]');
    const { stdout: json } = await sandbox.docker(['buildx', 'du', '--builder', name, '--format', 'json']);
    expect(await rows.count()).toBe(json.trim().split('\n').length);
    await shoot(page, 'test-results/cache-overview.png');
  });

  it('filters and sorts the table', async () => {
    await page.getByLabel('Filter records by description or id').fill(`${mark}-build`);
    const rows = page.locator('[data-testid="cache-record"]');
    await expect.poll(() => rows.count()).toBe(3); // cache mount, its RUN step, the step after
    await page.getByRole('button', { name: 'Size' }).click();
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('Size');
    await page.getByLabel('Filter records by description or id').fill('');
  });

  it('previews a prune, confirms it, and shows what the builder freed', async () => {
    const before = await usage(core, name);
    const mine = before.records.filter((r) => r.description.includes(`${mark}-deps`));
    expect(mine.length).toBe(3);

    await page.getByLabel('Unused for at least').selectOption('');
    await page.getByLabel('Description contains').fill(`${mark}-deps`);
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('[data-testid="prune-preview"]');
    await preview.waitFor();
    expect(await preview.innerText()).toContain(`3 records · ${humanSize(mine.reduce((s, r) => s + r.size, 0))}`);
    for (const r of mine) expect(await preview.innerText()).toContain(r.id);
    await shoot(page, 'test-results/cache-preview.png');

    await page.getByRole('button', { name: /^Prune 3 records/ }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.innerText()).toContain(name);
    await shoot(page, 'test-results/cache-confirm.png');
    await dialog.getByRole('button', { name: 'Remove 3 records' }).click();
    const done = page.locator('[data-testid="prune-done"]');
    await done.waitFor({ timeout: 30_000 });
    expect(await done.innerText()).toMatch(/Freed [\s\S]*removed 3 records/);
    await shoot(page, 'test-results/cache-done.png');

    // The table follows (cache.changed → refetch); only those three went.
    await expect
      .poll(async () => page.locator('[data-testid="cache-record"]').count(), { timeout: 15_000 })
      .toBe(before.records.length - 3);
    const after = await usage(core, name);
    expect(after.records.map((r) => r.id).sort()).toEqual(
      before.records
        .map((r) => r.id)
        .filter((id) => !mine.some((m) => m.id === id))
        .sort(),
    );
  });

  it('names the field at fault and keeps the prune button away from stale previews', async () => {
    await page.getByLabel('Unused for at least').selectOption('custom');
    await page.getByLabel('Custom duration').fill('soon');
    expect(await page.getByRole('alert').filter({ hasText: 'A duration such as' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Preview' }).isDisabled()).toBe(true);
    await page.getByLabel('Custom duration').fill('1h');
    await page.getByText('Storage targets').click();
    await page.getByLabel('Max used space').fill('1GB');
    await page.getByRole('button', { name: 'Preview' }).click();
    // BuildKit v0.13.2 has no max-used-space: the core names the field and the form shows it there.
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'maxUsedSpace is not supported' }).count(), {
        timeout: 15_000,
      })
      .toBe(1);
    await shoot(page, 'test-results/cache-invalid.png');
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
  });

  it('draws the usage trend and runs a housekeeping rule, recording the run', async () => {
    // The prune above forced a sample after the first read: the sparkline has two points at least.
    await page.locator('[data-testid="cache-sparkline"]').waitFor({ timeout: 15_000 });
    const before = await usage(core, name);
    const limit = Math.floor(before.totals.private / 2);
    await page.getByLabel('Keep the private cache under').fill(String(limit));
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    const run = page.locator('[data-testid="housekeeping-run"]').first();
    await run.waitFor({ timeout: 30_000 });
    expect(await run.innerText()).toMatch(/You\s+Pruned/);
    const after = await usage(core, name);
    expect(after.totals.private).toBeLessThan(limit);
    await expect
      .poll(() => page.locator('[data-testid="total-total"]').innerText(), { timeout: 15_000 })
      .toBe(humanSize(after.totals.size));
    await shoot(page, 'test-results/cache-housekeeping.png');
  });

  it('a stopped builder shows a designed error with the way to start it', async () => {
    await docker.getContainer(`buildx_buildkit_${name}0`).stop({ t: 1 });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const error = page.locator('[data-testid="error-state"][data-code="BUILDER_UNREACHABLE"]');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.innerText()).toContain(`docker buildx inspect --bootstrap ${name}`);
    await shoot(page, 'test-results/cache-stopped.png');
    // builders.bootstrap from the view: the cache shows again.
    await page.getByRole('button', { name: 'Start builder' }).click();
    await page.locator('[data-testid="total-total"]').waitFor({ timeout: 60_000 });
  });
});
