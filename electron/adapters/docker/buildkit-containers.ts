import type Docker from 'dockerode';
import { z } from 'zod';
import type { BuildkitContainer, ContainerStats } from '../../common/contracts/builders';
import type { BuildkitContainersPort } from '../../core/builders/ports';
import type { CallOptions } from '../../core/ports';
import { mapEngineError, type DockerEngine } from './engine';

/** The part of `GET /containers/{id}/json` we show; the rest changes between engine versions. */
const rawContainer = z
  .object({
    Id: z.string(),
    Name: z.string(),
    RestartCount: z.number().default(0),
    Config: z
      .object({ Image: z.string().default('') })
      .loose()
      .default({ Image: '' }),
    State: z
      .object({
        Status: z.string().default('unknown'),
        Running: z.boolean().default(false),
        StartedAt: z.string().optional(),
        FinishedAt: z.string().optional(),
        ExitCode: z.number().optional(),
      })
      .loose(),
    HostConfig: z
      .object({
        Memory: z.number().nullish(),
        MemorySwap: z.number().nullish(),
        CpuQuota: z.number().nullish(),
        CpuPeriod: z.number().nullish(),
        CpuShares: z.number().nullish(),
        NanoCpus: z.number().nullish(),
        CpusetCpus: z.string().nullish(),
        CpusetMems: z.string().nullish(),
        NetworkMode: z.string().nullish(),
        RestartPolicy: z
          .object({ Name: z.string().optional(), MaximumRetryCount: z.number().optional() })
          .loose()
          .nullish(),
      })
      .loose(),
    Mounts: z.array(z.object({ Type: z.string().optional(), Name: z.string().optional() }).loose()).nullish(),
  })
  .loose();

const ZERO_TIME = /^0001-01-01/;

/**
 * Docker multiplexes stdout/stderr of a container without a TTY into frames:
 * [stream(1) 0 0 0 size(4, big-endian)] payload. A TTY container sends plain bytes.
 */
export function demuxDockerLogs(buffer: Buffer): string {
  const looksFramed =
    buffer.length >= 8 &&
    buffer[0] !== undefined &&
    buffer[0] <= 2 &&
    buffer[1] === 0 &&
    buffer[2] === 0 &&
    buffer[3] === 0;
  if (!looksFramed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

interface RawStats {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** `docker stats` arithmetic: CPU share of the whole host across its CPUs; memory minus page cache. */
export function computeStats(raw: RawStats, now: Date): ContainerStats {
  const cpu = raw.cpu_stats ?? {};
  const pre = raw.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus ?? cpu.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const mem = raw.memory_stats ?? {};
  const cache = mem.stats?.['inactive_file'] ?? mem.stats?.['total_inactive_file'] ?? mem.stats?.['cache'] ?? 0;
  return {
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memoryBytes: Math.max(0, (mem.usage ?? 0) - cache),
    memoryLimitBytes: mem.limit ?? 0,
    sampledAt: now.toISOString(),
  };
}

/** buildkitd containers of docker-container builders, read through the Engine API. */
export class DockerBuildkitContainers implements BuildkitContainersPort {
  constructor(private readonly engine: DockerEngine) {}

  async inspect(
    container: string,
    options: CallOptions & { logLines: number },
  ): Promise<BuildkitContainer | undefined> {
    let raw: z.infer<typeof rawContainer>;
    const docker = await this.engine.client(options.timeoutMs);
    try {
      raw = rawContainer.parse(await docker.getContainer(container).inspect());
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw mapEngineError(err, this.engine.endpoint);
    }
    let logs: string[] = [];
    if (options.logLines > 0) {
      try {
        const buffer: unknown = await docker
          .getContainer(container)
          .logs({ stdout: true, stderr: true, tail: options.logLines, follow: false });
        logs = demuxDockerLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)))
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l, i, all) => l !== '' || i < all.length - 1);
      } catch {
        logs = [];
      }
    }
    const hc = raw.HostConfig;
    const policy = hc.RestartPolicy?.Name
      ? `${hc.RestartPolicy.Name}${hc.RestartPolicy.Name === 'on-failure' && hc.RestartPolicy.MaximumRetryCount ? `:${hc.RestartPolicy.MaximumRetryCount}` : ''}`
      : undefined;
    return {
      name: raw.Name.replace(/^\//, ''),
      id: raw.Id,
      image: raw.Config.Image,
      state: raw.State.Status,
      running: raw.State.Running,
      restartCount: raw.RestartCount,
      ...(raw.State.StartedAt && !ZERO_TIME.test(raw.State.StartedAt) ? { startedAt: raw.State.StartedAt } : {}),
      ...(raw.State.FinishedAt && !ZERO_TIME.test(raw.State.FinishedAt) ? { finishedAt: raw.State.FinishedAt } : {}),
      ...(raw.State.ExitCode !== undefined && !raw.State.Running ? { exitCode: raw.State.ExitCode } : {}),
      ...(policy ? { restartPolicy: policy } : {}),
      ...(hc.NetworkMode ? { networkMode: hc.NetworkMode } : {}),
      limits: {
        memoryBytes: hc.Memory ?? 0,
        memorySwapBytes: hc.MemorySwap ?? 0,
        cpuQuota: hc.CpuQuota ?? 0,
        cpuPeriod: hc.CpuPeriod ?? 0,
        cpuShares: hc.CpuShares ?? 0,
        nanoCpus: hc.NanoCpus ?? 0,
        cpusetCpus: hc.CpusetCpus ?? '',
        cpusetMems: hc.CpusetMems ?? '',
      },
      logs,
      volumes: (raw.Mounts ?? []).flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : [])),
    };
  }

  async stop(container: string, options: CallOptions): Promise<void> {
    try {
      await (await this.engine.client(options.timeoutMs)).getContainer(container).stop({ t: 5 });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // 304: not running; 404: gone. Both are the state the caller wants.
      if (status !== 304 && status !== 404) throw mapEngineError(err, this.engine.endpoint);
    }
  }

  async removeLeftover(container: string, volume: string | undefined, options: CallOptions): Promise<boolean> {
    const docker = await this.engine.client(options.timeoutMs);
    let removed = false;
    try {
      await docker.getContainer(container).remove({ force: true, v: false });
      removed = true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw mapEngineError(err, this.engine.endpoint);
    }
    if (volume) {
      try {
        await docker.getVolume(volume).remove();
        removed = true;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw mapEngineError(err, this.engine.endpoint);
      }
    }
    return removed;
  }

  async stats(container: string, options: CallOptions): Promise<ContainerStats | undefined> {
    const docker: Docker = await this.engine.client(options.timeoutMs);
    try {
      const c = docker.getContainer(container);
      const info = (await c.inspect()) as { State?: { Running?: boolean } };
      if (!info.State?.Running) return undefined;
      // stream=false still waits for a second sample, so precpu_stats is ~1 s older: a real rate.
      const raw = (await c.stats({ stream: false })) as RawStats;
      return computeStats(raw, new Date());
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw mapEngineError(err, this.engine.endpoint);
    }
  }
}
