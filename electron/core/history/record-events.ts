import type { Clock } from '../ports';
import { endStatus, rowOfRecord, type BuildkitRows } from './buildkit-rows';
import { buildName } from './build-name';
import type { RecordEvent, RecordEventsPort } from './ports';

export interface RecordEventsDeps {
  events: RecordEventsPort;
  rows: BuildkitRows;
  clock: Clock;
  /** A build started on a node: its ref (already listed as running). */
  onStarted(ref: string): void;
  /** A listed running build finished (its row already says how). */
  onFinished(ref: string): void;
  /**
   * A build started that could not be named here, was deleted, or finished without being listed by
   * name on `builder`: its rows should be read again now.
   */
  onChanged(builder: string): void;
}

/** A stream that failed is not dialled again sooner than this (a builder going down must not spin). */
const RETRY_MS = 5_000;

/**
 * Holds one ListenBuildHistory stream per available builder node while a window listens, so a build
 * started anywhere (a terminal, compose, CI) is listed as running the moment BuildKit starts it,
 * not at the next `history ls`. The rows' poller stays the source of truth: a started event adds a
 * provisional running row, and any finish or deletion asks the poller to read again at once.
 */
export class RecordEvents {
  private readonly streams = new Map<string, AbortController>();
  private readonly unsupported = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly deps: RecordEventsDeps) {}

  /** Every available node has a live stream (then the poller can read less often). */
  get coversAll(): boolean {
    const nodes = this.wanted();
    return nodes.size > 0 && [...nodes].every((k) => this.streams.has(k));
  }

  private wanted(): Set<string> {
    const want = new Set<string>();
    for (const b of this.deps.rows.views())
      if (b.state === 'available') for (const n of b.nodes) want.add(`${b.name}\n${n}`);
    return want;
  }

  /** Opens streams for available nodes and closes the rest (after every poll); `false` closes all. */
  sync(active: boolean): void {
    const want = active ? this.wanted() : new Set<string>();
    for (const [key, ac] of this.streams) {
      if (want.has(key)) continue;
      ac.abort();
      this.streams.delete(key);
    }
    const now = this.deps.clock.now();
    for (const key of want) {
      if (this.streams.has(key) || this.unsupported.has(key)) continue;
      if (now - (this.failedAt.get(key) ?? -Infinity) < RETRY_MS) continue;
      this.open(key);
    }
  }

  private open(key: string): void {
    const [builder, node] = key.split('\n') as [string, string];
    const ac = new AbortController();
    this.streams.set(key, ac);
    this.deps.events
      .listen(builder, node, { signal: ac.signal, onEvent: (e) => this.onEvent(builder, node, e) })
      .then(
        (r) => {
          if (r === 'unsupported') this.unsupported.add(key);
        },
        () => {
          if (!ac.signal.aborted) this.failedAt.set(key, this.deps.clock.now());
        },
      )
      .finally(() => {
        if (this.streams.get(key) === ac) this.streams.delete(key);
      });
  }

  /** A node's events, handled one after another: a start is named before its finish is applied. */
  private readonly queues = new Map<string, Promise<void>>();

  private onEvent(builder: string, node: string, e: RecordEvent): void {
    const key = `${builder}\n${node}`;
    const next = (this.queues.get(key) ?? Promise.resolve())
      .then(() => this.handle(builder, node, e))
      .catch(() => undefined)
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      });
    this.queues.set(key, next);
  }

  private async handle(builder: string, node: string, e: RecordEvent): Promise<void> {
    const ref = `${builder}/${node}/${e.id}`;
    if (e.type === 'started') {
      const row = rowOfRecord(builder, node, e, this.deps.clock.now());
      // Named as `history ls` would (the attributes and buildx's local state of the record, saved
      // before the solve): a start then costs no process beside the build.
      const name = buildName(e.nameAttrs, await this.deps.rows.localStateOf(row));
      const added = this.deps.rows.addRunning({ ...row, name: name ?? '', status: 'running' });
      if (added) this.deps.onStarted(ref);
      if (name !== undefined) return;
    } else if (e.type === 'complete') {
      const finished = this.deps.rows.finishRow(ref, {
        status: endStatus(e),
        ...(e.completedAt !== undefined ? { completedAt: e.completedAt } : {}),
        counts: e.counts,
      });
      if (finished) this.deps.onFinished(ref);
      // The event carries the end (status, time, counts) in full: a named row needs no read, and a
      // read here would compete with the build's last steps for the CPU. That holds for the COMPLETE
      // BuildKit sends again when buildx finalizes the record (attaching its trace, seconds later):
      // reading then cost a full record list (1,664 records on this engine) during the next build.
      if (this.deps.rows.named(ref)) return;
    }
    // A start we could not name, a deletion, an unlisted finish: `history ls` says what is there.
    this.deps.onChanged(builder);
  }

  dispose(): void {
    this.sync(false);
  }
}
