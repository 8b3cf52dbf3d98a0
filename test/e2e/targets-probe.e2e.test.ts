import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import type { Router } from '../../electron/core/router';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

// The New build form over the real core in Chromium: a folder whose Dockerfile names a frontend
// image (`# syntax=`) is not probed with that image until the user agrees on the page.
const RENDERER = 'out/renderer';
// Never pulled by this test before the click; after it, the local registry answers "not found".
const FRONTEND = `127.0.0.1:5000/bdtest-frontend-${Math.random().toString(36).slice(2, 8)}:1`;

describe('targets probe of the New build form asks before running a # syntax= frontend', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const probes: Record<string, unknown>[] = [];

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    dir = mkdtempSync(join(tmpdir(), 'bd-e2e-frontend-'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      `# syntax=${FRONTEND}\nFROM local/busybox:latest AS deps\nFROM deps AS app\nRUN true\n`,
    );
    core = createCore({ env: sandbox.env, dataDir: join(sandbox.dir, 'data'), healthTimeoutMs: 5000 });
    const recording: Router = {
      ...core.router,
      invoke: (command, input, ctx) => {
        if (command === 'builds.inspectContext') probes.push(input as Record<string, unknown>);
        return core.router.invoke(command, input, ctx);
      },
    };
    server = await startServer({ router: recording, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(server.openUrl);
    await page.getByRole('button', { name: 'Builds', exact: true }).click();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the stages read from the file and a confirm button naming the image; runs it only after the click', async () => {
    await page
      .getByRole('button', { name: /New build/ })
      .first()
      .click();
    await page.locator('[data-testid="context-input"]').fill(dir);
    const callout = page.locator('[data-testid="frontend-confirm"]');
    await callout.waitFor({ timeout: 30_000 });
    expect(await callout.innerText()).toContain(FRONTEND);
    const options = await page.locator('[data-testid="target-select"] option').allInnerTexts();
    expect(options.join('\n')).toMatch(/deps/);
    expect(options.join('\n')).toMatch(/app/);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((p) => p['trustFrontend'] === undefined)).toBe(true);
    await page.screenshot({ path: 'test-results/e2e-frontend-confirm.png', fullPage: true });

    await callout
      .getByRole('button', { name: new RegExp(`Run ${FRONTEND.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) })
      .click();
    await expect.poll(() => probes.some((p) => p['trustFrontend'] === FRONTEND), { timeout: 30_000 }).toBe(true);
    // Confirmed: the form no longer asks (the image does not exist, so the stages still come from the file).
    await expect.poll(() => callout.count(), { timeout: 60_000 }).toBe(0);
  });

  it('offers the build arguments the Dockerfile declares (buildx --call=outline); a click adds one with its default', async () => {
    const args = mkdtempSync(join(tmpdir(), 'bd-e2e-args-'));
    try {
      writeFileSync(
        join(args, 'Dockerfile'),
        'FROM local/busybox:latest AS base\n# GREETING what to say\nARG GREETING=hello\nARG EMPTY\nRUN --mount=type=secret,id=npmrc,required=true echo "$GREETING"\n',
      );
      await page.locator('[data-testid="context-input"]').fill(args);
      const offered = page.locator('[data-testid="declared-args"]');
      await offered.waitFor({ timeout: 30_000 });
      expect(await offered.innerText()).toMatch(/GREETING\s*=hello[\s\S]*EMPTY/);
      await page.screenshot({ path: 'test-results/builds-declared-args.png', fullPage: true });

      await offered.getByRole('button', { name: 'Add build argument GREETING (default hello): what to say' }).click();
      const rows = page.locator('[data-testid="build-arg-rows"]');
      await expect.poll(() => rows.getByLabel('Build argument 1 name').inputValue()).toBe('GREETING');
      expect(await rows.getByLabel('Build argument 1 value').inputValue()).toBe('hello');
      // Set now: no longer offered; the one left still is, and the command carries the new argument.
      await expect.poll(() => offered.getByRole('button').count()).toBe(1);
      await offered.getByRole('button', { name: /Add build argument EMPTY/ }).waitFor();
      await expect
        .poll(() => page.locator('[data-testid="command-preview"]').innerText(), { timeout: 10_000 })
        .toContain('--build-arg GREETING=hello');

      // The secret its RUN mounts, marked required: a click adds the row with its id, the file to choose.
      const secrets = page.locator('[data-testid="declared-secrets"]');
      expect(await secrets.innerText()).toMatch(/npmrc\s*required/);
      await secrets.scrollIntoViewIfNeeded();
      await page.screenshot({ path: 'test-results/builds-declared-secrets.png' });
      await secrets.getByRole('button', { name: 'Add secret npmrc (required: the build fails without it)' }).click();
      await expect.poll(() => page.getByLabel('Secret 1 id').inputValue()).toBe('npmrc');
      await expect.poll(() => secrets.count()).toBe(0);
    } finally {
      rmSync(args, { recursive: true, force: true });
    }
  });

  it('offers what the chosen target stage declares, not only the last stage', async () => {
    const stages = mkdtempSync(join(tmpdir(), 'bd-e2e-stages-'));
    try {
      writeFileSync(
        join(stages, 'Dockerfile'),
        'FROM local/busybox:latest AS tools\nARG TOOLS_VERSION=1.2\nRUN echo "$TOOLS_VERSION"\n' +
          'FROM local/busybox:latest AS app\nARG APP_MODE=release\nRUN echo "$APP_MODE"\n',
      );
      await page.locator('[data-testid="context-input"]').fill(stages);
      const offered = page.locator('[data-testid="declared-args"]');
      // The default target is the last stage: its argument only.
      await expect.poll(() => offered.innerText().catch(() => ''), { timeout: 30_000 }).toMatch(/APP_MODE/);
      expect(await offered.innerText()).not.toMatch(/TOOLS_VERSION/);
      await page.locator('[data-testid="target-select"]').selectOption('tools');
      await expect
        .poll(() => offered.innerText().catch(() => ''), { timeout: 30_000 })
        .toMatch(/TOOLS_VERSION\s*=1\.2/);
      expect(await offered.innerText()).not.toMatch(/APP_MODE/);
      await page.screenshot({ path: 'test-results/builds-declared-args-target.png', fullPage: true });
    } finally {
      await page.locator('[data-testid="target-select"]').selectOption('');
      rmSync(stages, { recursive: true, force: true });
    }
  });
});
