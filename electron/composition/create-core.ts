import { join } from 'node:path';
import { homedir } from 'node:os';
import { BuildxBake } from '../adapters/buildx/bake';
import { BuildxBuilderOps } from '../adapters/buildx/builder-ops';
import { NativeBuilderStatus } from '../adapters/buildx/builder-status';
import { BuildkitRecordEvents } from '../adapters/buildkit/history-events';
import { BuildxCli } from '../adapters/buildx/cli';
import { abandonEarly } from '../adapters/docker/engine-api';
import { DockerBuildkitContainers } from '../adapters/docker/buildkit-containers';
import { DockerEngine } from '../adapters/docker/engine';
import { LocalFiles } from '../adapters/host/files';
import { TcpProbe } from '../adapters/host/probe';
import { Kubectl } from '../adapters/kube/kubectl';
import { importPendingSamples, PendingSamples } from '../adapters/db/pending-samples';
import { NodeBuildFs } from '../adapters/fs/build-fs';
import { JsonFileStore } from '../adapters/fs/json-file';
import { bakeHandlers } from '../core/bake/handlers';
import { BakeHistory } from '../core/bake/history';
import { BakeService } from '../core/bake/service';
import { builderHandlers } from '../core/builders/handlers';
import { BuilderCreation } from '../core/builders/create';
import { BuilderDrivers } from '../core/builders/drivers/registry';
import { BuilderHealthCheck } from '../core/builders/health';
import { BuilderInspection } from '../core/builders/inspect';
import { BuilderLifecycle } from '../core/builders/lifecycle';
import { BuildersService, type BuildersOptions } from '../core/builders/service';
import { buildHandlers } from '../core/builds/handlers';
import { cacheHandlers } from '../core/cache/handlers';
import { Housekeeping } from '../core/cache/housekeeping';
import { EventBus } from '../core/events';
import { historyHandlers } from '../core/history/handlers';
import { RecordsService, DEFAULT_RECORDS_OPTIONS } from '../core/history/records';
import { DisposableStore, toDisposable } from '../core/lifetime';
import { containerRunning, type Clock } from '../core/ports';
import { createRouter, type Router } from '../core/router';
import { settingsHandlers } from '../core/settings/handlers';
import { systemHandlers } from '../core/system/handlers';
import { wireBuilds } from './build-run';
import { wireCacheService } from './cache-usage';
import { openSettings } from './effective';
import { historyStoreOnFirstUse, openStores, type Stores } from './stores';

/**
 * What the host tells the core. Persisted user settings live in `<dataDir>/settings.json`; the fields
 * here override them for this process only (tests, CLI flags) and are never written back.
 */
export interface CoreSettings {
  /** Where settings and history live (default: the desktop app's userData folder; BUILDDECK_DATA_DIR). */
  dataDir?: string;
  /** Docker CLI that runs buildx (overrides the setting). */
  dockerPath?: string;
  /** Docker endpoint for both dockerode and buildx (overrides the setting). */
  dockerHost?: string;
  /** Base environment for child processes; tests put their own BUILDX_CONFIG here. */
  env?: NodeJS.ProcessEnv;
  /** Per-builder answer bound (overrides the setting). */
  healthTimeoutMs?: number;
  /** Background builder re-check while someone listens (default 30 s). */
  pollIntervalMs?: number;
  /**
   * A process that runs one command and exits (the CLI): adapters then prefer what is cheapest to
   * start over what is cheapest to repeat (no pooled connections).
   */
  oneShot?: boolean;
}

export interface Core {
  router: Router;
  events: EventBus;
  dataDir: string;
  /** Stops watchers and timers, cancels running builds (awaiting buildx's exit), closes the database. */
  dispose(): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now() };

/** The one composition function: adapters in, router out. No edge wires adapters itself. */
export function createCore(overrides: CoreSettings = {}): Core {
  const events = new EventBus();
  // Everything below that holds a resource is added here; dispose() releases it newest first.
  const lifetime = new DisposableStore();
  // A CLI's early engine requests the core did not take (composition/early.ts) end with it.
  lifetime.add(toDisposable(abandonEarly));
  const opening = openSettings(overrides, events, systemClock);
  const { dataDir, baseEnv, settings, effective } = opening;
  // Re-read on a settings change (below).
  let eff = opening.eff;

  const buildx = new BuildxCli(eff.buildx);
  const engine = new DockerEngine(eff.dockerHost ? { host: eff.dockerHost } : {});
  // Mutable on purpose: a settings change re-bounds later reads without rebuilding the service.
  const buildersOptions: BuildersOptions = {
    healthTimeoutMs: eff.healthTimeoutMs,
    pollIntervalMs: overrides.pollIntervalMs ?? 30_000,
    cacheMs: 1500,
  };
  const buildkitContainers = new DockerBuildkitContainers(engine);
  const buildkitContainer = (container: string) =>
    buildkitContainers.inspect(container, { timeoutMs: 3000, logLines: 0 });
  const runningNow = (container: string) => containerRunning(buildkitContainer, container);
  const builderStatus = new NativeBuilderStatus(buildx, () => eff.buildx.env);
  const builders = lifetime.add(
    new BuildersService(
      buildx,
      builderStatus,
      engine,
      events,
      systemClock,
      buildersOptions,
      runningNow,
      new JsonFileStore(join(dataDir, 'builders-last.json'), false),
    ),
  );
  const probe = new TcpProbe();
  const builderOpsPort = new BuildxBuilderOps(buildx);
  const hostFiles = new LocalFiles();
  const drivers = new BuilderDrivers({
    ops: builderOpsPort,
    containers: buildkitContainers,
    files: hostFiles,
    kube: new Kubectl({ kubectlPath: 'kubectl', env: () => eff.buildx.env }),
    probe,
    clock: systemClock,
  });
  // A getter: a settings change re-bounds later calls without rebuilding the use cases.
  const healthTimeoutMs = () => eff.healthTimeoutMs;
  const actionTimeoutMs = 120_000;
  const certificateWarningDays = 30;
  const activity = { events, clock: systemClock, list: builders };
  const builderUseCases = {
    creation: new BuilderCreation(
      { buildx, ops: builderOpsPort, files: hostFiles, drivers, ...activity },
      { healthTimeoutMs, actionTimeoutMs, certificateWarningDays },
    ),
    lifecycle: new BuilderLifecycle(
      { buildx, ops: builderOpsPort, drivers, ...activity },
      { healthTimeoutMs, actionTimeoutMs },
    ),
    inspection: new BuilderInspection(
      { ops: builderOpsPort, containers: buildkitContainers, drivers, clock: systemClock, list: builders },
      { healthTimeoutMs },
    ),
    health: new BuilderHealthCheck(
      { buildx, ops: builderOpsPort, drivers, clock: systemClock },
      { healthTimeoutMs, certificateWarningDays },
    ),
  };
  // History, bake history, trend samples and housekeeping share one SQLite file, opened on FIRST USE:
  // verbs that never touch them (builders ls, engine info) never load SQLite. Opening also marks builds
  // a dead process left running as interrupted and applies retention, as start-up used to.
  let db: Stores | undefined;
  const database = () => {
    if (db) return db;
    db = openStores(dataDir);
    if (db.cache) {
      try {
        importPendingSamples(pendingSamplesFile, db.cache);
      } catch {
        // a sample file we cannot read only costs the trend a few points
      }
    }
    // `history` and `bakeHistory` exist by then: the database opens on a command, never here.
    history.enforceRetention();
    bakeHistory.enforceRetention();
    return db;
  };
  // Added before the builds service: builds and bakes are cancelled (and recorded) before it closes.
  lifetime.add(toDisposable(() => db?.handle?.close()));
  const historyStore = historyStoreOnFirstUse(() => database().history);
  const cacheStore = () => database().cache;
  // A usage sample never opens the database by itself: while it is closed, samples wait in a file.
  const pendingSamplesFile = join(dataDir, 'cache-samples.pending');
  const pendingSamples = new PendingSamples(pendingSamplesFile);
  const sampleSink = () => (db ? db.cache : pendingSamples);
  const cacheWiring = wireCacheService({
    buildx,
    engine,
    builderStatus,
    events,
    clock: systemClock,
    settings: () => ({ healthTimeoutMs: eff.healthTimeoutMs }),
    keepConnections: !overrides.oneShot,
    store: cacheStore,
    samples: sampleSink,
  });
  lifetime.add(toDisposable(() => cacheWiring.close()));
  const { cache } = cacheWiring;

  const housekeeping = lifetime.add(
    new Housekeeping(cache, cacheStore, events, systemClock, {
      tickMs: 60_000,
      firstTickMs: 10_000,
      defaultIntervalMs: 3_600_000,
    }),
  );
  const buildFs = new NodeBuildFs(() => eff.buildx.env);
  const { builds, history, runner, buildkitHistory, retention } = wireBuilds({
    buildx,
    engine,
    builderStatus,
    events,
    clock: systemClock,
    probe,
    fs: buildFs,
    store: historyStore,
    settings: () => settings.get(),
    healthTimeoutMs: () => eff.healthTimeoutMs,
  });
  const bakeHistory = new BakeHistory(() => database().bake, events, { retention });
  const bake = new BakeService(
    {
      definitions: new BuildxBake(buildx),
      runner,
      builders: builderStatus,
      buildx,
      engine,
      fs: buildFs,
      events,
      clock: systemClock,
      home: () => baseEnv['HOME'] ?? homedir(),
      probe,
      recorder: bakeHistory,
    },
    { coalesceMs: 50, keepRecent: 10, bakeTimeoutMs: 6 * 3600_000, checkTimeoutMs: 30_000 },
  );
  lifetime.add(builds);
  lifetime.add(bake);
  const records = lifetime.add(
    new RecordsService(
      {
        store: historyStore,
        history,
        buildkit: buildkitHistory,
        // Loaded on the first import of a .dockerbuild file: tar and protobufjs are half of what every
        // CLI call and window start would otherwise compile (docs/performance.md, start-up).
        reader: {
          read: async (path) => new (await import('../adapters/dockerbuild/reader')).DockerbuildReader().read(path),
        },
        buildx,
        listBuilders: async () => (await builders.list()).builders,
        buildkitContainer,
        stopContainer: (container) => buildkitContainers.stop(container, { timeoutMs: 15_000 }),
        fs: buildFs,
        events,
        clock: systemClock,
        bakes: () => bakeHistory.list({ limit: 1000 }).items,
        recordEvents: new BuildkitRecordEvents((builder, node, call) => builderStatus.connect(builder, node, call)),
      },
      { ...DEFAULT_RECORDS_OPTIONS, callTimeoutMs: () => Math.max(eff.healthTimeoutMs, 10_000) },
    ),
  );
  bakeHistory.connect((request) => bake.start(request));

  const offSettings = settings.onChange((next) => {
    const before = eff;
    eff = effective(next);
    buildersOptions.healthTimeoutMs = eff.healthTimeoutMs;
    if (before.dockerHost !== eff.dockerHost || before.buildx.dockerPath !== eff.buildx.dockerPath) {
      buildx.reconfigure(eff.buildx);
      engine.reconfigure(eff.dockerHost ? { host: eff.dockerHost } : {});
      builders.invalidate();
      events.emit('builders.changed', { reason: 'docker settings changed' });
    }
  });
  lifetime.add(toDisposable(offSettings));
  // A settings file repaired at load is written in the background: let it land before exit.
  lifetime.add(toDisposable(() => settings.repaired));

  // Each feature contributes the handlers of its contract file; TypeScript checks none is missing.
  const router = createRouter({
    ...systemHandlers(buildx, engine, () => eff.healthTimeoutMs),
    ...builderHandlers(builders, builderUseCases),
    ...settingsHandlers(settings),
    ...cacheHandlers(cache, housekeeping),
    ...buildHandlers(builds),
    ...historyHandlers(history, records),
    ...bakeHandlers(bake, bakeHistory),
  });

  return {
    router,
    events,
    dataDir,
    dispose: () => lifetime.dispose(),
  };
}
