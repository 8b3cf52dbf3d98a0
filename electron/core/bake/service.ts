import type {
  BakeEvent,
  BakeInspect,
  BakeListItem,
  BakePrintInput,
  BakeProject,
  BakeRequest,
  BakeSnapshot,
  BrowseResult,
} from '../../common/contracts/bake';
import type { BuildEvent, BuildLogPage } from '../../common/contracts/builds';
import { appError } from '../../common/errors';
import {
  BakeAttributor,
  bakeTargetNames,
  createBakeSnapshot,
  finishBakeEvents,
  summarizeBake,
} from '../../common/progress';
import { BuilderChecks, type BuilderCheckDeps } from '../builds/builder-checks';
import { checkWritableFileDir } from '../builds/context';
import { classifyFailure, couldNotRun } from '../builds/failure';
import { metadataFields, readMetadataFile } from '../builds/metadata';
import type { BuildFsPort, BuildRunnerPort } from '../builds/ports';
import type { EventBus } from '../events';
import { pageOfLog } from '../log-page';
import { liveBake, type LiveProgress } from '../live-progress';
import { recordSafely, RunRegistry } from '../runs';
import { bakeArgv, bakeCommandText, bakeEnv, bakeSwitches, effectiveOverrides } from './command-line';
import { entitlementsRequired, missingEntitlements } from './entitlements';
import { BakeProjects } from './inspect';
import type { BakeDefinitionPort } from './ports';
import { contextPath, dockerfilePath, explicitAttestation, orderedTargets } from './project';

export interface BakeOptions {
  coalesceMs: number;
  /** Finished bakes kept in memory for `bake.get`/`bake.list`. */
  keepRecent: number;
  /** Bound for one bake. */
  bakeTimeoutMs: number;
  /** Bound for builder checks and for reading a definition. */
  checkTimeoutMs: number;
}

/** What a finished or running bake leaves in history. */
export interface BakeRecorder {
  started(bakeId: string, request: BakeRequest, snapshot: BakeSnapshot): void;
  finished(bakeId: string, request: BakeRequest, snapshot: BakeSnapshot): void;
}

interface Running {
  bakeId: string;
  request: BakeRequest;
  /** The state after every event so far (reduced when read: see LiveProgress). */
  readonly snapshot: BakeSnapshot;
  live: LiveProgress<BakeSnapshot, BakeEvent>;
  attributor: BakeAttributor;
  abort: AbortController;
  cancelRequested: boolean;
  /** This buildx takes `bake --allow` (>= 0.19). */
  allowFlag: boolean;
  done: Promise<void>;
}

/**
 * Bake projects: resolves definitions with `docker buildx bake --print` (buildx is the source of
 * truth for HCL, JSON and compose), runs a group or targets with rawjson progress, attributes every
 * vertex to its target and reduces each target with the build reducer. One bake, one cancel.
 */
export class BakeService {
  private readonly bakes: RunRegistry<BakeSnapshot, Running>;
  private readonly checks: BuilderChecks;
  private readonly projects: BakeProjects;
  private counter = 0;

  constructor(
    private readonly deps: BuilderCheckDeps & {
      definitions: BakeDefinitionPort;
      runner: BuildRunnerPort;
      fs: BuildFsPort;
      events: EventBus;
      /** The folder the picker opens first. */
      home: () => string;
      recorder?: BakeRecorder | undefined;
    },
    private readonly options: BakeOptions,
  ) {
    this.checks = new BuilderChecks(deps, options.checkTimeoutMs);
    this.projects = new BakeProjects(deps, options.checkTimeoutMs);
    this.bakes = new RunRegistry({ noun: 'bake', field: 'bakeId' }, options.keepRecent);
  }

  // -- the folder picker and reading a project (projects.ts) ----------------------------------

  browse(dir: string | undefined): Promise<BrowseResult> {
    return this.projects.browse(dir);
  }

  /** Every group and target of a project, as buildx resolves them. */
  inspect(input: BakeInspect): Promise<BakeProject> {
    return this.projects.inspect(input);
  }

  // -- running -------------------------------------------------------------------------------

  commandLine(request: BakeRequest): { argv: string[]; env: string[]; text: string } {
    return { argv: bakeArgv(request), env: bakeEnv(request), text: bakeCommandText(request) };
  }

  /**
   * buildx's answer to `bake --print` (or `--list=SPEC`) with the flags `start` would pass: the
   * definition as buildx resolves it for this request, unchanged. Nothing runs on a builder.
   */
  async print(input: BakePrintInput): Promise<{ text: string }> {
    const { list, ...request } = input;
    const args = await this.projects.definitionArgs({ ...request, overrides: effectiveOverrides(request) });
    const flags =
      list !== undefined
        ? [`--list=${list}`]
        : ['--print', ...(request.builder ? [`--builder=${request.builder}`] : []), ...bakeSwitches(request)];
    const call = { timeoutMs: this.options.checkTimeoutMs };
    const text = await this.deps.definitions.printed(args, flags, list !== undefined ? [] : request.targets, call);
    return { text };
  }

  /** Resolves the request against the definition and the builder, then starts buildx and returns. */
  async start(request: BakeRequest): Promise<{ bakeId: string }> {
    const { fs, runner, buildx, clock } = this.deps;
    const args = await this.projects.definitionArgs({ ...request, overrides: effectiveOverrides(request) });
    if (request.metadataFile) await checkWritableFileDir(fs, request.metadataFile, 'metadataFile');
    const call = { timeoutMs: this.options.checkTimeoutMs };
    // First without outputs where reading them would create files (buildx < 0.30): what the
    // definition reads and asks for is refused before anything is written; then, consented so far,
    // the whole definition (that buildx creates its output files then, as its own bake does).
    const first = await this.deps.definitions.print(args, request.targets, call, { withoutOutputs: true });
    if (!first.outputsRead) {
      const early = await missingEntitlements(fs, args.projectDir, Object.values(first.targets), request.allow);
      if (early.length > 0) throw entitlementsRequired(early);
    }
    const printed = first.outputsRead ? first : await this.deps.definitions.print(args, request.targets, call);
    const names = orderedTargets(printed, request.targets);
    if (names.length === 0) {
      throw appError('INVALID_INPUT', 'Nothing to build: the groups asked for have no targets.', {
        hint: 'Pick targets, or a group that lists some.',
        details: { field: 'targets' },
      });
    }
    const texts = await this.projects.readDefinitions(this.projects.absoluteFiles(args.projectDir, printed.files));
    for (const name of names) {
      const t = printed.targets[name];
      const problem = t ? await this.projects.dockerfileProblem(args.projectDir, name, t, texts) : undefined;
      if (problem) {
        throw appError('INVALID_INPUT', problem.message, {
          hint: problem.line
            ? `Fix line ${problem.line} of ${problem.file ?? 'the definition'} (or add the file), then start again.`
            : 'Add the Dockerfile or fix the definition, then start again.',
          details: { field: 'targets', target: name, file: problem.file, line: problem.line },
        });
      }
    }
    // What the definition asks of this machine, granted by the user or refused here (entitlements.ts).
    const missing = await missingEntitlements(fs, args.projectDir, Object.values(printed.targets), request.allow);
    if (missing.length > 0) throw entitlementsRequired(missing);
    const info = await buildx.info();
    // The docker driver refuses several platforms: name the first target that asks for them.
    const multi = names.find((n) => (printed.targets[n]?.platforms.length ?? 0) > 1);
    // As for a build: an attestation asked for on the docker driver is refused before buildx starts.
    const attestation = names
      .map((n) => printed.targets[n])
      .map((t) => t && explicitAttestation(t))
      .find((a) => a !== undefined);
    const builder = await this.checks.prepare(
      request.builder,
      multi ? (printed.targets[multi]?.platforms.length ?? 0) : 1,
      { subject: multi ? `Target "${multi}"` : undefined, attestation },
    );
    const defaultPlatform = builder.nodes[0]?.platforms[0] ?? runner.hostPlatform();

    const bakeId = `k${clock.now().toString(36)}${(this.counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const resolved: BakeRequest = { ...request, projectDir: args.projectDir };
    const command = bakeArgv(resolved);
    const r: Running = {
      bakeId,
      request: resolved,
      get snapshot() {
        return this.live.snapshot;
      },
      live: liveBake(this.deps.events, bakeId, createBakeSnapshot(bakeId), this.options.coalesceMs),
      attributor: new BakeAttributor(names),
      abort: new AbortController(),
      cancelRequested: false,
      allowFlag: info.features.bakeAllow,
      done: Promise.resolve(),
    };
    this.bakes.add(bakeId, r);
    const at = clock.now();
    const plan = names.map((name) => {
      const t = printed.targets[name];
      const dockerfile = t ? dockerfilePath(args.projectDir, t) : undefined;
      return {
        name,
        platforms: t?.platforms ?? [],
        context: t ? (contextPath(args.projectDir, t.context) ?? t.context) : '',
        ...(dockerfile ? { dockerfile } : {}),
        ...(t?.target ? { target: t.target } : {}),
        tags: t?.tags ?? [],
      };
    });
    this.push(r, [
      {
        type: 'planned',
        at,
        projectDir: args.projectDir,
        files: this.projects.absoluteFiles(args.projectDir, printed.files),
        builder: builder.name,
        driver: builder.driver,
        requested: request.targets,
        targets: plan,
        command,
        variables: Object.keys(request.variables).sort(),
      },
      ...plan.map((t): BakeEvent => ({
        type: 'started',
        target: t.name,
        at,
        builder: builder.name,
        driver: builder.driver,
        platforms: t.platforms,
        defaultPlatform,
        contextDir: t.context,
        ...(t.dockerfile ? { dockerfile: t.dockerfile } : {}),
        // `target` in a bake event is the bake target; the Dockerfile stage is in the plan.
        tags: t.tags,
        command: [...command.filter((a) => !request.targets.includes(a)), t.name],
      })),
    ]);
    this.deps.events.emit('bake.started', {
      bakeId,
      projectDir: args.projectDir,
      builder: builder.name,
      targets: names,
    });
    recordSafely(() => this.deps.recorder?.started(bakeId, resolved, r.snapshot));
    r.done = this.execute(r);
    return { bakeId };
  }

  private async execute(r: Running): Promise<void> {
    const { fs, runner, clock } = this.deps;
    let tmp: { path: string; remove(): Promise<void> } | undefined;
    let outcome: Parameters<typeof finishBakeEvents>[1];
    try {
      tmp = await fs.tempDir();
      const metadataFile = r.request.metadataFile ?? `${tmp.path}/metadata.json`;
      const argv = bakeArgv(r.request, { progress: 'rawjson', metadataFile, allowFlag: r.allowFlag });
      const exit = await runner.run(argv.slice(1), {
        onEvents: (events: BuildEvent[]) => this.push(r, r.attributor.attribute(events)),
        signal: r.abort.signal,
        timeoutMs: this.options.bakeTimeoutMs,
        cwd: r.request.projectDir,
        env: r.request.variables,
      });
      const meta = await readMetadataFile(fs, metadataFile);
      const refs = await this.localRefs(r);
      const cancelled = r.cancelRequested;
      const ok = !cancelled && exit.exitCode === 0;
      const s = r.snapshot;
      const steps = [s.general, ...Object.values(s.targets)].flatMap((t) => Object.values(t.steps));
      const errorMessage = Object.values(s.targets).find((t) => t.error)?.error?.message ?? s.general.error?.message;
      outcome = {
        at: clock.now(),
        ok,
        cancelled,
        exitCode: exit.exitCode,
        metadata: Object.fromEntries(
          bakeTargetNames(s).map((n) => {
            const fields = metadataFields(meta[n]);
            const ref = fields.ref ?? refs.get(n);
            return [n, { ...fields, ...(ref ? { ref } : {}) }];
          }),
        ),
        ...(ok || cancelled
          ? {}
          : classifyFailure({ builder: s.info?.builder ?? '', steps, errorMessage }, exit, this.options.bakeTimeoutMs)),
      };
    } catch (err) {
      outcome = {
        at: clock.now(),
        ok: false,
        cancelled: r.cancelRequested,
        exitCode: null,
        metadata: {},
        ...couldNotRun(err),
      };
    } finally {
      await tmp?.remove().catch(() => undefined);
    }
    this.push(r, finishBakeEvents(r.snapshot, outcome));
    r.live.flush();
    recordSafely(() => this.deps.recorder?.finished(r.bakeId, r.request, r.snapshot));
    this.deps.events.emit('bake.finished', { bakeId: r.bakeId, summary: summarizeBake(r.snapshot) });
  }

  /**
   * Each target's BuildKit ref from buildx's local state. buildx writes the metadata file (with
   * the refs) only when the whole bake succeeded; the local state has them for failed and cancelled
   * bakes too. Of the refs recorded since this bake started, the group holding most of its targets
   * is this bake's (another bake may run next to it).
   */
  private async localRefs(r: Running): Promise<Map<string, string>> {
    const builder = r.snapshot.info?.builder;
    if (!builder || r.snapshot.startedAt === undefined) return new Map();
    const names = new Set(bakeTargetNames(r.snapshot));
    const recent = (await this.deps.definitions.localRefs(builder, r.snapshot.startedAt - 2000).catch(() => [])).filter(
      (x) => names.has(x.target),
    );
    // buildx < 0.13 writes no group ref: those fall into one group, newest ref per target.
    const byGroup = new Map<string, typeof recent>();
    for (const x of recent) byGroup.set(x.groupRef ?? '', [...(byGroup.get(x.groupRef ?? '') ?? []), x]);
    const targetsOf = (g: typeof recent) => new Set(g.map((x) => x.target)).size;
    const best = [...byGroup.values()].sort((a, b) => targetsOf(b) - targetsOf(a))[0] ?? [];
    const out = new Map<string, string>();
    for (const x of [...best].sort((a, b) => a.at - b.at)) out.set(x.target, x.ref);
    return out;
  }

  private push(r: Running, events: BakeEvent[]): void {
    r.live.push(events);
  }

  /** For a window joining the bake: ends at a batch's end (see LiveProgress.joinSnapshot). */
  get(bakeId: string): BakeSnapshot {
    return this.bakes.get(bakeId).live.joinSnapshot();
  }

  /** Lines of one target's log (or one of its steps'): see `bake.logs`. */
  logs(bakeId: string, target: string, from: number, limit: number, step?: string): BuildLogPage {
    const s = this.bakes.get(bakeId).snapshot.targets[target];
    if (!s) {
      throw appError('INVALID_INPUT', `Bake ${bakeId} has no target ${target}.`, {
        hint: 'Target names are the keys of targets in bake.get.',
        details: { field: 'target' },
      });
    }
    return pageOfLog(s, step, from, limit, {
      owner: `Target ${target} of bake ${bakeId}`,
      stepHint: 'Step ids are the vertex digests in the steps of the target in bake.get.',
    });
  }

  cancel(bakeId: string): { cancelled: boolean } {
    return this.bakes.cancel(bakeId);
  }

  list(): BakeListItem[] {
    return this.bakes.snapshots().map((s) => {
      const summary = s.result ? summarizeBake(s) : undefined;
      return {
        bakeId: s.bakeId,
        status: s.status,
        projectDir: s.info?.projectDir ?? '',
        builder: s.info?.builder ?? '',
        targets: bakeTargetNames(s),
        startedAt: s.startedAt ?? 0,
        ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
        ...(s.result ? { durationMs: s.result.durationMs } : {}),
        ...(summary?.error && s.status === 'failed' ? { error: summary.error } : {}),
      };
    });
  }

  /** Cancels running bakes (app quit); resolves when buildx has exited. */
  dispose(): Promise<void> {
    return this.bakes.dispose();
  }
}
