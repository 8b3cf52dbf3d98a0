import type { CacheRecord } from '../../common/contracts/cache';
import type { Builder } from '../../common/domain';
import type { CallOptions } from '../ports';

/** Records as a source read them, plus how precise its figures are. */
export interface CacheRead {
  records: CacheRecord[];
  source: 'engine-api' | 'buildkit-api' | 'buildctl-json' | 'buildx-json' | 'buildx-verbose';
  sizeExact: boolean;
  lastUsedExact: boolean;
}

/**
 * One prune request against a builder, already reduced to what BuildDeck planned: `ids` are removed
 * and nothing else (`id` regex filter), `until` is passed along as a guard against records used
 * since the plan was made.
 */
export interface PruneRequest {
  ids: string[];
  untilMs?: number;
  all: boolean;
  /** Passed on only when BuildDeck cannot compute the outcome itself (minFreeSpace). */
  reservedSpace?: number;
  maxUsedSpace?: number;
  minFreeSpace?: number;
}

export interface PruneOutcome {
  ids: string[];
  size: number;
  sizeExact: boolean;
}

/** The daemon's own BuildKit (the `docker` driver of the default context), through the Engine API. */
export interface EngineCachePort {
  usage(call: CallOptions): Promise<CacheRead>;
  prune(request: PruneRequest, call: CallOptions): Promise<PruneOutcome>;
  /** API version, which decides the prune options the engine understands. */
  apiVersion(call: CallOptions): Promise<string>;
}

/** A builder as buildx's instance store records it (absent for a context's own builder). */
export interface StoredCacheBuilder {
  driver: string;
  nodes: { name: string; endpoint: string }[];
}

/** Any builder, through `docker buildx du/prune`. */
export interface BuildxCachePort {
  /** buildx's version (cached by the CLI adapter). */
  version(): Promise<string>;
  /** A builder as buildx's instance store records it; undefined for context (docker driver) builders. */
  storedBuilder(name: string): Promise<StoredCacheBuilder | undefined>;
  usage(name: string, call: CallOptions): Promise<CacheRead>;
  prune(name: string, request: PruneRequest, call: CallOptions): Promise<PruneOutcome>;
}

/**
 * Is the builder up? Its nodes' live state (status, BuildKit version) within the bound: the health
 * check a cache read runs alongside, so a silent remote fails at the bound instead of after 20 s.
 * BUILDER_NOT_FOUND when there is no such builder.
 */
export interface BuilderStatePort {
  state(name: string, call: CallOptions): Promise<Builder>;
  /**
   * The builder buildx uses without --builder, by buildx's own rule (the builders list's "current"),
   * with what buildx's instance store holds of it (undefined for a context's own builder): one read
   * of the store answers both, so a command without --builder does not read it again.
   */
  current(): Promise<{ name: string; stored: StoredCacheBuilder | undefined }>;
}

/** The BuildKit containers of docker-container builders on the engine BuildDeck talks to. */
export interface ContainerCachePort {
  /** Whether a node endpoint (docker context name or address) is that engine. */
  isLocal(endpoint: string): boolean;
  /**
   * Exact records from BuildKit inside the given containers (its Control API over `buildctl
   * dial-stdio`, else `buildctl du`); undefined when neither can say, so the caller falls back to
   * `buildx du`. BUILDER_UNREACHABLE when stopped.
   */
  usage(containers: readonly string[], call: CallOptions): Promise<CacheRead | undefined>;
}

/** One usage reading of a builder, kept for the trend. */
export interface CacheSample {
  at: number;
  records: number;
  size: number;
  reclaimable: number;
  shared: number;
  inUse: number;
}

/** Opt-in housekeeping for one builder: prune when the private cache exceeds a size, or records age. */
export interface HousekeepingRule {
  builder: string;
  enabled: boolean;
  maxSize: number | null;
  olderThanMs: number | null;
  all: boolean;
  intervalMs: number;
  updatedAt: number;
}

export type HousekeepingTrigger = 'schedule' | 'manual';
export type HousekeepingOutcome = 'pruned' | 'nothing' | 'skipped' | 'failed';

export interface HousekeepingRun {
  id: number;
  builder: string;
  at: number;
  trigger: HousekeepingTrigger;
  outcome: HousekeepingOutcome;
  records: number;
  bytes: number;
  bytesExact: boolean;
  sizeBefore: number | null;
  sizeAfter: number | null;
  detail: string | null;
  durationMs: number;
}

/** Where a usage reading goes: the database, or (while it is not open) a file it imports later. */
export interface SampleSinkPort {
  /** `forced`: taken because of a change we made (a prune): kept even within a minute of another. */
  addSample(builder: string, sample: CacheSample, forced?: boolean): void;
  lastSampleAt(builder: string): number | undefined;
  /** Drops samples older than `before` (all builders). */
  trimSamples(before: number): void;
}

/** Usage samples, housekeeping rules and their runs, in the app's database. */
export interface CacheStorePort extends SampleSinkPort {
  samples(builder: string, since: number, limit: number): CacheSample[];
  rule(builder: string): HousekeepingRule | undefined;
  rules(): HousekeepingRule[];
  setRule(rule: HousekeepingRule): void;
  deleteRule(builder: string): void;
  addRun(run: Omit<HousekeepingRun, 'id'>): HousekeepingRun;
  runs(builder: string, limit: number): HousekeepingRun[];
}
