import type Docker from 'dockerode';
import type { DialOptions } from 'docker-modem';
import { z } from 'zod';
import { toGoDuration, type CacheRecord } from '../../common/contracts/cache';
import { appError } from '../../common/errors';
import type { CacheRead, EngineCachePort, PruneOutcome, PruneRequest } from '../../core/cache/ports';
import type { CallOptions } from '../../core/ports';
import { idFilter } from '../buildx/cache';
import { mapEngineError, type DockerEngine } from './engine';

/**
 * The daemon's build cache through the Engine API, with explicit requests on dockerode's modem.
 * Never dockerode's `df()` / `pruneBuilder()`: both drop their options, and `pruneBuilder()` then
 * sends an UNFILTERED prune of the whole daemon.
 */

// Engine 26.1 tags Parents as `json:" Parents"` (a leading space); older engines send `Parent`, newer
// ones `Parents`. Read all three.
const rawRecord = z
  .object({
    ID: z.string().min(1),
    Type: z.string().optional(),
    Description: z.string().optional(),
    InUse: z.boolean().optional(),
    Shared: z.boolean().optional(),
    Size: z.number().optional(),
    CreatedAt: z.string().nullish(),
    LastUsedAt: z.string().nullish(),
    UsageCount: z.number().optional(),
    Parents: z.array(z.string()).nullish(),
    ' Parents': z.array(z.string()).nullish(),
    Parent: z.string().nullish(),
  })
  .loose();

const rawDf = z.object({ BuildCache: z.array(z.unknown()).nullish() }).loose();
const rawPrune = z
  .object({ CachesDeleted: z.array(z.string()).nullish(), SpaceReclaimed: z.number().nullish() })
  .loose();

/** Go's zero time means "never"; anything before 1971 is treated the same. */
function isoOrNull(text: string | null | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms < Date.UTC(1971, 0, 1) ? null : new Date(ms).toISOString();
}

export function parseSystemDfBuildCache(body: unknown): CacheRecord[] {
  const df = rawDf.safeParse(body);
  if (!df.success) throw unexpected('/system/df', body);
  return (df.data.BuildCache ?? []).map((item) => {
    const parsed = rawRecord.safeParse(item);
    if (!parsed.success) throw unexpected('/system/df', item);
    const r = parsed.data;
    const parents = r.Parents ?? r[' Parents'] ?? (r.Parent ? [r.Parent] : []);
    return {
      id: r.ID,
      type: r.Type || 'regular',
      description: (r.Description ?? '').trimEnd(),
      // BuildKit reports -1 for a size it has not computed yet; buildx counts only positive sizes too.
      size: Math.max(0, Math.round(r.Size ?? 0)),
      createdAt: isoOrNull(r.CreatedAt),
      lastUsedAt: isoOrNull(r.LastUsedAt),
      usageCount: r.UsageCount ?? 0,
      shared: r.Shared ?? false,
      inUse: r.InUse ?? false,
      mutable: null,
      parents,
    };
  });
}

function unexpected(path: string, body: unknown) {
  return appError('INTERNAL', `The Engine API answered ${path} in an unexpected shape.`, {
    hint: 'Report this with the raw answer below.',
    details: { raw: JSON.stringify(body).slice(0, 4000) },
  });
}

export class EngineCache implements EngineCachePort {
  constructor(private readonly engine: DockerEngine) {}

  private dial(docker: Docker, options: DialOptions, call: CallOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      docker.modem.dial(
        { ...options, ...(call.signal ? { abortSignal: call.signal } : {}) },
        (err: unknown, data: unknown) => {
          if (err) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
          else resolve(data);
        },
      );
    });
  }

  async usage(call: CallOptions): Promise<CacheRead> {
    const docker = await this.engine.client(call.timeoutMs);
    let body: unknown;
    try {
      body = await this.dial(
        docker,
        {
          path: '/system/df?',
          method: 'GET',
          options: { type: 'build-cache' },
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        },
        call,
      );
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
    const docker = await this.engine.client(call.timeoutMs);
    let body: unknown;
    try {
      body = await this.dial(
        docker,
        {
          path: '/build/prune?',
          method: 'POST',
          options,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        },
        call,
      );
    } catch (err) {
      throw this.mapError(err, call);
    }
    const parsed = rawPrune.safeParse(body);
    if (!parsed.success) throw unexpected('/build/prune', body);
    return { ids: parsed.data.CachesDeleted ?? [], size: parsed.data.SpaceReclaimed ?? 0, sizeExact: true };
  }

  async apiVersion(call: CallOptions): Promise<string> {
    try {
      return (await (await this.engine.client(call.timeoutMs)).version()).ApiVersion;
    } catch (err) {
      throw this.mapError(err, call);
    }
  }

  private mapError(err: unknown, call: CallOptions) {
    if (call.signal?.aborted) return appError('CANCELLED', 'Reading the build cache was cancelled.');
    const e = err as { statusCode?: number; json?: { message?: string } | null; message?: string };
    if (e.statusCode === 400) {
      return appError(
        'INVALID_INPUT',
        `The engine refused the request: ${e.json?.message ?? e.message ?? 'bad parameter'}.`,
        {
          details: { field: 'filters', statusCode: 400 },
        },
      );
    }
    return mapEngineError(err, this.engine.endpoint);
  }
}
