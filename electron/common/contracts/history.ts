import { z } from 'zod';
import { builderName } from '../domain';
import {
  absolutePath,
  buildEvent,
  buildListItem,
  buildRequest,
  buildSecret,
  buildSnapshot,
  buildStatus,
  buildSummary,
  buildWarning,
  snippetLine,
  stepState,
} from './builds';

/**
 * History, two views of it:
 *  - BuildDeck's own records (`history.list/get/delete/rerun`): every build BuildDeck ran (desktop,
 *    tray, CLI, serve), from the embedded database, with the request needed to re-run it. A build
 *    that was running when its BuildDeck process died shows as `interrupted`.
 *  - Every build record (`history.records` and the commands after it, further down): BuildKit's
 *    records from any client merged with BuildDeck's.
 */

/** A recorded build: what `builds.list` says of a build, plus what only the record keeps. */
export const historyItem = buildListItem.extend({
  dockerfile: z.string().optional(),
  driver: z.string(),
  imageName: z.string().optional(),
  /** `builder/node/ID`: the BuildKit record of this build (`history.records` ids), once buildx reported it. */
  ref: z.string().optional(),
  /** Frontend steps (`[n/m]`) over all platforms, and how many of them were cache hits. */
  steps: z.number(),
  cachedSteps: z.number(),
});
export type HistoryItem = z.infer<typeof historyItem>;

export const historyStep = z.object({
  id: z.string(),
  lane: z.string(),
  name: z.string(),
  state: stepState,
  cached: z.boolean(),
  isStep: z.boolean(),
  startedAt: z.number().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
});
export type HistoryStep = z.infer<typeof historyStep>;

export const historyLogLine = z.object({ step: z.string(), stream: z.number(), text: z.string() });

export const historyEntry = z.object({
  item: historyItem,
  /** The request as sent, without secrets (see `secretIds`). */
  request: buildRequest,
  /** Ids of the secrets the build used; a rerun must supply them again. */
  secretIds: z.array(z.string()),
  summary: buildSummary.optional(),
  steps: z.array(historyStep),
  /** The combined log, capped to its last lines. */
  logs: z.array(historyLogLine),
  logsTruncated: z.boolean(),
  failure: z
    .object({
      message: z.string(),
      file: z.string().optional(),
      line: z.number().optional(),
      snippet: z.array(snippetLine),
      lastLogLines: z.array(z.string()),
    })
    .optional(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

// ---------------------------------------------------------------------------------------------
// Every build on every builder: BuildKit's own history records (any client: a terminal, compose,
// bake, CI scripts, BuildDeck) merged with BuildDeck's records, deduplicated by BuildKit ref.
//
// Flow for a UI:
//  1. `history.capabilities` once: which parts the installed buildx unlocks (and the notice if not).
//  2. `history.records` for the list (filters: builder, status, folder, text, origin); refetch on
//     `history.recordsChanged` and `history.changed`. While the History view is on screen, call
//     `history.watch` (and again before `until`): BuildKit is then polled often enough that a build
//     started in a terminal appears as `running` within 2 s. Without a watch lease the core polls
//     slowly, and only while a window listens; never for the CLI.
//  3. `history.details` for one record; `history.logs` for its lines; `history.runs` for the runs
//     of the same build; `history.why` for the cache-miss explanation.
//  4. Live (or replayed) progress: `history.attach` returns a stream id and the snapshot reduced so
//     far; `history.progressed` carries batches of the SAME normalised {@link BuildEvent}s that
//     `build.progressed` carries: feed them to `reduceBuildEvents` (common/progress) for the same
//     lanes. Skip events with index < snapshot.eventCount. `history.streamEnded` closes it;
//     `history.detach` stops it early.
//  5. `history.export` writes a `.dockerbuild` file; `history.open` reads one (no Docker needed)
//     and gives its records ids (`file:...`) that every command above accepts.
//  6. `history.remove` deletes exactly the records named (BuildKit's and/or BuildDeck's copy).
// ---------------------------------------------------------------------------------------------

/**
 * How a record is named across every command:
 *  - a BuildKit ref `builder/node/ID` (what `docker buildx history ls` prints as `ref`, and what
 *    `--metadata-file` calls `buildx.build.ref`): the canonical id of every record BuildKit has or had;
 *  - a bare BuildKit `ID` (input only; resolved over the builders, narrowed by `builder` where given);
 *  - a BuildDeck build id (`b...`): canonical only for BuildDeck builds that never got a ref
 *    (buildx failed before solving, or buildx < 0.20 did not report it);
 *  - `file:TOKEN` or `file:TOKEN.N` (the N-th record, from 0): a record read from a `.dockerbuild`
 *    file by `history.open` (held in memory by the core until it restarts or `history.close`).
 */
export const recordId = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(?:file:[A-Za-z0-9_-]{1,64}(?:\.\d{1,4})?|[A-Za-z0-9_-]{1,64}|[a-zA-Z][a-zA-Z0-9_.-]{0,62}\/[A-Za-z0-9_.-]{1,128}\/[A-Za-z0-9_-]{1,64})$/,
    'must be a build record id: builder/node/ID, ID, a BuildDeck build id or file:TOKEN',
  );

/** Whether the builder that ran a record can still be asked about it. */
export const recordBuilderState = z.enum([
  /** Listed by buildx and answering: BuildKit's record is readable. */
  'available',
  /** Exists but is not running (a stopped docker-container builder): not started just to read history. */
  'stopped',
  /** buildx no longer knows this builder: only BuildDeck's own record remains. */
  'removed',
  /** Exists but did not answer in time (or answered with an error). */
  'unreachable',
  /** buildx is older than 0.20, or the builder's BuildKit keeps no history (< 0.11). */
  'unsupported',
  /** A record read from a `.dockerbuild` file: no builder involved. */
  'file',
]);
export type RecordBuilderState = z.infer<typeof recordBuilderState>;

/** Where a record came from, as far as BuildKit's attributes and buildx's local state tell. */
export const recordSource = z.object({
  kind: z.enum(['local', 'git', 'url', 'bake', 'stdin', 'unknown']),
  /** Absolute context folder (BuildDeck's record or buildx's local state on this machine). */
  contextDir: z.string().optional(),
  /** Remote context (git or https URL). */
  url: z.string().optional(),
  /** Dockerfile path as given: relative to the context, or absolute. */
  dockerfile: z.string().optional(),
  target: z.string().optional(),
  /** A bake target's name (bake runs; see `kind` on the item). */
  bakeTarget: z.string().optional(),
});
export type RecordSource = z.infer<typeof recordSource>;

/** BuildKit's step counts: every vertex, internal ones too (the numbers `buildx history ls` prints). */
export const recordCounts = z.object({
  total: z.number(),
  completed: z.number(),
  cached: z.number(),
});

/**
 * One row of the merged list. A BuildDeck build that BuildKit also recorded appears ONCE, with
 * both `ref` and `buildId`; BuildKit's facts win where both know a value, BuildDeck adds the
 * request (tags, outputs, secret ids) and keeps the record after the builder is gone.
 */
export const historyRecordItem = z.object({
  /** Canonical id (see {@link recordId}): what every other history command takes. */
  id: z.string(),
  /** `builder/node/ID` when BuildKit recorded the build. */
  ref: z.string().optional(),
  /** BuildDeck's build id when BuildDeck ran it (rerun and `history.get` use it). */
  buildId: z.string().optional(),
  /** `build` today; bake runs use `bake` with `children` (the ids of each target's record). */
  kind: z.enum(['build', 'bake']),
  children: z.array(z.string()).optional(),
  /** Set on a bake target's build: the id of its bake run. */
  parent: z.string().optional(),
  /** The builder's name ('' for a record read from a file that did not say). */
  builder: z.string(),
  node: z.string().optional(),
  driver: z.string().optional(),
  builderState: recordBuilderState,
  /** What buildx shows as NAME: the context folder's name, a bake target, or a git URL. */
  name: z.string(),
  source: recordSource,
  /** `builddeck`: started through BuildDeck (desktop, tray, CLI, serve); `external`: any other client. */
  origin: z.enum(['builddeck', 'external', 'file']),
  /** `running` from BuildKit; `interrupted` only for BuildDeck builds whose process died. */
  status: buildStatus,
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  /** Set once finished (for a running record: now - startedAt). */
  durationMs: z.number().optional(),
  platforms: z.array(z.string()),
  tags: z.array(z.string()),
  counts: recordCounts,
  /** counts.cached / counts.total; null before the record finished or with no steps. */
  cacheHitRatio: z.number().nullable(),
  /** Image (manifest or config) digest when one was exported. */
  digest: z.string().optional(),
  /** First line of the error of a failed or cancelled record. */
  error: z.string().optional(),
  /** Which stores hold this record right now. */
  stored: z.object({ buildkit: z.boolean(), builddeck: z.boolean(), file: z.string().optional() }),
});
export type HistoryRecordItem = z.infer<typeof historyRecordItem>;

/** Something the list cannot show, said once at the top rather than as an error. */
export const historyNotice = z.object({
  kind: z.enum(['buildx-too-old', 'builder-unreachable', 'builder-unsupported', 'builder-stopped']),
  message: z.string(),
  hint: z.string().optional(),
  builder: z.string().optional(),
  /** For `buildx-too-old`: the version that unlocks the feature, and the one installed. */
  requiredVersion: z.string().optional(),
  installedVersion: z.string().optional(),
});
export type HistoryNotice = z.infer<typeof historyNotice>;

/** What the installed buildx unlocks (feature-detected from `buildx version`). */
export const historyCapabilities = z.object({
  buildxVersion: z.string(),
  /** `history ls/logs/rm` (buildx 0.20): BuildKit's records at all, live attach, remove. */
  buildkitRecords: z.boolean(),
  /** `history inspect --format json` (0.21): config, materials, attachments, error source. */
  inspect: z.boolean(),
  /** `history export` (0.23). Opening a `.dockerbuild` file needs no buildx at all. */
  export: z.boolean(),
  /** Present when something is locked: names the feature and the version that unlocks it. */
  notice: historyNotice.optional(),
});
export type HistoryCapabilities = z.infer<typeof historyCapabilities>;

const keyValue = z.object({ name: z.string(), value: z.string() });

/** A step (BuildKit vertex) of a record, for the step list and the timing chart. */
export const recordStep = z.object({
  /** Vertex digest (the key into logs and the reducer's steps). */
  id: z.string(),
  name: z.string(),
  /** Without the `[...]` prefix: `RUN make`. */
  title: z.string(),
  /** `linux/arm64` or `shared` (same keys as the live lanes). */
  lane: z.string(),
  platform: z.string().optional(),
  stage: z.string().optional(),
  index: z.number().optional(),
  total: z.number().optional(),
  /** A Dockerfile step (`[n/m]`); internal and export steps are not. */
  isStep: z.boolean(),
  internal: z.boolean(),
  state: stepState,
  cached: z.boolean(),
  startedAt: z.number().optional(),
  completedAt: z.number().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
  /** Lines of output this step has in `history.logs`. */
  logLines: z.number(),
});
export type RecordStep = z.infer<typeof recordStep>;

/**
 * The timing chart: one bar per step, per lane, in ms from the record's start; and where the wall
 * time went. Every instant of [0, wallMs] is counted once: `executedMs` while at least one step ran
 * that was not a cache hit, else `cachedMs` while only cache hits were being resolved/loaded, else
 * `waitingMs` (nothing running: queueing, session setup, transfers outside steps, the client).
 */
export const recordTiming = z.object({
  startedAt: z.number(),
  wallMs: z.number(),
  lanes: z.array(
    z.object({
      key: z.string(),
      kind: z.enum(['platform', 'shared']),
      bars: z.array(
        z.object({
          stepId: z.string(),
          title: z.string(),
          /** ms from `startedAt`. */
          start: z.number(),
          /** ms from `startedAt`; a running step ends at `wallMs`. */
          end: z.number(),
          cached: z.boolean(),
          state: stepState,
          isStep: z.boolean(),
        }),
      ),
    }),
  ),
  byKind: z.object({ executedMs: z.number(), cachedMs: z.number(), waitingMs: z.number() }),
});
export type RecordTiming = z.infer<typeof recordTiming>;

/** A base image (or other input) the build resolved, from the record's provenance/materials. */
export const recordDependency = z.object({
  /** As recorded: `pkg:docker/local/busybox@latest?platform=linux%2Famd64`, a git or https URL. */
  uri: z.string(),
  kind: z.enum(['image', 'git', 'http', 'local', 'other']),
  /** For images: the reference as written (`local/busybox:latest`). */
  name: z.string().optional(),
  platform: z.string().optional(),
  /** `sha256:...` digests the build resolved it to. */
  digests: z.array(z.string()),
});
export type RecordDependency = z.infer<typeof recordDependency>;

export const recordOutput = z.object({
  /** `image`, `docker` (load), `local`, `tar`, `oci`, `registry`, `cacheonly`... */
  type: z.string(),
  /** Exporter attributes (`name`, `push`, `dest`...): never secrets (BuildKit does not keep any). */
  attrs: z.record(z.string(), z.string()),
});

/** Everything known about one record (Docker Desktop's Builds details, plus BuildDeck's own data). */
export const historyRecordDetails = z.object({
  item: historyRecordItem,
  source: z.object({
    contextDir: z.string().optional(),
    url: z.string().optional(),
    dockerfilePath: z.string().optional(),
    /**
     * The Dockerfile's text: from the record's error source, from BuildDeck's copy taken at build
     * time, or (`disk`) the file as it is now, which may have changed since.
     */
    dockerfile: z
      .object({
        text: z.string(),
        origin: z.enum(['record', 'builddeck', 'disk']),
        /** 1-based lines the error points at (highlight them). */
        errorLines: z.array(z.number()),
        truncated: z.boolean(),
      })
      .optional(),
    vcs: z.object({ repository: z.string().optional(), revision: z.string().optional() }).optional(),
    namedContexts: z.array(keyValue),
  }),
  config: z.object({
    buildArgs: z.array(keyValue),
    /** Secret ids only: values are never read, stored or returned. */
    secretIds: z.array(z.string()),
    sshIds: z.array(z.string()),
    target: z.string().optional(),
    platforms: z.array(z.string()),
    outputs: z.array(recordOutput),
    tags: z.array(z.string()),
    labels: z.array(keyValue),
    noCache: z.boolean(),
    /** `--no-cache-filter` stages. */
    noCacheFilter: z.array(z.string()),
    pull: z.boolean().optional(),
    network: z.string().optional(),
    /** Other frontend attributes, as recorded (cache imports sanitised by BuildKit). */
    other: z.array(keyValue),
  }),
  dependencies: z.array(recordDependency),
  results: z.object({
    imageDigest: z.string().optional(),
    imageNames: z.array(z.string()),
    configDigest: z.string().optional(),
    attachments: z.array(z.object({ digest: z.string(), type: z.string(), platform: z.string().optional() })),
  }),
  steps: z.array(recordStep),
  timing: recordTiming.optional(),
  warnings: z.array(buildWarning),
  error: z
    .object({
      message: z.string(),
      /** gRPC code name BuildKit recorded (`Canceled`, `Unknown`...). */
      code: z.string().optional(),
      stepId: z.string().optional(),
      stepName: z.string().optional(),
      file: z.string().optional(),
      line: z.number().optional(),
      snippet: z.array(snippetLine),
      lastLogLines: z.array(z.string()),
    })
    .optional(),
  /** BuildDeck's own record of it, when it ran the build: rerun needs `request` and `secretIds`. */
  builddeck: z
    .object({
      buildId: z.string(),
      request: buildRequest,
      secretIds: z.array(z.string()),
      /** Context files whose content hash BuildDeck recorded (for `history.why`). */
      hashedFiles: z.number(),
      /** The context had more files than BuildDeck hashes (cap per build): the list is partial. */
      hashesTruncated: z.boolean(),
    })
    .optional(),
  /** What could not be read and why (logs expired, builder stopped, buildx too old...): shown, not thrown. */
  gaps: z.array(z.string()),
});
export type HistoryRecordDetails = z.infer<typeof historyRecordDetails>;

/** A record's output lines, per step or all, capped. */
export const historyRecordLogs = z.object({
  lines: z.array(z.object({ step: z.string(), stream: z.number(), text: z.string(), at: z.number().optional() })),
  /** More lines existed than `limit`, or BuildKit/BuildDeck clipped them. */
  truncated: z.boolean(),
});

/** One run in the "same build over time" chart. */
export const historyRun = z.object({
  id: z.string(),
  startedAt: z.number(),
  durationMs: z.number().optional(),
  status: buildStatus,
  cacheHitRatio: z.number().nullable(),
  counts: recordCounts,
  builder: z.string(),
});

/**
 * What made the build what it is: the same context folder (or name, for records without one),
 * Dockerfile and target. Builder and platforms are not part of it (the chart marks them).
 */
export const historyBuildKey = z.object({
  /** Opaque, stable: `contextDir|dockerfile|target`. */
  key: z.string(),
  contextDir: z.string().optional(),
  name: z.string(),
  dockerfile: z.string(),
  target: z.string().optional(),
});

export const CACHE_MISS_CAUSES = [
  /** The step's instruction text differs (as written in the Dockerfile, or as BuildKit named the step). */
  'instruction-changed',
  /** A build arg the step can see has a different value (named in `args`). */
  'build-arg-changed',
  /** Files this COPY/ADD sends changed (named in `files`, from BuildDeck's per-file content hashes). */
  'files-changed',
  /** The base image resolved to another digest (named in `image`). */
  'base-image-changed',
  /** `--no-cache` (or `--no-cache-filter` for this stage) was set. */
  'no-cache',
  /** An earlier step of the same lane missed first; this one only follows it. */
  'parent-missed',
  /** Nothing recorded explains it (cache pruned, another builder, a different platform...). */
  'unknown',
] as const;

export const cacheMissCause = z.object({
  kind: z.enum(CACHE_MISS_CAUSES),
  /** One sentence: "ARG VERSION changed from 1.2 to 1.3". */
  summary: z.string(),
  /** How we know: which data was compared ("BuildDeck's content hashes of 12 files", "materials"). */
  evidence: z.array(z.string()),
  args: z.array(z.object({ name: z.string(), before: z.string().optional(), after: z.string().optional() })).optional(),
  files: z.array(z.object({ path: z.string(), change: z.enum(['added', 'removed', 'modified']) })).optional(),
  /** More files changed than listed. */
  filesTruncated: z.boolean().optional(),
  image: z.object({ name: z.string(), before: z.string().optional(), after: z.string().optional() }).optional(),
  instruction: z.object({ before: z.string(), after: z.string() }).optional(),
});
export type CacheMissCause = z.infer<typeof cacheMissCause>;

/** Why a run executed a step that an earlier run of the same build had from the cache. */
export const cacheMissExplanation = z.object({
  id: z.string(),
  /** The earlier run compared against (given, or the latest earlier run of the same build). */
  againstId: z.string().optional(),
  verdict: z.enum([
    /** A first missed step was found and at least one cause is known. */
    'explained',
    /** A first missed step was found; the data cannot tell why (see `causes[0].kind === 'unknown'`). */
    'unexplained',
    /** Every step the earlier run had cached was cached again. */
    'no-miss',
    /** No earlier run of the same build to compare with. */
    'no-earlier-run',
  ]),
  firstMiss: z
    .object({
      stepId: z.string(),
      name: z.string(),
      lane: z.string(),
      /** The matching step of the earlier run, which was cached. */
      earlierStepId: z.string().optional(),
      earlierName: z.string().optional(),
    })
    .optional(),
  causes: z.array(cacheMissCause),
  /** What the analysis could not see (no BuildDeck record, no provenance...): why the answer is partial. */
  limits: z.array(z.string()),
});
export type CacheMissExplanation = z.infer<typeof cacheMissExplanation>;

const historyListInput = z
  .object({
    builder: builderName.optional(),
    status: buildStatus.optional(),
    /** Context folder: records built from it (exact path). */
    folder: z.string().max(4096).optional(),
    /** Case-insensitive match on name, context, tags, ref, target, error. */
    text: z.string().max(200).optional(),
    origin: z.enum(['all', 'builddeck', 'external']).default('all'),
    limit: z.number().int().min(1).max(500).default(100),
    /** Only records started before this time (epoch ms): the next page. */
    before: z.number().optional(),
    /** Ask BuildKit now instead of using the poller's last answer (≤ 1 s old while watched). */
    refresh: z.boolean().default(false),
  })
  .strict();

const idInput = z.object({ id: recordId, builder: builderName.optional() }).strict();

/** Commands over every build record (BuildKit's and BuildDeck's, merged). */
export const historyRecordCommands = {
  /** What the installed buildx unlocks for history; the notice names the version that unlocks the rest. */
  'history.capabilities': { input: z.object({}).strict(), output: historyCapabilities },
  /**
   * The merged list, newest first: BuildKit's records on every builder buildx lists (buildx >= 0.20),
   * plus BuildDeck's records (also those of stopped or removed builders), one row per BuildKit ref.
   * Unreachable or stopped builders become `notices`, never a failed list.
   */
  'history.records': {
    input: historyListInput,
    output: z.object({
      items: z.array(historyRecordItem),
      /** Matching records over all pages. */
      total: z.number(),
      notices: z.array(historyNotice),
      /** Filter choices over everything known (not only this page). */
      facets: z.object({ builders: z.array(z.string()), folders: z.array(z.string()) }),
      /** When BuildKit was last asked (epoch ms). */
      refreshedAt: z.number(),
    }),
  },
  /**
   * Keeps BuildKit polled often (a build from any client shows as `running` within 2 s) while the
   * History view is on screen. Call again before `until`; without it the core polls every 30 s
   * (backing off while nothing changes), and only while a window listens.
   */
  'history.watch': {
    input: z.object({ seconds: z.number().int().min(5).max(300).default(60) }).strict(),
    output: z.object({ until: z.number(), intervalMs: z.number() }),
  },
  /** Everything known about one record: source, config, dependencies, results, steps, timing, error. */
  'history.details': { input: idInput, output: historyRecordDetails },
  /** Output lines of a record: one step's (`step` = vertex digest) or all, the last `limit` lines. */
  'history.logs': {
    input: z
      .object({
        id: recordId,
        builder: builderName.optional(),
        step: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(100_000).default(10_000),
      })
      .strict(),
    output: historyRecordLogs,
  },
  /** Runs of the same build (context, Dockerfile, target) over time, oldest first, for the chart. */
  'history.runs': {
    input: z
      .object({ id: recordId, builder: builderName.optional(), limit: z.number().int().min(2).max(200).default(50) })
      .strict(),
    output: z.object({ build: historyBuildKey, runs: z.array(historyRun) }),
  },
  /**
   * Why did the cache miss: the first step that ran where the earlier run (`against`, or the latest
   * earlier run of the same build) had it cached, and the causes the data supports.
   */
  'history.why': {
    input: z.object({ id: recordId, against: recordId.optional(), builder: builderName.optional() }).strict(),
    output: cacheMissExplanation,
  },
  /**
   * Streams a record's progress as normalised build events: live for a running record (any client),
   * replayed for a finished one. Returns the snapshot reduced so far (`snapshot.buildId` is the
   * stream id); `history.progressed` carries the rest, `history.streamEnded` closes it.
   */
  'history.attach': {
    input: idInput,
    output: z.object({ streamId: z.string(), snapshot: buildSnapshot, done: z.boolean() }),
  },
  /** Stops a stream early (closing a details page). Unknown or ended streams answer `false`. */
  'history.detach': {
    input: z.object({ streamId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict(),
    output: z.object({ detached: z.boolean() }),
  },
  /**
   * Writes a record as a `.dockerbuild` file (`docker buildx history export`, buildx >= 0.23): an OCI
   * layout tar that `history.open` and Docker Desktop read. Needs BuildKit's record (not only BuildDeck's).
   */
  'history.export': {
    input: z
      .object({
        id: recordId,
        builder: builderName.optional(),
        dest: absolutePath,
        overwrite: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ path: z.string(), bytes: z.number() }),
  },
  /**
   * Reads a `.dockerbuild` file directly (no Docker, no import into a builder): its records get
   * `file:` ids that details, logs, attach and why accept. Bad or truncated files: INVALID_INPUT
   * naming what is wrong.
   */
  'history.open': {
    input: z.object({ path: absolutePath }).strict(),
    output: z.object({ items: z.array(historyRecordItem) }),
  },
  /** Forgets the records read from a `.dockerbuild` file (`file:TOKEN`). */
  'history.close': {
    input: z.object({ id: recordId }).strict(),
    output: z.object({ closed: z.boolean() }),
  },
  /**
   * Removes exactly the records named: BuildKit's (`buildx history rm`), BuildDeck's, or both
   * (`from`). Running records are refused. Each id answers on its own; nothing else is touched.
   */
  'history.remove': {
    input: z
      .object({
        ids: z
          .array(recordId)
          .min(1)
          .max(100)
          .refine((a) => new Set(a).size === a.length, 'must not repeat a record'),
        from: z.enum(['all', 'buildkit', 'builddeck']).default('all'),
      })
      .strict(),
    output: z.object({
      removed: z.array(z.object({ id: z.string(), buildkit: z.boolean(), builddeck: z.boolean() })),
      failed: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })),
    }),
  },
} as const;

export const historyRecordEvents = {
  /**
   * BuildKit's records changed (a build from any client appeared, progressed to finished, was
   * removed) or a `.dockerbuild` was opened/closed: refetch `history.records` (and open details).
   */
  'history.recordsChanged': z.object({
    ids: z.array(z.string()),
    reason: z.enum(['appeared', 'finished', 'removed', 'opened', 'closed', 'builders', 'described']),
  }),
  /** A batch of normalised build events for an attached stream (same shape as `build.progressed`). */
  'history.progressed': z.object({ streamId: z.string(), firstIndex: z.number(), events: z.array(buildEvent) }),
  /** An attached stream ended: the record finished, was detached, or the stream failed (`error`). */
  'history.streamEnded': z.object({
    streamId: z.string(),
    reason: z.enum(['finished', 'detached', 'failed']),
    error: z.string().optional(),
  }),
} as const;

const buildId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a build id');

export const historyCommands = {
  /** Recorded builds, newest first; filter by context folder, builder and result. `before` pages. */
  'history.list': {
    input: z
      .object({
        contextDir: z.string().max(4096).optional(),
        builder: builderName.optional(),
        status: buildStatus.optional(),
        limit: z.number().int().min(1).max(500).default(100),
        /** Only builds started before this time (epoch ms): the next page. */
        before: z.number().optional(),
      })
      .strict(),
    output: z.object({ items: z.array(historyItem), total: z.number() }),
  },
  /** One build with its steps, timings, cache hits, result and capped logs. */
  'history.get': { input: z.object({ buildId }).strict(), output: historyEntry },
  'history.delete': { input: z.object({ buildId }).strict(), output: z.object({ deleted: z.boolean() }) },
  /** Starts the stored request again (through builds.start); secrets are given anew, never stored. */
  'history.rerun': {
    input: z.object({ buildId, secrets: z.array(buildSecret).max(32).optional() }).strict(),
    output: z.object({ buildId: z.string() }),
  },
  ...historyRecordCommands,
} as const;

export const historyEvents = {
  /** A build was recorded, finished or deleted: history lists refetch. */
  'history.changed': z.object({ buildId: z.string(), reason: z.enum(['started', 'finished', 'deleted']) }),
  ...historyRecordEvents,
} as const;
