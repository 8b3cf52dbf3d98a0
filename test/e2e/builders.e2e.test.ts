import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

// The built renderer in Chromium over the real core (serve mode), against the real engine and buildx.
const RENDERER = 'out/renderer';

describe('Builders view in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, healthTimeoutMs: 3000 });
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
  });

  it('shows the real builders with status, BuildKit version and engine facts', async () => {
    const name = sandbox.name('e2e');
    await sandbox.docker(containerBuilderArgs(name));
    await page.goto(server.openUrl);
    const def = page.locator('[data-testid="builder-card"][data-builder-name="default"]');
    await def.waitFor({ timeout: 30_000 });
    await expect.poll(() => def.locator('[data-testid="node-status"]').first().innerText()).toMatch(/running/i);
    expect(await def.innerText()).toMatch(/current/i);
    const mine = page.locator(`[data-testid="builder-card"][data-builder-name="${name}"]`);
    await mine.waitFor();
    expect(await mine.innerText()).toMatch(/docker-container/);
    expect(await mine.locator('[data-testid="node-status"]').first().innerText()).toMatch(/inactive/i);
    const engine = await page.locator('[data-testid="engine-info"]').innerText();
    expect(engine).toContain('26.1.5');
    expect(engine).toContain('overlay2');
    // The token left the address bar once the cookie took over.
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: 'test-results/e2e-builders.png', fullPage: true });
  });

  it('updates live when a builder starts outside BuildDeck', async () => {
    const name = sandbox.name('live');
    // Bootstrapping starts a container: the docker event reaches the page over the WebSocket.
    await sandbox.docker(containerBuilderArgs(name, { bootstrap: true }));
    const card = page.locator(`[data-testid="builder-card"][data-builder-name="${name}"]`);
    await card.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => card.locator('[data-testid="node-status"]').first().innerText(), { timeout: 20_000 })
      .toMatch(/running/i);
    expect(await card.innerText()).toContain('v0.13.2');
  });

  it('refresh is a keyboard-reachable, labelled button', async () => {
    const refresh = page.locator('[data-testid="refresh-button"]');
    expect((await refresh.getAttribute('aria-label')) ?? (await refresh.innerText())).toMatch(/refresh/i);
    await refresh.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="builder-card"][data-builder-name="default"]').waitFor();
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
  });
});

describe('failure screens in Chromium', () => {
  it('Docker not running: a designed screen with the code, how to start Docker, and Retry', async () => {
    const sandbox = buildxSandbox();
    const core = createCore({ env: sandbox.env, dockerHost: 'unix:///tmp/builddeck-e2e-no-docker.sock' });
    const server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(server.openUrl);
      const error = page.locator('[data-testid="error-state"][data-code="DOCKER_UNREACHABLE"]').first();
      await error.waitFor({ timeout: 30_000 });
      const text = await error.innerText();
      expect(text).toMatch(/docker is not running/i);
      expect(text).toMatch(/systemctl start docker/);
      expect(await page.getByRole('button', { name: /retry/i }).count()).toBeGreaterThan(0);
      await page.screenshot({ path: 'test-results/e2e-docker-unreachable.png' });
    } finally {
      await browser.close();
      await server.close();
      await core.dispose();
      await sandbox.cleanup();
    }
  });
});
