/**
 * Lifetimes (VS Code's `IDisposable`/`DisposableStore` pattern, kept small): whatever holds a resource
 * (a subscription, a watcher, a timer, a database) is a Disposable, and its owner releases everything
 * it acquired in one awaited call. Every entry point (desktop main, serve, CLI, tests) awaits
 * `Core.dispose()` before it lets the process end, so a build is cancelled and the database closed
 * (its WAL checkpointed) before exit, not "soon after".
 */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/** What a subscription returns: call it once to stop listening. */
export type Disposer = () => void;

export function toDisposable(dispose: () => void | Promise<void>): Disposable {
  return { dispose };
}

/**
 * Owns disposables and releases them once, newest first: what was acquired later usually uses what
 * came before (builds write to the database opened earlier), so it must stop first. Async disposals
 * are awaited one after the other; one that fails does not stop the rest, its error is rethrown
 * after all ran. `dispose()` is idempotent: later calls get the same promise.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private done: Promise<void> | undefined;

  get isDisposed(): boolean {
    return this.done !== undefined;
  }

  /** Takes ownership; added after dispose() it is released at once (nothing may outlive its owner). */
  add<T extends Disposable>(item: T): T {
    if (this.done) void Promise.resolve(item.dispose()).catch(() => undefined);
    else this.items.push(item);
    return item;
  }

  dispose(): Promise<void> {
    this.done ??= this.release();
    return this.done;
  }

  private async release(): Promise<void> {
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposals failed`);
  }
}
