import { spawn } from 'node:child_process';
import { appError } from '../../common/errors';

export interface RunOptions {
  /** Hard bound: the child is killed (SIGTERM, then SIGKILL) when it runs longer. */
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each stderr chunk as it arrives (progress streams). */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  /** Stop buffering past this many bytes per stream; the tail beyond is dropped, not the head. */
  maxBufferBytes?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;
const KILL_GRACE_MS = 2000;

/**
 * Runs a program with an argument array: never a shell, so no user input is ever interpolated.
 * Rejects only for "could not run at all" (ENOENT → the caller maps it), TIMEOUT and CANCELLED;
 * a non-zero exit is a normal result the caller interprets with the program's own messages.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    if (options.signal?.aborted) {
      reject(appError('CANCELLED', `Cancelled before ${command} started.`));
      return;
    }
    const child = spawn(command, [...args], {
      shell: false,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const max = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
    let stdout = '';
    let stderr = '';
    let settled = false;
    let killedFor: 'timeout' | 'abort' | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < max) stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < max) stderr += chunk;
      options.onStderr?.(chunk);
    });

    const kill = (why: 'timeout' | 'abort') => {
      if (settled || killedFor) return;
      killedFor = why;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
    const onAbort = () => kill('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      finish();
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      finish();
      const durationMs = Date.now() - started;
      if (killedFor === 'timeout') {
        reject(
          appError(
            'TIMEOUT',
            `${command} ${args.slice(0, 2).join(' ')} did not answer within ${options.timeoutMs} ms.`,
            {
              details: { stderr: stderr.slice(-4000), timeoutMs: options.timeoutMs },
            },
          ),
        );
        return;
      }
      if (killedFor === 'abort') {
        reject(appError('CANCELLED', `${command} ${args.slice(0, 2).join(' ')} was cancelled.`));
        return;
      }
      resolve({ code, signal, stdout, stderr, durationMs });
    });
  });
}
