import { join } from 'node:path';
import { buildLeaveArgs, type CreateCommand } from '../../common/builders/create-args';
import { AppException, appError } from '../../common/errors';
import type { BuilderOpsPort, InspectReport, RunCall, StoredBuilderDetails } from '../../core/builders/ports';
import { run, type RunResult } from '../process/run';
import { mapBuilderFailure, type FailureContext } from './builder-errors';
import type { BuildxCli, BuildxCliOptions } from './cli';
import { parseInspectDetails } from './inspect-details';

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

  storedAll(): Promise<StoredBuilderDetails[]> {
    return this.cli.instances();
  }

  dataDir(): string {
    return join(this.cli.configDir(), 'builddeck');
  }
}
