import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, containerBuilderArgs, type BuildxSandbox } from '../helpers/buildx-sandbox';

const exec = promisify(execFile);
const RENDERER = 'out/renderer';

// The Bake view, built, in Chromium over the real core (serve mode): a real three-target bake on a
// docker-container builder (amd64 + arm64 under QEMU, base image from the local registry).
describe('Bake in Chromium over the real core', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let root: string;
  let builder: string;
  const token = `bdtest-bake-e2e-${Math.random().toString(36).slice(2, 8)}`;
  const dirs = { project: '', broken: '', outside: '' };
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    root = mkdtempSync(join(tmpdir(), 'bd-e2e-bake-'));
    dirs.project = join(root, 'shop');
    mkdirSync(dirs.project);
    // Every RUN carries the token: the first run really builds (nothing cached from another test).
    writeFileSync(
      join(dirs.project, 'app.Dockerfile'),
      [
        'FROM 127.0.0.1:5000/busybox AS base',
        'ARG WHO',
        `RUN echo "base for $WHO ${token}" && sleep 2`,
        'FROM base AS final',
        `RUN for i in 1 2 3; do echo "final $i ${token}"; sleep 1; done`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dirs.project, 'worker.Dockerfile'),
      ['FROM 127.0.0.1:5000/busybox', `RUN echo "worker on $(uname -m) ${token}" && sleep 2`, ''].join('\n'),
    );
    writeFileSync(
      join(dirs.project, 'docker-bake.hcl'),
      [
        'variable "WHO" {',
        '  default = "everyone"',
        '}',
        '',
        'group "default" {',
        '  targets = ["api", "worker", "api-base"]',
        '}',
        '',
        '# The API image: a multi-stage build.',
        'target "api" {',
        '  dockerfile = "app.Dockerfile"',
        '  args = { WHO = WHO }',
        '  tags = ["shop/api:dev"]',
        '}',
        '',
        'target "worker" {',
        '  dockerfile = "worker.Dockerfile"',
        '  platforms = ["linux/amd64", "linux/arm64"]',
        '}',
        '',
        '# The API base stage alone (inherits api).',
        'target "api-base" {',
        '  inherits = ["api"]',
        '  target = "base"',
        '  tags = ["shop/api-base:dev"]',
        '}',
        '',
      ].join('\n'),
    );
    dirs.broken = join(root, 'broken');
    mkdirSync(dirs.broken);
    writeFileSync(join(dirs.broken, 'docker-bake.hcl'), 'target "api" {\n  dockerfile = "Dockerfile"\n  tags = [\n}\n');
    // A project whose target builds a sibling folder: bake must ask before it reads outside.
    dirs.outside = join(root, 'outside');
    mkdirSync(dirs.outside);
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'lib', 'Dockerfile'), `FROM 127.0.0.1:5000/busybox\nRUN echo "lib ${token}"\n`);
    writeFileSync(join(dirs.outside, 'docker-bake.hcl'), 'target "default" {\n  context = "../lib"\n}\n');

    sandbox = buildxSandbox();
    builder = sandbox.name('bakee2e');
    await sandbox.docker(containerBuilderArgs(builder, { hostNetwork: true, bootstrap: true }), { timeoutMs: 180_000 });
    core = createCore({ env: { ...sandbox.env, HOME: root }, healthTimeoutMs: 5000, dataDir: join(root, 'data') });
    server = await startServer({ router: core.router, events: core.events, staticDir: RENDERER });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1380, height: 940 } });
    await context.addInitScript(
      `window.__builddeckTestPathForFile = (file) => (${JSON.stringify({ broken: dirs.broken, outside: dirs.outside })})[file && file.name];`,
    );
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(server.openUrl);
    await page.getByRole('button', { name: 'Bake', exact: true }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.dispose();
    // The container builder keeps the results (no --load): removing it removes them.
    await sandbox?.cleanup();
    await exec('docker', ['image', 'rm', '-f', 'shop/api:dev', 'shop/api-base:dev']).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Drops a folder of the test's (the init script maps its name to a path) on the Bake view. */
  async function dropFolder(name: string, beforeDrop?: () => Promise<void>): Promise<void> {
    const dataTransfer = await page.evaluateHandle((file) => {
      const dt = new DataTransfer();
      dt.items.add(new File([''], file));
      return dt;
    }, name);
    await page.dispatchEvent('main', 'dragenter', { dataTransfer });
    await page.dispatchEvent('main', 'dragover', { dataTransfer });
    await beforeDrop?.();
    await page.dispatchEvent('main', 'drop', { dataTransfer });
  }

  it('starts empty, with a way to open a project', async () => {
    await page.getByRole('button', { name: 'Bake', exact: true }).click();
    await page.locator('[data-testid="empty-state"]').waitFor();
    expect(await page.locator('[data-testid="empty-state"]').innerText()).toContain('Open a bake or compose project');
    await page.screenshot({ path: 'test-results/bake-empty.png' });
  });

  it('opens a project with the folder picker: groups, targets, variables and the command', async () => {
    await page.locator('[data-testid="open-project"]').click();
    const picker = page.locator('[data-testid="folder-picker"]');
    await picker.waitFor();
    // It starts in the home folder (the test's root) and marks the folder holding a bake file.
    await picker
      .locator('[data-testid="picker-entry"][data-project]', { hasText: 'shop' })
      .waitFor({ timeout: 20_000 });
    await page.screenshot({ path: 'test-results/bake-picker.png' });
    await picker.locator('[data-testid="picker-entry"]', { hasText: 'shop' }).click();
    await expect.poll(() => picker.locator('[data-testid="picker-path"]').inputValue()).toBe(dirs.project);
    await picker.locator('[data-testid="picker-open"]').click();
    await picker.waitFor({ state: 'detached' });

    const project = page.locator('[data-testid="bake-project"]');
    await project.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="bake-group"]').innerText()).toContain('default');
    expect(
      await project
        .locator('[data-testid="bake-target"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-target'))),
    ).toEqual(['api', 'api-base', 'worker']);
    expect(await page.locator('[data-testid="run-targets"]').innerText()).toBe('3 targets: api, api-base, worker');
    await page.locator('[data-testid="bake-builder"]').selectOption(builder);
    await page.locator('[data-testid="bake-variable"][data-variable="WHO"]').fill('the e2e test');
    await expect
      .poll(() => page.locator('[data-testid="bake-command"]').getAttribute('data-command'))
      .toBe(`cd ${dirs.project} && 'WHO=the e2e test' docker buildx bake --builder=${builder}`);
    await project.locator('[data-testid="bake-target"][data-target="worker"] button', { hasText: 'Details' }).click();
    await page.screenshot({ path: 'test-results/bake-project.png', fullPage: true });
  });

  it('runs the three targets: one section per target with its platform lanes, live, then done', async () => {
    await page.locator('[data-testid="start-bake"]').click();
    const run = page.locator('[data-testid="bake-run"]');
    await run.waitFor({ timeout: 30_000 });
    const sections = run.locator('[data-testid="bake-section"]');
    await expect.poll(() => sections.count(), { timeout: 30_000 }).toBe(3);
    const worker = run.locator('[data-testid="bake-section"][data-target="worker"]');
    await worker.locator('[data-testid="lane"][data-lane="linux/arm64"]').waitFor();
    await worker.locator('[data-testid="lane"][data-lane="linux/amd64"]').waitFor();
    // Live: some step runs while the bake is still going.
    await run.locator('[data-testid="step-row"][data-state="running"]').first().waitFor({ timeout: 60_000 });
    expect(await run.getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: 'test-results/bake-running.png' });

    await page.locator('[data-testid="bake-run"][data-status="succeeded"]').waitFor({ timeout: 180_000 });
    expect(await page.locator('[data-testid="bake-result"]').innerText()).toMatch(/Baked 3 targets/);
    expect(
      await run
        .locator('[data-testid="bake-section"]')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-target'), e.getAttribute('data-status')])),
    ).toEqual([
      ['api', 'succeeded'],
      ['api-base', 'succeeded'],
      ['worker', 'succeeded'],
    ]);
    expect(await run.locator('[data-testid="bake-strip-item"][data-status="succeeded"]').count()).toBe(3);
    expect(
      await worker.locator('[data-testid="lane"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
    ).toEqual(expect.arrayContaining(['done', 'done']));
    // The api section counts its own steps (2 stages: FROM, RUN, RUN).
    expect(
      await run
        .locator('[data-testid="bake-section"][data-target="api"] [data-testid="bake-section-summary"]')
        .innerText(),
    ).toMatch(/^3 steps/);
    // A step's own log: the worker's arm64 RUN printed aarch64.
    await worker
      .locator('[data-testid="lane"][data-lane="linux/arm64"] [data-testid="step-row"]', { hasText: 'RUN echo' })
      .click();
    await expect
      .poll(() => page.locator('[data-testid="log-view"]').innerText())
      .toContain(`worker on aarch64 ${token}`);
    await page.screenshot({ path: 'test-results/bake-done-log.png' });
    await page.locator('main').evaluate((el) => el.scrollTo(0, 0));
    await page.locator('[data-testid="bake-tab"][data-status="succeeded"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: 'test-results/bake-done.png' });
  });

  it('a folder dropped on the Bake view opens as a project; a broken definition names its file and line', async () => {
    await dropFolder('broken', async () => {
      await page.locator('[data-testid="drop-overlay"]', { hasText: 'open it as a project' }).waitFor();
    });
    const error = page.locator('[data-testid="definition-error"]');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toContain('docker-bake.hcl line 4');
    expect(await error.locator('[data-testid="definition-message"]').innerText()).toMatch(/Invalid expression/);
    expect(await error.locator('[data-marked]').innerText()).toContain('}');
    await page.screenshot({ path: 'test-results/bake-definition-error.png' });
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused|Uncaught|TypeError/i.test(e))).toEqual([]);
  });

  it('a definition that reads outside its folder asks first; "Allow and start" grants exactly that and runs', async () => {
    await dropFolder('outside');
    await page.locator('[data-testid="bake-project"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="bake-builder"]').selectOption(builder);
    // Read with the project, before any start: what it asks for, and a way to allow it now.
    const ahead = page.locator('[data-testid="bake-privileges-ahead"]');
    await ahead.waitFor({ timeout: 10_000 });
    expect(await ahead.innerText()).toContain('Read access to path ../lib');
    await page.screenshot({ path: 'test-results/bake-privileges-ahead.png' });
    // Starting anyway is refused before buildx runs, with the same list.
    await page.locator('[data-testid="start-bake"]').click();
    const prompt = page.locator('[data-testid="bake-privileges"]');
    await prompt.waitFor({ timeout: 30_000 });
    expect(await prompt.innerText()).toContain('Read access to path ../lib');
    expect(await prompt.innerText()).toContain('--allow=fs.read=../lib');
    // Nothing started: no run page, and the command does not grant anything yet.
    expect(await page.locator('[data-testid="bake-run"]').count()).toBe(0);
    expect(await page.locator('[data-testid="bake-command"]').getAttribute('data-command')).not.toContain('--allow');
    await page.screenshot({ path: 'test-results/bake-privileges.png' });

    await page.locator('[data-testid="allow-and-start"]').click();
    const run = page.locator('[data-testid="bake-run"]');
    await run.waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="bake-run"][data-status="succeeded"]').waitFor({ timeout: 120_000 });
    // "Edit" brings the request back with its grant, shown on the form (and in the command) where it
    // can be taken back.
    await run.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect
      .poll(() => page.locator('[data-testid="bake-command"]').getAttribute('data-command'), { timeout: 10_000 })
      .toContain('--allow=fs.read=../lib');
    expect(await page.locator('[data-testid="bake-allowed"]').innerText()).toContain('fs.read=../lib');
    await page.screenshot({ path: 'test-results/bake-allowed.png' });
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused|Uncaught|TypeError/i.test(e))).toEqual([]);
  });
});
