import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { BUILDKIT_IMAGE, buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

// Create, inspect and operate builders through the built renderer in Chromium, over the real core.
const RENDERER = 'out/renderer';

describe('Managing builders in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const lsNames = async () =>
    (await sandbox.docker(['buildx', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean);
  const card = (name: string) => page.locator(`[data-testid="builder-card"][data-builder-name="${name}"]`);

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    core = createCore({
      env: sandbox.env,
      dataDir: join(sandbox.dir, 'data'),
      // The app's default bound: `buildx inspect` of a builder limited to half a CPU, right after its
      // creation, takes 2-3 s on this 2-core machine.
      healthTimeoutMs: 5000,
      pollIntervalMs: 600_000,
    });
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(server.openUrl);
    await card('default').waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    await sandbox?.cleanup();
  });

  it('the form validates inline with the contract, shows the command live, and creates nothing while invalid', async () => {
    await page.locator('[data-testid="new-builder"]').click();
    await page.locator('#f-name').fill('bad name');
    await page.locator('#f-memory').fill('lots');
    await page.locator('#f-memory').blur();
    await page.locator('#f-name').blur();
    expect(await page.locator('[data-testid="error-f-name"]').innerText()).toMatch(/Must start with a letter/);
    expect(await page.locator('[data-testid="error-f-memory"]').innerText()).toMatch(/size such as 512m/);
    expect(await page.locator('[data-testid="create-command"]').innerText()).toContain("--name 'bad name'");
    const before = await lsNames();
    await page.locator('[data-testid="create-submit"]').click();
    // The first invalid field takes the focus; nothing was sent.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');
    expect(await page.locator('[data-testid="action-progress"]').count()).toBe(0);
    expect(await lsNames()).toEqual(before);

    await page.locator('label[data-driver="remote"]').click();
    await page.locator('#f-endpoint').fill('ssh://build-host');
    await page.locator('#f-endpoint').blur();
    expect(await page.locator('[data-testid="error-f-endpoint"]').innerText()).toMatch(/does not dial/);
    // Pasted buildkitd.toml is checked as it is typed, with the line and column of the problem.
    await page.locator('label[data-driver="kubernetes"]').click();
    await page.locator('text=Paste TOML').click();
    await page.locator('#f-buildkitdConfigToml').fill('[worker.oci]\nmax-parallelism = four\n');
    await page.locator('#f-buildkitdConfigToml').blur();
    expect(await page.locator('[data-testid="error-f-buildkitdConfigToml"]').innerText()).toMatch(
      /Not valid TOML: line 2, column 19: "four" is not a TOML value/,
    );
    await page.locator('#f-kubeContext').fill('prod-eu');
    await page.locator('#f-replicas').fill('0');
    await page.locator('#f-replicas').blur();
    expect(await page.locator('[data-testid="error-f-replicas"]').innerText()).toMatch(/at least 1/);
    expect(await page.locator('[data-testid="create-command"]').innerText()).toMatch(
      /kubectl config view --minify --flatten --context prod-eu/,
    );
    await page.setViewportSize({ width: 1360, height: 1900 });
    await page.screenshot({ path: 'test-results/builders-create-kubernetes.png' });
    await page.locator('label[data-driver="docker-container"]').click();
    await page.setViewportSize({ width: 1360, height: 1500 });
    await page.screenshot({ path: 'test-results/builders-create-invalid.png' });
    await page.setViewportSize({ width: 1360, height: 1000 });
    await page.locator('[data-testid="back"]').click();
  });

  it('creates a docker-container builder with limits, shows progress, then its details with live usage', async () => {
    const name = sandbox.name('ui');
    await page.locator('[data-testid="new-builder"]').click();
    await page.locator('#f-name').fill(name);
    await page.locator('#f-image').fill(BUILDKIT_IMAGE);
    await page.locator('#f-network').fill('host');
    await page.locator('#f-memory').fill('256m');
    await page.locator('#f-cpuQuota').fill('50000');
    await page.locator('button[aria-pressed]:has-text("linux/arm64")').click();
    const command = await page.locator('[data-testid="create-command"]').innerText();
    expect(command).toContain(`--name ${name}`);
    expect(command).toContain('--driver-opt memory=256m');
    expect(command).toContain('--platform linux/arm64');
    await page.locator('[data-testid="create-submit"]').click();
    const progress = page.locator('[data-testid="action-progress"]');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await progress.innerText()).toMatch(new RegExp(`Created ${name} and started it`));
    expect(await progress.innerText()).toMatch(/creating container buildx_buildkit_/);
    await page.screenshot({ path: 'test-results/builders-create-done.png' });

    await page.locator(`button:has-text("Open ${name}")`).click();
    const node = page.locator('[data-testid="node-details"]').first();
    await node.waitFor();
    expect(await node.locator('[data-testid="node-status"]').innerText()).toMatch(/running/i);
    const text = await node.innerText();
    expect(text).toMatch(/Memory limit\s+256 MiB/);
    expect(text).toMatch(/CPU limit\s+0\.50 CPU/);
    await page.locator('[data-testid="container-stats"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="container-stats"]').innerText()).toMatch(/of 256 MiB/);
    await page.screenshot({ path: 'test-results/builders-details.png' });

    // Stop: shown as stopped (a state, not an error), then start again.
    await page.locator('[data-testid="action-stop"]').click();
    await expect
      .poll(() => page.locator('[data-testid="action-progress"]').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('succeeded');
    await expect
      .poll(() => node.locator('[data-testid="node-status"]').innerText(), { timeout: 30_000 })
      .toMatch(/stopped/i);

    expect(await page.locator('[data-testid="node-error"]').count()).toBe(0);
    await page.locator('[data-testid="action-bootstrap"]').click();
    await expect
      .poll(() => page.locator('[data-testid="action-progress"]').getAttribute('data-status'), { timeout: 30_000 })
      .not.toBe('running');
    expect(await page.locator('[data-testid="action-progress"]').getAttribute('data-status')).toBe('succeeded');
    await expect
      .poll(() => node.locator('[data-testid="node-status"]').innerText(), { timeout: 30_000 })
      .toMatch(/running/i);
    // Remove: the dialog names what is lost, and nothing goes until it is confirmed.
    await page.locator('[data-testid="action-remove"]').click();
    const dialog = page.locator('[data-testid="remove-dialog"]');
    expect(await dialog.innerText()).toContain(`buildx_buildkit_${name}0_state`);
    await page.keyboard.press('Escape');
    expect(await lsNames()).toContain(name);
    await page.locator('[data-testid="action-remove"]').click();
    await page.locator('[data-testid="remove-confirm"]').click();
    await expect
      .poll(() => page.locator('[data-testid="action-progress"]').innerText(), { timeout: 30_000 })
      .toMatch(`Removed ${name}.`);
    expect(await lsNames()).not.toContain(name);
    await expect(sandbox.docker(['container', 'inspect', `buildx_buildkit_${name}0`])).rejects.toThrow(
      /No such container/,
    );
    await expect(sandbox.docker(['volume', 'inspect', `buildx_buildkit_${name}0_state`])).rejects.toThrow(
      /no such volume/i,
    );

    await page.locator('button:has-text("Back to builders")').click();
  });

  it("maps buildx's refusal to the field: a duplicate name", async () => {
    const existing = sandbox.name('dup');
    await sandbox.docker(['buildx', 'create', '--name', existing, '--driver', 'remote', 'tcp://127.0.0.1:1']);
    await page.locator('[data-testid="new-builder"]').click();
    await page.locator('label[data-driver="remote"]').click();
    await page.locator('#f-name').fill(existing);
    await page.locator('#f-endpoint').fill('tcp://127.0.0.1:2');
    await page.locator('#f-bootstrap').uncheck();
    await page.locator('[data-testid="create-submit"]').click();
    await expect
      .poll(() => page.locator('[data-testid="error-f-name"]').innerText(), { timeout: 15_000 })
      .toMatch(/already exists/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');
    await page.locator('[data-testid="back"]').click();
  });

  it('health badges and fleet warnings name the unreachable builder', async () => {
    const dead = sandbox.name('deadui');
    await sandbox.docker(['buildx', 'create', '--name', dead, '--driver', 'remote', 'tcp://127.0.0.1:1']);
    await page.locator('[data-testid="health-button"]').click();
    await expect
      .poll(() => card(dead).locator('[data-testid="health-badge"]').getAttribute('data-health'), { timeout: 20_000 })
      .toBe('unreachable');
    expect(await card('default').locator('[data-testid="health-badge"]').getAttribute('data-health')).toBe('ok');
    expect(await page.locator('[data-testid="fleet-warnings"]').innerText()).toMatch(
      new RegExp(`${dead}/${dead}0: nothing listens at 127\\.0\\.0\\.1:1`),
    );
    await page.screenshot({ path: 'test-results/builders-list-health.png' });
    expect(consoleErrors).toEqual([]);
  });
});
