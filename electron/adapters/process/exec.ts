import type { AppError, ErrorCode, FailureReason } from '../../common/errors';
import { AppException } from '../../common/errors';
import type { CallOptions } from '../../core/ports';
import { run, type RunOptions, type RunResult } from './run';

/** The program a ProgramExec runs, read on every call: settings may change its path or environment. */
export interface ProgramConfig {
  path: string;
  /** Environment for every call; tests pass their own BUILDX_CONFIG here. */
  env: NodeJS.ProcessEnv;
}

/** What one program's failures mean: docker/buildx (buildx/exec.ts), kubectl (kube/kubectl.ts). */
export interface ProgramRules {
  /** The error for a program that is not installed (spawn ENOENT); without it the spawn error is rethrown, for callers that do without the program. */
  missing?: (path: string) => AppException;
  /** The phrase table that turns a non-zero exit's stderr into a classified error. */
  classify: (stderr: string, args: readonly string[]) => AppException;
}

export interface ExecOptions
  extends
    CallOptions,
    Pick<
      RunOptions,
      'cwd' | 'onStderr' | 'maxBufferBytes' | 'keepTail' | 'group' | 'stopWith' | 'kill' | 'onStop' | 'onSpawned'
    > {
  /** Added to the configured environment (bake variables, a kubeconfig). */
  env?: Readonly<Record<string, string>>;
  /** Each complete, non-blank stderr line as it arrives (bootstrap progress). */
  onLine?: (line: string) => void;
  /**
   * Failures the caller reads itself (GitHub Desktop's `expectedErrors`): a failure whose code or
   * reason is listed comes back as `failure` instead of being thrown; 'any' returns every non-zero exit.
   */
  expected?: readonly (ErrorCode | FailureReason)[] | 'any';
  /** Phrases of one command (builder create/rm/--leave, reading a kubeconfig) read before the program's table. */
  classify?: (stderr: string, args: readonly string[]) => AppException;
}

export interface ExecResult extends RunResult {
  /** The classified failure of a non-zero exit the caller expected. */
  failure?: AppError;
}

/**
 * THE way BuildDeck runs an external program: argument arrays only, every call bounded and
 * cancellable, a missing program is the program's own error, and a non-zero exit becomes an
 * AppException classified by the program's phrase table, so no caller reads stderr to decide anything.
 */
export class ProgramExec {
  constructor(
    private readonly config: () => ProgramConfig,
    private readonly rules: ProgramRules,
  ) {}

  exec(args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const { path, env } = this.config();
    return this.runAs(path, args, args, env, options);
  }

  /**
   * Runs `path argv`, as the program `args` asked for (the phrase table and errors read `args`).
   * For a program that starts another one itself (docker starting its buildx plugin).
   */
  protected async runAs(
    path: string,
    argv: readonly string[],
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    options: ExecOptions,
  ): Promise<ExecResult> {
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
      result = await run(path, argv, {
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
        ...(options.onSpawned ? { onSpawned: options.onSpawned } : {}),
      });
    } catch (err) {
      if (err instanceof AppException) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.rules.missing) throw this.rules.missing(path);
      throw err;
    }
    lines?.end();
    if (result.code === 0 || result.stoppedFor !== undefined) return result;
    const failure = (options.classify ?? this.rules.classify)(result.stderr, args).appError;
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
