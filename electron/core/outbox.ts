import type { BakeEvent, BakeSnapshot } from '../common/contracts/bake';
import type { BuildEvent, BuildSnapshot } from '../common/contracts/builds';
import { bakeEventsForWindows, eventsForWindows } from '../common/progress';
import type { EventBus } from './events';

/**
 * Progress events leave the core in coalesced batches: a build or bake reduces every event at once
 * (its snapshot is always current for a `get`), and emits them within `coalesceMs` as one batch
 * whose `firstIndex` is the index of its first event, so a window that joins late can tell which
 * events its snapshot already has.
 */
export class Outbox<E> {
  private pending: E[] = [];
  private emitted = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly emit: (firstIndex: number, events: E[]) => void,
    private readonly coalesceMs: number,
  ) {}

  push(events: readonly E[]): void {
    if (events.length === 0) return;
    for (const e of events) this.pending.push(e);
    this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Emits what is pending now (before a `finished` event, so listeners never miss the last batch). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    const firstIndex = this.emitted;
    this.emitted += events.length;
    this.emit(firstIndex, events);
  }
}

/**
 * A build's outbox: batches go out as `build.progressed`, and windows get each batch's window form
 * (`eventsForWindows`: a flood of output as log tails). `current` is the build's snapshot, which the
 * outbox's flush sees after every pending event (a build reduces each event as it arrives).
 */
export function buildOutbox(
  events: EventBus,
  buildId: string,
  current: () => BuildSnapshot,
  coalesceMs: number,
): Outbox<BuildEvent> {
  return new Outbox<BuildEvent>((firstIndex, batch) => {
    const after = current();
    events.emit('build.progressed', { buildId, firstIndex, events: batch }, () => ({
      buildId,
      firstIndex,
      events: eventsForWindows(after, batch),
    }));
  }, coalesceMs);
}

/** A bake's outbox: the same as a build's, as `bake.progressed` with `bakeEventsForWindows`. */
export function bakeOutbox(
  events: EventBus,
  bakeId: string,
  current: () => BakeSnapshot,
  coalesceMs: number,
): Outbox<BakeEvent> {
  return new Outbox<BakeEvent>((firstIndex, batch) => {
    const after = current();
    events.emit('bake.progressed', { bakeId, firstIndex, events: batch }, () => ({
      bakeId,
      firstIndex,
      events: bakeEventsForWindows(after, batch),
    }));
  }, coalesceMs);
}
