import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Builder, BuildersSnapshot } from '../../electron/common/domain';
import { createCore } from '../../electron/composition/create-core';
import { NativeBuilderStatus } from '../../electron/adapters/buildx/builder-status';
import { DockerEngine } from '../../electron/adapters/docker/engine';
import { BuildersService } from '../../electron/core/builders/service';
import { EventBus } from '../../electron/core/events';
import type { KnownBuilder } from '../../electron/core/ports';
import { BuildxCli } from '../../electron/adapters/buildx/cli';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';

/**
 * The builder list streams: each builder is announced the moment it answered, a silent one (a FAKE
 * hung host: a loopback listener that accepts and never answers) at its bound, and the last list is
 * kept for the next start's first paint. Real engine, real buildx store, real docker-container builder.
 */
describe('builders list, one builder at a time', () => {
  let sandbox: BuildxSandbox;
  let dc: string;
  let silentName: string;
  let silent: { close(): void };
  const dataDir = () => join(sandbox.dir, 'data');

  beforeAll(async () => {
    sandbox = buildxSandbox();
    dc = sandbox.name('streamdc');
    await sandbox.docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }));
    // Created while the port is closed (`create` dials too), then the silent listener takes it.
    const port = await freePort();
    silentName = sandbox.name('streamsilent');
    await sandbox.docker(['buildx', 'create', '--name', silentName, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    silent = await silentListener(port);
    mkdirSync(dataDir(), { recursive: true });
    writeFileSync(join(dataDir(), 'settings.json'), JSON.stringify({ healthTimeoutMs: 3000 }));
  });
  afterAll(async () => {
    silent.close();
    await sandbox.cleanup();
  });

  it('announces every live builder before the silent one, which comes unreachable at its bound', async () => {
    const core = createCore({ env: sandbox.env, dataDir: dataDir(), pollIntervalMs: 3_600_000 });
    try {
      const order: { name: string; status: string | undefined }[] = [];
      const off = core.events.subscribe(
        (event, payload) => {
          if (event === 'builders.updated')
            order.push({ name: payload.builder.name, status: payload.builder.nodes[0]?.status });
        },
        { passive: true },
      );
      const r = await core.router.invoke('builders.list', { refresh: true });
      off();
      expect(r.ok).toBe(true);
      const names = order.map((o) => o.name);
      expect(names.at(-1)).toBe(silentName);
      expect(order.at(-1)?.status).toBe('unreachable');
      expect(order.find((o) => o.name === dc)?.status).toBe('running');
      expect(order.find((o) => o.name === 'default')?.status).toBe('running');
      // The snapshot keeps buildx's order (stored builders by name, then contexts), whatever answered first.
      const snapshot = (r as { value: BuildersSnapshot }).value;
      expect(snapshot.builders.map((b) => b.name)).toEqual([...[dc, silentName].sort(), 'default']);
    } finally {
      await core.dispose();
    }
  });

  it("a build's builder check answers what buildx inspect does: state and default platform, the silent one refused", async () => {
    const status = new NativeBuilderStatus(
      new BuildxCli({ dockerPath: 'docker', env: sandbox.env }),
      () => sandbox.env,
    );
    const firstPlatform = async (name: string) => {
      const { stdout } = await sandbox.docker(['buildx', 'inspect', name]);
      return /^Platforms:\s*([^,\s*]+)/m.exec(stdout)?.[1];
    };
    // The default builder is read from the engine's /version, not BuildKit's ListWorkers (see describe()).
    const def = await status.describe('default', { timeoutMs: 5000 });
    expect(def.driver).toBe('docker');
    expect(def.nodes[0]?.status).toBe('running');
    expect(def.nodes[0]?.platforms[0]).toBe(await firstPlatform('default'));
    // No name: the current builder (the sandbox's store has none in use, so buildx's: the context's).
    expect((await status.describe(undefined, { timeoutMs: 5000 })).name).toBe('default');
    const container = await status.describe(dc, { timeoutMs: 5000 });
    expect(container.nodes[0]?.status).toBe('running');
    expect(container.nodes[0]?.platforms[0]).toBe(await firstPlatform(dc));
    await expect(status.describe(silentName, { timeoutMs: 1500 })).rejects.toMatchObject({
      appError: { code: 'BUILDER_UNREACHABLE' },
    });
    await expect(status.describe(sandbox.name('nosuch'), { timeoutMs: 1500 })).rejects.toMatchObject({
      appError: { code: 'BUILDER_NOT_FOUND' },
    });
  });

  it('the CLI prints live builders first and the silent one last, marked unreachable', async () => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    const lines: { at: number; text: string }[] = [];
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['bin/builddeck.js', 'builders', 'ls'], {
        env: { ...sandbox.env, BUILDDECK_DATA_DIR: dataDir() },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push({ at: Date.now() - started, text: buf.slice(0, nl) });
          buf = buf.slice(nl + 1);
        }
      });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const row = (name: string) => lines.findIndex((l) => l.text.startsWith(`${name} `) || l.text === name);
    expect(lines[0]?.text).toMatch(/^NAME\/NODE\s+DRIVER\/ENDPOINT\s+STATUS/);
    expect(row(dc)).toBeGreaterThan(0);
    expect(row('default *')).toBeGreaterThan(0);
    expect(row(silentName)).toBeGreaterThan(Math.max(row(dc), row('default *')));
    expect(lines[row(silentName) + 1]?.text).toMatch(/unreachable\s.*did not answer within 3 s/);
    expect(lines[row(dc) + 1]?.text).toMatch(/running\s+v0\.13\.2/);
  });

  it("the background re-check keeps the default builder's emulated platforms and version without asking BuildKit's workers", async () => {
    const status = new NativeBuilderStatus(
      new BuildxCli({ dockerPath: 'docker', env: sandbox.env }),
      () => sandbox.env,
    );
    const depths: string[] = [];
    // The real adapter, counted: which reads asked the default builder's workers in full.
    const counted = {
      known: () => status.known(),
      dial: (k: KnownBuilder, call: { timeoutMs: number }, depth?: 'whole' | 'brief') => {
        if (k.name === 'default') depths.push(depth ?? 'whole');
        return status.dial(k, call, depth);
      },
    };
    const buildx = new BuildxCli({ dockerPath: 'docker', env: sandbox.env });
    const events = new EventBus();
    const service = new BuildersService(
      buildx,
      counted,
      new DockerEngine(),
      events,
      { now: () => Date.now() },
      {
        healthTimeoutMs: 5000,
        pollIntervalMs: 700,
        cacheMs: 0,
      },
    );
    const whole = (await service.list(true)).builders.find((b) => b.name === 'default');
    // QEMU is registered here (setup-buildkit-env.sh): only the whole read lists arm64.
    expect(whole?.nodes[0]?.platforms).toContain('linux/arm64');
    const off = events.subscribe(() => undefined); // a window listens: the re-check runs
    try {
      await expect
        .poll(() => depths.filter((d) => d === 'brief').length, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2);
      const after = (await service.lastKnown())?.builders.find((b) => b.name === 'default');
      expect(after?.nodes[0]).toMatchObject({ status: 'running', platforms: whole?.nodes[0]?.platforms });
      expect(after?.nodes[0]?.buildkitVersion).toBe(whole?.nodes[0]?.buildkitVersion);
      expect(depths.filter((d) => d === 'whole')).toHaveLength(1);
    } finally {
      off();
      service.dispose();
    }
  });

  it('a new process paints the last list at once, marked stale, from the data folder', async () => {
    const core = createCore({ env: sandbox.env, dataDir: dataDir(), pollIntervalMs: 3_600_000 });
    try {
      const r = await core.router.invoke('builders.list', { lastKnown: true });
      expect(r.ok).toBe(true);
      const last = (r as { value: BuildersSnapshot }).value;
      expect(last.stale).toBe(true);
      expect(last.builders.map((b: Builder) => b.name).sort()).toEqual([dc, silentName, 'default'].sort());
      expect(last.builders.find((b) => b.name === dc)?.nodes[0]?.status).toBe('running');
    } finally {
      await core.dispose();
    }
  });
});
