import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerdProcess, hostEmulation } from '../../electron/adapters/buildx/platforms-key';
import type { Builder } from '../../electron/common/domain';
import { BuildersService } from '../../electron/core/builders/service';
import { EventBus } from '../../electron/core/events';
import type { BuilderStatusPort, BuildxPort, DocumentStore, EnginePort, KnownBuilder } from '../../electron/core/ports';

/** The key that lets a one-shot list keep an earlier whole read's platforms, and the rule that uses it. */
describe('platformsKey: what decides a node platform list', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-binfmt-'));
    mkdirSync(join(dir, 'binfmt'));
    writeFileSync(join(dir, 'boot_id'), 'boot-1\n');
    writeFileSync(join(dir, 'binfmt', 'register'), '');
    writeFileSync(join(dir, 'binfmt', 'status'), 'enabled\n');
    writeFileSync(join(dir, 'qemu'), 'an interpreter');
    writeFileSync(
      join(dir, 'binfmt', 'qemu-aarch64'),
      'enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OCF\noffset 0\nmagic 7f454c46\n',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const key = () => hostEmulation(join(dir, 'binfmt'), join(dir, 'boot_id'));

  it('changes when a registration is added, disabled or removed, or the host rebooted', () => {
    const before = key();
    expect(before).toBeDefined();
    expect(key()).toBe(before);
    writeFileSync(
      join(dir, 'binfmt', 'qemu-aarch64'),
      'disabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OCF\noffset 0\nmagic 7f454c46\n',
    );
    const disabled = key();
    expect(disabled).not.toBe(before);
    writeFileSync(join(dir, 'binfmt', 'qemu-riscv64'), `enabled\ninterpreter ${join(dir, 'qemu')}\nflags: \n`);
    const added = key();
    expect(added).not.toBe(disabled);
    rmSync(join(dir, 'binfmt', 'qemu-riscv64'));
    expect(key()).toBe(disabled); // removed again: back to what it was
    writeFileSync(join(dir, 'boot_id'), 'boot-2\n');
    expect(key()).not.toBe(disabled); // the same registrations, another boot
  });

  it('follows an interpreter opened at each exec (no F flag), and says "no emulation" without binfmt_misc', () => {
    writeFileSync(join(dir, 'binfmt', 'qemu-riscv64'), `enabled\ninterpreter ${join(dir, 'qemu')}\nflags: \n`);
    const present = key();
    rmSync(join(dir, 'qemu'));
    expect(key()).not.toBe(present);
    rmSync(join(dir, 'binfmt'), { recursive: true });
    expect(key()).toContain('no binfmt_misc');
  });

  it("names the dockerd behind a socket by its pid file and the process's start time; unsure is undefined", async () => {
    const proc = join(dir, 'proc');
    mkdirSync(join(proc, '4242'), { recursive: true });
    writeFileSync(join(dir, 'docker.pid'), '4242');
    writeFileSync(join(proc, '4242', 'comm'), 'dockerd\n');
    // A command name with spaces and parentheses must not shift the fields.
    writeFileSync(join(proc, '4242', 'stat'), `4242 (dockerd (x) y) S 1 ${'0 '.repeat(17)}987654 0 0\n`);
    expect(await dockerdProcess(join(dir, 'docker.sock'), proc)).toBe('dockerd 4242 987654');
    writeFileSync(join(proc, '4242', 'comm'), 'sleep\n'); // the pid was reused by something else
    expect(await dockerdProcess(join(dir, 'docker.sock'), proc)).toBeUndefined();
    expect(await dockerdProcess(join(dir, 'other.sock'), proc)).toBeUndefined(); // no pid file
  });
});

describe('BuildersService: a new process keeps platforms only under the same keys', () => {
  const T0 = 1_000_000_000;
  const node = (platforms: string[], version?: string) => ({
    name: 'dc0',
    endpoint: 'default',
    status: 'running' as const,
    platforms,
    pinnedPlatforms: [],
    ...(version ? { buildkitVersion: version } : {}),
  });
  const known: KnownBuilder = {
    name: 'dc',
    driver: 'docker-container',
    current: false,
    contextBuilder: false,
    nodes: [{ name: 'dc0', endpoint: 'default', pinnedPlatforms: [], driverOpts: {}, flags: [] }],
  };
  const WORKERS = { ids: ['w1'], labels: { 'org.mobyproject.buildkit.worker.executor': 'oci' }, gcPolicy: [] };
  /** A whole read (ListWorkers) knows the workers; a brief one does not. */
  const builder = (platforms: string[], version: string, workers?: typeof WORKERS): Builder => ({
    name: 'dc',
    driver: 'docker-container',
    current: false,
    contextBuilder: false,
    dynamic: false,
    nodes: [{ ...node(platforms, version), ...(workers ? { workers } : {}) }],
  });
  const WHOLE = ['linux/amd64', 'linux/arm64'];

  /** One "process": a service on the shared file, a port whose key and facts the test sets. */
  const processOn = (file: { text?: string }, world: { key: string | undefined; now: number }) => {
    const depths: string[] = [];
    const status: BuilderStatusPort = {
      known: () => Promise.resolve([known]),
      dial: (_k, _c, depth = 'whole') => {
        depths.push(depth);
        // A brief read knows no emulated platforms; its version is live.
        return Promise.resolve(depth === 'brief' ? builder([], 'v2') : builder(WHOLE, 'v2', WORKERS));
      },
      platformsKeys: () => Promise.resolve([world.key]),
    };
    const store: DocumentStore = {
      path: 'mem',
      load: () => Promise.resolve(file.text),
      save: (text) => {
        file.text = text;
        return Promise.resolve();
      },
      backup: () => Promise.resolve(undefined),
    };
    const engine = { watchContainers: () => () => undefined } as unknown as EnginePort;
    const buildx = { info: () => Promise.resolve({}) } as unknown as BuildxPort;
    const service = new BuildersService(
      buildx,
      status,
      engine,
      new EventBus(),
      { now: () => world.now },
      { healthTimeoutMs: 1000, pollIntervalMs: 3_600_000, cacheMs: 0 },
      undefined,
      store,
    );
    return {
      depths,
      list: (refresh: boolean) => service.list(refresh).finally(() => service.dispose()),
      lastKnown: () => service.lastKnown(),
    };
  };

  it('brief under the same key, whole when the key changed, is unknown, the read is old, or on refresh', async () => {
    const file: { text?: string } = {};
    const world: { key: string | undefined; now: number } = { key: 'run-1', now: T0 };
    const first = processOn(file, world);
    await first.list(false); // nothing saved yet: whole
    expect(first.depths).toEqual(['whole']);

    world.now = T0 + 60_000;
    const same = processOn(file, world);
    const kept = await same.list(false);
    expect(same.depths).toEqual(['brief']);
    expect(kept.builders[0]?.nodes[0]).toMatchObject({ platforms: WHOLE, buildkitVersion: 'v2', workers: WORKERS });

    // A snapshot an older BuildDeck saved has no workers' facts: that builder is read in full once.
    const saved = JSON.parse(file.text ?? '{}') as { builders: Builder[] };
    for (const n of saved.builders[0]?.nodes ?? []) delete n.workers;
    const before = { text: JSON.stringify(saved) };
    const upgraded = processOn(before, world);
    expect((await upgraded.list(false)).builders[0]?.nodes[0]?.workers).toEqual(WORKERS);
    expect(upgraded.depths).toEqual(['brief', 'whole']);

    world.key = 'run-2'; // the container restarted
    const restarted = processOn(file, world);
    expect((await restarted.list(false)).builders[0]?.nodes[0]?.platforms).toEqual(WHOLE);
    expect(restarted.depths).toEqual(['brief', 'whole']);

    world.key = undefined; // cannot tell (another kernel, no pid file)
    const unknown = processOn(file, world);
    await unknown.list(false);
    expect(unknown.depths).toEqual(['brief', 'whole']);

    world.key = 'run-2';
    const refreshed = processOn(file, world);
    await refreshed.list(true);
    expect(refreshed.depths).toEqual(['whole']);

    world.now += 5 * 60_000; // the whole read is as old as the window's own cap
    const old = processOn(file, world);
    await old.list(false);
    expect(old.depths).toEqual(['whole']);
  });

  it('the saved keys never reach the window: lastKnown is the snapshot alone', async () => {
    const file: { text?: string } = {};
    await processOn(file, { key: 'run-1', now: T0 }).list(false);
    expect(JSON.parse(file.text ?? '{}')).toHaveProperty('platformsKeys');
    const last = await processOn(file, { key: 'run-1', now: T0 }).lastKnown();
    expect(last).toMatchObject({ stale: true, builders: [{ name: 'dc' }] });
    expect(last).not.toHaveProperty('platformsKeys');
    expect(last).not.toHaveProperty('wholeAt');
  });
});
