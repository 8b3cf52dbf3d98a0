import { z } from 'zod';
import { buildRequest } from './builds';
import { buildStatus, buildWarning, snippetLine, step, stepState } from './build-snapshot';

/**
 * The shapes of a build record as `history.records`, `history.details`, `history.runs` and
 * `history.why` return them: one record of any origin (BuildKit's, BuildDeck's, a `.dockerbuild`
 * file), its steps, timing, dependencies and why its cache missed. The commands are in history.ts.
 */

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

/**
 * A step (BuildKit vertex) of a record, for the step list and the timing chart: a live build's step
 * (the same fields, meaning the same) without its logs and counters, plus its line count.
 */
export const recordStep = step
  .pick({
    id: true,
    name: true,
    title: true,
    lane: true,
    platform: true,
    stage: true,
    index: true,
    total: true,
    isStep: true,
    internal: true,
    state: true,
    cached: true,
    startedAt: true,
    completedAt: true,
    durationMs: true,
    error: true,
  })
  .extend({
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
