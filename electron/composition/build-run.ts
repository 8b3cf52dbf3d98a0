import { BuildxBuildRunner } from '../adapters/buildx/build-runner';
import { NativeBuilderStatus } from '../adapters/buildx/builder-status';
import { BuildxCli } from '../adapters/buildx/cli';
import { BuildxHistory } from '../adapters/buildx/history';
import { DockerEngine } from '../adapters/docker/engine';
import { abandonEarly } from '../adapters/docker/engine-api';
import { NodeBuildFs } from '../adapters/fs/build-fs';
import { TcpProbe } from '../adapters/host/probe';
import { buildCommands } from '../common/contracts/builds';
import type { Settings } from '../common/contracts/settings';
import { buildHandlers } from '../core/builds/handlers';
import { BuildsService } from '../core/builds/service';
import { featureCaller, type FeatureCaller } from '../core/command';
import { EventBus } from '../core/events';
import type { HistoryStorePort } from '../core/history/ports';
import { HistoryService } from '../core/history/service';
import { DisposableStore, toDisposable } from '../core/lifetime';
import type { Clock } from '../core/ports';
import type { CoreSettings } from './create-core';
import { openSettings } from './effective';
import { historyStoreOnFirstUse, openStores, type Stores } from './stores';

export interface BuildsWiring {
  buildx: BuildxCli;
  engine: DockerEngine;
  builderStatus: NativeBuilderStatus;
  events: EventBus;
  clock: Clock;
  probe: TcpProbe;
  fs: NodeBuildFs;
  /** The history store (opened on first use). */
  store: HistoryStorePort;
  /** Read at each use: a settings change applies to the next build without rewiring. */
  settings: () => Settings;
  healthTimeoutMs: () => number;
}

/**
 * The build service with its runner and its history recorder, as both compositions wire them
 * (create-core.ts for the app, serve mode and the other verbs; createBuildRun for `builddeck build`).
 */
export function wireBuilds(w: BuildsWiring) {
  const buildkitHistory = new BuildxHistory(w.buildx);
  // Builds' and bakes' history keep the same limits (createCore hands this one to bake history).
  const retention = () => ({ maxCount: w.settings().historyMaxCount, maxAgeDays: w.settings().historyMaxAgeDays });
  const history = new HistoryService(w.store, w.events, {
    fs: w.fs,
    buildkit: buildkitHistory,
    maxLogLines: 10_000,
    maxLogChars: () => w.settings().logCapBytes,
    retention,
    // The log is saved while the build runs once its output pauses (docs/performance.md): a build's
    // output usually ends a few hundred ms before buildx exits (export, naming the image).
    logQuietMs: 100,
  });
  const runner = new BuildxBuildRunner(w.buildx, {});
  const builds = new BuildsService(
    {
      runner,
      builders: w.builderStatus,
      buildx: w.buildx,
      engine: w.engine,
      fs: w.fs,
      events: w.events,
      clock: w.clock,
      recorder: history,
      probe: w.probe,
    },
    {
      coalesceMs: 50,
      keepRecent: 20,
      buildTimeoutMs: 6 * 3600_000,
      checkTimeoutMs: 15_000,
      health: { quietMs: 2000, probeEveryMs: 5000, timeoutMs: w.healthTimeoutMs },
    },
  );
  history.connect((request) => builds.start(request));
  return { builds, history, runner, buildkitHistory, retention };
}

export interface BuildRun {
  /** The build commands (builds.start, builds.cancel, builds.commandLine, ...), checked as the router checks them. */
  call: FeatureCaller<typeof buildCommands>;
  events: EventBus;
  /**
   * Cancels a running build (awaiting buildx's exit), then closes the database; a one-shot run leaves
   * it to its process's exit (no checkpoint on the way out).
   */
  dispose(): Promise<void>;
}

/**
 * `builddeck build` only: the build service with exactly the adapters a build uses, wired by the
 * same function as createCore (wireBuilds) from the same settings and data files. The whole core
 * builds every feature's contract schemas and services first (builders', bake's, history's and
 * cache's are about half of its load), all before buildx can be spawned (docs/performance.md).
 * The database opens on the first record, as in the core; the build's row is the same.
 */
export function createBuildRun(overrides: CoreSettings = {}): BuildRun {
  const events = new EventBus();
  const clock: Clock = { now: () => Date.now() };
  const lifetime = new DisposableStore();
  lifetime.add(toDisposable(abandonEarly));
  const { dataDir, settings, eff } = openSettings(overrides, events, clock);
  const buildx = new BuildxCli(eff.buildx);
  let stores: Stores | undefined;
  const history = () => {
    if (stores) return stores.history;
    stores = openStores(dataDir);
    // A one-shot run leaves its write-ahead log to the next opener (see below); the log of the run
    // before is folded into the database here, right after buildx is spawned, while this process
    // waits on buildx anyway. PASSIVE: never waits for another process's readers or writer.
    if (overrides.oneShot) stores.handle?.exec('PRAGMA wal_checkpoint(PASSIVE)');
    wired.history.enforceRetention();
    return stores.history;
  };
  // Closing the last connection checkpoints the log into the database and fsyncs it (~5-8 ms after
  // buildx has exited, docs/performance.md). Neither better-sqlite3 nor node:sqlite exposes
  // SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, so a one-shot run, whose process exits right after dispose
  // (process.exit runs no addon cleanup), does not close: every transaction is committed to the WAL
  // by then, and SQLite reads a WAL left by a process that exited as it reads one left open
  // (the next opener rebuilds its index from the log). Only a power loss before the OS writes the
  // log back could drop the last record, as synchronous = NORMAL already allows.
  if (!overrides.oneShot) lifetime.add(toDisposable(() => stores?.handle?.close()));
  const wired = wireBuilds({
    buildx,
    engine: new DockerEngine(eff.dockerHost ? { host: eff.dockerHost } : {}),
    builderStatus: new NativeBuilderStatus(buildx, () => eff.buildx.env),
    events,
    clock,
    probe: new TcpProbe(),
    fs: new NodeBuildFs(() => eff.buildx.env),
    store: historyStoreOnFirstUse(history),
    settings: () => settings.get(),
    healthTimeoutMs: () => eff.healthTimeoutMs,
  });
  // After the database: a running build is cancelled and recorded before it closes.
  lifetime.add(wired.builds);
  lifetime.add(toDisposable(() => settings.repaired));
  return {
    call: featureCaller(buildCommands, buildHandlers(wired.builds)),
    events,
    dispose: () => lifetime.dispose(),
  };
}
