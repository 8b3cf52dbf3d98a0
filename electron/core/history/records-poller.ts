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
          onChanged: () => this.kick(),
        })
      : undefined;
    deps.events.onActive((active) => {
      this.activeNow = active;
      if (active) this.schedule(0);
      else this.stop();
    });
  }

  /** Read again now (BuildKit pushed a change); a read in flight already covers it. */
  private kick(): void {
    if (!this.polling) this.schedule(0);
    else this.again = true;
  }

  private again = false;

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

  private schedule(ms: number): void {
    if (this.disposed || !this.activeNow) return;
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
    try {
      await this.deps.rows.readAndKeepNotices(false);
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
      this.schedule(0);
    } else if (watched) {
      // With every node pushing its starts and finishes, reads only refresh the running rows' counts.
      this.schedule(
        this.pushed?.coversAll ? Math.max(this.options.watchedIntervalMs, 2000) : this.options.watchedIntervalMs,
      );
    } else {
      this.idleMs =
        changed || running ? this.options.idleIntervalMs : Math.min(this.idleMs * 2, this.options.idleMaxMs);
      this.schedule(this.idleMs);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.pushed?.dispose();
  }
}
