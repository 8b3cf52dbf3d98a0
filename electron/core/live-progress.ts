import type { BakeEvent, BakeSnapshot } from '../common/contracts/bake';
import type { BuildEvent, BuildSnapshot } from '../common/contracts/builds';
import { bakeEventsForWindows, eventsForWindows, reduceBakeEvents, reduceBuildEvents } from '../common/progress';
import type { EventBus } from './events';

/**
 * Events the reducer has not seen yet, at most: past this a push reduces at once, so a flood that
 * nothing reads (no window, no `get`, the flush timer starved by a busy loop) holds a bounded list.
 */
const MAX_UNREDUCED = 512;

/**
 * The live progress of a run (a build, a bake, a followed BuildKit record): its snapshot and the
 * events that leave the core.
 *
 * Events come in a pipe read at a time, and a read often carries a single event (buildx writes each
 * status as it happens). They are reduced when something reads `snapshot` (a `get`, the flush below,
 * the run's end), not per read: a reduction copies each container it touches once per batch (see
 * common/progress/reducer.ts), so reducing per read would pay those copies per event whenever reads
 * are small, for snapshots nobody looks at (issue 14's "one event at a time" row, docs/performance.md).
 *
 * Events go out in coalesced batches within `coalesceMs` of the first one, with `firstIndex`, the
 * index of the batch's first event, so a window that joins late can tell which events its snapshot
 * already has. The flush reads the snapshot after the batch, so a batch and the state it leads to
 * always agree.
 */
export class LiveProgress<S, E> {
  private state: S;
  private unreduced: E[] = [];
  private unsent: E[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    initial: S,
    private readonly reduce: (s: S, events: readonly E[]) => S,
    private readonly emit: (firstIndex: number, events: E[], after: S) => void,
    private readonly coalesceMs: number,
    /** Events the listeners already have (a followed record's synthetic `started`). */
    private emitted = 0,
  ) {
    this.state = initial;
  }

  push(events: readonly E[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      this.unreduced.push(e);
      this.unsent.push(e);
    }
    if (this.unreduced.length >= MAX_UNREDUCED) this.reduceNow();
    this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** The state after every event pushed so far. */
  get snapshot(): S {
    if (this.unreduced.length > 0) this.reduceNow();
    return this.state;
  }

  /**
   * The snapshot for a reader that joins the run's events now (a window's `builds.get`, `bake.get`,
   * `history.attach`): what waits leaves first, so the snapshot ends where a batch ends. A window
   * skips what its snapshot has by index (applyProgress), and a flood batch's window form (without
   * its `log` events, eventsForWindows) has other indexes than the core's events: a snapshot taken
   * inside a batch made the window skip the wrong events, so steps and warnings that came after the
   * snapshot were lost for good, or the whole batch was and the window re-read.
   */
  joinSnapshot(): S {
    this.flush();
    return this.snapshot;
  }

  /** Emits what is pending now (before a `finished` event, so listeners never miss the last batch). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unsent.length === 0) return;
    const events = this.unsent;
    this.unsent = [];
    const firstIndex = this.emitted;
    this.emitted += events.length;
    this.emit(firstIndex, events, this.snapshot);
  }

  private reduceNow(): void {
    const events = this.unreduced;
    this.unreduced = [];
    this.state = this.reduce(this.state, events);
  }
}

/**
 * A build's live progress: batches go out as `build.progressed`, and windows get each batch's window
 * form (`eventsForWindows`: a flood of output as log tails, cut from the snapshot after the batch).
 * `flushed` sees that snapshot after each batch (History's saves of a running build's log).
 */
export function liveBuild(
  events: EventBus,
  buildId: string,
  initial: BuildSnapshot,
  coalesceMs: number,
  flushed?: (after: BuildSnapshot) => void,
): LiveProgress<BuildSnapshot, BuildEvent> {
  return new LiveProgress<BuildSnapshot, BuildEvent>(
    initial,
    reduceBuildEvents,
    (firstIndex, batch, after) => {
      events.emit('build.progressed', { buildId, firstIndex, events: batch }, () => ({
        buildId,
        firstIndex,
        events: eventsForWindows(after, batch),
      }));
      flushed?.(after);
    },
    coalesceMs,
  );
}

/** A bake's live progress: the same as a build's, as `bake.progressed` with `bakeEventsForWindows`. */
export function liveBake(
  events: EventBus,
  bakeId: string,
  initial: BakeSnapshot,
  coalesceMs: number,
): LiveProgress<BakeSnapshot, BakeEvent> {
  return new LiveProgress<BakeSnapshot, BakeEvent>(
    initial,
    reduceBakeEvents,
    (firstIndex, batch, after) => {
      events.emit('bake.progressed', { bakeId, firstIndex, events: batch }, () => ({
        bakeId,
        firstIndex,
        events: bakeEventsForWindows(after, batch),
      }));
    },
    coalesceMs,
  );
}
