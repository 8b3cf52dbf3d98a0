import { posix, win32 } from 'node:path';
import type {
  BakeEvent,
  BakeInspect,
  BakeListItem,
  BakeProject,
  BakeRequest,
  BakeSnapshot,
  BakeTarget,
  BrowseResult,
} from '../../common/contracts/bake';
import type { BuildEvent } from '../../common/contracts/builds';
import { AppException, appError } from '../../common/errors';
import {
  BakeAttributor,
  bakeTargetNames,
  createBakeSnapshot,
  finishBakeEvents,
  reduceBakeEvents,
  summarizeBake,
} from '../../common/progress';
import type { NetworkProbePort } from '../builders/ports';
import { BuilderChecks } from '../builds/builder-checks';
import { checkFolder, checkWritableFileDir, type FolderRole } from '../builds/context';
import { classifyFailure, couldNotRun } from '../builds/failure';
import { metadataFields, readMetadataFile } from '../builds/metadata';
import type { BuildFsPort, BuildRunnerPort } from '../builds/ports';
import type { EventBus } from '../events';
import { Outbox } from '../outbox';
import { recordSafely, RunRegistry } from '../runs';
import type { BuildxPort, Clock, EnginePort } from '../ports';
import { bakeArgv, bakeCommandText, bakeEnv, effectiveOverrides } from './command-line';
import type { BakeDefinitionArgs, BakeDefinitionPort, BakePrint } from './ports';
import {
  contextPath,
  dockerfilePath,
  fileKind,
  groupsOf,
  isDefinitionFileName,
  locateTarget,
  orderedTargets,
  projectKind,
  toBakeTarget,
} from './project';

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
  snapshot: BakeSnapshot;
  outbox: Outbox<BakeEvent>;
  attributor: BakeAttributor;
  abort: AbortController;
  cancelRequested: boolean;
  done: Promise<void>;
}

const PROJECT_FOLDER: FolderRole = {
  field: 'projectDir',
  noun: 'project folder',
  notAFolderHint: 'Open the folder that holds docker-bake.hcl or compose.yaml; name other files with --file.',
};
const MAX_BROWSE = 500;
const pathFor = (p: string) => (/^[A-Za-z]:[\\/]|^\\\\/.test(p) ? win32 : posix);

/**
 * Bake projects: resolves definitions with `docker buildx bake --print` (buildx is the source of
 * truth for HCL, JSON and compose), runs a group or targets with rawjson progress, attributes every
 * vertex to its target and reduces each target with the build reducer. One bake, one cancel.
 */
export class BakeService {
  private readonly bakes: RunRegistry<BakeSnapshot, Running>;
  private readonly checks: BuilderChecks;
  private counter = 0;

  constructor(
    private readonly deps: {
      definitions: BakeDefinitionPort;
      runner: BuildRunnerPort;
      buildx: BuildxPort;
      engine: EnginePort;
      fs: BuildFsPort;
      events: EventBus;
      clock: Clock;
      /** The folder the picker opens first. */
      home: () => string;
      probe?: NetworkProbePort | undefined;
      recorder?: BakeRecorder | undefined;
    },
    private readonly options: BakeOptions,
  ) {
    this.checks = new BuilderChecks(deps, options.checkTimeoutMs);
    this.bakes = new RunRegistry({ noun: 'bake', field: 'bakeId' }, options.keepRecent);
  }

  // -- the folder picker ---------------------------------------------------------------------

  async browse(dir: string | undefined): Promise<BrowseResult> {
    const { fs } = this.deps;
    const folder = await checkFolder(fs, dir ?? this.deps.home(), {
      field: 'dir',
      noun: 'folder',
      notAFolderHint: 'Choose a folder.',
    });
    const p = pathFor(folder);
    const listing = await fs.list(folder);
    const dirs = listing
      .filter((e) => e.kind === 'directory' && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
    const shown = dirs.slice(0, MAX_BROWSE);
    const entries: BrowseResult['entries'] = [];
    // Which sub-folders are projects: one directory read each, a few at a time.
    for (let i = 0; i < shown.length; i += 32) {
      const batch = await Promise.all(
        shown.slice(i, i + 32).map(async (name) => {
          const path = p.join(folder, name);
          const inner = await fs.list(path).catch(() => []);
          return { name, path, project: inner.some((e) => e.kind === 'file' && isDefinitionFileName(e.name)) };
        }),
      );
      entries.push(...batch);
    }
    const parent = p.dirname(folder);
    return {
      dir: folder,
      ...(parent !== folder ? { parent } : {}),
      entries,
      truncated: dirs.length > shown.length,
      definitionFiles: listing
        .filter((e) => e.kind === 'file' && isDefinitionFileName(e.name))
        .map((e) => e.name)
        .sort(),
    };
  }

  // -- reading a project ---------------------------------------------------------------------

  /** Every group and target of a project, as buildx resolves them. */
  async inspect(input: BakeInspect): Promise<BakeProject> {
    const started = this.deps.clock.now();
    const args = await this.definitionArgs(input);
    const call = { timeoutMs: this.options.checkTimeoutMs };
    const { definitions } = this.deps;
    const [list, variables, defaults] = await Promise.all([
      definitions.listTargets(args, call),
      definitions.listVariables(args, call).catch(() => undefined),
      // A project may have no `default` group: then `bake` alone fails, and nothing runs by default.
      definitions.print(args, [], call).catch((err: unknown) => {
        if (err instanceof AppException && err.appError.details?.['field'] === 'targets') return undefined;
        throw err;
      }),
    ]);
    const names = (list ?? []).filter((e) => e.name !== 'default').map((e) => e.name);
    const all: BakePrint =
      names.length > 0
        ? await definitions.print(args, names, call)
        : (defaults ?? { groups: {}, targets: {}, files: [] });
    const declared: Record<string, string[]> = {};
    const descriptions: Record<string, string> = {};
    for (const e of list ?? []) {
      if (!e.group) continue;
      const members = e.name === 'default' ? defaults?.groups['default'] : all.groups[e.name];
      if (members) declared[e.name] = members;
      // buildx lists a group's members as its description when it has none of its own.
      if (e.description && e.description !== [...(members ?? [])].sort().join(', '))
        descriptions[e.name] = e.description.replace(/ \([^)]*\)$/, '');
    }
    if (!list && defaults?.groups['default']) declared['default'] = defaults.groups['default'];
    const groups = groupsOf(declared, descriptions);
    const files = this.absoluteFiles(args.projectDir, all.files.length > 0 ? all.files : (defaults?.files ?? []));
    const texts = await this.readDefinitions(files);
    // Targets read in the order of the groups that run them (default first), then the rest by name.
    const targetNames = [...new Set([...groups.flatMap((g) => g.targets), ...Object.keys(all.targets).sort()])];
    const targets: BakeTarget[] = [];
    for (const name of targetNames) {
      const printed = all.targets[name];
      if (!printed) continue;
      const problem = await this.dockerfileProblem(args.projectDir, name, printed, texts);
      targets.push(toBakeTarget(args.projectDir, name, printed, groups, problem));
    }
    const described = new Map((list ?? []).map((e) => [e.name, e.description]));
    for (const t of targets) {
      const d = described.get(t.name);
      if (d && !t.description) t.description = d;
    }
    const defaultGroup = groups.find((g) => g.name === 'default');
    return {
      projectDir: args.projectDir,
      files,
      kind: projectKind(files),
      groups,
      targets,
      defaultTargets: defaultGroup?.targets ?? (defaults ? orderedTargets(defaults, []) : []),
      variables: variables ?? [],
      complete: list !== undefined,
      durationMs: this.deps.clock.now() - started,
    };
  }

  private async definitionArgs(input: BakeInspect): Promise<BakeDefinitionArgs> {
    const projectDir = await checkFolder(this.deps.fs, input.projectDir, PROJECT_FOLDER);
    const p = pathFor(projectDir);
    for (const [i, f] of input.files.entries()) {
      const info = await this.deps.fs.stat(p.isAbsolute(f) ? f : p.join(projectDir, f));
      if (info.kind !== 'file' || !info.readable) {
        throw appError(
          'INVALID_INPUT',
          info.kind === 'missing' ? `The definition file ${f} does not exist.` : `${f} is not a readable file.`,
          {
            hint: 'Name files relative to the project folder, or give absolute paths.',
            details: { field: `files.${i}` },
          },
        );
      }
    }
    return { projectDir, files: input.files, overrides: input.overrides, variables: input.variables };
  }

  private absoluteFiles(projectDir: string, files: readonly string[]): string[] {
    const p = pathFor(projectDir);
    return files.map((f) => (p.isAbsolute(f) ? f : p.join(projectDir, f)));
  }

  private async readDefinitions(files: readonly string[]): Promise<{ file: string; text: string }[]> {
    const out: { file: string; text: string }[] = [];
    for (const file of files) {
      const text = await this.deps.fs.readText(file, 1024 * 1024);
      if (text !== undefined) out.push({ file, text });
    }
    return out;
  }

  /** A target whose Dockerfile is not on disk, with the file and line that declare it. */
  private async dockerfileProblem(
    projectDir: string,
    name: string,
    printed: BakePrint['targets'][string],
    texts: readonly { file: string; text: string }[],
  ): Promise<BakeTarget['problem']> {
    const path = dockerfilePath(projectDir, printed);
    if (path === undefined) return undefined;
    const ctx = contextPath(projectDir, printed.context);
    const ctxInfo = ctx ? await this.deps.fs.stat(ctx) : undefined;
    const info = await this.deps.fs.stat(path);
    if (info.kind === 'file' && ctxInfo?.kind !== 'missing') return undefined;
    // The last file that declares the target wins, as in buildx (later files override earlier ones).
    let where: { file: string; line?: number } | undefined;
    for (const { file, text } of texts) {
      const found = locateTarget(text, name, fileKind(file));
      if (found) where = { file, line: found.dockerfileLine ?? found.line };
    }
    where ??= texts[0] ? { file: texts[0].file } : undefined;
    const rel = pathFor(projectDir).relative(projectDir, path) || path;
    const message =
      ctxInfo?.kind === 'missing'
        ? `Target "${name}": its context ${printed.context} does not exist.`
        : `Target "${name}": its Dockerfile ${rel} does not exist.`;
    return { message, ...(where ? { file: where.file } : {}), ...(where?.line ? { line: where.line } : {}) };
  }

  // -- running -------------------------------------------------------------------------------

  commandLine(request: BakeRequest): { argv: string[]; env: string[]; text: string } {
    return { argv: bakeArgv(request), env: bakeEnv(request), text: bakeCommandText(request) };
  }

  /** Resolves the request against the definition and the builder, then starts buildx and returns. */
  async start(request: BakeRequest): Promise<{ bakeId: string }> {
    const { fs, runner, buildx, clock } = this.deps;
    const args = await this.definitionArgs({ ...request, overrides: effectiveOverrides(request) });
    if (request.metadataFile) await checkWritableFileDir(fs, request.metadataFile, 'metadataFile');
    const call = { timeoutMs: this.options.checkTimeoutMs };
    const printed = await this.deps.definitions.print(args, request.targets, call);
    const names = orderedTargets(printed, request.targets);
    if (names.length === 0) {
      throw appError('INVALID_INPUT', 'Nothing to build: the groups asked for have no targets.', {
        hint: 'Pick targets, or a group that lists some.',
        details: { field: 'targets' },
      });
    }
    const texts = await this.readDefinitions(this.absoluteFiles(args.projectDir, printed.files));
    for (const name of names) {
      const t = printed.targets[name];
      const problem = t ? await this.dockerfileProblem(args.projectDir, name, t, texts) : undefined;
      if (problem) {
        throw appError('INVALID_INPUT', problem.message, {
          hint: problem.line
            ? `Fix line ${problem.line} of ${problem.file ?? 'the definition'} (or add the file), then start again.`
            : 'Add the Dockerfile or fix the definition, then start again.',
          details: { field: 'targets', target: name, file: problem.file, line: problem.line },
        });
      }
    }
    await buildx.info();
    // The docker driver refuses several platforms: name the first target that asks for them.
    const multi = names.find((n) => (printed.targets[n]?.platforms.length ?? 0) > 1);
    const builder = await this.checks.prepare(
      request.builder,
      multi ? (printed.targets[multi]?.platforms.length ?? 0) : 1,
      multi ? `Target "${multi}"` : undefined,
    );
    const defaultPlatform = builder.nodes[0]?.platforms[0] ?? runner.hostPlatform();

    const bakeId = `k${clock.now().toString(36)}${(this.counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const resolved: BakeRequest = { ...request, projectDir: args.projectDir };
    const command = bakeArgv(resolved);
    const r: Running = {
      bakeId,
      request: resolved,
      snapshot: createBakeSnapshot(bakeId),
      outbox: new Outbox(
        (firstIndex, events) => this.deps.events.emit('bake.progressed', { bakeId, firstIndex, events }),
        this.options.coalesceMs,
      ),
      attributor: new BakeAttributor(names),
      abort: new AbortController(),
      cancelRequested: false,
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
        files: this.absoluteFiles(args.projectDir, printed.files),
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
      const argv = bakeArgv(r.request, { progress: 'rawjson', metadataFile });
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
    r.outbox.flush();
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
    if (events.length === 0) return;
    r.snapshot = reduceBakeEvents(r.snapshot, events);
    r.outbox.push(events);
  }

  get(bakeId: string): BakeSnapshot {
    return this.bakes.get(bakeId).snapshot;
  }

  /** Resolves when the bake has ended (tests, CLI). */
  wait(bakeId: string): Promise<BakeSnapshot> {
    return this.bakes.wait(bakeId);
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
