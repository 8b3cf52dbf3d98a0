import {
  parseDuration,
  parseSize,
  type CachePruneResult,
  type CacheTrend,
  type CacheUsage,
} from '../../common/contracts/cache';
import { localBuildkitContainers } from '../../common/builders/buildx-store';
import type { Builder } from '../../common/domain';
import { AppException, appError, silentBuilder } from '../../common/errors';
import type { EventBus } from '../events';
import type { Clock } from '../ports';
import { breakdownByType, chunk, planPrune, totalsOf, type PlanFilters } from './plan';
import type {
  BuilderStatePort,
  BuildxCachePort,
  CacheRead,
  CacheStorePort,
  ContainerCachePort,
  EngineCachePort,
  PruneOutcome,
  SampleSinkPort,
} from './ports';

export interface CacheOptions {
  /** Bound for "is this builder up?" (inspect): a silent remote must not hang the view. */
  healthTimeoutMs: number;
  /** Bound for reading or pruning a cache, which can legitimately take a while with many records. */
  operationTimeoutMs: number;
  /** The app database (trend, housekeeping); opened on first use; undefined when it cannot be. */
  store?: () => CacheStorePort | undefined;
  /**
   * Where usage samples go. Not the database itself when it is not open yet: a CLI `cache du` must not
   * load SQLite for one sample (see adapters/db/pending-samples.ts). Defaults to `store`.
   */
  samples?: () => SampleSinkPort | undefined;
}

/** At most one trend sample per builder per minute, unless the usage changed because of us. */
const SAMPLE_EVERY_MS = 60_000;
/** Trend samples older than this are dropped. */
const SAMPLE_RETENTION_MS = 90 * 86_400_000;
const RANGE_MS: Record<CacheTrend['range'], number> = {
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
};

/** The prune filters as the contract validated them (strings still unparsed). */
export interface PruneInput {
  builder?: string | undefined;
  filters?:
    | {
        until?: string | undefined;
        type?: string[] | undefined;
        description?: string | undefined;
        all?: boolean | undefined;
        keepStorage?: string | number | undefined;
        reservedSpace?: string | number | undefined;
        maxUsedSpace?: string | number | undefined;
        minFreeSpace?: string | number | undefined;
      }
    | undefined;
  dryRun?: boolean | undefined;
  onlyIds?: string[] | undefined;
}

interface Target {
  name: string;
  driver: string;
  /** The default context's own BuildKit: read and pruned through the Engine API (exact figures). */
  viaEngine: boolean;
  /** BuildKit containers on BuildDeck's engine (docker-container builders): exact figures via buildctl. */
  containers: string[];
}

/** Ids per prune call: keeps the filter (URL or argv) a few KB long. */
const IDS_PER_CALL = 100;
/** How long a read may take before BuildDeck also asks whether the builder is up at all. */
const HEALTH_GRACE_MS = 300;
/** Versions that first understood max-used-space / min-free-space. */
const ENGINE_API_SPACE = [1, 48] as const;
const BUILDKIT_SPACE = [0, 17, 0] as const;
const BUILDX_SPACE = [0, 18, 0] as const;

export class CacheService {
  constructor(
    private readonly buildx: BuildxCachePort,
    private readonly engine: EngineCachePort,
    private readonly containers: ContainerCachePort,
    private readonly builders: BuilderStatePort,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly options: CacheOptions,
  ) {}

  async usage(builder: string | undefined, signal?: AbortSignal): Promise<CacheUsage> {
    const started = this.clock.now();
    const target = await this.resolve(builder);
    const read = await this.read(target, signal);
    this.sample(target.name, totalsOf(read.records), false);
    return {
      builder: target.name,
      driver: target.driver,
      source: read.source,
      precision: { size: read.sizeExact ? 'exact' : 'rounded', lastUsedAt: read.lastUsedExact ? 'exact' : 'rounded' },
      readAt: new Date(this.clock.now()).toISOString(),
      durationMs: this.clock.now() - started,
      totals: totalsOf(read.records),
      byType: breakdownByType(read.records),
      records: read.records,
    };
  }

  async prune(input: PruneInput, signal?: AbortSignal): Promise<CachePruneResult> {
    const f = input.filters ?? {};
    const filters: PlanFilters = { all: f.all ?? false };
    if (f.until !== undefined) filters.untilMs = parseDuration(f.until) as number;
    if (f.type !== undefined) filters.types = f.type;
    if (f.description !== undefined) filters.description = f.description;
    const reserved = f.reservedSpace ?? f.keepStorage;
    if (reserved !== undefined) filters.reservedSpace = parseSize(reserved) as number;
    if (f.maxUsedSpace !== undefined) filters.maxUsedSpace = parseSize(f.maxUsedSpace) as number;
    if (f.minFreeSpace !== undefined) filters.minFreeSpace = parseSize(f.minFreeSpace) as number;
    const narrowed =
      filters.untilMs !== undefined ||
      filters.types !== undefined ||
      filters.description !== undefined ||
      filters.reservedSpace !== undefined ||
      filters.maxUsedSpace !== undefined ||
      filters.minFreeSpace !== undefined;
    if (!narrowed && !filters.all) {
      throw appError(
        'INVALID_INPUT',
        'Choose what to prune: a filter (until, type, description, a storage limit), or "all" for everything prunable.',
        {
          hint: 'BuildDeck never prunes a whole builder unless you ask for all of it explicitly.',
          details: { field: 'filters' },
        },
      );
    }

    const target = await this.resolve(input.builder);
    if (filters.maxUsedSpace !== undefined || filters.minFreeSpace !== undefined)
      await this.checkSpaceOptions(target, filters, signal);

    const usage = await this.read(target, signal);
    const now = this.clock.now();
    const plan = planPrune(usage.records, filters, now);
    if (!usage.lastUsedExact && filters.untilMs !== undefined) {
      plan.notes.push(
        'Last-use times come rounded from buildx ("3 hours ago"); each record is taken as recent as its rounding allows, so "until" never removes one that may be younger.',
      );
    }
    if (input.onlyIds) {
      const allowed = new Set(input.onlyIds);
      const outside = plan.planned.records.filter((r) => !allowed.has(r.id));
      if (outside.length > 0) {
        plan.planned.records = plan.planned.records.filter((r) => allowed.has(r.id));
        plan.planned.size = plan.planned.records.reduce((s, r) => s + r.size, 0);
        plan.notes.push(`${outside.length} matching record(s) appeared after the preview and are left alone.`);
      }
    }
    if (input.dryRun) return { builder: target.name, dryRun: true, ...plan };

    const ids = plan.planned.records.map((r) => r.id);
    const freed: PruneOutcome = { ids: [], size: 0, sizeExact: usage.sizeExact };
    try {
      for (const part of chunk(ids, IDS_PER_CALL)) {
        const call = { timeoutMs: this.options.operationTimeoutMs, ...(signal ? { signal } : {}) };
        const request = {
          ids: part,
          all: filters.all,
          ...(filters.untilMs !== undefined ? { untilMs: filters.untilMs } : {}),
          // Only where BuildDeck cannot compute the outcome does the builder get the storage options.
          ...(filters.minFreeSpace !== undefined
            ? {
                minFreeSpace: filters.minFreeSpace,
                ...(filters.maxUsedSpace !== undefined ? { maxUsedSpace: filters.maxUsedSpace } : {}),
                ...(filters.reservedSpace !== undefined ? { reservedSpace: filters.reservedSpace } : {}),
              }
            : {}),
        };
        const out = target.viaEngine
          ? await this.engine.prune(request, call)
          : await this.buildx.prune(target.name, request, call);
        freed.ids.push(...out.ids);
        freed.size += out.size;
        freed.sizeExact &&= out.sizeExact;
      }
    } finally {
      if (ids.length > 0) this.events.emit('cache.changed', { builder: target.name, reason: 'prune' });
    }
    // buildx reports what it removed in rounded sizes; when the records were read exactly, their own
    // sizes give the exact figure for the same ids.
    const exactSize = new Map(usage.records.map((r) => [r.id, r.size]));
    if (!freed.sizeExact && usage.sizeExact && freed.ids.every((id) => exactSize.has(id))) {
      freed.size = freed.ids.reduce((sum, id) => sum + (exactSize.get(id) ?? 0), 0);
      freed.sizeExact = true;
    }
    const removed = new Set(freed.ids);
    if (removed.size > 0) this.sample(target.name, totalsOf(usage.records.filter((r) => !removed.has(r.id))), true);
    return {
      builder: target.name,
      dryRun: false,
      ...plan,
      freed: { ...freed, notRemoved: ids.filter((id) => !removed.has(id)) },
    };
  }

  /** The builder a command without `builder` means: buildx's current one. */
  async builderName(builder: string | undefined): Promise<string> {
    return builder ?? (await this.builders.current()).name;
  }

  async trend(builder: string | undefined, range: CacheTrend['range']): Promise<CacheTrend> {
    const name = await this.builderName(builder);
    const store = this.options.store?.();
    if (!store)
      return {
        builder: name,
        range,
        samples: [],
        available: false,
        reason: 'BuildDeck’s database is not available, so no usage history is kept.',
      };
    const samples = store.samples(name, this.clock.now() - RANGE_MS[range], 2000);
    return {
      builder: name,
      range,
      available: true,
      samples: samples.map((x) => ({
        at: new Date(x.at).toISOString(),
        records: x.records,
        size: x.size,
        reclaimable: x.reclaimable,
        shared: x.shared,
        inUse: x.inUse,
      })),
    };
  }

  private lastTrim = 0;

  /** Best effort: a locked or missing database must never fail a read. */
  private sample(builder: string, t: ReturnType<typeof totalsOf>, force: boolean): void {
    const store = this.options.samples ? this.options.samples() : this.options.store?.();
    if (!store) return;
    try {
      const now = this.clock.now();
      const last = store.lastSampleAt(builder);
      if (!force && last !== undefined && now - last < SAMPLE_EVERY_MS) return;
      store.addSample(
        builder,
        { at: now, records: t.records, size: t.size, reclaimable: t.reclaimable, shared: t.shared, inUse: t.inUse },
        force,
      );
      if (now - this.lastTrim > 3_600_000) {
        this.lastTrim = now;
        store.trimSamples(now - SAMPLE_RETENTION_MS);
      }
    } catch {
      // The trend misses a point; the user still gets their answer.
    }
  }

  private async resolve(builder: string | undefined): Promise<Target> {
    // Without a name, the current builder's store entry comes with its name (one read of the store).
    const { name, stored } =
      builder === undefined
        ? await this.builders.current()
        : { name: builder, stored: await this.buildx.storedBuilder(builder) };
    // A builder missing from buildx's store is a docker context's own builder (driver docker).
    // Only the default context's is the daemon this core's Engine API talks to.
    return {
      name,
      driver: stored?.driver ?? 'docker',
      viaEngine: stored === undefined && name === 'default',
      // The CLI's early exec (composition/early.ts) picks its containers by the same rule.
      containers: localBuildkitContainers(stored, (endpoint) => this.containers.isLocal(endpoint)),
    };
  }

  private async read(target: Target, signal: AbortSignal | undefined): Promise<CacheRead> {
    const call = { timeoutMs: this.options.operationTimeoutMs, ...(signal ? { signal } : {}) };
    if (target.viaEngine) return this.engine.usage(call);
    return this.withHealth(target, signal, async (inner) => {
      if (target.containers.length > 0) {
        const exact = await this.containers.usage(target.containers, { ...call, signal: inner });
        if (exact) return exact;
      }
      return this.buildx.usage(target.name, { ...call, signal: inner });
    });
  }

  /**
   * Runs `op` while the builder's state is checked (each node dialled, bounded by the health
   * timeout): a silent remote makes `du` wait ~20 s, and a stopped builder deserves its own message.
   * A healthy builder costs nothing extra: the check starts only when the read is slow.
   */
  private async withHealth<T>(
    target: Target,
    signal: AbortSignal | undefined,
    op: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const work = op(abort.signal);
    work.catch(() => undefined);
    // The check starts only if the work has not answered after a grace: a healthy builder then costs
    // no second connection competing for the CPU (measured: +75% on 1000 records). A local
    // container's exec already says "stopped" or "not created" at once, so its check waits longer:
    // it is only there for a daemon that hangs.
    const grace = target.containers.length > 0 ? this.options.healthTimeoutMs : HEALTH_GRACE_MS;
    const health = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, grace);
      abort.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    })
      .then(() =>
        abort.signal.aborted
          ? undefined
          : this.builders.state(target.name, { timeoutMs: this.options.healthTimeoutMs, signal: abort.signal }),
      )
      .then((b) => (b ? notRunning(b, target, this.options.healthTimeoutMs) : undefined))
      .catch((err: unknown) => healthFailure(err, target, this.options.healthTimeoutMs));
    try {
      const first = await Promise.race([work.then(() => undefined), health]);
      if (first) throw first;
      return await work;
    } catch (err) {
      // A fast failure of the work (a stopped container) is explained better by the health check.
      const known = await Promise.race([health, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
      if (known) throw known;
      if (
        err instanceof AppException &&
        err.appError.code === 'BUILDER_UNREACHABLE' &&
        err.appError.details?.['canBootstrap'] === true
      ) {
        const status = err.appError.details['status'] === 'inactive' ? 'inactive' : 'stopped';
        throw notRunningError(target, status, true);
      }
      throw err;
    } finally {
      abort.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async checkSpaceOptions(target: Target, f: PlanFilters, signal: AbortSignal | undefined): Promise<void> {
    const field = f.maxUsedSpace !== undefined ? 'filters.maxUsedSpace' : 'filters.minFreeSpace';
    const call = { timeoutMs: this.options.healthTimeoutMs, ...(signal ? { signal } : {}) };
    if (target.viaEngine) {
      const api = await this.engine.apiVersion(call);
      const [major = 0, minor = 0] = api.split('.').map(Number);
      if (major < ENGINE_API_SPACE[0] || (major === ENGINE_API_SPACE[0] && minor < ENGINE_API_SPACE[1])) {
        throw unsupported(field, `the Docker Engine API ${api} (needs 1.48, Docker Engine 28)`);
      }
      return;
    }
    const buildx = await this.buildx.version();
    if (compare(buildx, BUILDX_SPACE) < 0) throw unsupported(field, `buildx ${buildx} (needs 0.18)`);
    const b = await this.builders.state(target.name, call).catch((err: unknown) => {
      throw healthFailure(err, target, this.options.healthTimeoutMs) ?? err;
    });
    const down = notRunning(b, target, this.options.healthTimeoutMs);
    if (down) throw down;
    for (const n of b.nodes) {
      if (n.buildkitVersion && compare(n.buildkitVersion, BUILDKIT_SPACE) < 0) {
        throw unsupported(field, `BuildKit ${n.buildkitVersion} on node ${n.name} (needs v0.17)`);
      }
    }
  }
}

function compare(version: string, min: readonly number[]): number {
  const v = (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(version) ?? []).slice(1).map((x) => Number(x ?? 0));
  for (let i = 0; i < min.length; i++) {
    const d = (v[i] ?? 0) - (min[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function unsupported(field: string, what: string): AppException {
  const name = field.replace('filters.', '');
  return appError('INVALID_INPUT', `${name} is not supported by ${what}.`, {
    hint: 'Use reservedSpace (keep at least this much) or the until/type filters instead.',
    details: { field },
  });
}

const BOOTSTRAPPABLE = new Set(['docker-container', 'kubernetes']);

/** An AppException when the builder's nodes are not up, else undefined. */
function notRunning(b: Builder, target: Target, timeoutMs: number): AppException | undefined {
  const down = b.nodes.find((n) => n.status !== 'running');
  if (!down && !b.error) return undefined;
  // A node past the bound: said the way a timed-out read says it.
  if (down?.status === 'unreachable') return healthFailure(appError('TIMEOUT', 'no answer'), target, timeoutMs);
  const canBootstrap =
    BOOTSTRAPPABLE.has(b.driver || target.driver) && (!down || down.status === 'stopped' || down.status === 'inactive');
  return notRunningError(target, down?.status ?? 'error', canBootstrap, down?.error ?? b.error);
}

function notRunningError(target: Target, status: string, canBootstrap: boolean, error?: string): AppException {
  return appError(
    'BUILDER_UNREACHABLE',
    `Builder "${target.name}" is ${status === 'inactive' ? 'not started yet' : status === 'error' ? 'in error' : status}.`,
    {
      hint: canBootstrap
        ? `Start it (Builders view, or \`docker buildx inspect --bootstrap ${target.name}\`), then retry.`
        : 'Start the BuildKit daemon it points to, or check its endpoint, then retry.',
      details: { builder: target.name, status, canBootstrap, ...(error ? { error } : {}) },
    },
  );
}

function healthFailure(err: unknown, target: Target, timeoutMs: number): AppException | undefined {
  if (!(err instanceof AppException)) return undefined;
  if (
    err.appError.code === 'BUILDER_UNREACHABLE' ||
    err.appError.code === 'BUILDER_NOT_FOUND' ||
    err.appError.code === 'DOCKER_UNREACHABLE'
  )
    return err;
  if (err.appError.code === 'TIMEOUT') {
    return silentBuilder(target.name, timeoutMs, 'retry', { timeoutMs, canBootstrap: false });
  }
  return undefined;
}
