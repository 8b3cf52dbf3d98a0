import { z } from 'zod';
import { builderName } from '../domain';
import {
  buildEvent,
  buildListItem,
  buildSnapshot,
  buildStatus,
  buildSummary,
  snippetLine,
  stepState,
} from './build-snapshot';
import { absolutePath, buildRequest, buildSecret, logLinesPage, logPageFields } from './builds';
import {
  cacheMissExplanation,
  historyBuildKey,
  historyCapabilities,
  historyNotice,
  historyRecordDetails,
  historyRecordItem,
  historyRecordLogs,
  historyRun,
  recordId,
} from './history-records';

// A record's shapes live in history-records.ts; re-exported so History's contract has one entry.
export * from './history-records';

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
/** A followed record's stream (`history.attach`). */
const streamId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a stream id');

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
  /**
   * Lines of a followed record's log (or one step's), as `builds.logs` pages a build's: a flood of
   * output reaches a window as the stream's tail, and the record's log view pages the rest in.
   */
  'history.streamLogs': {
    input: z.object({ streamId, ...logPageFields }).strict(),
    output: logLinesPage,
  },
  /** Stops a stream early (closing a details page). Unknown or ended streams answer `false`. */
  'history.detach': {
    input: z.object({ streamId }).strict(),
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
