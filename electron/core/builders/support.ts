import type { Builder, BuilderNode } from '../../common/domain';
import { AppException, appError, type AppError } from '../../common/errors';
import type { EventBus } from '../events';
import type { BuildxPort, Clock } from '../ports';
import type { BuilderAction } from '../../common/contracts/builders';
import type { BuilderOpsPort, FileCheck, HostFilesPort, StoredBuilderDetails } from './ports';
import type { BuildersService } from './service';

/**
 * What the builder use cases (create, lifecycle, inspect, health) and the drivers share: error
 * helpers, progress events around an action, and reading a builder back after one.
 */

export function codeOf(err: unknown): AppError['code'] | undefined {
  return err instanceof AppException ? err.appError.code : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Adds details to an AppException without losing its code, hint or field. */
export function withDetails(err: unknown, extra: Record<string, unknown>): unknown {
  if (!(err instanceof AppException)) return err;
  return new AppException({ ...err.appError, details: { ...(err.appError.details ?? {}), ...extra } });
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The promise's value, or undefined once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** A file the user named must exist and be readable before buildx records its path. */
export async function mustRead(
  files: HostFilesPort,
  field: string,
  path: string,
): Promise<Extract<FileCheck, { ok: true }>> {
  const check = await files.check(path);
  if (!check.ok) {
    throw appError(
      'INVALID_INPUT',
      check.reason === 'missing' ? `File not found: ${path}` : `Cannot use ${path}: ${check.message}.`,
      {
        hint: check.reason === 'unreadable' ? 'Give this user read access to the file.' : 'Pick an existing file.',
        details: { field, path },
      },
    );
  }
  return check;
}

/** A builder buildx could not be asked about, drawn from its stored record. */
export function fromStored(stored: StoredBuilderDetails, status: BuilderNode['status'], reason: string): Builder {
  return {
    name: stored.name,
    driver: stored.driver,
    current: false,
    contextBuilder: false,
    dynamic: false,
    nodes: stored.nodes.map((n) => ({
      name: n.name,
      endpoint: n.endpoint,
      status,
      platforms: n.pinnedPlatforms,
      pinnedPlatforms: n.pinnedPlatforms,
      error: reason,
    })),
    error: `Builder ${reason}.`,
  };
}

export interface ReadPorts {
  buildx: BuildxPort;
  ops: BuilderOpsPort;
}

/** The builder with `current` from buildx's store (inspect does not say). */
export async function withCurrent(buildx: BuildxPort, builder: Builder): Promise<Builder> {
  const store = await buildx.stored().catch(() => undefined);
  return { ...builder, current: store?.current === builder.name };
}

/** The builder as buildx reports it now; its stored record when buildx cannot say. */
export async function readBuilder(ports: ReadPorts, name: string, timeoutMs: number): Promise<Builder> {
  try {
    return await withCurrent(ports.buildx, (await ports.ops.inspect(name, { timeoutMs })).builder);
  } catch (err) {
    const stored = await ports.ops.stored(name);
    if (!stored) throw err;
    return withCurrent(ports.buildx, fromStored(stored, 'unknown', `not read: ${messageOf(err)}`));
  }
}

export interface Operation {
  operationId?: string | undefined;
  builder: string;
  action: BuilderAction;
}

export interface ActivityPorts {
  events: EventBus;
  clock: Clock;
  /** Only to invalidate its cache after an action. */
  list: Pick<BuildersService, 'invalidate'>;
}

/**
 * Progress of the actions that change builders (create, bootstrap, stop, use, remove, leave):
 * `builders.progressed` as they go, and `builders.changed` after each, whatever its outcome.
 */
export class BuilderActivity {
  constructor(private readonly ports: ActivityPorts) {}

  now(): number {
    return this.ports.clock.now();
  }

  progress(op: Operation, phase: 'started' | 'progress' | 'succeeded' | 'failed', message: string): void {
    this.ports.events.emit('builders.progressed', {
      ...(op.operationId !== undefined ? { operationId: op.operationId } : {}),
      builder: op.builder,
      action: op.action,
      phase,
      message,
      at: new Date(this.now()).toISOString(),
    });
  }

  /** Wraps an action: started/succeeded/failed events around it, and a change notice either way. */
  async act<T>(
    op: Operation,
    startMessage: string,
    body: () => Promise<T>,
    doneMessage: (value: T) => string,
  ): Promise<T> {
    this.progress(op, 'started', startMessage);
    try {
      const value = await body();
      this.progress(op, 'succeeded', doneMessage(value));
      return value;
    } catch (err) {
      this.progress(op, 'failed', messageOf(err));
      throw err;
    } finally {
      this.ports.list.invalidate();
      this.ports.events.emit('builders.changed', { reason: `${op.action} ${op.builder}` });
    }
  }
}
