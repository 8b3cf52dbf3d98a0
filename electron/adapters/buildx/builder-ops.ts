import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { buildLeaveArgs, type CreateCommand } from '../../common/builders/create-args';
import { AppException, appError } from '../../common/errors';
import type { BuilderOpsPort, InspectReport, RunCall, StoredBuilderDetails } from '../../core/builders/ports';
import { run, type RunResult } from '../process/run';
import { mapBuilderFailure, type FailureContext } from './builder-errors';
import type { BuildxCli, BuildxCliOptions } from './cli';
import { parseInspectDetails } from './inspect-details';
import { formatPlatform } from './parse';

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

const contextOf = (call: RunCall): FailureContext => (call.kube ? { kube: call.kube } : {});

/** Builder lifecycle through the buildx CLI: argument arrays only, every call bounded and cancellable. */
export class BuildxBuilderOps implements BuilderOpsPort {
  constructor(
    private readonly cli: BuildxCli,
    /** Docker CLI and environment (a getter: settings may change them while the app runs). */
    private readonly current: () => BuildxCliOptions,
  ) {}

  /** Runs `docker ARGS` (args start with 'buildx'); non-zero exits become mapped AppExceptions. */
  private async exec(
    args: readonly string[],
    call: RunCall,
    env: Record<string, string> = {},
    context: FailureContext = {},
  ): Promise<RunResult> {
    let pending = '';
    const onStderr = call.onLine
      ? (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).replace(/\r$/, '');
            pending = pending.slice(nl + 1);
            if (line.trim()) call.onLine?.(line);
          }
        }
      : undefined;
    const options = this.current();
    let result: RunResult;
    try {
      result = await run(options.dockerPath, args, {
        timeoutMs: call.timeoutMs,
        env: { ...options.env, ...env },
        ...(call.signal ? { signal: call.signal } : {}),
        ...(onStderr ? { onStderr } : {}),
      });
    } catch (err) {
      if (err instanceof AppException) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw appError('DOCKER_MISSING', `The Docker CLI was not found ("${options.dockerPath}").`, {
          hint: 'Install the Docker CLI (Debian/Ubuntu: `apt-get install docker-cli docker-buildx`) or set its path in Settings.',
          details: { command: options.dockerPath },
        });
      }
      throw err;
    }
    if (pending.trim()) call.onLine?.(pending.trim());
    if (result.code !== 0) throw mapBuilderFailure(result.stderr, args, context);
    return result;
  }

  async create(command: CreateCommand, call: RunCall): Promise<void> {
    await this.exec(command.args, call, command.env, contextOf(call));
  }

  async inspect(name: string, call: RunCall & { bootstrap?: boolean }): Promise<InspectReport> {
    const args = ['buildx', 'inspect', ...(call.bootstrap ? ['--bootstrap'] : []), name];
    const result = await this.exec(args, call, {}, contextOf(call));
    return parseInspectDetails(result.stdout);
  }

  async stop(name: string, call: RunCall): Promise<void> {
    await this.exec(['buildx', 'stop', name], call);
  }

  async use(name: string, call: RunCall): Promise<void> {
    await this.exec(['buildx', 'use', name], call);
  }

  async remove(name: string, options: { keepState: boolean; keepDaemon: boolean }, call: RunCall): Promise<void> {
    const args = ['buildx', 'rm', '--force'];
    if (options.keepState) args.push('--keep-state');
    if (options.keepDaemon) args.push('--keep-daemon');
    await this.exec([...args, name], call);
  }

  async leave(name: string, node: string, call: RunCall): Promise<void> {
    await this.exec(buildLeaveArgs(name, node), call);
  }

  async stored(name: string): Promise<StoredBuilderDetails | undefined> {
    return (await this.storedAll()).find((b) => b.name === name);
  }

  async storedAll(): Promise<StoredBuilderDetails[]> {
    const dir = join(this.cli.configDir(), 'instances');
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      return [];
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
        // Half-written or foreign files in buildx's store are buildx's business.
      }
    }
    return out;
  }

  dataDir(): string {
    return join(this.cli.configDir(), 'builddeck');
  }
}
