import { toGoDuration, type CacheRecord } from '../../common/contracts/cache';
import { appError } from '../../common/errors';
import type { CacheRead, EngineCachePort, PruneOutcome, PruneRequest } from '../../core/cache/ports';
import type { CallOptions } from '../../core/ports';
import { idFilter } from '../buildx/cache';
import { mapEngineError, type DockerEngine } from './engine';
import { EngineHttpError } from './engine-api';
import { isStrings, readUsageJson, type UsageJsonNames } from './usage-record';

/**
 * The daemon's build cache through the Engine API, with explicit requests over node:http
 * (engine-api.ts): no dockerode on this path. Never dockerode's `df()` / `pruneBuilder()` either:
 * both drop their options, and `pruneBuilder()` then sends an UNFILTERED prune of the whole daemon.
 */

/**
 * The Engine API's spelling of UsageInfo (types.BuildCache). Engine 26.1 tags Parents as
 * `json:" Parents"` (a leading space); older engines send `Parent`, newer ones `Parents`: all three read.
 */
const ENGINE_NAMES: UsageJsonNames = {
  id: 'ID',
  recordType: 'Type',
  description: 'Description',
  size: 'Size',
  createdAt: 'CreatedAt',
  lastUsedAt: 'LastUsedAt',
  usageCount: 'UsageCount',
  shared: 'Shared',
  inUse: 'InUse',
  mutable: undefined,
  parent: 'Parent',
  parents: ['Parents', ' Parents'],
};

/** The engine's JSON to records (usage-record.ts); anything not the documented shape is drift. */
export function parseSystemDfBuildCache(body: unknown): CacheRecord[] {
  const list = (body as { BuildCache?: unknown } | null)?.BuildCache;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !(list == null || Array.isArray(list)))
    throw unexpected('/system/df', body);
  return ((list ?? []) as unknown[]).map((item) => {
    const record = readUsageJson(item, ENGINE_NAMES);
    if (!record) throw unexpected('/system/df', item);
    return record;
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
