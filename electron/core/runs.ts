import { appError } from '../common/errors';

/** A build or bake this core started: what cancel, wait and the lists need of it. */
export interface RunHandle<S extends { status: string; startedAt?: number | undefined }> {
  snapshot: S;
  abort: AbortController;
  cancelRequested: boolean;
  done: Promise<void>;
}

/**
 * The runs of this core (builds or bakes): running ones and the recent finished ones, for `get`,
 * `list`, `cancel` and quitting. Finished runs beyond `keepRecent` are dropped (history keeps them).
 */
export class RunRegistry<S extends { status: string; startedAt?: number | undefined }, R extends RunHandle<S>> {
  private readonly runs = new Map<string, R>();

  constructor(
    private readonly what: { noun: 'build' | 'bake'; field: string },
    private readonly keepRecent: number,
  ) {}

  add(id: string, run: R): void {
    this.runs.set(id, run);
    const finished = [...this.runs.entries()].filter(([, r]) => r.snapshot.status !== 'running');
    for (const [old] of finished.slice(0, Math.max(0, finished.length - this.keepRecent))) this.runs.delete(old);
  }

  get(id: string): R {
    const r = this.runs.get(id);
    if (!r) {
      throw appError('INVALID_INPUT', `No ${this.what.noun} ${id} in this session.`, {
        hint: 'It may have finished before BuildDeck restarted: open it from History.',
        details: { field: this.what.field },
      });
    }
    return r;
  }

  /** Resolves when the run has ended (tests, CLI). */
  async wait(id: string): Promise<S> {
    const r = this.get(id);
    await r.done;
    return r.snapshot;
  }

  /** Interrupts a running one (the runner escalates SIGINT, SIGTERM, SIGKILL); false once it ended. */
  cancel(id: string): { cancelled: boolean } {
    const r = this.get(id);
    if (r.snapshot.status !== 'running') return { cancelled: false };
    r.cancelRequested = true;
    r.abort.abort();
    return { cancelled: true };
  }

  /** Snapshots, newest first. */
  snapshots(): S[] {
    return [...this.runs.values()].map((r) => r.snapshot).sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  }

  /** Cancels what runs (app quit); resolves when every buildx has exited. */
  async dispose(): Promise<void> {
    const running = [...this.runs.entries()].filter(([, r]) => r.snapshot.status === 'running');
    for (const [id] of running) this.cancel(id);
    await Promise.all(running.map(([, r]) => r.done));
  }
}

/** History is a record, not a gate: a full disk must not fail the build or bake itself. */
export function recordSafely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Nothing to do: the run goes on without its record.
  }
}
