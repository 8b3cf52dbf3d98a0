import { z } from 'zod';
import { CACHE_RECORD_TYPES, parseDuration, parseSize } from '../cache/values';
import { builderName } from '../domain';

/**
 * Build cache: what each builder's cache holds (`cache.usage`) and pruning it safely (`cache.prune`).
 *
 * Definitions used everywhere in BuildDeck (UI, CLI, tests):
 * - size         sum of every record's size. Equals `docker buildx du`'s "Total".
 * - shared       sum of records marked shared (their data is also held elsewhere, e.g. by an image).
 * - private      size - shared. Equals `buildx du`'s "Private" and `docker system df`'s build-cache SIZE.
 * - reclaimable  sum of records not in use, shared ones included: `buildx du`'s "Reclaimable".
 * - reclaimablePrivate  not in use and not shared: `docker system df`'s build-cache RECLAIMABLE. A prune
 *                without `all` can free at most this (it also skips internal/frontend records).
 * - inUse        sum of records an active build or mount holds; no prune removes them.
 */

export {
  CACHE_RECORD_TYPES,
  humanSize,
  parseDuration,
  parseSize,
  toGoDuration,
  type CacheRecordType,
} from '../cache/values';

const duration = z
  .string()
  .max(40)
  .refine((v) => parseDuration(v) !== undefined, {
    error: 'must be a duration of at least 1s such as 30m, 24h, 7d or 1h30m',
  });

const size = z
  .union([z.number(), z.string().max(40)])
  .refine((v) => parseSize(v) !== undefined, { error: 'must be a size such as 512MB, 10GB or a number of bytes' });

const FILTER_KEYS = new Set([
  'until',
  'type',
  'description',
  'all',
  'keepStorage',
  'reservedSpace',
  'maxUsedSpace',
  'minFreeSpace',
]);

/**
 * Which records a prune may remove. All given filters must match (AND); `type` matches any of its
 * values (OR). Without any filter, `all: true` must be chosen explicitly: BuildDeck never prunes a
 * whole builder by accident.
 */
export const cachePruneFilters = z
  .object({
    /** Only records not used for at least this long ("24h", "7d"). */
    until: duration.optional(),
    /** Only records of these types. */
    type: z.array(z.enum(CACHE_RECORD_TYPES)).min(1).max(CACHE_RECORD_TYPES.length).optional(),
    /** Only records whose description contains this text (case-insensitive). */
    description: z.string().trim().min(1).max(500).optional(),
    /** Also shared, internal and frontend records (`buildx prune --all`); alone, it means everything prunable. */
    all: z.boolean().optional(),
    /** Deprecated name of `reservedSpace` (buildx < 0.18, Engine API < 1.48). */
    keepStorage: size.optional(),
    /** Keep at least this much cache: stop removing once the builder holds less. */
    reservedSpace: size.optional(),
    /** Remove least-recently-used records until the cache is below this (BuildKit >= 0.17). */
    maxUsedSpace: size.optional(),
    /** Remove records until the builder's disk has this much free (BuildKit >= 0.17). */
    minFreeSpace: size.optional(),
  })
  .loose()
  .superRefine((value, ctx) => {
    // Unknown keys are named one by one (a plain strict object would only blame "filters").
    for (const key of Object.keys(value)) {
      if (!FILTER_KEYS.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is not a known filter (use ${[...FILTER_KEYS].join(', ')})`,
        });
      }
    }
    if (value.keepStorage !== undefined && value.reservedSpace !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['keepStorage'],
        message: 'is the old name of reservedSpace; give only one of them',
      });
    }
  });
export type CachePruneFilters = z.input<typeof cachePruneFilters>;

// ---------------------------------------------------------------------------------------------
// Outputs

export const cacheRecord = z.object({
  id: z.string(),
  type: z.string(),
  description: z.string(),
  /** Bytes. Exact from the Engine API; from buildx, its 4-significant-digit figure read back (see precision). */
  size: z.number().int().nonnegative(),
  /** ISO time, or null when the source did not say. */
  createdAt: z.string().nullable(),
  /** ISO time of last use; null when never used. From buildx: the latest time its rounded "N ago" allows. */
  lastUsedAt: z.string().nullable(),
  usageCount: z.number().int().nonnegative(),
  shared: z.boolean(),
  inUse: z.boolean(),
  /** Null where the source does not report it (the Engine API's /system/df). */
  mutable: z.boolean().nullable(),
  parents: z.array(z.string()),
});
export type CacheRecord = z.infer<typeof cacheRecord>;

export const cacheTotals = z.object({
  records: z.number().int().nonnegative(),
  size: z.number().nonnegative(),
  private: z.number().nonnegative(),
  shared: z.number().nonnegative(),
  reclaimable: z.number().nonnegative(),
  reclaimablePrivate: z.number().nonnegative(),
  inUse: z.number().nonnegative(),
});
export type CacheTotals = z.infer<typeof cacheTotals>;

export const cacheTypeBreakdown = z.object({
  type: z.string(),
  records: z.number().int().nonnegative(),
  size: z.number().nonnegative(),
  reclaimable: z.number().nonnegative(),
});

export const CACHE_SOURCES = ['engine-api', 'buildkit-api', 'buildctl-json', 'buildx-json', 'buildx-verbose'] as const;

export const cacheUsage = z.object({
  builder: z.string(),
  driver: z.string(),
  /**
   * Where the records came from: the Engine API (docker driver); BuildKit's Control API in a local
   * docker-container builder's container (`buildkit-api`, over `buildctl dial-stdio`; `buildctl du`
   * where that buildctl cannot dial); or `buildx du` (JSON or --verbose text) for the rest.
   */
  source: z.enum(CACHE_SOURCES),
  /** buildx prints sizes to 4 significant digits and last-use as "N hours ago": those are `rounded`. */
  precision: z.object({ size: z.enum(['exact', 'rounded']), lastUsedAt: z.enum(['exact', 'rounded']) }),
  readAt: z.string(),
  durationMs: z.number(),
  totals: cacheTotals,
  /** Per record type, largest first. */
  byType: z.array(cacheTypeBreakdown),
  records: z.array(cacheRecord),
});
export type CacheUsage = z.infer<typeof cacheUsage>;

export const cachePruneResult = z.object({
  builder: z.string(),
  dryRun: z.boolean(),
  /**
   * The records this prune removes (dry run) or asked the builder to remove, children before parents.
   * A real prune removes these by id and nothing else.
   */
  planned: z.object({ records: z.array(cacheRecord), size: z.number().nonnegative() }),
  /** Records that matched the filters but stay, by reason. */
  kept: z.object({
    inUse: z.number().int().nonnegative(),
    /** Shared, internal or frontend records, which only `all` removes. */
    needsAll: z.number().int().nonnegative(),
    /** Parents of records that stay: BuildKit keeps a parent while a child exists. */
    parentOfKept: z.number().int().nonnegative(),
    /** Spared by reservedSpace/keepStorage/maxUsedSpace. */
    storageLimit: z.number().int().nonnegative(),
  }),
  /** False when the outcome depends on something BuildDeck cannot see (free disk space for minFreeSpace). */
  exact: z.boolean(),
  notes: z.array(z.string()),
  /** What the builder reported removing (absent on a dry run). */
  freed: z
    .object({
      ids: z.array(z.string()),
      size: z.number().nonnegative(),
      /** False when the figure comes from buildx's rounded output. */
      sizeExact: z.boolean(),
      /** Planned records the builder did not remove (they became used, or gained a child meanwhile). */
      notRemoved: z.array(z.string()),
    })
    .optional(),
});
export type CachePruneResult = z.infer<typeof cachePruneResult>;

export const cacheSample = z.object({
  at: z.string(),
  records: z.number().int().nonnegative(),
  size: z.number().nonnegative(),
  reclaimable: z.number().nonnegative(),
  shared: z.number().nonnegative(),
  inUse: z.number().nonnegative(),
});

export const TREND_RANGES = ['24h', '7d', '30d', '90d'] as const;

export const cacheTrend = z.object({
  builder: z.string(),
  range: z.enum(TREND_RANGES),
  /** Oldest first. A sample is taken whenever BuildDeck reads the builder's usage (at most one a minute). */
  samples: z.array(cacheSample),
  /** False when the app's database could not be opened; `reason` says why. */
  available: z.boolean(),
  reason: z.string().optional(),
});
export type CacheTrend = z.infer<typeof cacheTrend>;

export const housekeepingRule = z.object({
  builder: z.string(),
  enabled: z.boolean(),
  /** Prune least-valuable records while the builder's private cache is above this many bytes. */
  maxSize: z.number().int().nonnegative().nullable(),
  /** Prune records not used for this long (ms). */
  olderThanMs: z.number().int().positive().nullable(),
  /** Also shared, internal and frontend records. */
  all: z.boolean(),
  /** How often the rule is checked while BuildDeck runs (ms). */
  intervalMs: z.number().int().positive(),
  updatedAt: z.string(),
});
export type HousekeepingRuleValue = z.infer<typeof housekeepingRule>;

export const housekeepingRun = z.object({
  id: z.number().int(),
  builder: z.string(),
  at: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  /** pruned: records removed; nothing: under the limits; skipped: builder not running; failed: an error. */
  outcome: z.enum(['pruned', 'nothing', 'skipped', 'failed']),
  records: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  bytesExact: z.boolean(),
  sizeBefore: z.number().nullable(),
  sizeAfter: z.number().nullable(),
  detail: z.string().nullable(),
  durationMs: z.number().nonnegative(),
});
export type HousekeepingRunValue = z.infer<typeof housekeepingRun>;

export const housekeepingState = z.object({
  builder: z.string(),
  rule: housekeepingRule.nullable(),
  /** Most recent first. */
  runs: z.array(housekeepingRun),
  available: z.boolean(),
  reason: z.string().optional(),
});
export type HousekeepingState = z.infer<typeof housekeepingState>;

const interval = duration.refine((v) => (parseDuration(v) ?? 0) >= 300_000, { error: 'must be at least 5m' });

export const cacheCommands = {
  /**
   * Every cache record of one builder (default: the current one) with totals and a per-type breakdown.
   * A stopped builder is BUILDER_UNREACHABLE with `details.canBootstrap`; a silent one is bounded.
   */
  'cache.usage': {
    input: z.object({ builder: builderName.optional() }).strict(),
    output: cacheUsage,
  },
  /**
   * Removes the records the filters select, or with `dryRun` only lists them with their bytes.
   * Both compute the same plan; a real prune then removes exactly the planned records by id and
   * reports what the builder freed. Emits `cache.changed`.
   */
  'cache.prune': {
    input: z
      .object({
        builder: builderName.optional(),
        filters: cachePruneFilters.optional(),
        dryRun: z.boolean().optional(),
        /**
         * Remove only records among these ids: pass the ids a dry run showed, so records that
         * appeared since the preview are left alone even when the filters match them.
         */
        onlyIds: z
          .array(z.string().regex(/^[a-z0-9]{1,64}$/i, 'must be a cache record id'))
          .max(100_000)
          .optional(),
      })
      .strict(),
    output: cachePruneResult,
  },
  /** Usage samples of one builder over a range, for the trend chart. */
  'cache.trend': {
    input: z.object({ builder: builderName.optional(), range: z.enum(TREND_RANGES).optional() }).strict(),
    output: cacheTrend,
  },
  /** The builder's housekeeping rule (null when none) and its recent runs. */
  'cache.housekeeping.get': {
    input: z.object({ builder: builderName.optional() }).strict(),
    output: housekeepingState,
  },
  /**
   * Saves (or with `remove`, deletes) a builder's opt-in housekeeping rule. While BuildDeck runs
   * (app or serve, never a one-shot CLI), each enabled rule is checked every `interval`: records
   * unused for `olderThan` are pruned, then least-valuable records while the private cache is above
   * `maxSize`. Every run is recorded with what it freed.
   */
  'cache.housekeeping.set': {
    input: z
      .object({
        builder: builderName,
        enabled: z.boolean(),
        maxSize: size.nullable().optional(),
        olderThan: duration.nullable().optional(),
        all: z.boolean().optional(),
        interval: interval.optional(),
        remove: z.boolean().optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.enabled && !v.remove && (v.maxSize ?? null) === null && (v.olderThan ?? null) === null) {
          ctx.addIssue({
            code: 'custom',
            path: ['maxSize'],
            message: 'give a size limit or an age (olderThan) for an enabled rule',
          });
        }
      }),
    output: housekeepingState,
  },
  /** Runs the builder's rule now (even if disabled) and records the run. Emits `cache.changed` when it pruned. */
  'cache.housekeeping.run': {
    input: z.object({ builder: builderName }).strict(),
    output: housekeepingRun,
  },
} as const;

export const cacheEvents = {
  /** A builder's cache changed because of BuildDeck (a prune); listeners re-read `cache.usage`. */
  'cache.changed': z.object({ builder: z.string(), reason: z.string() }).strict(),
} as const;
