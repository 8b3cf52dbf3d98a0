import { join } from 'node:path';
import { NativeBuilderStatus } from '../adapters/buildx/builder-status';
import { BuildxCli } from '../adapters/buildx/cli';
import { DockerBuildkitContainers } from '../adapters/docker/buildkit-containers';
import { DockerEngine } from '../adapters/docker/engine';
import { JsonFileStore } from '../adapters/fs/json-file';
import { buildersSnapshot, type BuildersSnapshot } from '../common/domain';
import type { Result } from '../common/errors';
import { asResult, checkOutput } from '../core/command';
import { BuildersService } from '../core/builders/service';
import { EventBus } from '../core/events';
import { containerRunning } from '../core/ports';
import type { CoreSettings } from './create-core';
import { openSettings } from './effective';

export interface BuildersList {
  events: EventBus;
  /** `builders.list` as the router answers it: the same service, the same output check. */
  list(refresh: boolean): Promise<Result<BuildersSnapshot>>;
  dispose(): void;
}

/**
 * `builddeck builders ls` only: the builders service with exactly the adapters it reads through,
 * wired as createCore wires them (same settings rule, same data files). The whole core (every
 * contract's schemas, history, bake, cache, the router) is what a one-shot list paid most of its
 * start-up for: with BuildKit's ListWorkers skipped it was most of the verb (docs/performance.md).
 */
export function createBuildersList(overrides: CoreSettings = {}): BuildersList {
  const events = new EventBus();
  const clock = { now: () => Date.now() };
  const { dataDir, eff } = openSettings(overrides, events, clock);
  const buildx = new BuildxCli(eff.buildx);
  const engine = new DockerEngine(eff.dockerHost ? { host: eff.dockerHost } : {});
  const containers = new DockerBuildkitContainers(engine);
  const builders = new BuildersService(
    buildx,
    new NativeBuilderStatus(buildx, () => eff.buildx.env),
    engine,
    events,
    clock,
    { healthTimeoutMs: eff.healthTimeoutMs, pollIntervalMs: overrides.pollIntervalMs ?? 30_000, cacheMs: 1500 },
    (container) => containerRunning((c) => containers.inspect(c, { timeoutMs: 3000, logLines: 0 }), container),
    new JsonFileStore(join(dataDir, 'builders-last.json'), false),
  );
  return {
    events,
    list: (refresh) =>
      asResult(
        async () =>
          checkOutput('builders.list', buildersSnapshot, await builders.list(refresh)) as Result<BuildersSnapshot>,
      ),
    dispose() {
      builders.dispose();
    },
  };
}
