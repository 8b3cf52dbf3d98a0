import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { appError } from '../../electron/common/errors';
import { EventBus } from '../../electron/core/events';
import { createRouter } from '../../electron/core/router';
import { startServer, type RunningServer } from '../../electron/serve/server';
import { handlersWith } from '../helpers/handlers';

// The transport alone: a router with in-memory handlers stands in for the core (the real core over
// this server is exercised by test/e2e).
const events = new EventBus();
const router = createRouter(
  handlersWith({
    'engine.info': () => Promise.reject(appError('DOCKER_UNREACHABLE', 'down')),
    'buildx.info': () => Promise.reject(appError('BUILDX_MISSING', 'none')),
    'builders.list': () => Promise.resolve({ builders: [], refreshedAt: new Date(0).toISOString(), durationMs: 0 }),
  }),
);
let server: RunningServer;

function http(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: init.headers },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(init.body);
    },
  );
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>BuildDeck</title>');
  server = await startServer({ router, events, staticDir: dir });
});
afterAll(() => server.close());

describe('serve: loopback HTTP + WebSocket with a token', () => {
  it('binds to 127.0.0.1 and answers 401 without the token, for the UI and the API', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await http('/')).status).toBe(401);
    const api = await http('/api/invoke', { method: 'POST', body: '{"command":"builders.list","input":{}}' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect((await http('/?token=wrong')).status).toBe(401);
    expect((await http('/', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly cookie, then serves the UI', async () => {
    const first = await http(`/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await http('/', { headers: { Cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>BuildDeck</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses a right token sent under a foreign Host name (DNS rebinding)', async () => {
    const res = await http('/', { headers: { Authorization: `Bearer ${server.token}`, Host: 'evil.example:80' } });
    expect(res.status).toBe(401);
  });

  it('routes commands and returns errors as values', async () => {
    const auth = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' };
    const ok = await http('/api/invoke', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'builders.list', input: {} }),
    });
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { builders: [] } });
    const bad = await http('/api/invoke', { method: 'POST', headers: auth, body: 'not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const invalid = await http('/api/invoke', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'builders.list', input: { refresh: 1 } }),
    });
    expect(JSON.parse(invalid.body)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', details: { field: 'refresh' } },
    });
    const down = await http('/api/invoke', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'engine.info', input: {} }),
    });
    expect(JSON.parse(down.body)).toMatchObject({ ok: false, error: { code: 'DOCKER_UNREACHABLE' } });
  });

  it('refuses the event socket without the token and pushes events with it', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
    const status = await new Promise<number>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const message = new Promise<unknown>((resolve) =>
      ws.on('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    events.emit('builders.changed', { reason: 'test' });
    expect(await message).toEqual({ event: 'builders.changed', seq: 1, payload: { reason: 'test' } });
    ws.close();
  });
});

describe('serve: hardening (issue 13)', () => {
  const json = { 'Content-Type': 'application/json' };
  const body = JSON.stringify({ command: 'builders.list', input: {} });
  const cookieOf = async () => {
    const first = await http(`/?token=${server.token}`);
    return String(first.headers['set-cookie']).split(';')[0] ?? '';
  };

  it('answers a body over 1 MiB with HTTP 413 and a Result, not a reset connection', async () => {
    const big = JSON.stringify({ command: 'builders.list', input: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const res = await http('/api/invoke', {
      method: 'POST',
      headers: { ...json, Authorization: `Bearer ${server.token}` },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it.each(['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/%2F%2Fevil.example/', '/./\\/evil.example'])(
    'redirects %s?token=... only to a path of its own origin',
    async (path) => {
      const res = await http(`${path}?token=${server.token}`);
      expect(res.status).toBe(303);
      const location = String(res.headers.location);
      expect(location).toMatch(/^\/(?![/\\])/);
      expect(new URL(location, server.url).origin).toBe(new URL(server.url).origin);
    },
  );

  it('the cookie alone does not authorise a command: the token must come in a header', async () => {
    const cookie = await cookieOf();
    const res = await http('/api/invoke', { method: 'POST', headers: { ...json, Cookie: cookie }, body });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    // The header a page sets from memory works, Authorization: Bearer as well.
    for (const header of [{ 'X-BuildDeck-Token': server.token }, { Authorization: `Bearer ${server.token}` }]) {
      const good = await http('/api/invoke', { method: 'POST', headers: { ...json, ...header }, body });
      expect(JSON.parse(good.body)).toMatchObject({ ok: true });
    }
  });

  it('refuses commands that are not application/json, or come from another origin', async () => {
    const auth = { 'X-BuildDeck-Token': server.token };
    const plain = await http('/api/invoke', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const none = await http('/api/invoke', { method: 'POST', headers: auth, body });
    expect(none.status).toBe(415);
    const foreign = await http('/api/invoke', {
      method: 'POST',
      headers: { ...auth, ...json, Origin: 'http://127.0.0.1:1' },
      body,
    });
    expect(foreign.status).toBe(403);
    const crossSite = await http('/api/invoke', {
      method: 'POST',
      headers: { ...auth, ...json, 'Sec-Fetch-Site': 'same-site' },
      body,
    });
    expect(crossSite.status).toBe(403);
    const own = await http('/api/invoke', {
      method: 'POST',
      headers: { ...auth, ...json, Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' },
      body,
    });
    expect(JSON.parse(own.body)).toMatchObject({ ok: true });
  });

  it('hands the token to a same-origin page that holds the cookie, and to nothing else', async () => {
    const cookie = await cookieOf();
    const page = await http('/api/session', { headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin' } });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(page.body)).toEqual({ token: server.token });
    for (const headers of [
      { Cookie: cookie },
      { Cookie: cookie, 'Sec-Fetch-Site': 'same-site' },
      { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin', Origin: 'http://127.0.0.1:1' },
      { 'Sec-Fetch-Site': 'same-origin' },
    ]) {
      const res = await http('/api/session', { headers });
      expect(res.status, JSON.stringify(headers)).toBeGreaterThanOrEqual(401);
      expect(res.body).not.toContain(server.token);
    }
  });

  it('the event socket needs the token too (a subprotocol from a page), not the cookie', async () => {
    const cookie = await cookieOf();
    const statusOf = (ws: WebSocket) =>
      new Promise<number>((resolve) => {
        ws.on('open', () => resolve(101));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
    const url = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await statusOf(new WebSocket(url, { headers: { Cookie: cookie } }))).toBe(401);
    const foreign = new WebSocket(url, ['builddeck', `builddeck.token.${server.token}`], {
      headers: { Origin: 'http://127.0.0.1:1' },
    });
    expect(await statusOf(foreign)).toBe(401);
    const page = new WebSocket(url, ['builddeck', `builddeck.token.${server.token}`], {
      headers: { Origin: `http://127.0.0.1:${server.port}` },
    });
    expect(await statusOf(page)).toBe(101);
    // The server picks the plain protocol: the token is never echoed back.
    expect(page.protocol).toBe('builddeck');
    page.close();
  });
});
