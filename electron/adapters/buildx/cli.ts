import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Builder, BuildxInfo } from '../../common/domain';
import type { StoredBuilderDetails } from '../../core/builders/ports';
import type { BuildxPort, BuildxStore, CallOptions } from '../../core/ports';
import { buildxConfigDir } from './config-dirs';
import { DockerExec, type DockerConfig, type ExecOptions, type ExecResult } from './exec';
import { buildxMissing } from './failures';
import { BuildxVersionCache, buildxFingerprint } from './version-cache';
import { formatPlatform, isSupportedBuildx, parseBuildxVersion, parseInspectText } from './parse';

export interface BuildxCliOptions extends DockerConfig {
  /** Bound for quick metadata calls (version). */
  metaTimeoutMs?: number;
  /** Where `docker buildx version` answers are remembered across processes (see version-cache.ts). */
  versionCacheFile?: string;
}

const storedNode = z
  .object({
    Name: z.string().optional(),
    Endpoint: z.string().optional(),
    Platforms: z
      .array(
        z
          .object({ os: z.string().optional(), architecture: z.string().optional(), variant: z.string().optional() })
          .loose(),
      )
      .nullish(),
    DriverOpts: z.record(z.string(), z.string()).nullish(),
    Flags: z.array(z.string()).nullish(),
    Files: z.record(z.string(), z.string()).nullish(),
  })
  .loose();

const storedInstance = z
  .object({ Name: z.string(), Driver: z.string().optional(), Nodes: z.array(storedNode).nullish() })
  .loose();

/** The buildx CLI as BuildDeck's BuildxPort: argument arrays only, every call bounded. */
export class BuildxCli implements BuildxPort {
  private infoPromise: Promise<BuildxInfo> | undefined;

  constructor(private options: BuildxCliOptions) {}

  /** Settings changed (docker path or endpoint): later calls use the new ones, detection runs again. */
  reconfigure(options: BuildxCliOptions): void {
    this.options = options;
    this.infoPromise = undefined;
  }

  /** THE runner of docker and buildx (exec.ts), on this CLI's current docker path and environment. */
  readonly docker = new DockerExec(() => this.options);

  /** Runs `docker buildx ARGS`; a non-zero exit becomes an AppException classified by failures.ts. */
  exec(args: readonly string[], call: ExecOptions): Promise<ExecResult> {
    return this.docker.exec(['buildx', ...args], call);
  }

  info(): Promise<BuildxInfo> {
    // Cached: the plugin does not change under a running app; a failure is not cached.
    this.infoPromise ??= this.readInfo().catch((err: unknown) => {
      this.infoPromise = undefined;
      throw err;
    });
    return this.infoPromise;
  }

  private async readInfo(): Promise<BuildxInfo> {
    const { dockerPath, env, versionCacheFile } = this.options;
    const cache = versionCacheFile ? new BuildxVersionCache(versionCacheFile) : undefined;
    const key = cache ? await buildxFingerprint(dockerPath, env) : undefined;
    let stdout = key ? await cache?.get(key) : undefined;
    if (stdout === undefined) {
      stdout = (await this.exec(['version'], { timeoutMs: this.options.metaTimeoutMs ?? 10_000 })).stdout;
      // Only an answer that parses is remembered; a docker CLI that printed nothing useful is asked again.
      parseBuildxVersion(stdout, `${dockerPath} buildx`);
      if (key) await cache?.put(key, stdout);
    }
    const info = parseBuildxVersion(stdout, `${dockerPath} buildx`);
    if (!isSupportedBuildx(info)) throw buildxMissing(info.version);
    return info;
  }

  async inspect(name: string, call: CallOptions): Promise<Builder> {
    const result = await this.exec(['inspect', name], call);
    return parseInspectText(result.stdout);
  }

  async stored(): Promise<BuildxStore> {
    const root = this.configDir();
    const [builders, current] = await Promise.all([this.instances(), this.readCurrent(root)]);
    return { builders, current };
  }

  async contexts(call: CallOptions): Promise<string[]> {
    const result = await this.docker.exec(['context', 'ls', '--format', '{{.Name}}'], {
      timeoutMs: call.timeoutMs,
      expected: 'any',
    });
    const names = result.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return names.length > 0 ? names : ['default'];
  }

  /**
   * buildx's instance store as it is on disk (no network, no process): every builder with its nodes'
   * endpoints, pinned platforms, driver options, daemon flags and files (buildkitd.toml, TLS material).
   */
  async instances(): Promise<StoredBuilderDetails[]> {
    const dir = join(this.configDir(), 'instances');
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      return []; // no store yet: only context builders exist
    }
    const out: StoredBuilderDetails[] = [];
    for (const file of files.sort()) {
      try {
        const parsed = storedInstance.safeParse(JSON.parse(await readFile(join(dir, file), 'utf8')));
        if (!parsed.success) continue;
        out.push({
          name: parsed.data.Name,
          driver: parsed.data.Driver ?? '',
          nodes: (parsed.data.Nodes ?? []).map((n) => ({
            name: n.Name ?? '',
            endpoint: n.Endpoint ?? '',
            pinnedPlatforms: (n.Platforms ?? []).map(formatPlatform),
            driverOpts: n.DriverOpts ?? {},
            flags: n.Flags ?? [],
            files: Object.entries(n.Files ?? {}).map(([fileName, b64]) => ({
              name: fileName,
              content: Buffer.from(b64, 'base64').toString('utf8'),
            })),
          })),
        });
      } catch {
        // A half-written or foreign file in buildx's store is buildx's business, not a reason to fail.
      }
    }
    return out;
  }

  /** `current` holds {"Key": docker endpoint, "Name": builder or "" for the context's own}. */
  private async readCurrent(root: string): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(join(root, 'current'), 'utf8')) as { Name?: unknown };
      return typeof parsed.Name === 'string' && parsed.Name ? parsed.Name : undefined;
    } catch {
      return undefined;
    }
  }

  /** Same resolution as buildx: $BUILDX_CONFIG, else $DOCKER_CONFIG/buildx, else ~/.docker/buildx. */
  configDir(): string {
    return buildxConfigDir(this.options.env);
  }
}
