/**
 * The CLI's early engine requests (electron/composition/early.ts): a GET (or a docker-container
 * builder's `buildctl du` exec) started before the core loads answers the core's own identical
 * request once; a failed or different one never changes what the core gets. A local HTTP server on a unix socket plays the engine (FAKE: it stands in for dockerd's
 * API only to count and shape the requests; the real engine is used by the cache and build tests).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { abandonEarly, EngineApi, requestEarly } from '../../electron/adapters/docker/engine-api';
import { BuildkitContainerCache } from '../../electron/adapters/docker/buildkit-cache';
import { DockerEngine } from '../../electron/adapters/docker/engine';
import { startEarlyRequests } from '../../electron/composition/early';

let dir: string;
let server: Server;
let address: string;
const seen: string[] = [];
/** What `buildctl du` prints in the fake container; undefined: no such container. */
let execStdout: string | undefined;
let answer: (path: string) => { status: number; body: string; delayMs?: number } = (path) => ({
  status: 200,
  body: JSON.stringify({ path, n: seen.length }),
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bd-early-'));
  seen.length = 0;
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const exec = /^\/containers\/([^/]+)\/exec$/.exec(req.url ?? '');
    if (exec) {
      // Exec create: 404 for a container that does not exist, as dockerd answers.
      const known = execStdout !== undefined;
      res.writeHead(known ? 201 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(known ? { Id: `x${seen.length}` } : { message: `No such container: ${exec[1]}` }));
      return;
    }
    const a = answer(req.url ?? '');
    setTimeout(() => {
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(a.body);
    }, a.delayMs ?? 0);
  });
  // Exec start: the engine switches to a raw stream of 8-byte-framed stdout (stream 1), then closes.
  server.on('upgrade', (req, socket) => {
    seen.push(req.url ?? '');
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    const body = Buffer.from(execStdout ?? '');
    const head = Buffer.alloc(8);
    head[0] = 1;
    head.writeUInt32BE(body.length, 4);
    socket.end(Buffer.concat([head, body]));
  });
  const socketPath = join(dir, 'engine.sock');
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  address = `unix://${socketPath}`;
});

afterEach(async () => {
  abandonEarly();
  execStdout = undefined;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  answer = (path) => ({ status: 200, body: JSON.stringify({ path, n: seen.length }) });
});

const api = () => new EngineApi({ address, socketPath: address.slice('unix://'.length) });
const call = { timeoutMs: 5000 };

describe('early engine requests', () => {
  it('answers the first identical GET from the request already made, and only that one', async () => {
    void requestEarly(address, '/system/df?type=build-cache');
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
    void requestEarly(address, '/version');
    const other = await api().json<{ path: string }>('GET', '/info', undefined, call);
    expect(other.path).toBe('/info');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.sort()).toEqual(['/info', '/version']);
  });

  it('asks again when the early request failed, so the error is the caller’s own', async () => {
    answer = () => ({ status: 500, body: JSON.stringify({ message: 'engine busy' }) });
    void requestEarly(address, '/version');
    await expect(api().json('GET', '/version', undefined, call)).rejects.toMatchObject({
      statusCode: 500,
      message: 'engine busy',
    });
    expect(seen).toEqual(['/version', '/version']);
  });

  it('keeps the caller’s bound when the early answer is late', async () => {
    answer = () => ({ status: 200, body: '{}', delayMs: 2000 });
    void requestEarly(address, '/version');
    await expect(api().json('GET', '/version', undefined, { timeoutMs: 100 })).rejects.toMatchObject({
      appError: { code: 'TIMEOUT' },
    });
  });

  it('starts nothing when the command or the environment points away from the default builder', async () => {
    const env = { DOCKER_HOST: address, HOME: dir, BUILDDECK_DATA_DIR: dir, BUILDX_CONFIG: join(dir, 'bx') };
    await startEarlyRequests(['cache', 'du', '--builder', 'other'], env);
    await startEarlyRequests(['build', '--help'], env);
    await startEarlyRequests(['history', 'ls'], env);
    // buildx's current builder is another context's (no instance of it in the store).
    mkdirSync(join(dir, 'bx'), { recursive: true });
    writeFileSync(join(dir, 'bx', 'current'), JSON.stringify({ Key: address, Name: 'remote' }));
    await startEarlyRequests(['cache', 'du'], env);
    rmSync(join(dir, 'bx', 'current'));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ dockerHost: 'tcp://elsewhere:2375' }));
    await startEarlyRequests(['cache', 'du'], env);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    rmSync(join(dir, 'settings.json'));
    await startEarlyRequests(['cache', 'du', '--json'], env);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['/system/df?type=build-cache']);
  });

  it('follows the docker CLI: DOCKER_HOST means the default builder whatever DOCKER_CONTEXT says', async () => {
    const env = { DOCKER_HOST: address, DOCKER_CONTEXT: 'remote', HOME: dir, BUILDDECK_DATA_DIR: dir };
    await startEarlyRequests(['cache', 'du', '--builder=default'], { ...env, BUILDX_CONFIG: join(dir, 'bx') });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['/system/df?type=build-cache']);
  });
});

describe('early exec into a docker-container builder', () => {
  const record = { id: 'abc123', size: 42, inUse: false, shared: false, recordType: 'regular', description: 'x' };
  let env: NodeJS.ProcessEnv;
  const store = (name: string, endpoint: string) => {
    mkdirSync(join(dir, 'bx', 'instances'), { recursive: true });
    const instance = { Name: name, Driver: 'docker-container', Nodes: [{ Name: `${name}0`, Endpoint: endpoint }] };
    writeFileSync(join(dir, 'bx', 'instances', name), JSON.stringify(instance));
  };
  const execs = () => seen.filter((u) => u.endsWith('/exec'));
  beforeEach(() => {
    env = { DOCKER_HOST: address, HOME: dir, BUILDDECK_DATA_DIR: dir, BUILDX_CONFIG: join(dir, 'bx') };
  });

  it('runs buildctl du in the builder’s container before the core asks, and the core takes its output once', async () => {
    execStdout = JSON.stringify([record]);
    store('dc', address);
    await startEarlyRequests(['cache', 'du', '--builder', 'dc', '--json'], env);
    // Before the core asks anything, the engine has both of the exec's requests.
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['/containers/buildx_buildkit_dc0/exec', '/exec/x1/start']);
    const cache = new BuildkitContainerCache(new DockerEngine({ host: address }), false);
    const first = await cache.usage(['buildx_buildkit_dc0'], call);
    expect(first?.records.map((r) => r.id)).toEqual(['abc123']);
    // The core ran no exec of its own: one create, one start, both the early one's.
    expect(seen).toEqual(['/containers/buildx_buildkit_dc0/exec', '/exec/x1/start']);
    await cache.usage(['buildx_buildkit_dc0'], call);
    expect(execs()).toHaveLength(2); // a later read asks the container again
  });

  it('starts the current builder’s exec without --builder, and none for a node on another engine', async () => {
    execStdout = '[]';
    store('far', 'tcp://elsewhere:2375');
    await startEarlyRequests(['cache', 'du', '--builder', 'far'], env);
    expect(seen).toEqual([]);
    store('dc', 'default');
    writeFileSync(join(dir, 'bx', 'current'), JSON.stringify({ Key: address, Name: 'dc' }));
    await startEarlyRequests(['cache', 'du'], env);
    expect(execs()).toEqual(['/containers/buildx_buildkit_dc0/exec']);
  });

  it('leaves a failed early exec to the core, whose own exec reports the error', async () => {
    store('gone', address);
    await startEarlyRequests(['cache', 'du', '--builder', 'gone'], env);
    const cache = new BuildkitContainerCache(new DockerEngine({ host: address }), false);
    await expect(cache.usage(['buildx_buildkit_gone0'], call)).rejects.toMatchObject({
      appError: { code: 'BUILDER_UNREACHABLE', details: { status: 'inactive' } },
    });
    expect(execs()).toHaveLength(2); // the early one and the core's own
  });
});

/**
 * The thread that sent an early request is blocked at once by the core's load (~40 ms compiled from
 * cache, more on a cold one). A request merely queued on a connecting socket would leave only after
 * that; it must already be with the engine. The engine here is another process (FAKE, as above),
 * so it sees the request arrive while this thread is blocked.
 */
describe('early requests leave before the core loads', () => {
  const BLOCK_MS = 600;
  let engine: ReturnType<typeof spawn> | undefined;
  afterEach(() => engine?.kill());

  /** A fake engine in a child process: logs each request's arrival (epoch ms) and answers it. */
  async function outOfProcessEngine(): Promise<{ address: string; arrivals: () => { at: number; url: string }[] }> {
    const socketPath = join(dir, 'other.sock');
    const log = join(dir, 'arrivals.log');
    const script = `
      const http = require('node:http'); const fs = require('node:fs');
      const s = http.createServer((req, res) => {
        fs.appendFileSync(${JSON.stringify(log)}, Date.now() + ' ' + req.url + '\\n');
        const exec = req.url.endsWith('/exec');
        res.writeHead(exec ? 201 : 200, { 'Content-Type': 'application/json' });
        res.end(exec ? '{"Id":"x1"}' : '{}');
      });
      s.on('upgrade', (req, socket) => {
        fs.appendFileSync(${JSON.stringify(log)}, Date.now() + ' ' + req.url + '\\n');
        socket.end('HTTP/1.1 101 UPGRADED\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\n\\r\\n');
      });
      s.listen(${JSON.stringify(socketPath)}, () => process.stdout.write('ready'));`;
    engine = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => engine?.stdout?.once('data', () => resolve()));
    return {
      address: `unix://${socketPath}`,
      arrivals: () =>
        existsSync(log)
          ? readFileSync(log, 'utf8')
              .trim()
              .split('\n')
              .map((l) => ({ at: Number(l.split(' ')[0]), url: l.split(' ')[1] ?? '' }))
          : [],
    };
  }

  const blockThread = () => {
    const until = Date.now() + BLOCK_MS;
    while (Date.now() < until) {
      // as a synchronous module load does
    }
  };

  async function arrivedWhileBlocked(
    argv: string[],
    env: NodeJS.ProcessEnv,
    arrivals: () => { at: number; url: string }[],
    requests: number,
  ) {
    await startEarlyRequests(argv, env);
    const blockedAt = Date.now();
    blockThread();
    for (let i = 0; i < 100 && arrivals().length < requests; i++) await new Promise((r) => setTimeout(r, 10));
    return arrivals().map((a) => ({ url: a.url, beforeUnblocked: a.at < blockedAt + BLOCK_MS / 2 }));
  }

  it('the default builder’s GET is with the engine while the thread is blocked', async () => {
    const other = await outOfProcessEngine();
    const env = { DOCKER_HOST: other.address, HOME: dir, BUILDDECK_DATA_DIR: dir, BUILDX_CONFIG: join(dir, 'bx') };
    expect(await arrivedWhileBlocked(['cache', 'du', '--json'], env, other.arrivals, 1)).toEqual([
      { url: '/system/df?type=build-cache', beforeUnblocked: true },
    ]);
  });

  it('a docker-container builder’s exec is started while the thread is blocked', async () => {
    const other = await outOfProcessEngine();
    mkdirSync(join(dir, 'bx', 'instances'), { recursive: true });
    const instance = { Name: 'dc', Driver: 'docker-container', Nodes: [{ Name: 'dc0', Endpoint: other.address }] };
    writeFileSync(join(dir, 'bx', 'instances', 'dc'), JSON.stringify(instance));
    const env = { DOCKER_HOST: other.address, HOME: dir, BUILDDECK_DATA_DIR: dir, BUILDX_CONFIG: join(dir, 'bx') };
    const seenByEngine = await arrivedWhileBlocked(['cache', 'du', '--builder', 'dc'], env, other.arrivals, 2);
    expect(seenByEngine).toEqual([
      { url: '/containers/buildx_buildkit_dc0/exec', beforeUnblocked: true },
      { url: '/exec/x1/start', beforeUnblocked: true },
    ]);
  });
});
