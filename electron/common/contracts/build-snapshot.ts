import { z } from 'zod';

/**
 * What a build looks like to every feature: the normalised progress events (buildx's rawjson, parsed),
 * the snapshot THE reducer makes of them (common/progress), its one-line summary and its list row.
 * Builds, bakes and History (BuildKit's records replayed, BuildDeck's records kept) share these
 * shapes, so a lane, a step or an error means the same thing wherever it is drawn.
 */

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
  /** The image ID (config digest): what `docker images` shows and `buildx build -q` prints. */
  imageId: z.string().optional(),
  imageName: z.string().optional(),
  /** `buildx.build.ref` (builder/node/ref): the key into `buildx history`. */
  ref: z.string().optional(),
  /** Why it failed when no step error or buildx error block says so (unreachable builder...). */
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  hint: z.string().optional(),
});

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
  /**
   * Of the `dropped` head lines, how many the core still holds but did not send: `builds.get` sends
   * a long log's tail only (each line once), and `builds.logs` pages the rest in on demand.
   */
  held: z.number().optional(),
});
export type LogList = z.infer<typeof logList>;

/**
 * Only on the way to a window, never from buildx: a batch with more output than a window can show
 * (see `eventsForWindows`) is sent with its `log` events left out and this one at its end, carrying
 * the core's log tails after the batch. The receiver replaces the lists it names; the lines before
 * each tail are `held` at the core (`builds.logs` pages them in). `events` is how many `log` events
 * it stands for, so event numbering (`firstIndex`, `eventCount`) stays the core's.
 */
export const logSyncEvent = z.object({
  type: z.literal('logSync'),
  events: z.number().int().positive(),
  log: logList,
  steps: z.record(
    z.string(),
    z.object({
      logs: logList,
      pending: z.record(z.string(), z.string()),
      /**
       * The step's last `fromLog` lines are not in `logs` (which counts only the lines it carries) but
       * are this step's last lines in the sync's own `log`: while one step floods, its tail and the
       * build log's are the same lines, and sending them twice was a third of every flood message.
       */
      fromLog: z.number().int().positive().optional(),
    }),
  ),
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
  logSyncEvent,
]);
export type BuildEvent = z.infer<typeof buildEvent>;
export type BuildEventOf<T extends BuildEvent['type']> = Extract<BuildEvent, { type: T }>;

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
  imageId: z.string().optional(),
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
  /** The image ID (config digest), when the exporter reported one. */
  imageId: z.string().optional(),
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
