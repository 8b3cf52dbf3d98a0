import type { CacheRecord } from '../../common/contracts/cache';
import { BUILDCTL_DU_JSON, isEngineEndpoint } from '../../common/builders/buildx-store';
import { AppException, appError } from '../../common/errors';
import type { CacheRead, ContainerCachePort } from '../../core/cache/ports';
import type { CallOptions } from '../../core/ports';
import { mapEngineError, type DockerEngine } from './engine';
import { EngineHttpError } from './engine-api';
import { execInContainer, execOutput, takeEarlyExec } from './exec-stream';
import { cacheRecord, isoFromMs, readUsageJson, type UsageJsonNames } from './usage-record';
import { diskUsage, type UsageRecord } from '../buildkit/control';
import { BuildkitConnection, GrpcError } from '../buildkit/grpc';

/**
 * Exact cache records of a docker-container builder, from BuildKit itself: `buildctl dial-stdio` is
 * exec'd in its container through the Engine API (ONE exec, over node:http: no dockerode, no buildx)
 * and Control/DiskUsage is asked over it, decoded straight from protobuf into records. buildx only
 * prints sizes to 4 significant digits and last use as "N ago"; BuildKit's own numbers are exact.
 * The connection is kept for a minute: a window reading the cache again pays no second exec. A
 * one-shot process (the CLI) runs `buildctl du --format '{{json .}}'` instead: the same one exec,
 * without loading HTTP/2 for a single call.
 * A buildctl without dial-stdio falls back to `buildctl du --format '{{json .}}'`; anything else
 * (another engine) to `buildx du`.
 */

/** buildctl's spelling of UsageInfo (its json tags). */
const BUILDCTL_NAMES: UsageJsonNames = {
  id: 'id',
  recordType: 'recordType',
  description: 'description',
  size: 'size',
  createdAt: 'createdAt',
  lastUsedAt: 'lastUsedAt',
  usageCount: 'usageCount',
  shared: 'shared',
  inUse: 'inUse',
  mutable: 'mutable',
  parent: 'parent',
  parents: ['parents'],
};

/**
 * buildctl's JSON (client.UsageInfo json tags): one array, or `null` for an empty cache. Read as
 * usage-record.ts reads every spelling; a record in another shape throws (drift).
 */
export function parseBuildctlDu(stdout: string | Buffer): CacheRecord[] {
  const text = typeof stdout === 'string' ? stdout : stdout.toString('utf8');
  const body: unknown = JSON.parse(text.trim() || 'null');
  if (body === null) return [];
  if (!Array.isArray(body)) throw new Error('buildctl du did not print a JSON array');
  return body.map((item: unknown) => {
    const record = readUsageJson(item, BUILDCTL_NAMES);
    if (!record)
      throw new Error(`buildctl du printed a record in an unexpected shape: ${JSON.stringify(item).slice(0, 400)}`);
    return record;
  });
}

/** How long an idle pooled connection stays open. */
const IDLE_MS = 60_000;

function toRecord(r: UsageRecord): CacheRecord {
  return cacheRecord({ ...r, createdAt: isoFromMs(r.createdAt), lastUsedAt: isoFromMs(r.lastUsedAt) });
}

export class BuildkitContainerCache implements ContainerCachePort {
  private readonly pool = new Map<string, { conn: Promise<BuildkitConnection>; idle?: NodeJS.Timeout }>();

  constructor(
    private readonly engine: DockerEngine,
    /**
     * false in a one-shot process (the CLI): it reads once and exits, so `buildctl du` (JSON, one exec)
     * beats loading node:http2 (with tls and crypto) for a connection nobody will reuse.
     */
    private readonly pooled = true,
  ) {}

  /** Node endpoints that mean "the engine BuildDeck talks to": its own address, or the default context. */
  isLocal(endpoint: string): boolean {
    return isEngineEndpoint(endpoint, this.engine.endpoint, process.env);
  }

  async usage(containers: readonly string[], call: CallOptions): Promise<CacheRead | undefined> {
    const records: CacheRecord[] = [];
    let source: CacheRead['source'] = 'buildkit-api';
    for (const name of containers) {
      const viaApi = this.pooled ? await this.diskUsage(name, call) : undefined;
      if (viaApi) {
        for (const r of viaApi) records.push(toRecord(r));
        continue;
      }
      const out = await this.exec(name, [...BUILDCTL_DU_JSON], call);
      if (out === undefined) return undefined;
      try {
        records.push(...parseBuildctlDu(out));
        source = 'buildctl-json';
      } catch {
        return undefined; // an older buildctl without --format: buildx du will do
      }
    }
    return { records, source, sizeExact: true, lastUsedExact: true };
  }

  /** Closes pooled connections (their buildctl dial-stdio processes end with them). */
  close(): void {
    for (const [name, entry] of this.pool) {
      if (entry.idle) clearTimeout(entry.idle);
      entry.conn.then((c) => c.close()).catch(() => undefined);
      this.pool.delete(name);
    }
  }

  /** Records over a (pooled) dial-stdio connection; undefined when this buildctl cannot dial. */
  private async diskUsage(container: string, call: CallOptions): Promise<UsageRecord[] | undefined> {
    let entry = this.pool.get(container);
    if (entry) {
      const conn = await entry.conn.catch(() => undefined);
      if (!conn || conn.closed) {
        this.pool.delete(container);
        entry = undefined;
      }
    }
    if (!entry) {
      const conn = this.dial(container, call);
      entry = { conn };
      this.pool.set(container, entry);
      conn.catch(() => this.pool.delete(container));
    }
    if (entry.idle) clearTimeout(entry.idle);
    const conn = await entry.conn;
    try {
      return await diskUsage(conn, call);
    } catch (err) {
      this.pool.delete(container);
      conn.close();
      if (err instanceof GrpcError) return undefined; // not the Control API we know: buildctl du
      if (err instanceof AppException) throw err; // TIMEOUT, CANCELLED
      return undefined; // the stream died (no dial-stdio in this buildctl): buildctl du
    } finally {
      const current = this.pool.get(container);
      if (current === entry) {
        entry.idle = setTimeout(() => {
          this.pool.delete(container);
          conn.close();
        }, IDLE_MS);
        entry.idle.unref();
      }
    }
  }

  private async dial(container: string, call: CallOptions): Promise<BuildkitConnection> {
    try {
      const stream = await execInContainer(this.engine.api(), container, ['buildctl', 'dial-stdio'], call);
      return new BuildkitConnection(stream.unref());
    } catch (err) {
      throw this.execFailure(err, container);
    }
  }

  /** 409: the container exists but is stopped; 404: it does not exist (never bootstrapped). */
  private execFailure(err: unknown, container: string): Error {
    if (err instanceof EngineHttpError && (err.statusCode === 409 || err.statusCode === 404)) {
      return appError('BUILDER_UNREACHABLE', `BuildKit container ${container} is not running.`, {
        details: {
          container,
          canBootstrap: true,
          status: err.statusCode === 404 ? 'inactive' : 'stopped',
          statusCode: err.statusCode,
        },
      });
    }
    return mapEngineError(err, this.engine.endpoint);
  }

  /**
   * stdout of a command in a running container, as one Buffer; undefined when it printed nothing on
   * stdout (it failed: the caller falls back). No exec inspect: what it printed says enough. The
   * CLI may have started the same command before the core loaded (composition/early.ts): its output
   * is taken once, and an empty or failed one is run again here, so every error is this call's own.
   */
  private async exec(container: string, cmd: string[], call: CallOptions): Promise<Buffer | undefined> {
    try {
      const early = await takeEarlyExec(this.engine.endpoint, container, cmd, call);
      if (early) return early;
      const out = await execOutput(this.engine.api(), container, cmd, call, 'Reading the build cache was cancelled.');
      return out.length > 0 ? out : undefined;
    } catch (err) {
      throw this.execFailure(err, container);
    }
  }
}
