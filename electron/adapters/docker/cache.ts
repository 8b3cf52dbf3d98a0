import { toGoDuration, type CacheRecord } from '../../common/contracts/cache';
import { appError } from '../../common/errors';
import type { CacheRead, EngineCachePort, PruneOutcome, PruneRequest } from '../../core/cache/ports';
import type { CallOptions } from '../../core/ports';
import { idFilter } from '../buildx/cache';
import { mapEngineError, type DockerEngine } from './engine';
import { EngineHttpError } from './engine-api';
import { cacheRecord, isoFromText, isStrings, optional } from './usage-record';

/**
 * The daemon's build cache through the Engine API, with explicit requests over node:http
 * (engine-api.ts): no dockerode on this path. Never dockerode's `df()` / `pruneBuilder()` either:
 * both drop their options, and `pruneBuilder()` then sends an UNFILTERED prune of the whole daemon.
 */

// Engine 26.1 tags Parents as `json:" Parents"` (a leading space); older engines send `Parent`, newer
// ones `Parents`. Read all three.
interface RawRecord {
  ID?: unknown;
  Type?: unknown;
  Description?: unknown;
  InUse?: unknown;
  Shared?: unknown;
  Size?: unknown;
  CreatedAt?: unknown;
  LastUsedAt?: unknown;
  UsageCount?: unknown;
  Parents?: unknown;
  ' Parents'?: unknown;
  Parent?: unknown;
}

/**
 * One pass from the engine's JSON to records: each field type-checked by hand as it is read (a
 * schema library would build a validated copy of 1,000 records only for this map to copy them again).
 * Anything that is not the documented shape is drift, reported with the raw record.
 */
export function parseSystemDfBuildCache(body: unknown): CacheRecord[] {
  const list = (body as { BuildCache?: unknown } | null)?.BuildCache;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !(list == null || Array.isArray(list)))
    throw unexpected('/system/df', body);
  return ((list ?? []) as unknown[]).map((item) => {
    const r = item as RawRecord;
    const parents = r.Parents ?? r[' Parents'];
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.ID !== 'string' ||
      !r.ID ||
      !optional(r.Type, 'string') ||
      !optional(r.Description, 'string') ||
      !optional(r.InUse, 'boolean') ||
      !optional(r.Shared, 'boolean') ||
      !optional(r.Size, 'number') ||
      !optional(r.CreatedAt, 'string') ||
      !optional(r.LastUsedAt, 'string') ||
      !optional(r.UsageCount, 'number') ||
      !optional(r.Parent, 'string') ||
      !(parents == null || isStrings(parents))
    )
      throw unexpected('/system/df', item);
    // Checked above: each field is absent, null or of its type.
    return cacheRecord({
      id: r.ID,
      recordType: r.Type as string | undefined,
      description: r.Description as string | undefined,
      size: r.Size as number | undefined,
      createdAt: isoFromText(r.CreatedAt),
      lastUsedAt: isoFromText(r.LastUsedAt),
      usageCount: r.UsageCount as number | undefined,
      shared: r.Shared as boolean | undefined,
      inUse: r.InUse as boolean | undefined,
      mutable: null,
      parents,
      parent: r.Parent as string | undefined,
    });
  });
}

function unexpected(path: string, body: unknown) {
  return appError('INTERNAL', `The Engine API answered ${path} in an unexpected shape.`, {
    hint: 'Report this with the raw answer below.',
    details: { raw: JSON.stringify(body).slice(0, 4000) },
  });
}

/** Query string the way the Engine API reads it: filters as JSON, booleans and numbers as text. */
function query(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const text =
      typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export class EngineCache implements EngineCachePort {
  constructor(private readonly engine: DockerEngine) {}

  async usage(call: CallOptions): Promise<CacheRead> {
    let body: unknown;
    try {
      body = await this.engine.api().json('GET', `/system/df${query({ type: 'build-cache' })}`, undefined, call);
    } catch (err) {
      throw this.mapError(err, call);
    }
    return { records: parseSystemDfBuildCache(body), source: 'engine-api', sizeExact: true, lastUsedExact: true };
  }

  async prune(request: PruneRequest, call: CallOptions): Promise<PruneOutcome> {
    if (request.ids.length === 0) return { ids: [], size: 0, sizeExact: true };
    const filters: Record<string, string[]> = { id: [idFilter(request.ids)] };
    if (request.untilMs !== undefined) filters['until'] = [toGoDuration(request.untilMs)];
    const options: Record<string, unknown> = { filters, all: request.all };
    // API >= 1.48 names; the service only passes them to engines that have them.
    if (request.reservedSpace !== undefined) options['reserved-space'] = request.reservedSpace;
    if (request.maxUsedSpace !== undefined) options['max-used-space'] = request.maxUsedSpace;
    if (request.minFreeSpace !== undefined) options['min-free-space'] = request.minFreeSpace;
    let body: { CachesDeleted?: unknown; SpaceReclaimed?: unknown } | null;
    try {
      body = await this.engine.api().json('POST', `/build/prune${query(options)}`, undefined, call);
    } catch (err) {
      throw this.mapError(err, call);
    }
    const deleted = body?.CachesDeleted ?? [];
    const reclaimed = body?.SpaceReclaimed ?? 0;
    if (!isStrings(deleted) || typeof reclaimed !== 'number') throw unexpected('/build/prune', body);
    return { ids: deleted, size: reclaimed, sizeExact: true };
  }

  async apiVersion(call: CallOptions): Promise<string> {
    try {
      const v = await this.engine.api().json<{ ApiVersion?: unknown }>('GET', '/version', undefined, call);
      if (typeof v.ApiVersion !== 'string') throw unexpected('/version', v);
      return v.ApiVersion;
    } catch (err) {
      throw this.mapError(err, call);
    }
  }

  private mapError(err: unknown, call: CallOptions) {
    if (call.signal?.aborted) return appError('CANCELLED', 'Reading the build cache was cancelled.');
    if (err instanceof EngineHttpError && err.statusCode === 400) {
      return appError('INVALID_INPUT', `The engine refused the request: ${err.message}.`, {
        details: { field: 'filters', statusCode: 400 },
      });
    }
    return mapEngineError(err, this.engine.endpoint);
  }
}
