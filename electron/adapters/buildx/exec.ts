import type { AppError, ErrorCode, FailureReason } from '../../common/errors';
import { AppException } from '../../common/errors';
import type { CallOptions } from '../../core/ports';
import { run, type RunOptions, type RunResult } from '../process/run';
import { dockerMissing, mapBuildxFailure } from './failures';

export interface DockerConfig {
  /** The docker CLI; buildx runs as its plugin so contexts and config resolve as the user expects. */
  dockerPath: string;
  /** Environment for every call; tests pass their own BUILDX_CONFIG here. */
  env: NodeJS.ProcessEnv;
}

export interface ExecOptions
  extends
    CallOptions,
    Pick<RunOptions, 'cwd' | 'onStderr' | 'maxBufferBytes' | 'keepTail' | 'group' | 'stopWith' | 'kill' | 'onStop'> {
  /** Added to the configured environment (bake variables, a kubeconfig). */
  env?: Readonly<Record<string, string>>;
  /** Each complete, non-blank stderr line as it arrives (bootstrap progress). */
  onLine?: (line: string) => void;
  /**
   * Failures the caller reads itself (GitHub Desktop's `expectedErrors`): a failure whose code or
   * reason is listed comes back as `failure` instead of being thrown; 'any' returns every non-zero exit.
   */
  expected?: readonly (ErrorCode | FailureReason)[] | 'any';
  /** Phrases of one command (builder create/rm/--leave) read before the shared table. */
  classify?: (stderr: string, args: readonly string[]) => AppException;
}

export interface ExecResult extends RunResult {
  /** The classified failure of a non-zero exit the caller expected. */
  failure?: AppError;
}

/**
 * THE way BuildDeck runs docker and buildx: argument arrays only, every call bounded and
 * cancellable, a missing CLI is DOCKER_MISSING, and a non-zero exit becomes an AppException
 * classified by the one phrase table (failures.ts), so no caller reads stderr to decide anything.
 */
export class DockerExec {
  constructor(private readonly config: () => DockerConfig) {}

  async exec(args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const { dockerPath, env } = this.config();
    const lines = options.onLine ? lineSplitter(options.onLine) : undefined;
    const onStderr =
      lines || options.onStderr
        ? (chunk: string) => {
            options.onStderr?.(chunk);
            lines?.push(chunk);
          }
        : undefined;
    let result: RunResult;
    try {
      result = await run(dockerPath, args, {
        timeoutMs: options.timeoutMs,
        env: options.env ? { ...env, ...options.env } : env,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(onStderr ? { onStderr } : {}),
        ...(options.maxBufferBytes !== undefined ? { maxBufferBytes: options.maxBufferBytes } : {}),
        ...(options.keepTail ? { keepTail: true } : {}),
        ...(options.group ? { group: true } : {}),
        ...(options.stopWith ? { stopWith: options.stopWith } : {}),
        ...(options.kill ? { kill: options.kill } : {}),
        ...(options.onStop ? { onStop: options.onStop } : {}),
      });
    } catch (err) {
      if (err instanceof AppException) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw dockerMissing(dockerPath);
      throw err;
    }
    lines?.end();
    if (result.code === 0 || result.stoppedFor !== undefined) return result;
    const failure = (options.classify ?? mapBuildxFailure)(result.stderr, args).appError;
    const reason = failure.details?.['reason'];
    const expected = options.expected;
    if (
      expected === 'any' ||
      expected?.includes(failure.code) ||
      (typeof reason === 'string' && expected?.includes(reason as FailureReason))
    ) {
      return { ...result, failure };
    }
    throw new AppException(failure);
  }
}

/** Cuts a chunked stream into lines; `end()` delivers an unterminated last line. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.trim()) onLine(line);
      }
    },
    end() {
      if (pending.trim()) onLine(pending.trim());
      pending = '';
    },
  };
}
