import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/composition/create-core';
import type { Router } from '../../electron/core/router';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { launchChromium } from '../helpers/browser';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';

// A real second origin in Chromium: a page on another 127.0.0.1 port, in the same browser that holds
// BuildDeck's cookie (cookies ignore ports, and 127.0.0.1:any is the same *site*). It tries every way a
// page can send a request without reading the token; none may reach the router.
const RENDERER = 'out/renderer';
const MARKER = 'bdtest-csrf-marker';

describe('serve mode refuses commands from another origin (CSRF) while its own page works', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  let server: RunningServer;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let app: Page;
  const calls: { command: unknown; input: unknown }[] = [];
  const fromAttacker = () => calls.filter((c) => JSON.stringify(c).includes(MARKER));

  beforeAll(async () => {
    expect(existsSync(`${RENDERER}/index.html`), 'run `npm run build` first').toBe(true);
    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, healthTimeoutMs: 3000 });
    const recording: Router = {
      ...core.router,
      invoke: (command, input, ctx) => {
        calls.push({ command, input });
        return core.router.invoke(command, input, ctx);
      },
    };
    server = await startServer({ router: recording, events: core.events, staticDir: RENDERER });
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>another origin</title><p>hello</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    app = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await core?.dispose();
    await sandbox?.cleanup();
  });

  it('the real page signs in from the opening URL, keeps working after a reload, and the URL forgets the token', async () => {
    await app.goto(server.openUrl);
    const card = app.locator('[data-testid="builder-card"][data-builder-name="default"]');
    await card.waitFor({ timeout: 30_000 });
    expect(app.url()).not.toContain('token');
    await app.reload();
    await card.waitFor({ timeout: 30_000 });
    expect(calls.some((c) => c.command === 'builders.list')).toBe(true);
    // The token is in no storage a later script or extension could read.
    const stored = await app.evaluate(() =>
      [localStorage, sessionStorage].map((st) => JSON.stringify(Object.entries(st))).join(''),
    );
    expect(stored).not.toContain(server.token);
  });

  it('a page of another origin with the ambient cookie cannot run a command, open the socket or read the token', async () => {
    const evil = await context.newPage();
    await evil.goto(attackerUrl);
    const target = server.url.replace(/\/$/, '');
    const body = JSON.stringify({ command: 'builders.stop', input: { name: MARKER } });
    const outcome = await evil.evaluate(
      async ({ target, body }) => {
        const attempt = async (init: RequestInit, path = '/api/invoke') => {
          try {
            const res = await fetch(target + path, { credentials: 'include', ...init });
            return `status ${res.status} ${res.type} ${await res.text().catch(() => '')}`;
          } catch (err) {
            return `refused: ${String(err)}`;
          }
        };
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${target.replace('http', 'ws')}/api/events`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        return {
          // A "simple" request: no preflight, the cookie goes along; the page cannot read the answer.
          plain: await attempt({ method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }),
          // JSON needs a preflight, which the server never approves.
          json: await attempt({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body }),
          // Reading the token off the session hand-over.
          session: await attempt({ method: 'GET' }, '/api/session'),
          socket,
        };
      },
      { target, body },
    );
    expect(outcome.json).toMatch(/^refused/);
    expect(outcome.session).toMatch(/^refused/);
    expect(outcome.session).not.toContain(server.token);
    expect(outcome.socket).toBe('refused');

    // A classic form POST (text/plain, shaped to parse as JSON), submitted by the other page.
    await evil.evaluate(
      ({ target, marker }) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = `${target}/api/invoke`;
        form.enctype = 'text/plain';
        const field = document.createElement('input');
        field.name = `{"command":"builders.stop","input":{"name":"${marker}","pad":"`;
        field.value = '"}}';
        form.appendChild(field);
        document.body.appendChild(form);
        form.submit();
      },
      { target, marker: MARKER },
    );
    await evil.waitForURL(/\/api\/invoke$/, { timeout: 10_000 });
    const answer = await evil.locator('body').innerText();
    expect(answer).toMatch(/UNAUTHORIZED|INVALID_INPUT/);
    expect(answer).not.toMatch(/"ok":\s*true/);

    expect(outcome.plain).not.toContain('"ok":true');
    expect(fromAttacker()).toEqual([]);
    await evil.close();
  });

  it('the real page still runs commands and receives events after the other origin tried', async () => {
    await app.locator('[data-testid="refresh-button"]').click();
    await app.locator('[data-testid="builder-card"][data-builder-name="default"]').waitFor();
    const before = calls.length;
    await app.reload();
    await app.locator('[data-testid="builder-card"][data-builder-name="default"]').waitFor({ timeout: 30_000 });
    expect(calls.length).toBeGreaterThan(before);
    // Events arrive over the socket the page opened with its token: a change re-reads the list.
    await expect
      .poll(() => app.getByRole('status').filter({ hasText: 'Live updates' }).innerText(), { timeout: 15_000 })
      .toBe('Live updates on');
    const lists = () => calls.filter((c) => c.command === 'builders.list').length;
    const listed = lists();
    core.events.emit('builders.changed', { reason: 'bdtest-csrf' });
    await expect.poll(lists, { timeout: 15_000 }).toBeGreaterThan(listed);
    await app.screenshot({ path: 'test-results/e2e-serve-csrf.png' });
  });
});
