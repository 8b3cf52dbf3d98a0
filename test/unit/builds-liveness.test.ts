import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BuildEvent } from '../../electron/common/contracts/builds';
import type { Builder, NodeStatus } from '../../electron/common/domain';
import { AppException } from '../../electron/common/errors';
import { BuildWatchdog, lostCause, type LivenessDeps, type LostCause } from '../../electron/core/builds/liveness';

// The watchdog decides when a silent build is dead; these pin its rules with a scripted builder. The real
// engine and builders going away are in test/faults.

const vertex = { type: 'vertex', at: 0 } as unknown as BuildEvent;

function builderWith(status: NodeStatus): Builder {
  return {
    name: 'b1',
    driver: 'remote',
    current: false,
    contextBuilder: false,
    dynamic: false,
    nodes: [{ name: 'b10', endpoint: 'tcp://x', status, platforms: [], pinnedPlatforms: [] }],
  };
}

function deps(answer: () => Promise<Builder>, engineUp = true): LivenessDeps & { asked: number } {
  const d = {
    asked: 0,
    clock: { now: () => Date.now() },
    engine: {
      info: () =>
        engineUp
          ? Promise.resolve({} as never)
          : Promise.reject(new AppException({ code: 'DOCKER_UNREACHABLE', message: 'down' })),
    },
    builders: {
      describe: () => {
        d.asked++;
        return answer();
      },
    },
  };
  return d;
}

describe('BuildWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = (onDead: (c: LostCause) => void) => ({
    builder: { name: 'b1', driver: 'remote' },
    quietMs: 2000,
    probeEveryMs: 5000,
    timeoutMs: () => 1000,
    onDead,
  });

  it('leaves a long quiet step on a builder that answers alone, asking at most once per interval', async () => {
    const d = deps(() => Promise.resolve(builderWith('running')));
    const onDead = vi.fn();
    const w = new BuildWatchdog(d, options(onDead));
    w.activity([vertex]);
    await vi.advanceTimersByTimeAsync(60_000);
    w.stop();
    expect(onDead).not.toHaveBeenCalled();
    // 2 s of quiet before the first question, then one per 5 s: 12 or fewer in a minute.
    expect(d.asked).toBeGreaterThan(0);
    expect(d.asked).toBeLessThanOrEqual(12);
  });

  it('does nothing before the first step (buildx bounds its own dial)', async () => {
    const d = deps(() => Promise.reject(new Error('no answer')));
    const onDead = vi.fn();
    const w = new BuildWatchdog(d, options(onDead));
    await vi.advanceTimersByTimeAsync(30_000);
    w.stop();
    expect(d.asked).toBe(0);
    expect(onDead).not.toHaveBeenCalled();
  });

  it('ends a silent build whose builder misses two questions running, naming the builder and the bound', async () => {
    const d = deps(() => Promise.resolve(builderWith('inactive')));
    const onDead = vi.fn<(c: LostCause) => void>();
    const w = new BuildWatchdog(d, options(onDead));
    w.activity([vertex]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(onDead).toHaveBeenCalledTimes(1);
    const cause = onDead.mock.calls[0]?.[0];
    expect(cause?.errorCode).toBe('BUILDER_UNREACHABLE');
    expect(cause?.errorMessage).toMatch(/Builder "b1" stopped answering .*within 1 s, twice/);
    // Once dead, it stops asking.
    const asked = d.asked;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(d.asked).toBe(asked);
    expect(onDead).toHaveBeenCalledTimes(1);
  });

  it('one missed question is not death (a loaded machine): the next answer resets it', async () => {
    let n = 0;
    const d = deps(() => (++n === 1 ? Promise.reject(new Error('slow')) : Promise.resolve(builderWith('running'))));
    const onDead = vi.fn();
    const w = new BuildWatchdog(d, options(onDead));
    w.activity([vertex]);
    await vi.advanceTimersByTimeAsync(30_000);
    w.stop();
    expect(onDead).not.toHaveBeenCalled();
  });
});

describe('lostCause after a closed connection', () => {
  it('says the engine went away when it is not answering', async () => {
    const c = await lostCause(
      deps(() => Promise.resolve(builderWith('running')), false),
      { name: 'default', driver: 'docker' },
      500,
    );
    expect(c.errorCode).toBe('DOCKER_UNREACHABLE');
    expect(c.errorMessage).toMatch(/went away during the build and is not running now/);
  });

  it('says the builder stopped when the engine answers but its container does not run', async () => {
    const c = await lostCause(
      deps(() => Promise.resolve(builderWith('stopped'))),
      { name: 'b1', driver: 'docker-container' },
      500,
    );
    expect(c.errorCode).toBe('BUILDER_UNREACHABLE');
    expect(c.errorMessage).toMatch(/Builder "b1" stopped during the build/);
    expect(c.hint).toMatch(/Start the builder/);
  });
});
