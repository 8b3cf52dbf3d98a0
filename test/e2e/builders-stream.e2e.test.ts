import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';

const RENDERER = 'out/renderer';

/**
 * First paint from the last known list, then each builder live as it answers. The silent builder is
 * a FAKE hung host (a loopback listener that accepts and never answers); the rest is real.
 */
describe('Builders view paints the last known list, then each builder as it answers', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let silent: { close(): void };
  let silentName: string;

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    const port = await freePort();
    silentName = sandbox.name('e2esilent');
    await sandbox.docker(['buildx', 'create', '--name', silentName, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    silent = await silentListener(port);
    // The silent builder's bound: long enough that the page (Chromium's start, the Builders chunk)
    // has painted the last known list before it, even with another e2e file running beside this one
    // (at 4 s the live answer sometimes came first and the "last seen" check failed).
    core = createCore({ env: sandbox.env, healthTimeoutMs: 8000, pollIntervalMs: 3_600_000 });
    // One earlier read: the list a returning user last saw.
    expect((await core.router.invoke('builders.list', { refresh: true })).ok).toBe(true);
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    silent?.close();
    await sandbox?.cleanup();
  });

  it('shows every builder at once as last seen; live ones update, the silent one turns unreachable at its bound', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A fresh read starts with the page: the core's short cache (1.5 s) must not answer it. Emitting
    // builders.changed does not clear that cache (only the core's own changes do), so wait it out.
    await new Promise((r) => setTimeout(r, 1600));
    await page.goto(server.openUrl);
    const card = (name: string) => page.locator(`[data-testid="builder-card"][data-builder-name="${name}"]`);
    await card(silentName).waitFor({ timeout: 10_000 });
    // Painted from the last known list while the live read is still waiting on the silent builder.
    expect(await card(silentName).getAttribute('data-stale')).toBe('true');
    expect(await card(silentName).innerText()).toMatch(/last seen/i);
    await expect.poll(() => card('default').getAttribute('data-stale'), { timeout: 10_000 }).toBeNull();
    expect(await card('default').locator('[data-testid="node-status"]').first().innerText()).toMatch(/running/i);
    await page.screenshot({ path: 'test-results/e2e-builders-streaming.png', fullPage: true });
    // The silent one is answered for at its bound: no longer "last seen", live as unreachable.
    expect(await card(silentName).getAttribute('data-stale')).toBe('true');
    await expect.poll(() => card(silentName).getAttribute('data-stale'), { timeout: 15_000 }).toBeNull();
    expect(await card(silentName).locator('[data-testid="node-status"]').first().innerText()).toMatch(/unreachable/i);
    expect(await card(silentName).innerText()).toMatch(/did not answer within 8 s/);
    await page.screenshot({ path: 'test-results/e2e-builders-streamed.png', fullPage: true });
    await page.close();
  });
});
