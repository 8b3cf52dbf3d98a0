import { describe, expect, it } from 'vitest';
import type { Builder } from '../../electron/common/domain';
import { appError } from '../../electron/common/errors';
import { BuilderDrivers } from '../../electron/core/builders/drivers/registry';
import { BuilderHealthCheck } from '../../electron/core/builders/health';
import type { BuilderOpsPort, StoredBuilderDetails } from '../../electron/core/builders/ports';

/**
 * FAKE (named): only one BuildKit version exists on this machine, so BuildKit version drift cannot
 * be produced for real. These fakes stand in for buildx answers; the fleet logic under test is real.
 */
/** A version per builder, or 'timeout' for one that never answers. */
function fakeFleet(versions: Record<string, string>) {
  const stored: StoredBuilderDetails[] = Object.keys(versions).map((name) => ({
    name,
    driver: 'docker-container',
    nodes: [
      {
        name: `${name}0`,
        endpoint: 'unix:///var/run/docker.sock',
        pinnedPlatforms: [],
        driverOpts: {},
        flags: [],
        files: [],
      },
    ],
  }));
  const ops = {
    storedAll: () => Promise.resolve(stored),
    stored: (name: string) => Promise.resolve(stored.find((s) => s.name === name)),
    inspect: (name: string): Promise<{ builder: Builder; nodes: [] }> => {
      const v = versions[name];
      if (v === 'timeout') return Promise.reject(appError('TIMEOUT', 'FAKE: no answer'));
      return Promise.resolve({
        builder: {
          name,
          driver: 'docker-container',
          current: false,
          contextBuilder: false,
          dynamic: false,
          nodes: [
            {
              name: `${name}0`,
              endpoint: 'unix:///var/run/docker.sock',
              status: 'running',
              buildkitVersion: v,
              platforms: [],
              pinnedPlatforms: [],
            },
          ],
        },
        nodes: [],
      });
    },
    dataDir: () => '/nonexistent',
  } as unknown as BuilderOpsPort;
  const unused = () => Promise.reject(new Error('FAKE: not used'));
  return new BuilderHealthCheck(
    {
      buildx: { contexts: () => Promise.resolve([]) } as never,
      ops,
      drivers: new BuilderDrivers({
        ops,
        containers: { inspect: unused, stats: unused, removeLeftover: unused, stop: unused },
        files: {} as never,
        kube: {} as never,
        probe: {} as never,
        clock: { now: () => Date.parse('2026-11-27T00:00:00Z') },
      }),
      clock: { now: () => Date.parse('2026-11-27T00:00:00Z') },
    },
    { healthTimeoutMs: () => 1000, certificateWarningDays: 30 },
  );
}

describe('fleet health (FAKE buildx answers)', () => {
  it('warns about BuildKit version drift, naming which builder runs which version', async () => {
    const health = await fakeFleet({ a: 'v0.13.2', b: 'v0.12.5', c: 'v0.13.2' }).health(
      undefined,
      undefined,
      undefined,
    );
    expect(health.builders.map((b) => b.state)).toEqual(['ok', 'ok', 'ok']);
    expect(health.warnings).toEqual([
      expect.objectContaining({
        kind: 'version-drift',
        severity: 'warning',
        builders: ['a', 'c', 'b'],
        message: expect.stringContaining('v0.13.2 on a, c; v0.12.5 on b') as unknown,
      }),
    ]);
  });

  it('one version, no drift; a silent builder is unreachable and only it', async () => {
    const health = await fakeFleet({ a: 'v0.13.2', b: 'timeout', c: 'v0.13.2' }).health(undefined, 1000, undefined);
    expect(health.builders.find((b) => b.name === 'b')).toMatchObject({
      state: 'unreachable',
      nodes: [{ message: 'did not answer within 1 s' }],
    });
    expect(health.warnings.map((w) => w.kind)).toEqual(['unreachable']);
    expect(health.warnings[0]?.builders).toEqual(['b']);
  });

  it('an unknown builder name is BUILDER_NOT_FOUND, not an empty report', async () => {
    await expect(fakeFleet({ a: 'v0.13.2' }).health(['nope'], undefined, undefined)).rejects.toMatchObject({
      appError: { code: 'BUILDER_NOT_FOUND' },
    });
  });
});
