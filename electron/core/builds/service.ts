import type {
  BuildEvent,
  BuildListItem,
  BuildLogPage,
  BuildRequest,
  BuildSnapshot,
  ContextInspection,
  DockerfileOutline,
} from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import { createBuildSnapshot, summarizeBuild } from '../../common/progress';
import type { EventBus } from '../events';
import { pageOfLog } from '../log-page';
import { liveBuild, type LiveProgress } from '../live-progress';
import { recordSafely, RunRegistry } from '../runs';
import { BuilderChecks, type BuilderCheckDeps } from './builder-checks';
import { buildxBuildArgv, shellQuote } from './command-line';
import {
  checkContextDir,
  checkWritableFileDir,
  frontendToConfirmFor,
  inspectContext,
  resolveDockerfile,
} from './context';
import { BuildWatchdog, lostCause, type LostCause } from './liveness';
import { classifyFailure, couldNotRun, lostConnection } from './failure';
import { type Material, metadataFields, readMetadataFile } from './metadata';
import type { BuildFsPort, BuildRecorder, BuildRunExit, BuildRunnerPort } from './ports';
import { joinPath, trimTrailingSeparators } from '../../common/validation';

export interface BuildsOptions {
  /** Coalescing window for `build.progressed` (events reduced when read, emitted in batches). */
  coalesceMs: number;
  /** Finished builds kept in memory for `builds.get`/`builds.list` (history keeps the rest). */
  keepRecent: number;
  /** Bound for one build. */
  buildTimeoutMs: number;
  /** Bound for builder checks before a build starts. */
  checkTimeoutMs: number;
  /**
   * Liveness of the builder while a build runs (see liveness.ts): a build silent for `quietMs` has its
   * builder asked, each question bounded by `timeoutMs()` (the health timeout setting). Off when absent.
   */
  health?: { quietMs: number; probeEveryMs: number; timeoutMs(): number };
}

interface Running {
  buildId: string;
  request: BuildRequest;
  /** The state after every event so far (reduced when read: see LiveProgress). */
  readonly snapshot: BuildSnapshot;
  live: LiveProgress<BuildSnapshot, BuildEvent>;
  abort: AbortController;
  cancelRequested: boolean;
  done: Promise<void>;
}

/**
 * Runs builds: checks the request against the real world (context, Dockerfile, builder, driver),
 * runs buildx with rawjson progress, keeps a replayable snapshot per build with the shared reducer,
 * and emits coalesced events. History is told about each start and finish.
 */
export class BuildsService {
  private readonly builds: RunRegistry<BuildSnapshot, Running>;
  private readonly checks: BuilderChecks;
  private counter = 0;

  constructor(
    private readonly deps: BuilderCheckDeps & {
      runner: BuildRunnerPort;
      fs: BuildFsPort;
      events: EventBus;
      recorder?: BuildRecorder | undefined;
    },
    private readonly options: BuildsOptions,
  ) {
    this.checks = new BuilderChecks(deps, options.checkTimeoutMs);
    this.builds = new RunRegistry({ noun: 'build', field: 'buildId' }, options.keepRecent);
  }

  /** The equivalent command for display: no progress/metadata flags, secrets as ids and sources only. */
  commandLine(request: BuildRequest): { argv: string[]; text: string } {
    const d = request.dockerfile;
    const absolute =
      d === undefined || d.startsWith('/') || /^[A-Za-z]:[\\/]/.test(d) ? d : joinPath(request.contextDir, d);
    const argv = buildxBuildArgv(request, { dockerfile: absolute });
    return { argv, text: shellQuote(argv) };
  }

  async inspectContext(input: {
    contextDir: string;
    dockerfile?: string | undefined;
    builder?: string | undefined;
    trustFrontend?: string | undefined;
  }): Promise<ContextInspection> {
    // Not awaited before the walk: a first `buildx version` (seconds under load) must not hold back
    // the partial answers; only the targets probe needs to know whether buildx has --call.
    const info = this.deps.buildx.info();
    info.catch(() => undefined);
    const { runner, events } = this.deps;
    return inspectContext(
      {
        fs: this.deps.fs,
        // On the builder the form chose: another builder may not even have the frontend or platform.
        targets: async (contextDir, dockerfile) =>
          (await info).features.callTargets
            ? runner.targets(contextDir, dockerfile, { timeoutMs: 20_000, builder: input.builder })
            : undefined,
        progress: (partial) => events.emit('build.contextProgress', partial),
        now: () => this.deps.clock.now(),
      },
      input,
    );
  }

  /**
   * The Dockerfile's outline (`buildx build --call=outline,format=json`): its build arguments and
   * mounted secrets, for the form to offer. Asked apart from the context check, so the check's answer
   * never waits on a second buildx run (it did: 432 against 242 ms for a small folder, quiet). Under
   * the targets probe's rules: on the builder the form chose, never a `# syntax=` frontend the user
   * has not confirmed. null when buildx cannot tell.
   */
  async outline(input: {
    contextDir: string;
    dockerfile?: string | undefined;
    builder?: string | undefined;
    trustFrontend?: string | undefined;
    target?: string | undefined;
  }): Promise<DockerfileOutline | null> {
    const { fs, runner } = this.deps;
    const info = this.deps.buildx.info();
    info.catch(() => undefined);
    const contextDir = await checkContextDir(fs, input.contextDir);
    const dockerfile = await resolveDockerfile(fs, contextDir, input.dockerfile);
    if ((await frontendToConfirmFor(fs, dockerfile, input.trustFrontend)) !== undefined) return null;
    if (!(await info).features.callTargets) return null;
    // A Dockerfile its frontend cannot parse: nothing to offer.
    return runner
      .outline(contextDir, dockerfile, { timeoutMs: 20_000, builder: input.builder, target: input.target })
      .catch(() => null);
  }

  /**
   * What a request names, checked against the world before buildx runs (a start's and a call's):
   * the context and Dockerfile, variables build args and secrets read, files, SSH sockets, the
   * metadata file's folder. Returns the context's real path, the Dockerfile found, the request with
   * that context, and the `--file` buildx gets for it.
   */
  private async checkRequest(request: BuildRequest): Promise<{
    contextDir: string;
    dockerfile: string;
    resolved: BuildRequest;
    dockerfileArg: string | undefined;
  }> {
    const { fs } = this.deps;
    const contextDir = await checkContextDir(fs, request.contextDir);
    const dockerfile = await resolveDockerfile(fs, contextDir, request.dockerfile);
    for (const [i, name] of (request.envBuildArgs ?? []).entries()) {
      if (!fs.hasEnv(name)) {
        throw appError(
          'INVALID_INPUT',
          `Build arg ${name} reads the environment variable ${name}, which is not set for BuildDeck.`,
          {
            hint: 'Set the variable before starting BuildDeck, or give the build arg a value.',
            details: { field: `envBuildArgs.${i}` },
          },
        );
      }
    }
    for (const [i, s] of request.secrets.entries()) {
      if (s.env !== undefined && !fs.hasEnv(s.env)) {
        throw appError(
          'INVALID_INPUT',
          `Secret "${s.id}" reads the environment variable ${s.env}, which is not set for BuildDeck.`,
          {
            hint: 'Set the variable before starting BuildDeck, or read the secret from a file.',
            details: { field: `secrets.${i}.env` },
          },
        );
      }
      if (s.src !== undefined) {
        const info = await fs.stat(s.src);
        if (info.kind !== 'file' || !info.readable) {
          throw appError('INVALID_INPUT', `Secret "${s.id}": ${s.src} is not a readable file.`, {
            hint: 'Choose the file that holds the secret.',
            details: { field: `secrets.${i}.src` },
          });
        }
      }
    }
    await this.checkSsh(request);
    if (request.metadataFile) await checkWritableFileDir(fs, request.metadataFile, 'metadataFile');
    // buildx resolves --file against its working directory, not the context: always pass the
    // absolute path we checked (and none for the context's own `Dockerfile`, as a person would).
    const dockerfileArg =
      request.dockerfile !== undefined || !isDefaultDockerfile(contextDir, dockerfile) ? dockerfile : undefined;
    return { contextDir, dockerfile, resolved: { ...request, contextDir }, dockerfileArg };
  }

  /**
   * `buildx build --call=METHOD` (`--check` is `--call=check`): the request checked as a start is,
   * then buildx asked for the frontend's answer instead of a build. Nothing is recorded: no image
   * is made (BuildKit keeps its own record of the call, as for buildx run from a terminal).
   */
  async call(request: BuildRequest, method: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const info = this.deps.buildx.info();
    // The builder is asked as a start asks it: a silent one is refused within the check bound, where
    // buildx would wait on it. Platforms are left to buildx to judge (nothing is built).
    const prepared = this.checks.prepare(request.builder, 0);
    info.catch(() => undefined);
    prepared.catch(() => undefined);
    const { resolved, dockerfileArg } = await this.checkRequest(request);
    await prepared;
    const buildx = await info;
    if (!buildx.features.callTargets) {
      throw appError('BUILDX_MISSING', `buildx ${buildx.version} has no --call (it came with buildx 0.15).`, {
        hint: 'Update the docker-buildx plugin to 0.15 or newer.',
        details: { version: buildx.version },
      });
    }
    const argv = buildxBuildArgv(resolved, { dockerfile: dockerfileArg, call: method });
    // argv is `docker buildx build ...`: the runner runs buildx (as the plugin, as for a build).
    return this.deps.runner.call(argv.slice(2), { timeoutMs: this.options.buildTimeoutMs });
  }

  /** Validates against the world, then starts buildx and returns at once. */
  async start(request: BuildRequest): Promise<{ buildId: string }> {
    const { runner, buildx } = this.deps;
    // Asked while the files below are checked (they wait on the disk, these on buildx's store and
    // the builder): ~0.1 s less before buildx starts. A bad request still fails on its own field
    // first; these answers are then dropped.
    const info = buildx.info();
    // An attestation asked for explicitly (buildx's own default provenance is skipped where unsupported).
    const attestation =
      request.sbom === true
        ? 'sbom'
        : request.provenance !== undefined && request.provenance !== false
          ? 'provenance'
          : undefined;
    const prepared = this.checks.prepare(request.builder, request.platforms.length, { attestation });
    info.catch(() => undefined);
    prepared.catch(() => undefined);
    const { contextDir, dockerfile, resolved, dockerfileArg } = await this.checkRequest(request);
    await info;
    const builder = await prepared;
    const node = builder.nodes[0];

    const buildId = `b${this.deps.clock.now().toString(36)}${(this.counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const display = buildxBuildArgv(resolved, { dockerfile: dockerfileArg });
    const recorder = this.deps.recorder;
    const running: Running = {
      buildId,
      request: resolved,
      get snapshot() {
        return this.live.snapshot;
      },
      live: liveBuild(this.deps.events, buildId, createBuildSnapshot(buildId), this.options.coalesceMs, (after) => {
        if (recorder?.progressed) recordSafely(() => recorder.progressed?.(buildId, after));
      }),
      abort: new AbortController(),
      cancelRequested: false,
      done: Promise.resolve(),
    };
    this.builds.add(buildId, running);
    const defaultPlatform = node?.platforms[0] ?? runner.hostPlatform();
    this.push(running, [
      {
        type: 'started',
        at: this.deps.clock.now(),
        builder: builder.name,
        driver: builder.driver,
        platforms: request.platforms,
        defaultPlatform,
        contextDir,
        ...(dockerfileArg ? { dockerfile: dockerfileArg } : {}),
        ...(request.target ? { target: request.target } : {}),
        tags: request.tags,
        command: display,
      },
    ]);
    this.deps.events.emit('build.started', {
      buildId,
      contextDir,
      builder: builder.name,
      platforms: request.platforms,
    });
    const startedAt = running.snapshot.startedAt ?? this.deps.clock.now();
    // Recorded right after buildx is spawned, not before: the first record opens the history
    // database (loading SQLite, migrations, retention), which a one-shot CLI would otherwise pay
    // before the build starts (docs/performance.md). The row still exists when start() returns.
    let spawned!: () => void;
    const spawning = new Promise<void>((resolve) => (spawned = resolve));
    const record = () => {
      recordSafely(() =>
        this.deps.recorder?.started({
          buildId,
          request: { ...resolved, secrets: [] },
          secretIds: resolved.secrets.map((s) => s.id),
          builder: builder.name,
          driver: builder.driver,
          platforms: request.platforms.length > 0 ? request.platforms : [defaultPlatform],
          startedAt,
        }),
      );
      recordSafely(() => this.deps.recorder?.contextSent?.(buildId, { contextDir, dockerfile }));
      spawned();
    };
    running.done = this.execute(running, dockerfileArg, record);
    await spawning;
    return { buildId };
  }

  /** `--ssh default` needs the agent BuildDeck runs with; named keys or sockets must be readable. */
  private async checkSsh(request: BuildRequest): Promise<void> {
    const { fs } = this.deps;
    for (const [i, s] of (request.ssh ?? []).entries()) {
      if (s.paths.length === 0 && !fs.hasEnv('SSH_AUTH_SOCK')) {
        throw appError(
          'INVALID_INPUT',
          `SSH "${s.id}" uses the SSH agent, but SSH_AUTH_SOCK is not set for BuildDeck.`,
          {
            hint: 'Start BuildDeck from a session with an SSH agent, or give the key or socket path (id=path).',
            details: { field: `ssh.${i}` },
          },
        );
      }
      for (const [j, p] of s.paths.entries()) {
        const info = await fs.stat(p);
        if (info.kind === 'missing' || !info.readable) {
          throw appError('INVALID_INPUT', `SSH "${s.id}": ${p} is not a readable key or socket.`, {
            hint: 'Give the path of an SSH private key or agent socket.',
            details: { field: `ssh.${i}.paths.${j}` },
          });
        }
      }
    }
  }

  /** `onSpawned` runs once: right after buildx is spawned, or before the outcome if it never was. */
  private async execute(r: Running, dockerfileArg: string | undefined, onSpawned: () => void): Promise<void> {
    const { fs, runner, clock } = this.deps;
    let spawnedOnce = false;
    const afterSpawn = () => {
      if (spawnedOnce) return;
      spawnedOnce = true;
      onSpawned();
    };
    let tmp: { path: string; remove(): Promise<void> } | undefined;
    let finished: BuildEvent & { type: 'finished' };
    let materials: Material[] | undefined;
    const builder = { name: r.snapshot.info?.builder ?? '', driver: r.snapshot.info?.driver ?? '' };
    const kill = new AbortController();
    let dead: LostCause | undefined;
    const health = this.options.health;
    const watchdog = health
      ? new BuildWatchdog(
          { builders: this.deps.builders, engine: this.deps.engine, clock },
          {
            builder,
            quietMs: health.quietMs,
            probeEveryMs: health.probeEveryMs,
            timeoutMs: () => health.timeoutMs(),
            onDead: (cause) => {
              dead = cause;
              kill.abort();
            },
          },
        )
      : undefined;
    try {
      tmp = await fs.tempDir();
      const metadataFile = r.request.metadataFile ?? `${tmp.path}/metadata.json`;
      const argv = buildxBuildArgv(r.request, { dockerfile: dockerfileArg, progress: 'rawjson', metadataFile });
      // The start is recorded once buildx has been spawned, while it starts: finding the buildx
      // plugin to run (adapters/buildx/exec.ts) may take a turn of the event loop first, so the
      // record waits for the spawn itself, not for run() to return.
      const exit = await runner.run(argv.slice(1), {
        onEvents: (events) => {
          watchdog?.activity(events);
          this.push(r, events);
        },
        signal: r.abort.signal,
        kill: kill.signal,
        timeoutMs: this.options.buildTimeoutMs,
        onSpawned: afterSpawn,
      });
      afterSpawn(); // a runner that never reported its spawn: recorded at the latest here
      watchdog?.stop();
      const { materials: resolved, ...meta } = metadataFields(await readMetadataFile(fs, metadataFile));
      materials = resolved;
      const cancelled = r.cancelRequested && !dead;
      const ok = !cancelled && !dead && exit.exitCode === 0;
      finished = {
        type: 'finished',
        at: clock.now(),
        ok,
        cancelled,
        exitCode: exit.exitCode,
        ...meta,
        ...(ok || cancelled ? {} : await this.failureOf(r, exit, builder, dead)),
      };
    } catch (err) {
      watchdog?.stop();
      afterSpawn();
      finished = {
        type: 'finished',
        at: clock.now(),
        ok: false,
        cancelled: r.cancelRequested,
        exitCode: null,
        ...couldNotRun(err),
      };
    } finally {
      await tmp?.remove().catch(() => undefined);
    }
    this.push(r, [finished]);
    r.live.flush();
    const summary = summarizeBuild(r.snapshot);
    recordSafely(() => this.deps.recorder?.finished(r.buildId, r.snapshot, materials ? { materials } : {}));
    this.deps.events.emit('build.finished', { buildId: r.buildId, summary });
  }

  /**
   * Why a build failed, in the user's words: a builder or engine that went away (the watchdog saw it,
   * or buildx's error is a closed connection) before the generic classes of classifyFailure.
   */
  private async failureOf(
    r: Running,
    exit: BuildRunExit,
    builder: { name: string; driver: string },
    dead: LostCause | undefined,
  ): Promise<{ errorCode?: string; errorMessage?: string; hint?: string }> {
    if (dead) return dead;
    if (!exit.timedOut && lostConnection(exit)) {
      const { builders, engine, clock } = this.deps;
      return lostCause({ builders, engine, clock }, builder, Math.min(this.options.checkTimeoutMs, 3000));
    }
    return classifyFailure(
      { builder: builder.name, steps: Object.values(r.snapshot.steps), errorMessage: r.snapshot.error?.message },
      exit,
      this.options.buildTimeoutMs,
    );
  }

  /** Kept for the next read of the snapshot (`builds.get`, the flush within coalesceMs). */
  private push(r: Running, events: BuildEvent[]): void {
    r.live.push(events);
  }

  /** For a window joining the build: ends at a batch's end (see LiveProgress.joinSnapshot). */
  get(buildId: string): BuildSnapshot {
    return this.builds.get(buildId).live.joinSnapshot();
  }

  /** A page of the build's log or of one step's (`builds.logs`); the kept range when `from` is outside it. */
  logs(buildId: string, from: number, limit: number, step?: string): BuildLogPage {
    const s = this.builds.get(buildId).snapshot;
    return pageOfLog(s, step, from, limit, {
      owner: `Build ${buildId}`,
      stepHint: 'Step ids are the vertex digests in the steps of builds.get.',
    });
  }

  cancel(buildId: string): { cancelled: boolean } {
    return this.builds.cancel(buildId);
  }

  list(): BuildListItem[] {
    return this.builds.snapshots().map((s) => ({
      buildId: s.buildId,
      status: s.status,
      contextDir: s.info?.contextDir ?? '',
      builder: s.info?.builder ?? '',
      platforms: s.lanes.filter((l) => l.kind === 'platform').map((l) => l.key),
      tags: s.info?.tags ?? [],
      startedAt: s.startedAt ?? 0,
      ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
      ...(s.result ? { durationMs: s.result.durationMs } : {}),
      ...(s.result?.digest ? { digest: s.result.digest } : {}),
      ...(s.error && s.status === 'failed' ? { error: s.error.message } : {}),
    }));
  }

  /** Cancels running builds (app quit); resolves when buildx has exited. */
  dispose(): Promise<void> {
    return this.builds.dispose();
  }
}

function isDefaultDockerfile(contextDir: string, dockerfile: string): boolean {
  const base = trimTrailingSeparators(contextDir);
  return dockerfile === `${base}/Dockerfile` || dockerfile === `${base}\\Dockerfile`;
}
