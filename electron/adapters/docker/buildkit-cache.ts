import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { CacheRecord } from '../../common/contracts/cache';
import { appError } from '../../common/errors';
import type { CacheRead, ContainerCachePort } from '../../core/cache/ports';
import type { CallOptions } from '../../core/ports';
import { mapEngineError, type DockerEngine } from './engine';

/**
 * Exact cache records of a docker-container builder: `buildctl du --format '{{json .}}'` run inside
 * its BuildKit container through the Engine API. buildx only prints sizes to 4 significant digits and
 * last use as "N ago"; buildctl prints BuildKit's own numbers and times. Used when the builder's
 * containers live on the engine BuildDeck talks to; anything else falls back to `buildx du`.
 */

const rawRecord = z
  .object({
    id: z.string().min(1),
    mutable: z.boolean().optional(),
    inUse: z.boolean().optional(),
    size: z.number().optional(),
    createdAt: z.string().nullish(),
    lastUsedAt: z.string().nullish(),
    usageCount: z.number().optional(),
    parents: z.array(z.string()).nullish(),
    parent: z.string().nullish(),
    description: z.string().optional(),
    recordType: z.string().optional(),
    shared: z.boolean().optional(),
  })
  .loose();

function iso(text: string | null | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms < Date.UTC(1971, 0, 1) ? null : new Date(ms).toISOString();
}

/** buildctl's JSON: one array of client.UsageInfo (json tags), or `null` for an empty cache. */
export function parseBuildctlDu(stdout: string): CacheRecord[] {
  const body: unknown = JSON.parse(stdout.trim() || 'null');
  if (body === null) return [];
  const list = z.array(z.unknown()).safeParse(body);
  if (!list.success) throw new Error('buildctl du did not print a JSON array');
  return list.data.map((item) => {
    const r = rawRecord.parse(item);
    return {
      id: r.id,
      type: r.recordType || 'regular',
      description: (r.description ?? '').trimEnd(),
      size: Math.max(0, Math.round(r.size ?? 0)),
      createdAt: iso(r.createdAt),
      lastUsedAt: iso(r.lastUsedAt),
      usageCount: r.usageCount ?? 0,
      shared: r.shared ?? false,
      inUse: r.inUse ?? false,
      mutable: r.mutable ?? null,
      parents: r.parents ?? (r.parent ? [r.parent] : []),
    };
  });
}

export class BuildkitContainerCache implements ContainerCachePort {
  constructor(private readonly engine: DockerEngine) {}

  /** Node endpoints that mean "the engine BuildDeck talks to": its own address, or the default context. */
  isLocal(endpoint: string): boolean {
    return endpoint === this.engine.endpoint || (endpoint === 'default' && !process.env['DOCKER_CONTEXT']);
  }

  async usage(containers: readonly string[], call: CallOptions): Promise<CacheRead | undefined> {
    const records: CacheRecord[] = [];
    for (const name of containers) {
      const out = await this.exec(name, ['buildctl', 'du', '--format', '{{json .}}'], call);
      if (out === undefined) return undefined;
      try {
        records.push(...parseBuildctlDu(out));
      } catch {
        return undefined; // an older buildctl without --format: buildx du will do
      }
    }
    return { records, source: 'buildctl-json', sizeExact: true, lastUsedExact: true };
  }

  /** stdout of a command in a running container; undefined when it ran but failed (fallback). */
  private async exec(container: string, cmd: string[], call: CallOptions): Promise<string | undefined> {
    const docker = await this.engine.client(call.timeoutMs);
    try {
      const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({
        hijack: true,
        stdin: false,
        ...(call.signal ? { abortSignal: call.signal } : {}),
      });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const chunks: Buffer[] = [];
      stdout.on('data', (c: Buffer) => chunks.push(c));
      stderr.resume();
      docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          stream.destroy();
          reject(appError('TIMEOUT', `buildctl in ${container} did not answer within ${call.timeoutMs} ms.`));
        }, call.timeoutMs);
        stream.on('end', () => {
          clearTimeout(timer);
          resolve();
        });
        stream.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      const info = await exec.inspect();
      return info.ExitCode === 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
    } catch (err) {
      const e = err as { statusCode?: number; message?: string };
      // 409: the container exists but is stopped; 404: it does not exist (never bootstrapped).
      if (e.statusCode === 409 || e.statusCode === 404) {
        throw appError('BUILDER_UNREACHABLE', `BuildKit container ${container} is not running.`, {
          details: {
            container,
            canBootstrap: true,
            status: e.statusCode === 404 ? 'inactive' : 'stopped',
            statusCode: e.statusCode,
          },
        });
      }
      throw mapEngineError(err, this.engine.endpoint);
    }
  }
}
