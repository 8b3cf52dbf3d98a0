import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

describe('Settings view in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'bd-e2e-settings-'));

  beforeAll(async () => {
    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, dataDir });
    server = await startServer({ router: core.router, events: core.events, staticDir: 'out/renderer' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
  });

  it('validates inline, saves to disk, and applies the theme at once', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(server.openUrl);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();

    // A bad value is explained next to its field and nothing is written.
    const timeout = page.getByLabel('Health timeout (s)');
    await timeout.fill('soon');
    await page.getByTestId('settings-save').click();
    await page.getByText('Between 0.5 and 120 seconds.').waitFor();
    expect(await timeout.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: 'test-results/e2e-settings-invalid.png', fullPage: true });

    await timeout.fill('7.5');
    await page.getByLabel('Theme').selectOption('light');
    await page.getByTestId('settings-save').click();
    await page.getByText('Settings saved.').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('light');
    const saved = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ healthTimeoutMs: 7500, theme: 'light' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(245, 246, 248)');
    await page.screenshot({ path: 'test-results/e2e-settings-light.png', fullPage: true });
    await page.close();
  });
});
