import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeBuilderStatus } from '../../electron/adapters/buildx/builder-status';
import { BuildxCli } from '../../electron/adapters/buildx/cli';
import { DockerEngine } from '../../electron/adapters/docker/engine';
import { JsonFileStore } from '../../electron/adapters/fs/json-file';
import { BuildersService } from '../../electron/core/builders/service';
import { EventBus } from '../../electron/core/events';
import type { BuilderStatusPort, KnownBuilder } from '../../electron/core/ports';
import { buildxSandbox, type BuildxSandbox, containerBuilderArgs } from '../helpers/buildx-sandbox';

/**
 * The platform lists a one-shot `builders ls` keeps from an earlier process's whole read (no
 * ListWorkers) stay honest: each "process" here is a new BuildersService on the same saved file,
 * over the real adapter, counted. Restarting the builder's container must make the next list ask
 * BuildKit's workers again. Real engine, real buildx store, real docker-container builder.
 */
describe('builders list: platforms kept across processes only while their key holds', () => {
  let sandbox: BuildxSandbox;
  let dc: string;
  let dataDir: string;

  beforeAll(async () => {
    sandbox = buildxSandbox();
    dataDir = mkdtempSync(join(tmpdir(), 'bd-platforms-key-'));
    dc = sandbox.name('platkey');
    await sandbox.docker(containerBuilderArgs(dc, { hostNetwork: true, bootstrap: true }));
  });
  afterAll(async () => {
    await sandbox.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh "process": its own service and adapter, the shared saved list; which depths each builder was read at. */
  const process1 = () => {
    const status = new NativeBuilderStatus(
      new BuildxCli({ dockerPath: 'docker', env: sandbox.env }),
      () => sandbox.env,
    );
    const depths = new Map<string, string[]>();
    const counted: BuilderStatusPort = {
      known: () => status.known(),
      dial: (k: KnownBuilder, call, depth) => {
        depths.set(k.name, [...(depths.get(k.name) ?? []), depth ?? 'whole']);
        return status.dial(k, call, depth);
      },
      platformsKeys: (k, call) => status.platformsKeys(k, call),
    };
    const service = new BuildersService(
      new BuildxCli({ dockerPath: 'docker', env: sandbox.env }),
      counted,
      new DockerEngine(),
      new EventBus(),
      { now: () => Date.now() },
      { healthTimeoutMs: 10_000, pollIntervalMs: 3_600_000, cacheMs: 0 },
      undefined,
      new JsonFileStore(join(dataDir, 'builders-last.json'), false),
    );
    return { status, depths, service };
  };

  /** The saved list is written after the read answers (best effort): wait until it is there. */
  const saved = () =>
    expect
      .poll(() => {
        try {
          return 'wholeAt' in (JSON.parse(readFileSync(join(dataDir, 'builders-last.json'), 'utf8')) as object);
        } catch {
          return false;
        }
      })
      .toBe(true);

  it('keeps them while nothing changed, reads them again after `docker restart`, and on refresh', async () => {
    const first = process1();
    const whole = await first.service.list(true);
    first.service.dispose();
    await saved();
    expect(first.depths.get(dc)).toEqual(['whole']);
    const wholeNode = whole.builders.find((b) => b.name === dc)?.nodes[0];
    expect(wholeNode?.status).toBe('running');
    // QEMU is registered here (setup-buildkit-env.sh): the whole read lists emulated platforms.
    expect(wholeNode?.platforms).toContain('linux/arm64');

    // A second process, nothing changed: no ListWorkers for either builder, the same facts.
    const second = process1();
    const kept = await second.service.list(false);
    second.service.dispose();
    expect(second.depths.get(dc)).toEqual(['brief']);
    expect(second.depths.get('default')).toEqual(['brief']);
    const keptNode = kept.builders.find((b) => b.name === dc)?.nodes[0];
    expect(keptNode).toMatchObject({ status: 'running', platforms: wholeNode?.platforms });
    // The version is asked live (BuildKit's Info), not kept.
    expect(keptNode?.buildkitVersion).toBe(wholeNode?.buildkitVersion);
    expect(kept.builders.find((b) => b.name === 'default')?.nodes[0]?.platforms).toEqual(
      whole.builders.find((b) => b.name === 'default')?.nodes[0]?.platforms,
    );

    // The builder's container restarts: its key (container start time) changed, its workers are asked again.
    await sandbox.docker(['restart', `buildx_buildkit_${dc}0`]);
    const known = (await second.status.known()).find((b) => b.name === dc) as KnownBuilder;
    await expect
      .poll(async () => (await second.status.dial(known, { timeoutMs: 5000 }, 'brief')).nodes[0]?.status, {
        timeout: 30_000,
      })
      .toBe('running');
    const third = process1();
    const after = await third.service.list(false);
    third.service.dispose();
    expect(third.depths.get(dc)).toEqual(['brief', 'whole']);
    expect(third.depths.get('default')).toEqual(['brief']);
    expect(after.builders.find((b) => b.name === dc)?.nodes[0]).toMatchObject({
      status: 'running',
      platforms: wholeNode?.platforms,
    });

    // An explicit refresh always reads every node in full.
    const fourth = process1();
    await fourth.service.list(true);
    fourth.service.dispose();
    expect(fourth.depths.get(dc)).toEqual(['whole']);
    expect(fourth.depths.get('default')).toEqual(['whole']);
  });
});
