import { z } from 'zod';
import { builderName } from '../domain';
import { buildListItem, buildRequest, buildSecret, buildStatus, buildSummary, snippetLine, stepState } from './builds';

/**
 * History: every build BuildDeck ran (desktop, tray, CLI, serve), from the embedded database.
 * A build that was running when its BuildDeck process died shows as `interrupted`.
 */

/** A recorded build: what `builds.list` says of a build, plus what only the record keeps. */
export const historyItem = buildListItem.extend({
  dockerfile: z.string().optional(),
  driver: z.string(),
  imageName: z.string().optional(),
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
} as const;

export const historyEvents = {
  /** A build was recorded, finished or deleted: history lists refetch. */
  'history.changed': z.object({ buildId: z.string(), reason: z.enum(['started', 'finished', 'deleted']) }),
} as const;
