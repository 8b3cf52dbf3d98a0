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
    const auth = { Authorization: `Bearer ${server.token}` };
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
    expect(await message).toEqual({ event: 'builders.changed', payload: { reason: 'test' } });
    ws.close();
  });
});
