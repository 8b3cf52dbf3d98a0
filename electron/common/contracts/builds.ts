import { z } from 'zod';
import { builderName } from '../domain';
import { absolutePath, PLATFORM_PATTERN, platform } from '../builders/fields';
import { noNul } from '../validation';

/**
 * Builds: start any build on any builder, watch it per platform, cancel it, list it.
 *
 * Flow for a UI:
 *  1. `builds.start` returns `{buildId}` at once (validation and builder checks happen first, so
 *     a bad request or a multi-platform build on the docker driver fails here as a value).
 *  2. `build.progressed` events carry batches of normalised {@link BuildEvent}s (coalesced ~50 ms).
 *     Feed them to `applyProgress` / `reduceBuildEvents` from `common/progress` to get a
 *     {@link BuildSnapshot}. `firstIndex` lets a window that (re)loaded mid-build join exactly:
 *     call `builds.get` first, then apply only the events past `snapshot.eventCount`.
 *  3. `build.finished` tells listeners (toasts, history) a build ended, with its summary.
 */

// ---------------------------------------------------------------------------------------------
// Validation: everything that reaches `docker buildx build` as an argument is checked here.

/** Absolute paths and platforms follow the one set of rules (common/validation.ts, builders/fields.ts). */
export { absolutePath, PLATFORM_PATTERN, platform };

/**
 * An image reference as `docker tag` accepts it: [registry[:port]/]path[:tag][@digest].
 * Path components lowercase; tags up to 128 characters.
 */
export const IMAGE_REF_PATTERN =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageRef = z
  .string()
  .max(255)
  .regex(IMAGE_REF_PATTERN, 'must be an image reference like registry:5000/name:tag');

/** Build-arg and environment-variable names: shell identifiers. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().max(256).regex(ENV_NAME_PATTERN, 'must be a name like MY_ARG (letters, digits, _)');

/** Dockerfile stage names (FROM ... AS name). */
export const STAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Secret ids end up in `--secret id=...,src=...`: no commas or '=' that would inject fields. */
const secretId = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must contain only letters, digits, ".", "_" or "-"');

/** A value that goes inside a comma-separated buildx option (`type=local,dest=...`). */
const csvSafePath = absolutePath.refine((p) => !/[,"\n\r]/.test(p), 'must not contain commas, quotes or newlines');

const boundedText = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL');

export const buildSecret = z
  .object({
    id: secretId,
    /** Read from this file by buildx; the file's content is never read by BuildDeck. */
    src: csvSafePath.optional(),
    /** Read from this environment variable of the core's process. */
    env: envName.optional(),
  })
  .strict()
  .refine((s) => (s.src === undefined) !== (s.env === undefined), {
    error: 'give exactly one of src or env',
    path: ['src'],
  });
export type BuildSecret = z.infer<typeof buildSecret>;

/**
 * `--ssh default` (the agent in SSH_AUTH_SOCK) or `--ssh id=path[,path]` (agent sockets or keys).
 * Like secrets, only the id and where buildx reads from cross; BuildDeck never opens a key.
 */
export const buildSsh = z
  .object({
    id: secretId,
    paths: z.array(csvSafePath).max(8).default([]),
  })
  .strict();
export type BuildSsh = z.infer<typeof buildSsh>;

export const buildOutput = z.discriminatedUnion('type', [
  /** Load into the Docker image store (`--load`). */
  z.object({ type: z.literal('load') }).strict(),
  /** Push to the registry named by the tags (`--push`). */
  z.object({ type: z.literal('push') }).strict(),
  /** Export the filesystem into a directory. */
  z.object({ type: z.literal('local'), dest: csvSafePath }).strict(),
  /** An OCI layout or docker-archive tarball. */
  z.object({ type: z.enum(['oci', 'docker']), dest: csvSafePath }).strict(),
  /** Result stays in the build cache only (useful to check that a Dockerfile builds). */
  z.object({ type: z.literal('cacheonly') }).strict(),
]);
export type BuildOutput = z.infer<typeof buildOutput>;

const registryRef = z.string().max(255).regex(IMAGE_REF_PATTERN, 'must be an image reference for the cache');
export const cacheFrom = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registry'), ref: registryRef }).strict(),
  z.object({ type: z.literal('local'), src: csvSafePath }).strict(),
]);
export const cacheTo = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registry'), ref: registryRef, mode: z.enum(['min', 'max']).optional() }).strict(),
  z.object({ type: z.literal('local'), dest: csvSafePath, mode: z.enum(['min', 'max']).optional() }).strict(),
  /** Cache metadata inside the image itself (`type=inline`). */
  z.object({ type: z.literal('inline') }).strict(),
]);

const labelKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be a label key like org.opencontainers.image.title');

const uniqueArray = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a value');

/**
 * What to build. Secrets are passed to buildx as `--secret id=..,src=..|env=..`; BuildDeck never
 * reads their values, and the request stored in history leaves them out.
 */
export const buildRequest = z
  .object({
    /** Absolute path of the context folder; the core re-checks it exists, is a directory, is readable. */
    contextDir: absolutePath,
    /** Dockerfile path, relative to the context or absolute; default: buildx's (`Dockerfile`). */
    dockerfile: boundedText(4096)
      .min(1)
      .refine((p) => p !== '-', 'stdin is not supported')
      .optional(),
    /** Builder name; default: the current builder. */
    builder: builderName.optional(),
    /** Empty: the builder's default platform. More than one needs a docker-container/remote/kubernetes builder. */
    platforms: uniqueArray(platform, 16).default([]),
    tags: uniqueArray(imageRef, 32).default([]),
    buildArgs: z.record(envName, boundedText(65_536)).default({}),
    /**
     * Build args whose values buildx takes from the core's environment (`--build-arg NAME` with the
     * variable set for the child): the value never reaches a command line (/proc/PID/cmdline), an
     * event or history, which keep only the name.
     */
    envBuildArgs: uniqueArray(envName, 64).optional(),
    target: z.string().regex(STAGE_PATTERN, 'must be a stage name from the Dockerfile').optional(),
    noCache: z.boolean().default(false),
    /** Always pull base images (`--pull`). */
    pull: z.boolean().default(false),
    secrets: z.array(buildSecret).max(32).default([]),
    /** Empty: the builder's default (the docker driver loads into Docker; others keep cache only). */
    outputs: z.array(buildOutput).max(4).default([]),
    cacheFrom: z.array(cacheFrom).max(8).default([]),
    cacheTo: z.array(cacheTo).max(8).default([]),
    labels: z.record(labelKey, boundedText(4096)).default({}),
    /** SSH agent sockets or keys the Dockerfile mounts (`RUN --mount=type=ssh`). */
    ssh: z.array(buildSsh).max(8).optional(),
    /** Network mode of RUN steps (`--network`); default: the builder's. */
    network: z.enum(['default', 'none', 'host']).optional(),
    /** Also write buildx's metadata (digest, image name, BuildKit ref) to this file. */
    metadataFile: absolutePath.optional(),
  })
  .strict();
/** What callers send (defaults may be omitted). */
export type BuildRequestInput = z.input<typeof buildRequest>;
/** What the core works with (defaults filled in). */
export type BuildRequest = z.output<typeof buildRequest>;

// ---------------------------------------------------------------------------------------------
// Normalised progress events: what the buildx rawjson parser produces and the reducer consumes.
// Times are epoch milliseconds. Text is already decoded (base64 → UTF-8).

/** The core's first event for a build: what ran where. */
export const buildStartedEvent = z.object({
  type: z.literal('started'),
  at: z.number(),
  builder: z.string(),
  driver: z.string(),
  /** Requested platforms; empty means the builder's default platform. */
  platforms: z.array(z.string()),
  /** The builder's native platform: the lane of a single-platform build whose steps carry no prefix. */
  defaultPlatform: z.string().optional(),
  contextDir: z.string(),
  dockerfile: z.string().optional(),
  target: z.string().optional(),
  tags: z.array(z.string()),
  /** The equivalent command, as an argument array (display only; secrets never carry values). */
  command: z.array(z.string()),
});

/** A BuildKit vertex (one solve step), re-sent whole as it changes; merged by digest. */
export const vertexEvent = z.object({
  type: z.literal('vertex'),
  digest: z.string(),
  name: z.string(),
  inputs: z.array(z.string()).optional(),
  started: z.number().optional(),
  completed: z.number().optional(),
  cached: z.boolean().optional(),
  error: z.string().optional(),
});

/** A byte/item counter of a vertex (layer pull, context transfer, export). */
export const statusEvent = z.object({
  type: z.literal('status'),
  vertex: z.string(),
  id: z.string(),
  name: z.string().optional(),
  current: z.number(),
  total: z.number().optional(),
  started: z.number().optional(),
  completed: z.number().optional(),
  at: z.number().optional(),
});

/** Output of a step, decoded; chunks are not line-aligned (the reducer splits lines). */
export const logEvent = z.object({
  type: z.literal('log'),
  vertex: z.string(),
  /** 1 stdout, 2 stderr. */
  stream: z.number(),
  data: z.string(),
  at: z.number().optional(),
});

export const sourceRange = z.object({ start: z.number(), end: z.number() });

/** A BuildKit warning (build checks, deprecations), decoded. */
export const warningEvent = z.object({
  type: z.literal('warning'),
  vertex: z.string().optional(),
  level: z.number().optional(),
  short: z.string(),
  detail: z.array(z.string()),
  url: z.string().optional(),
  file: z.string().optional(),
  /** The source file's text when BuildKit sent it (for the snippet at `ranges`). */
  source: z.string().optional(),
  ranges: z.array(sourceRange),
});

/** A plain-text line buildx printed outside the JSON (`WARNING: No output specified ...`). */
export const textEvent = z.object({ type: z.literal('text'), text: z.string() });

export const snippetLine = z.object({
  line: z.number(),
  text: z.string(),
  /** The line buildx marked with `>>>`: where the error is. */
  marked: z.boolean(),
});
export type SnippetLine = z.infer<typeof snippetLine>;

/** The plain-text error buildx prints after the JSON on failure, parsed. */
export const errorEvent = z.object({
  type: z.literal('error'),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  snippet: z.array(snippetLine),
});

/** The core's last event: how buildx ended and what the metadata file said. */
export const buildFinishedEvent = z.object({
  type: z.literal('finished'),
  at: z.number(),
  /** Built and exported everything it was asked to. */
  ok: z.boolean(),
  /** Stopped by builds.cancel (not a failure). */
  cancelled: z.boolean(),
  exitCode: z.number().nullable(),
  digest: z.string().optional(),
  imageName: z.string().optional(),
  /** `buildx.build.ref` (builder/node/ref): the key into `buildx history`. */
  ref: z.string().optional(),
  /** Why it failed when no step error or buildx error block says so (unreachable builder...). */
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  hint: z.string().optional(),
});

export const buildEvent = z.discriminatedUnion('type', [
  buildStartedEvent,
  vertexEvent,
  statusEvent,
  logEvent,
  warningEvent,
  textEvent,
  errorEvent,
  buildFinishedEvent,
]);
export type BuildEvent = z.infer<typeof buildEvent>;
export type BuildEventOf<T extends BuildEvent['type']> = Extract<BuildEvent, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Snapshot: what `reduceBuild` makes of the events. Serialisable (crosses IPC for `builds.get`).

export const STEP_STATES = ['queued', 'running', 'cached', 'done', 'failed', 'cancelled'] as const;
export const stepState = z.enum(STEP_STATES);
export type StepState = z.infer<typeof stepState>;

export const BUILD_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const buildStatus = z.enum(BUILD_STATUSES);
export type BuildStatus = z.infer<typeof buildStatus>;

/** One output line; the same object sits in its step's log and in the combined log. */
export const logLine = z.object({
  /** Arrival order across the whole build: the combined view's order. */
  seq: z.number(),
  step: z.string(),
  stream: z.number(),
  text: z.string(),
  at: z.number().optional(),
});
export type LogLine = z.infer<typeof logLine>;

/**
 * An append-only, capped list of lines stored in fixed-size chunks so appending never copies the
 * whole list (only the last chunk). Index with `logLineAt(list, i)` for i in [0, length).
 * When over its cap, whole chunks are dropped from the head and counted in `dropped`.
 */
export const logList = z.object({
  chunks: z.array(z.array(logLine)),
  length: z.number(),
  dropped: z.number(),
  /** Characters of text kept (for the character cap); absent on lists built without the reducer. */
  chars: z.number().optional(),
});
export type LogList = z.infer<typeof logList>;

export const transfer = z.object({
  id: z.string(),
  name: z.string().optional(),
  current: z.number(),
  total: z.number().optional(),
  done: z.boolean(),
});
export type Transfer = z.infer<typeof transfer>;

export const step = z.object({
  /** The vertex digest. */
  id: z.string(),
  /** Key of the lane it belongs to (a platform like `linux/arm64`, or `shared`). */
  lane: z.string(),
  /** The vertex name as BuildKit sent it. */
  name: z.string(),
  /** The name without its `[...]` prefix: `RUN echo hi`. */
  title: z.string(),
  /** Platform from the prefix, if any. */
  platform: z.string().optional(),
  /** Dockerfile stage from the prefix (`build` in `[linux/arm64 build 2/3]`). */
  stage: z.string().optional(),
  /** `n` and `m` of `[n/m]`. */
  index: z.number().optional(),
  total: z.number().optional(),
  /** Carries the Dockerfile frontend's step prefix `[... n/m]`: counts in the per-platform summary. */
  isStep: z.boolean(),
  /** An `[internal]` / `[platform internal]` step (definitions, metadata, context). */
  internal: z.boolean(),
  state: stepState,
  cached: z.boolean(),
  startedAt: z.number().optional(),
  completedAt: z.number().optional(),
  /** Set once completed; for a running step compute `now - startedAt`. */
  durationMs: z.number().optional(),
  error: z.string().optional(),
  inputs: z.array(z.string()),
  /** Byte/item counters (bounded to the latest 64 per step). */
  transfers: z.array(transfer),
  /** Sum over transfers that know their total: drives one progress bar per step. */
  bytesCurrent: z.number(),
  bytesTotal: z.number(),
  logs: logList,
  /** Unterminated output, per stream, waiting for its newline. */
  pending: z.record(z.string(), z.string()),
  /** Order of first appearance across the build. */
  order: z.number(),
});
export type Step = z.infer<typeof step>;

export const laneSummary = z.object({
  ok: z.boolean(),
  state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  /** First start to last completion of the lane's steps. */
  wallMs: z.number(),
  /** Steps carrying the frontend's `[n/m]` prefix. */
  steps: z.number(),
  cachedSteps: z.number(),
  /** cachedSteps / steps; null with no steps. */
  cacheHitRatio: z.number().nullable(),
  /** The first failing step's error in this lane. */
  error: z.string().optional(),
  failedStep: z.string().optional(),
});
export type LaneSummary = z.infer<typeof laneSummary>;

export const lane = z.object({
  /** A platform (`linux/amd64`) or `shared` for steps of no platform (internal, export). */
  key: z.string(),
  kind: z.enum(['platform', 'shared']),
  /** Step ids (vertex digests) in order of first appearance. */
  steps: z.array(z.string()),
  summary: laneSummary,
});
export type Lane = z.infer<typeof lane>;

export const buildWarning = z.object({
  step: z.string().optional(),
  level: z.number().optional(),
  short: z.string(),
  detail: z.array(z.string()),
  url: z.string().optional(),
  file: z.string().optional(),
  /** First line of the first range (1-based), i.e. the Dockerfile line. */
  line: z.number().optional(),
  snippet: z.array(snippetLine),
});
export type BuildWarning = z.infer<typeof buildWarning>;

/** What went wrong, assembled from the failing vertex, its logs and buildx's error block. */
export const buildFailure = z.object({
  message: z.string(),
  /** The failing step (vertex digest) and its lane. */
  step: z.string().optional(),
  lane: z.string().optional(),
  file: z.string().optional(),
  line: z.number().optional(),
  /** The Dockerfile lines around the error, with the failing one marked. */
  snippet: z.array(snippetLine),
  /** The failing step's last output lines. */
  lastLogLines: z.array(z.string()),
  /** An AppError code when the core knows the class of failure (BUILDER_UNREACHABLE...). */
  code: z.string().optional(),
  hint: z.string().optional(),
  /** buildx's own words when the core's class replaced them as the message (a transport error). */
  cause: z.string().optional(),
});
export type BuildFailure = z.infer<typeof buildFailure>;

export const buildResult = z.object({
  ok: z.boolean(),
  cancelled: z.boolean(),
  exitCode: z.number().nullable(),
  digest: z.string().optional(),
  imageName: z.string().optional(),
  ref: z.string().optional(),
  durationMs: z.number(),
});
export type BuildResult = z.infer<typeof buildResult>;

export const buildInfo = z.object({
  builder: z.string(),
  driver: z.string(),
  platforms: z.array(z.string()),
  defaultPlatform: z.string().optional(),
  contextDir: z.string(),
  dockerfile: z.string().optional(),
  target: z.string().optional(),
  tags: z.array(z.string()),
  command: z.array(z.string()),
});
export type BuildInfo = z.infer<typeof buildInfo>;

export const buildLimits = z.object({
  /** Lines kept in the combined log (oldest chunks dropped beyond). */
  maxLogLines: z.number(),
  /** Lines kept per step. */
  maxStepLogLines: z.number(),
  /**
   * Characters of text kept in the combined log and in each step's (oldest chunks dropped beyond):
   * the line caps alone allowed 200k lines of 8 KiB. Characters bound memory (V8 strings) and equal
   * bytes for ASCII logs.
   */
  maxLogChars: z.number().optional(),
  /** Longer lines are cut (with a marker) so one minified blob cannot stall a view. */
  maxLineLength: z.number(),
  maxWarnings: z.number(),
  maxMessages: z.number(),
});
export type BuildLimits = z.infer<typeof buildLimits>;

export const buildSnapshot = z.object({
  buildId: z.string(),
  status: buildStatus,
  /** Events reduced so far: match it against `build.progressed.firstIndex`. */
  eventCount: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  info: buildInfo.optional(),
  /** Platform lanes (in order of appearance, requested platforms first), then `shared`. */
  lanes: z.array(lane),
  steps: z.record(z.string(), step),
  /** Every step's lines in arrival order. */
  log: logList,
  warnings: z.array(buildWarning),
  /** Plain-text lines buildx printed outside the JSON. */
  messages: z.array(z.string()),
  error: buildFailure.optional(),
  result: buildResult.optional(),
  limits: buildLimits,
});
export type BuildSnapshot = z.infer<typeof buildSnapshot>;

/** The CLI's last `--json` line and `build.finished`'s payload: one line a script can check. */
export const platformSummary = z.object({
  platform: z.string(),
  ok: z.boolean(),
  steps: z.number(),
  cachedSteps: z.number(),
  cacheHitRatio: z.number().nullable(),
  durationMs: z.number(),
  error: z.string().optional(),
});
export const buildSummary = z.object({
  type: z.literal('summary'),
  buildId: z.string(),
  status: buildStatus,
  ok: z.boolean(),
  cancelled: z.boolean(),
  digest: z.string().nullable(),
  imageName: z.string().nullable(),
  durationMs: z.number(),
  platforms: z.array(platformSummary),
  error: z.string().optional(),
});
export type BuildSummary = z.infer<typeof buildSummary>;

/** A row of `builds.list`: enough for a list, without logs. */
export const buildListItem = z.object({
  buildId: z.string(),
  status: buildStatus,
  contextDir: z.string(),
  builder: z.string(),
  platforms: z.array(z.string()),
  tags: z.array(z.string()),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  durationMs: z.number().optional(),
  digest: z.string().optional(),
  error: z.string().optional(),
});
export type BuildListItem = z.infer<typeof buildListItem>;

export const contextEntry = z.object({ path: z.string(), bytes: z.number(), files: z.number() });

export const contextInspection = z.object({
  contextDir: z.string(),
  /** After .dockerignore. */
  files: z.number(),
  bytes: z.number(),
  /** The walk stopped at its bounds (file count or time); totals are lower bounds. */
  truncated: z.boolean(),
  /** Largest top-level entries (folders summed) and largest single files. */
  largestEntries: z.array(contextEntry),
  largestFiles: z.array(contextEntry),
  dockerignore: z.boolean(),
  /** E.g. "node_modules (320 MB) is sent to the builder: add it to .dockerignore". */
  warnings: z.array(z.string()),
  /** Dockerfiles found in the context root: Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*. */
  dockerfiles: z.array(z.string()),
  /** The one BuildDeck would use: the requested one, else Dockerfile, else Containerfile, else the first. */
  dockerfile: z.string().optional(),
  targets: z.array(z.object({ name: z.string(), description: z.string().optional(), base: z.string().optional() })),
  /** Where the targets came from: buildx `--call=targets`, or BuildDeck reading `FROM ... AS`. */
  targetsSource: z.enum(['buildx', 'dockerfile', 'none']),
  /**
   * The Dockerfile names a frontend image (`# syntax=`) other than Docker's own: listing targets
   * with buildx would pull and run it, so the stages were read from the file instead. Send the image
   * back as `trustFrontend` once the user agrees.
   */
  frontendToConfirm: z.string().optional(),
  durationMs: z.number(),
});
export type ContextInspection = z.infer<typeof contextInspection>;

const buildIdInput = z.object({ buildId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a build id') }).strict();

export const buildCommands = {
  /**
   * Starts a build and returns its id at once; progress arrives as `build.progressed`.
   * Fails up front (as a value) for a missing/unreadable context, an unknown or unreachable builder,
   * or several platforms on the docker driver (INVALID_INPUT with a hint to use a docker-container builder).
   */
  'builds.start': { input: buildRequest, output: z.object({ buildId: z.string() }) },
  /** The current snapshot of a running or recent build: what a reloaded window replays from. */
  'builds.get': { input: buildIdInput, output: buildSnapshot },
  /** Interrupts buildx (SIGINT, then SIGTERM) so BuildKit cancels the solve; the build ends `cancelled`. */
  'builds.cancel': { input: buildIdInput, output: z.object({ cancelled: z.boolean() }) },
  /** Running builds and the recent ones this core ran (newest first). */
  'builds.list': { input: z.object({}).strict(), output: z.array(buildListItem) },
  /** The equivalent `docker buildx build` command: argv plus a shell-quoted line for display. */
  'builds.commandLine': {
    input: buildRequest,
    output: z.object({ argv: z.array(z.string()), text: z.string() }),
  },
  /**
   * Size and file count of a context after .dockerignore, its largest entries, warnings for big
   * folders that are not ignored, the Dockerfiles found and the targets they offer.
   */
  'builds.inspectContext': {
    input: z
      .object({
        contextDir: absolutePath,
        dockerfile: boundedText(4096).min(1).optional(),
        /** The builder the form chose: the targets probe runs there (default: the current one). */
        builder: builderName.optional(),
        /** The `# syntax=` frontend image the user agreed to run for the targets probe. */
        trustFrontend: boundedText(1024).optional(),
      })
      .strict(),
    output: contextInspection,
  },
} as const;

export const buildEvents = {
  /** A build began (from any window, the tray or a rerun). */
  'build.started': z.object({
    buildId: z.string(),
    contextDir: z.string(),
    builder: z.string(),
    platforms: z.array(z.string()),
  }),
  /**
   * A batch of normalised events. `firstIndex` is the index of `events[0]` in the build's event
   * sequence: skip what `builds.get` already reduced (index < snapshot.eventCount), refetch on a gap.
   */
  'build.progressed': z.object({ buildId: z.string(), firstIndex: z.number(), events: z.array(buildEvent) }),
  /** A build ended; its final summary (also the CLI's last line). */
  'build.finished': z.object({ buildId: z.string(), summary: buildSummary }),
} as const;
