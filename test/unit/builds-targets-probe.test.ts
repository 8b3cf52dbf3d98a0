import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeBuildFs } from '../../electron/adapters/fs/build-fs';
import { frontendOf } from '../../electron/core/builds/context';
import { BuildsService } from '../../electron/core/builds/service';
import { EventBus } from '../../electron/core/events';

/**
 * Typing a folder in the New build form lists its targets with `buildx build --call=targets`. That
 * runs the Dockerfile's frontend: a `# syntax=` image from an untrusted folder would be pulled and
 * run before anyone asked to build. FAKE (named) runner: it records the probes the core asks for (the
 * real probe is exercised in test/integration/builds.test.ts); folder, Dockerfiles and core are real.
 */
describe('the targets probe', () => {
  let dir: string;
  const probes: { dockerfile: string | undefined; builder: string | undefined }[] = [];
  /** The outline probes (`--call=outline`: the build arguments), asked beside the targets probe. */
  const outlines: { dockerfile: string | undefined; builder: string | undefined }[] = [];
  const service = new BuildsService(
    {
      runner: {
        targets: (_ctx: string, dockerfile: string | undefined, options: { builder?: string }) => {
          probes.push({ dockerfile, builder: options.builder });
          return Promise.resolve([{ name: 'from-buildx' }]);
        },
        outline: (_ctx: string, dockerfile: string | undefined, options: { builder?: string }) => {
          outlines.push({ dockerfile, builder: options.builder });
          return Promise.resolve({
            args: [{ name: 'GREETING', value: 'hello', description: 'what to say' }],
            secrets: [{ name: 'npmrc', required: true }],
          });
        },
      } as never,
      builders: {} as never,
      buildx: { info: () => Promise.resolve({ features: { callTargets: true } }) } as never,
      engine: {} as never,
      fs: new NodeBuildFs(),
      events: new EventBus(),
      clock: { now: () => Date.now() },
    },
    { coalesceMs: 10, keepRecent: 5, buildTimeoutMs: 60_000, checkTimeoutMs: 5000 },
  );
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bd-probe-'));
    write('Dockerfile', 'FROM busybox AS base\nFROM base AS app\n');
    write('Official.Dockerfile', '# syntax=docker/dockerfile:1.7\nFROM busybox AS one\n');
    write(
      'Remote.Dockerfile',
      '# comment first\n#  SYNTAX = ghcr.io/evil/frontend:latest\nFROM busybox AS local-stage\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs on the builder the form chose, not the current one', async () => {
    probes.length = 0;
    outlines.length = 0;
    const r = await service.inspectContext({ contextDir: dir, builder: 'chosen-builder' });
    expect(r.targetsSource).toBe('buildx');
    expect(probes).toEqual([{ dockerfile: join(dir, 'Dockerfile'), builder: 'chosen-builder' }]);
    // The outline is its own question, asked after the check (whose answer never waits on it).
    expect(outlines).toEqual([]);
    expect(await service.outline({ contextDir: dir, builder: 'chosen-builder' })).toEqual({
      args: [{ name: 'GREETING', value: 'hello', description: 'what to say' }],
      secrets: [{ name: 'npmrc', required: true }],
    });
    expect(outlines).toEqual(probes);
  });

  it('runs Docker’s own frontend (docker/dockerfile) without asking', async () => {
    probes.length = 0;
    const r = await service.inspectContext({ contextDir: dir, dockerfile: 'Official.Dockerfile' });
    expect(r.frontendToConfirm).toBeUndefined();
    expect(probes).toHaveLength(1);
  });

  it('asks before running any other # syntax= frontend, and reads the stages meanwhile', async () => {
    probes.length = 0;
    outlines.length = 0;
    const r = await service.inspectContext({ contextDir: dir, dockerfile: 'Remote.Dockerfile' });
    expect(probes).toEqual([]);
    expect(await service.outline({ contextDir: dir, dockerfile: 'Remote.Dockerfile' })).toBeNull();
    expect(outlines).toEqual([]);
    expect(r.frontendToConfirm).toBe('ghcr.io/evil/frontend:latest');
    expect(r.targetsSource).toBe('dockerfile');
    expect(r.targets.map((t) => t.name)).toEqual(['local-stage']);

    // Confirming another image than the one named confirms nothing.
    const other = await service.inspectContext({
      contextDir: dir,
      dockerfile: 'Remote.Dockerfile',
      trustFrontend: 'ghcr.io/evil/frontend:other',
    });
    expect(probes).toEqual([]);
    expect(other.frontendToConfirm).toBe('ghcr.io/evil/frontend:latest');

    const confirmed = await service.inspectContext({
      contextDir: dir,
      dockerfile: 'Remote.Dockerfile',
      trustFrontend: 'ghcr.io/evil/frontend:latest',
      builder: 'b2',
    });
    expect(probes).toEqual([{ dockerfile: join(dir, 'Remote.Dockerfile'), builder: 'b2' }]);
    expect(confirmed.frontendToConfirm).toBeUndefined();
    expect(confirmed.targetsSource).toBe('buildx');
    // The same consent lets the outline run, and only that image's.
    const trusting = { contextDir: dir, dockerfile: 'Remote.Dockerfile', builder: 'b2' };
    expect(await service.outline({ ...trusting, trustFrontend: 'ghcr.io/evil/frontend:other' })).toBeNull();
    expect(outlines).toEqual([]);
    expect(await service.outline({ ...trusting, trustFrontend: 'ghcr.io/evil/frontend:latest' })).not.toBeNull();
    expect(outlines).toEqual([{ dockerfile: join(dir, 'Remote.Dockerfile'), builder: 'b2' }]);
  });

  it.each([
    ['# syntax=docker/dockerfile:1\nFROM x', 'docker/dockerfile:1'],
    ['\uFEFF#syntax=foo/bar\nFROM x', 'foo/bar'],
    [
      '# escape=`\n# syntax = a.example/f@sha256:' + 'a'.repeat(64) + '\nFROM x',
      `a.example/f@sha256:${'a'.repeat(64)}`,
    ],
    ['FROM x\n# syntax=late/ignored\n', undefined],
    ['# just a comment\n\nFROM x', undefined],
  ])('reads the syntax directive of %j', (text, image) => {
    expect(frontendOf(text)).toBe(image);
  });
});
