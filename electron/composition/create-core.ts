import { BuildxCli } from '../adapters/buildx/cli';
import { DockerEngine } from '../adapters/docker/engine';
import { builderHandlers } from '../core/builders/handlers';
import { BuildersService } from '../core/builders/service';
import { EventBus } from '../core/events';
import type { Clock } from '../core/ports';
import { createRouter, type Router } from '../core/router';
import { systemHandlers } from '../core/system/handlers';

/** Everything the real core needs to know about its host; main, serve and cli each fill it in. */
export interface CoreSettings {
  /** Docker CLI that runs buildx (default: `docker` on PATH). */
  dockerPath?: string;
  /** Docker endpoint for both dockerode and buildx (default: DOCKER_HOST or the local socket). */
  dockerHost?: string;
  /** Base environment for child processes; tests put their own BUILDX_CONFIG here. */
  env?: NodeJS.ProcessEnv;
  /** Per-builder answer bound (default 5 s). */
  healthTimeoutMs?: number;
  /** Background builder re-check while someone listens (default 30 s). */
  pollIntervalMs?: number;
}

export interface Core {
  router: Router;
  events: EventBus;
  dispose(): void;
}

const systemClock: Clock = { now: () => Date.now() };

/** The one composition function: adapters in, router out. No edge wires adapters itself. */
export function createCore(settings: CoreSettings = {}): Core {
  const env: NodeJS.ProcessEnv = { ...(settings.env ?? process.env) };
  if (settings.dockerHost) env['DOCKER_HOST'] = settings.dockerHost;
  const healthTimeoutMs = settings.healthTimeoutMs ?? 5000;

  const buildx = new BuildxCli({ dockerPath: settings.dockerPath ?? 'docker', env });
  const engine = new DockerEngine(env['DOCKER_HOST'] ? { host: env['DOCKER_HOST'] } : {});
  const events = new EventBus();
  const builders = new BuildersService(buildx, engine, events, systemClock, {
    healthTimeoutMs,
    pollIntervalMs: settings.pollIntervalMs ?? 30_000,
    cacheMs: 1500,
  });

  // Each feature contributes the handlers of its contract file; TypeScript checks none is missing.
  const router = createRouter({
    ...systemHandlers(buildx, engine, healthTimeoutMs),
    ...builderHandlers(builders),
  });

  return {
    router,
    events,
    dispose: () => builders.dispose(),
  };
}
