import { appError } from '../../common/errors';

/** One step of stopping a child: send `signal`, `afterMs` after the stop began. */
export interface StopStep {
  signal: NodeJS.Signals;
  afterMs: number;
}

export interface RunOptions {
  /** Hard bound: the child is stopped (see `stopWith`) when it runs longer. */
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each stderr chunk as it arrives (progress streams). */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  /** Stop buffering past this many bytes per stream; the tail beyond is dropped, not the head... */
  maxBufferBytes?: number;
  /** ...unless this is set: then the LAST maxBufferBytes are kept (a progress stream's end says why it failed). */
  keepTail?: boolean;
  /**
   * Own process group (POSIX): stop signals reach the whole group, so the docker CLI's buildx plugin
   * gets them too, as from a terminal's Ctrl+C.
   */
  group?: boolean;
  /** How a timeout or `signal` stops the child. Default: SIGTERM, then SIGKILL 2 s later. */
  stopWith?: readonly StopStep[];
  /** Aborting this ends the child at once (SIGTERM, SIGKILL 1.5 s later): a frozen peer's watchdog. */
  kill?: AbortSignal;
  /**
   * 'reject' (default): a timeout rejects TIMEOUT and a cancel CANCELLED. 'resolve': the exit is
   * still a result (`stoppedFor` says why), for streams whose output up to the stop matters (builds).
   */
  onStop?: 'reject' | 'resolve';
  /**
   * Called once the child has been spawned (synchronously after node:child_process.spawn returns;
   * a program that turns out missing is reported by the promise as usual). Lets a caller do work
   * while the program starts instead of before it (a build records its start then).
   */
  onSpawned?: () => void;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when BuildDeck stopped the child (only with `onStop: 'resolve'`). */
  stoppedFor?: 'timeout' | 'abort' | 'kill';
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;
const DEFAULT_STOP: readonly StopStep[] = [
  { signal: 'SIGTERM', afterMs: 0 },
  { signal: 'SIGKILL', afterMs: 2000 },
];
/** buildx waiting on a builder that stopped answering ignores SIGINT and SIGTERM (measured). */
const KILL_STEPS: readonly StopStep[] = [
  { signal: 'SIGTERM', afterMs: 0 },
  { signal: 'SIGKILL', afterMs: 1500 },
];

/**
 * Runs a program with an argument array: never a shell, so no user input is ever interpolated.
 * Rejects only for "could not run at all" (ENOENT → the caller maps it), and, unless `onStop` is
 * 'resolve', TIMEOUT and CANCELLED; a non-zero exit is a normal result the caller interprets.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    if (options.signal?.aborted) {
      reject(appError('CANCELLED', `Cancelled before ${command} started.`));
      return;
    }
    const group = options.group === true && process.platform !== 'win32';
    // node:child_process on first use: a verb that spawns nothing (cache du) does not load it.
    const child = process.getBuiltinModule('node:child_process').spawn(command, [...args], {
      shell: false,
      windowsHide: true,
      detached: group,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    options.onSpawned?.();
    const max = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
    let stdout = '';
    let stderr = '';
    let settled = false;
    let stoppedFor: RunResult['stoppedFor'];
    const timers: ReturnType<typeof setTimeout>[] = [];
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const keep = (buffer: string, chunk: string) =>
      options.keepTail ? (buffer + chunk).slice(-max) : buffer.length < max ? buffer + chunk : buffer;
    child.stdout.on('data', (chunk: string) => {
      stdout = keep(stdout, chunk);
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = keep(stderr, chunk);
      options.onStderr?.(chunk);
    });

    const send = (sig: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        if (group) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        child.kill(sig);
      }
    };
    const stop = (why: NonNullable<RunResult['stoppedFor']>, steps: readonly StopStep[]) => {
      if (settled) return;
      // A kill may follow a cancel (the watchdog ends what a SIGINT could not); nothing else repeats.
      if (stoppedFor && why !== 'kill') return;
      stoppedFor ??= why;
      for (const step of steps) {
        if (step.afterMs === 0) send(step.signal);
        else timers.push(setTimeout(() => send(step.signal), step.afterMs));
      }
    };
    const stopSteps = options.stopWith ?? DEFAULT_STOP;
    const timer = setTimeout(() => stop('timeout', stopSteps), options.timeoutMs);
    const onAbort = () => stop('abort', stopSteps);
    const onKill = () => stop('kill', KILL_STEPS);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    options.kill?.addEventListener('abort', onKill, { once: true });

    const finish = () => {
      settled = true;
      clearTimeout(timer);
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      options.kill?.removeEventListener('abort', onKill);
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
      if (options.onStop !== 'resolve' && stoppedFor === 'timeout') {
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
      if (options.onStop !== 'resolve' && stoppedFor !== undefined) {
        reject(appError('CANCELLED', `${command} ${args.slice(0, 2).join(' ')} was cancelled.`));
        return;
      }
      resolve({ code, signal, stdout, stderr, durationMs, ...(stoppedFor ? { stoppedFor } : {}) });
    });
  });
}
