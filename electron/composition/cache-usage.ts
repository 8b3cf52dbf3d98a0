import { join } from 'node:path';
import { NativeBuilderStatus } from '../adapters/buildx/builder-status';
import { BuildxCache } from '../adapters/buildx/cache';
import { BuildxCli } from '../adapters/buildx/cli';
import { PendingSamples } from '../adapters/db/pending-samples';
import { BuildkitContainerCache } from '../adapters/docker/buildkit-cache';
import { EngineCache } from '../adapters/docker/cache';
import { DockerEngine } from '../adapters/docker/engine';
import { abandonEarly } from '../adapters/docker/engine-api';
import { cacheCommands, type CacheUsage } from '../common/contracts/cache';
import type { Result } from '../common/errors';
import { CacheService } from '../core/cache/service';
import type { CacheStorePort, SampleSinkPort } from '../core/cache/ports';
import { asResult, checkedCall } from '../core/command';
import { EventBus } from '../core/events';
import type { Clock } from '../core/ports';
import type { CoreSettings } from './create-core';
import { openSettings } from './effective';

export interface CacheServiceWiring {
  buildx: BuildxCli;
  engine: DockerEngine;
  builderStatus: NativeBuilderStatus;
  events: EventBus;
  clock: Clock;
  /** Read on every use: a settings change re-bounds later reads without rebuilding the service. */
  settings: () => { healthTimeoutMs: number };
  /** Keep exec connections to BuildKit containers open between reads (a long-lived process). */
  keepConnections: boolean;
  store?: () => CacheStorePort | undefined;
  samples: () => SampleSinkPort | undefined;
}

/** The cache service with its three readers, as both compositions (createCore, createCacheUsage) wire it. */
export function wireCacheService(w: CacheServiceWiring): { cache: CacheService; close(): void } {
  const containerCache = new BuildkitContainerCache(w.engine, w.keepConnections);
  const cache = new CacheService(
    new BuildxCache(w.buildx),
    new EngineCache(w.engine),
    containerCache,
    w.builderStatus,
    w.events,
    w.clock,
    {
      get healthTimeoutMs() {
        return w.settings().healthTimeoutMs;
      },
      operationTimeoutMs: 120_000,
      ...(w.store ? { store: w.store } : {}),
      samples: w.samples,
    },
  );
  return { cache, close: () => containerCache.close() };
}

export interface CacheUsageReader {
  /** `cache.usage` as the router answers it: the same input check, service and output check. */
  usage(input: unknown): Promise<Result<CacheUsage>>;
  dispose(): void;
}

/**
 * `builddeck cache du` only: the cache service with exactly the adapters it reads through, wired
 * as createCore wires it (same settings rule, data files and sample file). The whole core builds
 * every feature's contract schemas and services first, a fifth of a one-shot `du` that a Go
 * `docker buildx du` does not pay (docs/performance.md). Usage samples wait in the pending file,
 * as they do in a core whose database is not open.
 */
export function createCacheUsage(overrides: CoreSettings = {}): CacheUsageReader {
  const events = new EventBus();
  const clock: Clock = { now: () => Date.now() };
  const { dataDir, eff } = openSettings(overrides, events, clock);
  const buildx = new BuildxCli(eff.buildx);
  const pending = new PendingSamples(join(dataDir, 'cache-samples.pending'));
  const wiring = wireCacheService({
    buildx,
    engine: new DockerEngine(eff.dockerHost ? { host: eff.dockerHost } : {}),
    builderStatus: new NativeBuilderStatus(buildx, () => eff.buildx.env),
    events,
    clock,
    settings: () => ({ healthTimeoutMs: eff.healthTimeoutMs }),
    keepConnections: !overrides.oneShot,
    samples: () => pending,
  });
  const spec = cacheCommands['cache.usage'];
  return {
    usage: (input) =>
      asResult(() =>
        checkedCall(
          'cache.usage',
          spec,
          (i, ctx) => wiring.cache.usage((i as { builder?: string }).builder, ctx.signal),
          input,
          {},
        ),
      ) as Promise<Result<CacheUsage>>,
    dispose() {
      wiring.close();
      // Early engine requests this reader did not take (composition/early.ts) end with it.
      abandonEarly();
    },
  };
}
