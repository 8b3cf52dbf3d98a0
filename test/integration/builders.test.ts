import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Builder, BuildersSnapshot } from '../../electron/common/domain';
import { parseJsonObjects } from '../../electron/common/json-stream';
import { createCore, type Core } from '../../electron/composition/create-core';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';

const exec = promisify(execFile);
const docker = new Docker();

async function list(core: Core): Promise<BuildersSnapshot> {
  const r = await core.router.invoke('builders.list', { refresh: true });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as BuildersSnapshot;
}

describe('builders, against the real engine and buildx 0.29', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  beforeAll(() => {
    sandbox = buildxSandbox();
    core = createCore({ env: sandbox.env, healthTimeoutMs: 3000, pollIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await core.dispose();
    await sandbox.cleanup();
  });

  it('reports the engine and buildx it talks to', async () => {
    const engine = await core.router.invoke('engine.info', {});
    expect(engine).toMatchObject({ ok: true, value: { reachable: true, os: 'linux', arch: 'amd64' } });
    const buildx = await core.router.invoke('buildx.info', {});
    expect(buildx).toMatchObject({ ok: true, value: { version: '0.29.1', features: { history: true, duJson: true } } });
  });

  it('lists exactly the builders `docker buildx ls` lists, the default one current and running', async () => {
    const { stdout } = await sandbox.docker(['buildx', 'ls', '--format', 'json']);
    const expected = parseJsonObjects(stdout).objects.map((o) => (o as { Name: string }).Name);
    const snapshot = await list(core);
    expect(snapshot.builders.map((b) => b.name)).toEqual(expected);
    const def = snapshot.builders.find((b) => b.name === 'default');
    expect(def).toMatchObject({ driver: 'docker', current: true, contextBuilder: true });
    expect(def?.nodes[0]?.status).toBe('running');
    expect(def?.nodes[0]?.platforms).toContain('linux/amd64');
  });

  it('shows a docker-container builder with its platforms after bootstrap, live stop, and its removal', async () => {
    const name = sandbox.name('dc');
    await sandbox.docker(
      containerBuilderArgs(name, { hostNetwork: true, platforms: 'linux/amd64,linux/arm64', bootstrap: true }),
    );
    let b = (await list(core)).builders.find((x) => x.name === name) as Builder;
    expect(b).toMatchObject({ driver: 'docker-container', current: false, contextBuilder: false });
    expect(b.nodes[0]).toMatchObject({ name: `${name}0`, status: 'running', buildkitVersion: 'v0.13.2' });
    expect(b.nodes[0]?.platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    expect(b.nodes[0]?.pinnedPlatforms).toEqual(['linux/amd64', 'linux/arm64']);

    // `ls --format json` prints the builder as buildx does, byte for byte: its buildkitd flags and driver
    // options (the store), its worker IDs, labels and GC policy (ListWorkers). Then once more from
    // what that process kept (a brief read, no ListWorkers): the same line.
    const lsLine = async (argv: string[]) => {
      const { stdout } = await exec(argv[0] as string, argv.slice(1), {
        env: { ...sandbox.env, BUILDDECK_DATA_DIR: join(sandbox.dir, 'data') },
      });
      return stdout.split('\n').find((l) => l.includes(`"Name":"${name}"`));
    };
    const theirs = await lsLine(['docker', 'buildx', 'ls', '--format', 'json']);
    expect(theirs).toContain('"GCPolicy":[{');
    expect(theirs).toContain('"Flags":["--allow-insecure-entitlement=network.host"]');
    for (let i = 0; i < 2; i++)
      expect(await lsLine([process.execPath, 'bin/builddeck.js', 'ls', '--format', 'json'])).toBe(theirs);

    // Live: stopping its container outside BuildDeck is noticed through docker events.
    const changed = new Promise<string>((resolve) => {
      const off = core.events.subscribe((event, payload) => {
        // "kill" is only the signal: buildkitd may still be shutting down. "die"/"stop" mean it is gone.
        if (event !== 'builders.changed') return;
        const reason = payload.reason;
        if (reason.includes(`buildx_buildkit_${name}0`) && /die|stop/.test(reason)) {
          off();
          resolve(reason);
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300)); // the event stream connects on first subscriber
    await docker.getContainer(`buildx_buildkit_${name}0`).stop({ t: 1 });
    expect(await changed).toMatch(/stop|die/);
    // While a window listens, History reads BuildKit's records, and `buildx history ls` starts a stopped
    // builder: a read overlapping the stop must undo its own start. The user sees "stopped" and the
    // container stays down.
    const deadline = Date.now() + 15_000;
    do {
      b = (await list(core)).builders.find((x) => x.name === name) as Builder;
      if (b.nodes[0]?.status === 'stopped') break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    expect(b.nodes[0]?.status).toBe('stopped');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await docker.getContainer(`buildx_buildkit_${name}0`).inspect()).State.Running).toBe(false);

    await sandbox.docker(['buildx', 'rm', name]);
    expect((await list(core)).builders.map((x) => x.name)).not.toContain(name);
  });

  it('a remote builder that never answers is shown unreachable without blocking the others', async () => {
    // A loopback socket that accepts and stays silent: buildx ls alone would wait 20 s for it.
    // `buildx create` dials too, so the builder is created while the port is closed (refused at
    // once), and the silent listener takes the port afterwards.
    const port = await freePort();
    const name = sandbox.name('silent');
    await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
    const silent = await silentListener(port);
    try {
      const started = Date.now();
      const snapshot = await list(core);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(15_000);
      const dead = snapshot.builders.find((b) => b.name === name);
      expect(dead?.nodes[0]).toMatchObject({ status: 'unreachable', endpoint: `tcp://127.0.0.1:${port}` });
      expect(dead?.error).toMatch(/did not answer within 3 s/);
      expect(snapshot.builders.find((b) => b.name === 'default')?.nodes[0]?.status).toBe('running');
      expect(snapshot.builders.find((b) => b.name === 'default')?.current).toBe(true);
    } finally {
      silent.close();
    }
  });

  it('the CLI prints the same builders as JSON', async () => {
    expect(existsSync('out/node/cli.cjs'), 'run `npm run build` first').toBe(true);
    const { stdout } = await exec(process.execPath, ['bin/builddeck.js', 'builders', 'ls', '--json'], {
      env: sandbox.env,
    });
    const cli = JSON.parse(stdout) as Builder[];
    const { stdout: raw } = await sandbox.docker(['buildx', 'ls', '--format', 'json']);
    expect(cli.map((b) => b.name)).toEqual(parseJsonObjects(raw).objects.map((o) => (o as { Name: string }).Name));
    expect(cli[0]).toHaveProperty('nodes.0.platforms');
  });
});

describe('builders with buildx 0.13.1 (compatibility)', () => {
  let sandbox: BuildxSandbox;
  let core: Core;
  beforeAll(() => {
    sandbox = buildxSandbox({ oldBuildx: true });
    core = createCore({ env: sandbox.env, healthTimeoutMs: 3000 });
  });
  afterAll(async () => {
    await core.dispose();
    await sandbox.cleanup();
  });

  it('reads the older JSON shape, de-duplicated, and still finds the current builder', async () => {
    expect(await core.router.invoke('buildx.info', {})).toMatchObject({
      ok: true,
      value: { version: '0.13.1', features: { history: false } },
    });
    const name = sandbox.name('old');
    await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', 'tcp://127.0.0.1:1']);
    const snapshot = await list(core);
    expect(snapshot.builders.filter((b) => b.name === name)).toHaveLength(1);
    expect(snapshot.builders.find((b) => b.current)?.name).toBe('default');
    expect(snapshot.builders.find((b) => b.name === name)?.nodes[0]).toMatchObject({
      status: 'inactive',
      endpoint: 'tcp://127.0.0.1:1',
    });
  });
});

describe('failure states a user sees', () => {
  it('Docker not running: DOCKER_UNREACHABLE with how to start it, from engine and builder list alike', async () => {
    const sandbox = buildxSandbox();
    const core = createCore({ env: sandbox.env, dockerHost: 'unix:///tmp/builddeck-no-such-docker.sock' });
    try {
      for (const command of ['engine.info', 'builders.list'] as const) {
        const r = await core.router.invoke(command, {});
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('DOCKER_UNREACHABLE');
          expect(r.error.hint).toMatch(/start docker/i);
        }
      }
    } finally {
      await core.dispose();
      await sandbox.cleanup();
    }
  });

  it('no docker CLI: DOCKER_MISSING naming what was run', async () => {
    const core = createCore({ dockerPath: '/nonexistent/docker' });
    const r = await core.router.invoke('builders.list', {});
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'DOCKER_MISSING', details: { command: '/nonexistent/docker' } },
    });
    await core.dispose();
  });

  it('buildx too old: BUILDX_MISSING with the version found and the minimum', async () => {
    // FAKE (named): no buildx older than 0.13 can be installed here, so a stand-in plugin that
    // answers the docker CLI's plugin handshake and prints an old version goes first on the plugin path.
    const sandbox = buildxSandbox();
    const plugins = join(sandbox.dir, 'plugins');
    mkdirSync(plugins, { recursive: true });
    writeFileSync(
      join(plugins, 'docker-buildx'),
      [
        '#!/bin/sh',
        'if [ "$1" = docker-cli-plugin-metadata ]; then echo \'{"SchemaVersion":"0.1.0","Vendor":"fake","Version":"v0.12.1"}\'; exit 0; fi',
        'echo "github.com/docker/buildx v0.12.1 fake"',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(sandbox.dir, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: [plugins] }));
    const core = createCore({ env: { ...sandbox.env, DOCKER_CONFIG: sandbox.dir } });
    try {
      const r = await core.router.invoke('builders.list', {});
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'BUILDX_MISSING', details: { found: '0.12.1', minimum: '0.13.0' } },
      });
    } finally {
      await core.dispose();
      await sandbox.cleanup();
    }
  });
});
