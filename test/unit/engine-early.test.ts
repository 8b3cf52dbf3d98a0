/**
 * The CLI's early engine requests (electron/composition/early.ts): a GET started before the core
 * loads answers the core's own identical GET once; a failed or different one never changes what the
 * core gets. A local HTTP server on a unix socket plays the engine (FAKE: it stands in for dockerd's
 * API only to count and shape the requests; the real engine is used by the cache and build tests).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { abandonEarly, EngineApi, requestEarly } from '../../electron/adapters/docker/engine-api';
import { startEarlyRequests } from '../../electron/composition/early';

let dir: string;
let server: Server;
let address: string;
const seen: string[] = [];
let answer: (path: string) => { status: number; body: string; delayMs?: number } = (path) => ({
  status: 200,
  body: JSON.stringify({ path, n: seen.length }),
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bd-early-'));
  seen.length = 0;
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const a = answer(req.url ?? '');
    setTimeout(() => {
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(a.body);
    }, a.delayMs ?? 0);
  });
  const socketPath = join(dir, 'engine.sock');
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  address = `unix://${socketPath}`;
});

afterEach(async () => {
  abandonEarly();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  answer = (path) => ({ status: 200, body: JSON.stringify({ path, n: seen.length }) });
});

const api = () => new EngineApi({ address, socketPath: address.slice('unix://'.length) });
const call = { timeoutMs: 5000 };

describe('early engine requests', () => {
  it('answers the first identical GET from the request already made, and only that one', async () => {
    requestEarly(address, '/system/df?type=build-cache');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['/system/df?type=build-cache']);
    const first = await api().json<{ n: number }>('GET', '/system/df?type=build-cache', undefined, call);
    expect(seen).toHaveLength(1); // no second request: the early answer was used
    expect(first.n).toBe(1);
    const second = await api().json<{ n: number }>('GET', '/system/df?type=build-cache', undefined, call);
    expect(second.n).toBe(2); // a later call asks the engine again
    expect(seen).toHaveLength(2);
  });

  it('never answers a different path or another engine', async () => {
    requestEarly(address, '/version');
    const other = await api().json<{ path: string }>('GET', '/info', undefined, call);
    expect(other.path).toBe('/info');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.sort()).toEqual(['/info', '/version']);
  });

  it('asks again when the early request failed, so the error is the caller’s own', async () => {
    answer = () => ({ status: 500, body: JSON.stringify({ message: 'engine busy' }) });
    requestEarly(address, '/version');
    await expect(api().json('GET', '/version', undefined, call)).rejects.toMatchObject({
      statusCode: 500,
      message: 'engine busy',
    });
    expect(seen).toEqual(['/version', '/version']);
  });

  it('keeps the caller’s bound when the early answer is late', async () => {
    answer = () => ({ status: 200, body: '{}', delayMs: 2000 });
    requestEarly(address, '/version');
    await expect(api().json('GET', '/version', undefined, { timeoutMs: 100 })).rejects.toMatchObject({
      appError: { code: 'TIMEOUT' },
    });
  });

  it('starts nothing when the command or the environment points away from the default builder', async () => {
    const env = { DOCKER_HOST: address, HOME: dir, BUILDDECK_DATA_DIR: dir, BUILDX_CONFIG: join(dir, 'bx') };
    startEarlyRequests(['cache', 'du', '--builder', 'other'], env);
    startEarlyRequests(['build', '--help'], env);
    startEarlyRequests(['history', 'ls'], env);
    startEarlyRequests(['cache', 'du'], { ...env, DOCKER_CONTEXT: 'remote' });
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ dockerHost: 'tcp://elsewhere:2375' }));
    startEarlyRequests(['cache', 'du'], env);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    rmSync(join(dir, 'settings.json'));
    startEarlyRequests(['cache', 'du', '--json'], env);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['/system/df?type=build-cache']);
  });
});
