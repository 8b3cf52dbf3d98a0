/**
 * The closed set of error codes that may cross any boundary (IPC, HTTP, CLI exit).
 * Expected failures are values, not exceptions: only `message` survives an Error crossing
 * Electron's structured clone, so every layer converts to {@link AppError} before the edge.
 */
export const ERROR_CODES = [
  'DOCKER_UNREACHABLE',
  'DOCKER_MISSING',
  'BUILDX_MISSING',
  'BUILDER_NOT_FOUND',
  'BUILDER_UNREACHABLE',
  'INVALID_INPUT',
  'UNAUTHORIZED',
  'BUILD_FAILED',
  'CANCELLED',
  'TIMEOUT',
  /** The disk holding BuildDeck's data folder is full: a save failed, nothing saved before was changed. */
  'STORAGE_FULL',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Finer than a code, for the core to branch on: what a program's failure words meant. Only the
 * adapters' phrase table (adapters/buildx/failures.ts) reads those words; it sets `details.reason`
 * on the AppError (and on a build's exit), and the core switches on the code and this, never on text.
 */
export type FailureReason =
  /** The Docker Engine did not answer (socket refused, daemon down). */
  | 'engine-down'
  /** A builder or its endpoint did not answer or refused the connection. */
  | 'builder-unreachable'
  /** A builder's node is stopped (container exited). */
  | 'builder-stopped'
  /** A builder's node has no container at all (never started, or removed). */
  | 'builder-inactive'
  /** A connection to BuildKit or the engine closed under a running command. */
  | 'connection-lost'
  /** The BuildKit the builder runs lacks the service asked for (history on BuildKit < 0.11). */
  | 'unsupported'
  /** No build record with that ref on the builder. */
  | 'record-not-found'
  /** Several platforms asked of the docker driver, which builds one at a time. */
  | 'multi-platform-docker';

/** The failure reason the adapters attached to a thrown error, if any. */
export function reasonOf(thrown: unknown): FailureReason | undefined {
  const reason = thrown instanceof AppException ? thrown.appError.details?.['reason'] : undefined;
  return typeof reason === 'string' ? (reason as FailureReason) : undefined;
}

export interface AppError {
  code: ErrorCode;
  /** One sentence a user can read. */
  message: string;
  /** What the user can do about it. */
  hint?: string;
  /** Machine-readable context: the field at fault, the raw output kept for a bug report, versions. */
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

/**
 * What to do about a builder that does not answer: one wording wherever it is said (before a build,
 * where another builder is the way out; after a read, which can simply be asked again).
 */
export const UNREACHABLE_HINT = {
  build: 'Check that its endpoint is reachable and buildkitd is running there, or pick another builder.',
  retry: 'Check that its endpoint is reachable and buildkitd is running there, then retry.',
} as const;

/** "Builder "x" did not answer within N s.": the refusal of a builder silent past its bound. */
export function silentBuilder(
  builder: string,
  timeoutMs: number,
  hint: keyof typeof UNREACHABLE_HINT,
  details: Record<string, unknown>,
): AppException {
  return appError(
    'BUILDER_UNREACHABLE',
    `Builder "${builder}" did not answer within ${Math.round(timeoutMs / 1000)} s.`,
    {
      hint: UNREACHABLE_HINT[hint],
      details: { builder, ...details },
    },
  );
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: AppError): Result<never> => ({ ok: false, error });

/**
 * Thrown inside core and adapters for expected failures; the router turns it into a value.
 * Kept as a class so `instanceof` separates "we know what happened" from crashes.
 */
export class AppException extends Error {
  readonly appError: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.name = 'AppException';
    this.appError = error;
  }
}

export function appError(
  code: ErrorCode,
  message: string,
  extra: { hint?: string; details?: Record<string, unknown> } = {},
): AppException {
  return new AppException({ code, message, ...extra });
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Anything thrown becomes an AppError; unknown crashes become INTERNAL with their message kept. */
/**
 * A write that failed for want of space: the OS's ENOSPC/EDQUOT (settings, temporary files) or SQLite's
 * SQLITE_FULL (better-sqlite3 names the code; node:sqlite says "database or disk is full").
 */
export function isStorageFull(thrown: unknown): boolean {
  if (typeof thrown !== 'object' || thrown === null) return false;
  const { code, message } = thrown as { code?: unknown; message?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  return typeof message === 'string' && /database or disk is full|no space left on device/i.test(message);
}

export function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppException) return thrown.appError;
  if (isStorageFull(thrown)) {
    return {
      code: 'STORAGE_FULL',
      message: 'The disk holding BuildDeck’s data folder is full: this change was not saved.',
      hint: 'Free some space on that disk, then try again. What was saved before is unchanged.',
    };
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${message}`,
    hint: 'This is a bug in BuildDeck. Please report it with the details below.',
    details: thrown instanceof Error && thrown.stack ? { stack: thrown.stack } : {},
  };
}
