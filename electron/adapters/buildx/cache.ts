import { toGoDuration } from '../../common/contracts/cache';
import { AppException, appError, reasonOf, silentBuilder } from '../../common/errors';
import type {
  BuildxCachePort,
  CacheRead,
  PruneOutcome,
  PruneRequest,
  StoredCacheBuilder,
} from '../../core/cache/ports';
import type { BuildxStore, CallOptions } from '../../core/ports';
import type { BuildxCli } from './cli';
import { parseDuJson, parseDuVerbose, parsePruneVerbose } from './cache-parse';
import { compareSemVer, parseSemVer, type SemVer } from './parse';

/** Anchored alternation of cache ids for buildx's `id` filter, which it sends as `id~=<regex>`. */
export function idFilter(ids: readonly string[]): string {
  for (const id of ids) {
    // Ids are BuildKit identity strings; anything else must not reach a regex.
    if (!/^[a-z0-9]+$/i.test(id))
      throw appError('INVALID_INPUT', `Not a cache record id: ${JSON.stringify(id)}.`, { details: { field: 'ids' } });
  }
  return `^(${ids.join('|')})$`;
}

function storedOf(store: BuildxStore, name: string): StoredCacheBuilder | undefined {
  const b = store.builders.find((x) => x.name === name);
  return b ? { driver: b.driver, nodes: b.nodes.map((n) => ({ name: n.name, endpoint: n.endpoint })) } : undefined;
}

/**
 * `docker buildx du/prune` for any builder. Errors that mean "the builder is not running" become
 * BUILDER_UNREACHABLE with `canBootstrap`, the rest keep buildx's own mapping.
 */
export class BuildxCache implements BuildxCachePort {
  constructor(private readonly cli: BuildxCli) {}

  async version(): Promise<string> {
    return (await this.cli.info()).version;
  }

  async storedBuilder(name: string): Promise<StoredCacheBuilder | undefined> {
    return storedOf(await this.cli.stored(), name);
  }

  async usage(name: string, call: CallOptions): Promise<CacheRead> {
    const info = await this.cli.info();
    // "N ago" is relative to buildx's own clock while it printed, at the latest when it exited: the
    // time after the run makes every rounded last use as late as it can be (never older than real,
    // so `until` never removes a record that may be younger). Under load a run takes seconds.
    if (info.features.duJson) {
      const result = await this.run(name, ['du', '--builder', name, '--format', 'json'], call);
      const readAt = Date.now();
      return {
        records: parseDuJson(result.stdout, readAt),
        source: 'buildx-json',
        sizeExact: false,
        lastUsedExact: false,
      };
    }
    const result = await this.run(name, ['du', '--builder', name, '--verbose'], call);
    const readAt = Date.now();
    return {
      records: parseDuVerbose(result.stdout, readAt).records,
      source: 'buildx-verbose',
      sizeExact: false,
      lastUsedExact: false,
    };
  }

  async prune(name: string, request: PruneRequest, call: CallOptions): Promise<PruneOutcome> {
    if (request.ids.length === 0) return { ids: [], size: 0, sizeExact: true };
    const version: SemVer = parseSemVer(await this.version()) ?? [0, 0, 0];
    // buildx 0.18 renamed --keep-storage to --reserved-space (the old name still works, deprecated).
    const reservedFlag = compareSemVer(version, [0, 18, 0]) >= 0 ? '--reserved-space' : '--keep-storage';
    const args = ['prune', '--builder', name, '--force', '--verbose', '--filter', `id=${idFilter(request.ids)}`];
    if (request.untilMs !== undefined) args.push('--filter', `until=${toGoDuration(request.untilMs)}`);
    if (request.all) args.push('--all');
    if (request.reservedSpace !== undefined) args.push(reservedFlag, String(request.reservedSpace));
    if (request.maxUsedSpace !== undefined) args.push('--max-used-space', String(request.maxUsedSpace));
    if (request.minFreeSpace !== undefined) args.push('--min-free-space', String(request.minFreeSpace));
    const result = await this.run(name, args, call);
    const parsed = parsePruneVerbose(result.stdout);
    return { ids: parsed.removed.map((r) => r.id), size: parsed.total, sizeExact: false };
  }

  private async run(name: string, args: string[], call: CallOptions) {
    try {
      return await this.cli.exec(args, call);
    } catch (err) {
      throw mapCacheFailure(err, name, call.timeoutMs);
    }
  }
}

export function mapCacheFailure(err: unknown, builder: string, timeoutMs: number): unknown {
  if (!(err instanceof AppException)) return err;
  const e = err.appError;
  const stderr = typeof e.details?.['stderr'] === 'string' ? e.details['stderr'] : '';
  if (e.code === 'TIMEOUT') {
    return silentBuilder(builder, timeoutMs, 'retry', { timeoutMs, canBootstrap: false });
  }
  const reason = reasonOf(err);
  if (reason === 'builder-stopped' || reason === 'builder-inactive') {
    return builderNotRunning(builder, true, stderr, reason === 'builder-inactive' ? 'inactive' : 'stopped');
  }
  return err;
}

export function builderNotRunning(
  builder: string,
  canBootstrap: boolean,
  stderr?: string,
  status = 'stopped',
): AppException {
  return appError('BUILDER_UNREACHABLE', `Builder "${builder}" is not running.`, {
    hint: canBootstrap
      ? `Start it (Builders view, or \`docker buildx inspect --bootstrap ${builder}\`), then retry.`
      : 'Start the BuildKit daemon it points to, then retry.',
    details: { builder, status, canBootstrap, ...(stderr ? { stderr: stderr.slice(-4000) } : {}) },
  });
}
