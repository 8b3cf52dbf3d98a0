import type { EventBus } from '../events';
import type { Clock } from '../ports';
import type { BuildkitRows } from './buildkit-rows';
import { RecordEvents } from './record-events';
import type { RecordEventsPort } from './ports';

export interface PollerOptions {
  /** Gap between polls while a History view holds a watch lease (a `history ls` takes ~1 s itself). */
  watchedIntervalMs: number;
  /** Poll interval while a window listens without a lease; doubles while nothing changes, up to `idleMaxMs`. */
  idleIntervalMs: number;
  idleMaxMs: number;
}

/**
 * Polls BuildKit's records only while a window listens (EventBus.onActive), fast while a History
 * view holds a `history.watch` lease, and says what appeared, finished or went as
 * `history.recordsChanged`. The CLI never starts it.
 */
export class RecordsPoller {
  private watchUntil = 0;
  private activeNow = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private idleMs: number;
  private disposed = false;

  /** BuildKit's pushed events, where the nodes can be dialled: starts show at once. */
  private readonly pushed: RecordEvents | undefined;

  constructor(
    private readonly deps: { rows: BuildkitRows; events: EventBus; clock: Clock; recordEvents?: RecordEventsPort },
    private readonly options: PollerOptions,
  ) {
    this.idleMs = options.idleIntervalMs;
    this.pushed = deps.recordEvents
      ? new RecordEvents({
          events: deps.recordEvents,
          rows: deps.rows,
          clock: deps.clock,
          onStarted: (ref) => deps.events.emit('history.recordsChanged', { ids: [ref], reason: 'appeared' }),
          onFinished: (ref) => deps.events.emit('history.recordsChanged', { ids: [ref], reason: 'finished' }),
          onChanged: (builder) => this.kick(builder),
        })
      : undefined;
    deps.events.onActive((active) => {
      this.activeNow = active;
      if (active) this.schedule(0);
      else this.stop();
    });
  }

  /**
   * Read `builder` again now (BuildKit pushed a change on it); a read in flight is followed by one
   * more. Only that builder is read: a `history ls` per builder on every start and finish cost a
   * process each, which a build started from BuildDeck paid for in its own time.
   */
  private kick(builder: string): void {
    this.kicked.add(builder);
    if (this.polling) this.again = true;
    else this.schedule(0, false);
  }

  private again = false;
  /** Builders a pushed event asked to read; a timed poll (due at `fullDueAt`) reads every builder. */
  private readonly kicked = new Set<string>();
  private fullDueAt = 0;

  /** Whether a window listens (then the rows are kept fresh by polling). */
  get active(): boolean {
    return this.activeNow;
  }

  watch(seconds: number): { until: number; intervalMs: number } {
    this.watchUntil = Math.max(this.watchUntil, this.deps.clock.now() + seconds * 1000);
    this.idleMs = this.options.idleIntervalMs;
    if (this.activeNow) this.schedule(0);
    return { until: this.watchUntil, intervalMs: this.options.watchedIntervalMs };
  }

  private schedule(ms: number, full = true): void {
    if (this.disposed || !this.activeNow) return;
    if (full) this.fullDueAt = this.deps.clock.now() + ms;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), ms);
  }

  private stop(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.pushed?.sync(false);
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    if (this.polling || !this.activeNow) return;
    this.polling = true;
    const before = this.deps.rows.statusByRef();
    const fullDue = this.deps.clock.now() >= this.fullDueAt;
    const only = fullDue ? [] : [...this.kicked];
    this.kicked.clear();
    try {
      if (only.length === 0) await this.deps.rows.readAndKeepNotices(false);
      else await Promise.all(only.map((b) => this.deps.rows.read(false, b)));
    } catch {
      // A failed poll is retried on the next tick.
    } finally {
      this.polling = false;
    }
    this.pushed?.sync(this.activeNow && !this.disposed);
    const after = this.deps.rows.statusByRef();
    const appeared: string[] = [];
    const finished: string[] = [];
    const removed: string[] = [];
    for (const [ref, status] of after) {
      const was = before.get(ref);
      if (was === undefined) appeared.push(ref);
      else if (was !== status) finished.push(ref);
    }
    for (const ref of before.keys()) if (!after.has(ref)) removed.push(ref);
    if (appeared.length > 0) this.deps.events.emit('history.recordsChanged', { ids: appeared, reason: 'appeared' });
    if (finished.length > 0) this.deps.events.emit('history.recordsChanged', { ids: finished, reason: 'finished' });
    if (removed.length > 0) this.deps.events.emit('history.recordsChanged', { ids: removed, reason: 'removed' });
    const changed = appeared.length + finished.length + removed.length > 0;
    const running = [...after.values()].includes('running');
    const watched = this.deps.clock.now() < this.watchUntil;
    if (this.again) {
      // A finish or start was pushed while this read ran: it may have missed it.
      this.again = false;
      this.schedule(0, false);
      return;
    }
    let next: number;
    if (watched) {
      // With every node pushing its starts and finishes, reads only refresh the running rows' counts.
      next = this.pushed?.coversAll ? Math.max(this.options.watchedIntervalMs, 2000) : this.options.watchedIntervalMs;
    } else {
      this.idleMs =
        changed || running ? this.options.idleIntervalMs : Math.min(this.idleMs * 2, this.options.idleMaxMs);
      next = this.idleMs;
    }
    // A read of the pushed builders only does not postpone the timed read of every builder.
    if (only.length > 0) next = Math.min(next, Math.max(0, this.fullDueAt - this.deps.clock.now()));
    this.schedule(next);
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.pushed?.dispose();
  }
}
