import type { BakeEvent, BakeSnapshot } from '../common/contracts/bake';
import type { BuildEvent, BuildSnapshot } from '../common/contracts/builds';
import type { EventPayload } from '../common/contract';
import {
  bakeWindowBatch,
  buildWindowBatch,
  reduceBakeEvents,
  reduceBuildEvents,
  type WindowBatch,
} from '../common/progress';
import type { Audience, EventBus } from './events';

/**
 * Events the reducer has not seen yet, at most: past this a push reduces at once, so a flood that
 * nothing reads (no window, no `get`, the flush timer starved by a busy loop) holds a bounded list.
 */
const MAX_UNREDUCED = 512;

/**
 * Where a run's progress goes: every event as it comes to listeners that are not windows (the CLI
 * following its build, the tray), coalesced batches in their window form to windows.
 */
export interface LiveOutput<S, E extends { type: string }> {
  /** Whether anyone takes the events as they come / the window batches (nothing is made for none). */
  listening(audience: Audience): boolean;
  /** Events as pushed, with the index of the first (the CLI prints a build's output from these). */
  all(firstIndex: number, events: E[]): void;
  /** A batch's window form (made by `batch`) with the state after it. */
  windows(firstIndex: number, events: E[], after: S): void;
  /** The window form's builder (window-batch.ts): how a flood of output is cut for windows. */
  batch: WindowBatch<E, S>;
  /** The state after each batch (History's saves of a running build's log). */
  flushed?: ((after: S) => void) | undefined;
}

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
 * Listeners that are not windows get each push at once: they want every event, as soon as it is
 * parsed (the CLI prints a build's output from them). Windows get coalesced batches within
 * `coalesceMs` of the first event, with `firstIndex`, the index of the batch's first event, so a
 * window that joins late can tell which events its snapshot already has. A batch is held in its
 * window form as it grows (a flood's output only counted), and the flush reads the snapshot after
 * the batch, so a batch and the state it leads to always agree.
 */
export class LiveProgress<S, E extends { type: string }> {
  private state: S;
  private unreduced: E[] = [];
  /** Index of the first event of the window batch being held, if one is. */
  private windowFrom: number | undefined;
  /** Events pushed since the last flush (the flush then tells `flushed`). */
  private fresh = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    initial: S,
    private readonly reduce: (s: S, events: readonly E[]) => S,
    private readonly out: LiveOutput<S, E>,
    private readonly coalesceMs: number,
    /** Events the listeners already have (a followed record's synthetic `started`). */
    private pushed = 0,
  ) {
    this.state = initial;
  }

  push(events: readonly E[]): void {
    if (events.length === 0) return;
    const first = this.pushed;
    this.pushed += events.length;
    this.fresh = true;
    for (const e of events) this.unreduced.push(e);
    if (this.out.listening('windows')) {
      this.windowFrom ??= first;
      for (const e of events) this.out.batch.add(e);
    } else if (this.windowFrom !== undefined) {
      // The last window left mid-batch: a window that comes before the flush must not get this
      // batch with these events missing from its middle (its numbering would skip them silently).
      this.windowFrom = undefined;
      this.out.batch.clear();
    }
    if (this.out.listening('others')) this.out.all(first, events.slice());
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
   * its `log` events) has other indexes than the core's events: a snapshot taken inside a batch made
   * the window skip the wrong events, so steps and warnings that came after the snapshot were lost
   * for good, or the whole batch was and the window re-read.
   */
  joinSnapshot(): S {
    this.flush();
    return this.snapshot;
  }

  /** Emits what is pending now (before a `finished` event, so listeners never miss the last batch). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.fresh) return;
    this.fresh = false;
    const after = this.snapshot;
    const from = this.windowFrom;
    this.windowFrom = undefined;
    if (from !== undefined && !this.out.batch.empty) this.out.windows(from, this.out.batch.take(after), after);
    this.out.flushed?.(after);
  }

  private reduceNow(): void {
    const events = this.unreduced;
    this.unreduced = [];
    this.state = this.reduce(this.state, events);
  }
}

/** Where a run's progress goes on the core's bus, as `event` with the run's id (`payload`). */
function onBus<S, E extends { type: string }, N extends ProgressEvent>(
  bus: EventBus,
  event: N,
  payload: (firstIndex: number, events: E[]) => EventPayload<N>,
  batch: WindowBatch<E, S>,
  flushed?: (after: S) => void,
): LiveOutput<S, E> {
  return {
    listening: (audience) => bus.listening(audience),
    all: (firstIndex, events) => bus.emitTo('others', event, payload(firstIndex, events)),
    windows: (firstIndex, events) => bus.emitTo('windows', event, payload(firstIndex, events)),
    batch,
    flushed,
  };
}

type ProgressEvent = 'build.progressed' | 'bake.progressed' | 'history.progressed';

/** A build's live progress, as `build.progressed`. `flushed` sees the snapshot after each batch. */
export function liveBuild(
  events: EventBus,
  buildId: string,
  initial: BuildSnapshot,
  coalesceMs: number,
  flushed?: (after: BuildSnapshot) => void,
): LiveProgress<BuildSnapshot, BuildEvent> {
  const out = onBus(
    events,
    'build.progressed',
    (firstIndex, batch: BuildEvent[]) => ({ buildId, firstIndex, events: batch }),
    buildWindowBatch(),
    flushed,
  );
  return new LiveProgress(initial, reduceBuildEvents, out, coalesceMs);
}

/** A bake's live progress, as `bake.progressed` (one log sync per target in a flood). */
export function liveBake(
  events: EventBus,
  bakeId: string,
  initial: BakeSnapshot,
  coalesceMs: number,
): LiveProgress<BakeSnapshot, BakeEvent> {
  const out = onBus(
    events,
    'bake.progressed',
    (firstIndex, batch: BakeEvent[]) => ({ bakeId, firstIndex, events: batch }),
    bakeWindowBatch(),
  );
  return new LiveProgress(initial, reduceBakeEvents, out, coalesceMs);
}

/**
 * A followed BuildKit record's live progress, as `history.progressed`. `emitted`: the events its
 * listeners have before the first push (the stream's synthetic `started`).
 */
export function liveRecord(
  events: EventBus,
  streamId: string,
  initial: BuildSnapshot,
  coalesceMs: number,
  emitted: number,
): LiveProgress<BuildSnapshot, BuildEvent> {
  const out = onBus(
    events,
    'history.progressed',
    (firstIndex, batch: BuildEvent[]) => ({ streamId, firstIndex, events: batch }),
    buildWindowBatch(),
  );
  return new LiveProgress(initial, reduceBuildEvents, out, coalesceMs, emitted);
}
