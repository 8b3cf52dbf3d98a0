import { join } from 'node:path';
import { buildLeaveArgs, type CreateCommand } from '../../common/builders/create-args';
import type { BuilderOpsPort, InspectReport, RunCall, StoredBuilderDetails } from '../../core/builders/ports';
import { mapBuilderFailure, type FailureContext } from './builder-errors';
import type { BuildxCli } from './cli';
import type { ExecResult } from './exec';
import { parseInspectDetails } from './inspect-details';

const contextOf = (call: RunCall): FailureContext => (call.kube ? { kube: call.kube } : {});

/** Builder lifecycle through the buildx CLI: argument arrays only, every call bounded and cancellable. */
export class BuildxBuilderOps implements BuilderOpsPort {
  constructor(
    /** Its runner follows settings (docker path, environment) while the app runs. */
    private readonly cli: BuildxCli,
  ) {}

  /** Runs `docker ARGS` (args start with 'buildx'); non-zero exits become mapped AppExceptions. */
  private exec(
    args: readonly string[],
    call: RunCall,
    env: Record<string, string> = {},
    context: FailureContext = {},
  ): Promise<ExecResult> {
    return this.cli.docker.exec(args, {
      timeoutMs: call.timeoutMs,
      env,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.onLine ? { onLine: call.onLine } : {}),
      classify: (stderr, a) => mapBuilderFailure(stderr, a, context),
    });
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
